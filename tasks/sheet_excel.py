"""The weekly progress tracking sheet (进度跟踪表) as an .xlsx workbook: exported, filled, uploaded.

The first sheet holds headers in row 1 (in the user's language) and one leaf task per row from
row 2, columns by position (API.md "Progress"):

    A task id, B version   hidden: which task the row is, and which state of it it shows
    C WBS, D task, E owner, F planned start, G planned finish       for reading
    H % complete           0–100 (50 means 50 %)                    read back
    I hours this week      the week's total for the task            read back
    J progress note                                                 read back
    K problems             problems met; a new one flags the task   read back
    L critical, M status                                            for reading

Only H–K are read back, with A and B to find each task and check that nobody changed it since
the export; the rows go to progress.save_sheet, all of them or none. Rows of overdue tasks have
a light red fill, rows of critical tasks a bold dark red font. The second sheet ("How to fill")
explains all this to the planner. The workbook's keywords name the project and week, so a file
uploaded to another week or project is refused rather than filed under the wrong one.
"""
import io
import re
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.models import User

from . import excel, progress
from .models import Task

CONTENT_TYPE = excel.CONTENT_TYPE
MAX_ROWS = progress.MAX_SHEET_ROWS
# Field → column: for reading cells back and for naming the column of an error.
COLUMNS = {
    "task": "A", "version": "B", "percent_complete": "H", "hours": "I", "note": "J",
    "problems": "K",
}
READ_COLUMNS = 11  # A–K
WIDTHS = {"A": 8, "B": 8, "C": 10, "D": 44, "E": 14, "F": 13, "G": 13, "H": 12, "I": 12,
          "J": 44, "K": 36, "L": 9, "M": 13}
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
INPUT_HEADER_FILL = PatternFill("solid", fgColor="FFF2CC")
OVERDUE_FILL = PatternFill("solid", fgColor="FFC7CE")
CRITICAL_FONT = Font(bold=True, color="9C0006")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
SHEET_FIELDS = (
    "pk", "version", "wbs", "name", "owner_id", "planned_start", "planned_end",
    "percent_complete", "is_critical", "status", "week_hours", "week_note", "week_problems",
)
KEYWORDS = re.compile(r"jindu-progress-sheet project=(\S+) week=(\d{4}-W\d{2})")


class SheetFileError(excel.WorkbookFileError):
    """The upload is no progress sheet that can be read (or is another week's)."""


class SheetCellsError(Exception):
    """Cells that cannot be saved; `errors` lists {row, column, task, field, message}."""

    def __init__(self, errors):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


class SheetConflictsError(Exception):
    """Rows changed since the export; `conflicts` lists {row, task, current: Task}."""

    def __init__(self, conflicts, message):
        super().__init__(message)
        self.conflicts = conflicts
        self.message = message


def filename(*, project, week):
    return f"{project.code}-progress-{week}.xlsx"


def headers():
    return [
        _("Task ID"), _("Version"), _("WBS"), _("Task"), _("Owner"), _("Planned start"),
        _("Planned finish"), _("% complete"), _("Hours this week"), _("Progress note"),
        _("Problems"), _("Critical"), _("Status"),
    ]


def how_to_fill():
    """Rows of the second sheet: (column, what it holds or what to write)."""
    return [
        (_("Task ID"), _("Hidden (column A). Which task the row is: do not change it.")),
        (_("Version"), _("Hidden (column B). The state of the task when the sheet was exported: "
                         "do not change it.")),
        (_("WBS"), _("The task's place in the plan. Not read back.")),
        (_("Task"), _("Not read back.")),
        (_("Owner"), _("Not read back.")),
        (_("Planned start"), _("From the schedule. Not read back.")),
        (_("Planned finish"), _("From the schedule. Not read back.")),
        (_("% complete"), _("Fill in: a number from 0 to 100 (50 means 50 %). More than 0 starts "
                            "the task; 100 finishes it.")),
        (_("Hours this week"), _("Fill in: the hours worked on the task this week in total, "
                                 "including those members reported themselves. Blank: none.")),
        (_("Progress note"), _("Fill in: what was done this week.")),
        (_("Problems"), _("Fill in: problems met. A new problem is flagged to the project "
                          "manager until it is marked solved.")),
        (_("Critical"), _("On the critical path: any delay delays the project. Not read back.")),
        (
            _("Status"),
            # xgettext:no-python-format
            _("Follows from % complete. Not read back."),
        ),
        ("", ""),
        # xgettext:no-python-format
        ("", _("Only the four yellow columns (% complete, Hours this week, Progress note, "
               "Problems) are read back; rows you leave as they are change nothing.")),
        ("", _("Rows with a light red fill are overdue: planned to finish before today and not "
               "done. Rows in bold dark red are critical.")),
        ("", _("Upload the sheet to the same project and week. If any cell is wrong, nothing is "
               "saved and every error is listed by row and column. If someone changed a task "
               "after you exported the sheet, nothing is saved either: export it again and "
               "copy your changes over.")),
    ]


# --- Export ---------------------------------------------------------------------------------

def export_sheet(*, project, week):
    """The week's sheet of the project as .xlsx bytes, laid out as the module docstring says."""
    monday, sunday = progress.parse_week(week)
    today = timezone.localdate()
    tasks = progress.sheet_tasks(project=project, week=week)
    workbook = Workbook(write_only=True)
    workbook.properties.title = f"{_('Progress tracking sheet')} {project.code} {week}"
    workbook.properties.keywords = f"jindu-progress-sheet project={project.code} week={week}"
    sheet = workbook.create_sheet((_("Progress %(week)s") % {"week": week})[:31])
    sheet.freeze_panes = "C2"
    for letter, width in WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    for letter in ("A", "B"):
        sheet.column_dimensions[letter].hidden = True
    sheet.append([
        excel.styled(WriteOnlyCell(sheet, value=text), font=BOLD,
                     fill=INPUT_HEADER_FILL if 8 <= number <= 11 else HEADER_FILL)
        for number, text in enumerate(headers(), start=1)
    ])
    status_label = {value: str(label) for value, label in Task.Status.choices}
    yes = _("yes")
    # Plain rows and the few owners apart: ten thousand model instances cost more than the rest.
    rows = [SimpleNamespace(**row) for row in tasks.values(*SHEET_FIELDS)]
    owners = {user.pk: str(user) for user in User.objects.filter(
        pk__in={row.owner_id for row in rows if row.owner_id})}
    for task in rows:
        style = {"font": CRITICAL_FONT if task.is_critical else None,
                 "fill": OVERDUE_FILL if progress.is_overdue(task, today) else None}
        sheet.append([
            task.pk,
            task.version,
            _text(sheet, task.wbs, **style),
            _text(sheet, task.name, **style),
            _text(sheet, owners.get(task.owner_id), **style),
            _value(sheet, task.planned_start, number_format=excel.DATE_FORMAT, **style),
            _value(sheet, task.planned_end, number_format=excel.DATE_FORMAT, **style),
            _value(sheet, task.percent_complete, **style),
            _value(sheet, task.week_hours, **style),
            _text(sheet, task.week_note, **style),
            _text(sheet, task.week_problems, **style),
            _text(sheet, yes if task.is_critical else None, **style),
            _text(sheet, status_label.get(task.status, task.status), **style),
        ])
    last = len(rows) + 1
    if rows:
        sheet.auto_filter.ref = f"C1:M{last}"
        percent = DataValidation(
            type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
            showErrorMessage=True, errorTitle=_("% complete"),
            error=_("Enter a number from 0 to 100."),
        )
        percent.add(f"H2:H{last}")
        hours = DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
            showErrorMessage=True, errorTitle=_("Hours this week"),
            error=_("Hours cannot be negative."),
        )
        hours.add(f"I2:I{last}")
        sheet.data_validations.append(percent)
        sheet.data_validations.append(hours)
    _write_guide(workbook, project=project, week=week, monday=monday, sunday=sunday)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _value(sheet, value, *, number_format=None, font=None, fill=None):
    """A plain value where it needs no style (the fast path of write-only mode), else a cell."""
    if not (number_format or font or fill):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if number_format and value is not None:
        cell.number_format = number_format
    return excel.styled(cell, font=font, fill=fill)


def _text(sheet, value, *, font=None, fill=None):
    """Text, never a formula, however it starts (excel.text_cell), styled when asked."""
    if value is None or value == "":
        return _value(sheet, None, font=font, fill=fill)
    value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if not (font or fill or value.startswith(excel.FORMULA_START)):
        return value
    return excel.styled(excel.text_cell(sheet, value), font=font, fill=fill)


def _write_guide(workbook, *, project, week, monday, sunday):
    guide = workbook.create_sheet(_("How to fill")[:31])
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 100
    for label, value in (
        (_("Progress tracking sheet"), f"{project.code} {project.name}"),
        (_("Week"), f"{week} ({monday.isoformat()} – {sunday.isoformat()})"),
    ):
        guide.append([excel.styled(excel.text_cell(guide, label), font=BOLD),
                      excel.text_cell(guide, value)])
    guide.append([])
    guide.append([excel.styled(WriteOnlyCell(guide, value=text), font=BOLD, fill=HEADER_FILL)
                  for text in (_("Column"), _("How to fill"))])
    for column, text in how_to_fill():
        guide.append([excel.text_cell(guide, column),
                      excel.styled(excel.text_cell(guide, text), alignment=WRAP)])


# --- Import ---------------------------------------------------------------------------------

def import_sheet(*, user, project, week, file):
    """Save an uploaded sheet through progress.save_sheet; returns the number of tasks changed.

    `week` may be None when the workbook names its week. Raises SheetFileError when the upload
    is no readable sheet of this project and week, SheetCellsError listing every cell that
    cannot be saved, SheetConflictsError for rows changed since the export. Nothing is saved
    unless every row can be.
    """
    cells, properties = excel.read_workbook(
        file, max_rows=MAX_ROWS, max_col=READ_COLUMNS, error_class=SheetFileError
    )
    marked = KEYWORDS.search(getattr(properties, "keywords", None) or "")
    if marked:
        code, marked_week = marked.groups()
        if code != project.code:
            raise SheetFileError(_("This workbook is the progress sheet of project %(code)s.")
                                 % {"code": code})
        if week and week != marked_week:
            raise SheetFileError(_(
                "This workbook is the progress sheet of week %(file)s, not %(week)s."
            ) % {"file": marked_week, "week": week})
        week = week or marked_week
    if len(cells) > MAX_ROWS and not excel.is_blank(cells[MAX_ROWS:]):
        raise SheetFileError(_("A sheet has at most %(max)s rows.") % {"max": MAX_ROWS})
    rows, numbers = [], []
    for number, values in enumerate(cells[:MAX_ROWS], start=2):
        values = (tuple(values) + (None,) * READ_COLUMNS)[:READ_COLUMNS]
        read = values[:2] + values[7:]
        if excel.is_blank([read]):
            continue
        task_id, version, percent, hours, note, problems = read
        if isinstance(percent, str):
            percent = percent.strip().removesuffix("%")
        rows.append({"task": task_id, "version": version, "percent_complete": percent,
                     "hours": hours, "note": note, "problems": problems})
        numbers.append(number)
    try:
        return progress.save_sheet(user=user, project=project, week=week, rows=rows,
                                   row_numbers=numbers)
    except progress.SheetErrors as exc:
        raise SheetCellsError([
            {"row": error["row"], "column": COLUMNS.get(error["field"], "A"),
             "task": error["task"], "field": error["field"], "message": error["message"]}
            for error in exc.errors
        ]) from None
    except progress.SheetConflicts as exc:
        raise SheetConflictsError(exc.conflicts, exc.message) from None
