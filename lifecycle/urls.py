"""Staff pages of the 6+2 lifecycle, under /lifecycle/ (namespace `lifecycle`)."""

from django.urls import path

from .views import commitments, risk

app_name = "lifecycle"

urlpatterns = [
    # --- registers: commitments, risk ---
    path("projects/<int:pk>/commitments/", commitments.project_commitments, name="project_commitments"),
    path("contracts/<int:pk>/commitments/", commitments.contract_commitments, name="contract_commitments"),
    path("commitments/<int:pk>/settle/", commitments.commitment_settle, name="commitment_settle"),
    path("projects/<int:pk>/risk/", risk.project_risk, name="project_risk"),
]
