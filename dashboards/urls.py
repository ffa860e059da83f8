from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboards/", views.dashboards, name="dashboards"),
    # The reports (Excel, weekly email's link, printable report and PDF): dashboards:export, dashboards:report…
    path("dashboards/", include(("dashboards.reports.urls", "dashboards"))),
]
