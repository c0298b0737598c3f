"""The client portal journey (P4.3): a client follows progress, files a change request with a
document, the pm assesses its impact, management approves it with reasons, and the client sees
the decision and is notified. A client of another organisation sees none of it."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from projects.models import ChangeRequest, Project
from tasks import client as task_client
from tasks import progress
from tasks import services as task_services

from .test_client_isolation import sign_in

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def plan(world):
    """A project under way: a client-visible stage and milestone, an internal task, progress."""
    today = timezone.localdate()
    pm, project = world.pm, world.project
    Project.objects.filter(pk=project.pk).update(
        planned_start=today - timedelta(days=21), planned_end=today + timedelta(days=90),
        budget=Decimal("987654.00"), status=Project.Status.EXECUTING,
    )
    project.refresh_from_db()
    create = task_services.create_task
    stage = create(user=pm, project=project, name="Core network build", duration_days=1,
                   client_visible=True)
    racks = create(user=pm, project=project, parent=stage, name="Install core switches",
                   duration_days=20, client_visible=True)
    create(user=pm, project=project, parent=stage, name="Renegotiate vendor margin",
           duration_days=5)
    create(user=pm, project=project, name="Core network live", duration_days=0,
           client_visible=True)
    task_services.take_baseline(user=pm, project=project, name="Contract plan")
    entry = progress.record_progress(user=pm, task=racks, percent_complete=35,
                                     problems="Switches held at customs")
    task_client.share_problem(user=pm, entry=entry, shared=True,
                              solution="Air freight booked; installation resumes Monday")
    return project


def test_change_request_from_client_to_decision(world, plan, page, tmp_path, shot):
    project = plan
    # The client follows progress in the portal.
    sign_in(page, "client")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    page.get_by_role("link", name=project.name).first.click()
    expect(page.get_by_role("heading", name=project.name)).to_be_visible()
    expect(page.get_by_text("Progress against plan")).to_be_visible()
    expect(page.get_by_text("Core network live").first).to_be_visible()
    expect(page.get_by_text("Install core switches").first).to_be_visible()
    expect(page.get_by_text("Air freight booked; installation resumes Monday")).to_be_visible()
    expect(page.get_by_text("Renegotiate vendor margin")).to_have_count(0)
    expect(page.get_by_text("987,654")).to_have_count(0)
    shot("journey-01-client-project")

    # … and files a change request with a document.
    page.get_by_role("link", name="Request a change").first.click()
    form = page.locator("main form")
    form.get_by_label("Title").fill("Add a second uplink to building B")
    form.get_by_label(re.compile("What should change|Description")).fill(
        "Building B needs a redundant uplink to the core.")
    form.get_by_label(re.compile("Why|Reason")).fill("An outage last month stopped the tellers.")
    document = tmp_path / "uplink-drawing.pdf"
    document.write_bytes(PDF)
    form.locator("input[type=file]").set_input_files(str(document))
    shot("journey-02-client-files-change")
    form.get_by_role("button", name="Submit the change request").click()
    change = ChangeRequest.objects.get(title="Add a second uplink to building B")
    expect(page).to_have_url(re.compile(rf"/portal/changes/{change.pk}/$"))
    expect(page.locator(".status-badge").first).to_have_text("Submitted")
    expect(page.get_by_role("link", name="uplink-drawing.pdf")).to_be_visible()

    # The pm assesses the impact on schedule, cost and quality.
    sign_in(page, "pm")
    page.goto(f"/projects/{project.pk}/changes/")
    page.get_by_role("link", name=re.compile("Add a second uplink")).first.click()
    page.get_by_label("Schedule impact (working days)").fill("3")
    page.get_by_label(re.compile(r"Cost impact")).fill("12000")
    page.get_by_label("Quality impact").fill("Higher availability; no effect on delivered work.")
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.locator(".change-status")).to_have_text("Assessed")
    shot("journey-03-pm-assessed")

    # Management approves it with reasons, from the approvals inbox.
    sign_in(page, "boss")
    page.goto("/approvals/")
    page.get_by_role("link", name=re.compile("Add a second uplink")).first.click()
    decision = page.locator("form", has=page.get_by_role("button", name="Approve"))
    decision.locator("textarea").fill("Worth it for availability; extra cost as assessed.")
    decision.get_by_role("button", name="Approve").click()
    expect(page.locator(".change-status")).to_have_text("Approved")
    shot("journey-04-management-approved")

    # The client is notified and sees the decision, its reasons and the assessed impact.
    sign_in(page, "client")
    page.goto("/notifications/")
    link = page.get_by_role("button", name=re.compile("was approved"))
    expect(link.first).to_be_visible()
    link.first.click()
    expect(page).to_have_url(re.compile(rf"/portal/changes/{change.pk}/$"))
    expect(page.locator(".status-badge").first).to_have_text("Approved")
    expect(page.get_by_text("Worth it for availability; extra cost as assessed.").first) \
        .to_be_visible()
    expect(page.get_by_text("3 working days more")).to_be_visible()
    shot("journey-05-client-sees-decision")

    # A client of another organisation sees none of it, even with the addresses.
    sign_in(page, "other_client")
    expect(page.get_by_text("You have no projects to follow yet.")).to_be_visible()
    attachment = change_attachment(change)
    for url in (f"/portal/projects/{project.pk}/", f"/portal/changes/{change.pk}/",
                f"/portal/projects/{project.pk}/changes/", f"/files/{attachment}/",
                f"/api/v1/change-requests/{change.pk}/"):
        response = page.goto(url)
        assert response.status == 404, f"{url} answered {response.status}"
    expect(page.get_by_text("Add a second uplink")).to_have_count(0)
    listing = page.request.get("/api/v1/change-requests/", headers={"Accept": "application/json"})
    assert listing.status == 200 and listing.json()["count"] == 0
    shot("journey-06-other-client-sees-nothing")


def change_attachment(change):
    from projects.attachments import attachments_of

    return attachments_of(change).get().pk
