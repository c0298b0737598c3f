"""Client feedback in the portal (P4.3c, P5.1b): sent, answered, confirmed or reopened."""
from django.test import Client
from django.urls import reverse

from notifications.models import Notification
from projects.models import Membership
from quality.models import ClientFeedback
from tests.accounts.factories import ClientUserFactory
from tests.projects.factories import MembershipFactory

from .conftest import answered, pdf


def detail(feedback):
    return reverse("portal:feedback_detail", args=[feedback.pk])


def test_the_client_sends_feedback(portal, client_as):
    response = client_as("client").post(
        reverse("portal:feedback_create", args=[portal.project.pk]),
        {"kind": "complaint", "subject": "Noisy fans", "body": "Server room is loud.",
         "attachments": [pdf("noise.pdf")]},
    )
    feedback = ClientFeedback.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == detail(feedback)
    assert (feedback.kind, feedback.status, feedback.submitted_by) == (
        "complaint", ClientFeedback.Status.OPEN, portal.world.client)
    body = client_as("client").get(detail(feedback)).content.decode()
    assert "Noisy fans" in body and "noise.pdf" in body and "Complaint" in body


def test_a_feedback_form_with_errors_saves_nothing(portal, client_as):
    response = client_as("client").post(
        reverse("portal:feedback_create", args=[portal.project.pk]),
        {"kind": "praise", "subject": "", "body": "x"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"kind", "subject"}
    assert ClientFeedback.objects.count() == 1


def test_the_answer_is_shown_with_confirm_and_reopen_for_the_client_who_sent_it(
    portal, client_as,
):
    answered(portal.feedback, portal.world)
    response = client_as("client").get(detail(portal.feedback))
    body = response.content.decode()
    assert "We tidied the racks on Friday." in body
    assert response.context["may_reply"] is True
    assert reverse("portal:feedback_confirm", args=[portal.feedback.pk]) in body
    assert reverse("portal:feedback_reopen", args=[portal.feedback.pk]) in body


def test_no_reply_buttons_before_the_answer(portal, client_as):
    body = client_as("client").get(detail(portal.feedback)).content.decode()
    assert reverse("portal:feedback_confirm", args=[portal.feedback.pk]) not in body


def test_a_colleague_sees_the_answer_but_cannot_reply_for_the_sender(portal):
    answered(portal.feedback, portal.world)
    colleague = ClientUserFactory(username="colleague", organization=portal.world.org)
    MembershipFactory(project=portal.project, user=colleague, role=Membership.Role.CLIENT)
    client = Client()
    client.force_login(colleague)
    response = client.get(detail(portal.feedback))
    assert "We tidied the racks on Friday." in response.content.decode()
    assert response.context["may_reply"] is False
    confirm = client.post(reverse("portal:feedback_confirm", args=[portal.feedback.pk]))
    assert confirm.status_code == 403
    portal.feedback.refresh_from_db()
    assert portal.feedback.status == ClientFeedback.Status.ANSWERED


def test_the_client_confirms_the_answer(portal, client_as, django_capture_on_commit_callbacks):
    answered(portal.feedback, portal.world)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("client").post(
            reverse("portal:feedback_confirm", args=[portal.feedback.pk]),
            {"confirm-comment": "Looks good now."})
    assert response.status_code == 302 and response["Location"] == detail(portal.feedback)
    portal.feedback.refresh_from_db()
    assert portal.feedback.status == ClientFeedback.Status.CLOSED
    assert Notification.objects.filter(recipient=portal.world.member).exists()
    body = client_as("client").get(detail(portal.feedback)).content.decode()
    assert "Confirmed and closed" in body and "Looks good now." in body


def test_reopening_needs_a_comment(portal, client_as):
    answered(portal.feedback, portal.world)
    response = client_as("client").post(
        reverse("portal:feedback_reopen", args=[portal.feedback.pk]), {"reopen-comment": " "})
    assert response.status_code == 400
    assert "Tell us what is still not resolved." in response.content.decode()
    portal.feedback.refresh_from_db()
    assert portal.feedback.status == ClientFeedback.Status.ANSWERED


def test_the_client_reopens_with_a_comment(portal, client_as):
    answered(portal.feedback, portal.world)
    client = client_as("client")
    response = client.post(reverse("portal:feedback_reopen", args=[portal.feedback.pk]),
                           {"reopen-comment": "Room 4 is still a mess."})
    assert response.status_code == 302
    portal.feedback.refresh_from_db()
    assert (portal.feedback.status, portal.feedback.reopened_count) == (
        ClientFeedback.Status.OPEN, 1)
    body = client.get(detail(portal.feedback)).content.decode()
    assert "Reopened" in body and "Room 4 is still a mess." in body


def test_confirming_feedback_that_is_not_answered_says_why(portal, client_as):
    client = client_as("client")
    response = client.post(reverse("portal:feedback_confirm", args=[portal.feedback.pk]),
                           follow=True)
    assert "cannot become" in response.content.decode()
    portal.feedback.refresh_from_db()
    assert portal.feedback.status == ClientFeedback.Status.OPEN


def test_confirm_and_reopen_take_post_only(portal, client_as):
    client = client_as("client")
    for name in ("portal:feedback_confirm", "portal:feedback_reopen"):
        assert client.get(reverse(name, args=[portal.feedback.pk])).status_code == 405


def test_the_client_is_told_when_their_feedback_is_answered(
    portal, client_as, django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        answered(portal.feedback, portal.world)
    notification = Notification.objects.get(recipient=portal.world.client)
    assert notification.url == detail(portal.feedback)
    assert client_as("client").get(notification.url).status_code == 200
