"""/dashboards/export/ and /dashboards/report/…: dashboards.urls puts them in the "dashboards" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("export/", views.export, name="export"),
    path("report/", views.report, name="report"),
    path("report/pdf/", views.report_pdf, name="report-pdf"),
]
