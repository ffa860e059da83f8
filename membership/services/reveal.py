"""Revealing a member's masked phone or ID number: the customers' rule (accounts.services), for a
member who may not be a customer. The role may reveal the field, a purpose and a written detail, one
logged row per reveal (MemberDataAccess), and the same REVEAL_RATE per user, counted over customers'
and members' reveals together."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PersonalDataAccess, PersonalField, User
from accounts.services import RevealLimitReached, rate_setting, reveal_reason_errors

from ..models import Member, MemberDataAccess


@transaction.atomic
def member_data_reveal(
    *,
    user,
    member: Member,
    field: str,
    reason_code: str,
    reason: str,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> str:
    if field not in PersonalField.values:
        raise ValidationError({"field": _("Unknown field.")})
    if not user.may_reveal(field):
        raise PermissionDenied(_("Your role may not reveal this field."))
    if not Member.objects.visible_to(user).filter(pk=member.pk).exists():
        raise PermissionDenied(_("This member is outside your city companies and projects."))
    errors = reveal_reason_errors(reason_code, reason)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    limit, period = rate_setting("REVEAL_RATE")
    # The same lock as customers' reveals: one user's reveals are counted one at a time.
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    since = now - period
    recent = (
        PersonalDataAccess.objects.filter(user=user, accessed_at__gt=since).count()
        + MemberDataAccess.objects.filter(user=user, accessed_at__gt=since).count()
    )
    if recent >= limit:
        raise RevealLimitReached(period)
    MemberDataAccess.objects.create(
        user=user,
        member=member,
        field=field,
        reason_code=reason_code,
        reason=" ".join(reason.split())[:200],
        ip_address=ip_address,
        accessed_at=now,
    )
    return member.phone if field == PersonalField.PHONE else (member.id_number or "")
