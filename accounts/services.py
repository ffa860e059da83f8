from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import PersonalDataAccess, PersonalField, Role, User
from .roles import role_group


def staff_deactivate_departed(*, today: datetime.date | None = None) -> int:
    """Disable every active account whose employment end date has passed. Idempotent."""
    today = today or timezone.localdate()
    departed = User.objects.filter(is_active=True, employment_ends_on__lt=today)
    # One UPDATE: a rerun finds nothing left to do.
    count = departed.update(is_active=False, deactivated_at=timezone.now())
    if count:
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user__is_active=False, user__employment_ends_on__lt=today).delete()
    return count


@transaction.atomic
def staff_set_role(*, user: User, role: Role) -> User:
    """Give a user a role and the matching Django group (the group carries admin permissions)."""
    user.role = role
    user.is_staff = role in (Role.GROUP_ADMIN, Role.CITY_HEAD)
    user.save(update_fields=["role", "is_staff"])
    user.groups.set([role_group(role)])
    return user


def personal_data_reveal(
    *, user: User, customer, field: str, reason: str, channel: str = "web", ip_address: str | None = None
) -> str | list[str]:
    """Return the clear value of a masked field and log who asked, why and when."""
    if field not in PersonalField.values:
        raise ValidationError({"field": _("Unknown field.")})
    if not user.may_reveal(field):
        raise PermissionDenied(_("Your role may not reveal this field."))
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Say why you need to see this value.")})
    PersonalDataAccess.objects.create(
        user=user, customer=customer, field=field, reason=reason[:200], channel=channel, ip_address=ip_address
    )
    if field == PersonalField.PHONE:
        return [phone.number for phone in customer.phones.all()]
    return customer.id_number or ""
