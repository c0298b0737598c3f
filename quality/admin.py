"""Django admin for client feedback: to look up; the workflow moves on the pages and portal."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from projects.admin import HistoryAdmin

from . import services
from .models import ClientFeedback, FeedbackEvent


class FeedbackEventInline(admin.TabularInline):
    model = FeedbackEvent
    fields = ("from_status", "to_status", "actor", "comment", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


FEEDBACK_RECORD = (
    "project", "kind", "subject", "body", "status", "submitted_by", "created_at", "assignee",
    "assigned_at", "answer", "answered_at", "first_answered_at", "closed_at", "reopened_count",
    "version",
)


@admin.register(ClientFeedback)
class ClientFeedbackAdmin(HistoryAdmin):
    """Clients send feedback in the portal; here only the internal notes are edited."""

    list_display = ("reference", "subject", "project", "kind", "status", "submitted_by",
                    "assignee", "created_at", "first_answered_at")
    list_filter = ("status", "kind", "created_at")
    list_select_related = ("project", "submitted_by", "assignee")
    search_fields = ("subject", "body", "answer", "project__code", "project__name")
    fieldsets = (
        (None, {"fields": FEEDBACK_RECORD}),
        (_("internal"), {"fields": ("internal_notes",)}),
    )
    readonly_fields = FEEDBACK_RECORD
    inlines = [FeedbackEventInline]

    @admin.display(description=_("reference"), ordering="pk")
    def reference(self, obj):
        return obj.reference

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.update_internal_notes(
            user=request.user, feedback=obj, internal_notes=form.cleaned_data["internal_notes"],
        )
        vars(obj).update(vars(saved))

    def save_formset(self, request, form, formset, change):
        """The steps are written by the workflow services only."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
