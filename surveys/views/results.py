"""A campaign's results page and the verbatim answers of one question. Thin: the figures are
surveys.selectors.results; who may look is surveys.permissions and Campaign.objects.visible_to."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from core.masking import mask_name
from core.paging import broken_link, newest_first_page
from surveys.forms.results import ResultFilterForm
from surveys.models import Campaign, Question, QuestionKind, Segment
from surveys.permissions import may_view_surveys
from surveys.selectors.results import ResultFilters, campaign_results, chart_data, verbatims


def _viewer(request):
    if not may_view_surveys(request.user):
        raise PermissionDenied(_("Your role may not read survey results."))
    return request.user


def may_link_customers(user) -> bool:
    """Verbatims link the customer for roles that may see customers, and mask the name for others."""
    return user.may_see_customers()


def _campaign_or_404(user, pk: int) -> Campaign:
    return get_object_or_404(
        Campaign.objects.visible_to(user).select_related("template_version__template"), pk=pk
    )


def _filters(request, user) -> tuple[ResultFilterForm, ResultFilters | None]:
    """The filter form and its filters; None when the query string is bad (the page answers 400)."""
    form = ResultFilterForm(request.GET or None, user=user)
    if not form.is_bound:
        return form, ResultFilters()
    return form, (form.filters() if form.is_valid() else None)


@login_required
def results(request, pk: int):
    user = _viewer(request)
    campaign = _campaign_or_404(user, pk)
    form, filters = _filters(request, user)
    context = {"campaign": campaign, "form": form, "results": None}
    if filters is None:
        return render(request, "surveys/results.html", context, status=400)
    figures = campaign_results(user=user, campaign=campaign, filters=filters)
    chart_text = {
        "current": _("This campaign"),
        "previous": _("Previous campaign"),
        "top_box": _("Top-2-box (%)"),
        "answers": _("Answers"),
    }
    context.update(results=figures, charts=chart_data(figures), chart_text=chart_text)
    return render(request, "surveys/results.html", context)


@login_required
def question_verbatims(request, pk: int, question_pk: int):
    user = _viewer(request)
    campaign = _campaign_or_404(user, pk)
    question = get_object_or_404(
        Question, pk=question_pk, template_version_id=campaign.template_version_id, kind=QuestionKind.TEXT
    )
    form, filters = _filters(request, user)
    context = {"campaign": campaign, "question": question, "form": form, "page": None}
    if filters is None:
        return render(request, "surveys/verbatims.html", context, status=400)
    page, pager = newest_first_page(
        request, verbatims(user=user, campaign=campaign, question=question, filters=filters)
    )
    if page is None:
        return broken_link(request)
    segments = dict(Segment.choices)
    may_see_customers = may_link_customers(user)
    for answer in page:
        customer = answer.invitation.customer
        answer.customer_label = customer.name if may_see_customers else mask_name(customer.name)
        answer.customer_pk = customer.pk if may_see_customers else None
        answer.segment_label = segments.get(answer.segment, "")
    context.update(pager)
    return render(request, "surveys/verbatims.html", context)
