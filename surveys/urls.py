from django.urls import path

from .views import results

app_name = "surveys"

urlpatterns = [
    path("campaigns/<int:pk>/results/", results.results, name="results"),
    path(
        "campaigns/<int:pk>/questions/<int:question_pk>/answers/",
        results.question_verbatims,
        name="verbatims",
    ),
]
