"""How many open complaints with a clock each project has, running and paused: the SLA board's counters
at ten million complaints (complaints/open_counts.py reads them).

Kept by PostgreSQL itself: statement triggers on complaints_complaint (migration complaints.0015) add
each statement's changes, so every write path (services, the sweep, imports, merges, the admin, raw
SQL) keeps the rows true. A bulk load that skips triggers (bench_data's replica mode) counts them
again with complaints.open_counts.rebuild(). Not kept on SQLite: the board counts live there."""

from __future__ import annotations

from django.db import models


class OpenComplaintCount(models.Model):
    """Open complaints of a project whose clock measures a target (sla_target set), by paused or not."""

    project = models.ForeignKey("properties.Project", on_delete=models.CASCADE, db_constraint=False)
    paused = models.BooleanField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "paused"], name="open_complaint_count_project_paused")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {'paused' if self.paused else 'running'}: {self.count}"
