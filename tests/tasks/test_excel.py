"""Plan workbooks: export → import keeps the plan; errors by row and column; bad files refused;
text that looks like a formula stays text."""
import io
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from tasks import excel, services
from tasks.models import Dependency, ProgressEntry, Task
from tests.projects.factories import MembershipFactory, ProjectFactory


def url(project):
    return f"/api/v1/projects/{project.pk}/plan.xlsx"


def upload(api, project, content, name="plan.xlsx"):
    file = SimpleUploadedFile(name, content, content_type=excel.CONTENT_TYPE)
    return api.post(url(project), {"file": file}, format="multipart")


def workbook(*rows):
    book = Workbook()
    sheet = book.active
    sheet.append(excel.headers())
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def add(world, name, project=None, **fields):
    return services.create_task(user=world.pm, project=project or world.project, name=name,
                                **fields)


def snapshot(project):
    """The plan as data independent of ids: tasks in WBS order and links by WBS code."""
    tasks = list(Task.objects.filter(project=project).select_related("owner"))
    wbs = {task.pk: task.wbs for task in tasks}
    return (
        [(t.wbs, t.name, t.owner.username if t.owner else None, t.is_summary,
          None if t.is_summary else t.duration_days, t.start_no_earlier_than, t.client_visible,
          t.is_milestone, t.planned_start, t.planned_end) for t in tasks],
        sorted((wbs[d.predecessor_id], wbs[d.successor_id], d.type, d.lag_days)
               for d in Dependency.objects.filter(project=project)),
    )


@pytest.fixture
def plan(world):
    """A plan using every feature the workbook carries."""
    design = add(world, "Design")
    survey = add(world, "Survey", parent=design, duration_days=3, owner=world.member)
    drawings = add(world, "Drawings", parent=design, duration_days=2,
                   start_no_earlier_than=date(2026, 12, 7))
    build = add(world, "Build")
    cabling_phase = add(world, "Cabling", parent=build)
    pull = add(world, "Pull cable", parent=cabling_phase, duration_days=4, client_visible=True)
    formula = add(world, "=SUM(A1:A9)", parent=build, duration_days=1)
    handover = add(world, "Handover", duration_days=0, client_visible=True)
    for predecessor, successor, type_, lag in [
        (survey, drawings, "FS", 0), (drawings, pull, "SS", 1), (pull, formula, "FF", -1),
        (formula, handover, "FS", 2), (survey, handover, "SF", 0),
    ]:
        services.add_dependency(user=world.pm, predecessor=predecessor, successor=successor,
                                type=type_, lag_days=lag)
    return world.project


# --- round trip -----------------------------------------------------------------------------

def test_export_then_import_keeps_the_plan(world, api_as, plan):
    before = snapshot(plan)
    api = api_as("pm")
    exported = api.get(url(plan))
    assert exported.status_code == 200
    assert exported["Content-Type"] == excel.CONTENT_TYPE
    assert f'filename="{plan.code}-plan.xlsx"' in exported["Content-Disposition"]

    response = upload(api, plan, exported.content)

    assert response.status_code == 200, response.content
    assert response.json() == {"tasks": 8, "dependencies": 5}
    assert snapshot(plan) == before


def test_a_plan_exported_from_one_project_imports_into_another(world, api_as, plan):
    other = ProjectFactory(planned_start=plan.planned_start)
    MembershipFactory(project=other, user=world.pm, role="pm")
    MembershipFactory(project=other, user=world.member, role="member")
    api = api_as("pm")
    response = upload(api, other, api.get(url(plan)).content)
    assert response.status_code == 200, response.content
    assert snapshot(other) == snapshot(plan)


def test_import_replaces_the_previous_plan(world, api_as):
    add(world, "Old task")
    response = upload(api_as("pm"), world.project, workbook([1, 1, "New task", None, 2]))
    assert response.status_code == 200
    assert list(Task.objects.values_list("name", "duration_days")) == [("New task", 2)]


@pytest.mark.parametrize("progress", ["percent", "actual start", "entry"])
def test_a_plan_with_progress_is_not_replaced(world, api_as, plan, progress):
    survey = Task.objects.get(name="Survey")
    if progress == "percent":
        Task.objects.filter(pk=survey.pk).update(percent_complete=10)
    elif progress == "actual start":
        Task.objects.filter(pk=survey.pk).update(actual_start=date(2026, 12, 1))
    else:
        ProgressEntry.objects.create(task=survey, date=date(2026, 12, 1), percent_complete=0,
                                     hours=2, author=world.member)
    before = snapshot(plan)
    response = upload(api_as("pm"), plan, workbook([1, 1, "New task", None, 2]))
    assert response.status_code == 409
    assert response.json()["detail"]
    assert snapshot(plan) == before


def test_export_layout(world, api_as, plan):
    book = load_workbook(io.BytesIO(api_as("member").get(url(plan)).content))
    sheet, guide = book.worksheets
    assert [cell.value for cell in sheet[1]] == excel.headers()
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width == excel.WIDTHS["C"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[:3] for row in rows[:3]] == [(1, 1, "Design"), (2, 2, "Survey"),
                                             (3, 2, "Drawings")]
    assert rows[2][7] == "2"  # Drawings follows Survey, row ID 2
    assert guide.title == "How to fill"
    assert guide.max_row > len(excel.COLUMNS)


# --- the template's conveniences ------------------------------------------------------------

def test_start_and_finish_give_the_duration_and_codes_give_levels(world, api_as):
    content = workbook(
        [None, "1", "Phase"],
        [None, "1.1", "Survey", "member", None, date(2026, 12, 7), date(2026, 12, 11), None,
         None, "是"],
        [None, "1.2", "Gate", None, None, None, None, "2", "yes"],
        [None, None, "Wrap-up", None, 1.0, "2026-12-21", None, "3FS+1"],
    )
    response = upload(api_as("pm"), world.project, content)
    assert response.status_code == 200, response.content
    survey, gate, wrap_up = (Task.objects.get(name=n) for n in ("Survey", "Gate", "Wrap-up"))
    assert (survey.duration_days, survey.start_no_earlier_than) == (5, date(2026, 12, 7))
    assert survey.owner == world.member and survey.client_visible
    assert gate.is_milestone and gate.parent == survey.parent
    assert wrap_up.wbs == "2"
    assert wrap_up.planned_start == date(2026, 12, 21)


# --- errors by row and column ---------------------------------------------------------------

def test_every_bad_cell_is_reported_and_nothing_changes(world, api_as):
    add(world, "Old task")
    content = workbook(
        [1, 1, "Phase"],
        [2, 2, "", None, 1],
        [3, 2, "Survey", "nobody", 3],
        [4, 2, "Cabling", None, "three"],
        [5, 2, "Check", None, 1, "2026-02-30"],
        [6, 2, "Links", None, 1, None, None, "99, 4XX"],
        [7, 4, "Deep", None, 1],
        [8, 2, "Sign-off", None, None, None, None, None, "maybe"],
        [9, 2, "Visible", None, 1, None, None, None, None, "perhaps"],
        [3, 2, "Same ID", None, 1],
        [10, 2, "No duration"],
        [11, 2, "Mismatch", None, 2, "2026-12-07", "2026-12-09"],
        [12, 2, "Milestone with days", None, 2, None, None, None, "yes"],
    )
    response = upload(api_as("pm"), world.project, content)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [
        (3, "C"), (4, "D"), (5, "E"), (6, "F"), (7, "H"), (8, "B"), (9, "I"), (10, "J"),
        (11, "A"), (12, "E"), (13, "G"), (14, "I"),
    ]
    assert all(e["message"] for e in errors)
    assert list(Task.objects.values_list("name", flat=True)) == ["Old task"]


def test_links_are_checked_against_the_whole_sheet(world, api_as):
    content = workbook(
        [1, 1, "Phase"],
        [2, 2, "A", None, 2, None, None, "1"],
        [3, 2, "B", None, 1, None, None, "2, 2SS"],
        [4, 2, "C", None, 1, None, None, "4"],
    )
    errors = upload(api_as("pm"), world.project, content).json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "H"), (4, "H"), (5, "H")]
    assert "summary" in errors[0]["message"]


def test_a_cycle_is_reported_with_its_ids(world, api_as):
    content = workbook(
        [1, 1, "A", None, 1, None, None, "3"],
        [2, 1, "B", None, 1, None, None, "1"],
        [3, 1, "C", None, 1, None, None, "2"],
    )
    errors = upload(api_as("pm"), world.project, content).json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "H")]
    assert "1 → 2 → 3 → 1" in errors[0]["message"]


# --- files that are no plan -----------------------------------------------------------------

def zip_without_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")
    return out.getvalue()


@pytest.mark.parametrize("content", [
    b"ID,Name\n1,Survey\n", zip_without_workbook(), b"PK\x03\x04broken",
], ids=["csv", "zip", "truncated zip"])
def test_a_file_that_is_no_workbook_is_refused(world, api_as, content):
    add(world, "Old task")
    response = upload(api_as("pm"), world.project, content)
    assert response.status_code == 400
    assert "detail" in response.json()
    assert Task.objects.count() == 1


def test_a_file_over_5_mb_is_refused(world, api_as):
    response = upload(api_as("pm"), world.project, b"0" * (excel.MAX_BYTES + 1))
    assert response.status_code == 400
    assert "5 MB" in response.json()["detail"]


def test_an_upload_without_a_file_names_the_field(world, api_as):
    response = api_as("pm").post(url(world.project), {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_a_sheet_without_tasks_is_refused(world, api_as):
    add(world, "Old task")
    response = upload(api_as("pm"), world.project, workbook())
    assert response.status_code == 400 and "detail" in response.json()
    assert Task.objects.count() == 1


def test_too_many_rows_are_refused(world, api_as, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    content = workbook(*([n, 1, f"Task {n}", None, 1] for n in range(1, 5)))
    response = upload(api_as("pm"), world.project, content)
    assert response.status_code == 400
    assert "3" in response.json()["detail"]


# --- formula-looking text -------------------------------------------------------------------

NAMES = ["=1+2", "=HYPERLINK(\"http://evil.example\",\"x\")", "+41 calls", "-1 day", "@home"]


def test_formula_looking_text_is_written_as_text_and_read_back(world, api_as):
    for name in NAMES:
        add(world, name)
    api = api_as("pm")
    content = api.get(url(world.project)).content

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = [row[2] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == NAMES
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)

    assert upload(api, world.project, content).status_code == 200
    assert list(Task.objects.values_list("name", flat=True)) == NAMES


def test_control_characters_do_not_break_the_export(world, api_as):
    add(world, "Bell\x07 and tab\tstay")
    response = api_as("pm").get(url(world.project))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["C2"].value == "Bell and tab\tstay"


# --- size -----------------------------------------------------------------------------------

def test_a_2000_task_workbook_round_trips(world, api_as):
    rows = []
    for phase in range(40):
        rows.append({"id": phase * 50 + 1, "level": 1, "name": f"Phase {phase}",
                     "duration_days": 1, "predecessors": []})
        rows.extend(
            {"id": phase * 50 + step, "level": 2, "name": f"Step {phase}.{step}",
             "duration_days": step % 5, "predecessors":
                 [(phase * 50 + step - 1, "FS", 0)] if step > 2 else []}
            for step in range(2, 51)
        )
    services.import_plan(user=world.pm, project=world.project, rows=rows)
    before = snapshot(world.project)
    api = api_as("pm")

    response = upload(api, world.project, api.get(url(world.project)).content)

    assert response.json() == {"tasks": 2000, "dependencies": 40 * 48}
    assert snapshot(world.project) == before
