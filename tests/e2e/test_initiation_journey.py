"""A project is born in the browser (P3.1a, P3.1b): a business department applies, management
approves, and the project manager forms the team and holds the kick-off meeting."""
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Department
from tests.accounts.factories import DepartmentFactory, UserFactory

TITLE = "Hangzhou campus network upgrade"


def sign_in(page, username, password="pw-Secret-123"):
    """The sign-in form in the page body (the navbar holds a language form too)."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    form = page.locator("main form")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def navbar(page):
    return page.get_by_role("navigation", name="Main navigation")


def open_user_menu(page, display_name):
    navbar(page).get_by_role("button", name=display_name).click()


def sign_out(page, display_name):
    open_user_menu(page, display_name)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


@pytest.fixture
def requester(world):
    business = DepartmentFactory(name="Business Development", kind=Department.Kind.BUSINESS)
    return UserFactory(username="lina", display_name="Li Na", department=business)


def test_an_initiation_becomes_a_project_with_a_team_and_a_kickoff(world, requester, page, shot):
    # --- The business department applies (立项申请) -------------------------------------------
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot("journey-01-login")
    sign_in(page, "lina")

    navbar(page).get_by_role("link", name="New initiation").click()
    expect(page.get_by_role("heading", name="New initiation request")).to_be_visible()
    page.get_by_label("Project name").fill(TITLE)
    page.get_by_label("Background").fill("The campus core network is at capacity at peak hours.")
    page.get_by_label("Goals").fill("Double the core bandwidth and add a redundant uplink.")
    page.get_by_label("Scope").fill("Core switches, uplinks and the monitoring system.")
    page.get_by_label("Expected benefits").fill("Fewer outages and room for five years' growth.")
    page.get_by_label("Proposed project manager").select_option(label="Pm")
    page.get_by_label("Planned start").fill("2027-01-04")
    page.get_by_label("Planned end").fill("2027-06-30")
    page.get_by_label("Budget").fill("1250000.00")
    page.get_by_label("Client", exact=True).select_option(label="China Mobile Hangzhou")
    shot("journey-02-initiation-form")
    page.get_by_role("button", name="Save and submit for approval").click()

    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_text("The request was submitted to management for approval.")
           ).to_be_visible()
    expect(page.locator("h1 .status-badge")).to_have_text("Submitted")
    facts = page.locator("dl.facts")
    expect(facts.locator("div", has=page.locator("dt", has_text="Proposed project manager"))
           .locator("dd")).to_have_text("Pm")
    expect(facts.locator("div", has=page.locator("dt", has_text="Department"))
           .locator("dd")).to_have_text("Business Development")
    expect(facts.locator("div", has=page.locator("dt", has_text="Budget"))
           .locator("dd")).to_have_text("¥1,250,000.00")
    # Submitted: the requester can no longer edit or submit it again.
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Submit for approval")).to_have_count(0)
    shot("journey-03-initiation-detail")
    sign_out(page, "Li Na")

    # --- Management decides ------------------------------------------------------------------
    sign_in(page, "boss")
    navbar(page).get_by_role("link", name="Approvals").click()
    expect(page.get_by_role("heading", name="Approvals inbox")).to_be_visible()
    request_row = page.get_by_role("row").filter(has_text=TITLE)
    expect(request_row).to_contain_text("Li Na")
    expect(request_row).to_contain_text("Business Development")
    expect(request_row).to_contain_text("¥1,250,000.00")
    shot("journey-04-approvals-inbox")
    request_row.get_by_role("link", name="Review").click()

    decision = page.locator("#decision")
    expect(decision).to_be_visible()
    decision.get_by_label("Comment").fill("Approved: start with the core switches.")
    decision.get_by_role("button", name="Approve").click()

    expect(page.get_by_text(re.compile(r"Approved: project PRJ-2027-\d{3}"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/projects/\d+/$"))
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.locator(".page-header .subtitle")).to_contain_text("PRJ-2027-001")
    expect(page.locator("h1 .status-badge")).to_have_text("Planning")
    overview = page.locator("dl.facts")
    expect(overview.locator("div", has=page.locator("dt", has_text="Project manager"))
           .locator("dd")).to_have_text("Pm")
    expect(overview.locator("div", has=page.locator("dt", has_text="Client"))
           .locator("dd")).to_have_text("China Mobile Hangzhou")
    project_url = page.url
    sign_out(page, "Boss")

    # --- The project manager forms the team ---------------------------------------------------
    sign_in(page, "pm")
    page.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(project_url)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_text("No meeting recorded yet.")).to_be_visible()
    shot("journey-05-project-overview")

    page.locator(".project-tabs").get_by_role("link", name="Team").click()
    expect(page.get_by_text("Add a team member")).to_be_visible()
    add = page.locator("#add-member")
    add.get_by_label("User").select_option(label="Member")
    add.get_by_label("Role").select_option(label="Team member")
    add.get_by_label("Team", exact=True).select_option(label="Technical team")
    add.get_by_label("Duties").fill("Core switch configuration and cut-over.")
    add.get_by_role("button", name="Add to team").click()

    expect(page.get_by_text("Member joined the team as Team member.")).to_be_visible()
    team = page.locator("#team-table")
    member_row = team.get_by_role("row").filter(has_text="Core switch configuration")
    expect(member_row).to_contain_text("Member")
    expect(member_row).to_contain_text("Team member")
    expect(member_row).to_contain_text("Technical team")
    expect(team.get_by_role("row").filter(has_text="Project manager")).to_contain_text("Pm")
    shot("journey-06-members")

    # --- The kick-off meeting (项目启动会) -------------------------------------------------------
    page.locator(".project-tabs").get_by_role("link", name="Overview").click()
    page.get_by_role("link", name="Record").click()
    expect(page.get_by_role("heading", name="Record a meeting")).to_be_visible()
    page.get_by_label("Kind").select_option(label="Kick-off meeting")
    expect(page.get_by_label("Title")).to_have_value("Project kick-off meeting")
    page.get_by_label("Held at").fill("2027-01-05T09:30")
    page.get_by_label("Location").fill("Meeting room 3")
    attendees = page.get_by_role("group", name="Attendees")
    attendees.get_by_label("Pm", exact=True).check()
    attendees.get_by_label("Member", exact=True).check()
    page.get_by_label("Minutes").fill("Walked through the scope, the plan and the roles.")
    page.get_by_label("Decisions").fill("Weekly progress meeting on Mondays at 10:00.")
    action = page.locator("#actions-rows [data-formset-row]").first
    action.get_by_label("Action").fill("Survey the core switch rooms")
    action.get_by_label("Owner").select_option(label="Member")
    action.get_by_label("Due date").fill("2027-01-15")
    shot("journey-07-meeting-form")
    page.get_by_role("button", name="Record meeting").click()

    expect(page.get_by_text("The meeting was recorded.")).to_be_visible()
    expect(page.get_by_role("heading", name="Project kick-off meeting")).to_be_visible()
    expect(page.locator(".kind-badge")).to_have_text("Kick-off meeting")
    expect(page.get_by_text("Walked through the scope, the plan and the roles.")).to_be_visible()
    expect(page.get_by_text("Weekly progress meeting on Mondays at 10:00.")).to_be_visible()
    item = page.get_by_role("row").filter(has_text="Survey the core switch rooms")
    expect(item).to_contain_text("Member")
    expect(item).to_contain_text("Jan. 15, 2027")
    attendee_list = page.locator(".card", has=page.locator(".card-header", has_text="Attendees"))
    expect(attendee_list.get_by_role("listitem")).to_have_text(["Member", "Pm"])
    shot("journey-08-meeting-detail")

    # The overview now shows the meeting and its open action item.
    page.locator(".project-tabs").get_by_role("link", name="Overview").click()
    recent = page.locator(".card", has=page.locator(".card-header", has_text="Recent meetings"))
    expect(recent.get_by_role("link", name="Project kick-off meeting")).to_be_visible()
    expect(recent).to_contain_text("1 action item")
    actions = page.locator(".card", has=page.locator(".card-header", has_text="Open action items"))
    expect(actions).to_contain_text("Survey the core switch rooms")
    expect(actions).to_contain_text("due Jan. 15, 2027")
    team_card = page.locator(".card", has=page.locator(".card-header", has_text="Team"))
    expect(team_card.get_by_role("row").filter(has_text="Technical team")).to_contain_text(
        "Member")
    shot("journey-09-project-overview-after-kickoff")

    # --- The same overview in Chinese, chosen from the user menu ------------------------------
    open_user_menu(page, "Pm")
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(project_url)
    expect(page.locator("dl.facts dt", has_text="项目经理")).to_be_visible()
    expect(page.locator("h1 .status-badge")).to_have_text("计划")
    expect(page.locator(".kind-badge")).to_have_text("项目启动会")
    shot("journey-10-project-overview-zh")
