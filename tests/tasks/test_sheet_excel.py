"""The weekly progress sheet as a workbook: the layout a planner gets, H–K read back all or
nothing, errors by row and column letter, stale rows, files that are no sheet (zip bombs
included) refused before they are parsed, and text that looks like a formula kept as text."""
import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tasks import excel, progress, sheet_excel
from tasks.models import ProgressEntry, Task
from tests.projects.factories import MembershipFactory, ProjectFactory
from tests.tasks.test_progress_api import add, fresh, plan, report, sheet_url, versions

__all__ = ["plan"]  # a fixture, used by name


def export(api, p, week=None):
    response = api.get(sheet_url(p.project, week or p.week, xlsx=True))
    assert response.status_code == 200, response.content
    return response.content


def upload(api, p, content, week="same", name="sheet.xlsx"):
    week = p.week if week == "same" else week
    file = SimpleUploadedFile(name, content, content_type=sheet_excel.CONTENT_TYPE)
    return api.post(sheet_url(p.project, week, xlsx=True), {"file": file}, format="multipart")


def edit(content, cells):
    """The workbook with `cells` ({"H2": 50, …}) changed, as a planner saves it."""
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    for coordinate, value in cells.items():
        sheet[coordinate] = value
        if isinstance(value, str) and value.startswith("="):
            # Typed with Excel's quote prefix ('=1+2): text, not a formula.
            sheet[coordinate].data_type = "s"
            sheet[coordinate].quotePrefix = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def three(world, plan):
    """The plan plus a task far enough ahead to be neither late nor critical."""
    plan.later = add(world, "Handover docs", duration_days=2,
                     start_no_earlier_than=timezone.localdate() + timedelta(days=20))
    return plan


# --- the workbook a planner gets ------------------------------------------------------------

def test_export_layout(world, three, api_as):
    response = api_as("observer").get(sheet_url(three.project, three.week, xlsx=True))
    assert response["Content-Type"] == sheet_excel.CONTENT_TYPE
    assert response["Content-Disposition"] == (
        f'attachment; filename="{three.project.code}-progress-{three.week}.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    sheet, guide = book.worksheets
    assert [cell.value for cell in sheet[1]] == sheet_excel.headers()
    assert sheet.freeze_panes == "C2"
    assert sheet.column_dimensions["A"].hidden and sheet.column_dimensions["B"].hidden
    assert sheet.column_dimensions["D"].width == sheet_excel.WIDTHS["D"]
    assert sheet.auto_filter.ref == "C1:M4"
    (percent, hours) = sheet.data_validations.dataValidation
    assert (percent.type, percent.operator, percent.formula1, percent.formula2) == (
        "decimal", "between", "0", "100")
    assert str(percent.sqref) == "H2:H4"
    assert (hours.type, hours.operator, hours.formula1, str(hours.sqref)) == (
        "decimal", "greaterThanOrEqual", "0", "I2:I4")

    own, other, later = fresh(three.own), fresh(three.other), fresh(three.later)
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[:5] for row in rows] == [
        [own.pk, own.version, "1.1", "Survey", str(world.member)],
        [other.pk, other.version, "1.2", "Cabling", str(world.pm)],
        [later.pk, later.version, "2", "Handover docs", None],
    ]
    assert rows[1][11:] == ["yes", "Not started"]
    start = sheet["F2"]
    assert start.is_date and start.number_format == "yyyy-mm-dd"
    assert start.value.date() == own.planned_start
    assert sheet["G4"].value.date() == later.planned_end
    assert guide.title == "How to fill"
    guide_text = " ".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    assert three.week in guide_text and "light red" in guide_text and "bold dark red" in guide_text
    assert book.properties.keywords == (
        f"jindu-progress-sheet project={three.project.code} week={three.week}"
    )


def test_overdue_rows_are_filled_light_red_and_critical_rows_bold_dark_red(world, three, api_as):
    sheet = load_workbook(io.BytesIO(export(api_as("pm"), three))).worksheets[0]
    late, critical, plain = sheet[2], sheet[3], sheet[4]
    visible = slice(2, 13)  # C–M
    assert all(c.fill.fgColor.rgb == "00FFC7CE" for c in late[visible])
    assert not any(c.font.bold for c in late[visible])
    assert all(c.font.bold and c.font.color.rgb == "009C0006" for c in critical[visible])
    assert all(c.fill.fill_type is None for c in critical[visible])
    assert not any(c.font.bold or c.fill.fill_type for c in plain[visible])
    # Headers of the columns read back stand out from the rest.
    assert sheet["H1"].fill.fgColor.rgb != sheet["G1"].fill.fgColor.rgb


def test_this_weeks_figures_are_in_h_to_k(world, three, api_as):
    report(world, three.own, user=world.member, percent_complete=40, hours="2.5",
           note="Floor 1", problems="Lift broken")
    sheet = load_workbook(io.BytesIO(export(api_as("pm"), three))).worksheets[0]
    assert [c.value for c in sheet[2][7:11]] == [40, 2.5, "Floor 1", "Lift broken"]
    assert sheet["M2"].value == "In progress"


# --- round trip -----------------------------------------------------------------------------

def test_a_filled_sheet_uploaded_changes_the_tasks(world, three, api_as):
    api = api_as("assistant")
    content = edit(export(api, three), {
        "H2": 100, "I2": 6, "J2": "Survey report sent",
        "H3": "25%", "J3": "Trays installed", "K3": "Cable late",
    })

    response = upload(api, three, content)

    assert response.status_code == 200, response.content
    assert response.json() == {"updated": 2}
    survey, cabling, later = fresh(three.own), fresh(three.other), fresh(three.later)
    assert (survey.status, survey.percent_complete, survey.actual_finish) == (
        Task.Status.DONE, 100, timezone.localdate())
    assert (cabling.status, cabling.percent_complete, cabling.has_open_problem) == (
        Task.Status.IN_PROGRESS, 25, True)
    assert later.version == three.later.version
    entries = {e.task_id: e for e in ProgressEntry.objects.filter(from_sheet=True)}
    assert (entries[survey.pk].hours, entries[survey.pk].note) == (6, "Survey report sent")
    assert (entries[cabling.pk].note, entries[cabling.pk].problems) == (
        "Trays installed", "Cable late")
    # Uploading the same file again is stale: the versions moved on.
    assert upload(api, three, content).status_code == 409


def test_an_export_uploaded_as_it_is_changes_nothing(world, three, api_as):
    api = api_as("pm")
    before = versions()
    response = upload(api, three, export(api, three))
    assert response.json() == {"updated": 0}
    assert versions() == before


def test_the_week_comes_from_the_workbook_when_the_url_names_none(world, three, api_as):
    api = api_as("pm")
    response = upload(api, three, edit(export(api, three), {"H2": 60}), week=None)
    assert response.status_code == 200, response.content
    assert fresh(three.own).percent_complete == 60


def test_a_sheet_of_another_week_or_project_is_refused(world, three, api_as):
    api = api_as("pm")
    last_week = progress.week_of(timezone.localdate() - timedelta(days=7))
    response = upload(api, three, edit(export(api, three, week=last_week), {"H2": 60}))
    assert response.status_code == 400
    assert last_week in response.json()["detail"]

    other = ProjectFactory()
    MembershipFactory(project=other, user=world.pm, role="pm")
    response = api.post(sheet_url(other, three.week, xlsx=True), {
        "file": SimpleUploadedFile("s.xlsx", export(api, three))}, format="multipart")
    assert response.status_code == 400
    assert three.project.code in response.json()["detail"]
    assert fresh(three.own).percent_complete == 0


# --- errors by row and column ---------------------------------------------------------------

def test_bad_cells_answer_400_by_row_and_column_and_nothing_is_saved(world, three, api_as):
    api = api_as("pm")
    content = edit(export(api, three), {
        "H2": 50,                              # fine, but not saved either
        "H3": "most", "I3": -2,                # two bad cells in one row
        "H4": None,                            # % complete is required
        "J4": "x" * (progress.MAX_TEXT + 1),
        "A5": None, "H5": 10,                  # a row typed in without a task id
    })
    before = versions()

    response = upload(api, three, content)

    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [(e["row"], e["column"], e["field"]) for e in errors] == [
        (3, "H", "percent_complete"), (3, "I", "hours"), (4, "H", "percent_complete"),
        (4, "J", "note"), (5, "A", "task"),
    ]
    assert errors[0]["task"] == three.other.pk
    assert all(e["message"] for e in errors)
    assert versions() == before
    assert not ProgressEntry.objects.exists()


def test_changed_task_ids_or_versions_are_named_by_column(world, three, api_as):
    api = api_as("pm")
    content = edit(export(api, three), {"A2": "Survey", "B3": "v2", "H3": 5})
    errors = upload(api, three, content).json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "A"), (3, "B")]


def test_stale_rows_answer_409_by_worksheet_row_and_nothing_is_saved(world, three, api_as):
    api = api_as("assistant")
    content = edit(export(api, three), {"H2": 90, "H4": 10})
    report(world, three.later, user=world.pm, percent_complete=5, note="Template chosen")
    before = versions()

    response = upload(api, three, content)

    assert response.status_code == 409
    body = response.json()
    assert body["detail"]
    (conflict,) = body["conflicts"]
    assert (conflict["row"], conflict["task"]) == (4, three.later.pk)
    assert conflict["current"] == api.get(sheet_url(three.project, three.week)).json()["rows"][2]
    assert conflict["current"]["note"] == "Template chosen"
    assert versions() == before
    assert fresh(three.own).percent_complete == 0


# --- files that are no sheet ----------------------------------------------------------------

def zip_of(**parts):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name.replace("__", "/"), data)
    return out.getvalue()


@pytest.mark.parametrize("content", [
    b"task,percent\n1,50\n", zip_of(notes__txt=b"not a workbook"), b"PK\x03\x04broken",
], ids=["csv", "zip", "truncated zip"])
def test_a_file_that_is_no_workbook_is_refused(world, three, api_as, content):
    response = upload(api_as("pm"), three, content)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not ProgressEntry.objects.exists()


@pytest.fixture
def never_parsed(monkeypatch):
    """Fail the test if openpyxl is asked to open the upload."""
    def refuse(*args, **kwargs):
        raise AssertionError("the upload reached openpyxl")

    monkeypatch.setattr(excel, "load_workbook", refuse)


def test_a_file_over_5_mb_is_refused_before_it_is_opened(world, three, api_as, never_parsed):
    response = upload(api_as("pm"), three, b"PK" + b"0" * excel.MAX_BYTES)
    assert response.status_code == 400
    assert "5 MB" in response.json()["detail"]


def bomb():
    """A small upload that unpacks to 60 MB (one part) or to many tightly packed parts."""
    return zip_of(**{"xl__worksheets__sheet1.xml": b"0" * (60 * 1024 * 1024)})


@pytest.mark.parametrize("make", [
    bomb,
    lambda: zip_of(**{f"xl__part{n}.xml": b" " * (2 * 1024 * 1024) for n in range(3)}),
], ids=["one huge part", "parts packed 1000:1"])
@pytest.mark.parametrize("path", ["progress-sheet.xlsx", "plan.xlsx"])
def test_a_zip_bomb_is_refused_before_it_is_opened(world, three, api_as, never_parsed, make,
                                                     path):
    content = make()
    assert len(content) < excel.MAX_BYTES
    response = api_as("pm").post(
        f"/api/v1/projects/{three.project.pk}/{path}?week={three.week}",
        {"file": SimpleUploadedFile("bomb.xlsx", content)}, format="multipart",
    )
    assert response.status_code == 400
    assert "unpacks" in response.json()["detail"]
    assert Task.objects.count() == 4 and not ProgressEntry.objects.exists()


def test_an_upload_without_a_file_names_the_field(world, three, api_as):
    response = api_as("pm").post(sheet_url(three.project, three.week, xlsx=True), {},
                                 format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_too_many_rows_are_refused(world, three, api_as, monkeypatch):
    monkeypatch.setattr(sheet_excel, "MAX_ROWS", 2)
    response = upload(api_as("pm"), three, export(api_as("pm"), three))
    assert response.status_code == 400
    assert "2" in response.json()["detail"]


def test_a_workbook_typed_from_scratch_is_read_by_position(world, three, api_as):
    own = fresh(three.own)
    book = Workbook()
    book.active.append(["id", "v"])
    book.active.append([own.pk, own.version, None, None, None, None, None, "45", 3.0, 12, None])
    out = io.BytesIO()
    book.save(out)
    # Such a workbook does not say which week it is: the URL must.
    response = upload(api_as("pm"), three, out.getvalue(), week=None)
    assert response.status_code == 400 and "week" in response.json()
    response = upload(api_as("pm"), three, out.getvalue())
    assert response.status_code == 200, response.content
    entry = ProgressEntry.objects.get()
    assert (entry.percent_complete, entry.hours, entry.note) == (45, 3, "12")


# --- formula-looking text -------------------------------------------------------------------

FORMULAS = ["=1+2", '=HYPERLINK("http://evil.example","x")', "+86 571 0000", "-1 day late",
            "@SUM(A1)"]


def test_formula_looking_text_is_written_as_text_and_read_back_as_it_was(world, three,
                                                                           api_as):
    Task.objects.filter(pk=three.own.pk).update(name=FORMULAS[0])
    for text in FORMULAS[1:]:
        add(world, text, duration_days=1)
    tasks = list(progress.sheet_tasks(project=three.project, week=three.week))
    wanted = {
        task.pk: (row, FORMULAS[i % len(FORMULAS)], FORMULAS[(i + 1) % len(FORMULAS)])
        for i, (row, task) in enumerate(enumerate(tasks, start=2))
    }
    api = api_as("pm")
    filled = edit(export(api, three), {
        cell: text for row, note, problems in wanted.values()
        for cell, text in ((f"J{row}", note), (f"K{row}", problems))
    })
    assert upload(api, three, filled).json() == {"updated": len(tasks)}
    assert {e.task_id: (e.note, e.problems) for e in ProgressEntry.objects.all()} == {
        pk: (note, problems) for pk, (_row, note, problems) in wanted.items()
    }

    content = export(api, three)

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    for row, note, problems in wanted.values():
        for cell, text in ((sheet[f"J{row}"], note), (sheet[f"K{row}"], problems)):
            assert (cell.value, cell.data_type) == (text, "s")
            assert cell.quotePrefix == text.startswith(excel.FORMULA_START)
    assert set(FORMULAS) <= {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert upload(api, three, content).json() == {"updated": 0}


def test_the_how_to_fill_sheet_explains_every_column(world, three, api_as):
    guide = load_workbook(io.BytesIO(export(api_as("pm"), three))).worksheets[1]
    columns = [row[0] for row in guide.iter_rows(values_only=True)]
    assert set(sheet_excel.headers()) <= set(columns)
