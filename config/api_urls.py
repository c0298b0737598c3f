"""The REST API (API.md): each app contributes its routes under /api/v1/."""
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

# The contract is public: integrators read it before they have an account.
public = {"permission_classes": [AllowAny]}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(**public), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema", **public),
         name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema", **public),
         name="api-redoc"),
    path("", include("accounts.api.urls")),
    path("", include("projects.api.urls")),
    path("", include("tasks.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("quality.api.urls")),
]
