"""Joining the club (入会), by staff or on the public sign-up page, and editing a member's details.

The rules, in one place for every channel: 18 or older on the day, any nationality; one active
membership per mobile number (a second is refused, "already a member"); the consent to the club's use
of personal data is required, marketing is a separate optional answer, each recorded as a Consent row
with its text version; a readable, unique member number WK + the city company's code + a sequence.
Staff enrol within their scope; the public page has no user. The member is matched to a customer at
once (membership.services.linking).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_changes, audit_created, audit_snapshot
from core.validators import validate_single_line_text
from customers.models import Education, Gender
from customers.validators import normalize_mobile, validate_mobile
from properties.models import CityCompany, Project

from ..models import Consent, EnrolmentChannel, Interest, Member, MemberNumberSequence
from ..permissions import may_serve_members
from .consents import consent_record
from .errors import ConcurrentEditError
from .linking import member_link_customer

MINIMUM_AGE = 18
NUMBER_PREFIX = "WK"
NUMBER_DIGITS = 6
# The fields staff may change on a member's page (the phone and consents have their own paths).
EDITABLE_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "nationality",
    "employer",
    "education",
    "email",
    "id_number",
    "interests",
    "care_wish",
)


class AlreadyAMember(ValidationError):
    """The phone is held by an active member; `member` says which (staff may be shown it)."""

    def __init__(self, member: Member | None):
        self.member = member
        super().__init__(
            {"phone": _("This mobile number already belongs to a club member.")}, code="duplicate"
        )


def age_on(birth_date: datetime.date, today: datetime.date) -> int:
    """Whole years: a person born on 29 February turns a year older on 1 March in other years."""
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _check_person(fields: dict[str, Any], today: datetime.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    name = " ".join((fields.get("name") or "").split())
    if not name:
        errors["name"] = [_("Enter the member's name.")]
    birth_date = fields.get("birth_date")
    if birth_date is None:
        errors["birth_date"] = [_("Enter the birth date.")]
    elif birth_date > today:
        errors["birth_date"] = [_("The birth date is in the future.")]
    elif age_on(birth_date, today) > 120:
        errors["birth_date"] = [_("Check the birth date: that is more than 120 years ago.")]
    elif age_on(birth_date, today) < MINIMUM_AGE:
        errors["birth_date"] = [_("The club is open to people 18 or older.")]
    if fields.get("gender", "") not in Gender.values:
        errors["gender"] = [_("Unknown gender.")]
    if fields.get("education", "") not in Education.values:
        errors["education"] = [_("Unknown education.")]
    unknown = set(fields.get("interests") or ()) - set(Interest.values)
    if unknown:
        errors["interests"] = [_("Unknown interests: %(names)s.") % {"names": ", ".join(sorted(unknown))}]
    for field in ("name", "nationality", "employer", "care_wish", "id_number"):
        try:
            validate_single_line_text(fields.get(field) or "")
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)
    return errors


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    cleaned["name"] = " ".join((fields.get("name") or "").split())
    cleaned["nationality"] = (fields.get("nationality") or "").strip() or "中国"
    cleaned["employer"] = (fields.get("employer") or "").strip()
    cleaned["email"] = (fields.get("email") or "").strip()
    cleaned["id_number"] = (fields.get("id_number") or "").strip().upper() or None
    cleaned["interests"] = sorted(set(fields.get("interests") or ()))
    cleaned["gender"] = fields.get("gender") or ""
    cleaned["education"] = fields.get("education") or ""
    cleaned["care_wish"] = (fields.get("care_wish") or "").strip()
    return cleaned


def _place(
    *, project: Project | None, city_company: CityCompany | None, by
) -> tuple[CityCompany, Project | None]:
    """Where the member joins: the project's city company, or a city company alone; in `by`'s scope."""
    if project is not None:
        if city_company is not None and city_company.pk != project.city_company_id:
            raise ValidationError({"project": _("The project belongs to another city company.")})
        city_company = project.city_company
    if city_company is None:
        raise ValidationError({"project": _("Choose the project or city where the member joins.")})
    if by is not None:
        scope = by.scope
        in_scope = scope.is_unrestricted or (
            scope.covers(project.pk) if project is not None else city_company.pk in scope.city_company_ids
        )
        if not in_scope:
            raise PermissionDenied(_("This project or city company is outside your scope."))
    return city_company, project


def active_member_with_phone(phone: str) -> Member | None:
    return Member.objects.active().filter(phone=phone).first()


def member_number_next(city_company: CityCompany) -> str:
    """WK + the city company's code + its next sequence number, e.g. WKSZ000123. The UPDATE locks the
    city company's counter row until the enrolment commits, so enrolments at once queue there."""
    prefix = NUMBER_PREFIX + "".join(ch for ch in city_company.code.upper() if ch.isalnum())[:10]
    MemberNumberSequence.objects.get_or_create(city_company=city_company)
    while True:
        MemberNumberSequence.objects.filter(city_company=city_company).update(last=F("last") + 1)
        last = MemberNumberSequence.objects.values_list("last", flat=True).get(city_company=city_company)
        number = f"{prefix}{last:0{NUMBER_DIGITS}d}"
        # An imported member may hold a number already: take the next free one.
        if not Member.objects.filter(number=number).exists():
            return number


@transaction.atomic
def member_enrol(
    *,
    channel: str,
    phone: str,
    club_data_consent: bool,
    marketing_consent: bool = False,
    by=None,
    project: Project | None = None,
    city_company: CityCompany | None = None,
    today: datetime.date | None = None,
    **fields: Any,
) -> Member:
    """Enrol one person. `by` is the staff member (None on the public page). Raises ValidationError
    with field messages (AlreadyAMember for a phone already in the club), PermissionDenied."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown member fields: {sorted(unknown)}")
    if channel not in EnrolmentChannel.values:
        raise ValueError(channel)
    if by is not None and not may_serve_members(by):
        raise PermissionDenied(_("Your role may not enrol members."))
    now = timezone.now()
    today = today or timezone.localdate(now)
    errors = _check_person(fields, today)
    phone = normalize_mobile(phone or "")
    try:
        validate_mobile(phone)
    except ValidationError as error:
        errors["phone"] = error.messages
    if not club_data_consent:
        errors["club_data_consent"] = [
            _("Joining the club needs the consent to the club's use of personal data.")
        ]
    if errors:
        raise ValidationError(errors)
    city_company, project = _place(project=project, city_company=city_company, by=by)
    if existing := active_member_with_phone(phone):
        raise AlreadyAMember(existing)
    cleaned = _clean_fields(fields)
    member = Member(
        city_company=city_company,
        project=project,
        phone=phone,
        channel=channel,
        enrolled_at=now,
        enrolled_by=by,
        **cleaned,
    )
    member.full_clean(exclude=["number"], validate_constraints=False)
    member.number = member_number_next(city_company)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        # Another enrolment of this phone committed between the check and the insert.
        raise AlreadyAMember(active_member_with_phone(phone)) from None
    audit_created(member, by=by)
    consent_record(member=member, kind=Consent.Kind.CLUB_DATA, granted=True, channel=channel, by=by, now=now)
    consent_record(
        member=member,
        kind=Consent.Kind.MARKETING,
        granted=bool(marketing_consent),
        channel=channel,
        by=by,
        now=now,
    )
    member_link_customer(member=member)
    return member


@transaction.atomic
def member_update(*, member: Member, by, expected_version: int, **fields: Any) -> Member:
    """Staff correct a member's details; the page's version guards against a silent overwrite."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown member fields: {sorted(unknown)}")
    if not may_serve_members(by):
        raise PermissionDenied(_("Your role may not edit members."))
    if not Member.objects.visible_to(by).filter(pk=member.pk).exists():
        raise PermissionDenied(_("This member is outside your city companies and projects."))
    merged = {name: getattr(member, name) for name in EDITABLE_FIELDS} | fields
    errors = _check_person(merged, timezone.localdate())
    if errors:
        raise ValidationError(errors)
    cleaned = _clean_fields(merged)
    if "id_number" not in fields:
        cleaned["id_number"] = member.id_number  # left empty on the form: the stored value stays
    audit_snapshot(member)
    claimed = Member.objects.filter(pk=member.pk, version=expected_version).update(version=F("version") + 1)
    if not claimed:
        raise ConcurrentEditError()
    for name, value in cleaned.items():
        setattr(member, name, value)
    member.version = expected_version + 1
    if not member.id_number:
        member.id_number_hash = ""
    member.full_clean(validate_constraints=False)
    member.save(update_fields=[*EDITABLE_FIELDS, "id_number_hash", "updated_at"])
    audit_changes(member, by=by)
    if "id_number" in fields and member.customer_id is None:
        member_link_customer(member=member)  # a new ID number may find their customer record
    return member


def interests_labels(values: Iterable[str]) -> list[str]:
    labels = dict(Interest.choices)
    return [str(labels.get(value, value)) for value in values]
