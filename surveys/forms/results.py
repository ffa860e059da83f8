"""The results page's filters: segment × city company × project × dimension, each offering only what
lies within the user's scope."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from properties.selectors import projects_by_id, visible_city_companies, visible_projects
from surveys.models import Dimension, Segment
from surveys.selectors.results import ResultFilters

ALL = [("", _("All"))]


class ResultFilterForm(forms.Form):
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    city_company = forms.TypedChoiceField(
        label=_("City company"), required=False, coerce=int, empty_value=None
    )
    project = forms.TypedChoiceField(label=_("Project"), required=False, coerce=int, empty_value=None)
    dimension = forms.ChoiceField(label=_("Dimension"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = ALL + list(Segment.choices)
        self.fields["dimension"].choices = ALL + list(Dimension.choices)
        self.fields["city_company"].choices = ALL + [(pk, name) for pk, name in visible_city_companies(user)]
        self.fields["project"].choices = ALL + [(pk, name) for pk, name in visible_projects(user)]

    def clean(self):
        cleaned = super().clean()
        project, city = cleaned.get("project"), cleaned.get("city_company")
        if project and city and projects_by_id().get(project, ("", None))[1] != city:
            self.add_error("project", _("This project is not in the chosen city company."))
        return cleaned

    def filters(self) -> ResultFilters:
        """The valid filters (call after is_valid())."""
        data = self.cleaned_data
        return ResultFilters(
            segment=data.get("segment") or "",
            city_company_id=data.get("city_company"),
            project_id=data.get("project"),
            dimension=data.get("dimension") or "",
        )
