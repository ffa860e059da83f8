from delivery.views import handover_inspections, inspection, planning, rectification

app_name = "delivery"

urlpatterns = [
    *planning.urlpatterns,
    *inspection.urlpatterns,
    *rectification.urlpatterns,
    *handover_inspections.urlpatterns,
]
