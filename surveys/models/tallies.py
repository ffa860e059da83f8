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


class DayTally(models.Model):
    """The completed responses of one local day (TIME_ZONE) × project × segment, for the dashboards:
    their loyalty figures and their 1–5 ratings by dimension. Kept in step with the final answers by the
    submit transaction (surveys.day_tallies), so a dashboard groups these rows instead of the answers.

    Per response (its final answers with a score): `overall_rated` / `overall_top` it rated the overall
    question / 4 or 5; `recommend_rated`, `promoters` (9–10), `detractors` (0–6) for the recommend
    question; `l3_rated` it answered the three L3 questions, `l3_loyal` at their top. The loyalty figures
    count only responses at a project (`project_key` 0 = none). Per dimension, `<dimension>_rated` /
    `<dimension>_top`: its 1–5 answers / those of 4 or 5 (every response, with or without a project)."""

    day = models.DateField()
    project_key = models.BigIntegerField(default=0)
    segment = models.CharField(max_length=12, choices=Segment.choices, blank=True)
    overall_rated = models.PositiveIntegerField(default=0)
    overall_top = models.PositiveIntegerField(default=0)
    recommend_rated = models.PositiveIntegerField(default=0)
    promoters = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)
    l3_rated = models.PositiveIntegerField(default=0)
    l3_loyal = models.PositiveIntegerField(default=0)
    # One pair per Dimension (surveys.day_tallies.DIMENSION_COLUMNS; a test checks every dimension has one).
    loyalty_rated = models.PositiveIntegerField(default=0)
    loyalty_top = models.PositiveIntegerField(default=0)
    pre_handover_rated = models.PositiveIntegerField(default=0)
    pre_handover_top = models.PositiveIntegerField(default=0)
    handover_rated = models.PositiveIntegerField(default=0)
    handover_top = models.PositiveIntegerField(default=0)
    house_quality_rated = models.PositiveIntegerField(default=0)
    house_quality_top = models.PositiveIntegerField(default=0)
    repair_rated = models.PositiveIntegerField(default=0)
    repair_top = models.PositiveIntegerField(default=0)
    design_rated = models.PositiveIntegerField(default=0)
    design_top = models.PositiveIntegerField(default=0)
    property_service_rated = models.PositiveIntegerField(default=0)
    property_service_top = models.PositiveIntegerField(default=0)
    community_rated = models.PositiveIntegerField(default=0)
    community_top = models.PositiveIntegerField(default=0)
    owner_care_rated = models.PositiveIntegerField(default=0)
    owner_care_top = models.PositiveIntegerField(default=0)
    living_rated = models.PositiveIntegerField(default=0)
    living_top = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # Also the dashboards' index: a range of days, then the projects.
            models.UniqueConstraint(fields=["day", "project_key", "segment"], name="survey_day_tally_key")
        ]

    def __str__(self) -> str:
        return f"{self.day}/{self.project_key}/{self.segment}"
