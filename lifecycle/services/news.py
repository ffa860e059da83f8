"""施工进度: write a project's (or a phase's) construction progress news, then send it to its buyers.

Writing: supervisors, city heads and the group admin of the project (lifecycle.permissions' register
writers) create a draft, edit it (version-checked) and add photos (core.uploads); sending freezes it.

Sending follows the survey campaigns' job (surveys.services.sending), in two steps:

- select: the buyers — primary buyers of an active contract on a unit of the phase (or of the
  project when the news names no phase) — become `NewsDelivery` rows in ONE transaction, unique per
  (news, customer), and `send_total` records their number;
- send: batches of scheduled deliveries, each claimed with SKIP LOCKED (two workers never take the
  same rows), its messages enqueued through the outbox (customers.messaging.owner_message, keyed
  "construction-news.<news>.<customer>"), its rows marked sent or unreachable and `send_done`
  moved, all in one transaction. A worker killed mid-batch loses that batch whole; the rerun sends
  it once. A sent delivery is never claimed again, and the outbox drops a key it already holds.

The quarterly progress letter (touchpoint plan `progress_letter`, due at the start of each quarter)
is the same contact: a buyer sent the news has their pending letter for that project (and phase) due
within PROGRESS_LETTER_DAYS of the sending, before or after, marked done. Letters are about 90 days
apart, so at most one matches: the one the news stands in for.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Case, F, Prefetch, TextField, Value, When
from django.db.models.functions import Concat
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import User
from core.outbox import messages_enqueue
from core.uploads import clean_image
from customers.messaging import owner_address, owner_message
from customers.models import Contract, CustomerPhone
from properties.models import Phase, Project

from ..models import ConstructionNews, NewsDelivery, NewsPhoto, Touchpoint
from ._common import lock, require_writer, save

SEND_TASK = "lifecycle.tasks.send_construction_news"
KIND = "construction_news"
PROGRESS_LETTER = "progress_letter"
PROGRESS_LETTER_DAYS = 30
INSERT_BATCH = 2000
MAX_PHOTOS = 12
# What an SMS or a WeChat template carries of the text (the gateways' variables are short).
SHORT_TEXT_CHARS = 200
FIELDS = ("title", "text", "progress_on", "phase")


# --- writing ------------------------------------------------------------------------------------------


def _check(news: ConstructionNews, *, today: datetime.date) -> None:
    errors = {}
    if not (news.title or "").strip():
        errors["title"] = _("Give the news a title.")
    if not (news.text or "").strip():
        errors["text"] = _("Write what has progressed.")
    if news.progress_on is None:
        errors["progress_on"] = _("Say which day the progress is as of.")
    elif news.progress_on > today:
        errors["progress_on"] = _("The progress cannot be as of a day still to come.")
    if news.phase_id and news.phase.project_id != news.project_id:  # type: ignore[union-attr]  # the *_id test beside it: the relation is set
        errors["phase"] = _("The phase belongs to another project.")
    if errors:
        raise ValidationError(errors)


def _photos_add(news: ConstructionNews, photos: Iterable[UploadedFile]) -> None:
    photos = list(photos)
    if not photos:
        return
    if news.photos.count() + len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(n)d photos per news item.") % {"n": MAX_PHOTOS}})
    checked = [clean_image(photo, field="photos") for photo in photos]
    NewsPhoto.objects.bulk_create(NewsPhoto(news=news, image=upload.file) for upload in checked)


@transaction.atomic
def news_create(
    *,
    by: User,
    project: Project,
    title: str,
    text: str,
    progress_on: datetime.date,
    phase: Phase | None = None,
    photos: Iterable[UploadedFile] = (),
) -> ConstructionNews:
    require_writer(by, project.pk)
    news = ConstructionNews(
        project=project,
        phase=phase,
        title=(title or "").strip(),
        text=(text or "").strip(),
        progress_on=progress_on,
        created_by=by,
    )
    _check(news, today=timezone.localdate())
    news.save()
    _photos_add(news, photos)
    return news


def _require_draft(news: ConstructionNews) -> None:
    if news.status != ConstructionNews.Status.DRAFT:
        raise ValidationError({"status": _("This news has been sent: it can no longer be changed.")})


@transaction.atomic
def news_update(
    *,
    by: User,
    news: ConstructionNews,
    version: int | None,
    photos: Iterable[UploadedFile] = (),
    **fields,
) -> ConstructionNews:
    """Edit a draft (its title, text, date, phase) and add photos; a stale `version` is a conflict."""
    require_writer(by, news.project_id)
    news = lock(ConstructionNews, news.pk, version)
    _require_draft(news)
    changed = [name for name in FIELDS if name in fields]
    for name in changed:
        value = fields[name]
        setattr(news, name, value.strip() if isinstance(value, str) else value)
    _check(news, today=timezone.localdate())
    _photos_add(news, photos)
    return save(news, changed)


@transaction.atomic
def news_photo_remove(*, by: User, photo: NewsPhoto) -> None:
    news = photo.news
    require_writer(by, news.project_id)
    _require_draft(ConstructionNews.objects.select_for_update().get(pk=news.pk))
    photo.delete()


@transaction.atomic
def news_send(*, by: User, news: ConstructionNews, version: int | None) -> ConstructionNews:
    """Start sending a draft to its buyers; the job (lifecycle.tasks) starts once this commits. A
    second click finds it sending: refused."""
    require_writer(by, news.project_id)
    news = lock(ConstructionNews, news.pk, version)
    _require_draft(news)
    news.status = ConstructionNews.Status.SENDING
    news.sent_by = by
    news.send_started_at = timezone.now()
    news.send_total = news.send_done = 0
    save(news, ["status", "sent_by", "send_started_at", "send_total", "send_done"])
    news_id = news.pk
    # Named, not imported: lifecycle.tasks imports this module (a task module imports the work it runs).
    transaction.on_commit(lambda: current_app.signature(SEND_TASK, args=(news_id,)).delay(), robust=True)
    return news


# --- who receives it ------------------------------------------------------------------------------------


def news_recipient_ids(*, project_id: int, phase_id: int | None):
    """The buyers' customer ids: primary buyers of an active contract on a unit of the phase (or of
    the project), each once."""
    contracts = Contract.objects.filter(status=Contract.Status.ACTIVE, unit__project_id=project_id)
    if phase_id:
        contracts = contracts.filter(unit__building__phase_id=phase_id)
    return contracts.order_by("primary_buyer_id").values_list("primary_buyer_id", flat=True).distinct()


# --- the send job ---------------------------------------------------------------------------------------


def news_message(news: ConstructionNews, customer):
    """The news to one buyer on their channel (None: no way to reach them). Texts in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        day = news.progress_on.isoformat()
        params = {
            "name": customer.name,
            "project": news.audience,
            "title": news.title,
            "date": day,
            "text": Truncator(news.text).chars(SHORT_TEXT_CHARS),
        }
        subject = _("Construction progress of %(project)s: %(title)s") % params
        address = owner_address(customer)
        if address is None:
            return None
        if address[0] == "email":
            text = _("Dear %(name)s,\n\n%(title)s (as of %(date)s)\n\n%(text)s\n\n%(project)s") % {
                **params,
                "text": news.text,
            }
        else:
            text = _("[%(project)s] Construction progress as of %(date)s: %(title)s. %(text)s") % params
    return owner_message(
        customer,
        kind=KIND,
        idempotency_key=f"construction-news.{news.pk}.{customer.pk}",
        subject=subject,
        text=text,
        template_params=params,
    )


def news_select(news_id: int, *, now: datetime.datetime | None = None) -> int:
    """Step 1: the buyers become scheduled deliveries, all in one transaction; idempotent (a news item
    already selected is left as it is). Returns send_total."""
    now = now or timezone.now()
    with transaction.atomic():
        news = ConstructionNews.objects.select_for_update().get(pk=news_id)
        if news.status != ConstructionNews.Status.SENDING or news.send_total:
            return news.send_total
        batch = []
        for customer_id in news_recipient_ids(project_id=news.project_id, phase_id=news.phase_id).iterator(
            chunk_size=INSERT_BATCH
        ):
            batch.append(NewsDelivery(news_id=news.pk, customer_id=customer_id))
            if len(batch) >= INSERT_BATCH:
                NewsDelivery.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        NewsDelivery.objects.bulk_create(batch, ignore_conflicts=True)
        total = news.deliveries.count()
        fields = {"send_total": total, "updated_at": now}
        if total == 0:
            fields.update(status=ConstructionNews.Status.SENT, send_finished_at=now)
        ConstructionNews.objects.filter(pk=news.pk).update(**fields)
        return total


def _progress_letters_done(news: ConstructionNews, customer_ids: list[int], now: datetime.datetime) -> int:
    """The buyers' pending progress letter due around the sending, for the news's project (and phase), done."""
    if not customer_ids:
        return 0
    stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
    with translation.override(settings.LANGUAGE_CODE):
        line = _("[%(stamp)s] Sent with the construction news “%(title)s”") % {
            "stamp": stamp,
            "title": news.title,
        }
    today, window = timezone.localdate(now), datetime.timedelta(days=PROGRESS_LETTER_DAYS)
    letters = Touchpoint.objects.filter(
        plan__code=PROGRESS_LETTER,
        project_id=news.project_id,
        customer_id__in=customer_ids,
        due_on__range=(today - window, today + window),
        status__in=Touchpoint.PENDING,
    )
    if news.phase_id:
        letters = letters.filter(unit__building__phase_id=news.phase_id)
    return letters.update(
        status=Touchpoint.Status.DONE,
        done_at=now,
        done_by_id=news.sent_by_id,
        next_check_at=None,
        outcome_note=Case(
            When(outcome_note="", then=Value(line)),
            default=Concat(F("outcome_note"), Value("\n" + line), output_field=TextField()),
            output_field=TextField(),
        ),
        version=F("version") + 1,
        updated_at=now,
    )


def news_send_batch(news_id: int, *, size: int | None = None, now: datetime.datetime | None = None) -> int:
    """Step 2, one batch in one transaction: the next scheduled deliveries, locked, their messages
    enqueued and their rows marked, the progress letters done, `send_done` moved. Returns how many
    (0: none left)."""
    now = now or timezone.now()
    size = size or settings.LIFECYCLE_NEWS_SEND_BATCH
    with transaction.atomic():
        ids = list(
            NewsDelivery.objects.filter(news_id=news_id, status=NewsDelivery.Status.SCHEDULED)
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return 0
        news = ConstructionNews.objects.select_related("project", "phase").get(pk=news_id)
        deliveries = (
            NewsDelivery.objects.filter(pk__in=ids)
            .select_related("customer")
            .prefetch_related(
                Prefetch("customer__phones", queryset=CustomerPhone.objects.order_by("-is_primary", "id"))
            )
        )
        messages, sent, unreachable = [], [], []
        for delivery in deliveries:
            customer = delivery.customer
            message = None if customer.deceased_on else news_message(news, customer)
            if message is None:
                unreachable.append(delivery.pk)
            else:
                messages.append(message)
                sent.append(delivery)
        messages_enqueue(messages, now=now)
        NewsDelivery.objects.filter(pk__in=[d.pk for d in sent]).update(
            status=NewsDelivery.Status.SENT, sent_at=now
        )
        if unreachable:
            NewsDelivery.objects.filter(pk__in=unreachable).update(status=NewsDelivery.Status.UNREACHABLE)
        _progress_letters_done(news, [d.customer_id for d in sent], now)
        ConstructionNews.objects.filter(pk=news_id).update(
            send_done=F("send_done") + len(ids), updated_at=now
        )
        return len(ids)


def news_send_finish(news_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Mark the news sent once nothing is left to send. True when it is (or was) done."""
    now = now or timezone.now()
    with transaction.atomic():
        news = ConstructionNews.objects.select_for_update().get(pk=news_id)
        if news.status != ConstructionNews.Status.SENDING:
            return True
        if not news.send_total or news.deliveries.filter(status=NewsDelivery.Status.SCHEDULED).exists():
            return False
        done = news.deliveries.exclude(status=NewsDelivery.Status.SCHEDULED).count()
        ConstructionNews.objects.filter(pk=news.pk).update(
            status=ConstructionNews.Status.SENT, send_done=done, send_finished_at=now, updated_at=now
        )
        return True


def news_send_run(news_id: int, *, max_seconds: float | None = None) -> bool:
    """The job: select (once), then batch after batch for up to `max_seconds`. True when the news is
    sent; False when time ran out with deliveries left (the task hands over to a fresh one)."""
    news = ConstructionNews.objects.filter(pk=news_id).only("status").first()
    if news is None or news.status != ConstructionNews.Status.SENDING:
        return True
    news_select(news_id)
    started = time.monotonic()
    while news_send_batch(news_id):
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            return news_send_finish(news_id)
    return news_send_finish(news_id)


def stalled_news_ids(*, now: datetime.datetime | None = None) -> list[int]:
    """News left sending with no progress for LIFECYCLE_NEWS_SEND_STALL_MINUTES: their job died."""
    now = now or timezone.now()
    quiet_since = now - datetime.timedelta(minutes=settings.LIFECYCLE_NEWS_SEND_STALL_MINUTES)
    return list(
        ConstructionNews.objects.filter(
            status=ConstructionNews.Status.SENDING, updated_at__lte=quiet_since
        ).values_list("pk", flat=True)
    )
