"""Invitations to a club event by message: a round (who was asked, the job's progress) and one row per
invited member, at most once per event and member, whatever the rounds and reruns."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .events import Event
from .members import Member


class InvitationRound(models.Model):
    """Staff invite an audience (the member list's filters) to an event; a background job sends it."""

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        DONE = "done", _("Sent")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitation_rounds")
    # The audience: membership.selectors.members.MemberFilters' fields (city company, project, tier,
    # value class, RFM segment, interests), as given; narrowed to the inviter's scope.
    filters = models.JSONField(_("audience"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.SENDING)
    # The job's progress, shown on the event page: total is set once the audience is chosen.
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    selected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("event invitation round")
        verbose_name_plural = _("event invitation rounds")
        indexes = [
            models.Index(
                fields=["updated_at"], name="invitation_round_sending", condition=Q(status="sending")
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} #{self.pk}"


class EventInvitation(models.Model):
    """One member invited to one event: written when the audience is chosen, sent by a batch."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("To send")
        SENT = "sent", _("Sent")
        NO_CONSENT = "no_consent", _("Not sent: no marketing consent")
        UNREACHABLE = "unreachable", _("Not sent: no way to reach them")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="event_invitations")
    round = models.ForeignKey(InvitationRound, on_delete=models.CASCADE, related_name="invitations")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("event invitation")
        verbose_name_plural = _("event invitations")
        constraints = [
            # Once per event and member: a second round or a rerun of the job skips them.
            models.UniqueConstraint(fields=["event", "member"], name="event_invitation_once"),
        ]
        indexes = [models.Index(fields=["round", "status", "id"], name="event_invitation_queue")]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.member_id} {self.status}"
