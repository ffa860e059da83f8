from django.urls import include, path

from . import views

# The page keeps its old root name ("dashboards"); what hangs off it is namespaced: dashboards:recount.
dashboard_patterns = [
    path("recount/", views.recount, name="recount"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboards/", views.dashboards, name="dashboards"),
    path("dashboards/", include((dashboard_patterns, "dashboards"))),
]
