"""Each customer's value class: ABC (the customers who make about 75 % / 20 % / 5 % of the value) and
RFM (recency, frequency, monetary scores 1–5 and a named segment).

Kept here, beside the customer, so that lists, survey campaigns and club events can filter on it;
computed by the club's scheduled task (membership), which also knows referrals and club activity.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ValueClass(models.TextChoices):
    # "percent" spelled out: a "%" in a message makes gettext read it as a format string.
    A = "A", _("A: the customers making the first 75 percent of value")
    B = "B", _("B: the next 20 percent")
    C = "C", _("C: the last 5 percent")


class RfmSegment(models.TextChoices):
    """The eight classic RFM segments, by whether recency, frequency and monetary score high (3–5)
    or low (1–2); the stored value is the Chinese name (membership.value writes it)."""

    IMPORTANT_VALUE = "重要价值客户", _("Important value (重要价值客户): R, F, M high")
    IMPORTANT_KEEP = "重要保持客户", _("Important to keep (重要保持客户): F, M high, R low")
    IMPORTANT_DEVELOP = "重要发展客户", _("Important to develop (重要发展客户): R, M high, F low")
    IMPORTANT_WIN_BACK = "重要挽留客户", _("Important to win back (重要挽留客户): M high, R, F low")
    GENERAL_VALUE = "一般价值客户", _("General value (一般价值客户): R, F high, M low")
    GENERAL_KEEP = "一般保持客户", _("General to keep (一般保持客户): F high, R, M low")
    GENERAL_DEVELOP = "一般发展客户", _("General to develop (一般发展客户): R high, F, M low")
    GENERAL_WIN_BACK = "一般挽留客户", _("General to win back (一般挽留客户): R, F, M low")


class CustomerValue(models.Model):
    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="value", primary_key=True
    )
    value_class = models.CharField(_("value class"), max_length=1, choices=ValueClass.choices, db_index=True)
    value_score = models.DecimalField(_("value"), max_digits=14, decimal_places=2, default=0)
    recency = models.PositiveSmallIntegerField(_("recency (1–5)"))
    frequency = models.PositiveSmallIntegerField(_("frequency (1–5)"))
    monetary = models.PositiveSmallIntegerField(_("monetary (1–5)"))
    rfm_segment = models.CharField(_("RFM segment"), max_length=20, db_index=True)
    explanation = models.CharField(_("why"), max_length=200, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("customer value")
        verbose_name_plural = _("customer values")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.value_class} {self.rfm_segment}"
