from __future__ import annotations

import datetime
import math
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .api_tokens import api_tokens_revoke
from .models import ApiToken, LoggedAccess, PersonalDataAccess, PersonalField, RevealReason, Role, User
from .roles import role_group


def staff_deactivate_departed(*, today: datetime.date | None = None) -> int:
    """Disable every active account whose employment end date has passed. Idempotent."""
    today = today or timezone.localdate()
    departed = User.objects.filter(is_active=True, employment_ends_on__lt=today)
    # One UPDATE: a rerun finds nothing left to do.
    count = departed.update(is_active=False, deactivated_at=timezone.now())
    if count:
        api_tokens_revoke(
            tokens=ApiToken.objects.filter(user__is_active=False, user__employment_ends_on__lt=today), by=None
        )
    return count


@transaction.atomic
def staff_set_role(*, user: User, role: Role) -> User:
    """Give a user a role and the matching Django group (the group carries admin permissions)."""
    user.role = role
    user.is_staff = role in (Role.GROUP_ADMIN, Role.CITY_HEAD, Role.AUDITOR)  # the auditor: the log's admin
    user.save(update_fields=["role", "is_staff"])
    user.groups.set([role_group(role)])
    return user


# --- revealing personal data -----------------------------------------------------------------------

# The written detail beside the chosen purpose: at least this many letters or characters (汉字 count
# one each); digits and punctuation alone ("00", "…") say nothing.
REASON_DETAIL_MIN_LETTERS = 4
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_setting(name: str) -> tuple[int, datetime.timedelta]:
    """A "count/period" setting such as "30/h" or "10/10m" as (count, period)."""
    value = getattr(settings, name)
    match = _RATE.match(str(value).strip())
    if not match:
        raise ImproperlyConfigured(f'{name} must look like "30/h" or "10/10m", not {value!r}')
    count, multiple, unit = match.groups()
    return int(count), datetime.timedelta(seconds=int(multiple or 1) * _UNIT_SECONDS[unit])


class RevealLimitReached(Exception):
    """The user has revealed REVEAL_RATE values already: the page answers 429, the API a DRF 429."""

    def __init__(self, retry_after: datetime.timedelta):
        self.retry_after = retry_after
        minutes = max(1, math.ceil(retry_after.total_seconds() / 60))
        super().__init__(
            ngettext(
                "You have revealed the most personal data allowed for now; try again in %(minutes)d minute.",
                "You have revealed the most personal data allowed for now; try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )


def _reason_errors(reason_code: str, detail: str) -> dict[str, list[str]]:
    errors = {}
    if reason_code not in RevealReason.values:
        errors["reason_code"] = [_("Choose why you need to see this value.")]
    letters = [character for character in detail if character.isalpha()]
    if len(letters) < REASON_DETAIL_MIN_LETTERS or len(set(letters)) < 2:
        errors["reason"] = [
            _("Say why you need to see this value, in words (at least %(count)d characters).")
            % {"count": REASON_DETAIL_MIN_LETTERS}
        ]
    return errors


def reveal_reason_errors(reason_code: str, reason: str) -> dict[str, list[str]]:
    """The purpose and written detail every reveal needs: for other apps' reveals (the club's members)."""
    return _reason_errors(reason_code, " ".join((reason or "").split()))


@transaction.atomic
def personal_data_reveal(
    *,
    user: User,
    customer,
    field: str,
    reason_code: str,
    reason: str,
    channel: str = "web",
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> str | list[str]:
    """Return the clear value of a masked field and log who asked, why and when.

    The one rule for every caller (the 360 page, the API): a purpose from RevealReason and a written
    detail; at most REVEAL_RATE reveals per user (RevealLimitReached); more than REVEAL_BURST_ALERT
    in its window tells the user's supervisors and city heads, once per window.
    """
    if field not in PersonalField.values:
        raise ValidationError({"field": _("Unknown field.")})
    personal_data_access_log(
        user=user,
        customer=customer,
        field=field,
        reason_code=reason_code,
        reason=reason,
        channel=channel,
        ip_address=ip_address,
        now=now,
    )
    if field == PersonalField.PHONE:
        return [phone.number for phone in customer.phones.all()]
    return customer.id_number or ""


@transaction.atomic
def personal_data_access_log(
    *,
    user: User,
    customer,
    field: str,
    reason_code: str,
    reason: str,
    channel: str = "web",
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> PersonalDataAccess:
    """Check and log one access to a customer's clear personal data (a revealed field, or everything
    held: LoggedAccess.SUBJECT_EXPORT): the role, the purpose and detail, the rate; the burst alert."""
    if field not in LoggedAccess.values:
        raise ValidationError({"field": _("Unknown field.")})
    if not user.may_reveal(field):
        raise PermissionDenied(_("Your role may not reveal this field."))
    detail = " ".join((reason or "").split())
    errors = _reason_errors(reason_code, detail)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    limit, period = rate_setting("REVEAL_RATE")
    burst_limit, burst_period = rate_setting("REVEAL_BURST_ALERT")
    # One user's reveals queue behind this lock, so the counts below are exact under concurrency.
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    recent = PersonalDataAccess.objects.filter(user=user, accessed_at__gt=now - max(period, burst_period))
    counts = recent.aggregate(
        in_rate=Count("pk", filter=Q(accessed_at__gt=now - period)),
        in_burst=Count("pk", filter=Q(accessed_at__gt=now - burst_period)),
        alerted=Count("pk", filter=Q(accessed_at__gt=now - burst_period, burst_alert_sent=True)),
    )
    if counts["in_rate"] >= limit:
        oldest = recent.filter(accessed_at__gt=now - period).order_by("accessed_at").first()
        raise RevealLimitReached(oldest.accessed_at + period - now if oldest else period)
    burst = counts["in_burst"] + 1 > burst_limit and not counts["alerted"]
    access = PersonalDataAccess.objects.create(
        user=user,
        customer=customer,
        field=field,
        reason_code=reason_code,
        reason=detail[:200],
        channel=channel,
        ip_address=ip_address,
        accessed_at=now,
        burst_alert_sent=burst,
    )
    if burst:
        _alert_reveal_burst(access=access, count=counts["in_burst"] + 1, period=burst_period)
    return access


def reveal_watchers(user: User) -> list[int]:
    """Who hears of a user's burst of reveals: the supervisors of their projects and the heads of
    their city companies; the group administrators when there are none (or the user is one)."""
    from properties.selectors import projects_by_id

    scope = user.scope
    watchers = User.objects.none()
    if not scope.is_unrestricted:
        project_ids = set(scope.project_ids)
        city_ids = set(scope.city_company_ids) | {
            city for pk, (_name, city) in projects_by_id().items() if pk in project_ids
        }
        watchers = User.objects.filter(
            Q(role=Role.CS_SUPERVISOR, projects__in=project_ids)
            | Q(role=Role.CS_SUPERVISOR, city_companies__in=city_ids)
            | Q(role=Role.CITY_HEAD, city_companies__in=city_ids)
        )
    ids = set(watchers.filter(is_active=True).exclude(pk=user.pk).values_list("pk", flat=True))
    if not ids:
        ids = set(
            User.objects.filter(is_active=True, role=Role.GROUP_ADMIN)
            .exclude(pk=user.pk)
            .values_list("pk", flat=True)
        )
    return sorted(ids)


def _alert_reveal_burst(*, access: PersonalDataAccess, count: int, period: datetime.timedelta) -> None:
    from django.urls import reverse

    from notifications.models import Notification

    user = access.user
    minutes = int(period.total_seconds() // 60)
    title = _("%(user)s revealed personal data %(count)d times in %(minutes)d minutes") % {
        "user": user,
        "count": count,
        "minutes": minutes,
    }
    body = _(
        "Check the personal data access log: the latest was %(field)s of customer #%(customer)s, "
        "reason: %(reason)s."
    ) % {"field": access.get_field_display(), "customer": access.customer_id, "reason": access.reason}
    link = reverse("customers:detail", args=[access.customer_id])
    Notification.objects.bulk_create(
        [
            Notification(recipient_id=pk, kind="reveal_burst", title=title[:200], body=body, link=link)
            for pk in reveal_watchers(user)
        ]
    )
