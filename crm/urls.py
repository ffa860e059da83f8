from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import StaffLoginView
from core.media import protected_media
from crm.health import healthz
from crm.metrics import metrics

# The split view loads Swagger UI's start-up script from a URL instead of inline, so script-src stays
# 'self'; the page keeps the sidecar template's one small <style> element.
api_docs = csp_update({"style-src-elem": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)

# An uncaught error: the standalone 500 page, or 503 when the database does not answer (core.errors).
handler500 = "core.errors.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Prometheus's scrape: a bearer token or an allowed address (crm/metrics.py); anyone else 404.
    path("metrics", metrics, name="metrics"),
    # Uploads are personal data: served through a view that checks the owning record's scope.
    path("media/<path:name>", protected_media, name="media"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin's login is the staff login (the password, then the two-factor code where it is on):
    # the admin's own form would let an enrolled user in without the code.
    path("admin/login/", StaffLoginView.as_view()),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # A browser without a session goes to the login page; the schema itself answers 401.
    path("api/docs/", login_required(api_docs), name="api-docs"),
    path("api/v1/", include("crm.api_urls")),
    path("", include("dashboards.urls")),
    path("", include("accounts.urls")),
    path("access-log/", include("accounts.access_log_urls")),
    path("", include("customers.urls")),
    path("property/", include("customers.property_urls")),
    path("complaints/", include("complaints.urls")),
    path("handover/", include("delivery.urls")),
    path("surveys/", include("surveys.urls")),
    path("club/", include("membership.urls")),
    path("lifecycle/", include("lifecycle.urls")),
    path("exports/", include("core.export_urls")),
    path("history/", include("core.audit.urls")),
    path("notifications/", include("notifications.urls")),
    path("public/", include("complaints.public_urls")),
    # The owner's survey link, /s/<token>/ (no login).
    path("", include("surveys.public_urls")),
    path("club/", include("membership.public_urls")),
    # The owners' representatives' four-year page, /four-year/<token>/ (no login).
    path("", include("lifecycle.public_urls")),
]

# Under /api/ an unknown path answers JSON, like the API's other errors (core.api.page_not_found).
handler404 = "core.api.page_not_found"
