"""Progress reporting (P3.2a) and the weekly progress tracking sheet 进度跟踪表 (P3.2b)."""
import datetime
import re
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import StaleVersion
from projects.models import Project
from projects.permissions import require

from .gantt_cache import bump_plan_revision
from .models import ProgressEntry, Task

WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")
HUNDRED = Decimal(100)
MAX_HOURS = Decimal(10_000)
# A note or a problem is a few sentences; this bound keeps a sheet of them a sane size.
MAX_TEXT = 4000
# The most rows one save of the sheet takes (the Excel import reads no more either).
MAX_SHEET_ROWS = 20_000
CLOSED_STATUSES = (Task.Status.DONE, Task.Status.CANCELLED)
TASK_PROGRESS_FIELDS = (
    "percent_complete", "status", "actual_start", "actual_finish", "has_open_problem", "version",
)


# --- Weeks ----------------------------------------------------------------------------------

def parse_week(value):
    """`"2026-W48"` → (Monday, Sunday) of that ISO week; ValidationError naming `week`."""
    match = WEEK.fullmatch(value) if isinstance(value, str) else None
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
    """The task rules of API.md: > 0 starts the task, 100 finishes it, less reopens it."""
    task.percent_complete = percent
    if percent > 0 and task.actual_start is None:
        task.actual_start = day
    if percent >= HUNDRED:
        # A finished task reported at 100 again keeps the day it really finished.
        if task.status != Task.Status.DONE or task.actual_finish is None:
            task.actual_finish = max(day, task.actual_start or day)
        task.status = Task.Status.DONE
    else:
        task.actual_finish = None
        if percent > 0 and task.status in (Task.Status.NOT_STARTED, Task.Status.DONE):
            task.status = Task.Status.IN_PROGRESS
        elif percent == 0 and task.status == Task.Status.DONE:
            task.status = Task.Status.NOT_STARTED


def is_overdue(task, today):
    """API.md: planned to finish before today and neither done nor cancelled."""
    return (task.planned_end is not None and task.planned_end < today
            and task.status not in CLOSED_STATUSES)


def roll_up_progress(*, project):
    """Summary tasks' % complete (weighted by duration, DESIGN.md) and status, and the project's.

    A phase is done when every task below it is done or cancelled, in progress once any has
    started, so a finished phase is never reported overdue.
    """
    from .services import _weighted_percent, _write_rows

    rows = list(Task.objects.filter(project=project).values_list(
        "id", "parent_id", "is_summary", "duration_days", "percent_complete", "status"
    ))
    parent_of = {row[0]: row[1] for row in rows}
    below = {}
    for _pk, parent, is_summary, duration, percent, status in rows:
        if is_summary:
            continue
        node = parent
        while node is not None:
            below.setdefault(node, []).append((duration, percent, status))
            node = parent_of[node]
    changed = []
    for pk, _parent, is_summary, _duration, percent, status in rows:
        if is_summary and pk in below:
            leaves = below[pk]
            value = _weighted_percent((d, p) for d, p, _s in leaves)
            statuses = {s for _d, _p, s in leaves}
            if statuses <= set(CLOSED_STATUSES) and Task.Status.DONE in statuses:
                rolled = Task.Status.DONE
            elif statuses == {Task.Status.CANCELLED}:
                rolled = Task.Status.CANCELLED
            elif value > 0 or statuses & {Task.Status.IN_PROGRESS, Task.Status.DONE}:
                rolled = Task.Status.IN_PROGRESS
            else:
                rolled = Task.Status.NOT_STARTED
            if (value, rolled) != (percent, status):
                changed.append(Task(pk=pk, percent_complete=value, status=rolled))
    _write_rows(changed, ["percent_complete", "status"])
    value = _weighted_percent((row[3], row[4]) for row in rows if not row[2])
    Project.objects.filter(pk=project.pk).exclude(percent_complete=value).update(
        percent_complete=value
    )
    bump_plan_revision(project.pk)


def _clean_percent(value, field="percent_complete"):
    if isinstance(value, bool):
        raise ValidationError({field: _("Enter a number from 0 to 100.")})
    try:
        percent = Decimal(str(value).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter a number from 0 to 100.")}) from None
    if not percent.is_finite() or percent < 0 or percent > HUNDRED:
        raise ValidationError({field: _("Enter a number from 0 to 100.")})
    return percent


def _clean_hours(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError({"hours": _("Enter a number of hours.")})
    try:
        hours = Decimal(str(value).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"hours": _("Enter a number of hours.")}) from None
    if not hours.is_finite() or hours < 0:
        raise ValidationError({"hours": _("Hours cannot be negative.")})
    if hours > MAX_HOURS:
        raise ValidationError({"hours": _("Enter at most %(max)s hours.") % {"max": MAX_HOURS}})
    return hours


def _clean_text(value, field):
    if value is None:
        return ""
    if isinstance(value, bool | dict | list):
        raise ValidationError({field: _("Enter text.")})
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise ValidationError({field: _("Write at most %(max)s characters.") % {"max": MAX_TEXT}})
    return text


def _clean_id(value):
    """A whole number (an Excel cell may hold 12.0), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]+\s*", value):
        value = int(value)
    return value if isinstance(value, int) else None


def _lock_project(project):
    """Progress rolls up into phases and the project: one writer per project at a time.

    Plan changes lock the project first and the tasks after it; so does progress, which keeps
    the two from deadlocking and the roll-up from missing a report committed meanwhile.
    """
    return Project.objects.select_for_update(of=("self",)).get(pk=project.pk)


# --- One report -----------------------------------------------------------------------------

@transaction.atomic
def record_progress(*, user, task, percent_complete, hours=None, note="", problems="",
                    date=None, expected_version=None):
    require(user, "progress.report", task)
    project = _lock_project(task.project)
    task = Task.objects.select_for_update().get(pk=task.pk)
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
    entry = ProgressEntry(
        task=task, date=day, percent_complete=_clean_percent(percent_complete),
        hours=_clean_hours(hours), note=_clean_text(note, "note"),
        problems=_clean_text(problems, "problems"), author=user,
    )
    entry.full_clean(exclude=["task", "author"])
    entry.save()
    _apply_percent(task, entry.percent_complete, day)
    if entry.problems:
        task.has_open_problem = True
    task._history_user = user
    task.save()
    roll_up_progress(project=project)
    return entry


@transaction.atomic
def resolve_problems(*, user, task, expected_version=None, solution=""):
    """The PM or assistant marks the task's reported problems as solved, with how (`solution`).

    Returns the number of reports whose problems were open; the task's version goes up.
    """
    require(user, "progress.report_any", task.project)
    fresh = Task.objects.select_for_update().get(pk=task.pk)
    if expected_version is not None and expected_version != fresh.version:
        raise StaleVersion(_("This task was changed by someone else."), current=fresh)
    resolved = ProgressEntry.objects.filter(task=fresh, problem_resolved_at__isnull=True).exclude(
        problems=""
    ).update(
        problem_resolved_at=timezone.now(), problem_resolved_by=user,
        **({"solution": solution.strip()} if (solution or "").strip() else {}),
    )
    if fresh.has_open_problem or resolved:
        fresh.has_open_problem = False
        fresh._history_user = user
        fresh.save(update_fields=["has_open_problem"])
    task.has_open_problem, task.version = fresh.has_open_problem, fresh.version
    return resolved


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
def save_sheet(*, user, project, week, rows, row_numbers=None):
    """Apply a whole week's sheet: every row valid and current, or nothing is saved.

    `rows` are dicts {task, version, percent_complete, hours?, note?, problems?}; errors and
    conflicts name them by `row_numbers` (default: their places counted from 1). Rows whose
    values did not change are skipped. Returns the number of tasks changed.
    """
    require(user, "progress.report_any", project)
    monday, sunday = parse_week(week)
    today = timezone.localdate()
    if monday > today:
        raise ValidationError({"week": _("Progress cannot be reported for a future week.")})
    if len(rows) > MAX_SHEET_ROWS:
        raise ValidationError({"rows": _("A sheet has at most %(max)s rows.")
                               % {"max": MAX_SHEET_ROWS}})
    project = _lock_project(project)
    numbered = [
        (number, row if isinstance(row, dict) else None)
        for number, row in zip(row_numbers or range(1, len(rows) + 1), rows, strict=True)
    ]
    ids = {_clean_id(row.get("task")) for _number, row in numbered if row is not None}
    ids.discard(None)
    # Only what saving reads and writes, as plain rows: a sheet has thousands of them.
    tasks = {
        row["pk"]: SimpleNamespace(**row) for row in sheet_tasks(project=project, week=week)
        .filter(pk__in=ids).select_for_update()
        .values("pk", *TASK_PROGRESS_FIELDS, "week_hours", "week_note", "week_problems")
    }
    errors, conflicts, updates, seen = [], [], [], {}

    def error(number, task, field, message):
        errors.append({"row": number, "task": task, "field": field, "message": str(message)})

    for number, row in numbered:
        if row is None:
            error(number, None, "row", _("Each row is an object with the task's fields."))
            continue
        task_id = _clean_id(row.get("task"))
        task = tasks.get(task_id)
        if task is None:
            error(number, row.get("task"), "task", _("No such task in this project's sheet."))
            continue
        if task_id in seen:
            error(number, task_id, "task",
                  _("This task is on row %(row)s already.") % {"row": seen[task_id]})
            continue
        seen[task_id] = number
        cleaned = {}
        for field, clean in (
            ("percent_complete", _clean_percent), ("hours", _clean_hours),
            ("note", lambda value: _clean_text(value, "note")),
            ("problems", lambda value: _clean_text(value, "problems")),
        ):
            if field != "percent_complete" and field not in row:
                continue
            try:
                cleaned[field] = clean(row.get(field))
            except ValidationError as exc:
                error(number, task_id, field, exc.message_dict[field][0])
        version = _clean_id(row.get("version"))
        if version is None:
            error(number, task_id, "version", _("A valid integer is required."))
        elif version != task.version:
            conflicts.append({"row": number, "task": task_id})
        else:
            updates.append((number, task, cleaned))
    if errors:
        raise SheetErrors(errors)
    if conflicts:
        current = sheet_tasks(project=project, week=week).in_bulk([c["task"] for c in conflicts])
        raise SheetConflicts([{**c, "current": current[c["task"]]} for c in conflicts])
    return _apply_sheet(user=user, project=project, monday=monday, sunday=sunday,
                        day=min(sunday, today), updates=updates)


def _apply_sheet(*, user, project, monday, sunday, day, updates):
    """Write the changed rows: one sheet entry per task and week, the tasks and their history.

    Set-based throughout (a sheet is up to thousands of rows): the week's earlier sheet entries
    of the changed tasks are replaced, the tasks written in one statement per batch.
    """
    from .services import write_columns

    week_entries = ProgressEntry.objects.filter(
        task__project=project, from_sheet=True, date__gte=monday, date__lte=sunday
    )
    own = {
        task_id: (hours, problems, resolved_at, resolved_by)
        for task_id, hours, problems, resolved_at, resolved_by in week_entries.values_list(
            "task_id", "hours", "problems", "problem_resolved_at", "problem_resolved_by_id"
        )
    }
    changed_tasks, entries, errors = [], [], []
    for number, task, cleaned in updates:
        shown_note, shown_problems = task.week_note or "", task.week_problems or ""
        percent = cleaned["percent_complete"]
        note = cleaned.get("note", shown_note)
        problems = cleaned.get("problems", shown_problems)
        hours = cleaned.get("hours", task.week_hours)
        if (percent == task.percent_complete and note == shown_note
                and problems == shown_problems and hours == task.week_hours):
            continue
        previous = own.get(task.pk)
        # The sheet shows the week's total; members' own reports keep their share of it.
        others = (task.week_hours or 0) - ((previous[0] or 0) if previous else 0)
        entry_hours = None if hours is None else hours - others
        if entry_hours is not None and entry_hours < 0:
            errors.append({"row": number, "task": task.pk, "field": "hours", "message": str(_(
                "Members already reported %(hours)s hours this week."
            ) % {"hours": others})})
            continue
        entry = ProgressEntry(
            task_id=task.pk, from_sheet=True, author_id=user.pk, date=day,
            percent_complete=percent, hours=entry_hours, note=note, problems=problems,
        )
        if previous is not None and problems == previous[1]:
            entry.problem_resolved_at, entry.problem_resolved_by_id = previous[2:]
        entries.append(entry)
        _apply_percent(task, percent, day)
        # Only a problem newly written reopens the flag; one already solved stays solved.
        if problems and problems != shown_problems:
            task.has_open_problem = True
        task.version += 1
        changed_tasks.append(task)
    if errors:
        raise SheetErrors(errors)
    if not changed_tasks:
        return 0
    pks = [task.pk for task in changed_tasks]
    week_entries.filter(task__in=pks).delete()
    ProgressEntry.objects.bulk_create(entries)
    write_columns(Task, pks, TASK_PROGRESS_FIELDS, [
        tuple(getattr(task, name) for name in TASK_PROGRESS_FIELDS) for task in changed_tasks
    ])
    _record_history(pks, user=user)
    roll_up_progress(project=project)
    return len(changed_tasks)


def _record_history(pks, *, user):
    """Task.history rows ("~", changed) for tasks just written, copied by the database.

    What simple_history's bulk_history_create does, as INSERT … SELECT: building a historical
    model instance per row in Python cost more than the whole rest of a large sheet's save.
    """
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True) or not pks:
        return
    history = Task.history.model
    connection = connections[history.objects.db]
    quote = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    names = [field.name for field in history.tracked_fields]
    extra = [history._meta.get_field(name) for name in (
        "history_date", "history_change_reason", "history_type", "history_user"
    )]
    targets = [quote(history._meta.get_field(name).column) for name in names]
    targets += [quote(field.column) for field in extra]
    sources = [quote(Task._meta.get_field(name).column) for name in names]
    sources += [
        f"CAST(%s AS {field.cast_db_type(connection)})" if postgres else "%s" for field in extra
    ]
    values = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(extra, (timezone.now(), None, "~", user.pk), strict=True)
    ]
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(targets)}) "
        f"SELECT {', '.join(sources)} FROM {quote(Task._meta.db_table)} "
        f"WHERE {quote(Task._meta.pk.column)} "
    )
    # PostgreSQL takes the ids as one array; SQLite as a list within its parameter limit.
    batch_size = len(pks) if postgres else 900
    for start in range(0, len(pks), batch_size):
        batch = pks[start:start + batch_size]
        where, params = ("= ANY(%s)", [list(batch)]) if postgres else (
            f"IN ({', '.join(['%s'] * len(batch))})", batch
        )
        with connection.cursor() as cursor:
            cursor.execute(sql + where, [*values, *params])
