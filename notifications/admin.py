"""Django admin for in-app notifications."""
import uuid

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("kind", "recipient", "project", "short_message", "read", "created_at")
    list_filter = ("kind", "read", "created_at")
    list_select_related = ("recipient", "project")
    search_fields = ("message", "recipient__username", "recipient__display_name",
                     "project__code", "project__name")
    autocomplete_fields = ("recipient", "project")
    readonly_fields = ("dedupe_key", "created_at")
    fields = ("kind", "recipient", "project", "message", "url", "read", "dedupe_key",
              "created_at")
    actions = ["mark_read", "mark_unread"]

    @admin.display(description=_("message"))
    def short_message(self, obj):
        return str(obj)

    def save_model(self, request, obj, form, change):
        if not obj.dedupe_key:
            # Sent by hand: never a duplicate of anything a job sends.
            obj.dedupe_key = f"admin:{uuid.uuid4().hex}"
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark selected notifications as read"))
    def mark_read(self, request, queryset):
        queryset.update(read=True)

    @admin.action(description=_("Mark selected notifications as unread"))
    def mark_unread(self, request, queryset):
        queryset.update(read=False)
