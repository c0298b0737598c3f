"""Role × page: who gets 200, 403, 404 or a redirect on every page (DESIGN.md permissions)."""
import pytest
from django.urls import reverse

from tests.conftest import ROLES
from tests.projects.factories import InitiationRequestFactory, MeetingFactory

VIEWERS = {"admin", "management", "supervisor", "pm", "assistant", "member", "qa", "finance",
           "observer"}
INTERNAL = VIEWERS | {"outsider"}
CLIENTS = {"client", "other_client"}
SIGNED_IN = INTERNAL | CLIENTS


def table(ok=(), forbidden=(), redirect=(), default=404):
    """Expected status per role; anonymous always goes to the login page."""
    expected = dict.fromkeys(ROLES, default)
    expected.update(dict.fromkeys(ok, 200))
    expected.update(dict.fromkeys(forbidden, 403))
    expected.update(dict.fromkeys(redirect, 302))
    expected["anonymous"] = "login"
    return expected


MEETING_MANAGERS = {"admin", "pm", "assistant"}
PAGES = {
    "project_list": table(ok=INTERNAL, redirect=CLIENTS),
    "project_detail": table(ok=VIEWERS),
    "members": table(ok=VIEWERS),
    "member_edit": table(ok={"admin", "pm"}, forbidden=VIEWERS - {"admin", "pm"}),
    "meetings": table(ok=VIEWERS),
    "meeting_create": table(ok=MEETING_MANAGERS, forbidden=VIEWERS - MEETING_MANAGERS),
    "meeting_detail": table(ok=VIEWERS),
    "meeting_edit": table(ok=MEETING_MANAGERS, forbidden=VIEWERS - MEETING_MANAGERS),
    "activity": table(ok=VIEWERS),
    "initiation_list": table(ok=INTERNAL),
    "initiation_create": table(ok=INTERNAL - {"supervisor"}, forbidden={"supervisor"}),
    # The request was written by `member` and proposes `pm` as project manager.
    "initiation_detail": table(ok={"admin", "management", "supervisor", "member", "pm"}),
    "initiation_edit": table(ok={"member"}, forbidden={"admin", "management", "supervisor", "pm"}),
    "approvals": table(ok={"admin", "management"}, forbidden=INTERNAL - {"admin", "management"}),
    "notifications": table(ok=SIGNED_IN),
    "portal": table(ok=CLIENTS, redirect=INTERNAL),
    "profile": table(ok=SIGNED_IN),
    "password_change": table(ok=SIGNED_IN),
}


@pytest.fixture
def urls(world):
    project = world.project
    initiation = InitiationRequestFactory(requester=world.member, proposed_pm=world.pm)
    meeting = MeetingFactory(project=project, recorded_by=world.pm)
    membership = project.memberships.get(user=world.member)
    return {
        "project_list": reverse("projects:list"),
        "project_detail": reverse("projects:detail", args=[project.pk]),
        "members": reverse("projects:members", args=[project.pk]),
        "member_edit": reverse("projects:member_edit", args=[project.pk, membership.pk]),
        "meetings": reverse("projects:meetings", args=[project.pk]),
        "meeting_create": reverse("projects:meeting_create", args=[project.pk]),
        "meeting_detail": reverse("projects:meeting_detail", args=[project.pk, meeting.pk]),
        "meeting_edit": reverse("projects:meeting_edit", args=[project.pk, meeting.pk]),
        "activity": reverse("projects:activity", args=[project.pk]),
        "initiation_list": reverse("projects:initiation_list"),
        "initiation_create": reverse("projects:initiation_create"),
        "initiation_detail": reverse("projects:initiation_detail", args=[initiation.pk]),
        "initiation_edit": reverse("projects:initiation_edit", args=[initiation.pk]),
        "approvals": reverse("projects:approvals"),
        "notifications": reverse("notifications:list"),
        "portal": reverse("portal:home"),
        "profile": reverse("accounts:profile"),
        "password_change": reverse("accounts:password_change"),
    }


CASES = [(page, role, expected[role]) for page, expected in PAGES.items() for role in ROLES]


@pytest.mark.parametrize(("page", "role", "expected"), CASES,
                         ids=[f"{page}-{role}" for page, role, _e in CASES])
def test_page_status_by_role(urls, client_as, page, role, expected):
    response = client_as(role).get(urls[page])
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected


def test_clients_are_sent_to_their_portal_from_the_project_list(client_as):
    response = client_as("client").get(reverse("projects:list"))
    assert response.url == reverse("portal:home")


def test_staff_are_sent_to_the_project_list_from_the_portal(client_as):
    response = client_as("pm").get(reverse("portal:home"))
    assert response.url == reverse("projects:list")


def test_missing_project_is_404_even_for_admin(client_as):
    assert client_as("admin").get(reverse("projects:detail", args=[999999])).status_code == 404


# Writes: the same rule through POST (nothing is saved when refused).
@pytest.fixture
def submitted(world):
    from projects.models import InitiationRequest

    return InitiationRequestFactory(
        requester=world.member, proposed_pm=world.pm, status=InitiationRequest.Status.SUBMITTED
    )


@pytest.mark.parametrize(("role", "expected"), [
    ("pm", 302), ("admin", 302), ("assistant", 403), ("management", 403), ("outsider", 404),
    ("client", 404), ("anonymous", 302),
])
def test_adding_a_member_by_role(world, client_as, role, expected):
    from tests.accounts.factories import UserFactory

    newcomer = UserFactory(username="newcomer")
    response = client_as(role).post(
        reverse("projects:members", args=[world.project.pk]),
        {"user": newcomer.pk, "role": "member", "team": "technical", "duties": "Cabling"},
    )
    assert response.status_code == expected
    joined = world.project.memberships.filter(user=newcomer).exists()
    assert joined == (role in ("pm", "admin"))


@pytest.mark.parametrize(("role", "expected"), [
    ("management", 302), ("admin", 302), ("member", 403), ("pm", 403), ("supervisor", 403),
    ("outsider", 404), ("client", 404),
])
def test_approving_by_role(submitted, client_as, role, expected):
    response = client_as(role).post(reverse("projects:initiation_approve", args=[submitted.pk]))
    assert response.status_code == expected
    submitted.refresh_from_db()
    assert (submitted.status == "approved") == (expected == 302)


@pytest.mark.parametrize(("role", "expected"), [
    ("member", 302), ("pm", 403), ("management", 403), ("outsider", 404), ("client", 404),
])
def test_submitting_by_role(world, client_as, role, expected):
    draft = InitiationRequestFactory(requester=world.member, proposed_pm=world.pm)
    response = client_as(role).post(reverse("projects:initiation_submit", args=[draft.pk]))
    assert response.status_code == expected
    draft.refresh_from_db()
    assert (draft.status == "submitted") == (expected == 302)


@pytest.mark.parametrize(("role", "expected"), [
    ("pm", 302), ("assistant", 302), ("member", 403), ("management", 403), ("outsider", 404),
    ("client", 404),
])
def test_recording_a_meeting_by_role(world, client_as, role, expected):
    response = client_as(role).post(
        reverse("projects:meeting_create", args=[world.project.pk]),
        {"kind": "regular", "title": "Weekly", "held_at": "2026-12-03T10:00",
         "actions-TOTAL_FORMS": "0", "actions-INITIAL_FORMS": "0"},
    )
    assert response.status_code == expected
    assert world.project.meetings.filter(title="Weekly").exists() == (expected == 302)


@pytest.mark.parametrize(("role", "expected"), [
    ("pm", 302), ("assistant", 403), ("outsider", 404), ("client", 404),
])
def test_removing_a_member_by_role(world, client_as, role, expected):
    membership = world.project.memberships.get(user=world.observer)
    response = client_as(role).post(
        reverse("projects:member_remove", args=[world.project.pk, membership.pk])
    )
    assert response.status_code == expected
    assert world.project.memberships.filter(pk=membership.pk).exists() == (expected != 302)
