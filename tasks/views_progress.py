"""Progress pages (P3.2a, P3.2b, P2.1a): My tasks with quick updates, the weekly progress
tracking sheet (进度跟踪表) and its Excel upload, the task page, open problems, and the weekly
status report (项目周报).

Members report on their own tasks, the assistant and the pm on any task and on the whole
sheet (projects.permissions); every write goes through tasks.progress. Like the planning
page, the sheet builds its rows in Python: a 1,000-task week has 15,000 cells.
"""
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import StaleVersion
from projects.models import Membership, Project
from projects.permissions import can, internal_projects, remember_roles, require
from projects.selectors import Change, _diffs, _previous_records

from . import progress, reports, sheet_excel
from .forms import ProgressForm, SheetUploadForm, plain_number
from .models import BaselineTask, Dependency, ProgressEntry, Task
from .views import DateLabels

SHEET_FIELDS = ("percent_complete", "hours", "note", "problems")
HISTORY_PAGE = 20
# Fields the task's history does not list: the version goes up with every save, and the
# scheduler rewrites the rest after each plan change without a history record of its own, so
# their changes would show up attributed to whoever saved the task next.
HISTORY_HIDDEN = ("version", "planned_start", "planned_end", "is_critical", "wbs", "is_summary",
                  "position")
ENTRY_LIMIT = 200


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _project(request, pk, action="project.view_internal"):
    project = get_object_or_404(Project.objects.select_related("calendar"), pk=pk)
    require(request.user, action, project)
    return project


def _task(project, task_pk):
    return get_object_or_404(
        Task.objects.select_related("owner", "project"), pk=task_pk, project=project
    )


def _week(request, today):
    """The ISO week asked for (`?week=2026-W48`, default this week), or None when malformed."""
    week = request.POST.get("week") or request.GET.get("week") or progress.week_of(today)
    try:
        monday, sunday = progress.parse_week(week)
    except ValidationError:
        return None
    return week, monday, sunday


def _week_nav(monday, sunday, today):
    return {
        "previous": progress.week_of(monday - timedelta(days=7)),
        "next": progress.week_of(monday + timedelta(days=7)),
        "current": progress.week_of(today),
        "monday": monday,
        "sunday": sunday,
        "is_current": monday <= today <= sunday,
        "is_future": monday > today,
    }


def _task_url(task):
    return reverse("tasks:task_detail", args=[task.project_id, task.pk])


def _safe_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


# --- My tasks (P3.2a) ---------------------------------------------------------------------------

GROUPS = {
    "attention": 0,
    "this_week": 1,
    "later": 2,
    "closed": 3,
}


@dataclass
class MyTaskRow:
    task: Task
    group: str
    overdue: bool
    due_this_week: bool
    can_report: bool

    @property
    def url(self):
        return _task_url(self.task)


def _my_rows(user, tasks, today):
    """Rows with their flags and group; permissions answered from roles fetched once."""
    tasks = list(tasks)
    project_ids = {task.project_id for task in tasks}
    roles = dict(Membership.objects.filter(user=user, project_id__in=project_ids)
                 .values_list("project_id", "role"))
    remember_roles(user, {pk: roles.get(pk) for pk in project_ids})
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    rows = []
    for task in tasks:
        overdue = progress.is_overdue(task, today)
        due = bool(task.planned_end and monday <= task.planned_end <= sunday)
        if task.status in progress.CLOSED_STATUSES:
            group = "closed"
        elif overdue or task.is_critical:
            group = "attention"
        elif due:
            group = "this_week"
        else:
            group = "later"
        rows.append(MyTaskRow(task, group, overdue, due,
                              can(user, "progress.report", task)))
    rows.sort(key=lambda r: (
        GROUPS[r.group], not r.overdue, r.task.planned_end or date.max,
        r.task.project.code, r.task.sort_key, r.task.pk,
    ))
    return rows


def _my_tasks_queryset(user):
    return Task.objects.filter(
        owner=user, is_summary=False, project__in=internal_projects(user).values("pk")
    ).select_related("project")


def _my_row_response(request, task, *, form=None, saved=False, status=200):
    task = _my_tasks_queryset(request.user).filter(pk=task.pk).first() or task
    today = timezone.localdate()
    row = _my_rows(request.user, [task], today)[0]
    return render(request, "tasks/_my_task.html", {
        "row": row, "form": form, "saved": saved, "today": today,
    }, status=status)


@login_required
def my_tasks(request):
    """The signed-in user's own tasks across their projects: what needs attention first."""
    user = request.user
    if user.is_client:
        raise Http404
    show_closed = request.GET.get("done") == "1"
    today = timezone.localdate()
    tasks = _my_tasks_queryset(user)
    if not show_closed:
        tasks = tasks.exclude(status__in=progress.CLOSED_STATUSES)
    rows = _my_rows(user, tasks, today)
    groups = []
    for row in rows:
        if not groups or groups[-1][0] != row.group:
            groups.append((row.group, []))
        groups[-1][1].append(row)
    return render(request, "tasks/my_tasks.html", {
        "groups": groups, "count": len(rows), "show_closed": show_closed, "today": today,
        "attention": sum(1 for r in rows if r.group == "attention"),
    })


@login_required
def my_task_row(request, pk, task_pk):
    """A task's row of My tasks as read (the Cancel of its update form)."""
    project = _project(request, pk)
    task = _task(project, task_pk)
    if not _is_htmx(request):
        return redirect("tasks:my_tasks")
    return _my_row_response(request, task)


@login_required
def task_progress(request, pk, task_pk):
    """GET: the quick update form in the task's My tasks row. POST: record the report."""
    project = _project(request, pk)
    task = _task(project, task_pk)
    require(request.user, "progress.report", task)
    htmx = _is_htmx(request)
    if request.method != "POST":
        if htmx:
            form = ProgressForm(task=task)
            form.fields["percent_complete"].widget.attrs["autofocus"] = True
            return _my_row_response(request, task, form=form)
        return redirect(_task_url(task) + "#report")
    form = ProgressForm(request.POST, task=task)
    if form.is_valid():
        data = form.cleaned_data
        try:
            progress.record_progress(
                user=request.user, task=task, percent_complete=data["percent_complete"],
                hours=data["hours"], note=data["note"], problems=data["problems"],
                expected_version=data["version"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        except StaleVersion:
            current = Task.objects.get(pk=task.pk)
            # Keep what was typed; the next save applies it to the task as it is now.
            form.data = form.data.copy()
            form.data["version"] = current.version
            form.add_error(None, _(
                "Someone else changed this task meanwhile: it is now %(percent)s %% complete "
                "(%(status)s). Check your figures and save again."
            ) % {"percent": plain_number(current.percent_complete),
                 "status": current.get_status_display()})
        else:
            if htmx:
                return _my_row_response(request, task, saved=True)
            messages.success(request, _("Progress on “%(name)s” was recorded.") % {
                "name": task.name})
            return redirect(_safe_next(request, _task_url(task)))
    if htmx:
        return _my_row_response(request, task, form=form)
    return _task_page(request, project, task, form=form)


# --- The weekly progress tracking sheet (P3.2b) -------------------------------------------------

def _sheet_labels():
    """Words each row repeats, translated and escaped once per page."""
    critical, overdue = escape(_("Critical")), escape(_("Overdue"))
    problem = escape(_("Open problem"))
    return {
        "critical": (f'<i class="bi bi-exclamation-diamond-fill text-critical" role="img" '
                     f'aria-label="{critical}" title="{critical}"></i>'),
        "overdue": (f'<i class="bi bi-alarm-fill text-warning-emphasis" role="img" '
                    f'aria-label="{overdue}" title="{overdue}"></i>'),
        "problem": (f'<i class="bi bi-flag-fill text-danger ms-1" role="img" '
                    f'aria-label="{problem}" title="{problem}"></i>'),
        "status": {value: escape(str(label)) for value, label in Task.Status.choices},
        "fields": {
            "percent_complete": _("% complete"), "hours": _("Hours this week"),
            "note": _("Progress note"), "problems": _("Problems"),
        },
        "theirs": escape(_("Theirs")),
        "conflict": escape(_("Changed by someone else")),
        "take_theirs": escape(_("Use theirs")),
        "keep_mine": escape(_("Keep mine")),
    }


def _cell_values(task):
    return {
        "percent_complete": plain_number(task.percent_complete),
        "hours": plain_number(task.week_hours),
        "note": task.week_note or "",
        "problems": task.week_problems or "",
    }


def _posted_text(value):
    return "" if value is None else str(value)


class SheetRow:
    """One task of the sheet as the table shows it; the cells are built in Python."""

    __slots__ = ("task", "number", "overdue")

    def __init__(self, task, number, today):
        self.task = task
        self.number = number
        self.overdue = progress.is_overdue(task, today)

    def html(self, *, labels, dates, can_edit, task_url, posted=None, errors=None,
             conflict=False):
        task = self.task
        values = _cell_values(task)
        classes = []
        if task.is_critical:
            classes.append("row-critical")
        if self.overdue:
            classes.append("row-overdue")
        if conflict:
            classes.append("sheet-conflict")
        version = task.version
        if posted is not None:
            version = posted.get("version", version)
        attrs = f' data-task="{task.pk}" data-version="{escape(str(version))}"'
        if conflict:
            attrs += f' data-current-version="{task.version}"'
        name = (f'<a class="sheet-task-link" id="sn-{task.pk}" href="{task_url}{task.pk}/">'
                f'{escape(task.name)}</a>' + (labels["problem"] if task.has_open_problem else ""))
        row_errors = [message for field, message in (errors or {}).items()
                      if field not in SHEET_FIELDS]
        if row_errors:
            name += "".join(f'<div class="sheet-error">{escape(m)}</div>' for m in row_errors)
        if conflict:
            name += (
                f'<div class="sheet-conflict-note"><i class="bi bi-exclamation-triangle-fill" '
                f'aria-hidden="true"></i> {labels["conflict"]}<div class="mt-1">'
                f'<button type="button" class="btn btn-sm btn-outline-secondary" '
                f'data-sheet-theirs>{labels["take_theirs"]}</button> '
                f'<button type="button" class="btn btn-sm btn-outline-primary" '
                f'data-sheet-mine>{labels["keep_mine"]}</button></div></div>'
            )
        owner = escape(str(task.owner)) if task.owner_id else ""
        cells = [
            f'<tr id="sheet-{task.pk}" class="{" ".join(classes)}"{attrs}>',
            f'<td class="text-end text-body-secondary">{self.number}</td>',
            f'<td class="text-body-secondary col-wbs">{escape(task.wbs)}</td>',
            f'<td class="col-name">{name}</td>',
            f'<td class="col-owner">{owner}</td>',
            f"<td>{dates[task.planned_start]}</td><td>{dates[task.planned_end]}</td>",
        ]
        for field in SHEET_FIELDS:
            cells.append(self._cell(field, values[field], labels=labels, can_edit=can_edit,
                                    posted=posted, error=(errors or {}).get(field),
                                    conflict=conflict))
        cells += [
            f'<td class="text-center">{labels["critical"] if task.is_critical else ""}</td>',
            f'<td class="text-center">{labels["overdue"] if self.overdue else ""}</td>',
            f'<td class="col-status"><span class="task-status task-status-{task.status}">'
            f'{labels["status"].get(task.status, escape(task.status))}</span></td>',
            "</tr>",
        ]
        return "".join(cells)

    def _cell(self, field, value, *, labels, can_edit, posted, error, conflict):
        number = field in ("percent_complete", "hours")
        css = f"col-{field.replace('_', '-')}" + (" text-end" if number else "")
        if not can_edit:
            text = escape(value)
            if field in ("note", "problems") and value:
                text = f'<span class="sheet-text" title="{text}">{text}</span>'
            return f'<td class="{css}">{text}</td>'
        shown = value
        extra = ""
        sent = posted is not None and field in posted
        if sent:
            shown = _posted_text(posted[field])
            if shown != value or conflict:
                extra += f' data-orig="{escape(value)}"'
        if conflict:
            extra += f' data-theirs="{escape(value)}"'
        input_css = "sheet-input" + (" is-invalid" if error else "")
        mode = ' inputmode="decimal"' if number else f' maxlength="{progress.MAX_TEXT}"'
        # Named by its column header and its task's name, both already on the page.
        html = (f'<td class="{css}"><input class="{input_css}" data-field="{field}" '
                f'value="{escape(shown)}" aria-labelledby="sh-{field} sn-{self.task.pk}"'
                f'{mode}{extra}>')
        if error:
            html += f'<div class="sheet-error">{escape(error)}</div>'
        # Their value beside yours where you typed one; an untouched cell shows theirs anyway.
        if conflict and sent:
            html += (f'<div class="sheet-theirs"><span>{labels["theirs"]}</span> '
                     f'{escape(value) or "—"}</div>')
        return html + "</td>"


def _parse_posted_rows(raw):
    """The changed rows the page posts as JSON: a list of objects, or None when unreadable."""
    try:
        rows = json.loads(raw or "")
    except ValueError:
        return None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        return None
    return rows


def _posted_by_task(rows):
    posted = {}
    for row in rows or ():
        task = row.get("task")
        if isinstance(task, int) and not isinstance(task, bool):
            posted[task] = row
    return posted


def _sheet_page(request, project, week, monday, sunday, *, posted=None, errors=None,
                conflicts=None, problems=None, status=200):
    today = timezone.localdate()
    user = request.user
    may_edit = can(user, "progress.report_any", project)
    can_edit = may_edit and monday <= today
    tasks = list(progress.sheet_tasks(project=project, week=week))
    labels = _sheet_labels()
    dates = DateLabels()
    task_url = reverse("tasks:task_detail", args=[project.pk, 0]).removesuffix("0/")
    posted = posted or {}
    by_task = {}
    for error in errors or ():
        if error.get("task") is not None:
            by_task.setdefault(error["task"], {}).setdefault(error["field"], error["message"])
    conflicts = set(conflicts or ())
    html, names = [], {}
    for number, task in enumerate(tasks, start=1):
        names[task.pk] = (number, task)
        row = SheetRow(task, number, today)
        html.append(row.html(
            labels=labels, dates=dates, can_edit=can_edit, task_url=task_url,
            posted=posted.get(task.pk), errors=by_task.get(task.pk),
            conflict=task.pk in conflicts,
        ))
    listed_errors = []
    for error in errors or ():
        number, task = names.get(error.get("task"), (None, None))
        listed_errors.append({
            "number": number, "task": task, "message": error["message"],
            "field": labels["fields"].get(error["field"], ""),
        })
    context = {
        "project": project,
        "tab": "sheet",
        "week": week,
        "week_nav": _week_nav(monday, sunday, today),
        "may_edit": may_edit,
        "can_edit": can_edit,
        "rows_html": mark_safe("".join(html)),  # noqa: S308 - every value is escaped above
        "row_count": len(tasks),
        "critical_count": sum(1 for t in tasks if t.is_critical),
        "overdue_count": sum(1 for t in tasks if progress.is_overdue(t, today)),
        "problem_count": sum(1 for t in tasks if t.has_open_problem),
        "errors": listed_errors,
        "conflict_rows": [names[pk] for pk in sorted(conflicts, key=lambda pk: names.get(
            pk, (0,))[0]) if pk in names],
        "problems": problems or [],
        "xlsx_url": reverse("project-progress-sheet-xlsx", args=[project.pk])
        + f"?week={week}",
    }
    return render(request, "tasks/sheet.html", context, status=status)


@login_required
def sheet(request, pk):
    """GET: the week's sheet. POST (pm, assistant): save the changed rows, all or nothing."""
    project = _project(request, pk)
    today = timezone.localdate()
    chosen = _week(request, today)
    if chosen is None:
        messages.error(request, _("Give the week as an ISO week like 2026-W48."))
        return redirect("tasks:sheet", pk=project.pk)
    week, monday, sunday = chosen
    if request.method != "POST":
        return _sheet_page(request, project, week, monday, sunday)
    require(request.user, "progress.report_any", project)
    rows = _parse_posted_rows(request.POST.get("rows"))
    if rows is None:
        return _sheet_page(request, project, week, monday, sunday, problems=[
            _("The sheet could not be read; nothing was saved. Reload the page and try again.")
        ])
    if not rows:
        messages.info(request, _("Nothing was changed."))
        return redirect(f"{reverse('tasks:sheet', args=[project.pk])}?week={week}")
    posted = _posted_by_task(rows)
    try:
        updated = progress.save_sheet(user=request.user, project=project, week=week, rows=rows)
    except progress.SheetErrors as error:
        return _sheet_page(request, project, week, monday, sunday, posted=posted,
                           errors=error.errors)
    except progress.SheetConflicts as error:
        return _sheet_page(request, project, week, monday, sunday, posted=posted,
                           conflicts=[c["task"] for c in error.conflicts])
    except ValidationError as error:
        return _sheet_page(request, project, week, monday, sunday, posted=posted,
                           problems=error.messages)
    messages.success(request, _(
        "The progress tracking sheet was saved: %(count)s task(s) changed."
    ) % {"count": updated})
    return redirect(f"{reverse('tasks:sheet', args=[project.pk])}?week={week}")


@login_required
def sheet_upload(request, pk):
    """Upload the week's filled-in Excel sheet (pm, assistant): all rows saved, or none."""
    project = _project(request, pk, "progress.report_any")
    today = timezone.localdate()
    chosen = _week(request, today)
    if chosen is None:
        raise Http404
    week, monday, sunday = chosen
    form = SheetUploadForm(request.POST or None, request.FILES or None)
    cell_errors, conflicts = [], []
    if request.method == "POST" and form.is_valid():
        try:
            updated = sheet_excel.import_sheet(user=request.user, project=project, week=week,
                                               file=form.cleaned_data["file"])
        except sheet_excel.SheetFileError as error:
            form.add_error("file", error.message)
        except sheet_excel.SheetCellsError as error:
            cell_errors = error.errors
        except sheet_excel.SheetConflictsError as error:
            conflicts = error.conflicts
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _(
                "The workbook was read and saved: %(count)s task(s) changed."
            ) % {"count": updated})
            return redirect(f"{reverse('tasks:sheet', args=[project.pk])}?week={week}")
    names = {}
    ids = {e["task"] for e in cell_errors if isinstance(e.get("task"), int)}
    if ids:
        names = dict(Task.objects.filter(project=project, pk__in=ids).values_list("pk", "name"))
    for error in cell_errors:
        error["name"] = names.get(error.get("task"), "")
    for conflict in conflicts:
        conflict["values"] = _cell_values(conflict["current"])
    return render(request, "tasks/sheet_upload.html", {
        "project": project, "tab": "sheet", "week": week,
        "week_nav": _week_nav(monday, sunday, today), "form": form,
        "cell_errors": cell_errors, "conflicts": conflicts,
        "xlsx_url": reverse("project-progress-sheet-xlsx", args=[project.pk])
        + f"?week={week}",
    }, status=200)


# --- The task page -------------------------------------------------------------------------------

def _task_history(task, page_number):
    """A page of the task's history, each change with its field diffs (old → new)."""
    model = Task.history.model
    page = Paginator(
        model.objects.filter(id=task.pk).select_related("history_user")
        .order_by("-history_date", "-history_id"), HISTORY_PAGE,
    ).get_page(page_number)
    records = list(page.object_list)
    previous = _previous_records(model, records)
    diffs = _diffs(model, records, previous)
    hidden = {model._meta.get_field(name).verbose_name for name in HISTORY_HIDDEN}
    page.object_list = [
        {
            "at": record.history_date, "actor": record.history_user,
            "action": {"+": "created", "-": "deleted"}.get(record.history_type, "changed"),
            "changes": [
                Change(field=c.field, old=_history_value(c.old), new=_history_value(c.new))
                for c in diffs.get(record.history_id, []) if c.field not in hidden
            ],
        }
        for record in records
    ]
    return page


def _history_value(value):
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return plain_number(value)
    return value


def _schedule_facts(task):
    baseline_row = (
        BaselineTask.objects.filter(task=task).select_related("baseline")
        .order_by("-baseline__number").first()
    )
    links = list(
        Dependency.objects.filter(successor=task).select_related("predecessor")
        .order_by("predecessor__sort_key")
    ) + list(
        Dependency.objects.filter(predecessor=task).select_related("successor")
        .order_by("successor__sort_key")
    )
    return baseline_row, links


def _task_page(request, project, task, *, form=None, status=200):
    user = request.user
    can_report = can(user, "progress.report", task)
    can_resolve = can(user, "progress.report_any", project)
    entries = list(
        ProgressEntry.objects.filter(task=task)
        .select_related("author", "problem_resolved_by").order_by("-date", "-id")[:ENTRY_LIMIT]
    )
    baseline_row, links = _schedule_facts(task)
    today = timezone.localdate()
    if can_report and form is None and not task.is_summary:
        form = ProgressForm(task=task)
    return render(request, "tasks/task_detail.html", {
        "project": project,
        "tab": "plan",
        "task": task,
        "parent": task.parent,
        "overdue": progress.is_overdue(task, today),
        "entries": entries,
        "entry_limit": ENTRY_LIMIT,
        "baseline_row": baseline_row,
        "predecessors": [link for link in links if link.successor_id == task.pk],
        "successors": [link for link in links if link.predecessor_id == task.pk],
        "history": _task_history(task, request.GET.get("page") or 1),
        "can_report": can_report and not task.is_summary,
        "can_resolve": can_resolve,
        "form": form,
        "today": today,
    }, status=status)


@login_required
def task_detail(request, pk, task_pk):
    project = _project(request, pk)
    task = get_object_or_404(
        Task.objects.select_related("owner", "project", "parent"), pk=task_pk, project=project
    )
    return _task_page(request, project, task)


# --- Open problems ------------------------------------------------------------------------------

@login_required
@require_POST
def resolve_problems(request, pk, task_pk):
    """The pm or assistant marks a task's reported problems as solved."""
    project = _project(request, pk, "progress.report_any")
    task = _task(project, task_pk)
    version = request.POST.get("version")
    version = int(version) if version and version.isdigit() else None
    error = None
    try:
        progress.resolve_problems(user=request.user, task=task, expected_version=version)
    except StaleVersion:
        error = _("A new report came in on this task meanwhile; read it and try again.")
    fallback = reverse("projects:detail", args=[project.pk])
    if _is_htmx(request):
        if error is None:
            return HttpResponse("")
        fresh = reports.with_latest_problem(
            Task.objects.filter(pk=task.pk).select_related("owner")).first()
        return render(request, "tasks/_open_problem.html", {
            "project": project, "item": fresh, "can_resolve": True, "error": error,
        })
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The problems reported on “%(name)s” are marked solved.")
                         % {"name": task.name})
    return redirect(_safe_next(request, fallback))


# --- The weekly status report (项目周报) ----------------------------------------------------

def _report_week(request, project):
    today = timezone.localdate()
    chosen = _week(request, today)
    if chosen is None:
        messages.error(request, _("Give the week as an ISO week like 2026-W48."))
        return None
    return chosen[0]


@login_required
def status_report(request, pk):
    project = _project(request, pk)
    week = _report_week(request, project)
    if week is None:
        return redirect("tasks:status_report", pk=project.pk)
    report = reports.build_status_report(project=project, week=week)
    today = timezone.localdate()
    return render(request, "tasks/status_report.html", {
        "project": project, "tab": "report", "report": report,
        "week_nav": _week_nav(report.monday, report.sunday, today),
        "today": today,
    })


@login_required
def status_report_xlsx(request, pk):
    project = _project(request, pk)
    week = _report_week(request, project)
    if week is None:
        return redirect("tasks:status_report", pk=project.pk)
    report = reports.build_status_report(project=project, week=week)
    response = HttpResponse(reports.status_report_workbook(report),
                            content_type=sheet_excel.CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=reports.filename(report))
    return response
