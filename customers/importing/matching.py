"""Pass 1: each row matched to what the database holds, within the user's scope, new rows planned."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from properties.models import Building, CityCompany, FinishStandard, Phase, Project, Unit

from ..models import (
    Contract,
    Customer,
    CustomerPhone,
    HouseholdMember,
    HouseholdRole,
    pii_hash,
    pii_hash_candidates,
)
from ..services import ID_NUMBER_UNAVAILABLE
from ..validators import normalize_mobile
from .report import ImportResult, RowError
from .rows import PHONE_SEPARATORS, Row, building_number, cell_text, row_parse

# A number taken out of the user's scope: the same words whoever holds it, so nothing is told of them.
CONTRACT_NUMBER_UNAVAILABLE = gettext_lazy("This contract number is already in use; check it.")


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"__all__": error.messages}


class ImportPlan:
    """What the file asks for, resolved against the database: existing rows found, new ones built."""

    def __init__(self, *, by, result: ImportResult, today: datetime.date) -> None:
        self.by = by
        self.scope = by.scope
        self.result = result
        self.today = today
        self.new_projects: dict[tuple, Project] = {}
        self.new_phases: dict[tuple, Phase] = {}
        self.new_buildings: dict[tuple, Building] = {}
        self.new_units: dict[tuple, Unit] = {}
        self.changed_units: dict[int, Unit] = {}
        self.new_customers: dict[tuple, Customer] = {}
        self.customers: dict[tuple, Customer] = {}  # every customer key -> existing or new customer
        self.customer_rows: dict[tuple, int] = {}
        self.phones: dict[tuple, list[str]] = {}
        self.members: dict[tuple, tuple[str, datetime.date | None, int]] = {}  # (unit, customer) -> role
        self.owner_rows: dict[tuple, tuple[tuple, int]] = {}  # unit key -> (customer key, row)
        self.contracts: dict[str, tuple[tuple, tuple, Contract, int]] = {}  # number -> unit, buyer, row
        self.contract_by_unit: dict[tuple, str] = {}
        self.units: dict[tuple, Unit] = {}
        self.changed_contracts: list[Contract] = []
        self.pending_contract_rows: list[tuple[Row, tuple, str]] = []
        self.failed_cells: set[tuple[int, str | None]] = set()

    # -- errors --
    def error(self, row: Row, key: str | None, message) -> None:
        # One message per cell: a value that failed to parse also fails the model check after it.
        if (row.number, key) in self.failed_cells:
            return
        self.failed_cells.add((row.number, key))
        self.result.errors.append(RowError(row.number, row.column(key) if key else "", str(message)))

    def model_errors(self, row: Row, error: ValidationError, field_columns: dict[str, str]) -> None:
        for field, messages in _messages(error).items():
            for message in messages:
                self.error(row, field_columns.get(field), message)

    # -- pass 1 --
    def resolve(self, rows: list[Row], headers: dict[str, str], report: Callable[[int], None]) -> None:
        if not rows:
            return
        self._load_existing(rows)
        for done, row in enumerate(rows, start=1):
            # A row with a bad cell is still resolved, so that all of its problems are listed at once.
            self._resolve_row(row, row_parse(row, self.error))
            if done % 200 == 0 or done == len(rows):
                report(done)
        self._check_contract_rows()

    def _load_existing(self, rows: list[Row]) -> None:
        self.cities: dict[str, CityCompany] = {}
        for city in CityCompany.objects.all():
            self.cities[city.code.lower()] = city
            self.cities[city.name.lower()] = city
        self.projects: dict[tuple[int, str], Project] = {}
        for project in Project.objects.select_related("city_company"):
            self.projects[(project.city_company_id, project.code.lower())] = project
            self.projects[(project.city_company_id, project.name.lower())] = project
        project_ids = {p.pk for p in self.projects.values()}
        self.phases = {
            (ph.project_id, ph.name): ph for ph in Phase.objects.filter(project_id__in=project_ids)
        }
        self.buildings = {
            (b.project_id, b.number): b
            for b in Building.objects.filter(project_id__in=project_ids).select_related("project")
        }
        # Units, households and contracts only of the buildings the file names, in the user's projects.
        named = {building_number(cell_text(r.values.get("building"))) for r in rows}
        wanted_buildings = [
            b.pk
            for (project_id, number), b in self.buildings.items()
            if number in named and self._in_scope(project_id)
        ]
        self.existing_units = {}
        for unit in Unit.objects.filter(building_id__in=wanted_buildings).select_related("building"):
            self.existing_units[(unit.building_id, unit.entrance, unit.number)] = unit
        unit_ids = [u.pk for u in self.existing_units.values()]
        self.existing_members: dict[tuple[int, int], HouseholdMember] = {}
        self.existing_owner: dict[int, HouseholdMember] = {}
        self.household_names: dict[tuple[int, str], Customer] = {}
        for member in HouseholdMember.objects.filter(unit_id__in=unit_ids).select_related("customer"):
            self.existing_members[(member.unit_id, member.customer_id)] = member
            self.household_names[(member.unit_id, member.customer.name)] = member.customer
            if member.role == HouseholdRole.OWNER:
                self.existing_owner[member.unit_id] = member
        self.active_contract_by_unit = {
            c.unit_id: c for c in Contract.objects.filter(unit_id__in=unit_ids, status=Contract.Status.ACTIVE)
        }
        numbers = {cell_text(r.values.get("contract_number")) for r in rows} - {""}
        # Contract numbers and ID numbers are unique across the group: looked up everywhere, so that a
        # number taken out of scope is refused (in words that say nothing of the other record).
        self.existing_contracts = {
            c.number: c for c in in_batches(Contract.objects.select_related("unit"), "number", numbers)
        }
        # Under the current hash key and the old ones: rows not yet rewritten after a key rotation.
        hashes = {
            candidate
            for r in rows
            if cell_text(r.values.get("id_number"))
            for candidate in pii_hash_candidates(cell_text(r.values.get("id_number")))
        }
        self.customers_by_hash = {
            (c.id_type, pii_hash(c.id_number)): c
            for c in in_batches(Customer.objects.all(), "id_number_hash", hashes)
        }
        phones = set()
        for r in rows:
            phones |= {normalize_mobile(p) for p in PHONE_SEPARATORS.split(cell_text(r.values.get("phones")))}
        phones.discard("")
        found = list(in_batches(CustomerPhone.objects.select_related("customer"), "number", phones))
        # Matches stay inside the user's scope: a record they cannot see is never named, updated or
        # linked to a household here (that would pull it into their scope).
        self.visible_customer_ids = self._visible(
            {p.customer_id for p in found} | {c.pk for c in self.customers_by_hash.values()}
        )
        self.customers_by_phone: dict[tuple[str, str], Customer] = {}
        self.phones_of: dict[int, list[str]] = {}
        for phone in found:
            if phone.customer_id in self.visible_customer_ids:
                self.customers_by_phone[(phone.customer.name, phone.number)] = phone.customer
        for phone in CustomerPhone.objects.filter(
            customer_id__in={p.customer_id for p in found}
            | {c.pk for c in self.customers_by_hash.values()}
            | {m.customer_id for m in self.existing_members.values()}
        ).order_by("-is_primary", "id"):
            self.phones_of.setdefault(phone.customer_id, []).append(phone.number)

    def _in_scope(self, project_id: int | None) -> bool:
        return self.scope.is_unrestricted or project_id in self.scope.project_ids

    def _visible(self, customer_ids: set[int]) -> set[int]:
        if self.scope.is_unrestricted or not customer_ids:
            return customer_ids
        visible = Customer.objects.visible_to(self.by).filter(pk__in=customer_ids)
        return set(visible.values_list("pk", flat=True))

    def _project_for(self, row: Row, city: CityCompany, text: str) -> tuple[tuple, Project] | None:
        project = self.projects.get((city.pk, text.lower()))
        if project is not None:
            if not self.scope.is_unrestricted and project.pk not in self.scope.project_ids:
                self.error(
                    row, "project", _("The project %(project)s is outside your scope.") % {"project": text}
                )
                return None
            return ("id", project.pk), project
        key = ("new", city.pk, text)
        if key in self.new_projects:
            return key, self.new_projects[key]
        if not self.by.may_edit_property():
            self.error(row, "project", _("Unknown project: %(project)s.") % {"project": text})
            return None
        if not self.scope.is_unrestricted and city.pk not in self.scope.city_company_ids:
            self.error(
                row,
                "city_company",
                _("The city company %(city)s is outside your scope.") % {"city": city.name},
            )
            return None
        # Chinese names have no slug: a stable code from the city and the name keeps re-imports idempotent.
        digest = hashlib.sha1(f"{city.code}/{text}".encode(), usedforsecurity=False).hexdigest()[:8]
        project = Project(city_company=city, name=text, code=f"{city.code}-{digest}"[:32])
        self.new_projects[key] = project
        self.result.created["projects"] += 1
        return key, project

    def _resolve_row(self, row: Row, p: dict) -> None:
        city = self.cities.get(p["city_company"].lower())
        if city is None:
            self.error(
                row, "city_company", _("Unknown city company: %(city)s.") % {"city": p["city_company"]}
            )
            return
        found = self._project_for(row, city, p["project"])
        if found is None:
            return
        project_key, project = found
        phase = None
        if p["phase"]:
            phase = self.phases.get((project.pk, p["phase"])) if project.pk else None
            if phase is None:
                phase_key = (project_key, p["phase"])
                if phase_key not in self.new_phases:
                    self.new_phases[phase_key] = Phase(project=project, name=p["phase"])
                    self.result.created["phases"] += 1
                phase = self.new_phases[phase_key]
        building_key = (project_key, p["building"])
        building = self.buildings.get((project.pk, p["building"])) if project.pk else None
        if building is None:
            building = self.new_buildings.get(building_key)
            if building is None:
                building = Building(project=project, phase=phase, number=p["building"], floors=1)
                self.new_buildings[building_key] = building
                self.result.created["buildings"] += 1
            building.floors = max(building.floors, p["floor"] or 1)
        unit = self._resolve_unit(row, p, building, building_key)
        if unit is None:
            return
        unit_key = (building_key, p["entrance"], p["unit_number"])
        if p["name"]:
            self._resolve_customer(row, p, city, project, unit, unit_key)

    def _resolve_unit(self, row: Row, p: dict, building: Building, building_key: tuple) -> Unit | None:
        unit_key = (building_key, p["entrance"], p["unit_number"])
        if unit_key in self.units:
            return self.units[unit_key]
        existing = (
            self.existing_units.get((building.pk, p["entrance"], p["unit_number"])) if building.pk else None
        )
        unit = existing or Unit(building=building, entrance=p["entrance"], number=p["unit_number"])
        changed = []
        for field in ("floor", "layout", "floor_area", "finish_standard"):
            value = p[field]
            if value in (None, ""):
                if existing is not None:
                    continue  # a blank cell keeps what the unit has
                value = FinishStandard.SHELL if field == "finish_standard" else value
            if getattr(unit, field) != value:
                setattr(unit, field, value)
                changed.append(field)
        # What Unit.save() derives: the project from the building, the code from the address.
        unit.project = building.project
        unit.code = Unit.make_code(building.number, unit.entrance, unit.number)
        try:
            unit.clean_fields(exclude=["project", "building"])
            unit.clean()
        except ValidationError as error:
            self.model_errors(
                row,
                error,
                {
                    "floor": "floor",
                    "floor_area": "floor_area",
                    "layout": "layout",
                    "finish_standard": "finish_standard",
                    "number": "unit_number",
                    "entrance": "entrance",
                },
            )
            return None
        self.units[unit_key] = unit
        if existing is None:
            self.new_units[unit_key] = unit
            self.result.created["units"] += 1
        elif changed:
            self.changed_units[unit.pk] = unit
            self.result.updated["units"] += 1
        return unit

    def _resolve_customer(
        self, row: Row, p: dict, city: CityCompany, project: Project, unit: Unit, unit_key: tuple
    ) -> None:
        candidate = Customer(
            city_company=city,
            name=p["name"],
            gender=p["gender"] or "",
            id_type=p["id_type"] or "",
            id_number=p["id_number"] or None,
        )
        try:
            candidate.clean_fields(
                exclude=[
                    "city_company",
                    "registered_project",
                    "referrer",
                    "id_number_hash",
                    "id_number_masked",
                ]
            )
            candidate.clean()
        except ValidationError as error:
            self.model_errors(
                row,
                error,
                {"name": "name", "gender": "gender", "id_type": "id_type", "id_number": "id_number"},
            )
            return
        existing = None
        if candidate.id_number:
            key = ("id", candidate.id_type, pii_hash(candidate.id_number))
            existing = self.customers_by_hash.get(key[1:])
            if existing is not None and existing.pk not in self.visible_customer_ids:
                self.error(row, "id_number", ID_NUMBER_UNAVAILABLE)
                return
        elif p["phones"]:
            key = ("phone", p["name"], p["phones"][0])
            existing = next(
                (
                    self.customers_by_phone[(p["name"], n)]
                    for n in p["phones"]
                    if (p["name"], n) in self.customers_by_phone
                ),
                None,
            )
        else:
            key = ("household", unit_key, p["name"])
            existing = self.household_names.get((unit.pk, p["name"])) if unit.pk else None
        if key in self.customer_rows:
            customer = self.customers[key]
            if customer.name != p["name"]:
                self.error(
                    row,
                    "id_number",
                    _("Row %(row)s has the same ID number with another name.")
                    % {"row": self.customer_rows[key]},
                )
                return
        elif existing is not None:
            customer = existing
            if customer.name != p["name"]:
                self.error(
                    row,
                    "id_number",
                    _("This ID number belongs to customer %(name)s.") % {"name": customer.name},
                )
                return
        else:
            candidate.registered_project = project
            customer = candidate
            self.new_customers[key] = customer
            self.result.created["customers"] += 1
        self.customers[key] = customer
        self.customer_rows.setdefault(key, row.number)
        known = self.phones.setdefault(key, [])
        for number in p["phones"]:
            if number not in known and number not in self.phones_of.get(customer.pk, []):
                known.append(number)
                self.result.created["phones"] += 1
        self._resolve_member(row, p, unit, unit_key, customer, key)

    def _resolve_member(
        self, row: Row, p: dict, unit: Unit, unit_key: tuple, customer: Customer, key
    ) -> None:
        role = p["role"]
        pair = (unit_key, key)
        if pair in self.members:
            self.error(
                row,
                "unit_number",
                _("Unit %(unit)s and this customer are already in row %(row)s.")
                % {"unit": unit.code, "row": self.members[pair][2]},
            )
            return
        if role == HouseholdRole.OWNER:
            if unit_key in self.owner_rows:
                self.error(
                    row,
                    "unit_number",
                    _("Unit %(unit)s already has its owner in row %(row)s.")
                    % {"unit": unit.code, "row": self.owner_rows[unit_key][1]},
                )
                return
            current = self.existing_owner.get(unit.pk) if unit.pk else None
            if current is not None and current.customer_id != customer.pk:
                self.error(
                    row,
                    "role",
                    _("Unit %(unit)s already has a primary owner (%(name)s).")
                    % {"unit": unit.code, "name": current.customer.name},
                )
                return
            self.owner_rows[unit_key] = (key, row.number)
            if p["contract_number"]:
                self._resolve_contract(row, p, unit, unit_key, customer, key)
        elif p["contract_number"]:
            self.pending_contract_rows.append((row, unit_key, p["contract_number"]))
        self.members[pair] = (role, p["handed_over_on"] if role == HouseholdRole.OWNER else None, row.number)
        member = self.existing_members.get((unit.pk, customer.pk)) if unit.pk and customer.pk else None
        if member is None:
            self.result.created["household_members"] += 1
        elif member.role != role:
            if member.role == HouseholdRole.OWNER and unit.pk in self.active_contract_by_unit:
                self.error(row, "role", _("The primary buyer of an active contract stays the unit's owner."))
                return
            self.result.updated["household_members"] += 1

    def _resolve_contract(
        self, row: Row, p: dict, unit: Unit, unit_key: tuple, customer: Customer, key
    ) -> None:
        number = p["contract_number"]
        if number in self.contracts:
            self.error(
                row,
                "contract_number",
                _("Contract %(number)s is already in row %(row)s.")
                % {"number": number, "row": self.contracts[number][3]},
            )
            return
        fields = {
            f: p[f]
            for f in ("subscribed_on", "signed_on", "price", "contractual_handover_on", "handed_over_on")
        }
        if fields["price"] is None:
            self.error(row, "price", _("This value is required."))
            return
        existing = self.existing_contracts.get(number)
        active = self.active_contract_by_unit.get(unit.pk) if unit.pk else None
        if existing is not None and not self._in_scope(existing.unit.project_id):
            self.error(row, "contract_number", CONTRACT_NUMBER_UNAVAILABLE)
            return
        if existing is not None and existing.unit_id != unit.pk:
            self.error(
                row, "contract_number", _("Contract %(number)s belongs to another unit.") % {"number": number}
            )
            return
        if active is not None and active.number != number:
            self.error(
                row,
                "contract_number",
                _("Unit %(unit)s already has the active contract %(number)s.")
                % {"unit": unit.code, "number": active.number},
            )
            return
        if existing is not None and existing.primary_buyer_id != customer.pk:
            self.error(row, "name", _("Contract %(number)s has another primary buyer.") % {"number": number})
            return
        contract = existing or Contract(number=number)
        changed = [f for f, v in fields.items() if getattr(contract, f) != v]
        for field in changed:
            setattr(contract, field, fields[field])
        try:
            contract.clean_fields(exclude=["unit", "primary_buyer", "status", "commitments"])
            contract.clean()
        except ValidationError as error:
            self.model_errors(row, error, {f: f for f in fields} | {"number": "contract_number"})
            return
        self.contracts[number] = (unit_key, key, contract, row.number)
        self.contract_by_unit[unit_key] = number
        if existing is None:
            self.result.created["contracts"] += 1
        elif changed:
            self.changed_contracts.append(contract)
            self.result.updated["contracts"] += 1

    def _check_contract_rows(self) -> None:
        for row, unit_key, number in self.pending_contract_rows:
            if self.contract_by_unit.get(unit_key) != number:
                self.error(row, "contract_number", _("Only the owner's row (业主) carries the contract."))


def in_batches(queryset, field: str, values: Iterable, size: int = 500):
    values = list(values)
    for start in range(0, len(values), size):
        yield from queryset.filter(**{f"{field}__in": values[start : start + size]})
