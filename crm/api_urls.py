"""Every app registers its viewsets on one router: /api/v1/…"""

from rest_framework.routers import DefaultRouter

from complaints import api as complaints_api
from customers import api as customers_api
from properties import api as properties_api

router = DefaultRouter()
properties_api.register(router)
customers_api.register(router)
complaints_api.register(router)

urlpatterns = router.urls
