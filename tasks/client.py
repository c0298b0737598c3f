"""What a client may see of the plan and its progress (P4.3a) — the one place that decides it.

Portal pages, published reports and their exports all read through here: tasks the pm marked
client-visible (stage results and milestones), problems the pm or assistant reported to the
client with their solutions, and the project's progress against its baseline. Never hours,
costs, owners' internal notes or problems kept inside.
"""
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import InvalidTransition
from notifications.models import Notification
from notifications.services import notify
from projects.permissions import require
from projects.selectors import client_members

from . import progress
from .models import BaselineTask, ProgressEntry, PublishedReport, Task
from .reports import _latest_baseline, finished_between, planned_between, planned_percent
from .services import engine_calendar

# The columns of a task a client may read.
CLIENT_TASK_FIELDS = (
    "id", "wbs", "name", "is_summary", "duration_days", "planned_start", "planned_end",
    "actual_start", "actual_finish", "percent_complete", "status", "sort_key",
)


def client_tasks(*, project):
    """Client-visible tasks (stages and milestones) in WBS order, client-safe columns only."""
    return (
        Task.objects.filter(project=project, client_visible=True)
        .only(*CLIENT_TASK_FIELDS).order_by("sort_key", "id")
    )


def client_plan_rows(*, project, baseline, today=None):
    """Client-visible tasks with their baseline finish, their slip against it in working days
    (positive: later) and whether they are overdue."""
    today = today or timezone.localdate()
    tasks = list(client_tasks(project=project))
    baseline_ends = {}
    if baseline is not None:
        baseline_ends = dict(BaselineTask.objects.filter(
            baseline=baseline, task__in=[t.pk for t in tasks],
        ).values_list("task", "planned_end"))
    calendar = engine_calendar(project.calendar)
    for task in tasks:
        task.baseline_end = baseline_ends.get(task.pk)
        finish = task.actual_finish or task.planned_end
        task.slip_days = None
        if finish and task.baseline_end:
            if finish > task.baseline_end:
                task.slip_days = calendar.working_days_between(
                    task.baseline_end + timedelta(days=1), finish)
            else:
                task.slip_days = -calendar.working_days_between(
                    finish + timedelta(days=1), task.baseline_end)
        task.slip_abs = abs(task.slip_days or 0)
        task.is_overdue = progress.is_overdue(task, today)
    return tasks


def client_problems(*, project):
    """Problems reported to the client, newest first, with their solution when solved."""
    return (
        ProgressEntry.objects.filter(task__project=project, shared_with_client=True)
        .exclude(problems="")
        .select_related("task").only(
            "id", "date", "problems", "solution", "problem_resolved_at",
            "task__id", "task__name", "task__wbs", "task__client_visible",
        ).order_by("-date", "-id")
    )


def progress_against_plan(*, project, day=None):
    """(actual %, planned % by the baseline or None, baseline) as of `day` (today)."""
    day = day or timezone.localdate()
    baseline = _latest_baseline(project)
    planned = None
    if baseline is not None:
        rows = BaselineTask.objects.filter(baseline=baseline, task__is_summary=False).values_list(
            "planned_start", "planned_end", "duration_days")
        planned = planned_percent(rows, day, engine_calendar(project.calendar))
    return Decimal(project.percent_complete), planned, baseline


def _iso(value):
    return value.isoformat() if isinstance(value, date) else None


def _task_row(task, baseline_ends):
    return {
        "wbs": task.wbs, "name": task.name, "is_summary": task.is_summary,
        "is_milestone": task.duration_days == 0 and not task.is_summary,
        "planned_start": _iso(task.planned_start), "planned_end": _iso(task.planned_end),
        "baseline_end": _iso(baseline_ends.get(task.pk)),
        "actual_start": _iso(task.actual_start), "actual_finish": _iso(task.actual_finish),
        "percent_complete": str(task.percent_complete), "status": task.status,
    }


def report_snapshot(*, project, week, today=None):
    """The client-safe content of the week's status report, frozen as plain JSON."""
    monday, sunday = progress.parse_week(week)
    today = today or timezone.localdate()
    report_date = min(sunday, today)
    actual, planned, baseline = progress_against_plan(project=project, day=report_date)
    tasks = list(client_tasks(project=project))
    baseline_ends = {}
    if baseline is not None:
        baseline_ends = dict(BaselineTask.objects.filter(
            baseline=baseline, task__in=[t.pk for t in tasks]).values_list("task", "planned_end"))
    next_monday, next_sunday = monday + timedelta(days=7), sunday + timedelta(days=7)
    rows = [_task_row(t, baseline_ends) for t in tasks]
    done, upcoming, late = [], [], []
    for task, row in zip(tasks, rows, strict=True):
        if finished_between(task, monday, sunday):
            done.append(row)
        if planned_between(task, next_monday, next_sunday):
            upcoming.append(row)
        if progress.is_overdue(task, report_date):
            late.append(row)
    problems = [
        {"date": _iso(entry.date), "task": entry.task.name if entry.task.client_visible else "",
         "problem": entry.problems, "solution": entry.solution,
         "solved": entry.problem_resolved_at is not None}
        for entry in client_problems(project=project).filter(date__lte=sunday)[:50]
    ]
    return {
        "week": week, "monday": _iso(monday), "sunday": _iso(sunday),
        "report_date": _iso(report_date),
        "actual_percent": str(actual),
        "planned_percent": None if planned is None else str(planned),
        "variance": None if planned is None else str(actual - planned),
        "baseline": baseline.name if baseline else "",
        "stages": [row for row in rows if row["is_summary"]],
        "milestones": [row for row in rows if row["is_milestone"]],
        "done": done, "next_week": upcoming, "late": late, "problems": problems,
    }


@transaction.atomic
def publish_report(*, user, project, week, summary="", attachments=()):
    """The pm (or assistant) publishes the week's status report to the client portal.

    Each publication is kept: publishing a week again adds a revised report, the portal shows
    the history.
    """
    from projects.attachments import attach, validate_uploads

    require(user, "report.publish", project)
    monday, _sunday = progress.parse_week(week)
    if monday > timezone.localdate():
        raise ValidationError({"week": _("A week that has not started cannot be reported.")})
    if not project.client_organization_id:
        raise InvalidTransition(_("This project has no client to publish to."))
    validate_uploads(attachments)
    report = PublishedReport.objects.create(
        project=project, week=week, monday=monday, summary=(summary or "").strip(),
        content=report_snapshot(project=project, week=week), published_by=user,
    )
    attach(user=user, owner=report, project=project, uploads=attachments)
    notify(
        recipients=client_members(project=project), kind=Notification.Kind.STATUS_REPORT,
        message=_("The status report for week %(week)s of %(project)s is available."),
        params={"week": week, "project": project.name}, project=project,
        dedupe_key=f"report:{report.pk}", url=report.get_portal_url(),
    )
    return report


@transaction.atomic
def share_problem(*, user, entry, shared, solution=None):
    """Report a problem (and its solution) to the client, or take it back (P4.3a)."""
    require(user, "problem.share", entry.task)
    entry = ProgressEntry.objects.select_for_update().select_related("task").get(pk=entry.pk)
    if not entry.problems.strip():
        raise ValidationError({"problems": _("This report has no problem to share.")})
    entry.shared_with_client = bool(shared)
    if solution is not None:
        entry.solution = solution.strip()
    entry.save(update_fields=["shared_with_client", "solution"])
    return entry
