"""The metrics API's shapes: the query (period and scope), a measure, a figure with its trend and rows,
a breakdown table. Responses are built as plain dicts and written through these serializers, so the
OpenAPI schema is what the API returns."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import MAX_ID
from core.api_input import QuerySerializer

from ..measures.base import EARLIEST_DAY, LATEST_DAY, Level, PeriodKind, Unit

FRESHNESS_CHOICES = [("live", _("Live")), ("summary", _("Summary tables"))]
# Named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (MetricUnitEnum, DashboardLevelEnum).
UNIT_CHOICES = [unit.value for unit in Unit]
LEVEL_CHOICES = [level.value for level in Level]
BETTER_CHOICES = [("higher", _("Higher is better")), ("lower", _("Lower is better"))]


class DayField(serializers.DateField):
    """A YYYY-MM-DD day within the years the dashboards count."""

    default_error_messages = {
        "out_of_range": _("Enter a day between 1970-01-01 and 2999-12-31."),
    }

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            self.fail("out_of_range")
        return day


class MetricQuerySerializer(QuerySerializer):
    """The page's own parameters (dashboards.measures.base.period_from_params, engine.scope_from_params)."""

    period = serializers.ChoiceField(
        choices=[kind.value for kind in PeriodKind],
        required=False,
        help_text=_("day, week (Monday to Sunday), month (the default), quarter, year or custom."),
    )
    on = DayField(
        required=False, help_text=_("A day inside the period, YYYY-MM-DD (default: today). Not for custom.")
    )
    start = DayField(required=False, help_text=_("custom: the first day, YYYY-MM-DD."))
    end = DayField(
        required=False, help_text=_("custom: the last day, YYYY-MM-DD, included (at most three years).")
    )
    city = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("A city company's id: its figures, and one row per project."),
    )
    project = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("A project's id: its figures (takes precedence over city)."),
    )
    fresh = serializers.BooleanField(
        default=False,
        help_text=_("Count over the records themselves instead of the summary tables (slower)."),
    )


class BreakdownQuerySerializer(MetricQuerySerializer):
    source = serializers.CharField(
        required=False, max_length=100, help_text=_("Only this source's breakdowns (e.g. complaints).")
    )


class PeriodSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[kind.value for kind in PeriodKind])
    start = serializers.DateField(help_text=_("The first day."))
    end = serializers.DateField(help_text=_("The last day, included."))
    label = serializers.CharField()


class ScopeSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=LEVEL_CHOICES)
    city = serializers.IntegerField(allow_null=True, help_text=_("The city company's id."))
    project = serializers.IntegerField(allow_null=True, help_text=_("The project's id."))
    label = serializers.CharField()


class SourceSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField(help_text=_("The dashboard panel the measure is shown in."))
    recording = serializers.BooleanField(
        help_text=_("False while its app has recorded nothing yet: no figures rather than zeros.")
    )
    freshness = serializers.ChoiceField(
        choices=FRESHNESS_CHOICES,
        help_text=_("live: counted over the records; summary: read from tables a task refreshes."),
    )
    refreshed_at = serializers.DateTimeField(
        allow_null=True, help_text=_("When the summary tables were last refreshed (summary only).")
    )
    note = serializers.CharField(allow_blank=True)


class MeasureSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("The name used in /api/v1/metrics/{key}/."))
    label = serializers.CharField()
    unit = serializers.ChoiceField(
        choices=UNIT_CHOICES,
        help_text=_(
            "percent: numerator / denominator × 100; count: the numerator; rate: numerator / "
            "denominator × scale; average: numerator / denominator."
        ),
    )
    scale = serializers.IntegerField(help_text=_("The multiplier of a rate (e.g. 1000: per 1,000 units)."))
    decimals = serializers.IntegerField(help_text=_("Decimals the page shows."))
    suffix = serializers.CharField(allow_blank=True, help_text=_("Printed after the value (h, ‰…)."))
    better = serializers.ChoiceField(
        choices=BETTER_CHOICES, allow_null=True, help_text=_("Which way the change is good, if either.")
    )
    snapshot = serializers.BooleanField(
        help_text=_("A state now (open, breached): no previous value and no trend.")
    )
    help_text = serializers.CharField(allow_blank=True)
    source = SourceSerializer()


class NumbersSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text=_("null: nothing to divide by."))
    previous = serializers.FloatField(
        allow_null=True, help_text=_("The previous period's value (null for a snapshot measure).")
    )
    change = serializers.FloatField(
        allow_null=True, help_text=_("value − previous (percentage points for a percent).")
    )
    numerator = serializers.FloatField(help_text=_("The sum the value is made of, over the current period."))
    denominator = serializers.FloatField(help_text=_("Its divisor (for a count, not meaningful)."))
    drill_url = serializers.URLField(
        allow_null=True, help_text=_("The list of the records behind the figure, filtered to them.")
    )


class TrendPointSerializer(serializers.Serializer):
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text=_("The last day, included."))
    value = serializers.FloatField(allow_null=True)


class ChildRowSerializer(NumbersSerializer):
    level = serializers.ChoiceField(choices=LEVEL_CHOICES)
    city = serializers.IntegerField(allow_null=True)
    project = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()


class MetricSerializer(NumbersSerializer):
    measure = MeasureSerializer()
    period = PeriodSerializer()
    previous_period = PeriodSerializer(allow_null=True)
    scope = ScopeSerializer()
    recording = serializers.BooleanField(
        help_text=_("False: the app records nothing yet; every number is null and the lists are empty.")
    )
    fresh = serializers.BooleanField(help_text=_("Counted over the records themselves (fresh=true)."))
    trend = TrendPointSerializer(
        many=True, help_text=_("The trend chart's periods up to this one, oldest first.")
    )
    children = ChildRowSerializer(
        many=True, help_text=_("Per city company (group level) or project (city level), this period.")
    )


class BreakdownRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    values = serializers.ListField(child=serializers.FloatField(allow_null=True))
    drill_url = serializers.URLField(allow_null=True)


class BreakdownSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    source = serializers.CharField(help_text=_("The key of the source (panel) it belongs to."))
    columns = serializers.ListField(child=serializers.CharField())
    rows = BreakdownRowSerializer(many=True)


class BreakdownDetailSerializer(BreakdownSerializer):
    period = PeriodSerializer()
    scope = ScopeSerializer()


class BreakdownListSerializer(serializers.Serializer):
    period = PeriodSerializer()
    scope = ScopeSerializer()
    breakdowns = BreakdownSerializer(many=True)
