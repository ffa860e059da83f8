"""The weekly dashboard report: each city company's figures of last week against the week before,
emailed on Monday morning to its managers.

Who gets it: the active city company heads (Role.CITY_HEAD) and customer-service managers
(Role.CS_SUPERVISOR assigned to the city company itself) of each city company — the people the
complaint digest and the SLA's level 2 call the city company's managers. A supervisor assigned only to
some projects is left out: their scope is narrower than the city company's figures. Nobody hears of a
city company they are not assigned to.

What it says: every recording panel's headline figures from `dashboard_panels` on the city company's
scope for the ISO week (Monday to Sunday, local time) — the numbers its dashboard shows for that week —
each with the week before and the change, and a link to the dashboard. An HTML email with a plain-text
part, through the outbox; the key `dashboard-weekly.<city code>.<ISO week>.user-<id>` makes it one email
per city company, week and person however often it runs.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from accounts.models import Role, User
from core.models import OutboxMessage
from core.outbox import OutgoingMessage, messages_enqueue
from dashboards.measures.base import Period, PeriodKind
from dashboards.measures.engine import dashboard_panels, scope_from_params
from properties.models import CityCompany

from .display import panel_views
from .selectors import DashboardReport

MESSAGE_KIND = "dashboard_weekly_report"
MANAGER_ROLES = (Role.CITY_HEAD, Role.CS_SUPERVISOR)


@dataclass
class WeeklyResult:
    """What one city company's report did."""

    city_code: str
    week: Period
    queued: int = 0  # new emails in the outbox
    already_queued: int = 0  # queued by an earlier run for this week
    without_email: list[int] = field(default_factory=list)  # managers' user ids


def last_full_week(now: datetime.datetime | None = None) -> Period:
    """The ISO week before the current one (Monday to Sunday, local time)."""
    today = timezone.localdate(now or timezone.now())
    return Period.containing(PeriodKind.WEEK, today - datetime.timedelta(days=7))


def iso_week_label(week: Period) -> str:
    year, number, _weekday = week.start.isocalendar()
    return f"{year}-W{number:02d}"


def weekly_key(city_code: str, week: Period, user_id: int) -> str:
    return f"dashboard-weekly.{city_code}.{iso_week_label(week)}.user-{user_id}"


def city_managers(city_ids: Iterable[int]) -> dict[int, list[User]]:
    """city company id → its active heads and customer-service managers (by id), in one query."""
    managers: dict[int, list[User]] = {}
    users = (
        User.objects.filter(is_active=True, role__in=MANAGER_ROLES, city_companies__in=list(city_ids))
        .annotate(report_city_id=F("city_companies"))
        .order_by("report_city_id", "pk")
    )
    for user in users:
        managers.setdefault(user.report_city_id, []).append(user)
    return managers


def weekly_email(
    report: DashboardReport, *, city_name: str, site_url: str | None = None
) -> tuple[str, str, str]:
    """(subject, plain text, HTML) in the active language."""
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    week = report.period
    query = urlencode({**week.query(), **report.scope.query()})
    context = {
        "city_name": city_name,
        "site_url": site_url,
        "language": get_language(),
        "week_label": iso_week_label(week),
        "week": week,
        "week_before": week.previous(),
        "panels": panel_views(report),
        "dashboard_url": f"{site_url}{reverse('dashboards')}?{query}",
        "report_url": f"{site_url}{reverse('dashboards:report')}?{query}",
    }
    subject = _("Weekly report %(city)s, %(week)s (%(start)s – %(end)s)") % {
        "city": city_name,
        "week": context["week_label"],
        "start": week.start.isoformat(),
        "end": week.last_day.isoformat(),
    }
    text = render_to_string("dashboards/report_weekly_email.txt", context)
    html = render_to_string("dashboards/report_weekly_email.html", {**context, "subject": subject})
    return subject, text, html


def weekly_reports_send(
    *,
    week: Period | None = None,
    city_codes: Iterable[str] = (),
    now: datetime.datetime | None = None,
    progress: Callable[[WeeklyResult], None] | None = None,
) -> list[WeeklyResult]:
    """Queue each city company's weekly report (default: last week) to its managers.

    Idempotent: an email already queued for the city company, week and person is not queued again, so
    a rerun sends only what the first could not (a manager who has an address now). The figures are
    read once per city company, on its dashboard scope as its first manager sees it (every manager
    assigned to the city company sees all of its projects, so the figures are the same for each)."""
    now = now or timezone.now()
    week = week or last_full_week(now)
    cities = CityCompany.objects.order_by("code")
    city_codes = list(city_codes)
    if city_codes:
        cities = cities.filter(code__in=city_codes)
    cities = list(cities.values_list("pk", "code", "name"))
    managers = city_managers(pk for pk, _code, _name in cities)
    results = []
    for city_id, code, name in cities:
        result = WeeklyResult(code, week)
        recipients = managers.get(city_id, [])
        if recipients:
            _queue_city(city_id, name, recipients, week=week, result=result, now=now)
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def _queue_city(
    city_id: int, city_name: str, recipients: list[User], *, week: Period, result: WeeklyResult, now
) -> None:
    with_email = [user for user in recipients if user.email.strip()]
    result.without_email = [user.pk for user in recipients if not user.email.strip()]
    if not with_email:
        return
    reader = with_email[0]
    scope = scope_from_params(reader, {"city": str(city_id)})
    panels = dashboard_panels(reader, scope, week, with_rows=False)
    if not any(panel.recording for panel in panels):
        return  # nothing recorded anywhere yet: no report of empty panels
    report = DashboardReport(scope=scope, period=week, panels=panels, counted_at=now)
    # The staff's language would be the user's own; the User model has none, so the site's (zh-hans).
    with override(settings.LANGUAGE_CODE):
        subject, text, html = weekly_email(report, city_name=city_name)
    code = result.city_code
    messages = [
        OutgoingMessage(
            channel="email",
            recipient=user.email.strip(),
            recipient_user_id=user.pk,
            kind=MESSAGE_KIND,
            idempotency_key=weekly_key(code, week, user.pk),
            subject=subject,
            body=text,
            html_body=html,
        )
        for user in with_email
    ]
    with transaction.atomic():
        already = set(
            OutboxMessage.objects.filter(
                idempotency_key__in=[message.idempotency_key for message in messages]
            ).values_list("idempotency_key", flat=True)
        )
        messages_enqueue([message for message in messages if message.idempotency_key not in already], now=now)
    result.queued, result.already_queued = len(messages) - len(already), len(already)
