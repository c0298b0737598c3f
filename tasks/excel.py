"""Plan workbooks: a project's plan exported to .xlsx, and an .xlsx imported as the new plan.

The first sheet holds the plan, headers in row 1 (in the user's language), one task per row
from row 2. Columns are read by position, so headers may be renamed or translated:

    A  ID              a whole number unique in the sheet; Predecessors refer to it. Blank: the
                       row's place among the task rows (1, 2, …).
    B  WBS level       1 = top level; a row one level deeper than the row above is its child.
                       A WBS code written as text ("1.2.3") counts as its number of parts
                       (here 3). Blank: 1.
    C  Name            required.
    D  Owner           username of an internal member of the project team; blank for none.
    E  Duration        working days, 0 for a milestone.
    F  Start           the earliest day the task may start (a constraint); optional.
    G  Finish          with Start and no Duration, the duration is the working days from Start
                       to Finish, both included. With all three, they must agree.
    H  Predecessors    as in MS Project: "3", "3FS+2", "5SS", "7FF-1", separated by commas;
                       the numbers are IDs from column A. Only tasks without children are linked.
    I  Milestone       yes/no, optional: yes means a duration of 0.
    J  Client visible  yes/no, default no.
    K  Planned start, L Planned finish: the scheduled dates, written on export, never read.

A task needs a Duration, a Milestone "yes", or a Start and a Finish. Rows of summary tasks
(those with children) take their dates from the children, so their Duration, Start, Finish and
Milestone are not read. Importing REPLACES the project's whole plan (tasks, links, and what
hangs on the tasks), all rows or none: any error leaves the plan as it was and is reported as
{row, column, message}. Once progress has been reported on a plan it is not replaced. The
second sheet of every export explains the columns ("How to fill").

What every Jindu workbook shares lives here too (tasks.sheet_excel uses it): text cells that
Excel never runs as formulas (text_cell), dates as date cells (date_cell), and uploads checked
for size and zip bombs before openpyxl reads them (check_upload, read_workbook).
"""
import io
import re
import zipfile
from datetime import date, datetime
from xml.etree.ElementTree import ParseError

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException

from . import selectors, services

MAX_BYTES = 5 * 1024 * 1024
# What an upload may unpack to, checked before openpyxl reads it (zip bombs). An exported
# 10,000-row sheet unpacks to a few MB, its largest part about 10 times its compressed size.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_PARTS = 1000
MAX_RATIO = 200
MAX_ROWS = 10_000
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Field → column, for reading cells and for naming the column of an error.
COLUMNS = {
    "id": "A", "level": "B", "name": "C", "owner": "D", "duration_days": "E",
    "start_no_earlier_than": "F", "finish": "G", "predecessors": "H", "milestone": "I",
    "client_visible": "J",
}
READ_COLUMNS = len(COLUMNS)
WIDTHS = {"A": 6, "B": 10, "C": 48, "D": 16, "E": 10, "F": 12, "G": 12, "H": 18, "I": 11,
          "J": 13, "K": 14, "L": 14}
# Text that Excel would take for a formula when the cell is edited.
FORMULA_START = ("=", "+", "-", "@")
YES = {"yes", "y", "true", "1", "x", "是", "✓"}
NO = {"no", "n", "false", "0", "否", ""}
DATE_FORMAT = "yyyy-mm-dd"


class WorkbookFileError(Exception):
    """The upload is no workbook that can be read; `message` says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class PlanFileError(WorkbookFileError):
    """The upload is not a plan workbook at all."""


class PlanRowsError(Exception):
    """Cells that cannot be imported; `errors` lists {row, column, message}."""

    def __init__(self, errors):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


def headers():
    return [
        _("ID"), _("WBS level"), _("Name"), _("Owner"), _("Duration (working days)"),
        _("Start"), _("Finish"), _("Predecessors"), _("Milestone"), _("Client visible"),
        _("Planned start"), _("Planned finish"),
    ]


def how_to_fill():
    """Rows of the second sheet: (column, what to write)."""
    return [
        (_("ID"), _("A whole number unique in the sheet; Predecessors refer to it. Blank: the "
                    "row's place among the task rows.")),
        (_("WBS level"), _("1 = top level; a row one level deeper than the row above is its "
                           "child. A WBS code written as text (1.2.3) counts as its number of "
                           "parts. Blank: 1.")),
        (_("Name"), _("Required.")),
        (_("Owner"), _("Username of an internal member of the project team; blank for none.")),
        (_("Duration (working days)"), _("Working days, 0 for a milestone.")),
        (_("Start"), _("The earliest day the task may start; optional.")),
        (_("Finish"), _("With Start and no Duration, the duration is the working days from Start "
                        "to Finish, both included.")),
        (_("Predecessors"), _("IDs of the tasks this one depends on, as in MS Project: 3, 3FS+2, "
                              "5SS, 7FF-1, separated by commas. Only tasks without children "
                              "are linked.")),
        (_("Milestone"), _("yes or no; yes means a duration of 0.")),
        (_("Client visible"), _("yes or no (default no): whether the client sees the task.")),
        (_("Planned start"), _("Calculated by the schedule; not read on import.")),
        (_("Planned finish"), _("Calculated by the schedule; not read on import.")),
        ("", ""),
        ("", _("A task needs a Duration, Milestone yes, or a Start and a Finish. Summary rows "
               "(with children) take their dates from their children.")),
        ("", _("Importing replaces the project's whole plan. If any row has an error, nothing "
               "is changed and every error is listed with its row and column. Once progress "
               "has been reported on the plan, it can no longer be replaced.")),
    ]


# --- Export ---------------------------------------------------------------------------------

def export_plan(*, project):
    """The project's plan as .xlsx bytes, laid out as the module docstring describes."""
    tasks, links = selectors.plan_for_export(project=project)
    row_of = {task.pk: number for number, task in enumerate(tasks, start=1)}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Plan")[:31])
    sheet.freeze_panes = "A2"
    for letter, width in WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    sheet.append([styled(WriteOnlyCell(sheet, value=text), font=bold, fill=header_fill)
                  for text in headers()])
    yes, no = _("yes"), _("no")
    for task in tasks:
        level = task.wbs.count(".") + 1 if task.wbs else 1
        leaf = not task.is_summary
        name = text_cell(sheet, task.name)
        styled(name, alignment=Alignment(indent=level - 1), font=None if leaf else bold)
        sheet.append([
            row_of[task.pk],
            level,
            name,
            text_cell(sheet, task.owner.username if task.owner else None),
            task.duration_days if leaf else None,
            date_cell(sheet, task.start_no_earlier_than if leaf else None),
            None,
            text_cell(sheet, services.predecessor_text(links.get(task.pk, ()), row_of) or None),
            (yes if task.is_milestone else no) if leaf else None,
            yes if task.client_visible else no,
            date_cell(sheet, task.planned_start),
            date_cell(sheet, task.planned_end),
        ])
    guide = workbook.create_sheet(_("How to fill")[:31])
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 100
    guide.append([styled(WriteOnlyCell(guide, value=text), font=bold, fill=header_fill)
                  for text in (_("Column"), _("How to fill"))])
    wrap = Alignment(wrap_text=True, vertical="top")
    for column, text in how_to_fill():
        guide.append([text_cell(guide, column), styled(text_cell(guide, text), alignment=wrap)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def styled(cell, *, font=None, fill=None, alignment=None):
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell


def text_cell(sheet, value):
    """A cell holding `value` as text, even when it starts like a formula (= + - @)."""
    if value is None:
        return None
    value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell = WriteOnlyCell(sheet, value=value)
    if value.startswith(FORMULA_START):
        # Written as a string, never as a formula; the quote prefix keeps it text when edited.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def date_cell(sheet, value):
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = DATE_FORMAT
    return cell


# --- Reading uploads (plan and progress sheet) ---------------------------------------------

def check_upload(file, error_class=WorkbookFileError):
    """Refuse, before any XML is parsed, a file too large or one that unpacks to too much.

    A workbook is a zip archive: its parts' declared sizes bound what reading them can produce
    (zipfile stops at the declared size), so they are summed before openpyxl opens it.
    """
    size = file.size
    if size is None:
        size = file.seek(0, io.SEEK_END)
    if size > MAX_BYTES:
        raise error_class(_("The file is larger than %(size)s MB.")
                          % {"size": MAX_BYTES // (1024 * 1024)})
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise error_class(_("This file is not an Excel workbook (.xlsx).")) from None
    finally:
        file.seek(0)
    unpacked = sum(part.file_size for part in parts)
    packed_too_tightly = any(
        part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * max(part.compress_size, 1)
        for part in parts
    )
    if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED_BYTES or packed_too_tightly:
        raise error_class(_(
            "This file unpacks to more than %(size)s MB, or is compressed far more than a "
            "workbook can be; it is refused."
        ) % {"size": MAX_UNPACKED_BYTES // (1024 * 1024)})


def read_workbook(file, *, max_rows, max_col, error_class=WorkbookFileError):
    """Values of the first sheet's rows below the header, and the workbook's properties.

    At most `max_rows` + 1 rows are read, so that the caller can tell there are more. The file
    is checked first (check_upload) and opened read-only; anything unreadable raises
    `error_class` with a message for the user.
    """
    check_upload(file, error_class)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise error_class(_("The workbook has no worksheet."))
            cells = list(workbook.worksheets[0].iter_rows(
                min_row=2, max_row=max_rows + 2, max_col=max_col, values_only=True,
            ))
            properties = workbook.properties
        finally:
            workbook.close()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, InvalidFileException, OSError,
            ValueError, TypeError, SyntaxError, ParseError, EOFError):
        raise error_class(_("This file is not an Excel workbook (.xlsx).")) from None
    return cells, properties


def is_blank(rows):
    return all(value is None or (isinstance(value, str) and not value.strip())
               for values in rows for value in values)


# --- Import ---------------------------------------------------------------------------------

def import_plan(*, user, project, file):
    """Read an uploaded workbook and make it the project's plan (services.import_plan).

    Raises PlanFileError when the upload is no usable workbook and PlanRowsError listing every
    cell that cannot be imported; in both cases nothing changes. Returns {tasks, dependencies}.
    """
    rows = read_plan(file, project=project)
    try:
        return services.import_plan(user=user, project=project, rows=rows)
    except services.PlanImportError as exc:
        raise PlanRowsError([
            {"row": error["row"], "column": COLUMNS.get(error["field"], "A"),
             "message": error["message"]}
            for error in exc.errors
        ]) from None


def read_plan(file, *, project):
    """The rows of an uploaded plan workbook, as services.import_plan takes them."""
    cells, _properties = read_workbook(
        file, max_rows=MAX_ROWS, max_col=READ_COLUMNS, error_class=PlanFileError
    )
    if len(cells) > MAX_ROWS and not is_blank(cells[MAX_ROWS:]):
        raise PlanFileError(_("A plan has at most %(max)s rows.") % {"max": MAX_ROWS})
    owners = {
        membership.user.username: membership.user
        for membership in project.memberships.exclude(role="client").select_related("user")
    }
    reader = _RowReader(owners, services.engine_calendar(project.calendar))
    rows = []
    for number, values in enumerate(cells[:MAX_ROWS], start=2):
        values = (tuple(values) + (None,) * READ_COLUMNS)[:READ_COLUMNS]
        if is_blank([values[1:]]):
            continue
        rows.append(reader.read(number, values, place=len(rows) + 1))
    if not rows and not reader.errors:
        raise PlanFileError(_("The first worksheet has no tasks below its header row."))
    _mark_summaries(rows, reader)
    errors = reader.errors
    if errors:
        # The plan's structure too, so that one upload shows every problem; a cell already
        # wrong is not blamed twice.
        wrong = {(error["row"], error["column"]) for error in errors}
        for error in services.plan_errors(project=project, rows=rows):
            column = COLUMNS.get(error["field"], "A")
            if (error["row"], column) not in wrong:
                errors.append({"row": error["row"], "column": column,
                               "message": error["message"]})
        errors.sort(key=lambda error: (error["row"], error["column"]))
        raise PlanRowsError(errors)
    return rows


def _mark_summaries(rows, reader):
    """Summary rows ignore their own dates; leaves need a duration one way or another."""
    for row, below in zip(rows, [*rows[1:], None], strict=True):
        is_summary = below is not None and below["level"] > row["level"]
        missing_duration = row.pop("_missing_duration")
        if is_summary:
            row["start_no_earlier_than"] = None
        elif missing_duration:
            reader.error(row["row"], "duration_days",
                         _("Give a duration, or a start and a finish."))


class _RowReader:
    """Turns one row of cell values into an import row, collecting errors by cell."""

    def __init__(self, owners, calendar):
        self.owners = owners
        self.calendar = calendar
        self.errors = []
        self.yes = YES | {_("yes").casefold()}
        self.no = NO | {_("no").casefold()}

    def error(self, row, field, message):
        self.errors.append({"row": row, "column": COLUMNS[field], "message": str(message)})

    def read(self, number, values, *, place):
        cell = dict(zip(COLUMNS, values, strict=True))
        row = {"row": number}
        errors_before = len(self.errors)

        def check(field, parse, *args):
            try:
                return parse(cell[field], *args)
            except ValueError as exc:
                self.error(number, field, exc.args[0])
                return None

        ref = check("id", _whole_number, 1)
        row["id"] = ref if ref is not None else place
        row["level"] = check("level", _level) or 1
        row["name"] = _plain(cell["name"])
        owner = _plain(cell["owner"])
        row["owner"] = None
        if owner:
            row["owner"] = self.owners.get(owner)
            if row["owner"] is None:
                self.error(number, "owner", _("No internal member of the team has the username "
                                              "“%(username)s”.") % {"username": owner})
        duration = check("duration_days", _whole_number, 0)
        start = check("start_no_earlier_than", _date_value)
        finish = check("finish", _date_value)
        milestone = check("milestone", self._yes_no)
        row["client_visible"] = bool(check("client_visible", self._yes_no))
        try:
            row["predecessors"] = services.parse_predecessors(_plain(cell["predecessors"]))
        except ValidationError as exc:
            self.error(number, "predecessors", exc.message_dict["predecessors"][0])
            row["predecessors"] = []
        row["_missing_duration"] = False
        row["duration_days"], row["start_no_earlier_than"] = 1, start
        if len(self.errors) > errors_before:
            return row
        if milestone:
            if duration:
                self.error(number, "milestone", _("A milestone has a duration of 0."))
            duration = 0
        if duration is None and start is not None and finish is not None:
            if finish < start:
                self.error(number, "finish", _("The finish cannot be before the start."))
            elif start <= services.LATEST_DATE:
                duration = self._working_days(start, finish)
        elif duration is not None and start is not None and finish is not None and (
            finish < start or self._working_days(start, finish) != duration
        ):
            self.error(number, "finish", _(
                "Start to Finish is not %(days)s working days; leave one of them blank."
            ) % {"days": duration})
        if duration is None:
            row["_missing_duration"] = True
            duration = 1
        row["duration_days"] = duration
        return row

    def _working_days(self, start, finish):
        return self.calendar.working_days_between(start, finish)

    def _yes_no(self, value):
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip().casefold()
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if text in self.yes:
            return True
        if text in self.no:
            return False
        raise ValueError(_("Write yes or no."))


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _whole_number(value, minimum):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(_("Write a whole number."))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise ValueError(_("Write a whole number."))
    if value < minimum:
        raise ValueError(_("Write a whole number from %(min)s.") % {"min": minimum})
    return value


def _level(value):
    """A level from 1, or the level of a WBS code written as text ("1.2.3" → 3)."""
    if isinstance(value, str) and "." in value.strip().strip("."):
        parts = value.strip().strip(".").split(".")
        if all(part.strip().isdigit() for part in parts):
            return len(parts)
    try:
        return _whole_number(value, 1)
    except ValueError:
        raise ValueError(_(
            "Write the level as a whole number (1 = top), or a WBS code as text (1.2.3)."
        )) from None


def _date_value(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return from_excel(value).date()
        except (ValueError, OverflowError, AttributeError):
            raise ValueError(_("Write a date as YYYY-MM-DD.")) from None
    match = re.fullmatch(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*", str(value))
    if match:
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            pass
    raise ValueError(_("Write a date as YYYY-MM-DD."))

