"""The property hierarchy: city company (版块) → project (楼盘) → phase (期) → building (楼栋) → unit (房号).

A user's data scope is a set of city companies and projects (see accounts.scope); every
queryset here narrows itself with `.visible_to(user)`.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class CityCompanyQuerySet(models.QuerySet):
    def visible_to(self, user) -> CityCompanyQuerySet:
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(
            Q(pk__in=scope.city_company_ids) | Q(projects__pk__in=scope.project_ids)
        ).distinct()


class CityCompany(TimeStampedModel):
    """城市公司: the data section (版块). Sections never see each other's data."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    city = models.CharField(_("city"), max_length=50)

    objects = CityCompanyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("city company")
        verbose_name_plural = _("city companies")

    def __str__(self) -> str:
        return self.name


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProjectQuerySet:
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(pk__in=scope.project_ids)


class Project(TimeStampedModel):
    """项目/楼盘, e.g. 四季花城."""

    city_company = models.ForeignKey(
        CityCompany, on_delete=models.PROTECT, related_name="projects", verbose_name=_("city company")
    )
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    launched_on = models.DateField(_("sales launch date"), null=True, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["city_company__name", "name"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.UniqueConstraint(fields=["city_company", "name"], name="project_name_unique_in_city"),
        ]

    def __str__(self) -> str:
        return self.name


class ScopedByProjectQuerySet(models.QuerySet):
    """For rows that carry a `project` foreign key."""

    def visible_to(self, user):
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(project_id__in=scope.project_ids)


class Phase(TimeStampedModel):
    """期: a project is built and sold in phases."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="phases", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=50)
    planned_handover_on = models.DateField(_("planned handover date"), null=True, blank=True)

    objects = ScopedByProjectQuerySet.as_manager()

    class Meta:
        ordering = ["project", "name"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="phase_name_unique_in_project")
        ]

    def __str__(self) -> str:
        return f"{self.project.name} {self.name}"


class Building(TimeStampedModel):
    """楼栋. `project` repeats `phase.project` so that scoping is one indexed column."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("project")
    )
    phase = models.ForeignKey(
        Phase,
        on_delete=models.PROTECT,
        related_name="buildings",
        verbose_name=_("phase"),
        null=True,
        blank=True,
    )
    number = models.CharField(_("building number"), max_length=20, help_text=_("e.g. 3 for 3栋"))
    floors = models.PositiveSmallIntegerField(_("floors above ground"), validators=[MinValueValidator(1)])

    objects = ScopedByProjectQuerySet.as_manager()

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="building_number_unique_in_project"),
        ]

    def __str__(self) -> str:
        return f"{self.project.name} {self.number}栋"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.phase_id and self.project_id and self.phase.project_id != self.project_id:
            raise ValidationError({"phase": _("The phase belongs to another project.")})


class FinishStandard(models.TextChoices):
    FURNISHED = "furnished", _("Fully finished (精装)")
    SHELL = "shell", _("Shell (毛坯)")


class UnitQuerySet(ScopedByProjectQuerySet):
    def with_location(self) -> UnitQuerySet:
        return self.select_related("building", "project", "project__city_company")


class Unit(TimeStampedModel):
    """房号. Addressed as building-entrance-room, e.g. 3-1-502 (3栋1单元502室)."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="units", verbose_name=_("project")
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("building")
    )
    entrance = models.CharField(_("entrance (单元)"), max_length=10, blank=True)
    number = models.CharField(_("room number"), max_length=20)
    code = models.CharField(_("unit code"), max_length=50, editable=False, db_index=True)
    floor = models.SmallIntegerField(_("floor"))
    layout = models.CharField(_("layout"), max_length=30, blank=True, help_text=_("e.g. 3室2厅2卫"))
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("1"))]
    )
    finish_standard = models.CharField(
        _("finish standard"), max_length=12, choices=FinishStandard.choices, default=FinishStandard.SHELL
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["project", "building__number", "entrance", "number"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["building", "entrance", "number"], name="unit_number_unique_in_building"
            ),
            models.UniqueConstraint(fields=["project", "code"], name="unit_code_unique_in_project"),
            models.CheckConstraint(condition=Q(floor_area__gt=0), name="unit_floor_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project.name} {self.code}"

    def save(self, *args, **kwargs) -> None:
        # The building decides the project and the code; nobody types them twice.
        self.project_id = self.building.project_id
        self.code = self.make_code(self.building.number, self.entrance, self.number)
        super().save(*args, **kwargs)

    @staticmethod
    def make_code(building_number: str, entrance: str, number: str) -> str:
        return "-".join(part for part in (building_number, entrance, number) if part)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.building_id and self.floor is not None and self.floor > self.building.floors:
            raise ValidationError(
                {
                    "floor": _("Floor %(floor)s is above the building's %(floors)s floors.")
                    % {"floor": self.floor, "floors": self.building.floors}
                }
            )
