"""The list of survey responses across campaigns (the dashboards' survey figures drill here). Thin: the
rows are surveys.selectors.responses; who may look is surveys.permissions and Invitation.visible_to."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.listing import bounded_count
from core.masking import mask_name
from core.paging import broken_link, newest_first_page
from core.rows import local_text, row_url
from properties.selectors import projects_by_id

from ..forms.responses import ResponseFilterForm
from ..models import Segment
from ..permissions import may_view_surveys
from ..selectors.responses import response_list
from ..stats import DETRACTOR_MAX, PROMOTER_MIN, TOP_2_BOX_5, is_l3

TEMPLATE = "surveys/response_list.html"


def _label_rows(rows) -> None:
    """What a row prints, once per page. The respondent's name is masked: the list is for reading the
    scores; the customer's page (linked) shows them to the roles that may see it."""
    projects = projects_by_id()
    segments = dict(Segment.choices)
    customer_url = row_url("customers:detail")
    for response in rows:
        response.customer_label = mask_name(response.customer.name)
        response.customer_url = customer_url(response.customer_id)
        response.project_name = projects.get(response.project_id, ("", None))[0]
        response.segment_label = segments.get(response.segment, "")
        response.completed_text = local_text(response.completed_at, "%Y-%m-%d %H:%M")
        response.satisfied = response.overall in TOP_2_BOX_5
        response.loyal = is_l3(response.overall, response.repurchase, response.recommend)
        if response.recommend is None:
            response.nps_class = ""
        elif response.recommend >= PROMOTER_MIN:
            response.nps_class = "promoter"
        elif response.recommend <= DETRACTOR_MAX:
            response.nps_class = "detractor"
        else:
            response.nps_class = "passive"


@login_required
@require_GET
def response_list_view(request):
    if not may_view_surveys(request.user):
        raise PermissionDenied(_("Your role may not see surveys."))
    form = ResponseFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form, "page": []}, status=400)
    responses = response_list(user=request.user, filters=form.filters())
    page, pager = newest_first_page(request, responses)
    if page is None:
        return broken_link(request)
    _label_rows(page)
    return render(request, TEMPLATE, {"form": form, "list_count": bounded_count(responses), **pager})
