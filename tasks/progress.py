"""Progress reporting (P3.2a) and the weekly progress tracking sheet 进度跟踪表 (P3.2b)."""
import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_update_with_history

from config.errors import StaleVersion
from projects.models import Project
from projects.permissions import require

from .models import ProgressEntry, Task

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
HUNDRED = Decimal(100)


# --- Weeks ----------------------------------------------------------------------------------

def parse_week(value):
    """`"2026-W48"` → (Monday, Sunday) of that ISO week; ValidationError naming `week`."""
    match = WEEK.match(value or "")
    try:
        if not match:
            raise ValueError
        monday = datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValidationError({"week": _("Give the week as an ISO week like 2026-W48.")}) from None
    return monday, monday + datetime.timedelta(days=6)


def week_of(day):
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


# --- Task state from progress ----------------------------------------------------------------

def _apply_percent(task, percent, day):
    """The task rules of API.md: > 0 starts the task, 100 finishes it."""
    task.percent_complete = percent
    if percent > 0 and task.actual_start is None:
        task.actual_start = day
    if percent >= HUNDRED:
        task.status = Task.Status.DONE
        task.actual_finish = max(day, task.actual_start or day)
    else:
        task.actual_finish = None
        if percent > 0 and task.status in (Task.Status.NOT_STARTED, Task.Status.DONE):
            task.status = Task.Status.IN_PROGRESS
        elif percent == 0 and task.status == Task.Status.DONE:
            task.status = Task.Status.NOT_STARTED


def roll_up_progress(*, project):
    """Summary tasks' and the project's % complete, weighted by duration (DESIGN.md)."""
    from .services import _weighted_percent

    rows = list(Task.objects.filter(project=project).values_list(
        "id", "parent_id", "is_summary", "duration_days", "percent_complete"
    ))
    parent_of = {pk: parent for pk, parent, *_rest in rows}
    below = {}
    for _pk, parent, is_summary, duration, percent in rows:
        if is_summary:
            continue
        node = parent
        while node is not None:
            below.setdefault(node, []).append((duration, percent))
            node = parent_of[node]
    changed = []
    for pk, _parent, is_summary, _duration, percent in rows:
        if is_summary and pk in below:
            value = _weighted_percent(below[pk])
            if value != percent:
                changed.append(Task(pk=pk, percent_complete=value))
    if changed:
        Task.objects.bulk_update(changed, ["percent_complete"], batch_size=2000)
    value = _weighted_percent((d, p) for _pk, _par, s, d, p in rows if not s)
    Project.objects.filter(pk=project.pk).exclude(percent_complete=value).update(
        percent_complete=value
    )


def _clean_percent(value, field="percent_complete"):
    try:
        percent = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter a number from 0 to 100.")}) from None
    if not percent.is_finite() or percent < 0 or percent > HUNDRED:
        raise ValidationError({field: _("Enter a number from 0 to 100.")})
    return percent


def _clean_hours(value):
    if value in (None, ""):
        return None
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"hours": _("Enter a number of hours.")}) from None
    if not hours.is_finite() or hours < 0 or hours > 10000:
        raise ValidationError({"hours": _("Hours cannot be negative.")})
    return hours


# --- One report -----------------------------------------------------------------------------

@transaction.atomic
def record_progress(*, user, task, percent_complete, hours=None, note="", problems="",
                    date=None, expected_version=None):
    require(user, "progress.report", task)
    task = Task.objects.select_for_update().select_related("project").get(pk=task.pk)
    if expected_version is not None and expected_version != task.version:
        raise StaleVersion(_("This task was changed by someone else."), current=task)
    if task.is_summary:
        raise ValidationError({"task": _(
            "Report progress on the tasks below a phase; its progress is rolled up."
        )})
    today = timezone.localdate()
    day = date or today
    if day > today:
        raise ValidationError({"date": _("Progress cannot be reported for a future date.")})
    percent = _clean_percent(percent_complete)
    entry = ProgressEntry(
        task=task, date=day, percent_complete=percent, hours=_clean_hours(hours),
        note=note or "", problems=problems or "", author=user,
    )
    entry.full_clean(exclude=["task", "author"])
    entry.save()
    _apply_percent(task, percent, day)
    if entry.problems.strip():
        task.has_open_problem = True
    task.save()
    roll_up_progress(project=task.project)
    return entry


@transaction.atomic
def resolve_problems(*, user, task):
    """The PM or assistant marks the task's reported problems as solved."""
    require(user, "progress.report_any", task.project)
    ProgressEntry.objects.filter(task=task, problem_resolved_at__isnull=True).exclude(
        problems=""
    ).update(problem_resolved_at=timezone.now(), problem_resolved_by=user)
    Task.objects.filter(pk=task.pk).update(has_open_problem=False)


# --- The weekly sheet -----------------------------------------------------------------------

def sheet_tasks(*, project, week):
    """Leaf tasks of the project with this week's hours, note and problems (constant queries)."""
    monday, sunday = parse_week(week)
    in_week = ProgressEntry.objects.filter(
        task=OuterRef("pk"), date__gte=monday, date__lte=sunday
    )
    latest = in_week.order_by("-date", "-id")
    hours = in_week.order_by().values("task").annotate(total=Sum("hours")).values("total")
    return (
        Task.objects.filter(project=project, is_summary=False)
        .select_related("owner")
        .annotate(
            week_hours=Subquery(hours),
            week_note=Subquery(latest.values("note")[:1]),
            week_problems=Subquery(latest.values("problems")[:1]),
        )
        .order_by("sort_key", "id")
    )


class SheetErrors(ValidationError):
    """Invalid cells: `errors` is [{row, task, field, message}] (API.md)."""

    def __init__(self, errors):
        super().__init__(_("The sheet has invalid cells; nothing was saved."))
        self.errors = errors


class SheetConflicts(StaleVersion):
    """Rows changed by someone else meanwhile: `conflicts` is [{row, task, current}]."""

    def __init__(self, conflicts):
        super().__init__(_("Some rows were changed by someone else; nothing was saved."))
        self.conflicts = conflicts


@transaction.atomic
def save_sheet(*, user, project, week, rows):
    """Apply a whole week's sheet: every row valid and current, or nothing is saved.

    `rows` are dicts {task, version, percent_complete, hours?, note?, problems?} (row numbers
    count from 1 in the order given). Rows whose values did not change are skipped.
    """
    require(user, "progress.report_any", project)
    monday, sunday = parse_week(week)
    today = timezone.localdate()
    day = min(sunday, today)
    if monday > today:
        raise ValidationError({"week": _("Progress cannot be reported for a future week.")})
    ids = []
    for row in rows:
        try:
            ids.append(int(row.get("task")))
        except (TypeError, ValueError):
            ids.append(None)
    tasks = {
        t.pk: t for t in sheet_tasks(project=project, week=week)
        .filter(pk__in=[i for i in ids if i is not None]).select_for_update(of=("self",))
    }
    errors, conflicts, updates = [], [], []
    for number, (row, task_id) in enumerate(zip(rows, ids, strict=True), start=1):
        task = tasks.get(task_id)
        if task is None:
            errors.append({"row": number, "task": row.get("task"), "field": "task",
                           "message": str(_("No such task in this project's sheet."))})
            continue
        cleaned = {}
        for field, clean in (("percent_complete", _clean_percent), ("hours", _clean_hours)):
            if field == "hours" and "hours" not in row:
                continue
            try:
                cleaned[field] = clean(row.get(field))
            except ValidationError as exc:
                errors.append({"row": number, "task": task_id, "field": field,
                               "message": str(exc.message_dict[field][0])})
        for field in ("note", "problems"):
            if field in row:
                value = row.get(field)
                cleaned[field] = "" if value is None else str(value)
        try:
            version = int(row.get("version"))
        except (TypeError, ValueError):
            errors.append({"row": number, "task": task_id, "field": "version",
                           "message": str(_("A valid integer is required."))})
            continue
        if version != task.version:
            conflicts.append({"row": number, "task": task_id, "current": task})
            continue
        updates.append((task, cleaned))
    if errors:
        raise SheetErrors(errors)
    if conflicts:
        raise SheetConflicts(conflicts)
    return _apply_sheet(user=user, project=project, monday=monday, sunday=sunday, day=day,
                        updates=updates)


def _apply_sheet(*, user, project, monday, sunday, day, updates):
    own = {
        e.task_id: e for e in ProgressEntry.objects.filter(
            task__project=project, from_sheet=True, date__gte=monday, date__lte=sunday
        )
    }
    changed_tasks, new_entries, changed_entries, errors = [], [], [], []
    for task, cleaned in updates:
        percent = cleaned["percent_complete"]
        note = cleaned.get("note", task.week_note or "")
        problems = cleaned.get("problems", task.week_problems or "")
        hours = cleaned.get("hours", task.week_hours)
        same = (percent == task.percent_complete and note == (task.week_note or "")
                and problems == (task.week_problems or "") and hours == task.week_hours)
        if same:
            continue
        entry = own.get(task.pk)
        others = (task.week_hours or 0) - ((entry.hours or 0) if entry else 0)
        entry_hours = None if hours is None else hours - others
        if entry_hours is not None and entry_hours < 0:
            errors.append({"row": None, "task": task.pk, "field": "hours", "message": str(_(
                "Members already reported %(hours)s hours this week."
            ) % {"hours": others})})
            continue
        if entry is None:
            entry = ProgressEntry(task=task, from_sheet=True, author=user)
            new_entries.append(entry)
        else:
            entry.author = user
            changed_entries.append(entry)
        entry.date, entry.percent_complete, entry.hours = day, percent, entry_hours
        entry.note, entry.problems = note, problems
        _apply_percent(task, percent, day)
        if problems.strip():
            task.has_open_problem = True
        task.version += 1
        changed_tasks.append(task)
    if errors:
        raise SheetErrors(errors)
    ProgressEntry.objects.bulk_create(new_entries, batch_size=1000)
    ProgressEntry.objects.bulk_update(
        changed_entries, ["date", "percent_complete", "hours", "note", "problems", "author"],
        batch_size=1000,
    )
    if changed_tasks:
        bulk_update_with_history(
            changed_tasks, Task,
            ["percent_complete", "status", "actual_start", "actual_finish", "has_open_problem",
             "version"],
            batch_size=1000, default_user=user,
        )
        roll_up_progress(project=project)
    return len(changed_tasks)
