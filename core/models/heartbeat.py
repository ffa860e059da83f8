"""When beat's periodic work last ran: read by /healthz to tell a stalled sweep (crm.health)."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """One row per periodic job, moved by the job itself each time it runs (one UPDATE)."""

    SWEEP = "sweep"

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def record(cls, name: str, now: datetime.datetime | None = None) -> None:
        now = now or timezone.now()
        if not cls.objects.filter(name=name).update(beat_at=now):
            cls.objects.update_or_create(name=name, defaults={"beat_at": now})

    @classmethod
    def last(cls, name: str) -> datetime.datetime | None:
        return cls.objects.filter(name=name).values_list("beat_at", flat=True).first()
