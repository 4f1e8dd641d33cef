from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import health
from units.api.views import TokenObtainView

urlpatterns = [
    # Answered by config.health.HealthCheckMiddleware before this; routed too so reverse("health") works.
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("units.urls")),
    path("api/auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("api/units/", include("units.api.urls")),
    path("api/reforms/", include("reforms.api.urls")),
    path("api/tracker/stats/", include("tracker.stats.api.urls")),
    path("api/cities/", include("tracker.cities.api.urls")),
    path("api/tracker/", include("tracker.api.urls")),
    path("api/contributions/", include("tracker.contributions.api.urls")),
    path("dashboard/", include("tracker.stats.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# Under /api/ these answer JSON like the API's exception handler (an unknown URL, a body over
# DATA_UPLOAD_MAX_MEMORY_SIZE, a crash); elsewhere Django's own pages.
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
