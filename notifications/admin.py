"""Django admin for notifications and the alert thresholds (P6.1).

The cadence of the alert jobs is edited under Periodic tasks (django-celery-beat).
"""
import uuid

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AlertSettings, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("kind", "recipient", "project", "short_message", "read", "created_at",
                    "emailed_at")
    list_filter = ("kind", "read", "created_at")
    list_select_related = ("recipient", "project")
    search_fields = ("message", "recipient__username", "recipient__display_name",
                     "project__code", "project__name")
    autocomplete_fields = ("recipient", "project")
    raw_id_fields = ("task",)
    readonly_fields = ("dedupe_key", "day", "params", "created_at", "emailed_at")
    fields = ("kind", "recipient", "project", "task", "message", "url", "read", "day", "params",
              "dedupe_key", "created_at", "emailed_at")
    actions = ["mark_read", "mark_unread"]

    @admin.display(description=_("message"))
    def short_message(self, obj):
        return str(obj)

    def save_model(self, request, obj, form, change):
        if not obj.dedupe_key and obj.day is None:
            # Sent by hand: never a duplicate of anything a job sends.
            obj.dedupe_key = f"admin:{uuid.uuid4().hex}"
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark selected notifications as read"))
    def mark_read(self, request, queryset):
        queryset.update(read=True)

    @admin.action(description=_("Mark selected notifications as unread"))
    def mark_unread(self, request, queryset):
        queryset.update(read=False)


@admin.register(AlertSettings)
class AlertSettingsAdmin(admin.ModelAdmin):
    """One row of thresholds; it exists as soon as anyone looks at it."""

    list_display = ("__str__", "due_soon_days", "due_soon_days_critical", "stale_progress_days",
                    "progress_reminder_weekday", "default_email")

    def changelist_view(self, request, extra_context=None):
        AlertSettings.load()
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not AlertSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
