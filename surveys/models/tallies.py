"""The results' rollup: counts of final answers by campaign × city company × project × segment ×
question × measure, kept in step with the answers by the submit transaction (surveys.tallies).

At 100,000 responses (≈ 1.3 M answer rows) a GROUP BY over the answers takes seconds; over this
table, tens of milliseconds (README, "Surveys: results"). Keys that may be empty are integers with 0
for none (project, question), so that the unique key also holds for them and an upsert can add to it.
"""

from __future__ import annotations

from django.db import models

from .campaigns import Campaign
from .choices import Segment


class ResultTally(models.Model):
    """`measure`: "score:<n>" (a rating answered n), "choice:<value>" (an option chosen), "answered"
    (a choice question answered), and for question_key 0 "l3:all" (answered the three L3 questions)
    and "l3:loyal" (at their top scores)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    city_company = models.ForeignKey("properties.CityCompany", on_delete=models.PROTECT, related_name="+")
    project_key = models.BigIntegerField(default=0)
    segment = models.CharField(max_length=12, choices=Segment.choices, blank=True)
    question_key = models.BigIntegerField(default=0)
    measure = models.CharField(max_length=60)
    n = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "city_company", "project_key", "segment", "question_key", "measure"],
                name="survey_result_tally_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.question_key}/{self.measure}: {self.n}"
