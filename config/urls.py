"""Top-level routes: pages per app, the client portal, the API and Django admin."""
from django.contrib import admin
from django.urls import include, path

from accounts.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("", include("projects.urls")),
    path("", include("tasks.urls")),
    path("", include("quality.urls")),
    path("notifications/", include("notifications.urls")),
    path("portal/", include("portal.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
]
