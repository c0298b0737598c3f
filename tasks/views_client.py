"""What the company tells the client (P2.1a, P4.3a): publishing the weekly status report
(项目周报) to the portal, and choosing which reported problems the client sees, with their
solutions.

Everything the client reads comes from tasks.client; these pages let the pm and the assistant
preview it, publish it, and look back at what was published. Internal viewers of the project
read the history; only the pm and the assistant publish and share (projects.permissions).
"""
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.forms import BootstrapFormMixin
from config.errors import ConflictError, StaleVersion
from projects.attachments import attachments_of
from projects.forms import add_service_errors
from projects.forms_changes import attachments_field
from projects.models import Attachment
from projects.permissions import can, require

from . import client, progress
from .models import ProgressEntry, PublishedReport, Task
from .views_progress import _is_htmx, _project, _task, _week, _week_nav

HISTORY_PAGE = 20
PANEL_ROWS = 5


# --- Publishing the weekly report ---------------------------------------------------------------

class PublishForm(BootstrapFormMixin, forms.Form):
    week = forms.CharField(widget=forms.HiddenInput)
    summary = forms.CharField(
        label=gettext_lazy("Message to the client"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Shown above the report in the portal: highlights, what you "
                               "need from the client, what comes next."),
    )
    attachments = attachments_field(help_text=gettext_lazy(
        "Meeting minutes, test reports or photos the client should read with the report."))


def _day(value):
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _number(value):
    try:
        return Decimal(value) if value not in (None, "") else None
    except (InvalidOperation, TypeError):
        return None


TASK_DATES = ("planned_start", "planned_end", "baseline_end", "actual_start", "actual_finish")
TASK_LISTS = ("stages", "milestones", "done", "next_week", "late")
STATUS_LABELS = dict(Task.Status.choices)


def readable_snapshot(content):
    """A published snapshot (plain JSON) with dates and numbers the templates can format."""
    content = dict(content or {})
    for key in ("monday", "sunday", "report_date"):
        content[key] = _day(content.get(key))
    for key in ("actual_percent", "planned_percent", "variance"):
        content[key] = _number(content.get(key))
    for key in TASK_LISTS:
        content[key] = [
            {**row, **{name: _day(row.get(name)) for name in TASK_DATES},
             "percent_complete": _number(row.get("percent_complete")),
             "status_label": STATUS_LABELS.get(row.get("status"), row.get("status") or "")}
            for row in content.get(key) or ()
        ]
    content["problems"] = [{**row, "date": _day(row.get("date"))}
                           for row in content.get("problems") or ()]
    return content


def _publications(project):
    counts = Attachment.objects.filter(
        content_type__app_label="tasks", content_type__model="publishedreport",
        object_id=OuterRef("pk"),
    ).order_by().values("object_id").annotate(n=Count("pk")).values("n")
    return (PublishedReport.objects.filter(project=project).select_related("published_by")
            .defer("content").annotate(attachment_count=Subquery(counts))
            .order_by("-published_at", "-id"))


def _may_publish(user, project):
    return bool(project.client_organization_id) and can(user, "report.publish", project)


@login_required
def report_publish(request, pk):
    """GET: the client's view of the week, the publish form, the history. POST: publish."""
    project = _project(request, pk)
    today = timezone.localdate()
    chosen = _week(request, today)
    if chosen is None:
        messages.error(request, _("Give the week as an ISO week like 2026-W48."))
        return redirect("tasks:report_publish", pk=project.pk)
    week, monday, sunday = chosen
    may_publish = _may_publish(request.user, project)
    form = None
    if request.method == "POST":
        require(request.user, "report.publish", project)
        form = PublishForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                client.publish_report(
                    user=request.user, project=project, week=form.cleaned_data["week"],
                    summary=form.cleaned_data["summary"],
                    attachments=form.cleaned_data["attachments"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except ConflictError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _(
                    "The weekly report for %(week)s was published to the client."
                ) % {"week": week})
                return redirect(f"{reverse('tasks:report_publish', args=[project.pk])}"
                                f"?week={week}")
    elif may_publish:
        form = PublishForm(initial={"week": week})
    history = Paginator(_publications(project), HISTORY_PAGE).get_page(request.GET.get("page"))
    return render(request, "tasks/publish.html", {
        "project": project, "tab": "report", "week": week,
        # Not `nav`: that name is the layout's navigation (accounts.context_processors).
        "week_nav": _week_nav(monday, sunday, today),
        "form": form if may_publish or request.method == "POST" else None,
        "may_publish": may_publish, "is_future": monday > today,
        "preview": readable_snapshot(client.report_snapshot(project=project, week=week)),
        "history": history,
    })


@login_required
def report_publications(request, pk):
    """The status report page's panel: the latest publications and the way to publish."""
    project = _project(request, pk)
    today = timezone.localdate()
    chosen = _week(request, today)
    week = chosen[0] if chosen else progress.week_of(today)
    return render(request, "tasks/_publish_panel.html", {
        "project": project, "week": week,
        "may_publish": _may_publish(request.user, project),
        "publications": list(_publications(project)[:PANEL_ROWS]),
    })


@login_required
def published_report(request, pk, report_pk):
    """One published report as the client read it (staff cannot open the portal)."""
    project = _project(request, pk)
    report = get_object_or_404(
        PublishedReport.objects.select_related("published_by"), pk=report_pk, project=project)
    require(request.user, "report.view", report)
    return render(request, "tasks/publish_detail.html", {
        "project": project, "tab": "report", "report": report,
        "preview": readable_snapshot(report.content),
        "attachments": list(attachments_of(report)),
    })


# --- Problems reported to the client (P4.3a) ----------------------------------------------------

class ProblemShareForm(BootstrapFormMixin, forms.Form):
    shared = forms.BooleanField(label=gettext_lazy("Reported to the client"), required=False)
    solution = forms.CharField(
        label=gettext_lazy("Solution"), required=False, max_length=progress.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("How the problem is being or was solved; the client reads it "
                               "with the problem."),
    )


def _problem_response(request, project, task, entry, *, form=None, saved=False):
    return render(request, "tasks/_problem_share.html", {
        "project": project, "task": task, "entry": entry, "can_share": True,
        "share_form": form, "saved": saved, "max_text": progress.MAX_TEXT,
    })


@login_required
@require_POST
def problem_share(request, pk, task_pk, entry_pk):
    """Report one progress entry's problem to the client (or take it back), with a solution."""
    project = _project(request, pk)
    task = _task(project, task_pk)
    entry = get_object_or_404(
        ProgressEntry.objects.select_related("author", "problem_resolved_by"),
        pk=entry_pk, task=task,
    )
    require(request.user, "problem.share", task)
    form = ProblemShareForm(request.POST)
    task_url = reverse("tasks:task_detail", args=[project.pk, task.pk])
    if form.is_valid():
        try:
            entry = client.share_problem(
                user=request.user, entry=entry, shared=form.cleaned_data["shared"],
                solution=form.cleaned_data["solution"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            entry = ProgressEntry.objects.select_related("author", "problem_resolved_by").get(
                pk=entry.pk)
            if _is_htmx(request):
                return _problem_response(request, project, task, entry, saved=True)
            messages.success(request, _(
                "The problem is reported to the client.") if entry.shared_with_client else _(
                "The problem is no longer shown to the client."))
            return redirect(f"{task_url}#problem-{entry.pk}")
    if _is_htmx(request):
        return _problem_response(request, project, task, entry, form=form)
    messages.error(request, " ".join(
        str(message) for errors in form.errors.values() for message in errors))
    return redirect(f"{task_url}#problem-{entry.pk}")


@login_required
@require_POST
def problem_solve(request, pk, task_pk):
    """Mark a task's open problems solved, with how they were solved."""
    project = _project(request, pk, "progress.report_any")
    task = _task(project, task_pk)
    version = request.POST.get("version")
    version = int(version) if version and version.isdigit() else None
    solution = (request.POST.get("solution") or "")[:progress.MAX_TEXT]
    task_url = reverse("tasks:task_detail", args=[project.pk, task.pk])
    try:
        progress.resolve_problems(user=request.user, task=task, expected_version=version,
                                  solution=solution)
    except StaleVersion:
        messages.error(request, _(
            "A new report came in on this task meanwhile; read it and try again."))
    else:
        messages.success(request, _("The problems reported on “%(name)s” are marked solved.")
                         % {"name": task.name})
    return redirect(f"{task_url}#problems")
