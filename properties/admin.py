"""The property hierarchy in the admin, scoped like the app (see accounts.admin.ScopedAdmin).

Saves go through properties.services: the same role, scope and no-move rules as the pages and API.
"""

from django.contrib import admin

from core.admin import ScopedAdmin

from . import services
from .models import Building, CityCompany, Phase, Project, Unit


class ServiceSavedAdmin(ScopedAdmin):
    """Creates with `<entity>_create(by=, <parent>=, **fields)`, updates with `<entity>_update`."""

    entity: str  # "project" → services.project_create / services.project_update
    parent: str | None = None  # the create service's positional parent, e.g. "city_company"

    def field_names(self) -> tuple[str, ...]:
        return getattr(services, f"{self.entity.upper()}_FIELDS")

    def save_model(self, request, obj, form, change):
        allowed = self.field_names()
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data if name in allowed}
            update = getattr(services, f"{self.entity}_update")
            self.adopt(obj, update(**{self.entity: self.stored(obj)}, by=request.user, **fields))
            return
        fields = {name: form.cleaned_data[name] for name in allowed if name in form.cleaned_data}
        parent = {self.parent: fields.pop(self.parent)} if self.parent else {}
        created = getattr(services, f"{self.entity}_create")(by=request.user, **parent, **fields)
        self.adopt(obj, created)


@admin.register(CityCompany)
class CityCompanyAdmin(ServiceSavedAdmin):
    entity = "city_company"
    list_display = ("name", "code", "city")
    search_fields = ("name", "code", "city")


@admin.register(Project)
class ProjectAdmin(ServiceSavedAdmin):
    entity, parent = "project", "city_company"
    list_display = ("name", "code", "city_company", "launched_on")
    list_filter = (("city_company", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "code", "address")
    list_select_related = ("city_company",)
    date_hierarchy = "launched_on"


@admin.register(Phase)
class PhaseAdmin(ServiceSavedAdmin):
    entity, parent = "phase", "project"
    list_display = ("name", "project", "planned_handover_on")
    list_filter = (("project", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "project__name")
    list_select_related = ("project",)
    autocomplete_fields = ("project",)


@admin.register(Building)
class BuildingAdmin(ServiceSavedAdmin):
    entity, parent = "building", "project"
    list_display = ("__str__", "project", "phase", "number", "floors")
    list_filter = (("project", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("number", "project__name")
    list_select_related = ("project", "phase", "phase__project")
    autocomplete_fields = ("project", "phase")


@admin.register(Unit)
class UnitAdmin(ServiceSavedAdmin):
    entity, parent = "unit", "building"
    list_display = ("code", "project", "building", "floor", "layout", "floor_area", "finish_standard")
    list_filter = (("project", admin.RelatedOnlyFieldListFilter), "finish_standard")
    # "=code" is exact: agents type 3-1-502.
    search_fields = ("=code", "project__name", "layout")
    list_select_related = ("project", "building", "building__project")
    autocomplete_fields = ("building",)
    readonly_fields = ("project", "code")
