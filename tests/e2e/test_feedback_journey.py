"""Client feedback (P2.3b, P4.3c, P5.1b): the client reports a quality issue, customer service
assigns it, the responsible member answers, the client reopens it, gets a second answer and
confirms it; customer service sees how long the answer took."""
import re

import pytest
from playwright.sync_api import expect

from projects.models import Membership
from quality.models import ClientFeedback

from .test_client_isolation import sign_in


@pytest.fixture
def service_desk(world):
    """The member is on the project's customer-service team."""
    Membership.objects.filter(project=world.project, user=world.member).update(
        team=Membership.Team.CUSTOMER_SERVICE)
    return world.member


def test_feedback_is_assigned_answered_reopened_and_confirmed(world, service_desk, page, shot):
    project = world.project
    sign_in(page, "client")
    page.goto(f"/portal/projects/{project.pk}/")
    page.get_by_role("link", name="Send feedback").first.click()
    form = page.locator("main form")
    form.get_by_label("Kind").select_option("quality_issue")
    form.get_by_label("Subject").fill("Cabling in rack room 3 is untidy")
    form.get_by_label("Details").fill("Loose patch cords behind rack 3; please tidy and label.")
    form.get_by_role("button", name="Send").click()
    feedback = ClientFeedback.objects.get(subject="Cabling in rack room 3 is untidy")
    expect(page).to_have_url(re.compile(rf"/portal/feedback/{feedback.pk}/$"))
    shot("feedback-01-client-sent")

    # Customer service (the member) assigns it to the qa engineer.
    sign_in(page, "member")
    page.goto("/feedback/")
    page.get_by_role("link", name="Cabling in rack room 3 is untidy").first.click()
    page.get_by_label("Assign to").select_option(str(world.qa.pk))
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("Assigned").first).to_be_visible()

    # The qa engineer answers.
    sign_in(page, "qa")
    page.goto(f"/projects/{project.pk}/feedback/{feedback.pk}/")
    page.get_by_label("Answer to the client").fill("We re-dressed the cords on Friday.")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text("We re-dressed the cords on Friday.").first).to_be_visible()

    # The client is not satisfied: labels are still missing. They reopen it.
    sign_in(page, "client")
    page.goto(f"/portal/feedback/{feedback.pk}/")
    expect(page.get_by_text("We re-dressed the cords on Friday.").first).to_be_visible()
    reopen = page.locator("form", has=page.get_by_role("button", name="Reopen"))
    reopen.locator("textarea").fill("The cords are still not labelled.")
    reopen.get_by_role("button", name="Reopen").click()
    feedback.refresh_from_db()
    assert feedback.status == "open" and feedback.reopened_count == 1

    # Customer service assigns it again; the qa engineer answers again.
    sign_in(page, "member")
    page.goto(f"/projects/{project.pk}/feedback/{feedback.pk}/")
    page.get_by_label("Assign to").select_option(str(world.qa.pk))
    page.get_by_role("button", name="Assign").click()
    sign_in(page, "qa")
    page.goto(f"/projects/{project.pk}/feedback/{feedback.pk}/")
    page.get_by_label("Answer to the client").fill("Every cord in rack 3 is now labelled.")
    page.get_by_role("button", name="Send the answer").click()

    # The client confirms; the item is closed.
    sign_in(page, "client")
    page.goto(f"/portal/feedback/{feedback.pk}/")
    expect(page.get_by_text("Every cord in rack 3 is now labelled.").first).to_be_visible()
    page.get_by_role("button", name="Confirm and close").click()
    feedback.refresh_from_db()
    assert feedback.status == "closed"
    expect(page.get_by_text("Closed").first).to_be_visible()
    shot("feedback-02-client-confirmed")

    # Customer service sees the response time.
    sign_in(page, "member")
    page.goto("/feedback/?tab=all")
    expect(page.get_by_text("Average response time")).to_be_visible()
    shot("feedback-03-inbox-response-times")

    # Another organisation's client cannot reach it.
    sign_in(page, "other_client")
    response = page.goto(f"/portal/feedback/{feedback.pk}/")
    assert response.status == 404
