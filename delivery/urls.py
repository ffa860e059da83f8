from delivery.views import inspection, planning, rectification

app_name = "delivery"

urlpatterns = [*planning.urlpatterns, *inspection.urlpatterns, *rectification.urlpatterns]
