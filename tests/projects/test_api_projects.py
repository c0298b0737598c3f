"""Projects, team and meetings API (P3.1b, P3.2c): fields, writes, versions, clients, queries."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from notifications.models import Notification
from projects.models import ActionItem, Meeting, Membership, Project
from tests.accounts.factories import ClientUserFactory, UserFactory
from tests.projects.factories import MeetingFactory, MembershipFactory, ProjectFactory


def project_url(project):
    return f"/api/v1/projects/{project.pk}/"


def members_url(project, membership=None):
    return project_url(project) + "members/" + (f"{membership.pk}/" if membership else "")


def meetings_url(project, meeting=None):
    return project_url(project) + "meetings/" + (f"{meeting.pk}/" if meeting else "")


def queries(user, url, **params):
    """Queries for one GET as a freshly loaded user (no per-request caches carried over)."""
    api = APIClient()
    api.force_authenticate(User.objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url, {"page_size": 500, **params})
    assert response.status_code == 200
    return len(ctx), response.data


# --- Projects -------------------------------------------------------------------------------

def test_project_detail_has_the_contract_fields(world, api_as):
    world.project.budget = "1250.00"
    world.project.save()
    data = api_as("pm").get(project_url(world.project)).data
    assert {"id", "code", "name", "status", "pm", "client_organization", "planned_start",
            "planned_end", "calendar", "budget", "percent_complete", "version"} <= set(data)
    assert data["pm"] == world.pm.pk
    assert data["budget"] == "1250.00"
    assert data["planned_start"] == "2026-12-01"
    assert data["client_organization"] == world.org.pk


def test_pm_changes_the_project_with_the_current_version(world, api_as):
    response = api_as("pm").patch(
        project_url(world.project),
        {"name": "Core network", "planned_end": "2027-04-30", "version": 1}, format="json",
    )
    assert response.status_code == 200, response.data
    assert (response.data["name"], response.data["version"]) == ("Core network", 2)
    assert response.data["pm"] == world.pm.pk


def test_stale_project_version_is_refused_with_the_current_project(world, api_as):
    Project.objects.filter(pk=world.project.pk).update(version=3, name="Theirs")
    response = api_as("pm").patch(project_url(world.project), {"name": "Mine", "version": 2},
                                  format="json")
    assert response.status_code == 409
    assert response.data["current"]["name"] == "Theirs"
    assert response.data["current"]["pm"] == world.pm.pk
    assert Project.objects.get(pk=world.project.pk).name == "Theirs"


@pytest.mark.parametrize(("change", "field"), [
    ({"planned_end": "2026-01-01"}, "planned_end"),
    ({"budget": "-1"}, "budget"),
    ({"status": "finished"}, "status"),
    ({"name": ""}, "name"),
    ({"calendar": 999999}, "calendar"),
])
def test_project_update_rejects_bad_input_and_saves_nothing(world, api_as, change, field):
    response = api_as("pm").patch(project_url(world.project), change, format="json")
    assert response.status_code == 400
    assert field in response.data
    fresh = Project.objects.get(pk=world.project.pk)
    assert (fresh.version, fresh.name, fresh.planned_end) == (
        1, world.project.name, world.project.planned_end
    )


def test_project_read_only_fields_are_ignored(world, api_as):
    response = api_as("pm").patch(
        project_url(world.project), {"code": "HACK", "percent_complete": "99"}, format="json"
    )
    assert response.status_code == 200
    assert (response.data["code"], response.data["percent_complete"]) == (
        world.project.code, "0.00"
    )


def test_project_list_filters(world, api_as):
    other_pm = UserFactory()
    other = ProjectFactory(status=Project.Status.EXECUTING,
                           client_organization=world.other_org)
    MembershipFactory(project=other, user=other_pm, role=Membership.Role.PM)
    api = api_as("management")

    def ids(**params):
        return {p["id"] for p in api.get("/api/v1/projects/", params).data["results"]}

    assert ids() == {world.project.pk, other.pk}
    assert ids(status="executing") == {other.pk}
    assert ids(pm=world.pm.pk) == {world.project.pk}
    assert ids(client_organization=world.other_org.pk) == {other.pk}
    assert ids(search=other.code) == {other.pk}


def test_member_lists_only_projects_of_their_teams(world, api_as):
    ProjectFactory()
    assert [p["id"] for p in api_as("qa").get("/api/v1/projects/").data["results"]] == [
        world.project.pk
    ]
    assert api_as("outsider").get("/api/v1/projects/").data["count"] == 0


@pytest.mark.parametrize("role", ["admin", "pm"])
def test_project_list_is_constant_in_queries(world, role):
    def make(n):
        for _ in range(n):
            project = ProjectFactory(client_organization=world.org)
            MembershipFactory(project=project, user=UserFactory(), role=Membership.Role.PM)
            MembershipFactory(project=project, user=world.pm, role=Membership.Role.MEMBER)

    make(3)
    small, data = queries(world.users[role], "/api/v1/projects/")
    assert data["count"] == 4
    make(6)
    large, data = queries(world.users[role], "/api/v1/projects/")
    assert data["count"] == 10
    assert large == small


# --- Clients --------------------------------------------------------------------------------

CLIENT_FIELDS = {"id", "code", "name", "status", "pm", "client_organization", "planned_start",
                 "planned_end", "percent_complete"}


def test_client_sees_only_its_own_project_through_client_safe_fields(world, api_as):
    world.project.budget = "500000.00"
    world.project.internal_notes = "Margin is thin."
    world.project.save()
    ProjectFactory(client_organization=world.org)  # their organisation, but not their project
    api = api_as("client")
    listed = api.get("/api/v1/projects/").data
    assert [p["id"] for p in listed["results"]] == [world.project.pk]
    detail = api.get(project_url(world.project)).data
    for data in (listed["results"][0], detail):
        assert set(data) == CLIENT_FIELDS
        assert "budget" not in data
        assert "internal_notes" not in data
    assert detail["pm"] == world.pm.pk


def test_other_client_sees_nothing(world, api_as):
    api = api_as("other_client")
    assert api.get("/api/v1/projects/").data["count"] == 0
    assert api.get(project_url(world.project)).status_code == 404
    assert api.get(members_url(world.project)).status_code == 404


def test_client_may_not_change_its_project(world, api_as):
    response = api_as("client").patch(project_url(world.project), {"name": "Ours"},
                                      format="json")
    assert response.status_code == 404
    assert Project.objects.get(pk=world.project.pk).name == world.project.name


def test_client_of_the_organisation_but_not_on_the_team_sees_nothing(world, api_as):
    colleague = ClientUserFactory(organization=world.org)
    api = api_as("anonymous")
    api.force_authenticate(colleague)
    assert api.get("/api/v1/projects/").data["count"] == 0
    assert api.get(project_url(world.project)).status_code == 404


# --- Team -----------------------------------------------------------------------------------

def test_pm_adds_a_member_who_is_notified(world, api_as, django_capture_on_commit_callbacks):
    newcomer = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("pm").post(
            members_url(world.project),
            {"user": newcomer.pk, "role": "member", "team": "technical", "duties": "Cabling"},
            format="json",
        )
    assert response.status_code == 201, response.data
    assert response.data["project"] == world.project.pk
    assert (response.data["user"], response.data["team"]) == (newcomer.pk, "technical")
    assert Notification.objects.filter(recipient=newcomer, project=world.project).exists()


def test_pm_adds_a_client_user_of_the_project_client(world, api_as):
    colleague = ClientUserFactory(organization=world.org)
    response = api_as("pm").post(members_url(world.project),
                                 {"user": colleague.pk, "role": "client"}, format="json")
    assert response.status_code == 201, response.data


@pytest.mark.parametrize(("make_body", "field"), [
    (lambda w: {"user": w.other_client.pk, "role": "client"}, "user"),
    (lambda w: {"user": ClientUserFactory(organization=w.org).pk, "role": "member"}, "role"),
    (lambda w: {"user": UserFactory().pk, "role": "client"}, "role"),
    (lambda w: {"user": w.qa.pk, "role": "member"}, "user"),
    (lambda w: {"user": UserFactory().pk, "role": "pm"}, "role"),
    (lambda w: {"user": UserFactory(is_active=False).pk, "role": "member"}, "user"),
    (lambda w: {"user": 999999, "role": "member"}, "user"),
    (lambda w: {"user": UserFactory().pk, "role": "boss"}, "role"),
    (lambda w: {"user": UserFactory().pk, "team": "kitchen"}, "team"),
    (lambda w: {"role": "member"}, "user"),
])
def test_add_member_rejects_bad_input_and_saves_nothing(world, api_as, make_body, field):
    body = make_body(world)
    before = Membership.objects.count()
    response = api_as("pm").post(members_url(world.project), body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert Membership.objects.count() == before


def test_client_member_needs_a_project_with_a_client(world, api_as):
    project = ProjectFactory(client_organization=None)
    MembershipFactory(project=project, user=world.pm, role=Membership.Role.PM)
    response = api_as("pm").post(members_url(project),
                                 {"user": world.client.pk, "role": "client"}, format="json")
    assert response.status_code == 400
    assert "user" in response.data


def test_pm_changes_a_membership(world, api_as):
    membership = Membership.objects.get(project=world.project, user=world.qa)
    response = api_as("pm").patch(members_url(world.project, membership),
                                  {"role": "observer", "duties": "Reads", "version": 1,
                                   "user": world.pm.pk}, format="json")
    assert response.status_code == 200, response.data
    assert (response.data["role"], response.data["user"], response.data["version"]) == (
        "observer", world.qa.pk, 2
    )


@pytest.mark.parametrize(("body", "field"), [
    ({"role": "pm"}, "role"),
    ({"role": "client"}, "role"),
    ({"team": "kitchen"}, "team"),
])
def test_membership_update_rejects_bad_input(world, api_as, body, field):
    membership = Membership.objects.get(project=world.project, user=world.qa)
    response = api_as("pm").patch(members_url(world.project, membership), body, format="json")
    assert response.status_code == 400
    assert field in response.data
    membership.refresh_from_db()
    assert (membership.role, membership.version) == ("qa", 1)


def test_stale_membership_version_is_refused(world, api_as):
    membership = Membership.objects.get(project=world.project, user=world.qa)
    response = api_as("pm").patch(members_url(world.project, membership),
                                  {"duties": "x", "version": 7}, format="json")
    assert response.status_code == 409
    assert response.data["current"]["version"] == 1
    assert response.data["current"]["user"] == world.qa.pk


def test_removing_the_pm_is_a_conflict(world, api_as):
    membership = Membership.objects.get(project=world.project, role=Membership.Role.PM)
    response = api_as("pm").delete(members_url(world.project, membership))
    assert response.status_code == 409
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_pm_removes_a_member(world, api_as):
    membership = Membership.objects.get(project=world.project, user=world.observer)
    assert api_as("pm").delete(members_url(world.project, membership)).status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_membership_of_another_project_is_not_found(world, api_as):
    other = MembershipFactory()
    response = api_as("admin").get(members_url(world.project, other))
    assert response.status_code == 404


def test_member_list_is_constant_in_queries(world):
    MembershipFactory.create_batch(3, project=world.project)
    small, data = queries(world.member, members_url(world.project))
    assert data["count"] == 10
    MembershipFactory.create_batch(8, project=world.project)
    large, data = queries(world.member, members_url(world.project))
    assert data["count"] == 18
    assert large == small


# --- Meetings -------------------------------------------------------------------------------

@pytest.fixture
def meeting_body(world):
    return {
        "kind": "kickoff", "title": "Kick-off", "held_at": "2026-12-01T09:00:00+08:00",
        "location": "Room 3", "minutes": "Scope walked through.", "decisions": "Go.",
        "attendees": [world.pm.pk, world.member.pk, world.client.pk],
        "action_items": [
            {"description": "Order switches", "owner": world.member.pk,
             "due_date": "2026-12-05"},
            {"description": "Site survey", "owner": world.assistant.pk,
             "due_date": "2026-12-03", "is_done": True},
        ],
    }


def test_assistant_records_a_meeting_and_owners_are_notified(
    world, api_as, meeting_body, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("assistant").post(meetings_url(world.project), meeting_body,
                                            format="json")
    assert response.status_code == 201, response.data
    data = response.data
    assert data["recorded_by"] == world.assistant.pk
    assert sorted(data["attendees"]) == sorted(meeting_body["attendees"])
    assert [(a["description"], a["is_done"]) for a in data["action_items"]] == [
        ("Site survey", True), ("Order switches", False)
    ]
    assert datetime.datetime.fromisoformat(data["held_at"]) == datetime.datetime(
        2026, 12, 1, 1, 0, tzinfo=datetime.UTC
    )
    assert Notification.objects.filter(recipient=world.member,
                                       kind=Notification.Kind.MEETING).exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"),
    ({"held_at": "yesterday"}, "held_at"),
    ({"kind": "party"}, "kind"),
    ({"attendees": [999999]}, "attendees"),
    ({"action_items": [{"description": "x", "owner": "OUTSIDER", "due_date": "2026-12-05"}]},
     "action_items"),
    ({"action_items": [{"description": "x", "owner": "CLIENT", "due_date": "2026-12-05"}]},
     "action_items"),
    ({"action_items": [{"description": "x", "owner": "MEMBER"}]}, "action_items"),
    ({"action_items": [{"description": "", "owner": "MEMBER", "due_date": "2026-12-05"}]},
     "action_items"),
])
def test_meeting_create_rejects_bad_input_and_saves_nothing(
    world, api_as, meeting_body, change, field
):
    owners = {"OUTSIDER": world.outsider.pk, "CLIENT": world.client.pk, "MEMBER": world.member.pk}
    for item in change.get("action_items", []):
        item["owner"] = owners[item["owner"]]
    response = api_as("pm").post(meetings_url(world.project), {**meeting_body, **change},
                                 format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not Meeting.objects.exists()
    assert not ActionItem.objects.exists()


@pytest.fixture
def meeting(world):
    meeting = MeetingFactory(project=world.project, recorded_by=world.pm)
    meeting.attendees.set([world.pm])
    ActionItem.objects.create(meeting=meeting, description="Old", owner=world.member,
                              due_date="2026-12-10")
    return meeting


def test_meeting_update_replaces_attendees_and_action_items(world, api_as, meeting):
    response = api_as("pm").patch(meetings_url(world.project, meeting), {
        "attendees": [world.qa.pk],
        "action_items": [{"description": "New", "owner": world.qa.pk, "due_date": "2026-12-11"}],
        "version": 1,
    }, format="json")
    assert response.status_code == 200, response.data
    assert response.data["attendees"] == [world.qa.pk]
    assert [a["description"] for a in response.data["action_items"]] == ["New"]
    assert response.data["version"] == 2


def test_meeting_update_leaves_what_is_not_sent(world, api_as, meeting):
    response = api_as("pm").patch(meetings_url(world.project, meeting), {"minutes": "Done."},
                                  format="json")
    assert response.status_code == 200
    assert response.data["attendees"] == [world.pm.pk]
    assert [a["description"] for a in response.data["action_items"]] == ["Old"]


@pytest.mark.parametrize(("body", "status"), [
    ({"title": "", "action_items": []}, 400),
    ({"action_items": [{"description": "x", "owner": 999999, "due_date": "2026-12-01"}]}, 400),
    ({"title": "Mine", "action_items": [], "version": 5}, 409),
])
def test_meeting_update_that_fails_changes_nothing(world, api_as, meeting, body, status):
    response = api_as("pm").patch(meetings_url(world.project, meeting), body, format="json")
    assert response.status_code == status
    meeting.refresh_from_db()
    assert (meeting.title, meeting.version) == ("Weekly meeting", 1)
    assert list(meeting.action_items.values_list("description", flat=True)) == ["Old"]
    if status == 409:
        assert response.data["current"]["action_items"][0]["description"] == "Old"


def test_meeting_of_another_project_is_not_found(world, api_as):
    other = MeetingFactory()
    assert api_as("admin").get(meetings_url(world.project, other)).status_code == 404
    assert api_as("admin").delete(meetings_url(world.project, other)).status_code == 404
    assert Meeting.objects.filter(pk=other.pk).exists()


def test_meeting_list_is_constant_in_queries(world):
    def make(n):
        for _ in range(n):
            meeting = MeetingFactory(project=world.project, recorded_by=world.pm)
            meeting.attendees.set([world.pm, world.member])
            ActionItem.objects.create(meeting=meeting, description="Do", owner=world.member,
                                      due_date="2026-12-10")

    make(3)
    small, _data = queries(world.member, meetings_url(world.project))
    make(6)
    large, data = queries(world.member, meetings_url(world.project))
    assert data["count"] == 9
    assert large == small


def test_unknown_project_is_not_found(world, api_as):
    assert api_as("admin").get("/api/v1/projects/999999/members/").status_code == 404
    assert api_as("admin").get("/api/v1/projects/999999/").status_code == 404
