"""List filters of the property API. References resolve within the user's scope only."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from .models import Building, CityCompany, FinishStandard, Phase, Project, Unit


def visible_queryset(model):
    """A filter's choices: the rows of `model` the requesting user may see."""

    def queryset(request):
        if request is None:
            return model.objects.none()
        return model.objects.visible_to(request.user)

    return queryset


class CityCompanyFilter(filters.FilterSet):
    code = filters.CharFilter(label=_("code"))
    city = filters.CharFilter(label=_("city"))

    class Meta:
        model = CityCompany
        fields = ["code", "city"]


class ProjectFilter(filters.FilterSet):
    city_company = filters.ModelChoiceFilter(queryset=visible_queryset(CityCompany), label=_("city company"))
    code = filters.CharFilter(label=_("code"))
    name = filters.CharFilter(lookup_expr="icontains", label=_("name contains"))

    class Meta:
        model = Project
        fields = ["city_company", "code", "name"]


class PhaseFilter(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=visible_queryset(Project), label=_("project"))

    class Meta:
        model = Phase
        fields = ["project"]


class BuildingFilter(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=visible_queryset(Project), label=_("project"))
    phase = filters.ModelChoiceFilter(queryset=visible_queryset(Phase), label=_("phase"))
    number = filters.CharFilter(label=_("building number"))

    class Meta:
        model = Building
        fields = ["project", "phase", "number"]


class UnitFilter(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=visible_queryset(Project), label=_("project"))
    phase = filters.ModelChoiceFilter(
        field_name="building__phase", queryset=visible_queryset(Phase), label=_("phase")
    )
    building = filters.ModelChoiceFilter(queryset=visible_queryset(Building), label=_("building"))
    code = filters.CharFilter(label=_("unit code, e.g. 3-1-502"))
    finish_standard = filters.ChoiceFilter(choices=FinishStandard.choices, label=_("finish standard"))
    floor = filters.NumberFilter(label=_("floor"))

    class Meta:
        model = Unit
        fields = ["project", "phase", "building", "code", "finish_standard", "floor"]
