"""A published weekly report (项目周报) read back from its frozen snapshot, for page and .xlsx.

Both read only `PublishedReport.content` — the client-safe snapshot taken when the pm published
(tasks.client.report_snapshot) — plus the pm's message, who published it and when, and the
project's code and name. Nothing here queries tasks, progress or costs, so the export cannot show
more than the client was given.
"""
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from tasks import excel
from tasks.models import Task

# Within one percentage point of the plan counts as on plan: progress is reported in steps.
ON_PLAN_TOLERANCE = Decimal(1)
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
WRAP = Alignment(wrap_text=True, vertical="top")
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _decimal(value):
    try:
        return None if value in (None, "") else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def schedule_position(variance):
    """"ahead", "behind", "on_plan" or None (no baseline) for a variance in percentage points."""
    if variance is None:
        return None
    if variance >= ON_PLAN_TOLERANCE:
        return "ahead"
    if variance <= -ON_PLAN_TOLERANCE:
        return "behind"
    return "on_plan"


@dataclass
class SnapshotTask:
    wbs: str
    name: str
    is_summary: bool
    is_milestone: bool
    planned_start: date | None
    planned_end: date | None
    baseline_end: date | None
    actual_start: date | None
    actual_finish: date | None
    percent_complete: Decimal | None
    status: str
    status_label: str


@dataclass
class SnapshotProblem:
    date: date | None
    task: str
    problem: str
    solution: str
    solved: bool


@dataclass
class Snapshot:
    week: str
    monday: date | None
    sunday: date | None
    report_date: date | None
    actual_percent: Decimal | None
    planned_percent: Decimal | None
    variance: Decimal | None
    baseline: str
    stages: list = field(default_factory=list)
    milestones: list = field(default_factory=list)
    done: list = field(default_factory=list)
    next_week: list = field(default_factory=list)
    late: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def position(self):
        return schedule_position(self.variance)

    @property
    def open_problems(self):
        return [p for p in self.problems if not p.solved]


def _task(row):
    labels = dict(Task.Status.choices)
    status = str(row.get("status") or "")
    return SnapshotTask(
        wbs=str(row.get("wbs") or ""), name=str(row.get("name") or ""),
        is_summary=bool(row.get("is_summary")), is_milestone=bool(row.get("is_milestone")),
        planned_start=_date(row.get("planned_start")), planned_end=_date(row.get("planned_end")),
        baseline_end=_date(row.get("baseline_end")), actual_start=_date(row.get("actual_start")),
        actual_finish=_date(row.get("actual_finish")),
        percent_complete=_decimal(row.get("percent_complete")),
        status=status, status_label=str(labels.get(status, status)),
    )


def read_snapshot(content):
    """The frozen report content as typed rows (dates, decimals, status labels)."""
    content = content if isinstance(content, dict) else {}

    def tasks(key):
        return [_task(row) for row in content.get(key) or () if isinstance(row, dict)]

    return Snapshot(
        week=str(content.get("week") or ""), monday=_date(content.get("monday")),
        sunday=_date(content.get("sunday")), report_date=_date(content.get("report_date")),
        actual_percent=_decimal(content.get("actual_percent")),
        planned_percent=_decimal(content.get("planned_percent")),
        variance=_decimal(content.get("variance")),
        baseline=str(content.get("baseline") or ""),
        stages=tasks("stages"), milestones=tasks("milestones"), done=tasks("done"),
        next_week=tasks("next_week"), late=tasks("late"),
        problems=[
            SnapshotProblem(
                date=_date(row.get("date")), task=str(row.get("task") or ""),
                problem=str(row.get("problem") or ""), solution=str(row.get("solution") or ""),
                solved=bool(row.get("solved")),
            )
            for row in content.get("problems") or () if isinstance(row, dict)
        ],
    )


def position_text(snapshot):
    position = snapshot.position
    if position is None:
        return _("No approved plan (baseline) to compare with yet.")
    points = f"{abs(snapshot.variance):.1f}"
    if position == "ahead":
        return _("Ahead of plan by %(points)s percentage points.") % {"points": points}
    if position == "behind":
        return _("Behind plan by %(points)s percentage points.") % {"points": points}
    return _("On plan.")


# --- The workbook -----------------------------------------------------------------------------

def filename(report):
    return f"{report.project.code}-weekly-report-{report.week}.xlsx"


def _cell(sheet, value, *, font=None, fill=None):
    if value is None:
        return None
    if isinstance(value, str):
        cell = excel.text_cell(sheet, value)
        if len(value) > 40:
            cell.alignment = WRAP
    else:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, date):
            cell.number_format = excel.DATE_FORMAT
    return excel.styled(cell, font=font, fill=fill)


def _sheet(book, title, headers, rows, widths):
    sheet = book.create_sheet(str(title).translate(SHEET_NAME_FORBIDDEN)[:31])
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append([_cell(sheet, str(title), font=TITLE_FONT)])
    sheet.append([_cell(sheet, str(h), font=BOLD, fill=HEADER_FILL) for h in headers])
    if not rows:
        sheet.append([_cell(sheet, _("None"))])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])


def _percent(value):
    return None if value is None else float(value)


def _task_rows(tasks):
    return [
        [t.wbs, t.name, t.planned_start, t.planned_end, t.baseline_end, t.actual_start,
         t.actual_finish, _percent(t.percent_complete), t.status_label]
        for t in tasks
    ]


def published_report_workbook(report):
    """The published report as .xlsx bytes: a summary sheet, then one sheet per section."""
    snapshot = read_snapshot(report.content)
    project = report.project
    book = Workbook(write_only=True)
    book.properties.title = f"{_('Project weekly report')} {project.code} {report.week}"
    summary = book.create_sheet(_("Summary")[:31])
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 70

    def line(label, value):
        summary.append([_cell(summary, str(label), font=BOLD), _cell(summary, value)])

    summary.append([_cell(summary, _("Project weekly report"), font=TITLE_FONT)])
    line(_("Project"), f"{project.code} {project.name}")
    week = report.week
    if snapshot.monday and snapshot.sunday:
        week = f"{week} ({snapshot.monday.isoformat()} – {snapshot.sunday.isoformat()})"
    line(_("Week"), week)
    line(_("Report date"), snapshot.report_date)
    line(_("Published"), timezone.localtime(report.published_at).date())
    line(_("Published by"), str(report.published_by))
    line(_("Baseline"), snapshot.baseline or _("No baseline yet"))
    # xgettext:no-python-format
    line(_("Actual % complete"), _percent(snapshot.actual_percent))
    # xgettext:no-python-format
    line(_("Planned % complete (baseline)"), _percent(snapshot.planned_percent))
    line(_("Variance (percentage points)"), _percent(snapshot.variance))
    line(_("Against plan"), position_text(snapshot))
    if report.summary:
        line(_("Message from the project manager"), report.summary)

    task_headers = [
        _("WBS"), _("Name"), _("Planned start"), _("Planned finish"), _("Baseline finish"),
        _("Actual start"), _("Actual finish"), _("% complete"), _("Status"),
    ]
    widths = [8, 44, 14, 14, 14, 14, 14, 11, 14]
    _sheet(book, _("Stage results"), task_headers, _task_rows(snapshot.stages), widths)
    _sheet(book, _("Milestones"), task_headers, _task_rows(snapshot.milestones), widths)
    _sheet(book, _("Done this week"), task_headers, _task_rows(snapshot.done), widths)
    _sheet(book, _("Planned next week"), task_headers, _task_rows(snapshot.next_week), widths)
    _sheet(book, _("Behind schedule"), task_headers, _task_rows(snapshot.late), widths)
    _sheet(
        book, _("Problems and solutions"),
        [_("Reported on"), _("Task"), _("Problem"), _("Solution"), _("State")],
        [[p.date, p.task, p.problem, p.solution,
          _("Solved") if p.solved else pgettext("problem", "Open")]
         for p in snapshot.problems],
        [14, 30, 60, 60, 10],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
