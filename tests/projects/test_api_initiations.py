"""Initiation API (P3.1a): drafting, editing with versions, submit and the decisions."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from projects.models import InitiationRequest, InitiationTransition, Membership, Project
from tests.accounts.factories import UserFactory
from tests.projects.factories import InitiationRequestFactory

Status = InitiationRequest.Status


@pytest.fixture
def body(world):
    return {
        "title": "Campus Wi-Fi", "background": "Coverage gaps.", "goals": "Full coverage.",
        "scope": "Buildings A–C.", "expected_benefits": "Happier users.",
        "proposed_pm": world.pm.pk, "planned_start": "2027-01-04",
        "planned_end": "2027-03-31", "budget": "1250.00", "client_organization": world.org.pk,
    }


@pytest.fixture
def draft(world):
    return InitiationRequestFactory(requester=world.member, proposed_pm=world.pm)


@pytest.fixture
def submitted(world):
    return InitiationRequestFactory(
        requester=world.member, proposed_pm=world.pm, status=Status.SUBMITTED,
        planned_start="2027-01-04", planned_end="2027-03-31", client_organization=world.org,
        budget="1250.00",
    )


def url(initiation, action=""):
    return f"/api/v1/initiations/{initiation.pk}/" + (f"{action}/" if action else "")


# --- Create and edit ------------------------------------------------------------------------

def test_create_gives_a_draft_by_the_caller(world, api_as, body):
    response = api_as("member").post("/api/v1/initiations/", body, format="json")
    assert response.status_code == 201, response.data
    data = response.data
    assert data["status"] == "draft"
    assert data["requester"] == world.member.pk
    assert data["project"] is None
    assert data["version"] == 1
    assert data["budget"] == "1250.00"
    assert {k: data[k] for k in body} == body
    assert [(t["from"], t["to"], t["actor"]) for t in data["transitions"]] == [
        ("draft", "draft", world.member.pk)
    ]


@pytest.mark.parametrize(("change", "field"), [
    ({"planned_end": "2026-12-31"}, "planned_end"),
    ({"title": ""}, "title"),
    ({"title": None}, "title"),
    ({"budget": "-1.00"}, "budget"),
    ({"budget": "lots"}, "budget"),
    ({"proposed_pm": 999999}, "proposed_pm"),
    ({"proposed_pm": "CLIENT"}, "proposed_pm"),
    ({"planned_start": "04/01/2027"}, "planned_start"),
    ({"calendar": 999999}, "calendar"),
    ({"client_organization": 999999}, "client_organization"),
])
def test_create_rejects_bad_input_and_saves_nothing(world, api_as, body, change, field):
    data = {**body, **change}
    if data["proposed_pm"] == "CLIENT":
        data["proposed_pm"] = world.client.pk
    response = api_as("member").post("/api/v1/initiations/", data, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not InitiationRequest.objects.exists()
    assert not InitiationTransition.objects.exists()


def test_requester_edits_a_draft_and_the_version_moves_on(world, api_as, draft):
    response = api_as("member").patch(
        url(draft), {"title": "Campus Wi-Fi v2", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.data
    assert response.data["title"] == "Campus Wi-Fi v2"
    assert response.data["version"] == 2


def test_stale_version_is_refused_with_the_current_request(world, api_as, draft):
    draft.title = "Changed by someone else"
    draft.save()
    response = api_as("member").patch(url(draft), {"title": "Mine", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.data["detail"]
    assert response.data["current"]["version"] == 2
    assert response.data["current"]["title"] == "Changed by someone else"
    draft.refresh_from_db()
    assert draft.title == "Changed by someone else"


def test_non_integer_version_is_bad_input(world, api_as, draft):
    response = api_as("member").patch(url(draft), {"title": "x", "version": "v1"}, format="json")
    assert response.status_code == 400
    assert "version" in response.data


@pytest.mark.parametrize(("change", "field"), [
    ({"planned_end": "2026-01-01"}, "planned_end"),
    ({"goals": ""}, "goals"),
    ({"budget": "-5"}, "budget"),
])
def test_edit_rejects_bad_input_and_saves_nothing(world, api_as, draft, change, field):
    response = api_as("member").patch(url(draft), change, format="json")
    assert response.status_code == 400
    assert field in response.data
    fresh = InitiationRequest.objects.get(pk=draft.pk)
    assert (fresh.version, fresh.goals, fresh.budget) == (1, draft.goals, None)


def test_a_submitted_request_cannot_be_edited(world, api_as, submitted):
    response = api_as("member").patch(url(submitted), {"title": "Late change"}, format="json")
    assert response.status_code == 409
    assert InitiationRequest.objects.get(pk=submitted.pk).title == submitted.title


# --- Submit and decide ----------------------------------------------------------------------

def test_submit_notifies_management(world, api_as, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("member").post(url(draft, "submit"), format="json")
    assert response.status_code == 200
    assert response.data["status"] == "submitted"
    assert Notification.objects.filter(
        recipient=world.management, kind=Notification.Kind.INITIATION
    ).exists()


@pytest.mark.parametrize(("action", "state", "role"), [
    ("submit", Status.SUBMITTED, "member"),
    ("submit", Status.APPROVED, "member"),
    ("approve", Status.DRAFT, "management"),
    ("approve", Status.APPROVED, "management"),
    ("reject", Status.RETURNED, "management"),
    ("return", Status.REJECTED, "management"),
])
def test_transition_from_the_wrong_state_is_a_conflict(world, api_as, action, state, role):
    initiation = InitiationRequestFactory(requester=world.member, proposed_pm=world.pm,
                                          status=state)
    response = api_as(role).post(url(initiation, action), {"comment": "Why"}, format="json")
    assert response.status_code == 409
    assert response.data["detail"]
    initiation.refresh_from_db()
    assert initiation.status == state
    assert not InitiationTransition.objects.filter(request=initiation).exists()
    assert not Project.objects.filter(initiation=initiation).exists()


def test_full_story_draft_submit_approve_creates_the_project(
    world, api_as, body, django_capture_on_commit_callbacks
):
    requester = api_as("member")
    with django_capture_on_commit_callbacks(execute=True):
        created = requester.post("/api/v1/initiations/", body, format="json").data
        requester.post(url_of(created, "submit"), format="json")
        response = api_as("management").post(
            url_of(created, "approve"), {"comment": "Go ahead", "version": 2}, format="json"
        )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "approved"
    project = Project.objects.get(pk=response.data["project"])
    assert project.code == "PRJ-2027-001"
    assert project.status == Project.Status.PLANNING
    assert (project.name, project.client_organization, str(project.budget)) == (
        "Campus Wi-Fi", world.org, "1250.00"
    )
    assert Membership.objects.get(project=project, role=Membership.Role.PM).user == world.pm
    assert [(t["from"], t["to"], t["actor"], t["comment"])
            for t in response.data["transitions"]] == [
        ("draft", "draft", world.member.pk, ""),
        ("draft", "submitted", world.member.pk, ""),
        ("submitted", "approved", world.management.pk, "Go ahead"),
    ]
    assert Notification.objects.filter(
        recipient=world.member, kind=Notification.Kind.INITIATION
    ).exists()
    assert Notification.objects.filter(
        recipient=world.pm, kind=Notification.Kind.MEMBERSHIP, project=project
    ).exists()
    shown = api_as("pm").get(f"/api/v1/projects/{project.pk}/").data
    assert shown["pm"] == world.pm.pk
    assert shown["code"] == "PRJ-2027-001"


def url_of(data, action):
    return f"/api/v1/initiations/{data['id']}/{action}/"


def test_project_codes_count_up_within_the_year(world, api_as, submitted):
    Project.objects.create(code="PRJ-2027-007", name="Earlier", planned_start="2027-01-01",
                           planned_end="2027-02-01")
    response = api_as("management").post(url(submitted, "approve"), format="json")
    assert Project.objects.get(pk=response.data["project"]).code == "PRJ-2027-008"


@pytest.mark.parametrize("action", ["reject", "return"])
@pytest.mark.parametrize("comment", [None, "", "   "])
def test_reject_and_return_need_a_comment(world, api_as, submitted, action, comment):
    data = {} if comment is None else {"comment": comment}
    response = api_as("management").post(url(submitted, action), data, format="json")
    assert response.status_code == 400
    assert "comment" in response.data
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert not InitiationTransition.objects.filter(request=submitted).exists()


@pytest.mark.parametrize(("action", "status"), [("reject", "rejected"), ("return", "returned")])
def test_decision_is_recorded_and_the_requester_told(
    world, api_as, submitted, action, status, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("management").post(
            url(submitted, action), {"comment": "Too vague"}, format="json"
        )
    assert response.status_code == 200
    assert response.data["status"] == status
    assert response.data["project"] is None
    assert response.data["transitions"][-1]["comment"] == "Too vague"
    assert Notification.objects.filter(recipient=world.member).count() == 1
    assert not Project.objects.filter(initiation=submitted).exists()


def test_a_returned_request_is_edited_and_submitted_again(world, api_as, submitted):
    api_as("management").post(url(submitted, "return"), {"comment": "Add a budget"},
                              format="json")
    requester = api_as("member")
    assert requester.patch(url(submitted), {"budget": "9000.00"}, format="json").status_code == 200
    response = requester.post(url(submitted, "submit"), format="json")
    assert response.status_code == 200
    assert response.data["status"] == "submitted"


def test_approve_with_a_stale_version_creates_nothing(world, api_as, submitted):
    response = api_as("management").post(url(submitted, "approve"), {"version": 99},
                                          format="json")
    assert response.status_code == 409
    assert response.data["current"]["status"] == "submitted"
    assert not Project.objects.filter(initiation=submitted).exists()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


# --- Lists ----------------------------------------------------------------------------------

def test_list_shows_only_what_the_caller_may_see(world, api_as, draft):
    InitiationRequestFactory()  # someone else's
    assert api_as("member").get("/api/v1/initiations/").data["count"] == 1
    assert api_as("management").get("/api/v1/initiations/").data["count"] == 2
    assert api_as("outsider").get("/api/v1/initiations/").data["count"] == 0


def test_list_filters_and_searches(world, api_as, draft, submitted):
    InitiationRequestFactory(title="Data centre cooling", requester=world.member,
                             proposed_pm=world.pm)
    api = api_as("management")
    assert api.get("/api/v1/initiations/", {"status": "submitted"}).data["count"] == 1
    found = api.get("/api/v1/initiations/", {"search": "cooling"}).data["results"]
    assert [r["title"] for r in found] == ["Data centre cooling"]
    ordered = api.get("/api/v1/initiations/", {"ordering": "title"}).data["results"]
    assert [r["title"] for r in ordered] == sorted(r["title"] for r in ordered)


def test_list_is_constant_in_queries(world, api_as):
    api = api_as("management")

    def make(n):
        for _ in range(n):
            initiation = InitiationRequestFactory(requester=UserFactory(),
                                                  proposed_pm=UserFactory(),
                                                  client_organization=world.org)
            InitiationTransition.objects.create(request=initiation, from_status="draft",
                                                to_status="submitted",
                                                actor=initiation.requester)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/initiations/", {"page_size": 500}).status_code == 200
        return len(ctx)

    make(3)
    Project.objects.create(code="PRJ-2027-050", name="From one",
                           initiation=InitiationRequest.objects.first(),
                           planned_start="2027-01-01", planned_end="2027-02-01")
    small = count()
    make(6)
    assert count() == small

