"""Change-request pages inside the company (P4.3b): the list, filing one for the client, and the
request with its impact assessment, decision, implementation and the plan changes it made.

The client files and follows requests in the portal; here the pm assesses and implements them
and management (or the pm) decides. Every step is a service in projects.services; a step that
no longer fits the request's state (someone else acted first) is a message, not an error page.
"""
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from config.errors import ConflictError
from tasks.models import BaselineTask, Task
from tasks.services import engine_calendar
from tasks.views import working_day_slip

from . import services
from .attachments import attachments_of
from .forms import add_service_errors
from .forms_changes import (
    AssessForm,
    ChangeDecisionForm,
    ChangeNotesForm,
    ChangeRequestForm,
    ImplementForm,
)
from .models import ChangeRequest
from .permissions import can, require
from .views import PAGE_SIZE, _project, _project_context
from .views_steps import run_step

Status = ChangeRequest.Status
# The list's status tabs: "open" is everything still waiting for someone at the company.
OPEN_STATUSES = (Status.SUBMITTED, Status.ASSESSED, Status.APPROVED)
FILTERS = ("open", *Status.values, "all")


def _change_request(request, pk, change_pk):
    project = _project(request, pk)
    change_request = get_object_or_404(
        ChangeRequest.objects.select_related(
            "project", "project__calendar", "requested_by", "assessed_by", "decided_by",
            "implemented_by", "baseline", "previous_baseline",
        ), pk=change_pk, project=project,
    )
    require(request.user, "change_request.view", change_request)
    return project, change_request


@login_required
def change_list(request, pk):
    project = _project(request, pk)
    chosen = request.GET.get("status") or "open"
    if chosen not in FILTERS:
        chosen = "open"
    rows = ChangeRequest.objects.filter(project=project).select_related(
        "requested_by", "decided_by")
    counts = dict(
        ChangeRequest.objects.filter(project=project).order_by().values_list("status")
        .annotate(n=Count("pk"))
    )
    if chosen == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif chosen != "all":
        rows = rows.filter(status=chosen)
    tabs = [("open", _("Open"), sum(counts.get(s, 0) for s in OPEN_STATUSES))]
    tabs += [(value, label, counts.get(value, 0)) for value, label in Status.choices]
    tabs.append(("all", _("All"), sum(counts.values())))
    context = _project_context(request, project, "changes")
    context.update({
        "page": Paginator(rows.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
            request.GET.get("page")),
        "status": chosen, "tabs": tabs,
        "can_create": project.is_open and can(request.user, "change_request.create", project),
    })
    return render(request, "projects/change_list.html", context)


@login_required
def change_create(request, pk):
    project = _project(request, pk)
    require(request.user, "change_request.create", project)
    form = ChangeRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            change_request = services.submit_change_request(
                user=request.user, project=project, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Change request %(ref)s was filed.") % {
                "ref": change_request.reference})
            return redirect(change_request)
    context = _project_context(request, project, "changes")
    context["form"] = form
    return render(request, "projects/change_form.html", context)


# --- The request and its steps --------------------------------------------------------------

@dataclass
class PlanChange:
    """A task whose planned dates differ between the baselines before and after the change."""

    task: object
    old_start: date | None
    old_end: date | None
    new_start: date | None
    new_end: date | None
    slip: int | None = None  # working days the finish moved
    added: bool = False


def plan_changes(change_request):
    """Tasks added or moved between the baseline before the change and the one after it."""
    after, before = change_request.baseline, change_request.previous_baseline
    if after is None or before is None:
        return []
    old = {row[0]: row[1:] for row in BaselineTask.objects.filter(baseline=before)
           .values_list("task_id", "planned_start", "planned_end")}
    calendar = engine_calendar(change_request.project.calendar)
    changes = []
    rows = (BaselineTask.objects.filter(baseline=after).select_related("task")
            .only("planned_start", "planned_end", "task__id", "task__wbs", "task__name",
                  "task__sort_key", "task__project")
            .order_by("task__sort_key", "task_id"))
    for row in rows:
        if row.task_id not in old:
            changes.append(PlanChange(row.task, None, None, row.planned_start, row.planned_end,
                                      added=True))
            continue
        old_start, old_end = old[row.task_id]
        if (old_start, old_end) != (row.planned_start, row.planned_end):
            changes.append(PlanChange(
                row.task, old_start, old_end, row.planned_start, row.planned_end,
                working_day_slip(calendar, row.planned_end, old_end) or 0,
            ))
    return changes


def _finish_slip(change_request):
    after, before = change_request.baseline, change_request.previous_baseline
    if after is None or before is None:
        return None
    return working_day_slip(engine_calendar(change_request.project.calendar),
                            after.project_finish, before.project_finish)


def _project_tasks(project):
    return list(Task.objects.filter(project=project).only("pk", "wbs", "name", "sort_key")
                .order_by("sort_key", "id"))


def _detail_context(request, project, change_request, **forms):
    user = request.user
    status = change_request.status
    can_assess = status in (Status.SUBMITTED, Status.ASSESSED) and can(
        user, "change_request.assess", change_request)
    can_decide = status == Status.ASSESSED and can(user, "change_request.decide", change_request)
    can_implement = status == Status.APPROVED and can(
        user, "change_request.implement", change_request)
    can_edit_notes = can(user, "change_request.edit_internal", change_request)
    context = _project_context(request, project, "changes")
    context.update({
        "cr": change_request,
        "transitions": list(change_request.transitions.select_related("actor")),
        "attachments": list(attachments_of(change_request)),
        "changed_tasks": list(change_request.changed_tasks.only("pk", "wbs", "name")
                              .order_by("sort_key", "id")),
        "plan_changes": plan_changes(change_request),
        "finish_slip": _finish_slip(change_request),
        "can_assess": can_assess,
        "can_decide": can_decide,
        "can_implement": can_implement,
        "can_edit_notes": can_edit_notes,
        "assess_form": forms.get("assess_form") or (
            AssessForm(instance=change_request) if can_assess else None),
        "decision_form": forms.get("decision_form") or (
            ChangeDecisionForm(instance=change_request) if can_decide else None),
        "implement_form": forms.get("implement_form") or (
            ImplementForm(instance=change_request, tasks=_project_tasks(project))
            if can_implement else None),
        "notes_form": forms.get("notes_form") or (
            ChangeNotesForm(instance=change_request) if can_edit_notes else None),
    })
    return context


def _render_detail(request, project, change_request, **forms):
    return render(request, "projects/change_detail.html",
                  _detail_context(request, project, change_request, **forms))


@login_required
def change_detail(request, pk, change_pk):
    project, change_request = _change_request(request, pk, change_pk)
    return _render_detail(request, project, change_request)


def _act(request, project, change_request, *, form, form_name, call, success):
    """Run a step's service (see views_steps.run_step)."""
    return run_step(
        request, change_request, form=form, call=call, success=success,
        stale_message=_("Someone else changed this change request meanwhile. Check it and try "
                        "again."),
        reload=lambda: _change_request(request, project.pk, change_request.pk)[1],
        render_page=lambda fresh: _render_detail(request, project, fresh, **{form_name: form}),
    )


@login_required
@require_POST
def change_assess(request, pk, change_pk):
    project, change_request = _change_request(request, pk, change_pk)
    require(request.user, "change_request.assess", change_request)
    form = AssessForm(request.POST)
    return _act(
        request, project, change_request, form=form, form_name="assess_form",
        call=lambda data: services.assess_change_request(
            user=request.user, change_request=change_request,
            schedule_impact_days=data["schedule_impact_days"], cost_impact=data["cost_impact"],
            quality_impact=data["quality_impact"], comment=data["comment"],
            expected_version=data.get("version"),
        ),
        success=_("The impact assessment was recorded; the request awaits a decision."),
    )


DECISIONS = {
    "approve": (services.approve_change_request,
                gettext_lazy("The change request was approved.")),
    "reject": (services.reject_change_request, gettext_lazy("The change request was rejected.")),
}


@login_required
@require_POST
def change_decide(request, pk, change_pk, decision):
    if decision not in DECISIONS:
        raise Http404
    project, change_request = _change_request(request, pk, change_pk)
    require(request.user, "change_request.decide", change_request)
    service, success = DECISIONS[decision]
    form = ChangeDecisionForm(request.POST)
    return _act(
        request, project, change_request, form=form, form_name="decision_form",
        call=lambda data: service(
            user=request.user, change_request=change_request, comment=data["comment"],
            expected_version=data.get("version"),
        ),
        success=str(success),
    )


@login_required
@require_POST
def change_implement(request, pk, change_pk):
    project, change_request = _change_request(request, pk, change_pk)
    require(request.user, "change_request.implement", change_request)
    form = ImplementForm(request.POST, tasks=_project_tasks(project))
    return _act(
        request, project, change_request, form=form, form_name="implement_form",
        call=lambda data: services.implement_change_request(
            user=request.user, change_request=change_request, comment=data["comment"],
            changed_tasks=data["changed_tasks"], expected_version=data.get("version"),
        ),
        success=_("The change is implemented: a new baseline of the plan was taken."),
    )


@login_required
@require_POST
def change_notes(request, pk, change_pk):
    project, change_request = _change_request(request, pk, change_pk)
    require(request.user, "change_request.edit_internal", change_request)
    form = ChangeNotesForm(request.POST)
    return _act(
        request, project, change_request, form=form, form_name="notes_form",
        call=lambda data: services.update_change_notes(
            user=request.user, change_request=change_request,
            internal_notes=data["internal_notes"], expected_version=data.get("version"),
        ),
        success=_("The internal notes were saved."),
    )
