"""The metrics API's views: thin. Every number comes from `dashboard_panels`, the function the dashboards
page, its Excel export and the reports read, so a BI tool and the page always agree; it is read from the
read replica when there is one (core.replica)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from core.replica import reading_replica

from ..measures.base import (
    Breakdown,
    DashboardScope,
    Figure,
    Measure,
    Period,
    Source,
    measure_by_key,
    period_from_params,
    registered_sources,
)
from ..measures.engine import dashboard_panels, may_see_dashboards, scope_from_params
from .serializers import (
    BreakdownDetailSerializer,
    BreakdownListSerializer,
    BreakdownQuerySerializer,
    MeasureSerializer,
    MetricQuerySerializer,
    MetricSerializer,
)


class MaySeeDashboards(permissions.BasePermission):
    message = _("Your role may not see the dashboards.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and may_see_dashboards(request.user))


ERRORS = {
    400: OpenApiResponse(description=_("A bad period or scope parameter; field messages in the body.")),
    403: OpenApiResponse(
        description=_("The role sees no dashboards, or the city or project is outside its scope.")
    ),
}
KEY = OpenApiParameter(
    "key", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("e.g. complaints.received")
)


def _period(period: Period) -> dict:
    return {"kind": period.kind.value, "start": period.start, "end": period.last_day, "label": period.label}


def _scope(scope: DashboardScope) -> dict:
    return {
        "level": scope.level.value,
        "city": scope.city_company_id,
        "project": scope.project_id,
        "label": str(scope.label),
    }


def _source(source: Source, recording: bool) -> dict:
    return {
        "key": source.key,
        "label": str(source.panel_label),
        "recording": recording,
        "freshness": source.freshness,
        "refreshed_at": source.refreshed_at() if source.freshness == "summary" else None,
        "note": str(source.note),
    }


def _measure(source: Source, measure: Measure, recording: bool) -> dict:
    return {
        "key": measure.key,
        "label": str(measure.label),
        "unit": measure.unit.value,
        "scale": measure.scale,
        "decimals": measure.decimals,
        "suffix": measure.suffix,
        "better": measure.better,
        "snapshot": measure.snapshot,
        "help_text": str(measure.help_text),
        "source": _source(source, recording),
    }


def _numbers(request, figure: Figure | None) -> dict:
    if figure is None:
        return {
            "value": None,
            "previous": None,
            "change": None,
            "numerator": 0,
            "denominator": 0,
            "drill_url": None,
        }
    return {
        "value": figure.value,
        "previous": figure.previous,
        "change": figure.change,
        "numerator": figure.ratio.numerator,
        "denominator": figure.ratio.denominator,
        "drill_url": request.build_absolute_uri(figure.drill_url) if figure.drill_url else None,
    }


def _child(request, scope: DashboardScope, figure: Figure) -> dict:
    return {
        **_numbers(request, figure),
        "level": scope.level.value,
        "city": scope.city_company_id,
        "project": scope.project_id,
        "label": str(scope.label),
    }


def _breakdown(request, source: Source, breakdown: Breakdown) -> dict:
    return {
        "key": breakdown.key,
        "title": str(breakdown.title),
        "source": source.key,
        "columns": [str(column) for column in breakdown.columns],
        "rows": [
            {
                "label": str(row.label),
                "values": list(row.values),
                "drill_url": request.build_absolute_uri(row.drill_url) if row.drill_url else None,
            }
            for row in breakdown.rows
        ],
    }


def _period_and_scope(request, query_class=MetricQuerySerializer) -> tuple[dict, Period, DashboardScope]:
    """The page's parameters, read the page's way; bad ones → 400, a scope outside the user's → 403."""
    query = query_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    period = period_from_params(request.query_params)
    scope = scope_from_params(request.user, request.query_params)
    return query.validated_data, period, scope


class MetricListView(APIView):
    permission_classes = [MaySeeDashboards]

    @extend_schema(
        operation_id="metrics_list",
        summary=_("The dashboards' measures: key, label, unit, panel and whether it records yet"),
        responses={200: MeasureSerializer(many=True), 403: ERRORS[403]},
    )
    def get(self, request):
        with reading_replica():
            rows = []
            for source in registered_sources():
                recording = source.is_recording()
                rows.extend(_measure(source, measure, recording) for measure in source.measures)
        return Response(MeasureSerializer(rows, many=True).data)


class MetricDetailView(APIView):
    permission_classes = [MaySeeDashboards]

    @extend_schema(
        operation_id="metrics_retrieve",
        summary=_("One measure on a scope for a period: value, previous, change, trend and per-child rows"),
        description=_(
            "The same figures as the dashboards page with the same parameters. Without city or "
            "project: the user's widest level (the group, their city company or their projects)."
        ),
        parameters=[KEY, MetricQuerySerializer],
        responses={
            200: MetricSerializer,
            **ERRORS,
            404: OpenApiResponse(description=_("No measure with this key.")),
        },
    )
    def get(self, request, key: str):
        found = measure_by_key(key)
        if found is None:
            raise exceptions.NotFound(_("No measure with this key."))
        source, measure = found
        query, period, scope = _period_and_scope(request)
        with reading_replica():
            (panel,) = dashboard_panels(
                request.user, scope, period, fresh=query["fresh"], sources={source.key}
            )
        index = source.measures.index(measure)
        figure = panel.figures[index] if panel.recording else None
        trend_periods = period.trend()
        body = {
            **_numbers(request, figure),
            "measure": _measure(source, measure, panel.recording),
            "period": _period(period),
            "previous_period": None if measure.snapshot else _period(period.previous()),
            "scope": _scope(scope),
            "recording": panel.recording,
            "fresh": query["fresh"],
            "trend": [
                {"label": each.label, "start": each.start, "end": each.last_day, "value": value}
                for each, value in zip(trend_periods, figure.trend if figure else [], strict=False)
            ],
            "children": [_child(request, child, figures[index]) for child, figures in panel.rows],
        }
        return Response(MetricSerializer(body).data)


def _breakdown_sources(only: str | None) -> list[Source]:
    return [s for s in registered_sources() if s.breakdowns is not None and (only is None or s.key == only)]


class BreakdownListView(APIView):
    permission_classes = [MaySeeDashboards]

    @extend_schema(
        operation_id="metrics_breakdowns_list",
        summary=_("The dashboards' breakdown tables (top categories, segment × dimension…) on a scope"),
        parameters=[BreakdownQuerySerializer],
        responses={200: BreakdownListSerializer, **ERRORS},
    )
    def get(self, request):
        query, period, scope = _period_and_scope(request, BreakdownQuerySerializer)
        sources = _breakdown_sources(query.get("source"))
        with reading_replica():
            panels = (
                dashboard_panels(
                    request.user,
                    scope,
                    period,
                    fresh=query["fresh"],
                    with_rows=False,
                    sources={s.key for s in sources},
                )
                if sources
                else []
            )
        body = {
            "period": _period(period),
            "scope": _scope(scope),
            "breakdowns": [
                _breakdown(request, panel.source, breakdown)
                for panel in panels
                for breakdown in panel.breakdowns
            ],
        }
        return Response(BreakdownListSerializer(body).data)


class BreakdownDetailView(APIView):
    permission_classes = [MaySeeDashboards]

    @extend_schema(
        operation_id="metrics_breakdowns_retrieve",
        summary=_("One breakdown table on a scope for a period"),
        parameters=[
            OpenApiParameter(
                "key",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description=_("e.g. complaints.top_categories"),
            ),
            MetricQuerySerializer,
        ],
        responses={
            200: BreakdownDetailSerializer,
            **ERRORS,
            404: OpenApiResponse(
                description=_("No breakdown with this key (or its source records nothing yet).")
            ),
        },
    )
    def get(self, request, key: str):
        query, period, scope = _period_and_scope(request)
        # A breakdown's key starts with its source's key ("complaints.top_categories"): only that
        # source computes; a key naming no source is looked for in every source's tables.
        candidates = _breakdown_sources(None)
        by_prefix = [s for s in candidates if s.key == key.partition(".")[0]]
        for source in by_prefix or candidates:
            with reading_replica():
                (panel,) = dashboard_panels(
                    request.user, scope, period, fresh=query["fresh"], with_rows=False, sources={source.key}
                )
            for breakdown in panel.breakdowns:
                if breakdown.key == key:
                    body = {
                        **_breakdown(request, source, breakdown),
                        "period": _period(period),
                        "scope": _scope(scope),
                    }
                    return Response(BreakdownDetailSerializer(body).data)
        raise exceptions.NotFound(_("No breakdown with this key."))
