"""Inspections with the owner (预验收, the handover inspection, 复验) and the handover sign-off (交房).

The tablet saves as the inspector taps: `check_record` is an upsert of one checklist line and
defects go through `defects.defect_record` with the tablet's client UUID, so a retried upload
after a dropped connection never makes a second row.

The sign-off hands the unit over: documents, meter readings, keys and the owner's signature drawn
on the tablet. Open blocking defects (major, critical) refuse it unless a supervisor overrides
with a written reason.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from core.audit import audit_log
from core.uploads import CheckedUpload, clean_image
from customers.models import Contract
from customers.services import ConcurrentEditError, customers_refresh_contract_dates

from ..checklist_seed import STANDARD_CHECKLIST_NAME
from ..models import (
    Appointment,
    ChecklistItem,
    ChecklistTemplate,
    Defect,
    Handover,
    Inspection,
    InspectionCheck,
)
from ..signals import handover_signed
from .defects import handover_refresh_status, in_scope, require_role

# Who inspects with the owner and hands the unit over: the handover team and the front line.
INSPECTORS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR, Role.CS_AGENT, Role.DELIVERY_ENGINEER}
# Who may hand over a unit that still has open blocking defects, with a written reason.
OVERRIDERS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR}
# Who reads handover pages without acting on them.
HANDOVER_READERS = INSPECTORS | {Role.READONLY_MANAGER}

MAX_SIGNATURE_BYTES = 2 * 1024 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_KEYS = 50
MAX_METER = Decimal("99999999.99")  # the columns' 10 digits, 2 after the point


class HandoverDocument(models.TextChoices):
    """Documents handed to the owner at sign-off; stored by code in Handover.documents_handed."""

    QUALITY_GUARANTEE = "quality_guarantee", gettext_lazy("Residential quality guarantee (住宅质量保证书)")
    USER_MANUAL = "user_manual", gettext_lazy("Residential user manual (住宅使用说明书)")
    COMPLETION_FILING = (
        "completion_filing",
        gettext_lazy("Completion acceptance filing form (竣工验收备案表)"),
    )
    AREA_SURVEY = "area_survey", gettext_lazy("Floor area survey report (房屋面积测绘报告)")
    OWNERS_RULES = "owners_rules", gettext_lazy("Provisional owners' management rules (业主临时管理规约)")
    PROPERTY_CONTRACT = (
        "property_contract",
        gettext_lazy("Preliminary property service contract (前期物业服务合同)"),
    )
    HANDOVER_FORM = "handover_form", gettext_lazy("Unit handover confirmation form (房屋交接确认书)")
    KEY_RECEIPT = "key_receipt", gettext_lazy("Key receipt (钥匙移交签收单)")


def may_inspect(user: User) -> bool:
    return user.is_active and user.role in INSPECTORS


def may_override(user: User) -> bool:
    return user.is_active and user.role in OVERRIDERS


def may_read_handovers(user: User) -> bool:
    return user.is_active and user.role in HANDOVER_READERS


def _require_scope(user: User, project_id: int) -> None:
    if not in_scope(user, project_id):
        raise PermissionDenied(_("This unit is outside your projects."))


def default_template() -> ChecklistTemplate | None:
    """The standard checklist (标准分户验收清单) while it is active, otherwise the first active one."""
    templates = list(ChecklistTemplate.objects.filter(is_active=True).order_by("name"))
    for template in templates:
        if template.name == STANDARD_CHECKLIST_NAME:
            return template
    return templates[0] if templates else None


def _bump_handover(handover_id: int, **fields) -> None:
    Handover.objects.filter(pk=handover_id).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    )


# --- inspections --------------------------------------------------------------------------------


@transaction.atomic
def inspection_start(
    *, by: User, handover: Handover, kind: str, template: ChecklistTemplate | None = None
) -> Inspection:
    """Start walking the unit with the owner. While one inspection of the unit is in progress,
    starting again returns it: two tablets (or a reload) never split one walk in two."""
    require_role(by, INSPECTORS)
    _require_scope(by, handover.project_id)
    if kind not in Inspection.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of inspection.")})
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    running = (
        Inspection.objects.filter(handover=handover, status=Inspection.Status.IN_PROGRESS)
        .order_by("started_at", "id")
        .first()
    )
    if running is not None:
        return running
    if kind not in inspection_kinds(handover):
        raise ValidationError(
            {"kind": _("The unit is already handed over: only a re-inspection (复验) is possible.")}
        )
    if template is None:
        template = default_template()
    elif not template.is_active:
        raise ValidationError({"template": _("This checklist is no longer used.")})
    inspection = Inspection.objects.create(
        handover=handover,
        kind=kind,
        template=template,
        inspector=by,
        status=Inspection.Status.IN_PROGRESS,
        started_at=timezone.now(),
    )
    if handover.status == Handover.Status.PENDING:
        _bump_handover(handover.pk, status=Handover.Status.INSPECTING)
    _queue_moves_to_inspecting(by, handover)
    return inspection


def _queue_moves_to_inspecting(by: User, handover: Handover) -> None:
    """The owner who checked in at the desk is now walking the unit: the site screen shows it."""
    from .planning import appointment_advance

    checked_in = Appointment.objects.filter(handover=handover, status=Appointment.Status.CHECKED_IN).first()
    if checked_in is not None:
        appointment_advance(by=by, appointment=checked_in, to_status=Appointment.Status.INSPECTING)


def inspection_kinds(handover: Handover) -> set[str]:
    """The kinds of inspection the unit may have now: once handed over, only a re-inspection (复验)."""
    if handover.status == Handover.Status.HANDED_OVER:
        return {Inspection.Kind.RE_INSPECTION}
    return set(Inspection.Kind.values)


def inspection_editable(inspection: Inspection) -> bool:
    """Whether lines, defects and the completion may still be recorded on the inspection."""
    return inspection.status == Inspection.Status.IN_PROGRESS


def _lock_running(inspection: Inspection) -> Inspection:
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if not inspection_editable(locked):
        raise ValidationError({"inspection": _("The inspection is already completed.")})
    return locked


@transaction.atomic
def check_record(*, by: User, inspection: Inspection, item: ChecklistItem, result: str) -> InspectionCheck:
    """Tick one line of the checklist: OK, defect or not applicable. Sending it again (a retry, or
    a changed mind) updates the line; there is never more than one row per line."""
    require_role(by, INSPECTORS)
    _require_scope(by, inspection.handover.project_id)
    if result not in InspectionCheck.Result.values:
        raise ValidationError({"result": _("Choose OK, defect or not applicable.")})
    inspection = _lock_running(inspection)
    if inspection.template_id is None or item.template_id != inspection.template_id:
        raise ValidationError({"item": _("This line is not on the inspection's checklist.")})
    try:
        with transaction.atomic():
            check, _created = InspectionCheck.objects.update_or_create(
                inspection=inspection, item=item, defaults={"result": result}
            )
    except IntegrityError:
        # The same tap arrived twice at once; the other request inserted the row.
        check = InspectionCheck.objects.get(inspection=inspection, item=item)
        if check.result != result:
            check.result = result
            check.save(update_fields=["result", "updated_at"])
    return check


def unanswered_items(inspection: Inspection) -> models.QuerySet[ChecklistItem]:
    if inspection.template_id is None:
        return ChecklistItem.objects.none()
    return ChecklistItem.objects.filter(template_id=inspection.template_id).exclude(
        pk__in=InspectionCheck.objects.filter(inspection=inspection).values("item_id")
    )


@transaction.atomic
def inspection_complete(*, by: User, inspection: Inspection) -> Inspection:
    """Finish the walk. Every line must have an answer (N/A is one). The unit then waits for its
    defects to be fixed, or, with none open, for the sign-off."""
    require_role(by, INSPECTORS)
    _require_scope(by, inspection.handover.project_id)
    inspection = _lock_running(inspection)
    missing = unanswered_items(inspection).count()
    if missing:
        raise ValidationError(
            {"checks": _("%(count)d checklist lines have no answer yet.") % {"count": missing}}
        )
    inspection.status = Inspection.Status.COMPLETED
    inspection.completed_at = timezone.now()
    inspection.save(update_fields=["status", "completed_at", "updated_at"])
    handover_refresh_status(inspection.handover_id)
    return inspection


# --- sign-off -----------------------------------------------------------------------------------


def _meter(value, field: str, *, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("Read the meter and enter its value.")})
        return None
    try:
        reading = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not reading.is_finite() or reading < 0:
        raise ValidationError({field: _("A meter reading cannot be negative.")})
    if reading > MAX_METER or reading.as_tuple().exponent < -2:  # type: ignore[operator]  # is_finite() above: the exponent is an int
        raise ValidationError({field: _("At most 8 digits and 2 decimals.")})
    return reading


def validate_signature(signature: UploadedFile | None) -> CheckedUpload:
    """The signature as Pillow re-encoded it; a PNG, whatever the client called it."""
    if signature is None or not signature.size:
        raise ValidationError({"signature": _("The owner must sign.")})
    if signature.size > MAX_SIGNATURE_BYTES:
        raise ValidationError({"signature": _("The signature image is larger than 2 MB.")})
    try:
        return clean_image(signature, formats=("PNG",), max_bytes=MAX_SIGNATURE_BYTES)
    except ValidationError:
        raise ValidationError({"signature": _("The signature must be a PNG image.")}) from None


def _documents(codes) -> list[str]:
    chosen: list[str] = []
    for code in codes or ():
        if code not in HandoverDocument.values:
            raise ValidationError({"documents_handed": _("Unknown document: %(code)s.") % {"code": code}})
        if code not in chosen:
            chosen.append(code)
    return chosen


def blocking_defects(handover: Handover) -> models.QuerySet[Defect]:
    return Defect.objects.blocking().filter(unit_id=handover.unit_id)


def sign_off_refusal(handover: Handover, *, inspection_running: bool) -> ValidationError | None:
    """Why the unit cannot be signed for now, or None (the handover page offers the sign-off on None)."""
    if handover.status == Handover.Status.HANDED_OVER:
        return ValidationError({"status": _("This unit is already handed over.")})
    if inspection_running:
        return ValidationError({"status": _("Complete the inspection in progress first.")})
    return None


@transaction.atomic
def handover_sign_off(
    *,
    by: User,
    handover: Handover,
    documents_handed: list[str],
    water_meter,
    electricity_meter,
    gas_meter,
    keys_handed: int,
    signature: UploadedFile,
    signed_by_name: str,
    override_reason: str = "",
    version: int | None = None,
    today: datetime.date | None = None,
) -> Handover:
    """交房: the owner signs for the unit, its documents, meter readings and keys.

    Refused while the unit has open blocking defects, unless a supervisor overrides with a reason
    (kept on the handover). The active contract's actual handover date becomes today and the
    owner's appointment is done. `gas_meter` may be None for a unit without gas.
    """
    require_role(by, INSPECTORS)
    _require_scope(by, handover.project_id)
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    if version is not None and handover.version != version:
        raise ConcurrentEditError()
    running = Inspection.objects.filter(handover=handover, status=Inspection.Status.IN_PROGRESS).exists()
    refusal = sign_off_refusal(handover, inspection_running=running)
    if refusal is not None:
        raise refusal

    errors: dict[str, list[str]] = {}

    def collect(check):
        try:
            return check()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            return None

    documents = collect(lambda: _documents(documents_handed))
    water = collect(lambda: _meter(water_meter, "water_meter"))
    electricity = collect(lambda: _meter(electricity_meter, "electricity_meter"))
    gas = collect(lambda: _meter(gas_meter, "gas_meter", required=False))
    if keys_handed is None or isinstance(keys_handed, bool) or not str(keys_handed).isdigit():
        errors.setdefault("keys_handed", []).append(_("Enter how many keys were handed over."))
    elif not 1 <= int(keys_handed) <= MAX_KEYS:
        errors.setdefault("keys_handed", []).append(_("Between 1 and %(max)d keys.") % {"max": MAX_KEYS})
    signed = collect(lambda: validate_signature(signature))
    signed_by_name = (signed_by_name or "").strip()
    if not signed_by_name:
        errors.setdefault("signed_by_name", []).append(_("Enter the name of the person signing."))
    elif len(signed_by_name) > 50:
        errors.setdefault("signed_by_name", []).append(_("At most 50 characters."))
    override_reason = (override_reason or "").strip()
    blocking = blocking_defects(handover).count()
    if blocking:
        if not may_override(by):
            errors.setdefault("__all__", []).append(
                _(
                    "This unit has %(count)d open blocking defects; only a supervisor may hand it over "
                    "before they are fixed."
                )
                % {"count": blocking}
            )
        elif not override_reason:
            errors.setdefault("override_reason", []).append(
                _("%(count)d blocking defects are open: give the reason for handing over anyway.")
                % {"count": blocking}
            )
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    today = today or timezone.localdate(now)
    handover.documents_handed = documents
    handover.water_meter = water
    handover.electricity_meter = electricity
    handover.gas_meter = gas
    handover.keys_handed = int(keys_handed)
    handover.signed_by_name = signed_by_name
    handover.signed_at = now
    handover.handed_over_by = by
    handover.override_by = by if blocking else None
    handover.override_reason = override_reason if blocking else ""
    handover.status = Handover.Status.HANDED_OVER
    handover.signature.save(signed.file.name, signed.file, save=False)
    handover.version = F("version") + 1
    handover.save(
        update_fields=[
            "documents_handed",
            "water_meter",
            "electricity_meter",
            "gas_meter",
            "keys_handed",
            "signed_by_name",
            "signed_at",
            "handed_over_by",
            "override_by",
            "override_reason",
            "status",
            "signature",
            "version",
            "updated_at",
        ]
    )
    handover.refresh_from_db(fields=["version"])

    contract = (
        Contract.objects.select_for_update()
        .filter(unit_id=handover.unit_id, status=Contract.Status.ACTIVE)
        .first()
    )
    # The contract's check constraints: handed over on or after signing, never in the future.
    if contract is not None and contract.signed_on is not None and contract.signed_on <= today:
        Contract.objects.filter(pk=contract.pk).update(
            handed_over_on=today, version=F("version") + 1, updated_at=now
        )
        audit_log(contract, by=by, changes={"handed_over_on": (contract.handed_over_on, today)})
        # The owner's lifecycle stage (准业主 → 磨合期) is read from these denormalised dates.
        customers_refresh_contract_dates(customer_ids=[contract.primary_buyer_id])
    Appointment.objects.filter(handover=handover, status__in=Appointment.ACTIVE).update(
        status=Appointment.Status.DONE, done_at=now, version=F("version") + 1, updated_at=now
    )
    # In this transaction: what the apps above do about a handover (a satisfaction survey) commits with it.
    handover_signed.send(sender=Handover, handover=handover, contract=contract, by=by)
    return handover
