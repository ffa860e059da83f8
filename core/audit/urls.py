from django.urls import path

from .views import record_history

app_name = "audit"

urlpatterns = [
    path("<str:label>/<int:pk>/", record_history, name="history"),
]
