"""REST API v1 of the dashboards' figures, for BI tools: /api/v1/metrics/ (the measures),
/api/v1/metrics/{key}/ (one measure on a scope for a period: value, previous, change, trend, a row per
city company or project), /api/v1/metrics/breakdowns/ and /api/v1/metrics/breakdowns/{key}/ (the
breakdown tables). Plain paths (`urlpatterns`): a measure's key has dots, which a router's lookup refuses.

- Numbers: `dashboards.measures.engine.dashboard_panels`, as on the page, with the page's parameters
  (`period`, `on`, `start`, `end`, `city`, `project`, `fresh`); read from the replica if there is one.
- Roles: those who see the dashboards (`may_see_dashboards`); anyone else → 403.
- Scope: a city or project outside the user's scope → 403 (as on the page); bad parameters → 400
  with field messages; an unknown key → 404.
"""

from django.urls import path

from .views import BreakdownDetailView, BreakdownListView, MetricDetailView, MetricListView

urlpatterns = [
    path("metrics/", MetricListView.as_view(), name="metric-list"),
    path("metrics/breakdowns/", BreakdownListView.as_view(), name="metric-breakdown-list"),
    path("metrics/breakdowns/<str:key>/", BreakdownDetailView.as_view(), name="metric-breakdown-detail"),
    path("metrics/<str:key>/", MetricDetailView.as_view(), name="metric-detail"),
]

__all__ = ["urlpatterns"]
