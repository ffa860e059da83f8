"""A record's "History" section: the fragment its page loads with htmx after the page, paged by cursor."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.paging import BROKEN_LINK, NewestFirstPaginator

from .history import history_queryset, history_rows
from .registry import audited_by_label

HISTORY_PAGE_SIZE = 10


@login_required
@never_cache
@require_GET
def record_history(request, label: str, pk: int):
    config = audited_by_label(label)
    if config is None:
        raise Http404(_("No such record."))
    if config.may_view is not None and not config.may_view(request.user):
        raise PermissionDenied(_("Your role may not read this history."))
    # Out of scope and missing look the same.
    if not config.visible_to(request.user).filter(pk=pk).exists():
        raise Http404(_("No such record."))
    paginator = NewestFirstPaginator(history_queryset(config, pk))
    page = paginator.page_from_request(request, HISTORY_PAGE_SIZE)
    if page is None:
        return render(request, "400.html", {"message": BROKEN_LINK}, status=400)
    url = reverse("audit:history", args=[label, pk])
    return render(
        request,
        "audit/history_fragment.html",
        {
            "rows": history_rows(config, list(page)),
            "url": url,
            "older": paginator.cursor(page[-1]) if page and page.has_next else None,
            "newer": paginator.cursor(page[0]) if page and page.has_previous else None,
        },
    )
