"""Every write to the property hierarchy: city company → project → phase → building → unit.

Each service checks the role (`may_edit_property`) and the scope, runs `full_clean()` and saves.
Moving a row under another parent is refused: child rows (units, customers, contracts) would
silently change section.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Building, CityCompany, Phase, Project, Unit

CITY_COMPANY_FIELDS = ("code", "name", "city")
PROJECT_FIELDS = ("city_company", "code", "name", "address", "launched_on")
PHASE_FIELDS = ("project", "name", "planned_handover_on")
BUILDING_FIELDS = ("project", "phase", "number", "floors")
UNIT_FIELDS = ("building", "entrance", "number", "floor", "layout", "floor_area", "finish_standard")


def _check_role(user) -> None:
    if not user.may_edit_property():
        raise PermissionDenied(_("Your role may not edit property data."))


def _check_city(user, city_company_id: int) -> None:
    scope = user.scope
    if not scope.is_unrestricted and city_company_id not in scope.city_company_ids:
        raise PermissionDenied(_("This city company is outside your scope."))


def _check_project(user, project_id: int) -> None:
    scope = user.scope
    if not scope.is_unrestricted and project_id not in scope.project_ids:
        raise PermissionDenied(_("This project is outside your scope."))


def _check_fields(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")


def _refuse_move(instance, fields: dict[str, Any], parent: str, message: str) -> None:
    if parent in fields and getattr(fields[parent], "pk", fields[parent]) != getattr(
        instance, f"{parent}_id"
    ):
        raise ValidationError({parent: message})


def _save(instance, update_fields: list[str] | None = None):
    instance.full_clean()
    if update_fields is None:
        instance.save()
    else:
        instance.save(update_fields=[*update_fields, "updated_at"])
    return instance


@transaction.atomic
def city_company_create(*, by, **fields: Any) -> CityCompany:
    """A new data section (版块): group administrators only."""
    _check_fields(fields, CITY_COMPANY_FIELDS)
    _check_role(by)
    if not by.scope.is_unrestricted:
        raise PermissionDenied(_("Only group administrators may create city companies."))
    return _save(CityCompany(**fields))


@transaction.atomic
def city_company_update(*, city_company: CityCompany, by, **fields: Any) -> CityCompany:
    _check_fields(fields, CITY_COMPANY_FIELDS)
    _check_role(by)
    _check_city(by, city_company.pk)
    for name, value in fields.items():
        setattr(city_company, name, value)
    return _save(city_company, list(fields))


@transaction.atomic
def project_create(*, by, city_company: CityCompany, **fields: Any) -> Project:
    _check_fields(fields, PROJECT_FIELDS)
    _check_role(by)
    _check_city(by, city_company.pk)
    return _save(Project(city_company=city_company, **fields))


@transaction.atomic
def project_update(*, project: Project, by, **fields: Any) -> Project:
    _check_fields(fields, PROJECT_FIELDS)
    _check_role(by)
    _check_project(by, project.pk)
    _refuse_move(project, fields, "city_company", _("A project cannot move to another city company."))
    for name, value in fields.items():
        setattr(project, name, value)
    return _save(project, list(fields))


@transaction.atomic
def phase_create(*, by, project: Project, **fields: Any) -> Phase:
    _check_fields(fields, PHASE_FIELDS)
    _check_role(by)
    _check_project(by, project.pk)
    return _save(Phase(project=project, **fields))


@transaction.atomic
def phase_update(*, phase: Phase, by, **fields: Any) -> Phase:
    _check_fields(fields, PHASE_FIELDS)
    _check_role(by)
    _check_project(by, phase.project_id)
    _refuse_move(phase, fields, "project", _("A phase cannot move to another project."))
    for name, value in fields.items():
        setattr(phase, name, value)
    return _save(phase, list(fields))


@transaction.atomic
def building_create(*, by, project: Project, **fields: Any) -> Building:
    _check_fields(fields, BUILDING_FIELDS)
    _check_role(by)
    _check_project(by, project.pk)
    return _save(Building(project=project, **fields))


@transaction.atomic
def building_update(*, building: Building, by, **fields: Any) -> Building:
    _check_fields(fields, BUILDING_FIELDS)
    _check_role(by)
    _check_project(by, building.project_id)
    _refuse_move(building, fields, "project", _("A building cannot move to another project."))
    for name, value in fields.items():
        setattr(building, name, value)
    return _save(building, list(fields))


def _derive_unit_location(unit: Unit) -> None:
    # Unit.save() derives these too; full_clean() needs them first to check the unique code.
    unit.project_id = unit.building.project_id
    unit.code = Unit.make_code(unit.building.number, unit.entrance, unit.number)


@transaction.atomic
def unit_create(*, by, building: Building, **fields: Any) -> Unit:
    _check_fields(fields, UNIT_FIELDS)
    _check_role(by)
    _check_project(by, building.project_id)
    unit = Unit(building=building, **fields)
    _derive_unit_location(unit)
    return _save(unit)


@transaction.atomic
def unit_update(*, unit: Unit, by, **fields: Any) -> Unit:
    _check_fields(fields, UNIT_FIELDS)
    _check_role(by)
    _check_project(by, unit.project_id)
    if "building" in fields and fields["building"].project_id != unit.project_id:
        raise ValidationError({"building": _("A unit cannot move to another project.")})
    for name, value in fields.items():
        setattr(unit, name, value)
    _derive_unit_location(unit)
    return _save(unit, [*fields, "project", "code"])
