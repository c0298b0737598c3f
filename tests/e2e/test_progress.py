"""Progress in the browser (P3.2a, P3.2b): a member reports on a task from My tasks; the
assistant fills the weekly progress tracking sheet (进度跟踪表) with the keyboard, meets a
colleague's change, and saves; the sheet goes out to Excel and comes back."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from projects.models import Project
from tasks import progress, services
from tasks.models import Task


def sign_in(page, username, password="pw-Secret-123"):
    """The sign-in form in the page body (the navbar holds a language form too)."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    form = page.locator("main form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def fresh(task):
    return Task.objects.get(pk=task.pk)


@pytest.fixture
def work(world):
    """Three weeks into the project: Survey (the member's) is overdue and leads to Cabling on
    the critical path; Docs has no owner."""
    project = world.project
    project.planned_start = timezone.localdate() - timedelta(days=21)
    project.status = Project.Status.EXECUTING
    project.save()
    phase = services.create_task(user=world.pm, project=project, name="Network build")

    def add(name, days, owner=None):
        return services.create_task(user=world.pm, project=project, parent=phase, name=name,
                                    duration_days=days, owner=owner)

    survey = add("Site survey", 3, world.member)
    cabling = add("Structured cabling", 40, world.member)
    docs = add("As-built documents", 2)
    services.add_dependency(user=world.pm, predecessor=survey, successor=cabling)
    services.take_baseline(user=world.pm, project=project, name="Plan approved")
    return type("Work", (), {"project": project, "survey": fresh(survey),
                             "cabling": fresh(cabling), "docs": fresh(docs)})


def sheet_cell(page, task, field):
    return page.locator(f"#sheet-{task.pk} input[data-field={field}]")


def test_a_member_updates_a_task_from_my_tasks(world, work, page, shot):
    sign_in(page, "member")
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="My tasks").click()
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    row = page.locator(f"#my-task-{work.survey.pk}")
    expect(row).to_contain_text("Overdue")
    expect(row.locator(".task-status")).to_have_text("Not started")
    # Overdue and critical work comes first.
    expect(page.locator("tbody.my-task").first).to_have_id(f"my-task-{work.survey.pk}")
    shot("progress-01-my-tasks")

    row.get_by_role("link", name="Update").click()
    form = row.get_by_role("form")
    expect(form.get_by_label("% complete", exact=True)).to_be_focused()
    form.get_by_label("Hours").fill("-3")
    form.get_by_role("button", name="Save progress").click()
    expect(row.locator(".invalid-feedback")).to_contain_text("greater than or equal to 0")
    shot("progress-02-my-tasks-error")

    form.get_by_label("Hours").fill("6")
    form.get_by_label("Progress note").fill("All four floors surveyed.")
    form.get_by_label("Problems").fill("The server room key is missing.")
    form.get_by_role("button", name="100%").click()

    expect(row.locator(".task-status")).to_have_text("Done")
    expect(row.get_by_role("form")).to_have_count(0)
    expect(row).not_to_contain_text("Overdue")
    expect(row.get_by_role("img", name="Open problem")).to_be_visible()
    shot("progress-03-my-tasks-updated")
    task = fresh(work.survey)
    assert task.status == Task.Status.DONE and task.actual_finish == timezone.localdate()

    # The next task: a quarter done, from the quick buttons alone.
    cabling = page.locator(f"#my-task-{work.cabling.pk}")
    cabling.get_by_role("link", name="Update").click()
    cabling.get_by_role("button", name="25%").click()
    expect(cabling.locator(".task-status")).to_have_text("In progress")
    expect(cabling.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "25")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    shot("progress-04-my-tasks-phone")
    cabling = page.locator(f"#my-task-{work.cabling.pk}")
    cabling.get_by_role("link", name="Update").click()
    expect(cabling.get_by_role("form")).to_be_visible()
    shot("progress-05-my-tasks-phone-update")


def test_the_assistant_fills_the_sheet_with_the_keyboard_and_resolves_a_conflict(
        world, work, page, shot):
    sign_in(page, "assistant")
    page.goto(f"/projects/{work.project.pk}/")
    page.locator(".project-tabs").get_by_role("link", name="Progress sheet").click()
    expect(page.get_by_text("Progress tracking sheet")).to_be_visible()
    expect(page.locator(f"#sheet-{work.cabling.pk}")).to_have_class(re.compile("row-critical"))

    # Site survey: % complete, Tab to hours, Tab to the note …
    sheet_cell(page, work.survey, "percent_complete").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("50")
    page.keyboard.press("Tab")
    expect(sheet_cell(page, work.survey, "hours")).to_be_focused()
    page.keyboard.type("6")
    page.keyboard.press("Tab")
    page.keyboard.type("Half the floors")
    # … Enter goes down to the next row's note, Shift+Tab back along it.
    page.keyboard.press("Enter")
    expect(sheet_cell(page, work.cabling, "note")).to_be_focused()
    page.keyboard.type("Trenching started")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(sheet_cell(page, work.cabling, "percent_complete")).to_be_focused()
    page.keyboard.type("10")
    page.keyboard.press("ArrowDown")
    expect(sheet_cell(page, work.docs, "percent_complete")).to_be_focused()
    page.keyboard.type("40")
    page.keyboard.press("ArrowUp")
    expect(sheet_cell(page, work.cabling, "percent_complete")).to_be_focused()
    expect(page.locator("#sheet-changed")).to_have_text("3 rows changed")
    expect(sheet_cell(page, work.survey, "hours").locator("xpath=..")).to_have_class(
        re.compile("is-changed"))
    shot("progress-06-sheet-editing")

    # Meanwhile colleagues report on two of the same tasks.
    progress.record_progress(user=world.member, task=work.survey, percent_complete=35,
                             note="Two floors, from the field")
    progress.record_progress(user=world.pm, task=work.docs, percent_complete=60,
                             note="Drafted by the PM")

    page.get_by_role("button", name="Save sheet").click()
    expect(page.locator("#sheet-conflicts")).to_contain_text("Someone else changed 2 tasks")
    survey = page.locator(f"#sheet-{work.survey.pk}")
    expect(survey).to_have_class(re.compile("sheet-conflict"))
    expect(sheet_cell(page, work.survey, "percent_complete")).to_have_value("50")  # yours
    expect(survey.locator("td.col-percent-complete .sheet-theirs")).to_contain_text("35")
    expect(survey.locator("td.col-note .sheet-theirs")).to_contain_text(
        "Two floors, from the field")
    expect(sheet_cell(page, work.cabling, "note")).to_have_value("Trenching started")
    shot("progress-07-sheet-conflict")
    assert fresh(work.cabling).percent_complete == 0  # nothing was saved

    # Theirs for the documents, mine for the survey; then save again.
    page.locator(f"#sheet-{work.docs.pk}").get_by_role("button", name="Use theirs").click()
    expect(sheet_cell(page, work.docs, "percent_complete")).to_have_value("60")
    survey.get_by_role("button", name="Keep mine").click()
    expect(survey).not_to_have_class(re.compile("sheet-conflict"))
    expect(page.locator("#sheet-changed")).to_have_text("2 rows changed")
    page.get_by_role("button", name="Save sheet").click()

    expect(page.get_by_text("The progress tracking sheet was saved: 2 task(s) changed.")
           ).to_be_visible()
    expect(sheet_cell(page, work.survey, "percent_complete")).to_have_value("50")
    expect(page.locator(f"#sheet-{work.survey.pk} .task-status")).to_have_text("In progress")
    shot("progress-08-sheet-saved")
    survey, cabling, docs = fresh(work.survey), fresh(work.cabling), fresh(work.docs)
    assert (survey.percent_complete, cabling.percent_complete, docs.percent_complete) == (
        50, 10, 60)
    assert progress.sheet_tasks(project=work.project, week=progress.week_of(
        timezone.localdate())).get(pk=survey.pk).week_note == "Half the floors"


def test_the_sheet_goes_to_excel_and_comes_back(world, work, page, shot, tmp_path):
    sign_in(page, "assistant")
    page.goto(f"/projects/{work.project.pk}/sheet/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download Excel").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    book = load_workbook(path)
    sheet = book.worksheets[0]
    rows = {row[3].value: row for row in sheet.iter_rows(min_row=2)}
    rows["Site survey"][7].value = 100                      # H % complete
    rows["Site survey"][8].value = 7.5                      # I hours this week
    rows["Site survey"][9].value = "Surveyed, report sent"  # J note
    rows["As-built documents"][7].value = 20
    rows["As-built documents"][10].value = "Waiting for the floor plans"  # K problems
    book.save(path)

    page.get_by_role("link", name="Upload Excel").click()
    expect(page.get_by_text("Upload the filled-in Excel sheet")).to_be_visible()
    shot("progress-09-upload")
    page.get_by_label("Workbook (.xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and save").click()

    expect(page.get_by_text("The workbook was read and saved: 2 task(s) changed.")).to_be_visible()
    expect(sheet_cell(page, work.survey, "percent_complete")).to_have_value("100")
    expect(sheet_cell(page, work.docs, "problems")).to_have_value("Waiting for the floor plans")
    expect(page.locator(f"#sheet-{work.docs.pk}").get_by_role("img", name="Open problem")
           ).to_be_visible()
    shot("progress-10-sheet-after-upload")
    survey, docs = fresh(work.survey), fresh(work.docs)
    assert survey.status == Task.Status.DONE and docs.has_open_problem
    assert docs.percent_complete == 20

    # The same file again is stale now: nothing is saved and the page says why.
    page.get_by_role("link", name="Upload Excel").click()
    page.get_by_label("Workbook (.xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and save").click()
    expect(page.locator("#upload-conflicts")).to_contain_text("Site survey")
    shot("progress-11-upload-conflicts")


def test_problems_reach_the_overview_the_task_page_and_the_report(world, work, page, shot):
    progress.record_progress(user=world.member, task=work.survey, percent_complete=60,
                             hours=5, note="Three floors done",
                             problems="The server room key is missing.")
    sign_in(page, "pm")
    page.goto(f"/projects/{work.project.pk}/")
    panel = page.locator("#open-problems")
    expect(panel).to_contain_text("The server room key is missing.")
    shot("progress-12-overview-open-problems")

    page.locator(".project-tabs").get_by_role("link", name="Plan").click()
    plan_row = page.locator(f"#task-{work.survey.pk}")
    expect(plan_row.get_by_role("img", name="Open problem")).to_be_visible()
    plan_row.get_by_role("link", name="Site survey").click()
    expect(page.get_by_role("heading", name=re.compile("Site survey"))).to_be_visible()
    expect(page.locator("#history")).to_contain_text("Not started → In progress")
    shot("progress-13-task-page")

    page.locator(".project-tabs").get_by_role("link", name="Weekly report").click()
    expect(page.locator("#report-problems")).to_contain_text("The server room key is missing.")
    expect(page.locator("#report-critical")).to_contain_text("Structured cabling")
    shot("progress-14-weekly-report")
    page.emulate_media(media="print")
    shot("progress-15-weekly-report-print")
    page.emulate_media(media="screen")

    page.goto(f"/projects/{work.project.pk}/")
    page.locator("#open-problems").get_by_role("button", name="Resolved").click()
    expect(page.locator("#open-problems")).not_to_contain_text("server room key")
    assert not fresh(work.survey).has_open_problem


def test_a_team_member_reads_the_sheet(world, work, page, shot):
    sign_in(page, "member")
    page.goto(f"/projects/{work.project.pk}/sheet/")
    expect(page.get_by_text("Read only")).to_be_visible()
    expect(page.locator("input.sheet-input")).to_have_count(0)
    expect(page.get_by_role("button", name="Save sheet")).to_have_count(0)
    shot("progress-16-sheet-read-only")
