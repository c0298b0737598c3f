"""The planning page (P3.1c, P3.2b): the WBS table and its schedule, edited in place; baselines.

Every internal viewer of a project reads the plan; only its project manager changes it, and only
through tasks.services, which re-schedule in the same transaction. Because one edit can move
many dates, an edit answers with the whole table (and the schedule summary) rather than a row.
"""
from datetime import timedelta
from html import escape
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import StaleVersion
from projects.models import Membership, Project
from projects.permissions import can, require

from . import selectors, services
from .forms import AddTaskForm, BaselineForm, TaskRowForm, add_service_errors
from .models import Baseline, BaselineTask, Dependency, Task

PLAN_ACTIONS = ("indent", "outdent", "up", "down", "delete", "add-below", "add-child")
ROW_FIELDS = ("name", "duration_days", "start", "finish", "predecessors", "owner")


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _project(request, pk, action="project.view_internal"):
    project = get_object_or_404(Project.objects.select_related("calendar"), pk=pk)
    require(request.user, action, project)
    return project


def _task(project, task_pk):
    return get_object_or_404(
        Task.objects.select_related("owner", "project", "project__calendar"),
        pk=task_pk, project=project,
    )


def _baseline(project, value):
    """The baseline chosen for comparison (`?baseline=<id>`), or None."""
    if not value or not str(value).isdigit():
        return None
    return Baseline.objects.filter(project=project, pk=value).first()


def _owners(project):
    """Who may own a task: the project's internal team members."""
    return [
        m.user for m in Membership.objects.filter(project=project)
        .exclude(role=Membership.Role.CLIENT).select_related("user")
        .order_by("user__display_name", "user__username")
    ]


def _plan_url(project, baseline=None):
    url = reverse("tasks:plan", args=[project.pk])
    return f"{url}?{urlencode({'baseline': baseline.pk})}" if baseline else url


# --- The plan as rows -------------------------------------------------------------------------

class PlanRow:
    """One task as the table shows it, with what the row needs computed once in Python."""

    __slots__ = ("task", "number", "level", "predecessors", "duration", "start", "finish",
                 "slip", "is_milestone", "form", "rendered")

    def __init__(self, task, number, predecessors):
        self.task = task
        self.number = number
        self.level = task.wbs.count(".")
        self.predecessors = predecessors
        self.is_milestone = task.is_milestone
        self.form = None
        self.slip = None
        self.rendered = ""

    def html(self, *, labels, baseline, can_edit, saved_pk=None, focus_pk=None):
        """The read-only row.

        Built in Python, like the admin's change-list rows: a 2,000-task plan has 30,000 cells,
        and at a few microseconds per template node the page would miss its 300 ms budget.
        Everything shown is escaped here.
        """
        task = self.task
        classes = []
        if task.is_summary:
            classes.append("plan-summary")
        if task.is_critical:
            classes.append("row-critical")
        if task.pk == saved_pk:
            classes.append("saved")
        attrs = ""
        if can_edit:
            attrs = ' tabindex="0"' + (" data-plan-focus" if task.pk == focus_pk else "")
        name = (f'<a class="plan-task-link" href="{labels["task_url"]}{task.pk}/">'
                f"{escape(task.name)}</a>")
        if self.is_milestone:
            name = (f'<i class="bi bi-diamond-fill plan-milestone" role="img" '
                    f'aria-label="{labels["milestone"]}" title="{labels["milestone"]}"></i> {name}')
        if task.start_no_earlier_than:
            pin = f'{labels["pin"]} {escape(_date_label(task.start_no_earlier_than))}'
            name += (f' <i class="bi bi-pin-angle text-body-secondary" role="img" '
                     f'aria-label="{pin}" title="{pin}"></i>')
        if task.has_open_problem:
            name += labels["problem"]
        owner = escape(str(task.owner)) if task.owner_id else ""
        cells = [
            f'<tr id="task-{task.pk}" class="{" ".join(classes)}"{attrs}>',
            f'<td class="text-end text-body-secondary">{self.number}</td>',
            f'<td class="text-body-secondary col-wbs">{escape(task.wbs)}</td>',
            f'<td class="col-name"><div class="plan-name" style="--level:{self.level}">{name}'
            "</div></td>",
            f'<td class="text-end">{"—" if self.duration is None else self.duration}</td>',
            f"<td>{self.start}</td><td>{self.finish}</td>",
            f"<td>{escape(self.predecessors)}</td><td>{owner}</td>",
            f'<td class="text-end">{_number(task.total_float)}</td>',
            f'<td class="text-end">{_number(task.free_float)}</td>',
            f'<td>{labels["critical_badge"] if task.is_critical else ""}</td>',
        ]
        if baseline is not None:
            cells.append(f'<td class="text-end">{_slip_html(self.slip, labels)}</td>')
        if can_edit:
            cells.append('<td class="text-end"><i class="bi bi-pencil plan-edit-hint" '
                         'aria-hidden="true"></i></td>')
        cells.append("</tr>")
        return mark_safe("".join(cells))  # noqa: S308 - every value above is escaped


def _number(value):
    return "" if value is None else value


def _slip_html(slip, labels):
    if slip is None:
        return labels["new_badge"]
    if slip > 0:
        return mark_safe(f'<span class="slip-late">+{slip}</span>')
    if slip < 0:
        return mark_safe(f'<span class="slip-early">{slip}</span>')
    return mark_safe('<span class="text-body-secondary">0</span>')


def _date_label(day):
    return formats.date_format(day, "SHORT_DATE_FORMAT")


class DateLabels(dict):
    """Dates in the user's short format, each distinct date formatted once per request."""

    def __missing__(self, day):
        label = escape(_date_label(day)) if day else ""
        self[day] = label
        return label


def working_day_slip(calendar, now, then):
    """Working days from `then` to `now`: positive when `now` is later."""
    if now is None or then is None:
        return None
    if now >= then:
        return calendar.working_days_between(then + timedelta(days=1), now)
    return -calendar.working_days_between(now + timedelta(days=1), then)


def _fill_row(row, calendar, labels, baseline_finish):
    task = row.task
    row.start = labels[task.planned_start]
    row.finish = labels[task.planned_end]
    if task.is_summary:
        row.duration = (
            calendar.working_days_between(task.planned_start, task.planned_end)
            if task.planned_start and task.planned_end else None
        )
    else:
        row.duration = task.duration_days
    if baseline_finish is not None and task.pk in baseline_finish:
        row.slip = working_day_slip(calendar, task.planned_end, baseline_finish[task.pk])


def _baseline_finish(baseline):
    if baseline is None:
        return None
    return dict(BaselineTask.objects.filter(baseline=baseline).values_list("task_id",
                                                                             "planned_end"))


def build_plan(project, *, baseline=None):
    """Rows in WBS order and the schedule summary, in a fixed number of queries."""
    tasks, links = selectors.plan_for_export(project=project)
    calendar = services.engine_calendar(project.calendar)
    labels = DateLabels()
    baseline_finish = _baseline_finish(baseline)
    row_of = {task.pk: number for number, task in enumerate(tasks, start=1)}
    rows = []
    for number, task in enumerate(tasks, start=1):
        row = PlanRow(task, number, services.predecessor_text(links.get(task.pk, ()), row_of))
        _fill_row(row, calendar, labels, baseline_finish)
        rows.append(row)
    leaves = [task for task in tasks if not task.is_summary]
    start = calendar.next_workday(project.planned_start)
    finish = max((t.planned_end for t in leaves if t.planned_end), default=None)
    duration = 0
    if finish and any(t.duration_days for t in leaves):
        duration = calendar.working_days_between(start, finish)
    late = working_day_slip(calendar, finish, project.planned_end)
    summary = {
        "start": start,
        "finish": finish,
        "duration": duration,
        "tasks": len(tasks),
        "critical": sum(1 for t in leaves if t.is_critical),
        "planned_end": project.planned_end,
        "late": late if late and late > 0 else 0,
        "spare": -late if late and late < 0 else 0,
        "baseline_slip": (
            working_day_slip(calendar, finish, baseline.project_finish) if baseline else None
        ),
    }
    return rows, summary


def _single_row(project, task, *, baseline=None):
    """The row of one task: its number and predecessor text need the plan's order."""
    ids = Task.objects.filter(project=project).order_by("sort_key", "id").values_list(
        "id", flat=True)
    row_of = {pk: number for number, pk in enumerate(ids, start=1)}
    links = Dependency.objects.filter(successor=task).order_by("id")
    row = PlanRow(task, row_of[task.pk], services.predecessor_text(links, row_of))
    finish = _baseline_finish(baseline)
    _fill_row(row, services.engine_calendar(project.calendar), DateLabels(), finish)
    return row


def _rows_by_number(project):
    """Row number → task, as the planner's predecessor notation refers to them."""
    tasks = Task.objects.filter(project=project).order_by("sort_key", "id").only(
        "id", "project_id", "name")
    return dict(enumerate(tasks, start=1))


def _common(request, project, baseline):
    can_edit = can(request.user, "plan.change", project)
    tasks_url = reverse("tasks:task_row", args=[project.pk, 0]).removesuffix("0/")
    labels = _labels()
    labels["task_url"] = reverse("tasks:task_detail", args=[project.pk, 0]).removesuffix("0/")
    return {
        "project": project,
        "tab": "plan",
        "can_edit": can_edit,
        "baseline": baseline,
        "tasks_url": tasks_url,
        "columns": 11 + bool(baseline) + can_edit,
        "labels": labels,
    }


def _labels():
    """Words the rows repeat, translated and escaped once per page rather than once per row."""
    critical = escape(_("Critical"))
    return {
        "critical": critical,
        "critical_badge": f'<span class="badge text-bg-danger">{critical}</span>',
        "milestone": escape(_("Milestone")),
        "pin": escape(_("Starts no earlier than")),
        "new_badge": f'<span class="badge text-bg-light border">{escape(_("new"))}</span>',
        "problem": (f' <i class="bi bi-flag-fill text-danger" role="img" '
                    f'aria-label="{escape(_("Open problem"))}" '
                    f'title="{escape(_("Open problem"))}"></i>'),
    }


def _page(request, project, baseline, *, editing=None, add_form=None, baseline_form=None,
          status=200):
    rows, summary = build_plan(project, baseline=baseline)
    context = _common(request, project, baseline)
    context.update({
        "rows": rows,
        "summary": summary,
        "baselines": list(project.baselines.select_related("taken_by")),
    })
    if context["can_edit"]:
        users = _owners(project)
        context["add_form"] = add_form or AddTaskForm(users=users)
        context["baseline_form"] = baseline_form or BaselineForm()
        if editing is not None:
            for row in rows:
                if row.task.pk == editing.task.pk:
                    row.form = editing
    _render_rows(context)
    return render(request, "tasks/plan.html", context, status=status)


def _render_rows(context):
    options = {"labels": context["labels"], "baseline": context["baseline"],
               "can_edit": context["can_edit"], "saved_pk": context.get("saved_pk"),
               "focus_pk": context.get("focus_pk")}
    for row in context["rows"]:
        if row.form is None:
            row.rendered = row.html(**options)


def _table_response(request, project, baseline, *, saved=None, editing_pk=None,
                    add_form=None):
    """After a change: the table, the summary and (after an add) a fresh add form.

    Focus goes back where the user is working: the saved row, the new row's name, or the
    add form's name for the next task.
    """
    rows, summary = build_plan(project, baseline=baseline)
    context = _common(request, project, baseline)
    context.update({"rows": rows, "summary": summary, "saved_pk": saved, "add_form": add_form,
                    "focus_pk": saved if add_form is None else None})
    if add_form is not None:
        add_form.fields["name"].widget.attrs["data-plan-focus"] = ""
    if editing_pk is not None:
        users = _owners(project)
        for row in rows:
            if row.task.pk == editing_pk:
                row.form = _row_form(row, users, focus="name")
    _render_rows(context)
    return render(request, "tasks/_plan_update.html", context)


def _row_form(row, users, *, data=None, focus=None):
    form = TaskRowForm(data, task=row.task, users=users, predecessors=row.predecessors)
    if row.task.is_summary:
        form.initial["duration_days"] = row.duration  # the span of its children, shown only
    if focus not in form.fields or form.fields[focus].disabled:
        focus = "name"
    form.fields[focus].widget.attrs["data-plan-focus"] = ""
    return form


def _edit_row_response(request, project, row, baseline, *, retarget=False, error=None):
    context = _common(request, project, baseline)
    context.update({"row": row, "row_error": error})
    response = render(request, "tasks/_task_edit_row.html", context)
    if retarget:
        response["HX-Retarget"] = f"#task-{row.task.pk}"
        response["HX-Reswap"] = "outerHTML"
    return response


# --- Pages ------------------------------------------------------------------------------------

@login_required
def plan(request, pk):
    project = _project(request, pk)
    return _page(request, project, _baseline(project, request.GET.get("baseline")))


@login_required
def task_row(request, pk, task_pk):
    """One task's row as read; the edit row's Cancel brings it back."""
    project = _project(request, pk)
    task = _task(project, task_pk)
    baseline = _baseline(project, request.GET.get("baseline"))
    if not _is_htmx(request):
        return redirect(_plan_url(project, baseline))
    context = _common(request, project, baseline)
    row = _single_row(project, task, baseline=baseline)
    return HttpResponse(row.html(labels=context["labels"], baseline=baseline,
                                 can_edit=context["can_edit"]))


@login_required
def task_edit(request, pk, task_pk):
    """GET: the row as a form. POST: save what changed, all of it or (on an error) nothing."""
    project = _project(request, pk, "plan.change")
    task = _task(project, task_pk)
    baseline = _baseline(project, request.POST.get("baseline") or request.GET.get("baseline"))
    row = _single_row(project, task, baseline=baseline)
    users = _owners(project)
    if request.method != "POST":
        row.form = _row_form(row, users, focus=request.GET.get("focus"))
        if _is_htmx(request):
            return _edit_row_response(request, project, row, baseline)
        return _page(request, project, baseline, editing=row.form)
    form = row.form = _row_form(row, users, data=request.POST)
    if form.is_valid():
        try:
            _save_row(request.user, project, task, form, current=row.predecessors)
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleVersion as error:
            form.add_error(None, error.message)
        else:
            if _is_htmx(request):
                return _table_response(request, project, baseline, saved=task.pk)
            messages.success(request, _("“%(name)s” was saved.") % {"name": form.cleaned_data[
                "name"]})
            return redirect(_plan_url(project, baseline))
    _focus_first_error(form)
    if _is_htmx(request):
        return _edit_row_response(request, project, row, baseline, retarget=True)
    return _page(request, project, baseline, editing=form)


def _focus_first_error(form):
    for name in ROW_FIELDS:
        form.fields[name].widget.attrs.pop("data-plan-focus", None)
    wrong = next((name for name in ROW_FIELDS if name in form.errors), "name")
    form.fields[wrong].widget.attrs["data-plan-focus"] = ""


def _save_row(user, project, task, form, *, current):
    """Apply a row's changes in one transaction: fields first, then predecessor links."""
    fields = form.changes()
    text = form.cleaned_data.get("predecessors") or ""
    links_changed = not task.is_summary and _predecessors_differ(text, current)
    version = form.cleaned_data.get("version")
    with transaction.atomic():
        if fields:
            task = services.update_task(user=user, task=task, expected_version=version, **fields)
        elif version is not None and version != task.version:
            raise StaleVersion(_("This task was changed by someone else."), current=task)
        if links_changed:
            rows = _rows_by_number(project)
            try:
                services.set_predecessors(user=user, task=task, text=text, rows=rows)
            except services.CycleValidationError as error:
                number_of = {t.pk: n for n, t in rows.items()}
                path = " → ".join(str(number_of.get(pk, "?")) for pk in [*error.cycle,
                                                                         error.cycle[0]])
                raise ValidationError({"predecessors": [
                    *error.messages, _("Rows in the cycle: %(rows)s") % {"rows": path},
                ]}) from None


def _predecessors_differ(text, current):
    try:
        return services.parse_predecessors(text) != services.parse_predecessors(current)
    except ValidationError:
        return True


@login_required
@require_POST
def task_action(request, pk, task_pk, action):
    """The row's buttons: indent, outdent, move up/down, delete, add a task below or a child."""
    if action not in PLAN_ACTIONS:
        raise Http404
    project = _project(request, pk, "plan.change")
    task = _task(project, task_pk)
    baseline = _baseline(project, request.POST.get("baseline"))
    version = request.POST.get("version")
    version = int(version) if version and version.isdigit() else None
    user, new = request.user, None
    try:
        if action == "indent":
            services.indent_task(user=user, task=task, expected_version=version)
        elif action == "outdent":
            services.outdent_task(user=user, task=task, expected_version=version)
        elif action in ("up", "down"):
            services.move_task(user=user, task=task, direction=-1 if action == "up" else 1,
                               expected_version=version)
        elif action == "delete":
            services.delete_task(user=user, task=task)
        else:
            below = action == "add-below"
            new = services.create_task(
                user=user, project=project, parent=task.parent if below else task,
                position=task.position + 1 if below else None, name=_("New task"),
                duration_days=1,
            )
    except (ValidationError, StaleVersion) as error:
        message = error.message if isinstance(error, StaleVersion) else " ".join(error.messages)
        if _is_htmx(request):
            row = _single_row(project, task, baseline=baseline)
            row.form = _row_form(row, _owners(project))
            return _edit_row_response(request, project, row, baseline, retarget=True,
                                      error=message)
        messages.error(request, message)
        return redirect(_plan_url(project, baseline))
    if _is_htmx(request):
        if new is not None:
            return _table_response(request, project, baseline, editing_pk=new.pk)
        return _table_response(request, project, baseline,
                               saved=None if action == "delete" else task.pk)
    if action == "delete":
        messages.success(request, _("“%(name)s” was deleted.") % {"name": task.name})
    return redirect(_plan_url(project, baseline))


@login_required
@require_POST
def task_add(request, pk):
    """The form under the table: a new task, where it goes and what it follows."""
    project = _project(request, pk, "plan.change")
    baseline = _baseline(project, request.POST.get("baseline"))
    users = _owners(project)
    form = AddTaskForm(request.POST, users=users)
    if form.is_valid():
        data = form.cleaned_data
        rows = _rows_by_number(project)
        try:
            with transaction.atomic():
                parent = None
                if data["parent_row"]:
                    parent = rows.get(data["parent_row"])
                    if parent is None:
                        raise ValidationError({"parent_row": _("There is no row %(row)s.") % {
                            "row": data["parent_row"]}})
                task = services.create_task(
                    user=request.user, project=project, parent=parent, name=data["name"],
                    duration_days=data["duration_days"], owner=data["owner"],
                )
                if data["predecessors"]:
                    services.set_predecessors(user=request.user, task=task,
                                              text=data["predecessors"], rows=rows)
        except ValidationError as error:
            _add_form_errors(form, error)
        else:
            if _is_htmx(request):
                return _table_response(request, project, baseline, saved=task.pk,
                                       add_form=AddTaskForm(users=users))
            messages.success(request, _("“%(name)s” was added.") % {"name": task.name})
            return redirect(_plan_url(project, baseline))
    if _is_htmx(request):
        context = _common(request, project, baseline)
        context["add_form"] = form
        response = render(request, "tasks/_add_task.html", context)
        response["HX-Retarget"] = "#plan-add"
        response["HX-Reswap"] = "outerHTML"
        return response
    return _page(request, project, baseline, add_form=form)


def _add_form_errors(form, error):
    if not hasattr(error, "error_dict"):
        form.add_error("predecessors" if isinstance(error, services.CycleValidationError)
                       else None, error.messages)
        return
    for key, messages_ in error.message_dict.items():
        name = {"parent": "parent_row", "predecessor": "predecessors",
                "successor": "predecessors", "type": "predecessors",
                "lag_days": "predecessors"}.get(key, key)
        form.add_error(name if name in form.fields else None, messages_)


@login_required
@require_POST
def baseline_take(request, pk):
    """Freeze the current planned dates (P3.1c), then compare the plan with them."""
    project = _project(request, pk, "plan.change")
    form = BaselineForm(request.POST)
    if not form.is_valid():
        return _page(request, project, None, baseline_form=form)
    baseline = services.take_baseline(user=request.user, project=project,
                                      name=form.cleaned_data["name"])
    messages.success(request, _("Baseline “%(name)s” was taken; the table now shows the slip "
                                "against it.") % {"name": baseline.name})
    return redirect(_plan_url(project, baseline))
