"""URL map: the admin, one DRF router assembled from every app's ``api/routes.py``, the
OpenAPI schema and docs, and each app's own pages."""

from importlib import import_module

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from apps.core.views import healthz, livez

PROJECT_APPS = [app.split(".", 1)[1] for app in settings.INSTALLED_APPS if app.startswith("apps.")]
#: Mounted at the site root instead of under its own name: the workbench is "/".
ROOT_APP = "workbench"

router = DefaultRouter()
for app in PROJECT_APPS:
    for prefix, viewset, basename in import_module(f"apps.{app}.api.routes").ROUTES:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
    path("api/auth/token/", obtain_auth_token, name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Both docs run under the Content-Security-Policy: Swagger UI's split view loads its init
    # script from a URL; Redoc's page is ours (no inline script, no fonts from the internet).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="core/redoc.html"),
        name="redoc",
    ),
    path("healthz", healthz, name="healthz"),
    path("readyz", healthz, name="readyz"),
    path("livez", livez, name="livez"),
    *[path(f"{app}/", include(f"apps.{app}.urls")) for app in PROJECT_APPS if app != ROOT_APP],
    path("", include(f"apps.{ROOT_APP}.urls")),
]

handler404 = "apps.core.views.page_not_found"
