"""A campaign's results and its raw answers as Excel exports (core.exports), with the results page's
filters and the user's scope (only final answers of invitations they may see).

Both take `?campaign=<pk>` plus the page's filters. What the rows need beyond the queryset (who
exports, the filters, the questions) travels on the queryset object that core.exports hands back to
`rows` / `headers_for`. Phones are masked in every file (core.exports); names are shown to roles
that may see customers and masked for others.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch
from django.http import QueryDict
from django.utils.translation import gettext as _

from core.exports import Exporter, chunked, local_time
from core.masking import mask_name, mask_phone
from customers.selectors import primary_phone_number
from properties.selectors import city_companies_by_id, projects_by_id

from .forms.results import ResultFilterForm
from .models import Answer, AnswerMode, Campaign, Invitation, Question, QuestionKind, Segment, localized
from .permissions import may_view_surveys
from .selectors.results import CampaignResults, ResultFilters, campaign_results
from .stats import Estimate


def _campaign_and_filters(user, data: QueryDict) -> tuple[Campaign | None, ResultFilters | None]:
    """The campaign (visible to the user) and the valid filters; (None, None) for anything else."""
    pk = data.get("campaign") or ""
    if not (pk.isascii() and pk.isdigit()) or len(pk) > 18:
        return None, None
    campaign = (
        Campaign.objects.visible_to(user)
        .select_related("template_version__template")
        .filter(pk=int(pk))
        .first()
    )
    form = ResultFilterForm(data, user=user)
    if campaign is None or not form.is_valid():
        return None, None
    return campaign, form.filters()


# --- the results: one row per figure ----------------------------------------------------------------


def results_for_export(user, data):
    campaign, filters = _campaign_and_filters(user, data)
    if campaign is None:
        return Campaign.objects.none()
    campaigns = Campaign.objects.filter(pk=campaign.pk)
    campaigns.survey_results = campaign_results(user=user, campaign=campaign, filters=filters)
    return campaigns


def _results_headers() -> list[str]:
    return [
        _("Section"),
        _("Item"),
        _("Answers (n)"),
        _("Count"),
        _("Value"),
        _("CI low (95%)"),
        _("CI high (95%)"),
        _("Previous campaign"),
        _("Change"),
    ]


def _number(value: float | None, kind: str) -> float | None:
    """Shares as percentages, scores and means as they are, rounded for a sheet."""
    if value is None:
        return None
    return round(100 * value, 2) if kind == "share" else round(value, 3)


def _figure_row(section: str, item: str, estimate: Estimate | None, previous: Estimate | None) -> list:
    if estimate is None:
        return [section, item, None, None, None, None, None, None, None]
    kind = estimate.kind
    before = previous.value if previous is not None else None
    change = estimate.value - before if estimate.value is not None and before is not None else None
    return [
        section,
        item,
        estimate.n,
        estimate.count if kind == "share" else None,
        _number(estimate.value, kind),
        _number(estimate.low, kind),
        _number(estimate.high, kind),
        _number(before, kind),
        _number(change, kind),
    ]


def _results_rows(campaigns) -> Iterator[list]:
    results: CampaignResults | None = getattr(campaigns, "survey_results", None)
    if results is None:
        return
    current, previous = results.current, results.previous
    headline = _("Headline")
    for name, label in (
        ("response_rate", _("Response rate (%)")),
        ("satisfaction", _("Satisfaction, top-2-box (%)")),
        ("recommend", _("Recommend score")),
        ("l3", _("L3 loyalty (%)")),
    ):
        yield _figure_row(headline, str(label), getattr(current, name), getattr(previous, name, None))
    follow_ups = results.follow_ups
    for label, count in (
        (_("Follow-ups open"), follow_ups.open),
        (_("Follow-ups overdue"), follow_ups.overdue),
        (_("Follow-ups closed"), follow_ups.closed),
    ):
        yield [headline, str(label), None, count, None, None, None, None, None]
    for row in current.dimensions:
        section = _("Dimension")
        before = row.previous
        yield _figure_row(section, f"{row.label} · {_('mean')}", row.mean, before.mean if before else None)
        yield _figure_row(
            section, f"{row.label} · {_('top-2-box (%)')}", row.top_box, before.top_box if before else None
        )
    for row in current.questions:
        section, before = _("Question"), row.previous
        if row.mean is not None:
            yield _figure_row(section, f"{row.text} · {_('mean')}", row.mean, before.mean if before else None)
        if row.headline is not None:
            label = _("top-2-box (%)") if row.top_box is not None else _("recommend score")
            yield _figure_row(
                section, f"{row.text} · {label}", row.headline, before.headline if before else None
            )
        for option in row.options:
            yield _figure_row(section, f"{row.text} · {option.label} (%)", option.share, None)


RESULTS_EXPORTER = Exporter(
    title=lambda: _("Survey results"),
    may_export=may_view_surveys,
    queryset=results_for_export,
    headers=_results_headers,
    rows=_results_rows,
)


# --- the raw answers: one row per completed response, one column per question ----------------------


def answers_for_export(user, data):
    campaign, filters = _campaign_and_filters(user, data)
    if campaign is None:
        return Invitation.objects.none()
    questions = list(
        Question.objects.filter(template_version_id=campaign.template_version_id).order_by("position", "pk")
    )
    if filters.dimension:
        questions = [q for q in questions if q.dimension == filters.dimension]
    invitations = (
        Invitation.objects.visible_to(user)
        .filter(filters.on_answers(), campaign=campaign, completed_at__isnull=False)
        .select_related("customer")
        .only("id", "completed_at", "segment", "mode", "city_company_id", "project_id", "customer__name")
        .annotate(primary_phone_number=primary_phone_number("customer_id"))
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=Answer.objects.filter(is_final=True).only(
                    "id", "invitation_id", "question_id", "score", "choices", "text"
                ),
            )
        )
        .order_by("id")
    )
    invitations.survey_questions = questions
    invitations.survey_may_see_names = user.may_see_customers()
    return invitations


def _answers_headers(invitations) -> list[str]:
    fixed = [
        _("Response"),
        _("Completed at"),
        _("Customer"),
        _("Phone"),
        _("City company"),
        _("Project"),
        _("Segment"),
        _("Answered by"),
    ]
    return fixed + [f"{q.code} · {q.display_text}" for q in getattr(invitations, "survey_questions", [])]


def _cell(question: Question, answer: Answer | None, labels: dict[str, str]):
    if answer is None:
        return None
    if question.kind in QuestionKind.numeric():
        return answer.score
    if question.kind == QuestionKind.TEXT:
        return answer.text
    return "; ".join(labels.get(str(value), str(value)) for value in answer.choices or [])


def _answers_rows(invitations) -> Iterator[list]:
    questions: list[Question] = getattr(invitations, "survey_questions", [])
    may_see_names = getattr(invitations, "survey_may_see_names", False)
    option_labels = {
        q.pk: {
            str(o.get("value")): localized(o.get("label", ""), o.get("label_en", "")) for o in q.options or []
        }
        for q in questions
    }
    cities, projects = city_companies_by_id(), projects_by_id()
    segments, modes = dict(Segment.choices), dict(AnswerMode.choices)
    for chunk in chunked(invitations):
        for invitation in chunk:
            answers = {answer.question_id: answer for answer in invitation.answers.all()}
            name = invitation.customer.name
            yield [
                invitation.pk,
                local_time(invitation.completed_at),
                name if may_see_names else mask_name(name),
                mask_phone(invitation.primary_phone_number or ""),
                cities.get(invitation.city_company_id, ""),
                projects.get(invitation.project_id, ("", None))[0],
                str(segments.get(invitation.segment, "")),
                str(modes.get(invitation.mode, "")),
            ] + [_cell(q, answers.get(q.pk), option_labels[q.pk]) for q in questions]


ANSWERS_EXPORTER = Exporter(
    title=lambda: _("Survey answers"),
    may_export=may_view_surveys,
    queryset=answers_for_export,
    headers=lambda: [],
    headers_for=_answers_headers,
    rows=_answers_rows,
)
