"""The dashboards' engine: periods, the dashboard's scope, measures and how their figures add up.

A figure is a ratio of two sums over projects (`Ratio`): a source reads, in one grouped query, each
measure's numerator and denominator per (period, project) for every period the page shows (the
trend's periods, of which the last is the current one and the one before it the previous one). The
engine adds those per scope (the whole dashboard, each city company, each project), so one query per
source serves the headline, its change, the trend chart and the side-by-side table.

A source (`Source`) is registered in `dashboards.measures.registry` and declares the measures it
computes. A source whose app has nothing recorded yet says so (`Source.is_recording`), and its
panel shows that instead of zeros.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TREND_LENGTH = 12  # periods on a trend chart, the current one last


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


PERIOD_LABELS = {
    PeriodKind.DAY: _("Day"),
    PeriodKind.WEEK: _("Week"),
    PeriodKind.MONTH: _("Month"),
    PeriodKind.QUARTER: _("Quarter"),
    PeriodKind.YEAR: _("Year"),
    PeriodKind.CUSTOM: _("Custom range"),
}

MAX_CUSTOM_DAYS = 3 * 366
EARLIEST_DAY, LATEST_DAY = datetime.date(1970, 1, 1), datetime.date(2999, 12, 31)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Period:
    """[start, end) in local dates. Calendar kinds start on their calendar boundary (weeks on Monday)."""

    kind: PeriodKind
    start: datetime.date
    end: datetime.date  # exclusive

    @classmethod
    def containing(cls, kind: PeriodKind, day: datetime.date) -> Period:
        if kind == PeriodKind.DAY:
            return cls(kind, day, day + datetime.timedelta(days=1))
        if kind == PeriodKind.WEEK:
            start = day - datetime.timedelta(days=day.weekday())
            return cls(kind, start, start + datetime.timedelta(days=7))
        if kind == PeriodKind.MONTH:
            start = day.replace(day=1)
            return cls(kind, start, _add_months(start, 1))
        if kind == PeriodKind.QUARTER:
            start = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
            return cls(kind, start, _add_months(start, 3))
        if kind == PeriodKind.YEAR:
            return cls(kind, datetime.date(day.year, 1, 1), datetime.date(day.year + 1, 1, 1))
        raise ValueError(f"no calendar period of kind {kind!r}")

    @classmethod
    def custom(cls, start: datetime.date, end_inclusive: datetime.date) -> Period:
        if end_inclusive < start:
            raise ValidationError({"end": _("The end is before the start.")})
        if (end_inclusive - start).days >= MAX_CUSTOM_DAYS:
            raise ValidationError({"end": _("A custom range is at most three years long.")})
        return cls(PeriodKind.CUSTOM, start, end_inclusive + datetime.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    @property
    def start_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def end_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.end, datetime.time.min))

    def previous(self) -> Period:
        """The period just before: the previous calendar period, or a custom range as long."""
        if self.kind == PeriodKind.CUSTOM:
            return Period(self.kind, self.start - datetime.timedelta(days=self.days), self.start)
        return Period.containing(self.kind, self.start - datetime.timedelta(days=1))

    def trend(self, length: int = TREND_LENGTH) -> list[Period]:
        """The `length` periods ending with this one, oldest first."""
        periods = [self]
        while len(periods) < length:
            periods.append(periods[-1].previous())
        return periods[::-1]

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.DAY:
            return self.start.isoformat()
        if self.kind == PeriodKind.MONTH:
            return self.start.strftime("%Y-%m")
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == PeriodKind.YEAR:
            return str(self.start.year)
        return f"{self.start.isoformat()} – {self.last_day.isoformat()}"

    @property
    def short_label(self) -> str:
        """For a chart's axis."""
        if self.kind in (PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.CUSTOM):
            return self.start.strftime("%m-%d")
        return self.label

    def query(self) -> dict[str, str]:
        """The URL parameters that choose this period (`period_from_params` reads them)."""
        if self.kind == PeriodKind.CUSTOM:
            return {"period": "custom", "start": self.start.isoformat(), "end": self.last_day.isoformat()}
        return {"period": self.kind.value, "on": self.start.isoformat()}


def period_from_params(params: Mapping[str, str], today: datetime.date | None = None) -> Period:
    """?period=day|week|month|quarter|year[&on=YYYY-MM-DD] or ?period=custom&start=…&end=… (inclusive).
    Default: this month. Bad input raises ValidationError with the field's message (a 400, never a 500)."""
    today = today or timezone.localdate()
    raw_kind = params.get("period") or PeriodKind.MONTH.value
    try:
        kind = PeriodKind(raw_kind)
    except ValueError:
        raise ValidationError({"period": _("Choose day, week, month, quarter, year or custom.")}) from None

    def parse(name: str, default: datetime.date | None) -> datetime.date:
        raw = params.get(name)
        if not raw:
            if default is None:
                raise ValidationError({name: _("This field is required.")})
            return default
        try:
            day = datetime.date.fromisoformat(raw)
        except ValueError:
            raise ValidationError({name: _("Enter a date as YYYY-MM-DD.")}) from None
        # A trend reaches twelve periods back and the arrows one forward: far dates would overflow.
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise ValidationError({name: _("Enter a day between 1970-01-01 and 2999-12-31.")})
        return day

    if kind == PeriodKind.CUSTOM:
        return Period.custom(parse("start", None), parse("end", None))
    return Period.containing(kind, parse("on", today))


class Level(StrEnum):
    GROUP = "group"
    CITY = "city"
    PROJECT = "project"


@dataclass(frozen=True)
class DashboardScope:
    """The part of the estate a dashboard covers, always inside the user's own scope.

    `project_ids` None means the whole estate (a group administrator's group level): sources then read
    without a project filter."""

    level: Level
    city_company_id: int | None = None
    project_id: int | None = None
    project_ids: frozenset[int] | None = None
    label: str = ""

    def covers(self, project_id: int) -> bool:
        return self.project_ids is None or project_id in self.project_ids

    def query(self) -> dict[str, str]:
        if self.level == Level.PROJECT:
            return {"project": str(self.project_id)}
        if self.level == Level.CITY:
            return {"city": str(self.city_company_id)}
        return {}


class Unit(StrEnum):
    PERCENT = "percent"  # numerator / denominator × 100
    COUNT = "count"  # the numerator (denominator 1)
    RATE = "rate"  # numerator / denominator × Measure.scale (e.g. per 1,000 units)
    AVERAGE = "average"  # numerator / denominator (e.g. hours, score)


@dataclass(frozen=True)
class Ratio:
    numerator: Decimal | int | float = 0
    denominator: Decimal | int | float = 0

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.numerator + other.numerator, self.denominator + other.denominator)


ZERO = Ratio()


@dataclass(frozen=True)
class Measure:
    key: str  # "complaints.first_response_compliance": also the metrics API's name
    label: str
    unit: Unit
    scale: int = 1  # for Unit.RATE
    decimals: int = 1
    better: str | None = "higher"  # "higher", "lower" or None: how the change is coloured
    suffix: str = ""  # printed after the value ("h", "‰"…); percent adds "%" itself
    help_text: str = ""
    # The records behind the figure: (scope, period) → a URL of the filtered list, or None.
    drill_url: Callable[[DashboardScope, Period], str | None] | None = None
    # A state now (open, breached…) rather than a count over the period: no previous value, no trend;
    # its source puts it in the current period's cells.
    snapshot: bool = False

    def value(self, ratio: Ratio) -> float | None:
        if self.unit == Unit.COUNT:
            return float(ratio.numerator)
        if not ratio.denominator:
            return None
        value = float(ratio.numerator) / float(ratio.denominator)
        if self.unit == Unit.PERCENT:
            return value * 100
        if self.unit == Unit.RATE:
            return value * self.scale
        return value


# What a source returns: per measure key, per (index of the period in the list, project id), a Ratio.
SourceResult = dict[str, dict[tuple[int, int], Ratio]]


@dataclass
class Source:
    """Reads some measures for every (period, project) in one or a few grouped queries.

    `compute(project_ids, periods, fresh)`: project_ids None = every project; periods oldest first;
    `fresh` True asks for a count over the records themselves rather than a summary table. The
    result holds only the non-zero cells; everything else counts as zero."""

    key: str  # "complaints"
    panel_label: str
    order: int
    measures: list[Measure]
    compute: Callable[[frozenset[int] | None, list[Period], bool], SourceResult]
    # False while the app has recorded nothing at all: the panel says so instead of showing zeros.
    is_recording: Callable[[], bool] = lambda: True
    # How fresh the figures are: "live" (grouped queries over indexes) or "summary" (tables a task refreshes).
    freshness: str = "live"
    # When the summary tables were last refreshed (freshness "summary"); None for live sources.
    refreshed_at: Callable[[], datetime.datetime | None] = lambda: None
    # Counting anew (the managers' recount button) for the given projects; None: nothing to recount.
    # It returns False when the work could not be queued (the broker is down).
    recount: Callable[[frozenset[int] | None], bool | None] | None = None
    note: str = ""
    # Rankings and matrices beside the figures (top categories, satisfaction by segment × dimension):
    # (project_ids, period, fresh) → tables.
    breakdowns: Callable[[frozenset[int] | None, Period, bool], list[Breakdown]] | None = None
    # The same given the whole scope, for tables whose rows link to their records (the link carries the
    # scope's city or project): (scope, period, fresh) → tables. Used instead of `breakdowns` when set.
    breakdowns_for: Callable[[DashboardScope, Period, bool], list[Breakdown]] | None = None


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    values: tuple[float | int | None, ...]
    drill_url: str | None = None


@dataclass(frozen=True)
class Breakdown:
    """A small table of a panel: a title, its column headings and rows (each row may link to its records)."""

    key: str  # "complaints.top_categories": also the Excel sheet's and the metrics API's name
    title: str
    columns: tuple[str, ...]
    rows: tuple[BreakdownRow, ...]


_SOURCES: dict[str, Source] = {}


def register_source(source: Source) -> None:
    _SOURCES[source.key] = source


def registered_sources() -> list[Source]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.key))


def measure_by_key(key: str) -> tuple[Source, Measure] | None:
    for source in _SOURCES.values():
        for measure in source.measures:
            if measure.key == key:
                return source, measure
    return None


@dataclass
class Figure:
    """One measure on one scope: the current value, the previous period's, the trend, the drill-down."""

    measure: Measure
    value: float | None
    previous: float | None
    trend: list[float | None]
    ratio: Ratio
    drill_url: str | None = None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_is_good(self) -> bool | None:
        change = self.change
        if not change or self.measure.better is None:
            return None
        return (change > 0) == (self.measure.better == "higher")


@dataclass
class Panel:
    source: Source
    recording: bool
    figures: list[Figure] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    # Side-by-side: per child scope (city companies on the group level, projects on a city's), the
    # current period's figures in the order of `figures`.
    rows: list[tuple[DashboardScope, list[Figure]]] = field(default_factory=list)


def sum_cells(
    cells: Mapping[tuple[int, int], Ratio], period_count: int, project_ids: Iterable[int] | None
) -> list[Ratio]:
    """Per period index, the sum over the given projects (None: over every project)."""
    totals = [ZERO] * period_count
    wanted = None if project_ids is None else set(project_ids)
    for (index, project_id), ratio in cells.items():
        if wanted is None or project_id in wanted:
            totals[index] = totals[index] + ratio
    return totals
