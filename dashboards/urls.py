from django.urls import include, path

from . import views
from .reports import urls as report_urls

# The page keeps its old root name ("dashboards"); what hangs off it is namespaced: dashboards:recount,
# and the reports (Excel, the weekly email's link, the printable report and its PDF): dashboards:export…
dashboard_patterns = [
    path("recount/", views.recount, name="recount"),
    *report_urls.urlpatterns,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboards/", views.dashboards, name="dashboards"),
    path("dashboards/", include((dashboard_patterns, "dashboards"))),
]
