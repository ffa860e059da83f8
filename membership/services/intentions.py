"""Purchase intentions (意向登记): someone interested in an upcoming project registers the unit type
they want, by staff or on the public page; sales later call them (the list's Excel export).

One registration per phone, project and unit type (the table's unique constraint): a resubmission is
told it is already registered. A registration made with the phone of an active club member is linked
to that member.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.validators import normalize_mobile, validate_mobile

from ..models import EnrolmentChannel, Member, PurchaseIntention
from ..permissions import may_serve_members
from ..selectors.growth import projects_taking_intentions

ALREADY_REGISTERED = gettext_lazy(
    "This phone number is already registered for this unit type of this project."
)
NOT_UPCOMING = gettext_lazy("This project does not take purchase intentions: its sales have started.")


@transaction.atomic
def intention_register(
    *,
    project,
    name: str,
    phone: str,
    unit_type: str,
    budget_10k: int | None = None,
    notes: str = "",
    by=None,
) -> PurchaseIntention:
    """Register an intention; `by` is the staff member, None on the public page."""
    if by is not None:
        if not may_serve_members(by):
            raise PermissionDenied(_("Your role may not register purchase intentions."))
        scope = by.scope
        if not scope.is_unrestricted and not (
            project.pk in scope.project_ids or project.city_company_id in scope.city_company_ids
        ):
            raise PermissionDenied(_("This project is outside your city companies and projects."))
    if not projects_taking_intentions().filter(pk=project.pk).exists():
        raise ValidationError({"project": NOT_UPCOMING})
    phone = normalize_mobile(phone or "")
    try:
        validate_mobile(phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None
    intention = PurchaseIntention(
        project=project,
        member=Member.objects.active().filter(phone=phone).first(),
        name=(name or "").strip(),
        phone=phone,
        unit_type=unit_type,
        budget_10k=budget_10k,
        notes=(notes or "").strip(),
        channel=EnrolmentChannel.STAFF if by is not None else EnrolmentChannel.PUBLIC,
        created_at=timezone.now(),
        created_by=by,
    )
    intention.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            intention.save()
    except IntegrityError:
        raise ValidationError({"unit_type": ALREADY_REGISTERED}) from None
    return intention
