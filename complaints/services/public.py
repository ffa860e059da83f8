"""The public complaint form: phone codes, filing without an account, and matching a filing to its customer."""

from __future__ import annotations

import datetime
import re
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.models import User
from core.outbox import message_enqueue, messages_send_now
from core.uploads import clean_image
from customers.models import AcquisitionChannel, Customer, CustomerPhone
from customers.validators import normalize_mobile, validate_mobile
from properties.models import Unit

from ..models import Category, Channel, Complaint, ComplaintEvent, PublicPhoneCode
from ._common import _event, _lock, _require, _save
from .attachments import MAX_ATTACHMENT_BYTES
from .intake import complaint_create
from .rules import require_state


def _unit_from_text(project, text: str) -> Unit | None:
    """The unit an owner typed ("3-1-502", "3栋1单元502室", "3 1 502") in this project, when it exists."""
    parts = re.findall(r"[0-9A-Za-z]+", text or "")
    if not parts:
        return None
    return Unit.objects.filter(project=project, code__iexact="-".join(parts)).first()


PUBLIC_CODE_LIFETIME = datetime.timedelta(minutes=10)
PUBLIC_CODE_MAX_ATTEMPTS = 5


def _public_code_hash(phone: str, code: str) -> str:
    # Keyed (SECRET_KEY): a copy of the table does not give the million codes away to a quick loop.
    return salted_hmac("complaints.PublicPhoneCode", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _public_mobile(phone: str) -> str:
    number = normalize_mobile(phone)
    try:
        validate_mobile(number)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None
    return number


def public_code_send(
    *, phone: str, ip_address: str | None = None, now: datetime.datetime | None = None
) -> PublicPhoneCode:
    """Text a one-time code (6 digits, PUBLIC_CODE_LIFETIME) to the phone typed on the public form.
    A new code replaces the phone's earlier ones. The callers limit how often (per phone, per IP).

    The text goes through the outbox with the code (a secret there: hidden in the admin, erased once
    sent), committed with the code's record; it is then sent at once, ahead of the queue, since the
    person is waiting on the form. A failed send is retried by the outbox like any message."""
    number = _public_mobile(phone)
    now = now or timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        PublicPhoneCode.objects.filter(phone=number, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        record = PublicPhoneCode.objects.create(
            phone=number,
            code_hash=_public_code_hash(number, code),
            created_at=now,
            expires_at=now + PUBLIC_CODE_LIFETIME,
            ip_address=ip_address,
        )
        key = f"public-code.{record.pk}"
        message_enqueue(
            channel="sms",  # the code proves the phone: always a text to it, whatever else the person prefers
            recipient=number,
            kind="public_code",
            idempotency_key=key,
            body=_(
                "Your code for the complaint form: %(code)s (valid for %(minutes)d minutes). "
                "If you did not ask for it, ignore this message."
            )
            % {"code": code, "minutes": PUBLIC_CODE_LIFETIME.seconds // 60},
            template_code="public_code",
            template_params={"code": code, "minutes": str(PUBLIC_CODE_LIFETIME.seconds // 60)},
            is_secret=True,
            now=now,
        )
    messages_send_now(idempotency_keys=[key], now=now)
    return record


def public_code_check(*, phone: str, code: str, now: datetime.datetime | None = None) -> PublicPhoneCode:
    """The phone's live code when `code` is it. A wrong try is counted and committed at once (its own
    transaction, so call this outside any other): after PUBLIC_CODE_MAX_ATTEMPTS the code is dead."""
    number = _public_mobile(phone)
    now = now or timezone.now()
    with transaction.atomic():
        record = (
            PublicPhoneCode.objects.select_for_update()
            .filter(phone=number, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if record is None or record.expires_at <= now:
            problem = _("This code has expired or was never sent: ask for a new one.")
        elif record.attempts >= PUBLIC_CODE_MAX_ATTEMPTS:
            problem = _("Too many wrong codes: ask for a new one.")
        elif constant_time_compare(record.code_hash, _public_code_hash(number, code)):
            return record
        else:
            record.attempts += 1
            record.save(update_fields=["attempts"])
            left = PUBLIC_CODE_MAX_ATTEMPTS - record.attempts
            problem = (
                _("Wrong code: %(left)d tries left.") % {"left": left}
                if left
                else _("Too many wrong codes: ask for a new one.")
            )
    raise ValidationError({"code": [problem]})


def _public_code_spend(record: PublicPhoneCode, now: datetime.datetime | None = None) -> None:
    """Use the checked code up; the same code sent twice at once: the first one counts."""
    spent = PublicPhoneCode.objects.filter(pk=record.pk, used_at__isnull=True).update(
        used_at=now or timezone.now()
    )
    if not spent:
        raise ValidationError({"code": [_("This code was used already: ask for a new one.")]})


def public_owner_confirm(*, phone: str, code: str, now: datetime.datetime | None = None) -> PublicPhoneCode:
    """An owner signs in to the list of their complaints (/public/mine/) with the code texted to `phone`
    (public_code_send): checked like the form's, then spent, one sign-in per code. The spent code is
    what the owner's session holds: its phone says whose complaints the session may read."""
    record = public_code_check(phone=phone, code=code, now=now)
    _public_code_spend(record, now)
    return record


def _public_customer(*, name: str, number: str, project) -> Customer:
    """The customer whose phone this is in the project's city company (the data section that owns the
    records), or a new one acquired online."""
    known = (
        CustomerPhone.objects.filter(number=number, customer__city_company_id=project.city_company_id)
        .select_related("customer")
        .order_by("-is_primary", "customer_id")
        .first()
    )
    if known is not None:
        return known.customer
    customer = Customer(
        city_company_id=project.city_company_id,
        registered_project=project,
        name=name[:50],
        acquisition_channel=AcquisitionChannel.ONLINE,
    )
    customer.full_clean()
    customer.save()
    CustomerPhone.objects.create(customer=customer, number=number, is_primary=True)
    return customer


def public_complaint_submit(
    *,
    name: str,
    phone: str,
    project,
    category: Category,
    complaint_type: str,
    description: str,
    unit_text: str = "",
    photos: Iterable[UploadedFile] = (),
    code: str = "",
) -> Complaint:
    """An owner files from the public page, without an account.

    A phone number alone proves nothing: without a code the complaint keeps the name and phone as
    given and no customer (an agent matches it from the complaint page), so nobody can put a
    complaint on a stranger's record. With the code texted to that phone (public_code_send) it goes
    on the phone's customer in the project's city company, or on a new customer acquired online.
    """
    name, description = (name or "").strip(), (description or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        number = _public_mobile(phone)
    except ValidationError as error:
        errors.update(error.message_dict)
    if not name:
        errors["name"] = [_("Tell us your name.")]
    if not description:
        errors["description"] = [_("Describe the problem.")]
    checked_photos = []
    for photo in photos:
        # Photos only here: the public form takes no documents.
        try:
            checked_photos.append(clean_image(photo, max_bytes=MAX_ATTACHMENT_BYTES))
        except ValidationError as error:
            errors.setdefault("photos", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    verified = public_code_check(phone=number, code=code) if code else None

    with transaction.atomic():
        customer = None
        if verified is not None:
            _public_code_spend(verified)  # the same code sent twice at once: the first one files
            customer = _public_customer(name=name, number=number, project=project)
        first_line = description.splitlines()[0]
        return complaint_create(
            by=None,
            customer=customer,
            reporter_name=name,
            reporter_phone=number,
            category=category,
            complaint_type=complaint_type,
            channel=Channel.WEB_FORM,
            title=first_line[:60] + ("…" if len(first_line) > 60 else ""),
            description=description,
            unit=_unit_from_text(project, unit_text),
            project=project,
            attachments=checked_photos,
        )


@transaction.atomic
def complaint_link_customer(
    *, complaint: Complaint, by: User, customer: Customer, expected_version: int | None = None
) -> Complaint:
    """Put an unmatched public complaint on the customer the agent found it is about."""
    _require(by, "link_customer")
    if not Customer.objects.visible_to(by).filter(pk=customer.pk).exists():
        raise ValidationError({"customer": _("No such customer within your city companies and projects.")})
    complaint = _lock(complaint, expected_version)
    require_state(complaint, "link_customer")
    complaint.customer = customer
    _save(complaint, ["customer"], by=by)
    _event(complaint, by, ComplaintEvent.Kind.CUSTOMER_LINKED, customer.name, customer=customer.pk)
    return complaint
