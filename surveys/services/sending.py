"""Sending surveys: a campaign's send job, scheduled (transactional) invitations, reminders, expiry.

Every message goes through the outbox (customers.messaging.owner_message → core.outbox), keyed per
invitation ("survey-invitation.<id>") and per reminder ("survey-reminder.<id>.<n>"), in the same
transaction that marks the invitations sent: a batch commits whole or not at all, so a job killed
in the middle and run again sends every recipient exactly one message.

The send job has two steps. Selecting: the recipients (surveys.selectors.targeting) become
invitations in ONE transaction (bulk inserts, a conflict on the trigger key skipped), and
`send_total` records their number, which also marks the step done. Sending: batches of scheduled
invitations, each locked (SKIP LOCKED: two runners never take the same rows), its messages enqueued,
its invitations marked sent (or unreachable) and `send_done` moved, in one transaction.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F, Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.outbox import OutgoingMessage, messages_enqueue
from customers.messaging import owner_address, owner_message
from customers.models import CustomerPhone

from ..links import answer_url, opt_out_url
from ..models import Campaign, Invitation
from ..refusals import customers_refusing_surveys
from ..selectors.targeting import campaign_recipients

INSERT_BATCH = 2000
KIND_INVITATION = "survey_invitation"
KIND_REMINDER = "survey_reminder"


# --- the messages ---------------------------------------------------------------------------------


def invitation_message(invitation: Invitation, *, reminder: int = 0) -> OutgoingMessage | None:
    """The invitation (reminder = 0) or its n-th reminder to the owner, on their channel; None when
    there is no way to reach them. The texts are templates/surveys/messages/*.txt, in the site's
    language. Needs invitation.customer (with phones prefetched) and invitation.campaign.template_version.template."""
    customer = invitation.customer
    address = owner_address(customer)
    if address is None:
        return None
    channel = address[0]
    template = invitation.campaign.template_version.template
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "name": customer.name,
            "survey": template.display_name,
            "about": invitation.subject,
            "link": answer_url(invitation),
            "opt_out": opt_out_url(invitation),
            "expires": f"{timezone.localtime(invitation.expires_at):%Y-%m-%d}"
            if invitation.expires_at
            else "",
        }
        context = {**params, "reminder": reminder}
        text_template = "email" if channel == "email" else "short"
        text = render_to_string(f"surveys/messages/invitation_{text_template}.txt", context).strip()
        subject = " ".join(render_to_string("surveys/messages/invitation_subject.txt", context).split())
    if reminder:
        kind, key = KIND_REMINDER, f"survey-reminder.{invitation.pk}.{reminder}"
    else:
        kind, key = KIND_INVITATION, f"survey-invitation.{invitation.pk}"
    return owner_message(
        customer, kind=kind, idempotency_key=key, subject=subject, text=text, template_params=params
    )


def _with_recipients(invitations):
    return invitations.select_related("customer", "campaign__template_version__template").prefetch_related(
        Prefetch("customer__phones", queryset=CustomerPhone.objects.order_by("-is_primary", "id"))
    )


def invitations_send(invitations: Iterable[Invitation], *, now: datetime.datetime) -> tuple[int, int]:
    """Enqueue the invitations' messages and mark them sent, or unreachable (no address), or opted
    out (they opted out since they were chosen). Call inside a transaction holding their rows locked.
    Returns (sent, not sent)."""
    invitations = list(invitations)
    opted_out = customers_refusing_surveys({i.customer_id for i in invitations})
    messages, sent, unreachable, refused = [], [], [], []
    for invitation in invitations:
        if invitation.customer_id in opted_out:
            refused.append(invitation.pk)
            continue
        if invitation.expires_at is None:
            invitation.expires_at = invitation.campaign.expires_at or (
                now + datetime.timedelta(days=settings.SURVEY_TRANSACTIONAL_EXPIRY_DAYS)
                if invitation.campaign.kind == Campaign.Kind.TRANSACTIONAL
                else None
            )
        message = None if invitation.customer.deceased_on else invitation_message(invitation)
        if message is None:
            unreachable.append(invitation.pk)
        else:
            messages.append(message)
            invitation.status = Invitation.Status.SENT
            invitation.sent_at = invitation.last_sent_at = now
            sent.append(invitation)
    messages_enqueue(messages, now=now)
    # One UPDATE per end date (a campaign's invitations share one), not a CASE per row (bulk_update):
    # the send job's main cost after rendering the texts.
    by_expiry: dict[datetime.datetime | None, list[int]] = {}
    for invitation in sent:
        by_expiry.setdefault(invitation.expires_at, []).append(invitation.pk)
    for expires_at, pks in by_expiry.items():
        Invitation.objects.filter(pk__in=pks).update(
            status=Invitation.Status.SENT, sent_at=now, last_sent_at=now, expires_at=expires_at
        )
    if unreachable:
        Invitation.objects.filter(pk__in=unreachable).update(status=Invitation.Status.UNREACHABLE)
    if refused:
        Invitation.objects.filter(pk__in=refused).update(status=Invitation.Status.OPTED_OUT)
    return len(sent), len(unreachable) + len(refused)


# --- the campaign's send job ------------------------------------------------------------------------


def campaign_select(
    campaign_id: int, *, now: datetime.datetime | None = None, limit: int | None = None
) -> int:
    """Step 1: the recipients become scheduled invitations, all in one transaction; idempotent (a
    campaign already selected is left as it is). Returns send_total. `limit` keeps the first
    recipients by customer id (the benchmark's fixed size; campaigns sample instead)."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status != Campaign.Status.SENDING or campaign.send_total:
            return campaign.send_total
        recipients = campaign_recipients(campaign, now=now)[:limit]
        rows = (
            Invitation(
                campaign_id=campaign.pk,
                customer_id=r.customer_id,
                city_company_id=r.city_company_id,
                project_id=r.project_id,
                unit_id=r.unit_id,
                segment=r.segment,
                trigger_key=f"campaign:{campaign.pk}:customer:{r.customer_id}",
                send_after=now,
                expires_at=campaign.expires_at,
                created_at=now,
            )
            for r in recipients
        )
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= INSERT_BATCH:
                Invitation.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        Invitation.objects.bulk_create(batch, ignore_conflicts=True)
        total = campaign.invitations.count()
        fields = {"send_total": total, "updated_at": now}
        if total == 0:
            fields.update(status=Campaign.Status.OPEN, send_finished_at=now)
        Campaign.objects.filter(pk=campaign.pk).update(**fields)
        return total


def campaign_send_batch(
    campaign_id: int, *, size: int | None = None, now: datetime.datetime | None = None
) -> int:
    """Step 2, one batch in one transaction: the next scheduled invitations of the campaign, locked,
    their messages enqueued and their rows marked, `send_done` moved. Returns how many (0: none left)."""
    now = now or timezone.now()
    size = size or settings.SURVEY_SEND_BATCH
    with transaction.atomic():
        ids = list(
            Invitation.objects.filter(campaign_id=campaign_id, status=Invitation.Status.SCHEDULED)
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return 0
        invitations = _with_recipients(Invitation.objects.filter(pk__in=ids).order_by("pk"))
        invitations_send(invitations, now=now)
        Campaign.objects.filter(pk=campaign_id).update(send_done=F("send_done") + len(ids), updated_at=now)
        return len(ids)


def campaign_send_finish(campaign_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Open the campaign for answers once nothing is left to send. True when it is (or was) done."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status != Campaign.Status.SENDING:
            return True
        if (
            not campaign.send_total
            or campaign.invitations.filter(status=Invitation.Status.SCHEDULED).exists()
        ):
            return False
        done = campaign.invitations.exclude(status=Invitation.Status.SCHEDULED).count()
        Campaign.objects.filter(pk=campaign.pk).update(
            status=Campaign.Status.OPEN, send_done=done, send_finished_at=now, updated_at=now
        )
        return True


def campaign_send_run(campaign_id: int, *, max_seconds: float | None = None) -> bool:
    """The job: select (once), then send batch after batch for up to `max_seconds`. True when the
    campaign is done; False when time ran out with invitations left (the task hands over)."""
    campaign = Campaign.objects.filter(pk=campaign_id).only("status").first()
    if campaign is None or campaign.status != Campaign.Status.SENDING:
        return True
    campaign_select(campaign_id)
    started = time.monotonic()
    while campaign_send_batch(campaign_id):
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            return campaign_send_finish(campaign_id)
    return campaign_send_finish(campaign_id)


# --- the sweep: scheduled invitations, reminders, expiry, stalled jobs -------------------------------


def scheduled_invitations_send(*, now: datetime.datetime | None = None, limit: int | None = None) -> int:
    """Transactional invitations whose `send_after` has come: sent in one transaction per batch."""
    now = now or timezone.now()
    limit = limit or settings.SURVEY_SWEEP_BATCH
    with transaction.atomic():
        ids = list(
            Invitation.objects.filter(
                status=Invitation.Status.SCHEDULED,
                send_after__lte=now,
                campaign__kind=Campaign.Kind.TRANSACTIONAL,
                campaign__status=Campaign.Status.OPEN,
            )
            .order_by("send_after", "pk")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return 0
        invitations_send(_with_recipients(Invitation.objects.filter(pk__in=ids).order_by("pk")), now=now)
        return len(ids)


def reminders_send(*, now: datetime.datetime | None = None, limit: int | None = None) -> int:
    """Remind who has not answered, `remind_after_days` after the last message, at most
    `max_reminders` times, never once the link has expired. One query per open campaign that reminds
    (a few), one transaction for the lot. Returns the number of reminders enqueued."""
    now = now or timezone.now()
    limit = limit or settings.SURVEY_SWEEP_BATCH
    campaigns = Campaign.objects.filter(status=Campaign.Status.OPEN, max_reminders__gt=0).exclude(
        expires_at__lte=now
    )
    sent = 0
    for campaign in campaigns.only("pk", "remind_after_days", "max_reminders"):
        if sent >= limit:
            break
        with transaction.atomic():
            ids = list(
                Invitation.objects.filter(
                    campaign_id=campaign.pk,
                    status__in=(Invitation.Status.SENT, Invitation.Status.STARTED),
                    last_sent_at__lte=now - datetime.timedelta(days=campaign.remind_after_days),
                    reminders_sent__lt=campaign.max_reminders,
                )
                .exclude(expires_at__lte=now)
                .order_by("last_sent_at", "pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[: limit - sent]
            )
            if not ids:
                continue
            invitations = list(_with_recipients(Invitation.objects.filter(pk__in=ids)))
            opted_out = customers_refusing_surveys({i.customer_id for i in invitations})
            messages, reminded = [], []
            for invitation in invitations:
                if invitation.customer_id in opted_out or invitation.customer.deceased_on:
                    continue
                message = invitation_message(invitation, reminder=invitation.reminders_sent + 1)
                if message is not None:
                    messages.append(message)
                    reminded.append(invitation.pk)
            messages_enqueue(messages, now=now)
            # Moved for every row looked at: one that cannot be reminded is not looked at again each sweep.
            Invitation.objects.filter(pk__in=ids).update(
                reminders_sent=F("reminders_sent") + 1, last_sent_at=now
            )
            sent += len(reminded)
    return sent


def expired_campaigns_close(*, now: datetime.datetime | None = None) -> int:
    """Periodic campaigns whose answer period is over are closed (transactional ones stand)."""
    now = now or timezone.now()
    return Campaign.objects.filter(
        status=Campaign.Status.OPEN, kind=Campaign.Kind.PERIODIC, expires_at__lte=now
    ).update(status=Campaign.Status.CLOSED, version=F("version") + 1, updated_at=now)


def stalled_campaign_ids(*, now: datetime.datetime | None = None) -> list[int]:
    """Campaigns left sending with no progress for SURVEY_SEND_STALL_MINUTES: their job died."""
    now = now or timezone.now()
    quiet_since = now - datetime.timedelta(minutes=settings.SURVEY_SEND_STALL_MINUTES)
    return list(
        Campaign.objects.filter(status=Campaign.Status.SENDING, updated_at__lte=quiet_since).values_list(
            "pk", flat=True
        )
    )
