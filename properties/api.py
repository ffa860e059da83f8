"""REST API v1 of the property hierarchy: /api/v1/city-companies, projects, phases, buildings, units.

Reads are scoped with `visible_to(user)`: rows outside the user's scope answer 404 and never
appear in lists. Writes go through properties.services (role `may_edit_property` and scope
checks); serializers only check the shape of the input. There is no DELETE: property rows
carry contracts and history.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, permissions, serializers, viewsets

from core.api import ScopedPrimaryKeyRelatedField

from . import selectors, services
from .filters import BuildingFilter, CityCompanyFilter, PhaseFilter, ProjectFilter, UnitFilter
from .models import Building, CityCompany, Phase, Project, Unit


class MayEditPropertyOrReadOnly(permissions.BasePermission):
    """Every signed-in staff member reads the property in scope; only `may_edit_property` roles write."""

    message = _("Your role may not edit property data.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or request.user.may_edit_property()


# --- Serializers: shape only --------------------------------------------------------------


class CityCompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = CityCompany
        fields = ["id", "code", "name", "city", "created_at", "updated_at"]


class ProjectSerializer(serializers.ModelSerializer):
    city_company = ScopedPrimaryKeyRelatedField(queryset=CityCompany.objects.all())

    class Meta:
        model = Project
        fields = ["id", "city_company", "code", "name", "address", "launched_on", "created_at", "updated_at"]


class PhaseSerializer(serializers.ModelSerializer):
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all())

    class Meta:
        model = Phase
        fields = ["id", "project", "name", "planned_handover_on", "created_at", "updated_at"]


class BuildingSerializer(serializers.ModelSerializer):
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all())
    phase = ScopedPrimaryKeyRelatedField(queryset=Phase.objects.all(), allow_null=True, required=False)
    floors = serializers.IntegerField(min_value=1, max_value=300, help_text=_("Floors above ground."))

    class Meta:
        model = Building
        fields = ["id", "project", "phase", "number", "floors", "created_at", "updated_at"]


class UnitSerializer(serializers.ModelSerializer):
    building = ScopedPrimaryKeyRelatedField(queryset=Building.objects.all())
    floor = serializers.IntegerField(min_value=-10, max_value=300)

    class Meta:
        model = Unit
        fields = [
            "id",
            "project",
            "building",
            "entrance",
            "number",
            "code",
            "floor",
            "layout",
            "floor_area",
            "finish_standard",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["project", "code"]
        # The (project, code) uniqueness is checked by the service's full_clean(): both are derived.
        validators = []


# --- Viewsets -----------------------------------------------------------------------------


class PropertyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, retrieve, create, update (PUT/PATCH) through a create and an update service.

    `parent` names the field passed to the create service as a keyword (e.g. `project`); the
    update service receives the instance as `instance_kwarg`.
    """

    permission_classes = [MayEditPropertyOrReadOnly]
    lookup_value_regex = r"\d+"
    parent: str | None = None
    instance_kwarg: str = ""

    def create_service(self, **kwargs):
        raise NotImplementedError

    def update_service(self, **kwargs):
        raise NotImplementedError

    def perform_create(self, serializer) -> None:
        serializer.instance = self.create_service(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer) -> None:
        serializer.instance = self.update_service(
            **{self.instance_kwarg: serializer.instance},
            by=self.request.user,
            **serializer.validated_data,
        )


class CityCompanyViewSet(PropertyViewSet):
    """城市公司 (data sections). Creating one is for group administrators."""

    queryset = CityCompany.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = CityCompanySerializer
    filterset_class = CityCompanyFilter
    instance_kwarg = "city_company"
    create_service = staticmethod(services.city_company_create)
    update_service = staticmethod(services.city_company_update)

    def get_queryset(self):
        return selectors.city_company_list(user=self.request.user)


class ProjectViewSet(PropertyViewSet):
    """项目/楼盘 within the user's scope."""

    queryset = Project.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    instance_kwarg = "project"
    create_service = staticmethod(services.project_create)
    update_service = staticmethod(services.project_update)

    def get_queryset(self):
        return Project.objects.visible_to(self.request.user)


class PhaseViewSet(PropertyViewSet):
    """期 of the projects in scope."""

    queryset = Phase.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = PhaseSerializer
    filterset_class = PhaseFilter
    instance_kwarg = "phase"
    create_service = staticmethod(services.phase_create)
    update_service = staticmethod(services.phase_update)

    def get_queryset(self):
        return Phase.objects.visible_to(self.request.user)


class BuildingViewSet(PropertyViewSet):
    """楼栋 of the projects in scope."""

    queryset = Building.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = BuildingSerializer
    filterset_class = BuildingFilter
    instance_kwarg = "building"
    create_service = staticmethod(services.building_create)
    update_service = staticmethod(services.building_update)

    def get_queryset(self):
        return Building.objects.visible_to(self.request.user)


class UnitViewSet(PropertyViewSet):
    """房号 of the projects in scope. `project` and `code` are derived from the building."""

    queryset = Unit.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    instance_kwarg = "unit"
    create_service = staticmethod(services.unit_create)
    update_service = staticmethod(services.unit_update)

    def get_queryset(self):
        return Unit.objects.visible_to(self.request.user)


def register(router) -> None:
    router.register("city-companies", CityCompanyViewSet, basename="city-company")
    router.register("projects", ProjectViewSet, basename="project")
    router.register("phases", PhaseViewSet, basename="phase")
    router.register("buildings", BuildingViewSet, basename="building")
    router.register("units", UnitViewSet, basename="unit")
