"""The link review queue: members whose mobile number is a phone of several customers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.masking import mask_phone
from core.paging import broken_link, newest_first_page
from customers.models import Customer

from ..forms.members import LinkReviewForm
from ..models import Member
from ..permissions import may_run_club
from ..selectors import members as selectors
from ..services.errors import ConcurrentEditError
from ..services.linking import customer_candidates, member_link_review


def _require_reviewer(user) -> None:
    if not may_run_club(user):
        raise PermissionDenied(_("Only the people who run the club review customer links."))


@login_required
def link_review(request):
    _require_reviewer(request.user)
    page, pager = newest_first_page(request, selectors.link_review_queue(user=request.user), size=10)
    if page is None:
        return broken_link(request)
    for member in page:
        # A few candidates per member on a page of ten: the queue is short and reviewed by hand.
        candidate_ids, _certain = customer_candidates(member)
        member.candidates = selectors.review_candidates(
            user=request.user, member=member, candidate_ids=candidate_ids
        )
        member.hidden_candidates = len(candidate_ids) - len(member.candidates)
        member.phone_masked = mask_phone(member.phone)
        for customer in member.candidates:
            customer.phones_masked = ", ".join(phone.masked for phone in customer.phones.all())
    return render(request, "membership/link_review.html", pager)


@login_required
@require_POST
def link_review_decide(request, pk: int):
    _require_reviewer(request.user)
    member = get_object_or_404(Member.objects.visible_to(request.user), pk=pk)
    form = LinkReviewForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(str(error) for error in form.non_field_errors()) or _("Reload the page.")
        )
        return redirect("club:link_review")
    customer = None
    if form.cleaned_data.get("customer"):
        customer = Customer.objects.filter(pk=form.cleaned_data["customer"]).first()
        if customer is None:
            raise Http404(_("No such customer."))
    try:
        member_link_review(
            member=member, by=request.user, customer=customer, expected_version=form.cleaned_data["version"]
        )
    except ConcurrentEditError as error:
        messages.error(request, " ".join(error.messages))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if customer:
            messages.success(
                request,
                _("%(member)s linked to customer %(customer)s.")
                % {"member": member.number, "customer": customer.name},
            )
        else:
            messages.success(request, _("%(member)s: no customer record.") % {"member": member.number})
    return redirect("club:link_review")
