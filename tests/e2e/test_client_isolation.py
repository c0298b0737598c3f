"""Clients live in their portal (P4.3a): they see their own projects there, and every internal
page — or another client's project — answers 404, as if it did not exist (DESIGN.md)."""
import re

import pytest
from playwright.sync_api import expect

from tests.projects.factories import InitiationRequestFactory, MeetingFactory


def sign_in(page, username, password="pw-Secret-123"):
    """The sign-in form in the page body (the navbar holds a language form too)."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    form = page.locator("main form")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.fixture
def internal_pages(world):
    """Every internal page that concerns the client's project, by what a user would call it."""
    project = world.project
    meeting = MeetingFactory(project=project, title="Weekly meeting", recorded_by=world.pm)
    initiation = InitiationRequestFactory(
        title=project.name, requester=world.pm, proposed_pm=world.pm,
        client_organization=world.org,
    )
    return {
        "project page": f"/projects/{project.pk}/",
        "members page": f"/projects/{project.pk}/members/",
        "meetings list": f"/projects/{project.pk}/meetings/",
        "meeting page": f"/projects/{project.pk}/meetings/{meeting.pk}/",
        "activity page": f"/projects/{project.pk}/activity/",
        "plan page": f"/projects/{project.pk}/plan/",
        "initiation list": "/initiations/",
        "initiation page": f"/initiations/{initiation.pk}/",
        "approvals inbox": "/approvals/",
    }


def expect_not_found(page, pages):
    for what, url in pages.items():
        response = page.goto(url)
        assert response.status == 404, f"{what} {url} answered {response.status}"


def test_a_client_sees_their_project_in_the_portal_and_nothing_internal(
    world, internal_pages, page, shot
):
    sign_in(page, "client")

    # Signing in takes a client straight to the portal, where their project is.
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_role("heading", name="My projects")).to_be_visible()
    card = page.locator(".card", has=page.get_by_role("heading", name=world.project.name))
    expect(card).to_be_visible()
    expect(card).to_contain_text(world.project.code)
    expect(card.locator(".status-badge")).to_have_text("Planning")
    expect(page.get_by_text("Budget")).to_have_count(0)
    shot("client-01-portal")

    # The internal list of projects is not theirs either: it sends them back to the portal
    # (tests/projects/test_views_permissions.py pins this redirect; it reveals nothing).
    response = page.goto("/projects/")
    assert response.status == 200
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_role("heading", name="My projects")).to_be_visible()

    # Every internal page, even of their own project, does not exist for them.
    expect_not_found(page, internal_pages)
    expect(page.get_by_text(world.project.name)).to_have_count(0)
    shot("client-02-internal-page-not-found")


def test_another_client_sees_no_project_and_cannot_reach_it(world, internal_pages, page, shot):
    sign_in(page, "other_client")

    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_text("You have no projects to follow yet.")).to_be_visible()
    expect(page.get_by_text(world.project.name)).to_have_count(0)
    expect(page.get_by_text(world.project.code)).to_have_count(0)
    shot("client-03-other-client-portal")

    expect_not_found(page, internal_pages)
    expect(page.get_by_text(world.project.name)).to_have_count(0)
    # Back in the portal, still nothing of the first client's.
    page.goto("/portal/")
    expect(page.locator(".card h2")).to_have_count(0)
