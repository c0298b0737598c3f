"""Change requests API (API.md "Client rights", P4.3b): routes, roles, input, states, versions.

The change request under test belongs to `world.project` and was asked for by `client`.
anonymous → 401, cannot see it → 404, sees it but may not act → 403, allowed → 2xx.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from notifications.models import Notification
from projects.models import ChangeRequest, ChangeRequestTransition, Membership
from tasks.models import Baseline
from tasks.services import take_baseline
from tests.accounts.factories import ClientUserFactory
from tests.conftest import ROLES
from tests.projects.factories import ChangeRequestFactory, MembershipFactory, ProjectFactory
from tests.tasks.factories import TaskFactory

Status = ChangeRequest.Status
LIST = "/api/v1/change-requests/"
BODY = {"title": "Second uplink", "description": "Add a redundant uplink.",
        "reason": "The single uplink failed twice."}
ASSESSMENT = {"schedule_impact_days": 5, "cost_impact": "1250.00",
              "quality_impact": "Higher availability."}


def url(change_request, action=""):
    return f"{LIST}{change_request.pk}/" + (f"{action}/" if action else "")


def change_in(status):
    def make(w):
        return ChangeRequestFactory(project=w.project, requested_by=w.client, status=status)
    return make


@pytest.fixture
def submitted(world):
    return change_in(Status.SUBMITTED)(world)


@pytest.fixture
def assessed(world):
    return ChangeRequestFactory(
        project=world.project, requested_by=world.client, status=Status.ASSESSED,
        schedule_impact_days=5, cost_impact=Decimal("1250.00"), quality_impact="Better.",
        assessed_by=world.pm,
    )


@pytest.fixture
def approved(world):
    return change_in(Status.APPROVED)(world)


# --- Role × action --------------------------------------------------------------------------

@dataclass
class Route:
    method: str
    path: str  # as in the OpenAPI schema
    setup: Callable | None = None  # world -> the change request the route acts on
    body: Callable = field(default=lambda w: None)

    def url(self, obj):
        return self.path.format(id=obj.pk if obj is not None else 0)


ROUTES = {
    "list": Route("get", LIST),
    "create": Route("post", LIST, body=lambda w: {**BODY, "project": w.project.pk}),
    "retrieve": Route("get", LIST + "{id}/", change_in(Status.SUBMITTED)),
    "update": Route("patch", LIST + "{id}/", change_in(Status.SUBMITTED),
                    lambda w: {"internal_notes": "Client is flexible on dates."}),
    "assess": Route("post", LIST + "{id}/assess/", change_in(Status.SUBMITTED),
                    lambda w: ASSESSMENT),
    "approve": Route("post", LIST + "{id}/approve/", change_in(Status.ASSESSED),
                     lambda w: {"comment": "Go ahead."}),
    "reject": Route("post", LIST + "{id}/reject/", change_in(Status.ASSESSED),
                    lambda w: {"comment": "Not in this phase."}),
    "implement": Route("post", LIST + "{id}/implement/", change_in(Status.APPROVED),
                       lambda w: {"comment": "Plan updated."}),
}

# Columns follow tests.conftest.ROLES:
#   anonymous admin management supervisor outsider pm assistant member qa finance observer
#   client other_client
SEES = (401, 200, 200, 200, 404, 200, 200, 200, 200, 200, 200, 200, 404)
PM_ACTS = (401, 200, 403, 403, 404, 200, 403, 403, 403, 403, 403, 403, 404)
TABLE = {
    "list": (401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    # A project the caller cannot see is an invalid `project` (400), never a revealing 403/404.
    "create": (401, 201, 403, 403, 400, 201, 403, 403, 403, 403, 403, 201, 400),
    "retrieve": SEES,
    # Internal notes are an internal action: clients are answered as if nothing were there.
    "update": (401, 200, 403, 403, 404, 200, 403, 403, 403, 403, 403, 404, 404),
    "assess": PM_ACTS,
    "approve": (401, 200, 200, 403, 404, 200, 403, 403, 403, 403, 403, 403, 404),
    "reject": (401, 200, 200, 403, 404, 200, 403, 403, 403, 403, 403, 403, 404),
    "implement": PM_ACTS,
}
EXPECTED = {
    (action, role): code
    for action, row in TABLE.items()
    for role, code in zip(ROLES, row, strict=True)
}


@pytest.mark.parametrize(("action", "role"), list(EXPECTED))
def test_role_may_or_may_not_do_action(action, role, world, api_as,
                                       django_capture_on_commit_callbacks):
    route = ROUTES[action]
    obj = route.setup(world) if route.setup else None
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(api_as(role), route.method)(
            route.url(obj), route.body(world), format="json"
        )
    assert response.status_code == EXPECTED[action, role], response.content
    if obj is not None and response.status_code >= 400:
        assert ChangeRequest.objects.get(pk=obj.pk).version == obj.version


def test_table_covers_every_change_request_operation_of_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (method, path)
        for path, item in schema["paths"].items()
        if path != "/api/v1/auth/token/"
        and resolve(re.sub(r"{\w+}", "1", path)).func.cls.__module__ == "projects.api.changes"
        for method in item
    }
    assert operations == {(route.method, route.path) for route in ROUTES.values()}
    assert set(TABLE) == set(ROUTES)


def test_clients_see_only_their_own_organisations_requests(world, api_as):
    mine = change_in(Status.SUBMITTED)(world)
    other_project = ProjectFactory(client_organization=world.other_org)
    MembershipFactory(project=other_project, user=world.other_client, role=Membership.Role.CLIENT)
    theirs = ChangeRequestFactory(project=other_project, requested_by=world.other_client)
    assert [r["id"] for r in api_as("client").get(LIST).data["results"]] == [mine.pk]
    assert [r["id"] for r in api_as("other_client").get(LIST).data["results"]] == [theirs.pk]
    assert api_as("client").get(url(theirs)).status_code == 404
    assert api_as("pm").get(url(theirs)).status_code == 404
    assert {r["id"] for r in api_as("management").get(LIST).data["results"]} == {
        mine.pk, theirs.pk}


def test_a_client_colleague_on_another_project_of_the_organisation_does_not_see_it(
    world, api_as
):
    change = change_in(Status.SUBMITTED)(world)
    colleague = ClientUserFactory(organization=world.org)
    api = api_as("anonymous")
    api.force_authenticate(colleague)
    assert api.get(LIST).data["count"] == 0
    assert api.get(url(change)).status_code == 404


# --- Create ---------------------------------------------------------------------------------

def test_client_asks_for_a_change(world, api_as, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("client").post(LIST, {**BODY, "project": world.project.pk},
                                         format="json")
    assert response.status_code == 201, response.data
    data = response.data
    change = ChangeRequest.objects.get()
    assert data["id"] == change.pk
    assert data["reference"] == f"CR-{change.pk:04d}"
    assert data["status"] == "submitted"
    assert data["project"] == world.project.pk
    assert data["requested_by"] == world.client.pk
    assert {k: data[k] for k in BODY} == BODY
    assert data["version"] == 1
    assert data["attachments"] == []
    assert [(t["from_status"], t["to_status"], t["actor"]) for t in data["transitions"]] == [
        ("", "submitted", world.client.pk)
    ]
    assert Notification.objects.filter(recipient=world.pm, kind="change_request").count() == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"),
    ({"title": None}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"description": ""}, "description"),
    ({"reason": ""}, "reason"),
    ({"project": 999999}, "project"),
    ({"project": "abc"}, "project"),
    ({"project": None}, "project"),
])
def test_create_rejects_bad_input_and_saves_nothing(world, api_as, change, field):
    body = {**BODY, "project": world.project.pk, **change}
    response = api_as("client").post(LIST, body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize("field", ["project", "title", "description", "reason"])
def test_create_names_a_missing_field(world, api_as, field):
    body = {**BODY, "project": world.project.pk}
    del body[field]
    response = api_as("pm").post(LIST, body, format="json")
    assert response.status_code == 400
    assert list(response.data) == [field]
    assert not ChangeRequest.objects.exists()


def test_a_project_the_caller_cannot_see_looks_like_one_that_does_not_exist(world, api_as):
    hidden = api_as("other_client").post(LIST, {**BODY, "project": world.project.pk},
                                         format="json")
    missing = api_as("other_client").post(LIST, {**BODY, "project": 999999}, format="json")
    assert hidden.status_code == missing.status_code == 400
    assert str(hidden.data["project"][0]) == str(missing.data["project"][0]).replace(
        "999999", str(world.project.pk))


def test_no_changes_are_asked_of_a_closed_project(world, api_as):
    world.project.status = "closed"
    world.project.save()
    response = api_as("client").post(LIST, {**BODY, "project": world.project.pk}, format="json")
    assert response.status_code == 409
    assert "detail" in response.data
    assert not ChangeRequest.objects.exists()


def test_create_with_attachments(world, api_as, client_as):
    upload = SimpleUploadedFile("scope.txt", b"New scope: two uplinks.", "text/plain")
    response = api_as("client").post(
        LIST, {**BODY, "project": world.project.pk, "attachments": [upload]}, format="multipart"
    )
    assert response.status_code == 201, response.data
    [attachment] = response.data["attachments"]
    assert (attachment["name"], attachment["size"], attachment["mime_type"]) == (
        "scope.txt", 23, "text/plain")
    assert attachment["url"].endswith(f"/files/{attachment['id']}/")
    download = client_as("client").get(attachment["url"])
    assert download.status_code == 200
    assert client_as("other_client").get(attachment["url"]).status_code == 404


def test_a_bad_attachment_saves_nothing(world, api_as):
    upload = SimpleUploadedFile("virus.exe", b"MZ\x90\x00", "application/octet-stream")
    response = api_as("client").post(
        LIST, {**BODY, "project": world.project.pk, "attachments": [upload]}, format="multipart"
    )
    assert response.status_code == 400
    assert "attachments" in response.data
    assert not ChangeRequest.objects.exists()


# --- Transitions ----------------------------------------------------------------------------

def test_pm_assesses_the_impact(world, api_as, submitted):
    response = api_as("pm").post(url(submitted, "assess"),
                                 {**ASSESSMENT, "comment": "Checked with ops."}, format="json")
    assert response.status_code == 200, response.data
    data = response.data
    assert data["status"] == "assessed"
    assert (data["schedule_impact_days"], data["cost_impact"], data["quality_impact"]) == (
        5, "1250.00", "Higher availability.")
    assert data["assessed_by"] == world.pm.pk
    assert data["assessed_at"]
    assert data["version"] == submitted.version + 1
    assert data["transitions"][-1]["comment"] == "Checked with ops."


@pytest.mark.parametrize(("change", "field"), [
    ({"schedule_impact_days": None}, "schedule_impact_days"),
    ({"schedule_impact_days": "soon"}, "schedule_impact_days"),
    ({"cost_impact": None}, "cost_impact"),
    ({"cost_impact": "lots"}, "cost_impact"),
    ({"cost_impact": "1.234"}, "cost_impact"),
    ({"quality_impact": ""}, "quality_impact"),
    ({"quality_impact": "   "}, "quality_impact"),
])
def test_assess_rejects_bad_input_and_saves_nothing(world, api_as, submitted, change, field):
    response = api_as("pm").post(url(submitted, "assess"), {**ASSESSMENT, **change},
                                 format="json")
    assert response.status_code == 400
    assert field in response.data
    submitted.refresh_from_db()
    assert (submitted.status, submitted.version) == (Status.SUBMITTED, 1)
    assert not ChangeRequestTransition.objects.exists()


@pytest.mark.parametrize("field", ["schedule_impact_days", "cost_impact", "quality_impact"])
def test_assess_names_a_missing_field(world, api_as, submitted, field):
    body = dict(ASSESSMENT)
    del body[field]
    response = api_as("pm").post(url(submitted, "assess"), body, format="json")
    assert response.status_code == 400
    assert list(response.data) == [field]


def test_a_saving_is_a_negative_impact(world, api_as, submitted):
    response = api_as("pm").post(
        url(submitted, "assess"),
        {"schedule_impact_days": -2, "cost_impact": "-300.50", "quality_impact": "None."},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert (response.data["schedule_impact_days"], response.data["cost_impact"]) == (
        -2, "-300.50")


@pytest.mark.parametrize(("role", "action"), [("management", "approve"), ("pm", "reject")])
def test_decision_records_who_and_why(world, api_as, assessed, role, action):
    response = api_as(role).post(url(assessed, action), {"comment": " Within budget. "},
                                 format="json")
    assert response.status_code == 200, response.data
    data = response.data
    assert data["status"] == {"approve": "approved", "reject": "rejected"}[action]
    assert data["decided_by"] == world.users[role].pk
    assert data["decided_at"]
    assert data["decision_reason"] == "Within budget."


@pytest.mark.parametrize("body", [{}, {"comment": ""}, {"comment": "   "}])
def test_reject_needs_a_comment(world, api_as, assessed, body):
    response = api_as("management").post(url(assessed, "reject"), body, format="json")
    assert response.status_code == 400
    assert "comment" in response.data
    assessed.refresh_from_db()
    assert (assessed.status, assessed.version) == (Status.ASSESSED, 1)


def test_implement_takes_a_new_baseline(world, api_as, approved):
    first = TaskFactory(project=world.project, client_visible=True)
    second = TaskFactory(project=world.project)
    earlier = take_baseline(user=world.pm, project=world.project, name="When planning ended")
    response = api_as("pm").post(url(approved, "implement"),
                        {"comment": "Re-planned.", "changed_tasks": [first.pk, second.pk]},
                        format="json")
    assert response.status_code == 200, response.data
    data = response.data
    assert data["status"] == "implemented"
    assert data["implemented_by"] == world.pm.pk
    assert data["implemented_at"]
    assert sorted(data["changed_tasks"]) == sorted([first.pk, second.pk])
    new = Baseline.objects.get(pk=data["baseline"])
    assert new.number == earlier.number + 1
    assert data["previous_baseline"] == earlier.pk
    assert new.tasks.count() == 2
    # The client is shown only the tasks it can see.
    client_view = api_as("client").get(url(approved)).data
    assert client_view["changed_tasks"] == [first.pk]


def test_implement_without_earlier_baseline_or_tasks(world, api_as, approved):
    response = api_as("pm").post(url(approved, "implement"), {}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["previous_baseline"] is None
    assert response.data["baseline"] == Baseline.objects.get(project=world.project).pk
    assert response.data["changed_tasks"] == []


@pytest.mark.parametrize("make_task", [
    lambda w: TaskFactory().pk,  # another project's task
    lambda w: 999999,
    lambda w: "abc",
])
def test_implement_links_only_tasks_of_the_project(world, api_as, approved, make_task):
    response = api_as("pm").post(url(approved, "implement"),
                                 {"changed_tasks": [make_task(world)]}, format="json")
    assert response.status_code == 400
    assert "changed_tasks" in response.data
    approved.refresh_from_db()
    assert (approved.status, approved.version, approved.baseline) == (Status.APPROVED, 1, None)
    assert not Baseline.objects.filter(project=world.project).exists()


@pytest.mark.parametrize(("setup", "role", "action", "body"), [
    (change_in(Status.SUBMITTED), "management", "approve", {}),
    (change_in(Status.SUBMITTED), "pm", "reject", {"comment": "No."}),
    (change_in(Status.SUBMITTED), "pm", "implement", {}),
    (change_in(Status.ASSESSED), "pm", "implement", {}),
    (change_in(Status.APPROVED), "pm", "assess", ASSESSMENT),
    (change_in(Status.APPROVED), "pm", "approve", {}),
    (change_in(Status.REJECTED), "pm", "approve", {}),
    (change_in(Status.REJECTED), "pm", "implement", {}),
    (change_in(Status.IMPLEMENTED), "pm", "assess", ASSESSMENT),
    (change_in(Status.IMPLEMENTED), "pm", "implement", {}),
])
def test_a_step_from_the_wrong_state_is_a_conflict(world, api_as, setup, role, action, body):
    change = setup(world)
    response = api_as(role).post(url(change, action), body, format="json")
    assert response.status_code == 409
    assert "detail" in response.data
    change.refresh_from_db()
    assert change.version == 1
    assert not ChangeRequestTransition.objects.exists()
    assert not Baseline.objects.exists()


def test_a_submitted_request_may_be_assessed_again_until_decided(world, api_as, assessed):
    response = api_as("pm").post(url(assessed, "assess"),
                                 {**ASSESSMENT, "schedule_impact_days": 8}, format="json")
    assert response.status_code == 200
    assert response.data["schedule_impact_days"] == 8


@pytest.mark.parametrize(("action", "body"), [
    ("approve", {"comment": "Yes."}),
    ("reject", {"comment": "No."}),
    ("assess", ASSESSMENT),
])
def test_a_stale_version_is_a_conflict_showing_the_current_request(
    world, api_as, assessed, action, body
):
    assessed.quality_impact = "Changed meanwhile."
    assessed.save()  # version 2
    response = api_as("pm").post(url(assessed, action), {**body, "version": 1}, format="json")
    assert response.status_code == 409
    assert response.data["detail"]
    current = response.data["current"]
    assert (current["id"], current["version"], current["status"]) == (assessed.pk, 2, "assessed")
    assert current["quality_impact"] == "Changed meanwhile."
    assert "internal_notes" in current
    assessed.refresh_from_db()
    assert (assessed.status, assessed.version) == (Status.ASSESSED, 2)


def test_the_current_version_is_accepted(world, api_as, assessed):
    response = api_as("pm").post(url(assessed, "approve"), {"version": 1}, format="json")
    assert response.status_code == 200
    assert response.data["version"] == 2


def test_bad_version_is_invalid_input(world, api_as, assessed):
    response = api_as("pm").post(url(assessed, "approve"), {"version": "new"}, format="json")
    assert response.status_code == 400
    assert "version" in response.data


# --- Internal notes -------------------------------------------------------------------------

def test_pm_keeps_internal_notes(world, api_as, submitted):
    response = api_as("pm").patch(url(submitted), {"internal_notes": "Client is flexible.",
                                                   "version": 1}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["internal_notes"] == "Client is flexible."
    assert response.data["version"] == 2
    assert response.data["status"] == "submitted"


def test_patch_changes_only_internal_notes(world, api_as, submitted):
    response = api_as("pm").patch(url(submitted), {"internal_notes": "n", "title": "Hacked",
                                                   "status": "approved"}, format="json")
    assert response.status_code == 200
    submitted.refresh_from_db()
    assert (submitted.title, submitted.status) != ("Hacked", Status.APPROVED)
    assert submitted.title.startswith("Add a second uplink")
    assert submitted.status == Status.SUBMITTED


def test_patch_needs_internal_notes(world, api_as, submitted):
    response = api_as("pm").patch(url(submitted), {"title": "Hacked"}, format="json")
    assert response.status_code == 400
    assert "internal_notes" in response.data


def test_a_stale_notes_edit_is_a_conflict(world, api_as, submitted):
    submitted.save()
    response = api_as("pm").patch(url(submitted), {"internal_notes": "x", "version": 1},
                                  format="json")
    assert response.status_code == 409
    assert response.data["current"]["version"] == 2
    submitted.refresh_from_db()
    assert submitted.internal_notes == ""


# --- What clients are shown -----------------------------------------------------------------

INTERNAL_ROLES = ["admin", "management", "supervisor", "pm", "assistant", "member", "qa",
                  "finance", "observer"]


@pytest.mark.parametrize("role", INTERNAL_ROLES + ["client"])
def test_only_internal_users_get_internal_notes(world, api_as, role):
    change = ChangeRequestFactory(project=world.project, requested_by=world.client,
                                  internal_notes="Secret margin talk.")
    api = api_as(role)
    detail = api.get(url(change)).data
    [row] = api.get(LIST).data["results"]
    for data in (detail, row):
        assert ("internal_notes" in data) is (role != "client")
        assert "Secret margin talk." not in str(data) or role != "client"
    # The client is shown the assessed cost: it is agreed with the client.
    assert "cost_impact" in detail


@pytest.mark.parametrize(("role", "action", "body", "setup"), [
    ("client", "create", {**BODY}, None),
    ("pm", "create", {**BODY}, None),
    ("pm", "assess", ASSESSMENT, change_in(Status.SUBMITTED)),
    ("pm", "implement", {}, change_in(Status.APPROVED)),
])
def test_every_answer_keeps_the_notes_from_clients(world, api_as, role, action, body, setup):
    if setup is None:
        response = api_as(role).post(LIST, {**body, "project": world.project.pk}, format="json")
    else:
        response = api_as(role).post(url(setup(world), action), body, format="json")
    assert response.status_code in (200, 201), response.data
    assert ("internal_notes" in response.data) is (role != "client")


def test_output_fields(world, api_as, submitted):
    expected = {
        "id", "reference", "project", "title", "description", "reason", "status",
        "requested_by", "schedule_impact_days", "cost_impact", "quality_impact", "assessed_by",
        "assessed_at", "decided_by", "decided_at", "decision_reason", "implemented_by",
        "implemented_at", "changed_tasks", "previous_baseline", "baseline", "transitions",
        "attachments", "created_at", "version",
    }
    assert set(api_as("client").get(url(submitted)).data) == expected
    assert set(api_as("pm").get(url(submitted)).data) == expected | {"internal_notes"}


# --- Lists ----------------------------------------------------------------------------------

def test_list_filters_searches_and_orders(world, api_as):
    other = ProjectFactory(client_organization=world.org)
    MembershipFactory(project=other, user=world.pm, role=Membership.Role.PM)
    a = ChangeRequestFactory(project=world.project, requested_by=world.pm, title="Add VLANs")
    b = ChangeRequestFactory(project=world.project, requested_by=world.pm, title="Move rack",
                             status=Status.ASSESSED)
    c = ChangeRequestFactory(project=other, requested_by=world.pm, title="Add Wi-Fi",
                             status=Status.APPROVED)
    api = api_as("pm")

    def ids(query):
        response = api.get(LIST + query)
        assert response.status_code == 200, response.data
        return [row["id"] for row in response.data["results"]]

    assert ids("") == [c.pk, b.pk, a.pk]
    assert ids(f"?project={world.project.pk}") == [b.pk, a.pk]
    assert ids("?status=assessed&status=approved") == [c.pk, b.pk]
    assert ids("?search=add") == [c.pk, a.pk]
    assert ids("?ordering=title") == [a.pk, c.pk, b.pk]
    assert ids("?ordering=-id&page_size=1") == [c.pk]
    assert api.get(LIST + "?status=lost").status_code == 400


def test_filtering_on_a_project_the_caller_cannot_see_finds_nothing(world, api_as):
    ChangeRequestFactory(project=world.project, requested_by=world.client)
    assert api_as("other_client").get(LIST + f"?project={world.project.pk}").data["count"] == 0


@pytest.mark.parametrize("role", ["client", "pm"])
def test_list_queries_do_not_grow_with_rows(world, api_as, role):
    upload_owner = world.client

    def add(n):
        for _ in range(n):
            change = ChangeRequestFactory(project=world.project, requested_by=upload_owner)
            change.transitions.create(from_status="", to_status="submitted", actor=upload_owner)
            change.changed_tasks.add(TaskFactory(project=world.project, client_visible=True))
            _attach(change, world)

    api = api_as(role)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = api.get(LIST)
        assert response.status_code == 200
        return len(queries), response.data["count"]

    add(1)
    one, rows = count()
    assert rows == 1
    add(9)
    ten, rows = count()
    assert rows == 10
    assert ten == one <= 6


def _attach(owner, world):
    from projects.attachments import attach

    attach(user=world.client, owner=owner, project=owner.project,
           uploads=[SimpleUploadedFile("note.txt", b"hello", "text/plain")])


def test_list_shows_attachments_of_each_row(world, api_as):
    first = ChangeRequestFactory(project=world.project, requested_by=world.client)
    second = ChangeRequestFactory(project=world.project, requested_by=world.client)
    _attach(first, world)
    rows = {row["id"]: row for row in api_as("client").get(LIST).data["results"]}
    assert [a["name"] for a in rows[first.pk]["attachments"]] == ["note.txt"]
    assert rows[second.pk]["attachments"] == []
