"""The daily complaint digest: what each city company's executives read every morning.

One email per city company and recipient, through the outbox, for one local day (TIME_ZONE,
Asia/Shanghai): the day runs from 00:00 to 24:00 local time, and the digest sent on the morning of
the 3rd reports the 2nd. A fixed calendar day, not "since the last digest": a rerun or a re-send of
a past day (`manage.py send_complaint_digest --date`) reports the same complaints, and the key
`complaint-digest.<city code>.<day>.user-<id>` makes it one email per person and day whenever it runs.

What a digest says, each figure with up to LIST_LIMIT complaints and their links:

- new: complaints registered at the desk that day (`created_at`; a letter entered today with an
  earlier `received_at` is new today, so no complaint misses every digest);
- breached: complaints one of whose SLA clocks reached its due time that day (an SlaAlert of level 1
  fired: the supervisor view's "breaches");
- escalated: complaints escalated beyond the project that day (SlaAlert levels 2 and 3: to the city
  company's customer-service managers, then its heads; the supervisor view's "escalations");
- open major (重大投诉) and open group (群诉: severity "group", or in a group case) complaints, as they
  stand when the digest is written, whatever their age: they are read about every day until closed.

Who gets it: the active city company heads (Role.CITY_HEAD) and customer-service managers (客服经理:
Role.CS_SUPERVISOR assigned to the city company itself, as the SLA's level 2 defines them) of each
city company, with an email address. A supervisor assigned only to some projects is left out: their
scope is narrower than the city company, and they hear of their own complaints' breaches at level 1.
A city company with nothing to report (all five figures zero) sends nothing.

Every figure is one query over all city companies, each company's first LIST_LIMIT rows picked by a
window function, so the queries do not grow with the complaints or with the city companies.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override

from accounts.models import Role, User
from core.models import OutboxMessage
from core.outbox import OutgoingMessage, messages_enqueue
from core.rows import row_url
from properties.models import CityCompany

from .models import Complaint, Severity, SlaAlert

LIST_LIMIT = 10
MESSAGE_KIND = "complaint_digest"

# The figures in the order the email gives them.
SECTIONS = (
    ("new", gettext_lazy("New complaints")),
    ("breached", gettext_lazy("Breached an SLA deadline")),
    ("escalated", gettext_lazy("Escalated to the city company (levels 2–3)")),
    ("open_major", gettext_lazy("Open major complaints (重大投诉)")),
    ("open_group", gettext_lazy("Open group complaints (群诉)")),
)


@dataclass(frozen=True)
class DigestLine:
    complaint_id: int
    number: str
    title: str
    project_name: str
    group_case_number: str | None = None


@dataclass(frozen=True)
class DigestSection:
    total: int = 0
    lines: tuple[DigestLine, ...] = ()

    @property
    def more(self) -> int:
        return self.total - len(self.lines)


@dataclass(frozen=True)
class CityDigest:
    city_id: int
    city_code: str
    city_name: str
    day: datetime.date
    new: DigestSection = DigestSection()
    breached: DigestSection = DigestSection()
    escalated: DigestSection = DigestSection()
    open_major: DigestSection = DigestSection()
    open_group: DigestSection = DigestSection()

    @property
    def is_quiet(self) -> bool:
        return not any(getattr(self, name).total for name, _label in SECTIONS)


@dataclass
class DigestResult:
    """What one city company's digest did: the progress line of the command."""

    digest: CityDigest
    queued: int = 0  # new emails in the outbox
    already_queued: int = 0  # this day's email to them was queued by an earlier run
    without_email: list[int] = field(default_factory=list)  # recipients' user ids

    @property
    def skipped_as_quiet(self) -> bool:
        return self.digest.is_quiet


# --- reading --------------------------------------------------------------------------------------


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The local day from 00:00 to 24:00 (TIME_ZONE), as aware datetimes: [start, end)."""

    def midnight(date: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))

    return midnight(day), midnight(day + datetime.timedelta(days=1))


def _capped_by_city(complaints: QuerySet[Complaint]) -> dict[int, DigestSection]:
    """city company id → (how many, the first LIST_LIMIT, oldest received first), in one query."""
    city = F("project__city_company_id")
    rows = (
        complaints.order_by()
        .annotate(
            digest_city=city,
            digest_place=Window(RowNumber(), partition_by=[city], order_by=[F("received_at"), F("id")]),
            digest_total=Window(Count("id"), partition_by=[city]),
        )
        .filter(digest_place__lte=LIST_LIMIT)
        .values_list(
            "digest_city", "digest_total", "id", "number", "title", "project__name", "group_case__number"
        )
        .order_by("digest_city", "digest_place")
    )
    totals: dict[int, int] = {}
    lines: dict[int, list[DigestLine]] = {}
    for city_id, total, *line in rows:
        totals[city_id] = total
        lines.setdefault(city_id, []).append(DigestLine(*line))
    return {city_id: DigestSection(totals[city_id], tuple(lines[city_id])) for city_id in totals}


def _fired_on(start: datetime.datetime, end: datetime.datetime, levels: Q) -> QuerySet[Complaint]:
    """Complaints with an SLA step of `levels` fired in [start, end): read through the alerts' fired_at index."""
    alerts = SlaAlert.objects.filter(levels, fired_at__gte=start, fired_at__lt=end)
    return Complaint.objects.filter(pk__in=alerts.values("complaint_id"))


def city_digests(*, day: datetime.date, city_codes: Iterable[str] = ()) -> list[CityDigest]:
    """Every city company's digest of `day` (or only those of `city_codes`), in code order.

    Six queries whatever the number of complaints and city companies. The open major and group
    complaints are those open now; the rest are the day's.
    """
    cities = CityCompany.objects.order_by("code")
    city_codes = list(city_codes)
    if city_codes:
        cities = cities.filter(code__in=city_codes)
    cities = list(cities.values_list("pk", "code", "name"))
    start, end = day_bounds(day)
    in_cities = Q(project__city_company_id__in=[pk for pk, _code, _name in cities]) if city_codes else Q()
    open_complaints = Complaint.objects.open().filter(in_cities)
    figures = {
        "new": Complaint.objects.filter(in_cities, created_at__gte=start, created_at__lt=end),
        "breached": _fired_on(start, end, Q(level=1)).filter(in_cities),
        "escalated": _fired_on(start, end, Q(level__gte=2)).filter(in_cities),
        "open_major": open_complaints.filter(severity=Severity.MAJOR),
        "open_group": open_complaints.filter(Q(severity=Severity.GROUP) | Q(group_case__isnull=False)),
    }
    by_city = {name: _capped_by_city(complaints) for name, complaints in figures.items()}
    return [
        CityDigest(
            city_id=pk,
            city_code=code,
            city_name=name,
            day=day,
            **{figure: sections.get(pk, DigestSection()) for figure, sections in by_city.items()},
        )
        for pk, code, name in cities
    ]


def digest_recipients(city_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """city company id → [(user id, email)] of its active heads and customer-service managers (email ""
    when they have none), in one query."""
    rows = (
        User.objects.filter(
            is_active=True, role__in=[Role.CITY_HEAD, Role.CS_SUPERVISOR], city_companies__in=list(city_ids)
        )
        .values_list("city_companies", "pk", "email")
        .order_by("city_companies", "pk")
    )
    recipients: dict[int, list[tuple[int, str]]] = {}
    for city_id, user_id, email in rows:
        recipients.setdefault(city_id, []).append((user_id, email.strip()))
    return recipients


# --- the email ------------------------------------------------------------------------------------


def digest_email(digest: CityDigest, *, site_url: str | None = None) -> tuple[str, str]:
    """(subject, plain text) in the active language; every complaint with its absolute link."""
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    detail_url = row_url("complaints:detail")
    subject = _(
        "Complaint digest %(city)s %(day)s: %(new)d new, %(breached)d breached, %(escalated)d escalated"
    ) % {
        "city": digest.city_name,
        "day": digest.day.isoformat(),
        "new": digest.new.total,
        "breached": digest.breached.total,
        "escalated": digest.escalated.total,
    }
    text = [
        _("%(city)s, %(day)s (00:00–24:00, %(time_zone)s)")
        % {"city": digest.city_name, "day": digest.day.isoformat(), "time_zone": settings.TIME_ZONE},
        "",
    ]
    for name, label in SECTIONS:
        section: DigestSection = getattr(digest, name)
        text.append(_("%(section)s: %(count)d") % {"section": label, "count": section.total})
        for line in section.lines:
            case = f" [{line.group_case_number}]" if line.group_case_number and name == "open_group" else ""
            text.append(f"- {line.number} {line.title} ({line.project_name}){case}")
            text.append(f"  {site_url}{detail_url(line.complaint_id)}")
        if section.more:
            text.append(
                ngettext("… and %(count)d more", "… and %(count)d more", section.more)
                % {"count": section.more}
            )
        text.append("")
    text.append(_("The SLA board: %(url)s") % {"url": f"{site_url}{reverse('complaints:board')}"})
    text.append(
        _(
            "You receive this digest as a city company head or customer-service manager of %(city)s, "
            "every day with something to report."
        )
        % {"city": digest.city_name}
    )
    return subject, "\n".join(text) + "\n"


def digest_key(digest: CityDigest, user_id: int) -> str:
    return f"complaint-digest.{digest.city_code}.{digest.day.isoformat()}.user-{user_id}"


# --- sending --------------------------------------------------------------------------------------


def previous_day(now: datetime.datetime | None = None) -> datetime.date:
    return timezone.localdate(now or timezone.now()) - datetime.timedelta(days=1)


def complaint_digests_send(
    *,
    day: datetime.date | None = None,
    city_codes: Iterable[str] = (),
    now: datetime.datetime | None = None,
    progress: Callable[[DigestResult], None] | None = None,
) -> list[DigestResult]:
    """Queue each city company's digest of `day` (default: yesterday, local time) to its recipients.

    Idempotent: an email already queued for the city company, day and person is not queued again, so
    a rerun sends only what the first run could not (a recipient who has an address now). One
    transaction per city company; `progress` hears of each as it commits. A day not over yet is
    refused: its digest would take the key of the real one.
    """
    now = now or timezone.now()
    day = day or previous_day(now)
    if day >= timezone.localdate(now):
        raise ValidationError(_("The digest of %(day)s can be sent once the day is over.") % {"day": day})
    city_codes = list(city_codes)
    digests = city_digests(day=day, city_codes=city_codes)
    unknown = set(city_codes) - {digest.city_code for digest in digests}
    if unknown:
        raise ValidationError(
            _("No city company with the code %(codes)s.") % {"codes": ", ".join(sorted(unknown))}
        )
    recipients = digest_recipients(digest.city_id for digest in digests if not digest.is_quiet)
    results = []
    for digest in digests:
        result = DigestResult(digest)
        if not digest.is_quiet:
            _queue_city(digest, recipients.get(digest.city_id, []), result=result, now=now)
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def _queue_city(digest: CityDigest, recipients: list[tuple[int, str]], *, result: DigestResult, now) -> None:
    with_email = [(user_id, email) for user_id, email in recipients if email]
    result.without_email = [user_id for user_id, email in recipients if not email]
    if not with_email:
        return
    # The staff's language would be the user's own; the User model has none, so the site's (zh-hans).
    with override(settings.LANGUAGE_CODE):
        subject, body = digest_email(digest)
    messages = [
        OutgoingMessage(
            channel="email",
            recipient=email,
            recipient_user_id=user_id,
            kind=MESSAGE_KIND,
            idempotency_key=digest_key(digest, user_id),
            subject=subject,
            body=body,
        )
        for user_id, email in with_email
    ]
    with transaction.atomic():
        already = set(
            OutboxMessage.objects.filter(
                idempotency_key__in=[message.idempotency_key for message in messages]
            ).values_list("idempotency_key", flat=True)
        )
        messages_enqueue([message for message in messages if message.idempotency_key not in already], now=now)
    result.queued, result.already_queued = len(messages) - len(already), len(already)
