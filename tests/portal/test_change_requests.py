"""Change requests in the portal (P4.3b): filed by the client, followed step by step."""
from decimal import Decimal

from django.urls import reverse

from notifications.models import Notification
from projects import services
from projects.models import Attachment, ChangeRequest

from .conftest import pdf


def test_the_client_files_a_change_request_with_files(portal, client_as):
    client = client_as("client")
    response = client.post(reverse("portal:change_create", args=[portal.project.pk]), {
        "title": "Extra Wi-Fi in the lobby", "description": "Two more access points.",
        "reason": "Visitors complain.", "attachments": [pdf("floor.pdf"), pdf("photo.pdf")],
    })
    change = ChangeRequest.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:change_detail", args=[change.pk])
    assert (change.title, change.status, change.requested_by) == (
        "Extra Wi-Fi in the lobby", ChangeRequest.Status.SUBMITTED, portal.world.client)
    assert change.project == portal.project
    assert sorted(Attachment.objects.filter(object_id=change.pk, content_type__model=(
        "changerequest")).values_list("name", flat=True)) == ["floor.pdf", "photo.pdf"]
    body = client.get(response["Location"]).content.decode()
    assert "was submitted" in body  # the confirmation message
    assert "floor.pdf" in body and "photo.pdf" in body
    assert "The project manager has not assessed this request yet." in body


def test_missing_fields_are_shown_beside_them_and_nothing_is_saved(portal, client_as):
    response = client_as("client").post(
        reverse("portal:change_create", args=[portal.project.pk]),
        {"title": "", "description": "Something", "reason": ""},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "reason"}
    assert "Something" in response.content.decode()
    assert ChangeRequest.objects.count() == 1


def test_the_assessment_decision_and_implementation_are_shown(portal, client_as):
    pm = portal.world.pm
    change = services.approve_change_request(
        user=portal.world.management, change_request=portal.change,
        comment="Worth it for availability.")
    change = services.implement_change_request(
        user=pm, change_request=change, changed_tasks=[portal.survey, portal.hidden])
    response = client_as("client").get(reverse("portal:change_detail", args=[change.pk]))
    body = response.content.decode()
    assert "3 working days more" in body
    assert "¥12,000.00 more" in body
    assert "Better availability." in body
    assert "The change was approved." in body and "Worth it for availability." in body
    assert change.baseline.name in body
    assert "Site survey" in body  # a changed task the client sees …
    assert "HIDDEN-TASK-vendor-kickback" not in body  # … but not one kept inside
    assert [step["state"] for step in response.context["statuses"]] == ["done"] * 4
    assert [s.to_status for s in response.context["steps"]] == [
        "submitted", "assessed", "approved", "implemented"]


def test_a_rejection_shows_its_reasons(portal, client_as):
    services.reject_change_request(user=portal.world.pm, change_request=portal.change,
                                   comment="Out of the contract's scope.")
    response = client_as("client").get(reverse("portal:change_detail", args=[portal.change.pk]))
    body = response.content.decode()
    assert "The change was rejected." in body and "Out of the contract&#x27;s scope." in body
    assert [(s["label"], s["state"], s["rejected"]) for s in response.context["statuses"]] == [
        ("Submitted", "done", False), ("Impact assessed", "done", False),
        ("Rejected", "done", True)]


def test_savings_are_worded_as_savings(portal, client_as):
    ChangeRequest.objects.filter(pk=portal.change.pk).update(
        schedule_impact_days=-2, cost_impact=Decimal("-1500"))
    body = client_as("client").get(
        reverse("portal:change_detail", args=[portal.change.pk])).content.decode()
    assert "2 working days saved" in body and "¥1,500.00 less" in body


def test_the_client_is_notified_with_a_link_into_the_portal(
    world, client_as, django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        change = services.submit_change_request(
            user=world.pm, project=world.project, title="Move the cut-over",
            description="One week later.", reason="Holidays.")
    notification = Notification.objects.get(recipient=world.client)
    assert notification.url == reverse("portal:change_detail", args=[change.pk])
    assert client_as("client").get(notification.url).status_code == 200


def test_the_list_pages_and_shows_every_request_of_the_project(portal, client_as):
    for n in range(25):
        services.submit_change_request(user=portal.world.client, project=portal.project,
                                       title=f"Request {n}", description="d", reason="r")
    client = client_as("client")
    first = client.get(reverse("portal:change_list", args=[portal.project.pk]))
    assert len(first.context["page"].object_list) == 20
    second = client.get(reverse("portal:change_list", args=[portal.project.pk]) + "?page=2")
    assert len(second.context["page"].object_list) == 6
    assert "Add a second uplink" in second.content.decode()  # the oldest, last
