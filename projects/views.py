"""Pages of initiation and team (P3.1a, P3.1b, P3.2c): lists, forms and the activity timeline.

Views stay thin: `permissions.require` decides who may open a page, services make every
change, selectors shape every read.
"""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ConflictError, InvalidTransition, StaleVersion
from tasks.reports import open_problem_tasks

from . import selectors, services
from .filters import InitiationFilter, ProjectFilter
from .forms import (
    ActionItemFormSet,
    DecisionForm,
    InitiationForm,
    MeetingForm,
    MemberEditForm,
    MemberForm,
    action_item_initial,
    add_service_errors,
)
from .models import InitiationRequest, Meeting, Membership, Project
from .permissions import can, require

PAGE_SIZE = 25


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _internal_only(user):
    """Clients have no internal pages at all: answer as if the page did not exist."""
    if user.is_client:
        raise Http404


def _project(request, pk, action="project.view_internal"):
    project = get_object_or_404(
        Project.objects.select_related("client_organization", "initiation"), pk=pk
    )
    require(request.user, action, project)
    return project


def _project_context(request, project, tab):
    user = request.user
    return {
        "project": project,
        "tab": tab,
        "can_manage_members": can(user, "membership.manage", project),
        "can_manage_meetings": can(user, "meeting.manage", project),
        "today": timezone.localdate(),
    }


# --- Projects -----------------------------------------------------------------------------

@login_required
def project_list(request):
    if request.user.is_client:
        return redirect("portal:home")
    sort = request.GET.get("sort") or "code"
    if sort.lstrip("-") not in selectors.PROJECT_SORTS:
        sort = "code"
    filterset = ProjectFilter(
        request.GET, queryset=selectors.project_list(user=request.user, sort=sort)
    )
    status_field = filterset.form.fields["status"]
    status_field.widget = forms.CheckboxSelectMultiple(
        choices=status_field.choices, attrs={"class": "form-check-input"}
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/project_list.html", {
        "filterset": filterset, "page": page, "sort": sort,
        "filtered": any(request.GET.get(k) for k in ("status", "pm", "client_organization",
                                                     "search")),
    })


@login_required
def project_detail(request, pk):
    project = get_object_or_404(selectors.project_for_page_queryset(), pk=pk)
    require(request.user, "project.view_internal", project)
    context = _project_context(request, project, "overview")
    context.update(selectors.project_overview(project=project))
    context["pm"] = next((m.user for m in context["members"] if m.role == Membership.Role.PM),
                         None)
    # P3.2a: problems members reported stay in sight until the pm or assistant solves them.
    context["open_problems"] = open_problem_tasks(project=project)
    context["can_resolve"] = can(request.user, "progress.report_any", project)
    return render(request, "projects/project_detail.html", context)


# --- Team (P3.1b) ---------------------------------------------------------------------------

@login_required
def members(request, pk):
    project = _project(request, pk)
    form = None
    if can(request.user, "membership.manage", project):
        form = MemberForm(request.POST or None, project=project)
        if request.method == "POST" and form.is_valid():
            try:
                membership = services.add_member(
                    user=request.user, project=project, member=form.cleaned_data["user"],
                    role=form.cleaned_data["role"], team=form.cleaned_data["team"],
                    duties=form.cleaned_data["duties"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(user)s joined the team as %(role)s.") % {
                    "user": membership.user, "role": membership.get_role_display()})
                return redirect("projects:members", pk=project.pk)
    elif request.method == "POST":
        raise PermissionDenied
    context = _project_context(request, project, "members")
    context.update({"members": selectors.members_of(project=project), "form": form})
    return render(request, "projects/members.html", context)


def _membership(request, pk, member_pk, action):
    project = _project(request, pk)
    require(request.user, action, project)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "user__department", "project"),
        pk=member_pk, project=project,
    )
    return project, membership


def _member_row(request, project, membership, **extra):
    return render(request, "projects/_member_row.html", {
        "project": project, "m": membership,
        "can_manage_members": can(request.user, "membership.manage", project), **extra,
    })


@login_required
def member_row(request, pk, member_pk):
    project, membership = _membership(request, pk, member_pk, "project.view_internal")
    if not _is_htmx(request):
        return redirect("projects:members", pk=project.pk)
    return _member_row(request, project, membership)


@login_required
def member_edit(request, pk, member_pk):
    project, membership = _membership(request, pk, member_pk, "membership.manage")
    form = MemberEditForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.update_member(
                user=request.user, membership=membership,
                expected_version=form.cleaned_data.get("version"),
                role=form.cleaned_data["role"], team=form.cleaned_data["team"],
                duties=form.cleaned_data["duties"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleVersion as error:
            form.add_error(None, error.message)
        else:
            membership = Membership.objects.select_related("user", "user__department").get(
                pk=membership.pk
            )
            if _is_htmx(request):
                return _member_row(request, project, membership, saved=True)
            messages.success(request, _("The team member was updated."))
            return redirect("projects:members", pk=project.pk)
    if _is_htmx(request):
        return render(request, "projects/_member_edit_row.html", {
            "project": project, "m": membership, "form": form,
        })
    context = _project_context(request, project, "members")
    context.update({"m": membership, "form": form})
    return render(request, "projects/member_edit.html", context)


@login_required
@require_POST
def member_remove(request, pk, member_pk):
    project, membership = _membership(request, pk, member_pk, "membership.manage")
    try:
        services.remove_member(user=request.user, membership=membership)
    except ConflictError as error:
        if _is_htmx(request):
            return _member_row(request, project, membership, error=error.message)
        messages.error(request, error.message)
    else:
        if _is_htmx(request):
            return HttpResponse("")
        messages.success(request, _("%(user)s was removed from the team.") % {
            "user": membership.user})
    return redirect("projects:members", pk=project.pk)


# --- Meetings (P3.1b kick-off, P3.2c) ------------------------------------------------------

@login_required
def meeting_list(request, pk):
    project = _project(request, pk, "meeting.view")
    page = Paginator(selectors.meetings_of(project=project), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = _project_context(request, project, "meetings")
    context["page"] = page
    return render(request, "projects/meeting_list.html", context)


def _meeting_forms(request, project, meeting=None):
    users = list(selectors.member_users(project=project))
    data = request.POST if request.method == "POST" else None
    if meeting is None:
        has_kickoff = Meeting.objects.filter(project=project, kind=Meeting.Kind.KICKOFF).exists()
        initial = {} if has_kickoff else {
            "kind": Meeting.Kind.KICKOFF, "title": _("Project kick-off meeting"),
        }
        form = MeetingForm(data, users=users, initial=initial)
        formset = ActionItemFormSet(data, prefix="actions", form_kwargs={"users": users})
    else:
        form = MeetingForm(data, users=users, instance=meeting)
        formset = ActionItemFormSet(
            data, prefix="actions", form_kwargs={"users": users},
            initial=None if data else action_item_initial(meeting),
        )
    return form, formset


def _render_meeting_form(request, project, form, formset, meeting=None):
    context = _project_context(request, project, "meetings")
    context.update({"form": form, "formset": formset, "meeting": meeting})
    return render(request, "projects/meeting_form.html", context)


@login_required
def meeting_create(request, pk):
    project = _project(request, pk, "meeting.manage")
    form, formset = _meeting_forms(request, project)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            meeting = services.record_meeting(
                user=request.user, project=project, attendees=form.cleaned_data["attendees"],
                action_items=formset.action_items(), **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting was recorded."))
            return redirect(meeting.get_absolute_url())
    return _render_meeting_form(request, project, form, formset)


def _meeting(request, pk, meeting_pk, action):
    project = _project(request, pk, action)
    try:
        meeting = selectors.meeting_for_page(project=project, pk=meeting_pk)
    except Meeting.DoesNotExist:
        raise Http404 from None
    return project, meeting


@login_required
def meeting_detail(request, pk, meeting_pk):
    project, meeting = _meeting(request, pk, meeting_pk, "meeting.view")
    context = _project_context(request, project, "meetings")
    context["meeting"] = meeting
    return render(request, "projects/meeting_detail.html", context)


@login_required
def meeting_edit(request, pk, meeting_pk):
    project, meeting = _meeting(request, pk, meeting_pk, "meeting.manage")
    form, formset = _meeting_forms(request, project, meeting)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            meeting = services.update_meeting(
                user=request.user, meeting=meeting, attendees=form.cleaned_data["attendees"],
                action_items=formset.action_items(),
                expected_version=form.cleaned_data.get("version"), **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleVersion as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The meeting was updated."))
            return redirect(meeting.get_absolute_url())
    return _render_meeting_form(request, project, form, formset, meeting)


@login_required
@require_POST
def meeting_delete(request, pk, meeting_pk):
    project, meeting = _meeting(request, pk, meeting_pk, "meeting.manage")
    services.delete_meeting(user=request.user, meeting=meeting)
    messages.success(request, _("The meeting “%(title)s” was deleted.") % {
        "title": meeting.title})
    return redirect("projects:meetings", pk=project.pk)


# --- Activity -------------------------------------------------------------------------------

@login_required
def activity(request, pk):
    project = _project(request, pk)
    context = _project_context(request, project, "activity")
    context["page"] = selectors.activity_page(
        project=project, page_number=request.GET.get("page") or 1
    )
    return render(request, "projects/activity.html", context)


# --- Initiation (P3.1a) ---------------------------------------------------------------------

@login_required
def initiation_list(request):
    _internal_only(request.user)
    filterset = InitiationFilter(
        request.GET, queryset=selectors.initiation_list(user=request.user)
    )
    status_field = filterset.form.fields["status"]
    status_field.widget = forms.CheckboxSelectMultiple(
        choices=status_field.choices, attrs={"class": "form-check-input"}
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/initiation_list.html", {
        "filterset": filterset, "page": page,
        "can_create": can(request.user, "initiation.create"),
    })


@login_required
def initiation_create(request):
    require(request.user, "initiation.create")
    form = InitiationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            initiation = services.create_initiation(user=request.user, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if "submit" in request.POST:
                return _submit(request, initiation)
            messages.success(request, _("The initiation request was saved as a draft."))
            return redirect(initiation)
    return render(request, "projects/initiation_form.html", {"form": form})


def _initiation(request, pk, action):
    _internal_only(request.user)
    try:
        initiation = selectors.initiation_for_page(pk=pk)
    except InitiationRequest.DoesNotExist:
        raise Http404 from None
    require(request.user, action, initiation)
    return initiation


@login_required
def initiation_edit(request, pk):
    initiation = _initiation(request, pk, "initiation.change")
    if not initiation.is_editable:
        messages.error(request, _("Only a draft or a returned request can be edited."))
        return redirect(initiation)
    form = InitiationForm(request.POST or None, instance=initiation)
    if request.method == "POST" and form.is_valid():
        try:
            initiation = services.update_initiation(
                user=request.user, request=initiation,
                expected_version=form.cleaned_data.get("version"), **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleVersion as error:
            form.add_error(None, error.message)
        except InvalidTransition as error:
            messages.error(request, error.message)
            return redirect(initiation)
        else:
            if "submit" in request.POST:
                return _submit(request, initiation)
            messages.success(request, _("The initiation request was saved."))
            return redirect(initiation)
    return render(request, "projects/initiation_form.html", {
        "form": form, "initiation": initiation,
    })


def _initiation_context(request, initiation, decision_form=None):
    user = request.user
    is_open = initiation.status in (InitiationRequest.Status.DRAFT,
                                    InitiationRequest.Status.RETURNED)
    is_submitted = initiation.status == InitiationRequest.Status.SUBMITTED
    project = getattr(initiation, "project", None) if initiation.status == "approved" else None
    return {
        "initiation": initiation,
        "transitions": [t for t in initiation.transitions.all()
                        if t.from_status != t.to_status],
        "created": next(iter(initiation.transitions.all()), None),
        "can_edit": is_open and can(user, "initiation.change", initiation),
        "can_submit": is_open and can(user, "initiation.submit", initiation),
        "can_decide": is_submitted and can(user, "initiation.decide", initiation),
        "decision_form": decision_form or DecisionForm(initial={"version": initiation.version}),
        "project": project if project and can(user, "project.view_internal", project) else None,
    }


@login_required
def initiation_detail(request, pk):
    initiation = _initiation(request, pk, "initiation.view")
    return render(request, "projects/initiation_detail.html",
                  _initiation_context(request, initiation))


def _submit(request, initiation):
    try:
        services.submit_initiation(user=request.user, request=initiation)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The request was submitted to management for approval."))
    return redirect("projects:initiation_detail", pk=initiation.pk)


@login_required
@require_POST
def initiation_submit(request, pk):
    initiation = _initiation(request, pk, "initiation.submit")
    return _submit(request, initiation)


DECISIONS = {
    "approve": (services.approve_initiation, "approved"),
    "reject": (services.reject_initiation, "rejected"),
    "return": (services.return_initiation, "returned"),
}


@login_required
@require_POST
def initiation_decide(request, pk, decision):
    initiation = _initiation(request, pk, "initiation.decide")
    service, _status = DECISIONS[decision]
    form = DecisionForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    try:
        result = service(user=request.user, request=initiation, comment=comment,
                         expected_version=form.cleaned_data.get("version"))
    except ValidationError as error:
        add_service_errors(form, error)
        return render(request, "projects/initiation_detail.html",
                      _initiation_context(request, initiation, decision_form=form))
    except ConflictError as error:
        messages.error(request, error.message)
        return redirect(initiation)
    if decision == "approve":
        _request, project = result
        messages.success(request, _("Approved: project %(project)s now exists.") % {
            "project": project})
        return redirect(project)
    messages.success(request, {
        "reject": _("The request “%(title)s” was rejected."),
        "return": _("The request “%(title)s” was returned to its requester."),
    }[decision] % {"title": initiation.title})
    return redirect("projects:approvals")


@login_required
def approvals(request):
    from .models import ChangeRequest
    from .permissions import visible_change_requests

    require(request.user, "initiation.inbox")
    page = Paginator(selectors.approval_inbox(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # Change requests assessed by their pm and waiting for a decision (P4.3b), oldest first.
    changes = visible_change_requests(request.user).filter(
        status=ChangeRequest.Status.ASSESSED
    ).select_related("project", "requested_by", "assessed_by").order_by("assessed_at", "id")
    return render(request, "projects/approvals.html", {"page": page, "changes": changes})
