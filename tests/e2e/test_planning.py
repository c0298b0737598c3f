"""The project manager plans in the browser: tasks, typed links, the critical path, baselines."""
import re
from datetime import date

import pytest
from django.utils import formats, translation
from playwright.sync_api import expect

# world.project starts on Tuesday 2026-12-01 on the default Monday–Friday calendar.
COLUMNS = {"id": 0, "name": 2, "duration": 3, "start": 4, "finish": 5, "predecessors": 6,
           "total_float": 8, "free_float": 9, "critical": 10, "slip": 11}


def sign_in(page, username, password="pw-Secret-123"):
    """The sign-in form in the page body (the navbar holds a language form too)."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    form = page.locator("main form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def day(number):
    """A December 2026 date as the page shows it to this English-speaking browser."""
    with translation.override("en"):
        return formats.date_format(date(2026, 12, number), "SHORT_DATE_FORMAT")


@pytest.fixture
def plan_page(world, page):
    sign_in(page, "pm")
    page.goto(f"/projects/{world.project.pk}/plan/")
    return page


def row(page, name):
    return page.locator("#plan-tbody tr").filter(
        has=page.locator("td.col-name", has_text=re.compile(rf"^\s*{name}\s*$"))
    )


def cell(page, name, column):
    return row(page, name).locator("td").nth(COLUMNS[column])


def add_task(page, name, days, predecessors=""):
    form = page.locator("#plan-add")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Duration").fill(str(days))
    form.get_by_label("Predecessors").fill(predecessors)
    form.get_by_role("button", name="Add task").click()
    expect(row(page, name)).to_be_visible()
    # Ready for the next one: the form is fresh and its name field has the focus.
    expect(page.locator("#plan-add").get_by_label("Name")).to_be_focused()


def edit(page, name, column, value):
    """Click the cell, type, press Enter, and wait for the re-scheduled table."""
    cell(page, name, column).click()
    field = "duration_days" if column == "duration" else column
    box = page.locator(f"#plan-tbody tr.plan-edit [name={field}]")
    expect(box).to_be_focused()
    box.fill(value)
    box.press("Enter")
    expect(page.locator("#plan-tbody tr.plan-edit")).to_have_count(0)


def expect_critical(page, names, not_critical):
    for name in names:
        expect(row(page, name)).to_have_class(re.compile(r"\brow-critical\b"))
        expect(cell(page, name, "critical")).to_have_text("Critical")
    for name in not_critical:
        expect(row(page, name)).not_to_have_class(re.compile(r"\brow-critical\b"))
        expect(cell(page, name, "critical")).to_have_text("")


def test_pm_builds_a_plan_sees_the_critical_path_and_tracks_slip(plan_page, shot):
    page = plan_page
    expect(page.get_by_text("No tasks yet.")).to_be_visible()

    # Build the plan from the form under the table, typing predecessors by row ID.
    add_task(page, "Site survey", 3)
    add_task(page, "Design", 2, "1")
    add_task(page, "Cabling", 5, "2")
    add_task(page, "Configuration", 2)
    add_task(page, "Acceptance", 0, "3, 4")
    # Configuration's predecessor is typed into the table itself.
    edit(page, "Configuration", "predecessors", "2")
    expect(cell(page, "Configuration", "predecessors")).to_have_text("2")

    expect(cell(page, "Design", "start")).to_have_text(day(4))
    expect(cell(page, "Cabling", "finish")).to_have_text(day(14))
    expect(cell(page, "Configuration", "start")).to_have_text(day(8))
    expect(cell(page, "Acceptance", "finish")).to_have_text(day(14))
    expect(row(page, "Acceptance").locator(".bi-diamond-fill")).to_be_visible()
    expect(cell(page, "Configuration", "total_float")).to_have_text("3")
    expect(cell(page, "Configuration", "free_float")).to_have_text("3")
    expect_critical(page, ["Site survey", "Design", "Cabling", "Acceptance"], ["Configuration"])
    summary = page.locator("#plan-summary")
    expect(summary.locator("[data-summary=finish]")).to_have_text(day(14))
    expect(summary.locator("[data-summary=duration]")).to_have_text("10 working days")
    expect(summary.locator("[data-summary=critical]")).to_contain_text("4")
    shot("planning-1-plan-built")

    # Configuration now takes longer than Cabling: the critical path moves to it.
    cell(page, "Configuration", "duration").click()
    expect(page.locator("#plan-tbody tr.plan-edit [name=duration_days]")).to_be_focused()
    shot("planning-2-editing-a-row")
    page.locator("#plan-tbody tr.plan-edit [name=duration_days]").fill("7")
    page.keyboard.press("Enter")
    expect(page.locator("#plan-tbody tr.plan-edit")).to_have_count(0)
    expect(cell(page, "Configuration", "finish")).to_have_text(day(16))
    expect(cell(page, "Acceptance", "finish")).to_have_text(day(16))
    expect(cell(page, "Cabling", "total_float")).to_have_text("2")
    expect(cell(page, "Configuration", "total_float")).to_have_text("0")
    expect_critical(page, ["Site survey", "Design", "Configuration", "Acceptance"], ["Cabling"])
    expect(summary.locator("[data-summary=finish]")).to_have_text(day(16))
    # The saved row keeps the focus, so the keyboard can carry on from there.
    expect(row(page, "Configuration")).to_be_focused()
    shot("planning-3-critical-path-moved")

    # A link that loops back is refused, naming the tasks; nothing changes.
    edit_box = page.locator("#plan-tbody tr.plan-edit [name=predecessors]")
    cell(page, "Site survey", "predecessors").click()
    expect(edit_box).to_be_focused()
    edit_box.fill("5")
    edit_box.press("Enter")
    error = page.locator("#plan-tbody tr.plan-edit-errors")
    expect(error).to_contain_text("cycle: Acceptance → Site survey → Design")
    expect(page.locator("#plan-tbody tr.plan-edit [name=predecessors]")).to_have_class(
        re.compile("is-invalid"))
    shot("planning-4-cycle-refused")
    # The same again: the errors are replaced, not piled up.
    error.evaluate("tr => tr.classList.add('seen')")
    edit_box.press("Enter")
    expect(page.locator("#plan-tbody tr.plan-edit-errors.seen")).to_have_count(0)
    expect(page.locator("#plan-tbody tr.plan-edit")).to_have_count(1)
    expect(error).to_have_count(1)
    edit_box.press("Escape")
    expect(page.locator("#plan-tbody tr.plan-edit")).to_have_count(0)
    expect(page.locator("#plan-tbody tr.plan-edit-errors")).to_have_count(0)
    expect(row(page, "Site survey")).to_be_focused()
    expect(cell(page, "Site survey", "predecessors")).to_have_text("")

    # Freeze the plan, then let the survey run two days longer.
    page.locator("#plan-baselines").get_by_label("Baseline name").fill("Plan approved")
    page.get_by_role("button", name="Take baseline").click()
    expect(page.get_by_text("Baseline “Plan approved” was taken")).to_be_visible()
    expect(page.locator("#baseline-choice")).to_have_value(re.compile(r"\d+"))
    expect(cell(page, "Acceptance", "slip")).to_have_text("0")
    shot("planning-5-baseline-taken")

    edit(page, "Site survey", "duration", "5")
    expect(cell(page, "Site survey", "finish")).to_have_text(day(7))
    for name in ("Site survey", "Design", "Configuration", "Acceptance", "Cabling"):
        expect(cell(page, name, "slip")).to_have_text("+2")
    expect(cell(page, "Acceptance", "slip").locator(".slip-late")).to_be_visible()
    expect(summary.locator("[data-summary=baseline-slip]")).to_contain_text("+2")
    expect(summary.locator("[data-summary=finish]")).to_have_text(day(18))
    shot("planning-6-slip-against-baseline")

    # The same page on a phone: the table scrolls sideways inside its card.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#plan-table")).to_be_visible()
    shot("planning-7-phone")


def test_team_member_reads_the_plan_without_editing(world, page, shot):
    from tasks import services

    survey = services.create_task(user=world.pm, project=world.project, name="Site survey",
                                  duration_days=3)
    cabling = services.create_task(user=world.pm, project=world.project, name="Cabling",
                                   duration_days=2)
    services.add_dependency(user=world.pm, predecessor=survey, successor=cabling)
    sign_in(page, "member")
    page.goto(f"/projects/{world.project.pk}/plan/")
    expect(cell(page, "Cabling", "predecessors")).to_have_text("1")
    cell(page, "Cabling", "duration").click()
    expect(page.locator("#plan-tbody tr.plan-edit")).to_have_count(0)
    expect(page.locator("#plan-add")).to_have_count(0)
    expect(page.get_by_role("button", name="Take baseline")).to_have_count(0)
    shot("planning-8-read-only")


def test_pm_shapes_the_wbs_with_the_row_buttons(world, page, shot):
    from tasks import services

    for name, days in (("Design", 2), ("Cabling", 3), ("Testing", 1)):
        services.create_task(user=world.pm, project=world.project, name=name, duration_days=days)
    sign_in(page, "pm")
    page.goto(f"/projects/{world.project.pk}/plan/")

    def press(name, button):
        cell(page, name, "start").click()
        edit_row = page.locator("#plan-tbody tr.plan-edit")
        # Wait for this task's edit row, not one left over from the previous action.
        expect(edit_row.locator("[name=name]")).to_have_value(name)
        edit_row.get_by_role("button", name=button, exact=True).click()

    press("Cabling", "Indent")
    expect(row(page, "Design")).to_have_class(re.compile(r"\bplan-summary\b"))
    expect(row(page, "Cabling").locator("td").nth(1)).to_have_text("1.1")
    press("Testing", "Indent")
    expect(row(page, "Testing").locator("td").nth(1)).to_have_text("1.2")
    press("Testing", "Move up")
    expect(row(page, "Testing").locator("td").nth(1)).to_have_text("1.1")
    expect(row(page, "Cabling").locator("td").nth(0)).to_have_text("3")

    # A task added below opens for typing its name straight away.
    press("Cabling", "Add a task below")
    name_box = page.locator("#plan-tbody tr.plan-edit [name=name]")
    expect(name_box).to_be_focused()
    name_box.fill("Handover")
    name_box.press("Enter")
    expect(row(page, "Handover").locator("td").nth(1)).to_have_text("1.3")
    # The summary spans its children: Design runs from Testing's start to Handover's finish.
    expect(cell(page, "Design", "finish")).to_have_text(day(3))
    shot("planning-9-wbs-summary-rows")

    page.once("dialog", lambda dialog: dialog.accept())
    press("Handover", "Delete")
    expect(row(page, "Handover")).to_have_count(0)
    press("Cabling", "Outdent")
    expect(row(page, "Cabling").locator("td").nth(1)).to_have_text("2")

    # Moving to another row saves the one being edited, then opens the other.
    cell(page, "Testing", "duration").click()
    page.locator("#plan-tbody tr.plan-edit [name=duration_days]").fill("4")
    cell(page, "Cabling", "name").click()
    expect(page.locator("#plan-tbody tr.plan-edit [name=name]")).to_have_value("Cabling")
    expect(page.locator("#plan-tbody tr.plan-edit [name=name]")).to_be_focused()
    expect(cell(page, "Testing", "duration")).to_have_text("4")
