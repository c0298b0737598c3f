"""The weekly project status report (项目周报, P2.1a, P4.3a), assembled once for page and workbook.

`build_status_report` reads a project's week in a fixed handful of queries and returns a plain
`StatusReport`: what was finished that week, what is planned for the next, what is overdue,
the critical tasks with their float, the problems still open, the hours reported, and the
project's % complete against the latest baseline. `status_report_workbook` writes the same
report as an .xlsx workbook. `open_problem_tasks` is the open-problems list the project
overview shows too.
"""
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from . import excel, progress
from .models import Baseline, BaselineTask, ProgressEntry, Task
from .services import _weighted_percent, engine_calendar

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
CLOSED = progress.CLOSED_STATUSES


# --- Open problems ----------------------------------------------------------------------------

def _open_problem_entries():
    return ProgressEntry.objects.filter(
        task=OuterRef("pk"), problem_resolved_at__isnull=True
    ).exclude(problems="").order_by("-date", "-id")


def with_latest_problem(tasks):
    """Annotate tasks with their latest unsolved problem: text, date and who reported it."""
    latest = _open_problem_entries()
    return tasks.annotate(
        problem_text=Subquery(latest.values("problems")[:1]),
        problem_date=Subquery(latest.values("date")[:1]),
        problem_author=Subquery(latest.values("author__display_name")[:1]),
    )


def open_problem_tasks(*, project):
    """Tasks flagged with an open problem, newest problem first, in one query."""
    tasks = with_latest_problem(
        Task.objects.filter(project=project, has_open_problem=True).select_related("owner")
    )
    return sorted(tasks, key=lambda t: (t.problem_date or date.min, t.pk), reverse=True)


# --- The report -------------------------------------------------------------------------------

@dataclass
class HoursLine:
    label: str
    hours: Decimal
    task: Task | None = None


@dataclass
class StatusReport:
    project: object
    week: str
    monday: date
    sunday: date
    report_date: date
    baseline: Baseline | None
    planned_percent: Decimal | None
    actual_percent: Decimal
    done: list = field(default_factory=list)
    next_week: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    critical: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    hours_by_task: list = field(default_factory=list)
    hours_by_person: list = field(default_factory=list)
    total_hours: Decimal = Decimal(0)
    task_count: int = 0

    @property
    def next_monday(self):
        return self.monday + timedelta(days=7)

    @property
    def next_sunday(self):
        return self.sunday + timedelta(days=7)

    @property
    def previous_week(self):
        return progress.week_of(self.monday - timedelta(days=7))

    @property
    def following_week(self):
        return progress.week_of(self.next_monday)

    @property
    def variance(self):
        """Actual minus planned, in percentage points: negative is behind the baseline."""
        if self.planned_percent is None:
            return None
        return self.actual_percent - self.planned_percent


def planned_percent(baseline_rows, day, calendar):
    """Share of the baseline's work scheduled to be done by the end of `day`, in %.

    Each task weighs its baseline duration (working days) and counts the working days of it
    that fall on or before `day`; a baseline of milestones only counts each as 0 or 100.
    """
    done = total = 0
    milestones = []
    for start, end, duration in baseline_rows:
        if start is None or end is None:
            continue
        if not duration:
            milestones.append(HUNDRED if end <= day else Decimal(0))
            continue
        total += duration
        if day >= end:
            done += duration
        elif day >= start:
            done += min(duration, calendar.working_days_between(start, day))
    if total:
        return (Decimal(done) * HUNDRED / total).quantize(CENT)
    if milestones:
        return (sum(milestones) / len(milestones)).quantize(CENT)
    return None


def finished_between(task, first, last):
    """Done, with its actual finish between `first` and `last` (the report's "done")."""
    return bool(task.status == Task.Status.DONE and task.actual_finish
                and first <= task.actual_finish <= last)


def planned_between(task, first, last):
    """Still to do and scheduled to be worked on between `first` and `last` ("next week")."""
    return bool(task.status not in CLOSED and task.planned_start and task.planned_end
                and task.planned_start <= last and task.planned_end >= first)


def _latest_baseline(project):
    return Baseline.objects.filter(project=project).order_by("-number").first()


def build_status_report(*, project, week, today=None):
    """The week's status report of `project` (an ISO week like 2026-W48).

    The report date is the week's Sunday, or today for the week under way. % complete is as
    reported by then; states (done, overdue, critical, open problems) are the tasks' current
    ones, judged at the report date.
    """
    monday, sunday = progress.parse_week(week)
    today = today or timezone.localdate()
    report_date = min(sunday, today)
    next_monday, next_sunday = monday + timedelta(days=7), sunday + timedelta(days=7)
    in_week = ProgressEntry.objects.filter(task=OuterRef("pk"), date__gte=monday,
                                           date__lte=sunday)
    week_hours = Subquery(
        in_week.order_by().values("task").annotate(total=Sum("hours")).values("total"),
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )
    tasks = with_latest_problem(
        Task.objects.filter(project=project, is_summary=False).select_related("owner")
    ).annotate(week_hours=week_hours)
    as_of_now = report_date >= today
    if not as_of_now:
        tasks = tasks.annotate(percent_then=Subquery(
            ProgressEntry.objects.filter(task=OuterRef("pk"), date__lte=report_date)
            .order_by("-date", "-id").values("percent_complete")[:1]
        ))
    tasks = list(tasks.order_by("sort_key", "id"))

    def percent_at(task):
        if as_of_now:
            return task.percent_complete
        return task.percent_then or Decimal(0)

    calendar = engine_calendar(project.calendar)
    baseline = _latest_baseline(project)
    planned = None
    if baseline is not None:
        rows = BaselineTask.objects.filter(baseline=baseline, task__is_summary=False).values_list(
            "planned_start", "planned_end", "duration_days")
        planned = planned_percent(rows, report_date, calendar)
    actual = _weighted_percent((t.duration_days, percent_at(t)) for t in tasks)

    def is_open(task):
        return task.status not in CLOSED

    report = StatusReport(
        project=project, week=week, monday=monday, sunday=sunday, report_date=report_date,
        baseline=baseline, planned_percent=planned, actual_percent=actual,
        task_count=len(tasks),
    )
    for task in tasks:
        task.percent_at_report = percent_at(task)
        if finished_between(task, monday, sunday):
            report.done.append(task)
        if planned_between(task, next_monday, next_sunday):
            report.next_week.append(task)
        if progress.is_overdue(task, report_date):
            task.days_late = calendar.working_days_between(
                task.planned_end + timedelta(days=1), report_date)
            report.overdue.append(task)
        if is_open(task) and task.is_critical:
            report.critical.append(task)
        if task.has_open_problem:
            report.problems.append(task)
        if task.week_hours:
            report.hours_by_task.append(HoursLine(str(task), task.week_hours, task))
    report.done.sort(key=lambda t: (t.actual_finish, t.sort_key))
    report.next_week.sort(key=lambda t: (t.planned_start, t.sort_key))
    report.overdue.sort(key=lambda t: (t.planned_end, t.sort_key))
    report.critical.sort(key=lambda t: (t.planned_start or date.max, t.sort_key))
    report.problems.sort(key=lambda t: (t.problem_date or date.min, t.pk), reverse=True)
    report.total_hours = sum((line.hours for line in report.hours_by_task), Decimal(0))
    people = (
        ProgressEntry.objects.filter(task__project=project, date__gte=monday, date__lte=sunday)
        .exclude(Q(hours__isnull=True) | Q(hours=0))
        .values("author__display_name", "author__username").annotate(total=Sum("hours"))
        .order_by("-total", "author__display_name")
    )
    report.hours_by_person = [
        HoursLine(row["author__display_name"] or row["author__username"], row["total"])
        for row in people
    ]
    return report


# --- The workbook -----------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
CRITICAL_FONT = Font(bold=True, color="9C0006")
WRAP = Alignment(wrap_text=True, vertical="top")
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def filename(report):
    return f"{report.project.code}-status-{report.week}.xlsx"


def _sheet_title(text):
    return str(text).translate(SHEET_NAME_FORBIDDEN)[:31]


def _status_labels():
    return {value: str(label) for value, label in Task.Status.choices}


def _owner(task):
    return str(task.owner) if task.owner_id else ""


def _cell(sheet, value, *, font=None, number_format=None, alignment=None):
    if isinstance(value, str):
        cell = excel.text_cell(sheet, value)
        if cell is None:
            return None
    else:
        cell = WriteOnlyCell(sheet, value=value)
        if number_format and value is not None:
            cell.number_format = number_format
    return excel.styled(cell, font=font, alignment=alignment)


def _table(workbook, title, headers, rows, widths):
    """A sheet: a title line, localized headers, then one row per item (or a 'none' line)."""
    sheet = workbook.create_sheet(_sheet_title(title))
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append([_cell(sheet, str(title), font=TITLE_FONT)])
    sheet.append([excel.styled(WriteOnlyCell(sheet, value=str(h)), font=BOLD, fill=HEADER_FILL)
                  for h in headers])
    if not rows:
        sheet.append([_cell(sheet, _("None"))])
    for row in rows:
        sheet.append([
            _cell(sheet, value,
                  number_format=excel.DATE_FORMAT if isinstance(value, date) else None,
                  alignment=WRAP if isinstance(value, str) and len(value) > 40 else None)
            for value in row
        ])
    return sheet


def status_report_workbook(report):
    """The report as .xlsx bytes: a summary sheet, then one sheet per section."""
    status = _status_labels()
    book = Workbook(write_only=True)
    book.properties.title = f"{_('Project weekly report')} {report.project.code} {report.week}"
    summary = book.create_sheet(_sheet_title(_("Summary")))
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 48

    def line(label, value, **style):
        summary.append([_cell(summary, str(label), font=BOLD), _cell(summary, value, **style)])

    summary.append([_cell(summary, _("Project weekly report"), font=TITLE_FONT)])
    line(_("Project"), f"{report.project.code} {report.project.name}")
    line(_("Week"), f"{report.week} ({report.monday.isoformat()} – {report.sunday.isoformat()})")
    line(_("Report date"), report.report_date, number_format=excel.DATE_FORMAT)
    line(_("Baseline"), str(report.baseline) if report.baseline else _("No baseline yet"))
    # xgettext:no-python-format
    line(_("Planned % complete (baseline)"), report.planned_percent)
    # xgettext:no-python-format
    line(_("Actual % complete"), report.actual_percent)
    line(_("Variance (percentage points)"), report.variance)
    line(_("Hours reported this week"), report.total_hours)
    summary.append([])
    for label, items in (
        (_("Done this week"), report.done), (_("Planned next week"), report.next_week),
        (_("Overdue"), report.overdue), (_("Critical tasks"), report.critical),
        (_("Open problems"), report.problems),
    ):
        line(label, len(items))

    wbs, task_label, owner = _("WBS"), _("Task"), _("Owner")
    _table(book, _("Done this week"),
           [wbs, task_label, owner, _("Planned finish"), _("Actual finish")],
           [[t.wbs, t.name, _owner(t), t.planned_end, t.actual_finish] for t in report.done],
           [10, 44, 16, 14, 14])
    _table(book, _("Planned next week"),
           [wbs, task_label, owner, _("Planned start"), _("Planned finish"), _("% complete"),
            _("Critical")],
           [[t.wbs, t.name, _owner(t), t.planned_start, t.planned_end, t.percent_at_report,
             _("yes") if t.is_critical else ""] for t in report.next_week],
           [10, 44, 16, 14, 14, 12, 10])
    _table(book, _("Overdue"),
           [wbs, task_label, owner, _("Planned finish"), _("Working days late"),
            _("% complete"), _("Status")],
           [[t.wbs, t.name, _owner(t), t.planned_end, t.days_late, t.percent_at_report,
             status.get(t.status, t.status)] for t in report.overdue],
           [10, 44, 16, 14, 12, 12, 14])
    _table(book, _("Critical tasks"),
           [wbs, task_label, owner, _("Planned start"), _("Planned finish"),
            _("Total float"), _("% complete")],
           [[t.wbs, t.name, _owner(t), t.planned_start, t.planned_end, t.total_float,
             t.percent_at_report] for t in report.critical],
           [10, 44, 16, 14, 14, 11, 12])
    _table(book, _("Open problems"),
           [wbs, task_label, owner, _("Problem"), _("Reported on"), _("Reported by")],
           [[t.wbs, t.name, _owner(t), t.problem_text or "", t.problem_date,
             t.problem_author or ""] for t in report.problems],
           [10, 36, 16, 60, 14, 16])
    _table(book, _("Hours reported this week"),
           [_("Task / person"), _("Hours")],
           [[line_.label, line_.hours] for line_ in report.hours_by_task]
           + ([[_("By person"), None]] if report.hours_by_person else [])
           + [[line_.label, line_.hours] for line_ in report.hours_by_person]
           + [[_("Total"), report.total_hours]],
           [50, 12])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
