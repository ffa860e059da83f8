"""The auditor's page: the personal-data access log (PIPL), filtered and keyset-paged."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.paging import DueCursorPaginator, broken_link, pager_context

from .access_log import AccessLogFilterForm
from .access_log import access_log as access_log_rows


@login_required
@require_GET
def access_log(request):
    """The personal-data access log (PIPL) for the auditor: who saw whose what, when and why, filtered
    by staff member, customer, field and days; keyset-paged on (time, id), newest first."""
    user = request.user
    if not user.may_read_access_log():
        raise PermissionDenied(_("Your role may not read the personal data access log."))
    form = AccessLogFilterForm(request.GET or None)
    filtering = any(request.GET.get(name) for name in form.fields)
    if filtering and not form.is_valid():
        return render(request, "accounts/access_log.html", {"form": form, "rows": []}, status=400)
    rows = access_log_rows(user=user, filters=form.cleaned_data if filtering else None)
    paginator = DueCursorPaginator(rows, ("accessed_at", "id"), descending=True)
    page = paginator.page_from_request(request)
    if page is None:
        return broken_link(request)
    return render(
        request,
        "accounts/access_log.html",
        {"form": form, "rows": list(page), **pager_context(request, paginator, page)},
    )
