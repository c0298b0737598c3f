"""The client's portal (P4.3): their own projects, client-safe fields only, and their rights.

Progress against plan, stage results, milestones and the problems reported to them (P4.3a), the
weekly reports the pm published, change requests (P4.3b) and quality feedback (P4.3c, P5.1b).
Every page is for clients only: to anyone else it does not exist (404), except the portal home,
which sends staff to their own list. Objects are looked up among the projects the permission
module lets the client see, so another organisation's project or request is a 404 as well.
Reads go through tasks.client (the one place that decides what a client sees of the plan) and
load only client-safe columns: no budget, costs, hours or internal notes.
"""
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ConflictError
from projects.attachments import attachments_of
from projects.dashboards import progress_curve
from projects.forms import add_service_errors
from projects.models import Attachment, ChangeRequest
from projects.permissions import can, require, visible_change_requests, visible_projects
from projects.selectors import portal_projects, project_pm
from projects.services import submit_change_request
from quality.models import ClientFeedback
from quality.selectors import visible_feedback
from quality.services import confirm_feedback, reopen_feedback, submit_feedback
from tasks.client import client_plan_rows, client_problems, progress_against_plan
from tasks.excel import CONTENT_TYPE
from tasks.models import PublishedReport

from . import exports
from .forms import ChangeRequestForm, ConfirmForm, FeedbackForm, ReopenForm

PAGE_SIZE = 20
# The project page shows the latest few of each list and links to the whole list.
RECENT = 5
PROBLEMS_SHOWN = 50
# The columns of a project a client may read (as the API's client serializer).
PROJECT_FIELDS = (
    "pk", "code", "name", "status", "percent_complete", "planned_start", "planned_end",
    "client_organization", "calendar",
)


def client_view(view):
    """Signed-in clients only; to anyone else a portal page does not exist."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_client:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _project(request, pk):
    """The client's own project, with client-safe columns only; anything else is a 404."""
    project = get_object_or_404(
        visible_projects(request.user).select_related("client_organization")
        .only(*PROJECT_FIELDS, "client_organization__name"), pk=pk,
    )
    require(request.user, "project.view", project)
    return project


def _owned(request, queryset, pk, action):
    """An object of one of the client's projects, checked by the permission module."""
    obj = get_object_or_404(
        queryset.filter(project__in=visible_projects(request.user).values("pk")), pk=pk
    )
    # The client-safe project row stands in for the full one the rule would otherwise load.
    obj.project = _project(request, obj.project_id)
    require(request.user, action, obj)
    return obj


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _attachment_counts(queryset, model):
    content_type = ContentType.objects.get_for_model(model)
    return queryset.annotate(attachment_count=Subquery(
        Attachment.objects.filter(content_type=content_type, object_id=OuterRef("pk"))
        .order_by().values("object_id").annotate(n=Count("pk")).values("n")[:1]
    ))


def _change_requests(request, project):
    return (
        visible_change_requests(request.user).filter(project=project)
        .defer("internal_notes").select_related("requested_by")
        .order_by("-created_at", "-id")
    )


def _feedback(request, project):
    return (
        visible_feedback(request.user).filter(project=project)
        .defer("internal_notes").select_related("submitted_by")
        .order_by("-created_at", "-id")
    )


def _reports(project):
    return (
        PublishedReport.objects.filter(project=project).defer("content")
        .select_related("published_by").order_by("-published_at", "-id")
    )


def _can_request_change(user, project):
    return project.is_open and can(user, "change_request.create", project)


# --- Home and project ------------------------------------------------------------------------

@login_required
def home(request):
    if not request.user.is_client:
        return redirect("projects:list")
    return render(request, "portal/home.html", {
        "projects": portal_projects(user=request.user),
    })


@client_view
def project_detail(request, pk):
    project = _project(request, pk)
    user = request.user
    actual, planned, baseline = progress_against_plan(project=project)
    variance = None if planned is None else actual - planned
    curve = progress_curve(project=project, baseline=baseline, today=timezone.localdate())
    tasks = client_plan_rows(project=project, baseline=baseline)
    milestones = [t for t in tasks if t.is_milestone]
    stages = [t for t in tasks if not t.is_milestone]
    problems = list(client_problems(project=project)[:PROBLEMS_SHOWN])
    change_requests = _change_requests(request, project)
    feedback = _feedback(request, project)
    reports = _reports(project)
    return render(request, "portal/project.html", {
        "project": project,
        "pm": project_pm(project=project),
        "actual": actual, "planned": planned, "variance": variance, "curve": curve,
        "variance_abs": None if variance is None else abs(variance),
        "position": exports.schedule_position(variance),
        "baseline": baseline,
        "stages": stages, "milestones": milestones,
        "open_problems": [p for p in problems if p.problem_resolved_at is None],
        "solved_problems": [p for p in problems if p.problem_resolved_at is not None],
        "latest_report": reports.first(),
        "report_count": reports.count(),
        "change_requests": list(change_requests[:RECENT]),
        "change_count": change_requests.count(),
        "feedback": list(feedback[:RECENT]),
        "feedback_count": feedback.count(),
        "can_request_change": _can_request_change(user, project),
        "can_send_feedback": can(user, "feedback.create", project),
    })


# --- Published weekly reports (项目周报) ------------------------------------------------------

@client_view
def report_list(request, pk):
    project = _project(request, pk)
    page = _page(request, _attachment_counts(_reports(project), PublishedReport))
    return render(request, "portal/report_list.html", {"project": project, "page": page})


def _report(request, pk):
    return _owned(request, PublishedReport.objects.select_related("published_by"), pk,
                  "report.view")


@client_view
def report_detail(request, pk):
    report = _report(request, pk)
    snapshot = exports.read_snapshot(report.content)
    newer = _reports(report.project).filter(published_at__gt=report.published_at).exists()
    return render(request, "portal/report_detail.html", {
        "project": report.project, "report": report, "snapshot": snapshot,
        "position_text": exports.position_text(snapshot),
        "variance_abs": None if snapshot.variance is None else abs(snapshot.variance),
        "attachments": attachments_of(report), "is_latest": not newer,
    })


@client_view
def report_xlsx(request, pk):
    report = _report(request, pk)
    response = HttpResponse(exports.published_report_workbook(report), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=exports.filename(report))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Change requests (变更申请, P4.3b) ---------------------------------------------------------

@client_view
def change_list(request, pk):
    project = _project(request, pk)
    page = _page(request, _attachment_counts(_change_requests(request, project), ChangeRequest))
    return render(request, "portal/change_list.html", {
        "project": project, "page": page,
        "can_request_change": _can_request_change(request.user, project),
    })


@client_view
def change_create(request, pk):
    project = _project(request, pk)
    if not project.is_open:
        messages.info(request, _("Changes can only be requested while the project is open."))
        return redirect("portal:change_list", pk=project.pk)
    require(request.user, "change_request.create", project)
    form = ChangeRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change_request = submit_change_request(
                user=request.user, project=project, title=data["title"],
                description=data["description"], reason=data["reason"],
                attachments=data["attachments"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _(
                "Your change request %(ref)s was submitted. The project manager will assess "
                "its impact on schedule, cost and quality; you will be notified at each step."
            ) % {"ref": change_request.reference})
            return redirect("portal:change_detail", pk=change_request.pk)
    return render(request, "portal/change_form.html", {"project": project, "form": form})


@client_view
def change_detail(request, pk):
    change_request = _owned(
        request,
        ChangeRequest.objects.defer("internal_notes").select_related(
            "requested_by", "assessed_by", "decided_by", "implemented_by", "baseline"),
        pk, "change_request.view",
    )
    return render(request, "portal/change_detail.html", {
        "project": change_request.project, "change": change_request,
        "steps": change_request.transitions.select_related("actor"),
        "attachments": attachments_of(change_request),
        "changed_tasks": change_request.changed_tasks.filter(client_visible=True)
        .only("pk", "wbs", "name", "sort_key").order_by("sort_key", "id"),
        "statuses": _change_progress(change_request),
        "schedule_abs": abs(change_request.schedule_impact_days or 0),
        "cost_abs": abs(change_request.cost_impact or 0),
    })


def _change_progress(change_request):
    """The request's way so far, for a stepper: [{label, state}], state done | next | todo."""
    S = ChangeRequest.Status
    rank = {S.SUBMITTED: 0, S.ASSESSED: 1, S.APPROVED: 2, S.REJECTED: 2, S.IMPLEMENTED: 3}
    reached = rank.get(change_request.status, 0)
    rejected = change_request.status == S.REJECTED
    decision = (
        _("Rejected") if rejected else _("Approved") if reached >= 2 else _("Decision")
    )
    labels = [_("Submitted"), _("Impact assessed"), decision]
    if not rejected:
        labels.append(_("Implemented"))
    return [
        {"label": label,
         "state": "done" if i <= reached else "next" if i == reached + 1 else "todo",
         "rejected": rejected and i == 2}
        for i, label in enumerate(labels)
    ]


# --- Client feedback (客户反馈, P4.3c, P5.1b) --------------------------------------------------

@client_view
def feedback_list(request, pk):
    project = _project(request, pk)
    page = _page(request, _attachment_counts(_feedback(request, project), ClientFeedback))
    return render(request, "portal/feedback_list.html", {
        "project": project, "page": page,
        "can_send_feedback": can(request.user, "feedback.create", project),
    })


@client_view
def feedback_create(request, pk):
    project = _project(request, pk)
    require(request.user, "feedback.create", project)
    form = FeedbackForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            feedback = submit_feedback(
                user=request.user, project=project, kind=data["kind"],
                subject=data["subject"], body=data["body"], attachments=data["attachments"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _(
                "Thank you. Your feedback %(ref)s was received; customer service will pass it "
                "to the person responsible and you will be notified of the answer."
            ) % {"ref": feedback.reference})
            return redirect("portal:feedback_detail", pk=feedback.pk)
    return render(request, "portal/feedback_form.html", {"project": project, "form": form})


def _feedback_item(request, pk):
    return _owned(
        request,
        ClientFeedback.objects.defer("internal_notes").select_related("submitted_by", "assignee"),
        pk, "feedback.view",
    )


def _render_feedback(request, feedback, *, confirm_form=None, reopen_form=None, status=200):
    events = list(feedback.events.select_related("actor"))
    for event in events:
        # What the team said to each other when assigning stays inside; the client reads the
        # answer itself and their own comments.
        event.show_comment = bool(event.comment) and event.actor.is_client
    may_reply = (
        feedback.status == ClientFeedback.Status.ANSWERED
        and can(request.user, "feedback.close", feedback)
    )
    return render(request, "portal/feedback_detail.html", {
        "project": feedback.project, "feedback": feedback, "events": events,
        "attachments": attachments_of(feedback), "may_reply": may_reply,
        "confirm_form": confirm_form or ConfirmForm(prefix="confirm"),
        "reopen_form": reopen_form or ReopenForm(prefix="reopen"),
    }, status=status)


@client_view
def feedback_detail(request, pk):
    return _render_feedback(request, _feedback_item(request, pk))


@client_view
@require_POST
def feedback_confirm(request, pk):
    feedback = _feedback_item(request, pk)
    form = ConfirmForm(request.POST, prefix="confirm")
    if not form.is_valid():
        return _render_feedback(request, feedback, confirm_form=form, status=400)
    try:
        confirm_feedback(user=request.user, feedback=feedback,
                         comment=form.cleaned_data["comment"])
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you for confirming: %(ref)s is closed.")
                         % {"ref": feedback.reference})
    return redirect("portal:feedback_detail", pk=feedback.pk)


@client_view
@require_POST
def feedback_reopen(request, pk):
    feedback = _feedback_item(request, pk)
    form = ReopenForm(request.POST, prefix="reopen")
    if form.is_valid():
        try:
            reopen_feedback(user=request.user, feedback=feedback,
                            comment=form.cleaned_data["comment"])
        except ValidationError as error:
            add_service_errors(form, error)
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect("portal:feedback_detail", pk=feedback.pk)
        else:
            messages.success(request, _(
                "%(ref)s is open again; we will look into it and answer you."
            ) % {"ref": feedback.reference})
            return redirect("portal:feedback_detail", pk=feedback.pk)
    return _render_feedback(request, feedback, reopen_form=form, status=400)
