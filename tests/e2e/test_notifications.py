"""Alerts instead of chasing people (P1.3): after the morning's alert run a team member sees the
bell's count, reads the alerts, opens the overdue one at its task, and the bell counts one less;
the assistant sees who has not reported this week (P2.1b)."""
import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from projects.models import Project
from tests.tasks.factories import TaskFactory

FRIDAY = datetime.date(2026, 12, 4)


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
def alerts(world):
    """An executing project where the member's cabling is late and the survey due on Monday."""
    Project.objects.filter(pk=world.project.pk).update(status=Project.Status.EXECUTING)
    late = TaskFactory(project=world.project, name="Core switch cabling", owner=world.member,
                       planned_start=FRIDAY - datetime.timedelta(days=5),
                       planned_end=FRIDAY - datetime.timedelta(days=2), status="in_progress")
    TaskFactory(project=world.project, name="Site survey", owner=world.member,
                planned_start=FRIDAY, planned_end=FRIDAY + datetime.timedelta(days=3))
    call_command("run_alerts", date=FRIDAY.isoformat(), stdout=StringIO())
    return late


def test_member_reads_the_alerts_from_the_bell_and_opens_the_late_task(world, page, shot,
                                                                        alerts):
    sign_in(page, "member")
    bell = page.locator(".bell-link")
    # Overdue, due soon, and Friday's progress reminder.
    expect(bell.locator(".bell-badge")).to_have_text(re.compile(r"^\s*3\b"))

    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    items = page.locator("#notification-list .notification")
    expect(items).to_have_count(3)
    overdue = items.filter(has_text="is overdue")
    expect(overdue).to_contain_text("“Core switch cabling”")
    expect(overdue).to_contain_text("it was due on Dec. 2, 2026")
    expect(overdue).to_have_class(re.compile(r"\bunread\b"))
    expect(items.filter(has_text="Please report your progress for week 2026-W49")).to_have_count(1)
    shot("notifications-1-list")

    overdue.locator(".notification-text").click()
    expect(page).to_have_url(re.compile(
        rf"/projects/{world.project.pk}/.*{alerts.pk}"))
    expect(page.get_by_text("Core switch cabling").first).to_be_visible()
    expect(page.locator(".bell-link .bell-badge")).to_have_text(re.compile(r"^\s*2\b"))
    shot("notifications-2-opened-task")

    page.goto(reverse("notifications:list") + "?show=unread")
    expect(page.locator("#notification-list .notification")).to_have_count(2)
    expect(page.locator("#notification-list")).not_to_contain_text("is overdue")


def test_marking_read_in_place_updates_the_bell(world, page, alerts):
    sign_in(page, "member")
    page.goto(reverse("notifications:list"))
    due_soon = page.locator("#notification-list .notification").filter(has_text="is due on")
    due_soon.get_by_role("button", name="Mark as read").click()
    expect(due_soon).not_to_have_class(re.compile(r"\bunread\b"))
    expect(page.locator(".bell-link .bell-badge")).to_have_text(re.compile(r"^\s*2\b"))


def test_assistant_sees_who_has_not_reported(world, page, shot, alerts):
    sign_in(page, "assistant")
    page.goto(reverse("notifications:list"))
    page.locator("#reporting-links").get_by_role("link", name=re.compile(world.project.code)) \
        .click()
    table = page.locator("#reporting-table")
    expect(table.locator("tr[data-user=member]")).to_contain_text("Not reported")
    expect(table.locator("tr[data-user=member] td").nth(2)).to_have_text("2")
    shot("notifications-3-reporting")


def test_member_asks_for_overdue_alerts_by_email_at_once(world, page, shot):
    from notifications.models import NotificationPreference

    sign_in(page, "member")
    page.goto(reverse("notifications:list"))
    page.get_by_role("link", name="E-mail preferences").click()
    overdue = page.locator("#preferences-form tr[data-kind=overdue]")
    expect(overdue.get_by_label("Daily e-mail digest")).to_be_checked()
    overdue.get_by_label("E-mail at once").check()
    page.locator("#preferences-form tr[data-kind=meeting]").get_by_label("In the app only").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Your notification preferences were saved.")).to_be_visible()
    expect(overdue.get_by_label("E-mail at once")).to_be_checked()
    shot("notifications-4-preferences")
    assert NotificationPreference.objects.get(user=world.member, kind="overdue").email \
        == "immediately"
