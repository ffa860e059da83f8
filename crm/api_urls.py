"""Every app registers its viewsets on one router: /api/v1/…"""

from django.urls import path
from rest_framework.routers import DefaultRouter

from complaints import api as complaints_api
from customers import api as customers_api
from dashboards import api as dashboards_api
from delivery.api import inspection as delivery_inspection_api
from delivery.api import planning as delivery_planning_api
from delivery.api import rectification as delivery_rectification_api
from lifecycle import api as lifecycle_api
from membership import api as membership_api
from properties import api as properties_api
from surveys import api as surveys_api

router = DefaultRouter()
properties_api.register(router)
customers_api.register(router)
complaints_api.register(router)
membership_api.register(router)
delivery_planning_api.register(router)
delivery_inspection_api.register(router)
delivery_rectification_api.register(router)
surveys_api.register(router)
lifecycle_api.register(router)

urlpatterns = [
    # The owner's survey link: the token is the credential (no login).
    path("public/surveys/<str:token>/", surveys_api.PublicSurveyView.as_view(), name="survey-public"),
    *lifecycle_api.urlpatterns,
    *dashboards_api.urlpatterns,
    *router.urls,
]
