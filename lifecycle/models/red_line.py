"""红线内外不利因素: what lies inside and outside a project's red line that a buyer must be told, the
disclosure versions published to buyers, and each contract's signed acknowledgement of a version.

A material item is disclosed to a buyer once their contract acknowledges a version that contains it;
a handover batch does not open while any buyer in it lacks one (lifecycle.batch_guard)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from properties.models import TimeStampedModel

from ._scope import ProjectScopedQuerySet


class RedLineItem(TimeStampedModel):
    class Side(models.TextChoices):
        INSIDE = "inside", _("Inside the red line")
        OUTSIDE = "outside", _("Outside the red line")

    class Kind(models.TextChoices):
        # inside the red line
        CAR_PARK_RAMP = "car_park_ramp", _("Car-park ramp (车库出入口)")
        TRANSFORMER_BOX = "transformer_box", _("Transformer box (箱变)")
        SUBSTATION = "substation", _("Substation (变电站/开闭所)")
        HIGH_VOLTAGE_LINE = "high_voltage_line", _("High-voltage line (高压线)")
        VENT_SHAFT = "vent_shaft", _("Vent shaft (风井)")
        REFUSE_ROOM = "refuse_room", _("Refuse room (垃圾房)")
        PUMP_ROOM = "pump_room", _("Pump room (水泵房)")
        # outside the red line
        MOTORWAY = "motorway", _("Motorway / elevated road (高速/高架)")
        HIGH_SPEED_RAIL = "high_speed_rail", _("High-speed rail / railway (高铁/铁路)")
        LANDFILL = "landfill", _("Landfill / waste plant (垃圾场)")
        FUEL_STATION = "fuel_station", _("Fuel station (加油站)")
        BASE_STATION = "base_station", _("Base-station tower (基站)")
        OTHER = "other", _("Other")

    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        related_name="red_line_items",
        verbose_name=_("project"),
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    location = models.CharField(_("location"), max_length=200)
    distance_m = models.DecimalField(
        _("distance (m)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    description = models.TextField(_("description"), blank=True)
    material = models.BooleanField(
        _("material"), default=False, help_text=_("Buyers must acknowledge it before their handover.")
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "side", "kind", "id"]
        verbose_name = _("red-line item")
        verbose_name_plural = _("red-line items")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.location}"


class RedLinePhotoQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(item__in=RedLineItem.objects.visible_to(user).values("pk"))


class RedLinePhoto(models.Model):
    item = models.ForeignKey(
        RedLineItem, on_delete=models.CASCADE, related_name="photos", verbose_name=_("item")
    )
    image = models.FileField(_("photo"), upload_to="red_line/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = RedLinePhotoQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("red-line photo")
        verbose_name_plural = _("red-line photos")

    def __str__(self) -> str:
        return self.image.name


class Disclosure(models.Model):
    """A published version of the project's red-line list: the items then, frozen as `snapshot`."""

    project = models.ForeignKey(
        "properties.Project", on_delete=models.PROTECT, related_name="disclosures", verbose_name=_("project")
    )
    number = models.PositiveIntegerField(_("version"))
    items = models.ManyToManyField(RedLineItem, related_name="disclosures", verbose_name=_("items"))
    # What each item said when published ({id, side, kind, location, distance_m, material, description}).
    snapshot = models.JSONField(_("snapshot"), default=list)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("published by")
    )

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-number"]
        verbose_name = _("red-line disclosure")
        verbose_name_plural = _("red-line disclosures")
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="disclosure_number_per_project"),
        ]

    def __str__(self) -> str:
        return f"{self.project} v{self.number}"


class AcknowledgementQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(disclosure__in=Disclosure.objects.visible_to(user).values("pk"))


class Acknowledgement(models.Model):
    """A buyer's signature under a disclosure version, for one contract."""

    contract = models.ForeignKey(
        "customers.Contract",
        on_delete=models.PROTECT,
        related_name="red_line_acknowledgements",
        verbose_name=_("contract"),
    )
    disclosure = models.ForeignKey(
        Disclosure, on_delete=models.PROTECT, related_name="acknowledgements", verbose_name=_("disclosure")
    )
    signed_by_name = models.CharField(_("signed by"), max_length=50)
    signed_on = models.DateField(_("signed on"))
    signed_file = models.FileField(_("signed file"), upload_to="red_line_signed/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = AcknowledgementQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("disclosure acknowledgement")
        verbose_name_plural = _("disclosure acknowledgements")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "disclosure"], name="acknowledgement_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signed_by_name} · {self.disclosure}"
