"""Every plan change: WBS edits, links, baselines; each re-schedules inside its transaction."""
import re
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import F, Max, Q
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from config.errors import ConflictError, StaleVersion
from projects.models import Project
from projects.permissions import require

from . import scheduling
from .gantt_cache import bump_plan_revision
from .models import Baseline, BaselineTask, Dependency, Task, WorkCalendar

SCHEDULE_FIELDS = (
    "planned_start", "planned_end", "late_start", "late_finish", "total_float", "free_float",
    "is_critical", "wbs", "sort_key", "is_summary", "position", "percent_complete",
)
LEAF_SCHEDULE_FIELDS = tuple(name for name in SCHEDULE_FIELDS if name != "percent_complete")
TASK_FIELDS = (
    "name", "owner", "duration_days", "start_no_earlier_than", "client_visible",
    "estimate_hours", "planned_cost", "notes",
)
# Bounds that keep every schedule within the calendar's reach (dates end at the year 9999).
MAX_WORKING_DAYS = 3650
LATEST_DATE = date(2199, 12, 31)
PREDECESSOR_TOKEN = re.compile(r"^\s*(\d+)\s*(FS|SS|FF|SF)?\s*([+-]\s*\d+)?\s*[dD]?\s*$", re.I)


# --- Calendar -------------------------------------------------------------------------------

def engine_calendar(calendar):
    """The scheduling engine's calendar for a WorkCalendar row (None → the default)."""
    calendar = calendar or WorkCalendar.get_default()
    return scheduling.WorkCalendar(
        weekend_days=frozenset(calendar.weekend_days),
        holidays=frozenset(date.fromisoformat(d) for d in calendar.holidays),
        extra_workdays=frozenset(date.fromisoformat(d) for d in calendar.extra_workdays),
    )


def working_days(*, project, start, end):
    return engine_calendar(project.calendar).working_days_between(start, end)


# --- Re-scheduling --------------------------------------------------------------------------

def _tree(rows):
    """WBS codes, sort keys, summary flags and normalised positions from (id, parent, position)."""
    children = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)
    out = {}
    stack = [(None, "", "")]
    while stack:
        parent, code, key = stack.pop()
        kids = sorted(children.get(parent, ()), key=lambda r: (r["position"], r["id"]))
        for number, row in enumerate(kids, start=1):
            wbs = f"{code}.{number}" if code else str(number)
            sort_key = f"{key}{number:05d}."
            out[row["id"]] = (wbs, sort_key, row["id"] in children, number)
        stack.extend((row["id"], out[row["id"]][0], out[row["id"]][1]) for row in reversed(kids))
    return out


def _weighted_percent(items):
    """% complete weighted by duration; a set of milestones counts as a plain average."""
    items = list(items)
    if not items:
        return Decimal(0)
    total = sum(d for d, _p in items)
    if total:
        value = sum(Decimal(d) * p for d, p in items) / total
    else:
        value = sum(p for _d, p in items) / len(items)
    return value.quantize(Decimal("0.01"))


def schedule_project(*, project):
    """Recompute WBS codes and the critical-path schedule; write only rows that changed.

    Runs inside the caller's transaction, so reads after the write see consistent dates.
    Returns the engine's result.
    """
    rows = list(Task.objects.filter(project=project).values(
        "id", "parent_id", *SCHEDULE_FIELDS, "duration_days", "start_no_earlier_than",
    ))
    tree = _tree(rows)
    leaves = [r for r in rows if not tree[r["id"]][2]]
    links = list(
        Dependency.objects.filter(project=project)
        .values_list("predecessor_id", "successor_id", "type", "lag_days")
    )
    try:
        result = scheduling.schedule(
            [(r["id"], r["duration_days"], r["start_no_earlier_than"]) for r in leaves],
            links, calendar=engine_calendar(project.calendar),
            project_start=project.planned_start,
        )
    except scheduling.ScheduleError:
        raise
    except (OverflowError, ValueError):
        # Dates past the year 9999: the write that led here is refused and rolled back.
        raise ValidationError(_("The schedule would run past the end of the calendar.")) from None
    parent_of = {r["id"]: r["parent_id"] for r in rows}
    percent = {r["id"]: r["percent_complete"] for r in leaves}
    rolled = scheduling.rollup(parent_of=parent_of, result=result, percent_complete=percent)
    # Summary float: the least float below it, so a phase on the critical path is critical.
    summary_float = {}
    for leaf in leaves:
        float_ = result.tasks[leaf["id"]].total_float
        parent = leaf["parent_id"]
        while parent is not None:
            if summary_float.get(parent, float_ + 1) > float_:
                summary_float[parent] = float_
            parent = parent_of[parent]

    # Compare and write plain tuples: for a 10,000-task plan most rows move on an early edit.
    leaf_ids, leaf_values, summary_ids, summary_values = [], [], [], []
    for row in rows:
        wbs, sort_key, is_summary, position = tree[row["id"]]
        if is_summary:
            span = rolled.get(row["id"])
            float_ = summary_float.get(row["id"])
            new = (
                span.start if span else None, span.finish if span else None, None, None,
                float_, None, float_ == 0, wbs, sort_key, True, position,
                Decimal(span.percent_complete).quantize(Decimal("0.01")) if span
                else row["percent_complete"],
            )
            if new != tuple(row[name] for name in SCHEDULE_FIELDS):
                summary_ids.append(row["id"])
                summary_values.append(new)
        else:
            t = result.tasks[row["id"]]
            new = (
                t.early_start, t.early_finish, t.late_start, t.late_finish, t.total_float,
                t.free_float, t.critical, wbs, sort_key, False, position,
            )
            if new != tuple(row[name] for name in LEAF_SCHEDULE_FIELDS):
                leaf_ids.append(row["id"])
                leaf_values.append(new)
    # A leaf's % complete belongs to progress reporting, which does not lock the project:
    # writing back the value read above could undo a report made meanwhile.
    write_columns(Task, leaf_ids, LEAF_SCHEDULE_FIELDS, leaf_values)
    write_columns(Task, summary_ids, SCHEDULE_FIELDS, summary_values)
    project_percent = _weighted_percent((r["duration_days"], r["percent_complete"]) for r in leaves)
    if project.percent_complete != project_percent:
        Project.objects.filter(pk=project.pk).update(percent_complete=project_percent)
        project.percent_complete = project_percent
    bump_plan_revision(project.pk)
    return result


def _write_rows(tasks, fields):
    """Write `fields` of these model instances in set-based statements (see write_columns)."""
    model = type(tasks[0]) if tasks else Task
    write_columns(
        model, [t.pk for t in tasks], fields,
        [tuple(getattr(t, model._meta.get_field(f).attname) for f in fields) for t in tasks],
    )


def write_columns(model, ids, fields, values, batch_size=5000):
    """UPDATE many rows, each to its own values, in one statement per batch.

    Django's bulk_update builds a CASE per field and row, which costs seconds for the thousands
    of rows one plan edit can move. PostgreSQL gets one array per column (`unnest`), a short
    statement it parses once; SQLite (3.33+) joins a VALUES table.
    """
    if not ids:
        return
    connection = connections[model.objects.db]
    quote = connection.ops.quote_name
    columns = [model._meta.pk, *(model._meta.get_field(name) for name in fields)]
    names = [quote(field.column) for field in columns]
    table = quote(model._meta.db_table)
    assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
    postgres = connection.vendor == "postgresql"
    for start in range(0, len(ids), batch_size if postgres else 500):
        batch_ids = ids[start:start + batch_size if postgres else start + 500]
        batch = values[start:start + len(batch_ids)]
        by_column = [list(batch_ids)] + [
            [field.get_db_prep_save(row[i], connection) for row in batch]
            for i, field in enumerate(columns[1:])
        ]
        if postgres:
            arrays = ", ".join(
                f"%s::{field.db_type(connection).replace('serial', 'int')}[]"
                for field in columns
            )
            sql = (f"UPDATE {table} SET {assignments} FROM unnest({arrays}) "
                   f"AS v ({', '.join(names)}) WHERE {table}.{names[0]} = v.{names[0]}")
            params = by_column
        else:
            row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
            sql = (f"WITH v ({', '.join(names)}) AS (VALUES {', '.join([row_sql] * len(batch))}) "
                   f"UPDATE {table} SET {assignments} FROM v "
                   f"WHERE {table}.{names[0]} = v.{names[0]}")
            params = [value for row in zip(*by_column, strict=True) for value in row]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


@transaction.atomic
def update_calendar(*, user, calendar, expected_version=None, **fields):
    """Change a working calendar and re-schedule the projects that use it, in one transaction."""
    require(user, "calendar.manage")
    calendar = WorkCalendar.objects.select_for_update().get(pk=calendar.pk)
    if expected_version is not None and expected_version != calendar.version:
        raise StaleVersion(_("This calendar was changed by someone else."), current=calendar)
    for name in ("name", "weekend_days", "holidays", "extra_workdays"):
        if name in fields:
            setattr(calendar, name, fields[name])
    calendar.full_clean()
    calendar.save()
    reschedule_calendar(calendar=calendar)
    return calendar


def reschedule_calendar(*, calendar):
    """A calendar changed: re-schedule every project on it (the default one: on none)."""
    projects = Project.objects.filter(calendar=calendar)
    if calendar.is_default:
        projects = projects | Project.objects.filter(calendar__isnull=True)
    for project in projects.select_related("calendar"):
        schedule_project(project=project)


# --- Tasks ----------------------------------------------------------------------------------

def _lock_project(project):
    """Serialise plan changes of one project; the scheduler reads and writes the whole plan."""
    # `of` keeps the lock off the calendar, which PostgreSQL cannot lock through an outer join.
    return (
        Project.objects.select_for_update(of=("self",)).select_related("calendar")
        .get(pk=project.pk)
    )


def _lock_task(task, expected_version):
    fresh = Task.objects.select_for_update().get(pk=task.pk)
    if expected_version is not None and expected_version != fresh.version:
        raise StaleVersion(_("This task was changed by someone else."), current=fresh)
    return fresh


def _apply_dates(project, fields):
    """The convenience write: planned_start + planned_end set the constraint and duration."""
    start, end = fields.pop("planned_start", None), fields.pop("planned_end", None)
    if start is None and end is None:
        return
    if start is None or end is None:
        raise ValidationError({"planned_end" if start else "planned_start": _(
            "Send planned_start and planned_end together."
        )})
    if end < start:
        raise ValidationError({"planned_end": _("The finish cannot be before the start.")})
    fields["start_no_earlier_than"] = start
    fields["duration_days"] = working_days(project=project, start=start, end=end)


def _check_parent(project, parent, task=None):
    if parent is None:
        return
    if parent.project_id != project.pk:
        raise ValidationError({"parent": _("The parent must be a task of the same project.")})
    if task is not None:
        node = parent
        while node is not None:
            if node.pk == task.pk:
                raise ValidationError({"parent": _("A task cannot be moved under itself.")})
            node = node.parent
    if Dependency.objects.filter(predecessor=parent).exists() or Dependency.objects.filter(
        successor=parent
    ).exists():
        raise ValidationError({"parent": _(
            "“%(name)s” has dependencies; only leaf tasks are linked. Remove its links first."
        ) % {"name": parent.name}})


def _check_limits(fields):
    if fields.get("duration_days") is not None and fields["duration_days"] > MAX_WORKING_DAYS:
        raise ValidationError({"duration_days": _(
            "A task lasts at most %(max)s working days."
        ) % {"max": MAX_WORKING_DAYS}})
    if fields.get("start_no_earlier_than") and fields["start_no_earlier_than"] > LATEST_DATE:
        raise ValidationError({"start_no_earlier_than": _(
            "Choose a date before %(date)s."
        ) % {"date": LATEST_DATE.isoformat()}})


def _check_owner(project, owner):
    if owner is not None and not project.memberships.filter(user=owner).exclude(
        role="client"
    ).exists():
        raise ValidationError({"owner": _("The owner must be an internal member of the team.")})


@transaction.atomic
def create_task(*, user, project, parent=None, position=None, **fields):
    require(user, "plan.change", project)
    project = _lock_project(project)
    _apply_dates(project, fields)
    _check_limits(fields)
    _check_parent(project, parent)
    _check_owner(project, fields.get("owner"))
    siblings = Task.objects.filter(project=project, parent=parent)
    if position is None:
        position = (siblings.aggregate(m=Max("position"))["m"] or 0) + 1
    else:
        siblings.filter(position__gte=position).update(position=F("position") + 1)
    task = Task(project=project, parent=parent, position=position,
                **{k: v for k, v in fields.items() if k in TASK_FIELDS})
    task.full_clean(exclude=["project", "parent", "wbs", "sort_key"])
    task.save()
    schedule_project(project=project)
    task.refresh_from_db()
    return task


@transaction.atomic
def update_task(*, user, task, expected_version=None, **fields):
    require(user, "plan.change", task.project)
    project = _lock_project(task.project)
    task = _lock_task(task, expected_version)
    _apply_dates(project, fields)
    _check_limits(fields)
    if "owner" in fields:
        _check_owner(project, fields["owner"])
    if "parent" in fields and fields["parent"] != task.parent:
        _check_parent(project, fields["parent"], task)
        task.parent = fields["parent"]
        task.position = (Task.objects.filter(project=project, parent=task.parent)
                         .aggregate(m=Max("position"))["m"] or 0) + 1
    for name in TASK_FIELDS:
        if name in fields:
            setattr(task, name, fields[name])
    task.full_clean(exclude=["project", "parent", "wbs", "sort_key"])
    task.save()
    schedule_project(project=project)
    task.refresh_from_db()
    return task


@transaction.atomic
def delete_task(*, user, task):
    require(user, "plan.change", task.project)
    project = _lock_project(task.project)
    task.delete()
    schedule_project(project=project)


@transaction.atomic
def indent_task(*, user, task, expected_version=None):
    """Make the task a child of the sibling above it (MS Project's indent)."""
    require(user, "plan.change", task.project)
    project = _lock_project(task.project)
    task = _lock_task(task, expected_version)
    above = (Task.objects.filter(project=project, parent=task.parent, position__lt=task.position)
             .order_by("-position").first())
    if above is None:
        raise ValidationError({"parent": _("There is no task above to indent under.")})
    _check_parent(project, above, task)
    task.parent = above
    task.position = (above.children.aggregate(m=Max("position"))["m"] or 0) + 1
    task.save()
    schedule_project(project=project)
    return task


@transaction.atomic
def outdent_task(*, user, task, expected_version=None):
    """Move the task up one level, right after its former parent."""
    require(user, "plan.change", task.project)
    project = _lock_project(task.project)
    task = _lock_task(task, expected_version)
    parent = task.parent
    if parent is None:
        raise ValidationError({"parent": _("The task is already at the top level.")})
    Task.objects.filter(project=project, parent=parent.parent, position__gt=parent.position
                        ).update(position=F("position") + 1)
    task.parent = parent.parent
    task.position = parent.position + 1
    task.save()
    schedule_project(project=project)
    return task


@transaction.atomic
def move_task(*, user, task, direction, expected_version=None):
    """Swap the task with its sibling above (direction -1) or below (+1)."""
    require(user, "plan.change", task.project)
    project = _lock_project(task.project)
    task = _lock_task(task, expected_version)
    siblings = Task.objects.filter(project=project, parent=task.parent)
    other = (siblings.filter(position__lt=task.position).order_by("-position").first()
             if direction < 0 else
             siblings.filter(position__gt=task.position).order_by("position").first())
    if other is not None:
        task.position, other.position = other.position, task.position
        Task.objects.filter(pk=other.pk).update(position=other.position)
        task.save()
        schedule_project(project=project)
    return task


# --- Dependencies ---------------------------------------------------------------------------

def _validate_link(project, predecessor, successor, type_, lag_days, *, existing=None):
    if predecessor.project_id != project.pk or successor.project_id != project.pk:
        raise ValidationError({"successor": _("Both tasks must belong to the same project.")})
    if predecessor.pk == successor.pk:
        raise ValidationError({"successor": _("A task cannot depend on itself.")})
    if type_ not in Dependency.Type.values:
        raise ValidationError({"type": _("Type must be one of FS, SS, FF, SF.")})
    if not isinstance(lag_days, int) or isinstance(lag_days, bool):
        raise ValidationError({"lag_days": _("Lag must be a whole number of working days.")})
    if abs(lag_days) > MAX_WORKING_DAYS:
        raise ValidationError({"lag_days": _(
            "A lag or lead is at most %(max)s working days."
        ) % {"max": MAX_WORKING_DAYS}})
    parents = set(Task.objects.filter(
        pk__in=[predecessor.pk, successor.pk], children__isnull=False
    ).values_list("pk", flat=True))
    if parents:
        raise ValidationError({
            "predecessor" if predecessor.pk in parents else "successor":
            _("Only leaf tasks can be linked, not summary tasks.")
        })
    pairs = existing if existing is not None else list(
        Dependency.objects.filter(project=project).values_list("predecessor_id", "successor_id")
    )
    if (predecessor.pk, successor.pk) in set(pairs):
        raise ValidationError({"successor": _("These two tasks are already linked.")})
    cycle = scheduling.would_create_cycle(
        pairs, predecessor=predecessor.pk, successor=successor.pk
    )
    if cycle:
        raise CycleValidationError(cycle)


class CycleValidationError(ValidationError):
    """A link would close a loop; `cycle` names the task ids in link order (API.md: 400)."""

    def __init__(self, cycle):
        names = dict(Task.objects.filter(pk__in=cycle).values_list("pk", "name"))
        path = " → ".join(names.get(pk, str(pk)) for pk in [*cycle, cycle[0]])
        super().__init__(_("This link would create a cycle: %(path)s") % {"path": path})
        self.cycle = cycle


@transaction.atomic
def add_dependency(*, user, predecessor, successor, type="FS", lag_days=0):
    project = predecessor.project
    require(user, "plan.change", project)
    project = _lock_project(project)
    _validate_link(project, predecessor, successor, type, lag_days)
    link = Dependency.objects.create(
        project=project, predecessor=predecessor, successor=successor, type=type,
        lag_days=lag_days,
    )
    schedule_project(project=project)
    return link


@transaction.atomic
def delete_dependency(*, user, dependency):
    require(user, "plan.change", dependency.project)
    project = _lock_project(dependency.project)
    dependency.delete()
    schedule_project(project=project)


def parse_predecessors(text):
    """`"3FS+2, 5SS, 7"` → [(3, "FS", 2), (5, "SS", 0), (7, "FS", 0)] (row numbers, MS Project)."""
    links = []
    for token in filter(None, (t.strip() for t in re.split(r"[,;，；]", text or ""))):
        match = PREDECESSOR_TOKEN.match(token)
        if not match:
            raise ValidationError({"predecessors": _(
                "“%(token)s” is not a predecessor like 3, 3FS, 5SS+2 or 7FF-1."
            ) % {"token": token}})
        row, type_, lag = match.groups()
        links.append((int(row), (type_ or "FS").upper(), int(re.sub(r"\s", "", lag or "0"))))
    return links


@transaction.atomic
def set_predecessors(*, user, task, text, rows):
    """Replace the task's predecessor links from planner notation; `rows` maps row → task."""
    require(user, "plan.change", task.project)
    project = _lock_project(task.project)
    wanted = []
    for row, type_, lag in parse_predecessors(text):
        predecessor = rows.get(row)
        if predecessor is None:
            raise ValidationError({"predecessors": _("There is no row %(row)s.") % {"row": row}})
        wanted.append((predecessor, type_, lag))
    Dependency.objects.filter(successor=task).delete()
    pairs = list(
        Dependency.objects.filter(project=project).values_list("predecessor_id", "successor_id")
    )
    for predecessor, type_, lag in wanted:
        _validate_link(project, predecessor, task, type_, lag, existing=pairs)
        Dependency.objects.create(project=project, predecessor=predecessor, successor=task,
                                  type=type_, lag_days=lag)
        pairs.append((predecessor.pk, task.pk))
    schedule_project(project=project)


def predecessor_text(links, row_of):
    """The planner notation for a task's predecessor links (inverse of parse_predecessors)."""
    parts = []
    for link in links:
        lag = f"{link.lag_days:+d}" if link.lag_days else ""
        kind = "" if link.type == "FS" and not lag else link.type
        parts.append(f"{row_of[link.predecessor_id]}{kind}{lag}")
    return ", ".join(parts)


# --- Project dates and calendars --------------------------------------------------------------

@transaction.atomic
def reschedule(*, user, project):
    require(user, "plan.change", project)
    return schedule_project(project=_lock_project(project))


# --- Import ---------------------------------------------------------------------------------

class PlanImportError(ValidationError):
    """An imported plan that cannot be applied; `errors` lists {row, field, message}."""

    def __init__(self, errors):
        super().__init__(_("The plan has errors; nothing was imported."))
        self.errors = errors


def plan_errors(*, project, rows):
    """Every problem of a plan given as rows (see import_plan), in row order."""
    errors = []

    def error(row, field, message):
        errors.append({"row": row["row"], "field": field, "message": str(message)})

    members = set(project.memberships.exclude(role="client").values_list("user_id", flat=True))
    by_ref = {}
    level_above = 0
    for row in rows:
        ref = row.get("id")
        if not isinstance(ref, int) or isinstance(ref, bool) or ref < 1:
            error(row, "id", _("The ID must be a whole number from 1."))
        elif ref in by_ref:
            error(row, "id", _("ID %(id)s is used by row %(row)s already.")
                  % {"id": ref, "row": by_ref[ref]["row"]})
        else:
            by_ref[ref] = row
        level = row.get("level")
        if not isinstance(level, int) or isinstance(level, bool) or level < 1:
            error(row, "level", _("The level must be a whole number from 1 (top)."))
        elif level > level_above + 1:
            error(row, "level", _(
                "Level %(level)s cannot follow level %(above)s: go down one level at a time."
            ) % {"level": level, "above": level_above} if level_above else _(
                "The first task must be at level 1."
            ))
        else:
            level_above = level
        name = row.get("name") or ""
        if not name.strip():
            error(row, "name", _("Every task needs a name."))
        elif len(name) > Task._meta.get_field("name").max_length:
            error(row, "name", _("A name has at most %(max)s characters.")
                  % {"max": Task._meta.get_field("name").max_length})
        owner = row.get("owner")
        if owner is not None and owner.pk not in members:
            error(row, "owner", _("The owner must be an internal member of the team."))
        duration = row.get("duration_days")
        if not isinstance(duration, int) or isinstance(duration, bool) or not (
            0 <= duration <= MAX_WORKING_DAYS
        ):
            error(row, "duration_days", _(
                "The duration is a whole number of working days from 0 to %(max)s."
            ) % {"max": MAX_WORKING_DAYS})
        start = row.get("start_no_earlier_than")
        if start is not None and start > LATEST_DATE:
            error(row, "start_no_earlier_than", _("Choose a date before %(date)s.")
                  % {"date": LATEST_DATE.isoformat()})
    summaries = _plan_summaries(rows)
    links = []
    for row in rows:
        if row.get("predecessors") and id(row) in summaries:
            error(row, "predecessors", _("Only leaf tasks can be linked, not summary tasks."))
            continue
        seen = set()
        for ref, type_, lag in row.get("predecessors", ()):
            message = None
            if ref not in by_ref:
                message = _("There is no task with ID %(id)s.") % {"id": ref}
            elif by_ref[ref] is row:
                message = _("A task cannot depend on itself.")
            elif ref in seen:
                message = _("ID %(id)s is listed twice.") % {"id": ref}
            elif type_ not in Dependency.Type.values:
                message = _("Type must be one of FS, SS, FF, SF.")
            elif abs(lag) > MAX_WORKING_DAYS:
                message = _("A lag or lead is at most %(max)s working days.") % {
                    "max": MAX_WORKING_DAYS}
            elif id(by_ref[ref]) in summaries:
                message = _("ID %(id)s is a summary task; only leaf tasks can be linked.") % {
                    "id": ref}
            if message:
                error(row, "predecessors", message)
                continue
            seen.add(ref)
            links.append((ref, row["id"]))
    if not errors:
        cycle = scheduling.find_cycle(list(by_ref), links)
        if cycle:
            error(by_ref[cycle[0]], "predecessors", _("The links form a cycle: %(path)s") % {
                "path": " → ".join(str(ref) for ref in [*cycle, cycle[0]])})
    return errors


def _plan_summaries(rows):
    """ids (Python's) of the rows that have a row one level below them right after."""
    return {
        id(row) for row, below in zip(rows, rows[1:], strict=False)
        if isinstance(row.get("level"), int) and isinstance(below.get("level"), int)
        and below["level"] > row["level"]
    }


@transaction.atomic
def import_plan(*, user, project, rows):
    """Replace the project's whole plan by `rows`, all of it or nothing, and schedule it once.

    Each row is a mapping: `row` (how errors name it; default its position from 1), `id` (a
    number unique in the plan, which `predecessors` refer to), `level` (1 = top; a row one level
    deeper than the row above is its child), `name`, `owner` (a User or None),
    `duration_days`, `start_no_earlier_than`, `client_visible`, `predecessors`
    (as parse_predecessors returns them), and optionally `estimate_hours`, `planned_cost`,
    `notes`. Problems raise PlanImportError listing every one; a plan with progress reported
    on it is not replaced (ConflictError). Returns the numbers of tasks and dependencies created.
    """
    require(user, "plan.change", project)
    project = _lock_project(project)
    started = Task.objects.filter(project=project).filter(
        Q(percent_complete__gt=0) | Q(actual_start__isnull=False)
        | Q(progress_entries__isnull=False)
    )
    if started.exists():
        # Replacing the tasks would delete the progress reported on them.
        raise ConflictError(_(
            "Progress has been reported on this plan, and an import would erase it; change "
            "the plan task by task instead."
        ))
    rows = [{"row": number, **row} for number, row in enumerate(rows, start=1)]
    errors = plan_errors(project=project, rows=rows)
    if errors:
        raise PlanImportError(errors)
    Task.objects.filter(project=project).delete()
    # One insert per level: a level's parents have their ids by the time it is written.
    by_depth, parent_ref, positions, stack = {}, {}, {}, []
    for row in rows:
        del stack[row["level"] - 1:]
        parent_ref[row["id"]] = stack[-1] if stack else None
        positions[parent_ref[row["id"]]] = positions.get(parent_ref[row["id"]], 0) + 1
        by_depth.setdefault(row["level"], []).append((row, positions[parent_ref[row["id"]]]))
        stack.append(row["id"])
    pk_of = {}
    for depth in sorted(by_depth):
        level_rows = by_depth[depth]
        tasks = [
            Task(
                project=project, parent_id=pk_of.get(parent_ref[row["id"]]), position=position,
                name=row["name"].strip(), owner=row.get("owner"),
                duration_days=row["duration_days"],
                start_no_earlier_than=row.get("start_no_earlier_than"),
                client_visible=bool(row.get("client_visible")),
                estimate_hours=row.get("estimate_hours"), planned_cost=row.get("planned_cost"),
                notes=row.get("notes") or "",
            )
            for row, position in level_rows
        ]
        created = bulk_create_with_history(tasks, Task, batch_size=500, default_user=user)
        pk_of.update((row["id"], task.pk) for (row, _position), task in zip(
            level_rows, created, strict=True))
    links = Dependency.objects.bulk_create(
        [
            Dependency(project=project, predecessor_id=pk_of[ref], successor_id=pk_of[row["id"]],
                       type=type_, lag_days=lag)
            for row in rows for ref, type_, lag in row.get("predecessors", ())
        ],
        batch_size=1000,
    )
    schedule_project(project=project)
    return {"tasks": len(pk_of), "dependencies": len(links)}


# --- Baselines ------------------------------------------------------------------------------

@transaction.atomic
def take_baseline(*, user, project, name=""):
    require(user, "plan.change", project)
    project = _lock_project(project)
    result = schedule_project(project=project)
    number = (project.baselines.aggregate(m=Max("number"))["m"] or 0) + 1
    baseline = Baseline.objects.create(
        project=project, number=number, name=name or str(_("Baseline %(n)s") % {"n": number}),
        project_start=result.project_start if result.tasks else project.planned_start,
        project_finish=result.project_finish if result.tasks else project.planned_end,
        taken_by=user,
    )
    BaselineTask.objects.bulk_create(
        (BaselineTask(baseline=baseline, task_id=pk, planned_start=start, planned_end=end,
                      duration_days=duration)
         for pk, start, end, duration in Task.objects.filter(project=project).values_list(
             "pk", "planned_start", "planned_end", "duration_days")),
        batch_size=2000,
    )
    return baseline
