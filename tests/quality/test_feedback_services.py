"""Client feedback services (P2.3b, P4.3c): each step's rule, state, history and notices."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from config.errors import InvalidTransition, StaleVersion
from notifications.models import Notification
from projects.models import Membership
from quality import services
from quality.models import ClientFeedback
from quality.selectors import feedback_list
from tests.accounts.factories import UserFactory
from tests.projects.factories import MembershipFactory
from tests.quality.factories import ClientFeedbackFactory

Status = ClientFeedback.Status


@pytest.fixture
def notices(django_capture_on_commit_callbacks):
    """Run a step and return {username: [(message, url)]} of the feedback notices it sent."""

    def run(step, **kwargs):
        before = set(Notification.objects.values_list("pk", flat=True))
        with django_capture_on_commit_callbacks(execute=True):
            result = step(**kwargs)
        sent = {}
        for notice in Notification.objects.exclude(pk__in=before).select_related("recipient"):
            assert notice.kind == Notification.Kind.FEEDBACK
            sent.setdefault(notice.recipient.username, []).append((notice.message, notice.url))
        return result, sent

    return run


@pytest.fixture
def desk(world):
    """A member of the project's customer-service team."""
    user = UserFactory(username="desk")
    MembershipFactory(project=world.project, user=user, team=Membership.Team.CUSTOMER_SERVICE)
    return user


def test_feedback_goes_round_with_notices_to_those_concerned(world, desk, notices):
    feedback, sent = notices(
        services.submit_feedback, user=world.client, project=world.project,
        kind="complaint", subject="Wi-Fi drops", body="Every hour.",
    )
    assert feedback.status == Status.OPEN
    assert set(sent) == {"pm", "desk"}
    assert "Wi-Fi drops" in sent["pm"][0][0]

    feedback, sent = notices(services.assign_feedback, user=desk, feedback=feedback,
                             assignee=world.member, comment="Yours.")
    assert (feedback.status, feedback.assignee) == (Status.ASSIGNED, world.member)
    assert set(sent) == {"member"}

    feedback, sent = notices(services.answer_feedback, user=world.member, feedback=feedback,
                             answer="Replaced AP-7.")
    assert feedback.status == Status.ANSWERED
    assert set(sent) == {"client"}
    assert sent["client"][0][1] == feedback.get_portal_url()

    feedback, sent = notices(services.reopen_feedback, user=world.client, feedback=feedback,
                             comment="Still drops.")
    assert (feedback.status, feedback.reopened_count) == (Status.OPEN, 1)
    assert set(sent) == {"member", "pm", "desk"}

    services.assign_feedback(user=world.pm, feedback=feedback, assignee=world.member)
    services.answer_feedback(user=world.member, feedback=feedback, answer="New firmware.")
    feedback, sent = notices(services.confirm_feedback, user=world.client, feedback=feedback,
                             comment="Fixed.")
    assert feedback.status == Status.CLOSED
    assert feedback.closed_at is not None
    assert set(sent) == {"member"}

    steps = list(feedback.events.values_list("from_status", "to_status", "actor", "comment"))
    assert steps == [
        ("", "open", world.client.pk, ""),
        ("open", "assigned", desk.pk, "Yours."),
        ("assigned", "answered", world.member.pk, ""),
        ("answered", "open", world.client.pk, "Still drops."),
        ("open", "assigned", world.pm.pk, ""),
        ("assigned", "answered", world.member.pk, ""),
        ("answered", "closed", world.client.pk, "Fixed."),
    ]


def test_response_time_is_measured_to_the_first_answer(world):
    feedback = ClientFeedbackFactory(project=world.project, submitted_by=world.client,
                                     status=Status.ASSIGNED, assignee=world.member)
    received = timezone.now() - datetime.timedelta(hours=3)
    ClientFeedback.objects.filter(pk=feedback.pk).update(created_at=received)
    feedback.refresh_from_db()
    feedback = services.answer_feedback(user=world.member, feedback=feedback, answer="Done.")
    first = feedback.first_answered_at
    assert datetime.timedelta(hours=3) <= feedback.response_time < datetime.timedelta(
        hours=3, minutes=1)
    row = feedback_list(world.pm).get(pk=feedback.pk)
    assert row.response == feedback.response_time

    services.reopen_feedback(user=world.client, feedback=feedback, comment="Again.")
    services.assign_feedback(user=world.pm, feedback=feedback, assignee=world.member)
    feedback = services.answer_feedback(user=world.member, feedback=feedback, answer="Again.")
    assert feedback.first_answered_at == first


def test_an_unanswered_item_has_no_response_time(world):
    feedback = ClientFeedbackFactory(project=world.project, submitted_by=world.client)
    assert feedback.response_time is None


@pytest.mark.parametrize("make_assignee", [
    lambda w: UserFactory(),
    lambda w: w.client,
    lambda w: None,
    lambda w: UserFactory(is_active=False),
])
def test_assignee_must_be_on_the_team(world, make_assignee):
    feedback = ClientFeedbackFactory(project=world.project, submitted_by=world.client)
    with pytest.raises(ValidationError) as error:
        services.assign_feedback(user=world.pm, feedback=feedback,
                                 assignee=make_assignee(world))
    assert "assignee" in error.value.message_dict
    feedback.refresh_from_db()
    assert (feedback.status, feedback.version) == (Status.OPEN, 1)


def test_kind_must_be_one_of_the_four(world):
    with pytest.raises(ValidationError) as error:
        services.submit_feedback(user=world.client, project=world.project, kind="praise",
                                 subject="s", body="b")
    assert "kind" in error.value.message_dict
    assert not ClientFeedback.objects.exists()


@pytest.mark.parametrize(("status", "step", "kwargs"), [
    (Status.OPEN, services.answer_feedback, {"user": "member", "answer": "x"}),
    (Status.OPEN, services.confirm_feedback, {"user": "client"}),
    (Status.ASSIGNED, services.reopen_feedback, {"user": "client", "comment": "x"}),
    (Status.ANSWERED, services.assign_feedback, {"user": "pm", "assignee": "member"}),
    (Status.CLOSED, services.reopen_feedback, {"user": "client", "comment": "x"}),
])
def test_steps_from_the_wrong_state_are_refused(world, status, step, kwargs):
    feedback = ClientFeedbackFactory(project=world.project, submitted_by=world.client,
                                     status=status, assignee=world.member)
    kwargs = {k: world.users[v] if k in ("user", "assignee") else v for k, v in kwargs.items()}
    with pytest.raises(InvalidTransition):
        step(feedback=feedback, **kwargs)
    feedback.refresh_from_db()
    assert (feedback.status, feedback.version) == (status, 1)
    assert not feedback.events.exists()


def test_a_stale_version_is_refused_with_the_fresh_item(world):
    feedback = ClientFeedbackFactory(project=world.project, submitted_by=world.client)
    ClientFeedback.objects.get(pk=feedback.pk).save()
    with pytest.raises(StaleVersion) as error:
        services.assign_feedback(user=world.pm, feedback=feedback, assignee=world.member,
                                 expected_version=1)
    assert error.value.current.version == 2


@pytest.mark.parametrize(("role", "error"), [
    ("pm", PermissionDenied), ("admin", PermissionDenied), ("outsider", Http404),
    ("other_client", Http404),
])
def test_only_client_members_send_feedback(world, role, error):
    with pytest.raises(error):
        services.submit_feedback(user=world.users[role], project=world.project,
                                 kind="enquiry", subject="s", body="b")


@pytest.mark.parametrize(("role", "error"), [
    ("member", PermissionDenied), ("client", PermissionDenied), ("qa", PermissionDenied),
    ("other_client", Http404),
])
def test_only_the_pm_and_customer_service_assign(world, role, error):
    feedback = ClientFeedbackFactory(project=world.project, submitted_by=world.client)
    with pytest.raises(error):
        services.assign_feedback(user=world.users[role], feedback=feedback,
                                 assignee=world.member)


def test_only_the_assignee_answers(world):
    feedback = ClientFeedbackFactory(project=world.project, submitted_by=world.client,
                                     status=Status.ASSIGNED, assignee=world.member)
    for role in ("pm", "qa", "client"):
        with pytest.raises(PermissionDenied):
            services.answer_feedback(user=world.users[role], feedback=feedback, answer="x")


def test_only_the_client_who_filed_it_closes_it(world):
    feedback = ClientFeedbackFactory(project=world.project, submitted_by=world.client,
                                     status=Status.ANSWERED, assignee=world.member)
    for role in ("pm", "member"):
        with pytest.raises(PermissionDenied):
            services.confirm_feedback(user=world.users[role], feedback=feedback)


def test_internal_notes_are_kept_out_of_the_history_and_from_clients(world, desk):
    feedback = ClientFeedbackFactory(project=world.project, submitted_by=world.client,
                                     status=Status.ASSIGNED, assignee=world.member)
    for user in (world.member, world.pm, desk):
        feedback = services.update_internal_notes(user=user, feedback=feedback,
                                                  internal_notes=f"by {user.username}")
    assert (feedback.internal_notes, feedback.version) == ("by desk", 4)
    assert not hasattr(feedback.history.first(), "internal_notes")
    with pytest.raises(PermissionDenied):
        services.update_internal_notes(user=world.qa, feedback=feedback, internal_notes="x")
    with pytest.raises(Http404):
        services.update_internal_notes(user=world.client, feedback=feedback,
                                       internal_notes="x")
