from django.urls import path

from . import export_views

app_name = "exports"

urlpatterns = [
    path("job/<int:pk>/", export_views.export_job_detail, name="job"),
    path("job/<int:pk>/status/", export_views.export_job_status, name="job-status"),
    path("job/<int:pk>/download/", export_views.export_job_download, name="job-download"),
    path("<slug:name>/", export_views.export_start, name="start"),
]
