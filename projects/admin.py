"""Django admin for initiation and team; every write that has a rule goes through the services."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.errors import ConflictError

from . import services
from .models import (
    ActionItem,
    Attachment,
    ChangeRequest,
    ChangeRequestTransition,
    InitiationRequest,
    InitiationTransition,
    Meeting,
    Membership,
    Project,
)

Status = InitiationRequest.Status


class HistoryAdmin(SimpleHistoryAdmin):
    """History to read; no revert, which would rewrite whole rows around the services' rules."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


# --- Initiation (P3.1a) ---------------------------------------------------------------------

class InitiationTransitionInline(admin.TabularInline):
    model = InitiationTransition
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


@admin.register(InitiationRequest)
class InitiationRequestAdmin(HistoryAdmin):
    """Status moves only through the workflow services (the approve action below)."""

    list_display = ("title", "status", "requester", "proposed_pm", "department",
                    "planned_start", "planned_end", "budget", "submitted_at")
    list_filter = ("status", "department", "client_organization", "planned_start")
    list_select_related = ("requester", "proposed_pm", "department")
    search_fields = ("title", "background", "goals", "requester__username",
                     "requester__display_name", "proposed_pm__username",
                     "proposed_pm__display_name")
    autocomplete_fields = ("proposed_pm", "client_organization", "calendar")
    readonly_fields = ("status", "requester", "department", "created_at", "submitted_at",
                       "version")
    fieldsets = (
        (None, {"fields": ("title", "status", "requester", "department", "proposed_pm",
                           "client_organization")}),
        (_("application"), {"fields": ("background", "goals", "scope", "expected_benefits")}),
        (_("plan"), {"fields": ("planned_start", "planned_end", "budget", "calendar")}),
        (_("record"), {"fields": ("created_at", "submitted_at", "version")}),
    )
    inlines = [InitiationTransitionInline]
    actions = ["approve_selected"]

    def get_readonly_fields(self, request, obj=None):
        # Like the pages: only the requester edits, and only a draft or returned request.
        if obj is not None and not (obj.is_editable and obj.requester_id == request.user.pk):
            return (*self.readonly_fields, *services.INITIATION_FIELDS)
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.INITIATION_FIELDS
                  if name in form.cleaned_data}
        if change:
            if not fields:
                return
            saved = services.update_initiation(
                user=request.user, request=obj, expected_version=obj.version, **fields
            )
        else:
            saved = services.create_initiation(user=request.user, **fields)
        vars(obj).update(vars(saved))

    @admin.action(description=_("Approve selected submitted requests"))
    def approve_selected(self, request, queryset):
        for initiation in queryset.order_by("pk"):
            title = initiation.title
            if initiation.status != Status.SUBMITTED:
                self.message_user(request, _(
                    "“%(title)s” was not approved: it is %(status)s, not submitted."
                ) % {"title": title, "status": initiation.get_status_display()}, messages.WARNING)
                continue
            try:
                _request, project = services.approve_initiation(
                    user=request.user, request=initiation
                )
            except (PermissionDenied, Http404):
                self.message_user(request, _(
                    "You may not approve “%(title)s”."
                ) % {"title": title}, messages.ERROR)
            except ConflictError as exc:
                self.message_user(request, _("“%(title)s” was not approved: %(reason)s") % {
                    "title": title, "reason": exc.message}, messages.ERROR)
            except ValidationError as exc:
                self.message_user(request, _("“%(title)s” was not approved: %(reason)s") % {
                    "title": title, "reason": " ".join(exc.messages)}, messages.ERROR)
            else:
                self.message_user(request, _(
                    "“%(title)s” approved: project %(project)s created."
                ) % {"title": title, "project": project}, messages.SUCCESS)


@admin.register(InitiationTransition)
class InitiationTransitionAdmin(admin.ModelAdmin):
    """The workflow's audit trail: read-only."""

    list_display = ("request", "from_status", "to_status", "actor", "created_at")
    list_filter = ("to_status", "created_at")
    list_select_related = ("request", "actor")
    search_fields = ("request__title", "comment", "actor__username", "actor__display_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Project and team (P3.1b) ---------------------------------------------------------------

class MembershipForm(forms.ModelForm):
    """Checks the team rules of the services (client members, active users) as form errors."""

    project_for_validation = None

    class Meta:
        model = Membership
        fields = ("project", "user", "role", "team", "duties")

    def clean(self):
        cleaned = super().clean()
        project = (cleaned.get("project") or self.project_for_validation
                   or (self.instance.project if self.instance.project_id else None))
        user = cleaned.get("user") or (self.instance.user if self.instance.user_id else None)
        if project is None or user is None or "role" not in cleaned:
            return cleaned
        membership = Membership(
            project=project, user=user, role=cleaned["role"], team=cleaned.get("team") or "",
            duties=cleaned.get("duties") or "",
        )
        try:
            services._validate_membership(membership)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and set(exc.error_dict) <= set(self.fields):
                self.add_error(None, exc)
            else:
                raise ValidationError(exc.messages) from None
        return cleaned


class MembershipFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.project_for_validation = self.instance
        return form

    def clean(self):
        super().clean()
        pms = 0
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            initial_role = form.initial.get("role") if form.instance.pk else None
            if self._should_delete_form(form):
                if initial_role == Membership.Role.PM:
                    raise ValidationError(_(
                        "The project manager cannot be removed; appoint another project "
                        "manager first."
                    ))
                continue
            if form.instance.pk and "user" in form.changed_data:
                form.add_error("user", _(
                    "To replace a member, remove the row and add a new one."
                ))
            if form.cleaned_data.get("role") == Membership.Role.PM:
                pms += 1
        if pms > 1:
            raise ValidationError(_("The project already has a project manager."))


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    formset = MembershipFormSet
    fields = ("user", "role", "team", "duties")
    autocomplete_fields = ("user",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


def save_memberships(request, project, formset):
    """Apply an inline formset of memberships through the team services."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.initial_forms:
        if formset._should_delete_form(form):
            services.remove_member(user=request.user, membership=form.instance)
            formset.deleted_objects.append(form.instance)
        elif form.has_changed():
            data = form.cleaned_data
            membership = services.update_member(
                user=request.user, membership=form.instance, role=data["role"],
                team=data.get("team"), duties=data.get("duties"),
            )
            formset.changed_objects.append((membership, form.changed_data))
    for form in formset.extra_forms:
        if form.has_changed() and not formset._should_delete_form(form):
            data = form.cleaned_data
            membership = services.add_member(
                user=request.user, project=project, member=data["user"], role=data["role"],
                team=data.get("team"), duties=data.get("duties"),
            )
            formset.new_objects.append(membership)


@admin.register(Project)
class ProjectAdmin(HistoryAdmin):
    list_display = ("code", "name", "status", "client_organization", "department",
                    "planned_start", "planned_end", "percent_complete")
    list_filter = ("status", "client_organization", "department", "planned_start")
    list_select_related = ("client_organization", "department")
    search_fields = ("code", "name", "description")
    autocomplete_fields = ("client_organization", "department", "calendar", "initiation")
    # % complete is rolled up from the tasks, the initiation link is made by approval.
    readonly_fields = ("percent_complete", "created_at", "version")
    fieldsets = (
        (None, {"fields": ("code", "name", "status", "description", "initiation")}),
        (_("client and department"), {"fields": ("client_organization", "department")}),
        (_("plan"), {"fields": ("planned_start", "planned_end", "calendar", "budget",
                                "percent_complete")}),
        (_("internal"), {"fields": ("internal_notes", "created_at", "version")}),
    )
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return (*self.readonly_fields, "initiation")
        return self.readonly_fields

    def save_formset(self, request, form, formset, change):
        if formset.model is Membership:
            save_memberships(request, form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    form = MembershipForm
    list_display = ("user", "project", "role", "team", "joined_at")
    list_filter = ("role", "team", "project__status")
    list_select_related = ("user", "project")
    search_fields = ("user__username", "user__display_name", "project__code", "project__name",
                     "duties")
    autocomplete_fields = ("project", "user")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("project", "user", "joined_at")
        return ("joined_at",)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.update_member(
                user=request.user, membership=obj, role=data["role"], team=data.get("team"),
                duties=data.get("duties"),
            )
        else:
            saved = services.add_member(
                user=request.user, project=data["project"], member=data["user"],
                role=data["role"], team=data.get("team"), duties=data.get("duties"),
            )
        vars(obj).update(vars(saved))

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.role == Membership.Role.PM:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.remove_member(user=request.user, membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("project"):
            try:
                services.remove_member(user=request.user, membership=membership)
            except (ConflictError, PermissionDenied, Http404) as exc:
                self.message_user(request, _("%(member)s was not removed: %(reason)s") % {
                    "member": membership, "reason": getattr(exc, "message", "")},
                    messages.ERROR)


# --- Meetings (P3.1b kick-off, P3.2c regular meetings) --------------------------------------

class ActionItemInline(admin.TabularInline):
    model = ActionItem
    fields = ("description", "owner", "due_date", "is_done")
    autocomplete_fields = ("owner",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner")


@admin.register(Meeting)
class MeetingAdmin(HistoryAdmin):
    list_display = ("title", "project", "kind", "held_at", "location", "recorded_by")
    list_filter = ("kind", "held_at", "project__status")
    list_select_related = ("project", "recorded_by")
    search_fields = ("title", "minutes", "decisions", "project__code", "project__name")
    autocomplete_fields = ("project", "attendees")
    readonly_fields = ("recorded_by", "created_at", "version")
    fields = ("project", "kind", "title", "held_at", "location", "attendees", "minutes",
              "decisions", "recorded_by", "created_at", "version")
    inlines = [ActionItemInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ("description", "meeting", "project", "owner", "due_date", "is_done")
    list_filter = ("is_done", "due_date")
    list_select_related = ("meeting__project", "owner")
    list_editable = ("is_done",)
    search_fields = ("description", "meeting__title", "owner__username", "owner__display_name")
    autocomplete_fields = ("meeting", "owner")

    @admin.display(description=_("project"), ordering="meeting__project__code")
    def project(self, obj):
        return obj.meeting.project


# --- Change requests (P4.3b) ----------------------------------------------------------------

class ChangeRequestTransitionInline(admin.TabularInline):
    model = ChangeRequestTransition
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


CHANGE_REQUEST_FIELDS = ("project", "title", "description", "reason")
CHANGE_REQUEST_RECORD = (
    "status", "requested_by", "created_at", "schedule_impact_days", "cost_impact",
    "quality_impact", "assessed_by", "assessed_at", "decided_by", "decided_at",
    "decision_reason", "implemented_by", "implemented_at", "changed_tasks",
    "previous_baseline", "baseline", "version",
)


class ChangeRequestForm(forms.ModelForm):
    class Meta:
        model = ChangeRequest
        fields = ("project", "title", "description", "reason", "internal_notes")

    def clean(self):
        cleaned = super().clean()
        project = cleaned.get("project")
        if self.instance.pk is None and project is not None and not project.is_open:
            self.add_error("project", _("Changes can only be requested while the project is "
                                        "open."))
        return cleaned


@admin.register(ChangeRequest)
class ChangeRequestAdmin(HistoryAdmin):
    """Filed through the service; the workflow moves on the pages, so only notes are edited."""

    form = ChangeRequestForm

    list_display = ("reference", "title", "project", "status", "requested_by",
                    "schedule_impact_days", "cost_impact", "decided_by", "created_at")
    list_filter = ("status", "created_at")
    list_select_related = ("project", "requested_by", "decided_by")
    search_fields = ("title", "description", "reason", "project__code", "project__name")
    autocomplete_fields = ("project",)
    fieldsets = (
        (None, {"fields": CHANGE_REQUEST_FIELDS}),
        (_("workflow"), {"fields": CHANGE_REQUEST_RECORD}),
        (_("internal"), {"fields": ("internal_notes",)}),
    )
    inlines = [ChangeRequestTransitionInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return CHANGE_REQUEST_RECORD
        return (*CHANGE_REQUEST_FIELDS, *CHANGE_REQUEST_RECORD)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": CHANGE_REQUEST_FIELDS}),)
        return self.fieldsets

    @admin.display(description=_("reference"), ordering="pk")
    def reference(self, obj):
        return obj.reference

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.update_change_notes(
                user=request.user, change_request=obj, internal_notes=data["internal_notes"],
            )
        else:
            saved = services.submit_change_request(
                user=request.user, project=data["project"], title=data["title"],
                description=data["description"], reason=data["reason"],
            )
        vars(obj).update(vars(saved))

    def save_formset(self, request, form, formset, change):
        """The steps are written by the workflow services only."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Uploaded files, to look up; they come and go with what they are attached to."""

    list_display = ("name", "project", "content_type", "object_id", "size", "mime_type",
                    "uploaded_by", "created_at")
    list_filter = ("content_type", "mime_type", "created_at")
    list_select_related = ("project", "content_type", "uploaded_by")
    search_fields = ("name", "project__code", "project__name")
    fields = ("name", "project", "content_type", "object_id", "size", "mime_type",
              "uploaded_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
