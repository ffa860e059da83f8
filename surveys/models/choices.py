"""The fixed vocabularies of surveys: the ten dimensions, question kinds and roles, owner segments."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Dimension(models.TextChoices):
    """The ten dimensions Vanke measured satisfaction along (DOMAIN.md, "Satisfaction surveys")."""

    LOYALTY = "loyalty", _("Loyalty")
    PRE_HANDOVER = "pre_handover", _("Service between signing and handover")
    HANDOVER = "handover", _("Handover service")
    HOUSE_QUALITY = "house_quality", _("House quality")
    REPAIR = "repair", _("Repair service")
    DESIGN = "design", _("Planning and design")
    PROPERTY_SERVICE = "property_service", _("Property service")
    COMMUNITY = "community", _("Community culture")
    OWNER_CARE = "owner_care", _("Owner care")
    LIVING = "living", _("Living experience")


class QuestionKind(models.TextChoices):
    RATING_5 = "rating_5", _("Rating 1–5")
    RATING_10 = "rating_10", _("Score 0–10")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TEXT = "text", _("Free text")

    @classmethod
    def numeric(cls) -> tuple[str, ...]:
        return (cls.RATING_5, cls.RATING_10)


class QuestionRole(models.TextChoices):
    """The three questions L3 loyalty is computed from (all three at their top score)."""

    NONE = "", _("—")
    OVERALL = "overall", _("Overall satisfaction")
    REPURCHASE = "repurchase", _("Repurchase intent")
    RECOMMEND = "recommend", _("Recommendation")


class Segment(models.TextChoices):
    """Owner segments a campaign targets; the same boundaries as customers.models.stage_on()."""

    BUYER = "buyer", _("Buyer awaiting handover (准业主)")
    SETTLING_IN = "settling_in", _("Settling-in owner (磨合期)")
    STABLE = "stable", _("Stable owner (稳定期)")
    ESTABLISHED = "established", _("Established owner (老业主)")


class Trigger(models.TextChoices):
    """What sends a template's survey: a campaign, or an event in another desk (transactional)."""

    CAMPAIGN = "campaign", _("A campaign (periodic)")
    COMPLAINT_CLOSED = "complaint_closed", _("After a complaint is closed")
    HANDOVER_SIGNED = "handover_signed", _("After a handover sign-off")


class AnswerMode(models.TextChoices):
    SELF = "self", pgettext_lazy("survey answered by", "The owner (online)")
    INTERVIEWER = "interviewer", pgettext_lazy("survey answered by", "An interviewer (phone)")
