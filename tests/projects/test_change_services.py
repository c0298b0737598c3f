"""Change request services (P4.3b): each step's rule, state, history, baseline and notices."""
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from config.errors import InvalidTransition, StaleVersion
from notifications.models import Notification
from projects import services
from projects.models import ChangeRequest, Membership
from tasks.models import Baseline
from tasks.services import take_baseline
from tests.accounts.factories import ClientUserFactory, UserFactory
from tests.projects.factories import ChangeRequestFactory, MembershipFactory
from tests.tasks.factories import TaskFactory

Status = ChangeRequest.Status
ASSESSMENT = {"schedule_impact_days": 3, "cost_impact": Decimal("800.00"),
              "quality_impact": "None."}


@pytest.fixture
def notices(django_capture_on_commit_callbacks):
    """Run a step and return {username: [messages]} of the change-request notices it sent."""

    def run(step, **kwargs):
        before = set(Notification.objects.values_list("pk", flat=True))
        with django_capture_on_commit_callbacks(execute=True):
            result = step(**kwargs)
        sent = {}
        for notice in Notification.objects.exclude(pk__in=before).select_related("recipient"):
            assert notice.kind == Notification.Kind.CHANGE_REQUEST
            sent.setdefault(notice.recipient.username, []).append(notice.message)
        return result, sent

    return run


@pytest.fixture
def colleague(world):
    """A second client user of the project's client, on the project."""
    user = ClientUserFactory(username="colleague", organization=world.org)
    MembershipFactory(project=world.project, user=user, role=Membership.Role.CLIENT)
    return user


def test_a_client_request_goes_all_the_way(world, colleague, notices):
    change, sent = notices(
        services.submit_change_request, user=world.client, project=world.project,
        title="Second uplink", description="Add one.", reason="Outages.",
    )
    assert change.status == Status.SUBMITTED
    assert set(sent) == {"pm", "colleague"}
    assert "Second uplink" in sent["pm"][0]

    change, sent = notices(services.assess_change_request, user=world.pm, change_request=change,
                           comment="Checked.", **ASSESSMENT)
    assert change.status == Status.ASSESSED
    assert (change.assessed_by, change.cost_impact) == (world.pm, Decimal("800.00"))
    assert set(sent) == {"boss", "client", "colleague"}  # boss: management

    change, sent = notices(services.approve_change_request, user=world.management,
                           change_request=change, comment="Go.")
    assert (change.status, change.decided_by, change.decision_reason) == (
        Status.APPROVED, world.management, "Go.")
    assert set(sent) == {"pm", "client", "colleague"}

    change, sent = notices(services.implement_change_request, user=world.pm,
                           change_request=change)
    assert change.status == Status.IMPLEMENTED
    assert change.implemented_by == world.pm
    assert set(sent) == {"client", "colleague"}

    steps = list(change.transitions.values_list("from_status", "to_status", "actor", "comment"))
    assert steps == [
        ("", "submitted", world.client.pk, ""),
        ("submitted", "assessed", world.pm.pk, "Checked."),
        ("assessed", "approved", world.management.pk, "Go."),
        ("approved", "implemented", world.pm.pk, ""),
    ]
    assert change.version == 4


def test_a_pm_request_tells_the_client_and_the_pm_hears_the_decision(world, notices):
    change, sent = notices(
        services.submit_change_request, user=world.pm, project=world.project,
        title="Swap vendor", description="Other switches.", reason="Lead time.",
    )
    assert set(sent) == {"client"}
    services.assess_change_request(user=world.pm, change_request=change, **ASSESSMENT)
    change, sent = notices(services.reject_change_request, user=world.management,
                           change_request=change, comment="Too costly.")
    assert change.status == Status.REJECTED
    assert set(sent) == {"pm", "client"}


def test_the_pm_approving_does_not_notify_themself(world, notices):
    change = ChangeRequestFactory(project=world.project, requested_by=world.client,
                                  status=Status.ASSESSED)
    _change, sent = notices(services.approve_change_request, user=world.pm,
                            change_request=change)
    assert set(sent) == {"client"}


def test_implement_takes_a_new_baseline_and_keeps_the_previous_one(world):
    task = TaskFactory(project=world.project)
    other = TaskFactory(project=world.project)
    earlier = take_baseline(user=world.pm, project=world.project)
    change = ChangeRequestFactory(project=world.project, requested_by=world.client,
                                  status=Status.APPROVED)
    change = services.implement_change_request(user=world.pm, change_request=change,
                                               changed_tasks=[task], comment="Done.")
    assert change.previous_baseline == earlier
    assert change.baseline.number == earlier.number + 1
    assert change.baseline.name.startswith(f"After {change.reference}")
    assert set(change.baseline.tasks.values_list("task_id", flat=True)) == {task.pk, other.pk}
    assert list(change.changed_tasks.all()) == [task]
    assert Baseline.objects.filter(project=world.project).count() == 2


def test_implement_refuses_tasks_of_another_project(world):
    change = ChangeRequestFactory(project=world.project, requested_by=world.client,
                                  status=Status.APPROVED)
    with pytest.raises(ValidationError) as error:
        services.implement_change_request(user=world.pm, change_request=change,
                                          changed_tasks=[TaskFactory()])
    assert "changed_tasks" in error.value.message_dict
    change.refresh_from_db()
    assert change.status == Status.APPROVED
    assert not Baseline.objects.exists()


@pytest.mark.parametrize(("status", "step", "kwargs"), [
    (Status.SUBMITTED, services.approve_change_request, {}),
    (Status.SUBMITTED, services.implement_change_request, {}),
    (Status.APPROVED, services.assess_change_request, ASSESSMENT),
    (Status.REJECTED, services.reject_change_request, {"comment": "No."}),
    (Status.IMPLEMENTED, services.implement_change_request, {}),
])
def test_steps_from_the_wrong_state_are_refused(world, status, step, kwargs):
    change = ChangeRequestFactory(project=world.project, requested_by=world.client,
                                  status=status)
    with pytest.raises(InvalidTransition):
        step(user=world.pm, change_request=change, **kwargs)
    change.refresh_from_db()
    assert (change.status, change.version) == (status, 1)
    assert not change.transitions.exists()


def test_a_stale_version_is_refused_with_the_fresh_request(world):
    change = ChangeRequestFactory(project=world.project, requested_by=world.client,
                                  status=Status.ASSESSED)
    ChangeRequest.objects.get(pk=change.pk).save()
    with pytest.raises(StaleVersion) as error:
        services.approve_change_request(user=world.pm, change_request=change,
                                        expected_version=1)
    assert error.value.current.version == 2
    assert ChangeRequest.objects.get(pk=change.pk).status == Status.ASSESSED


@pytest.mark.parametrize(("field", "value"), [
    ("schedule_impact_days", None), ("cost_impact", None), ("quality_impact", " "),
])
def test_assessment_states_every_impact(world, field, value):
    change = ChangeRequestFactory(project=world.project, requested_by=world.client)
    with pytest.raises(ValidationError) as error:
        services.assess_change_request(user=world.pm, change_request=change,
                                       **{**ASSESSMENT, field: value})
    assert field in error.value.message_dict


def test_rejection_needs_reasons(world):
    change = ChangeRequestFactory(project=world.project, requested_by=world.client,
                                  status=Status.ASSESSED)
    with pytest.raises(ValidationError) as error:
        services.reject_change_request(user=world.management, change_request=change,
                                       comment=" ")
    assert "comment" in error.value.message_dict


def test_submission_is_validated(world):
    with pytest.raises(ValidationError) as error:
        services.submit_change_request(user=world.client, project=world.project, title="",
                                       description="d", reason="r")
    assert "title" in error.value.message_dict
    assert not ChangeRequest.objects.exists()


def test_no_requests_on_a_closed_project(world):
    world.project.status = "closed"
    world.project.save()
    with pytest.raises(InvalidTransition):
        services.submit_change_request(user=world.pm, project=world.project, title="t",
                                       description="d", reason="r")


@pytest.mark.parametrize(("role", "error"), [
    ("member", PermissionDenied), ("management", PermissionDenied),
    ("outsider", Http404), ("other_client", Http404),
])
def test_only_client_members_and_the_pm_ask_for_changes(world, role, error):
    with pytest.raises(error):
        services.submit_change_request(user=world.users[role], project=world.project,
                                       title="t", description="d", reason="r")


@pytest.mark.parametrize(("role", "error"), [
    ("client", PermissionDenied), ("management", PermissionDenied),
    ("assistant", PermissionDenied), ("other_client", Http404),
])
def test_only_the_pm_assesses(world, role, error):
    change = ChangeRequestFactory(project=world.project, requested_by=world.client)
    with pytest.raises(error):
        services.assess_change_request(user=world.users[role], change_request=change,
                                       **ASSESSMENT)


def test_a_client_of_the_project_cannot_decide(world):
    change = ChangeRequestFactory(project=world.project, requested_by=world.client,
                                  status=Status.ASSESSED)
    with pytest.raises(PermissionDenied):
        services.approve_change_request(user=world.client, change_request=change)


def test_internal_notes_are_kept_out_of_the_history(world):
    change = ChangeRequestFactory(project=world.project, requested_by=world.client)
    change = services.update_change_notes(user=world.pm, change_request=change,
                                          internal_notes="Margin is thin.", expected_version=1)
    assert (change.internal_notes, change.version) == ("Margin is thin.", 2)
    assert not hasattr(change.history.first(), "internal_notes")
    with pytest.raises(PermissionDenied):
        services.update_change_notes(user=world.member, change_request=change,
                                     internal_notes="x")
    with pytest.raises(Http404):
        services.update_change_notes(user=world.client, change_request=change,
                                     internal_notes="x")


def test_an_internal_requester_hears_of_the_decision_and_implementation(world, notices):
    requester = UserFactory(username="engineer")
    MembershipFactory(project=world.project, user=requester, role=Membership.Role.MEMBER)
    change = ChangeRequestFactory(project=world.project, requested_by=requester,
                                  status=Status.ASSESSED)
    change, sent = notices(services.approve_change_request, user=world.management,
                           change_request=change)
    assert set(sent) == {"pm", "engineer", "client"}
    _change, sent = notices(services.implement_change_request, user=world.pm,
                            change_request=change)
    assert set(sent) == {"engineer", "client"}
