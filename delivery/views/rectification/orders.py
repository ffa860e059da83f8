"""Rectification orders (整改单): issued from the defect list, listed (the contractor's home), one by one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.listing import ListSort, SortColumn, bounded_count, sort_word, sorting_context
from core.paging import broken_link, newest_first_page

from ...deadlines import defect_deadline_state
from ...forms import rectification as forms
from ...models import RectificationOrder
from ...selectors import rectification as selectors
from ...services import rectification as services
from ._common import _kept, _not_department_staff, _require

# By number, i.e. the id (the primary key).
ORDER_SORT = ListSort((SortColumn("number", descending_first=True),), default="-number")


@login_required
@require_POST
def orders_issue(request):
    user = request.user
    _require(user, "issue")
    form = forms.IssueOrdersForm(request.POST, user=user)
    back = reverse("delivery:defect-list") + _kept(request)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    try:
        orders = services.rectification_orders_issue(
            by=user,
            defects=list(form.cleaned_data["defects"]),
            contractor=form.cleaned_data.get("contractor"),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        _("%(count)d rectification orders issued: %(numbers)s")
        % {"count": len(orders), "numbers": ", ".join(o.number for o in orders)},
    )
    if len(orders) == 1:
        return redirect("delivery:order-detail", pk=orders[0].pk)
    return redirect("delivery:order-list")


@login_required
@require_GET
def order_list(request):
    user = request.user
    _not_department_staff(user)
    form = forms.OrderFilterForm(request.GET or None, user=user)
    filters = form.selector_filters() if form.is_valid() else {"status": selectors.OPEN}
    orders = selectors.order_list(user=user, filters=filters)
    paginator, sort = ORDER_SORT.paginator(orders, sort_word(request))
    page, pager = newest_first_page(request, orders, paginator=paginator)
    if page is None:
        return broken_link(request)
    return render(
        request,
        "delivery/rectification/order_list.html",
        {
            "form": form,
            "now": timezone.now(),
            "list_count": bounded_count(orders),
            **sorting_context(request, ORDER_SORT, sort),
            **pager,
        },
    )


@login_required
@require_GET
def order_detail(request, pk: int):
    user = request.user
    try:
        order = selectors.order_detail(user=user, pk=pk)
    except RectificationOrder.DoesNotExist:
        raise Http404(_("No such rectification order.")) from None
    now = timezone.now()
    defects = list(order.defects.all())
    for defect in defects:
        defect.deadline = defect_deadline_state(defect, now)
    return render(
        request,
        "delivery/rectification/order_detail.html",
        {"order": order, "defects": defects, "now": now},
    )
