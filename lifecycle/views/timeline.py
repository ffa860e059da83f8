"""The owner timeline's page, /lifecycle/customers/<id>/timeline/, and the fragment the customer 360
page loads into its timeline section (`?fragment=1`: the latest entries, no page chrome)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core.paging import BROKEN_LINK, BrokenCursor
from customers.models import Customer

from ..timeline import DEFAULT_PAGE_SIZE, Position, customer_timeline, timeline_kinds

PANEL_ENTRIES = 10


class TimelineFilterForm(forms.Form):
    kind = forms.MultipleChoiceField(label=_("Kind"), required=False)
    after = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = timeline_kinds()

    def clean_after(self) -> Position | None:
        cursor = self.cleaned_data.get("after")
        if not cursor:
            return None
        try:
            return Position.decode(cursor)
        except BrokenCursor:
            raise forms.ValidationError(BROKEN_LINK) from None


def visible_customer_or_404(user, pk: int) -> Customer:
    """The customer if the user may see them (a 404 otherwise, as on the 360 page)."""
    if not user.may_see_customers():
        raise PermissionDenied(_("Your role has no access to customer records."))
    return get_object_or_404(Customer.objects.visible_to(user).only("pk", "name"), pk=pk)


@login_required
def customer_timeline_page(request, pk: int):
    customer = visible_customer_or_404(request.user, pk)
    form = TimelineFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "400.html", {"message": BROKEN_LINK}, status=400)
    fragment = request.GET.get("fragment") == "1"
    page = customer_timeline(
        customer,
        user=request.user,
        kinds=form.cleaned_data["kind"] or None,
        before=form.cleaned_data["after"],
        limit=PANEL_ENTRIES if fragment else DEFAULT_PAGE_SIZE,
    )
    labels = dict(timeline_kinds())
    context = {
        "customer": customer,
        "entries": [(entry, labels.get(entry.kind, entry.kind)) for entry in page.entries],
        "next_cursor": page.next_cursor,
        "form": form,
        "kinds": timeline_kinds(),
        "chosen": set(form.cleaned_data["kind"]),
        "next_query": urlencode(
            [("kind", kind) for kind in form.cleaned_data["kind"]] + [("after", page.next_cursor)]
        )
        if page.next_cursor
        else "",
        "filtered": bool(form.cleaned_data["kind"] or form.cleaned_data["after"]),
    }
    template = "lifecycle/_timeline_entries.html" if fragment else "lifecycle/customer_timeline.html"
    return render(request, template, context)
