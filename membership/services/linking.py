"""Linking a member to their customer record (a member may not be a customer yet).

Matched at enrolment, when a member's ID number is corrected, and whenever a contract is signed
(customers' `contract_signed` signal, received in MembershipConfig.ready()):
- the ID number's hash matches one customer: certain, linked;
- else the mobile number is a phone of exactly one customer: linked; of several: `review`, and a
  person who runs the club picks the right one (or none) on the review page;
- else nothing: the member stays "not a customer yet".
The whole group's customers are searched (a member of one city may have bought in another); what a
viewer sees of the linked customer is still their customer scope.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from core.audit import audit_log
from core.encryption import pii_hash_candidates
from customers.models import Contract, Customer, CustomerPhone

from ..models import Member
from ..permissions import may_run_club
from ..purchases import club_purchases_refresh
from .errors import ConcurrentEditError

LinkStatus = Member.LinkStatus


def customer_candidates(member: Member) -> tuple[list[int], bool]:
    """The customer ids the member may be, and whether the match is certain (an ID number)."""
    if member.id_number:
        by_id = list(
            Customer.objects.filter(id_number_hash__in=pii_hash_candidates(member.id_number))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if by_id:
            return by_id, len(by_id) == 1
    by_phone = sorted(
        set(CustomerPhone.objects.filter(number=member.phone).values_list("customer_id", flat=True))
    )
    return by_phone, len(by_phone) == 1


def member_link_customer(*, member: Member) -> Member:
    """Match one member now (a no-op for a member already linked or who left)."""
    if member.customer_id is not None or member.left_at is not None:
        return member
    link_status_before = member.link_status
    candidates, certain = customer_candidates(member)
    if certain:
        member.customer_id, member.link_status = candidates[0], LinkStatus.LINKED
    elif candidates:
        member.link_status = LinkStatus.TO_REVIEW
    else:
        member.link_status = LinkStatus.NOT_A_CUSTOMER
    # A conditional UPDATE: a link a reviewer made meanwhile is never overwritten.
    linked = Member.objects.filter(pk=member.pk, customer__isnull=True).update(
        customer_id=member.customer_id, link_status=member.link_status, version=F("version") + 1
    )
    member.version += 1
    if linked and member.customer_id is not None:
        club_purchases_refresh(buyer_ids=[member.customer_id])  # a member before a signing: the club's
    if linked:  # matched by the rule, not by a person: no one's name on the entry
        audit_log(
            member,
            by=None,
            changes={
                "customer": (None, member.customer_id),
                "link_status": (link_status_before, member.link_status),
            },
        )
    return member


def members_link_for_contract(*, contract: Contract) -> list[Member]:
    """The contract's buyer may be a member not linked yet: by the buyer's ID number or phones."""
    buyer = contract.primary_buyer
    phones = list(CustomerPhone.objects.filter(customer=buyer).values_list("number", flat=True))
    match = Q(phone__in=phones)
    if buyer.id_number:
        match |= Q(id_number_hash__in=pii_hash_candidates(buyer.id_number))
    members = list(Member.objects.active().filter(customer__isnull=True).filter(match))
    return [member_link_customer(member=member) for member in members]


def on_contract_signed(sender, contract: Contract, **kwargs) -> None:
    """customers.signals.contract_signed: runs inside the signing's transaction."""
    members_link_for_contract(contract=contract)


@transaction.atomic
def member_link_review(*, member: Member, by, customer: Customer | None, expected_version: int) -> Member:
    """A reviewer decides an ambiguous match: one of the candidates, or none (`customer=None`)."""
    if not may_run_club(by):
        raise PermissionDenied(_("Your role may not review customer links."))
    if not Member.objects.visible_to(by).filter(pk=member.pk).exists():
        raise PermissionDenied(_("This member is outside your city companies and projects."))
    if member.link_status != LinkStatus.TO_REVIEW:
        raise ValidationError(_("This member's customer link is not waiting for a review."))
    if customer is not None:
        candidates, _certain = customer_candidates(member)
        if customer.pk not in candidates:
            raise ValidationError(
                {"customer": _("This customer does not match the member's phone or ID number.")}
            )
        if not Customer.objects.visible_to(by).filter(pk=customer.pk).exists():
            raise PermissionDenied(_("This customer is outside your city companies and projects."))
    claimed = Member.objects.filter(
        pk=member.pk, version=expected_version, link_status=LinkStatus.TO_REVIEW
    ).update(
        customer=customer,
        link_status=LinkStatus.LINKED if customer else LinkStatus.NOT_A_CUSTOMER,
        version=F("version") + 1,
    )
    if not claimed:
        raise ConcurrentEditError()
    before = {"customer": member.customer_id, "link_status": member.link_status}
    member.refresh_from_db()
    if customer is not None:
        club_purchases_refresh(buyer_ids=[customer.pk])
    audit_log(
        member,
        by=by,
        changes={
            name: (value, getattr(member, Member._meta.get_field(name).attname))  # type: ignore[union-attr]  # a concrete field by name, never a reverse relation
            for name, value in before.items()
        },
    )
    return member
