"""Sending a survey campaign: bench_survey_send selects `count` owners of the bench database, writes
their invitations and enqueues one message each through the outbox (its SMS and email providers are
the file/console ones; the outbox's own draining is the "Outbox" row), batch by batch as the Celery
job does, and prints invitations per second. Alone and smaller:
`make bench ARGS="--only Survey" BENCH_SURVEY_SEND=1000`. It deletes everything it wrote (its questionnaire,
campaign, invitations and messages), touching nothing else."""

from __future__ import annotations

import time
import uuid

from bench.timing import Row, Rows

KEY_CHUNK = 5000


def one_question_campaign(prefix: str, name: str, name_en: str):
    """A campaign on a questionnaire of its own (one loyalty question), status sending: the bench's and
    the load test's bulk sends. Returns (template, campaign)."""
    from surveys.models import (
        Campaign,
        Dimension,
        Question,
        QuestionKind,
        SurveyTemplate,
        SurveyTemplateVersion,
    )

    run = uuid.uuid4().hex[:8]
    template = SurveyTemplate.objects.create(code=f"{prefix}-{run}", name=name, name_en=name_en)
    version = SurveyTemplateVersion.objects.create(template=template, number=1)
    Question.objects.create(
        template_version=version,
        position=1,
        code="overall",
        kind=QuestionKind.RATING_5,
        text="总体满意度",
        dimension=Dimension.LOYALTY,
    )
    campaign = Campaign.objects.create(
        name=f"{prefix} {run}",
        template_version=version,
        status=Campaign.Status.SENDING,
        exclude_surveyed_days=0,
    )
    return template, campaign


def bench_survey_send(*, count: int, write=print) -> tuple[int, float]:
    """Send a campaign of up to `count` invitations; returns (invitations, seconds)."""
    from django.db import transaction
    from django.test.utils import override_settings

    from core.models import OutboxMessage
    from surveys.services import sending

    template, campaign = one_question_campaign("bench", "压测满意度调查", "Bench survey")
    version = campaign.template_version
    try:
        # No senders started on commit: the messages stay queued (the Outbox row measures sending them).
        with override_settings(OUTBOX_DRAIN_PARALLEL=0):
            started = time.perf_counter()
            total = sending.campaign_select(campaign.pk, limit=count)
            selected = time.perf_counter() - started
            while sending.campaign_send_batch(campaign.pk):
                pass
            sending.campaign_send_finish(campaign.pk)
            elapsed = time.perf_counter() - started
        campaign.refresh_from_db()
        messages = _keys(campaign)
        queued = sum(
            OutboxMessage.objects.filter(idempotency_key__in=chunk).count() for chunk in _chunks(messages)
        )
        write(
            f"Selected {total:,} owners in {selected:.1f} s; sent {campaign.send_done:,} invitations "
            f"({queued:,} messages queued) in {elapsed:.2f} s → {campaign.send_done / elapsed:,.0f} "
            f"invitations per second"
        )
        return campaign.send_done, elapsed
    finally:
        with transaction.atomic():
            for chunk in _chunks(_keys(campaign)):
                OutboxMessage.objects.filter(idempotency_key__in=chunk).delete()
            campaign.invitations.all().delete()
            campaign.delete()
            version.questions.all().delete()
            version.delete()
            template.delete()


def _keys(campaign) -> list[str]:
    return [f"survey-invitation.{pk}" for pk in campaign.invitations.values_list("pk", flat=True)]


def _chunks(items: list[str]):
    for start in range(0, len(items), KEY_CHUNK):
        yield items[start : start + KEY_CHUNK]


def measure_survey_send(rows: Rows, *, count: int) -> None:
    """Append the survey campaign's row (invitations per second against its target), if --only wants it."""
    row = Row(f"Survey campaign, {count:,} invitations", "survey_send")
    if not rows.wanted(row.name):
        return
    try:
        lines: list[str] = []
        sent, seconds = bench_survey_send(count=count, write=lines.append)
        row.per_second = round(sent / seconds, 1) if seconds else None
        row.median_ms = round(seconds * 1000, 1)
        row.note = lines[-1][:200] if lines else ""
    except Exception as error:
        row.note = f"n/a: {type(error).__name__}: {str(error)[:120]}"
    rows.append(row)
