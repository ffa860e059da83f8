from django.urls import path

from . import property_views as views

# The property browser, served by customers (it shows owners) under its own URL namespace.
app_name = "properties"

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("buildings/<int:pk>/", views.building_detail, name="building-detail"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
]
