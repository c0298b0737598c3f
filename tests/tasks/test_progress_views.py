"""Progress pages (P3.2a, P3.2b): My tasks, the weekly sheet and its upload, the task page, open
problems and the weekly report — who may read and write, what a save changes, and queries."""
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from projects.models import Membership, Project
from tasks import progress, services
from tasks.models import ProgressEntry, Task
from tests.conftest import ROLES
from tests.projects.factories import MembershipFactory, ProjectFactory

VIEWERS = {"admin", "management", "supervisor", "pm", "assistant", "member", "qa", "finance",
           "observer"}
SHEET_EDITORS = {"admin", "pm", "assistant"}
HTMX = {"HTTP_HX_REQUEST": "true"}


def expected(role, *, allowed, readers=VIEWERS):
    """anonymous → login; not a reader → 404; a reader → 403 unless allowed."""
    if role == "anonymous":
        return "login"
    if role not in readers:
        return 404
    return "ok" if role in allowed else 403


def assert_status(response, want, ok=200):
    if want == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    elif want == "ok":
        assert response.status_code == ok, response.content[:500]
    else:
        assert response.status_code == want


def fresh(task):
    return Task.objects.get(pk=task.pk)


def row_html(html, tag, prefix, task):
    """The markup of one task's row: <tr id="sheet-12">…</tr> and the like."""
    return re.search(rf'<{tag} id="{prefix}-{task.pk}".*?</{tag}>', html, re.S)[0]


def this_week():
    return progress.week_of(timezone.localdate())


@pytest.fixture
def work(world):
    """A project under way: Survey (member's, 3 days, overdue) → Cabling (assistant's, 40 days,
    critical); Docs (nobody's, 1 day) on its own; all under the phase Build."""
    project = world.project
    project.planned_start = timezone.localdate() - timedelta(days=21)
    project.status = Project.Status.EXECUTING
    project.save()
    phase = services.create_task(user=world.pm, project=project, name="Build")

    def add(name, days, owner=None):
        return services.create_task(user=world.pm, project=project, parent=phase, name=name,
                                    duration_days=days, owner=owner)

    survey = add("Survey", 3, world.member)
    cabling = add("Cabling", 40, world.assistant)
    docs = add("Docs", 1)
    services.add_dependency(user=world.pm, predecessor=survey, successor=cabling)
    return type("Work", (), {"project": project, "phase": phase, "survey": fresh(survey),
                             "cabling": fresh(cabling), "docs": fresh(docs)})


def url(name, work, task=None, **query):
    args = [work.project.pk] + ([task.pk] if task is not None else [])
    path = reverse(f"tasks:{name}", args=args)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def sheet_post(work, rows, week=None):
    return {"week": week or this_week(), "rows": json.dumps(rows)}


def sheet_row(task, **values):
    task = fresh(task)
    row = {"task": task.pk, "version": task.version,
           "percent_complete": str(task.percent_complete)}
    row.update(values)
    return row


# --- Who may read, who may write -----------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_my_tasks_page_by_role(world, work, client_as, role):
    response = client_as(role).get(reverse("tasks:my_tasks"))
    if role == "anonymous":
        assert_status(response, "login")
    elif role in ("client", "other_client"):
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert ("Survey" in response.content.decode()) == (role == "member")


@pytest.mark.parametrize("role", ROLES)
def test_task_page_by_role(world, work, client_as, role):
    response = client_as(role).get(url("task_detail", work, work.survey))
    assert_status(response, expected(role, allowed=VIEWERS))
    if response.status_code == 200:
        assert "Survey" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_reporting_progress_on_the_members_task_by_role(world, work, client_as, role):
    """The owner, the assistant and the pm report on a task; the rest of the team reads."""
    allowed = {"member", "assistant", "pm", "admin"}
    response = client_as(role).post(url("task_progress", work, work.survey),
                                     {"percent_complete": "40", "version": work.survey.version},
                                     **HTMX)
    assert_status(response, expected(role, allowed=allowed))
    assert (fresh(work.survey).percent_complete == 40) == (role in allowed)


def test_a_member_cannot_report_on_someone_elses_task(world, work, client_as):
    response = client_as("member").post(url("task_progress", work, work.cabling),
                                        {"percent_complete": "40"}, **HTMX)
    assert response.status_code == 403
    assert fresh(work.cabling).percent_complete == 0
    assert not ProgressEntry.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_opening_the_quick_update_by_role(world, work, client_as, role):
    response = client_as(role).get(url("task_progress", work, work.survey), **HTMX)
    assert_status(response, expected(role, allowed={"member", "assistant", "pm", "admin"}))


@pytest.mark.parametrize("role", ROLES)
def test_sheet_page_by_role(world, work, client_as, role):
    response = client_as(role).get(url("sheet", work, week=this_week()))
    assert_status(response, expected(role, allowed=VIEWERS))
    if response.status_code == 200:
        html = response.content.decode()
        assert "Survey" in html and "Cabling" in html
        # Read only for all but the pm and the assistant: no cell to type in, no Save.
        assert ('data-field="percent_complete"' in html) == (role in SHEET_EDITORS)
        assert ("Save sheet" in html) == (role in SHEET_EDITORS)


@pytest.mark.parametrize("role", ROLES)
def test_saving_the_sheet_by_role(world, work, client_as, role):
    data = sheet_post(work, [sheet_row(work.survey, percent_complete="60")])
    response = client_as(role).post(url("sheet", work), data)
    assert_status(response, expected(role, allowed=SHEET_EDITORS), ok=302)
    assert (fresh(work.survey).percent_complete == 60) == (role in SHEET_EDITORS)


@pytest.mark.parametrize("role", ROLES)
def test_upload_page_by_role(world, work, client_as, role):
    response = client_as(role).get(url("sheet_upload", work, week=this_week()))
    assert_status(response, expected(role, allowed=SHEET_EDITORS))


@pytest.mark.parametrize("role", ROLES)
def test_weekly_report_by_role(world, work, client_as, role):
    client = client_as(role)
    response = client.get(url("status_report", work, week=this_week()))
    assert_status(response, expected(role, allowed=VIEWERS))
    response = client.get(url("status_report_xlsx", work, week=this_week()))
    assert_status(response, expected(role, allowed=VIEWERS))


@pytest.mark.parametrize("role", ROLES)
def test_resolving_problems_by_role(world, work, client_as, role):
    progress.record_progress(user=world.member, task=work.survey, percent_complete=10,
                             problems="No access to the server room.")
    task = fresh(work.survey)
    response = client_as(role).post(url("resolve_problems", work, task),
                                    {"version": task.version})
    assert_status(response, expected(role, allowed=SHEET_EDITORS), ok=302)
    assert fresh(task).has_open_problem == (role not in SHEET_EDITORS)


# --- My tasks -------------------------------------------------------------------------------------

def test_my_tasks_lists_my_open_leaf_tasks_attention_first(world, work, client_as):
    later = services.create_task(user=world.pm, project=work.project, name="Handover",
                                 duration_days=2, owner=world.member,
                                 start_no_earlier_than=timezone.localdate() + timedelta(days=30))
    done = services.create_task(user=world.pm, project=work.project, name="Kick-off notes",
                                duration_days=1, owner=world.member)
    progress.record_progress(user=world.member, task=done, percent_complete=100)
    html = client_as("member").get(reverse("tasks:my_tasks")).content.decode()
    assert html.index("Survey") < html.index("Handover")
    assert "Kick-off notes" not in html and "Cabling" not in html and "Build" not in html
    survey = row_html(html, "tbody", "my-task", work.survey)
    assert "Overdue" in survey
    assert reverse("tasks:task_detail", args=[work.project.pk, work.survey.pk]) in survey
    assert "Handover" in html and later.pk
    shown = client_as("member").get(reverse("tasks:my_tasks") + "?done=1").content.decode()
    assert "Kick-off notes" in shown


def test_quick_update_changes_the_task_and_answers_with_its_row(world, work, client_as):
    client = client_as("member")
    response = client.post(url("task_progress", work, work.survey), {
        "percent_complete": "100", "hours": "6.5", "note": "Surveyed all floors.",
        "problems": "", "version": work.survey.version,
    }, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<tbody id="my-task-{work.survey.pk}"')
    assert "task-status-done" in html and "Overdue" not in html
    task = fresh(work.survey)
    assert task.status == Task.Status.DONE
    assert task.actual_start == task.actual_finish == timezone.localdate()
    entry = ProgressEntry.objects.get(task=task)
    assert (entry.hours, entry.note, entry.author) == (Decimal("6.5"), "Surveyed all floors.",
                                                       world.member)
    assert fresh(work.phase).percent_complete > 0


def test_quick_update_in_progress_and_with_a_problem(world, work, client_as):
    client_as("member").post(url("task_progress", work, work.survey), {
        "percent_complete": "30", "problems": "Ladder missing.",
        "version": work.survey.version}, **HTMX)
    task = fresh(work.survey)
    assert task.status == Task.Status.IN_PROGRESS and task.actual_finish is None
    assert task.has_open_problem


@pytest.mark.parametrize("data, field", [
    ({"percent_complete": "120"}, "percent_complete"),
    ({"percent_complete": "abc"}, "percent_complete"),
    ({"percent_complete": ""}, "percent_complete"),
    ({"percent_complete": "50", "hours": "-2"}, "hours"),
    ({"percent_complete": "50", "note": "x" * (progress.MAX_TEXT + 1)}, "note"),
])
def test_bad_input_shows_errors_beside_the_fields_and_saves_nothing(world, work, client_as,
                                                                    data, field):
    response = client_as("member").post(url("task_progress", work, work.survey),
                                        {"version": work.survey.version, **data}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(rf'name="{field}"[^>]*is-invalid|is-invalid[^>]*name="{field}"', html)
    assert "invalid-feedback" in html
    assert not ProgressEntry.objects.exists()
    assert fresh(work.survey).version == work.survey.version


def test_a_stale_quick_update_is_refused_and_keeps_what_was_typed(world, work, client_as):
    progress.record_progress(user=world.pm, task=work.survey, percent_complete=20)
    response = client_as("member").post(url("task_progress", work, work.survey), {
        "percent_complete": "45", "note": "Mine", "version": work.survey.version}, **HTMX)
    html = response.content.decode()
    assert "Someone else changed this task" in html
    assert 'value="45"' in html and "Mine" in html
    assert fresh(work.survey).percent_complete == 20
    # The form now carries the task's current version: saving again goes through.
    version = re.search(r'name="version" value="(\d+)"', html)[1]
    assert int(version) == fresh(work.survey).version


def test_quick_update_without_htmx_goes_back_to_the_task_page(world, work, client_as):
    response = client_as("member").post(url("task_progress", work, work.survey), {
        "percent_complete": "50", "version": work.survey.version})
    assert response.status_code == 302
    assert response.url == url("task_detail", work, work.survey)


# --- The weekly sheet -----------------------------------------------------------------------------

def test_sheet_lists_the_leaf_tasks_with_flags(world, work, client_as):
    progress.record_progress(user=world.member, task=work.survey, percent_complete=10,
                             hours=3, note="Started", problems="Ladder missing.")
    html = client_as("pm").get(url("sheet", work)).content.decode()
    assert "Build" not in re.search(r'<tbody id="sheet-tbody">.*?</tbody>', html, re.S)[0]
    survey = row_html(html, "tr", "sheet", work.survey)
    assert 'value="10"' in survey and 'value="3"' in survey and "Ladder missing." in survey
    assert "bi-flag-fill" in survey and "Overdue" in survey
    cabling = row_html(html, "tr", "sheet", work.cabling)
    assert "row-critical" in cabling
    assert f"progress-sheet.xlsx?week={this_week()}" in html


def test_sheet_save_changes_only_the_rows_sent(world, work, client_as):
    response = client_as("assistant").post(url("sheet", work), sheet_post(work, [
        sheet_row(work.survey, percent_complete="100", hours="8", note="Done"),
        sheet_row(work.docs, percent_complete="50", problems="Template missing"),
    ]))
    assert response.status_code == 302
    assert fresh(work.survey).status == Task.Status.DONE
    docs = fresh(work.docs)
    assert docs.status == Task.Status.IN_PROGRESS and docs.has_open_problem
    assert fresh(work.cabling).percent_complete == 0
    assert ProgressEntry.objects.filter(from_sheet=True).count() == 2


def test_an_invalid_cell_saves_nothing_and_is_shown_in_its_cell(world, work, client_as):
    response = client_as("assistant").post(url("sheet", work), sheet_post(work, [
        sheet_row(work.survey, percent_complete="70"),
        sheet_row(work.docs, percent_complete="150"),
    ]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "nothing was saved" in html
    docs = row_html(html, "tr", "sheet", work.docs)
    assert 'class="sheet-input is-invalid" data-field="percent_complete" value="150"' in docs
    assert "Enter a number from 0 to 100." in docs
    # What was typed stays on the page, marked as a change against the saved value.
    survey = row_html(html, "tr", "sheet", work.survey)
    assert 'value="70"' in survey and 'data-orig="0"' in survey
    assert fresh(work.survey).percent_complete == 0
    assert not ProgressEntry.objects.exists()


def test_a_conflict_shows_both_values_and_overwrites_nothing(world, work, client_as):
    opened = sheet_row(work.survey, percent_complete="80", note="From the sheet")
    # Meanwhile the member reports on the same task.
    progress.record_progress(user=world.member, task=work.survey, percent_complete=35,
                             note="Mine, from the field")
    response = client_as("assistant").post(url("sheet", work), sheet_post(work, [
        opened, sheet_row(work.docs, percent_complete="50"),
    ]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed 1 task" in html
    survey = row_html(html, "tr", "sheet", work.survey)
    assert "sheet-conflict" in survey
    current = fresh(work.survey)
    assert f'data-version="{opened["version"]}"' in survey
    assert f'data-current-version="{current.version}"' in survey
    assert 'value="80"' in survey and 'data-theirs="35"' in survey  # yours, theirs
    assert "From the sheet" in survey and "Mine, from the field" in survey
    assert current.percent_complete == 35 and fresh(work.docs).percent_complete == 0
    # Resubmitted on the new version (Keep mine), it saves.
    response = client_as("assistant").post(url("sheet", work), sheet_post(work, [
        {**opened, "version": current.version}, sheet_row(work.docs, percent_complete="50"),
    ]))
    assert response.status_code == 302
    assert fresh(work.survey).percent_complete == 80
    assert fresh(work.docs).percent_complete == 50


def test_an_unreadable_sheet_post_saves_nothing(world, work, client_as):
    response = client_as("pm").post(url("sheet", work), {"week": this_week(), "rows": "{oops"})
    assert response.status_code == 200
    assert "could not be read" in response.content.decode()


def test_a_future_week_is_read_only(world, work, client_as):
    week = progress.week_of(timezone.localdate() + timedelta(days=14))
    html = client_as("pm").get(url("sheet", work, week=week)).content.decode()
    assert 'data-field="percent_complete"' not in html
    assert "has not started" in html


def test_a_malformed_week_goes_to_this_week(world, work, client_as):
    response = client_as("pm").get(url("sheet", work, week="2026-48"))
    assert response.status_code == 302
    assert response.url == url("sheet", work)


# --- Excel upload ---------------------------------------------------------------------------------

def workbook_for(client, work, edit):
    response = client.get(reverse("project-progress-sheet-xlsx", args=[work.project.pk])
                          + f"?week={this_week()}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    edit({row[3].value: row for row in sheet.iter_rows(min_row=2)})
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "sheet.xlsx"
    return out


def test_uploading_the_filled_sheet_saves_it(world, work, client_as):
    client = client_as("assistant")

    def edit(rows):
        rows["Survey"][7].value = 100
        rows["Docs"][7].value = 40
        rows["Docs"][10].value = "Printer broken"

    response = client.post(url("sheet_upload", work, week=this_week()),
                           {"file": workbook_for(client, work, edit)})
    assert response.status_code == 302
    assert fresh(work.survey).status == Task.Status.DONE
    assert fresh(work.docs).has_open_problem


def test_an_uploaded_sheet_with_bad_cells_lists_them_and_saves_nothing(world, work, client_as):
    client = client_as("assistant")

    def edit(rows):
        rows["Survey"][7].value = 100
        rows["Docs"][7].value = "lots"

    response = client.post(url("sheet_upload", work, week=this_week()),
                           {"file": workbook_for(client, work, edit)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot be saved" in html and "Docs" in html
    assert fresh(work.survey).percent_complete == 0


def test_an_uploaded_stale_sheet_shows_the_conflicts(world, work, client_as):
    client = client_as("assistant")

    def edit(rows):
        rows["Survey"][7].value = 90

    upload = workbook_for(client, work, edit)
    progress.record_progress(user=world.member, task=work.survey, percent_complete=25)
    response = client.post(url("sheet_upload", work, week=this_week()), {"file": upload})
    html = response.content.decode()
    assert "changed after the sheet was downloaded" in html and "Survey" in html
    assert fresh(work.survey).percent_complete == 25


def test_uploading_a_file_that_is_no_workbook(world, work, client_as):
    upload = io.BytesIO(b"not a workbook")
    upload.name = "sheet.xlsx"
    response = client_as("pm").post(url("sheet_upload", work, week=this_week()),
                                    {"file": upload})
    assert response.status_code == 200
    assert "not an Excel workbook" in response.content.decode()


# --- The task page and open problems ------------------------------------------------------------

def test_task_page_shows_entries_and_history_with_diffs(world, work, client_as):
    services.update_task(user=world.pm, task=work.survey, name="Site survey")
    progress.record_progress(user=world.member, task=fresh(work.survey), percent_complete=40,
                             hours=2, note="Half the floors", problems="Ladder missing.")
    html = client_as("observer").get(url("task_detail", work, work.survey)).content.decode()
    assert "Half the floors" in html and "Ladder missing." in html
    history = html[html.index('id="history"'):]
    assert re.search(r'class="old">Survey</span> → <span class="new">Site survey', history)
    assert re.search(r'class="old">Not started</span> → <span class="new">In progress', history)
    assert "created the task" in history
    assert ">Version<" not in history


def test_the_overview_lists_open_problems_and_the_pm_resolves_them(world, work, client_as):
    progress.record_progress(user=world.member, task=work.survey, percent_complete=10,
                             problems="No access to the server room.")
    client = client_as("pm")
    html = client.get(reverse("projects:detail", args=[work.project.pk])).content.decode()
    panel = html[html.index('id="open-problems"'):]
    assert "No access to the server room." in panel and "Member" in panel
    assert "Resolved" in panel
    task = fresh(work.survey)
    response = client.post(url("resolve_problems", work, task), {"version": task.version},
                           **HTMX)
    assert response.status_code == 200 and response.content == b""
    assert not fresh(task).has_open_problem
    html = client.get(reverse("projects:detail", args=[work.project.pk])).content.decode()
    assert "No open problems reported." in html


def test_the_overview_hides_the_resolve_button_from_readers(world, work, client_as):
    progress.record_progress(user=world.member, task=work.survey, percent_complete=10,
                             problems="Ladder missing.")
    html = client_as("member").get(reverse("projects:detail", args=[work.project.pk])
                                   ).content.decode()
    panel = html[html.index('id="open-problems"'):html.index("Recent meetings")]
    assert "Ladder missing." in panel and "Resolved" not in panel


def test_a_stale_resolve_keeps_the_problem_open(world, work, client_as):
    progress.record_progress(user=world.member, task=work.survey, percent_complete=10,
                             problems="Ladder missing.")
    seen = fresh(work.survey).version
    progress.record_progress(user=world.member, task=work.survey, percent_complete=20,
                             problems="And the key.")
    response = client_as("pm").post(url("resolve_problems", work, work.survey),
                                    {"version": seen}, **HTMX)
    assert "A new report came in" in response.content.decode()
    assert fresh(work.survey).has_open_problem


def test_plan_links_task_names_and_flags_open_problems(world, work, client_as):
    progress.record_progress(user=world.member, task=work.survey, percent_complete=10,
                             problems="Ladder missing.")
    html = client_as("pm").get(reverse("tasks:plan", args=[work.project.pk])).content.decode()
    row = row_html(html, "tr", "task", work.survey)
    assert url("task_detail", work, work.survey) in row and "bi-flag-fill" in row


# --- N rows never mean N queries ----------------------------------------------------------------

def count_queries(client, path):
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context.captured_queries)


def assert_constant(client, path, add, n=4):
    add(n)
    first = count_queries(client, path)
    add(n)
    second = count_queries(client, path)
    assert first == second, f"{path}: {first} queries with {n} rows, {second} with {2 * n}"


def test_my_tasks_queries_do_not_grow(world, work, client_as):
    client = client_as("member")

    def add(n):
        for _ in range(n):
            project = ProjectFactory(planned_start=timezone.localdate() - timedelta(days=5))
            MembershipFactory(project=project, user=world.member, role=Membership.Role.MEMBER)
            for name in ("One", "Two"):
                Task.objects.create(project=project, name=name, owner=world.member,
                                    planned_start=project.planned_start,
                                    planned_end=project.planned_start, is_critical=True)

    assert_constant(client, reverse("tasks:my_tasks"), add)


def test_sheet_task_page_and_report_queries_do_not_grow(world, work, client_as):
    client = client_as("pm")

    def add(n):
        for _ in range(n):
            task = services.create_task(user=world.pm, project=work.project, parent=work.phase,
                                        name="More", duration_days=2, owner=world.member)
            progress.record_progress(user=world.member, task=task, percent_complete=100,
                                     hours=1, problems="Something")
            services.update_task(user=world.pm, task=fresh(work.survey), notes=f"n{task.pk}")
            progress.record_progress(user=world.member, task=fresh(work.survey),
                                     percent_complete=10, hours=1, note=f"n{task.pk}")
        services.take_baseline(user=world.pm, project=work.project)

    assert_constant(client, url("sheet", work, week=this_week()), add)
    assert_constant(client, url("task_detail", work, work.survey), add)
    assert_constant(client, url("status_report", work, week=this_week()), add)
    assert_constant(client, url("status_report_xlsx", work, week=this_week()), add)
    assert_constant(client, reverse("projects:detail", args=[work.project.pk]), add)
