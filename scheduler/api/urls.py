from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .metrics import CacheMetricsView

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("meetings.api.urls")),
    path("", include("meetings.feed.api.urls")),
    path("", include("meetings.availability.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("webhooks.api.urls")),
    path("metrics/cache/", CacheMetricsView.as_view(), name="api-cache-metrics"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
