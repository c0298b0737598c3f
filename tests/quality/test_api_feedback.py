"""Client feedback API (API.md "Client rights", P4.3c): routes, roles, input, states, versions.

The feedback under test belongs to `world.project` and was sent by `client`; when assigned, it
is assigned to `member`. anonymous → 401, cannot see it → 404, sees it but may not act → 403.
"""
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from notifications.models import Notification
from projects.models import Membership
from quality.models import ClientFeedback, FeedbackEvent
from tests.accounts.factories import ClientUserFactory, UserFactory
from tests.conftest import ROLES
from tests.projects.factories import MembershipFactory, ProjectFactory
from tests.quality.factories import ClientFeedbackFactory

Status = ClientFeedback.Status
LIST = "/api/v1/feedback/"
BODY = {"kind": "quality_issue", "subject": "Wi-Fi drops",
        "body": "Building B loses Wi-Fi every hour."}


def url(feedback, action=""):
    return f"{LIST}{feedback.pk}/" + (f"{action}/" if action else "")


def feedback_in(status):
    """Feedback from `client`; from `assigned` on it is assigned to `member`."""

    def make(w):
        now = timezone.now()
        fields = {}
        if status != Status.OPEN:
            fields = {"assignee": w.member, "assigned_at": now}
        if status in (Status.ANSWERED, Status.CLOSED):
            fields.update(answer="Replaced the access point.", answered_at=now,
                          first_answered_at=now)
        if status == Status.CLOSED:
            fields["closed_at"] = now
        return ClientFeedbackFactory(project=w.project, submitted_by=w.client, status=status,
                                     **fields)

    return make


# --- Role × action --------------------------------------------------------------------------

@dataclass
class Route:
    method: str
    path: str  # as in the OpenAPI schema
    setup: Callable | None = None
    body: Callable = field(default=lambda w: None)

    def url(self, obj):
        return self.path.format(id=obj.pk if obj is not None else 0)


ROUTES = {
    "list": Route("get", LIST),
    "create": Route("post", LIST, body=lambda w: {**BODY, "project": w.project.pk}),
    "retrieve": Route("get", LIST + "{id}/", feedback_in(Status.OPEN)),
    "update": Route("patch", LIST + "{id}/", feedback_in(Status.ASSIGNED),
                    lambda w: {"internal_notes": "AP-7 firmware is old."}),
    "assign": Route("post", LIST + "{id}/assign/", feedback_in(Status.OPEN),
                    lambda w: {"assignee": w.member.pk}),
    "answer": Route("post", LIST + "{id}/answer/", feedback_in(Status.ASSIGNED),
                    lambda w: {"answer": "We replaced the access point."}),
    "confirm": Route("post", LIST + "{id}/confirm/", feedback_in(Status.ANSWERED),
                     lambda w: {"comment": "Works now."}),
    "reopen": Route("post", LIST + "{id}/reopen/", feedback_in(Status.ANSWERED),
                    lambda w: {"comment": "Still drops."}),
}

# Columns follow tests.conftest.ROLES:
#   anonymous admin management supervisor outsider pm assistant member qa finance observer
#   client other_client
FILER_ACTS = (401, 403, 403, 403, 404, 403, 403, 403, 403, 403, 403, 200, 404)
TABLE = {
    "list": (401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    # A project the caller cannot see is an invalid `project` (400), never a revealing 403/404.
    "create": (401, 403, 403, 403, 400, 403, 403, 403, 403, 403, 403, 201, 400),
    "retrieve": (401, 200, 200, 200, 404, 200, 200, 200, 200, 200, 200, 200, 404),
    # Internal notes are an internal action: clients are answered as if nothing were there.
    "update": (401, 200, 403, 403, 404, 200, 403, 200, 403, 403, 403, 404, 404),
    "assign": (401, 200, 403, 403, 404, 200, 403, 403, 403, 403, 403, 403, 404),
    "answer": (401, 200, 403, 403, 404, 403, 403, 200, 403, 403, 403, 403, 404),
    "confirm": FILER_ACTS,
    "reopen": FILER_ACTS,
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
        assert ClientFeedback.objects.get(pk=obj.pk).version == obj.version


def test_table_covers_every_feedback_operation_of_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (method, path)
        for path, item in schema["paths"].items()
        if path != "/api/v1/auth/token/"
        and resolve(re.sub(r"{\w+}", "1", path)).func.cls.__module__ == "quality.api.views"
        for method in item
    }
    assert operations == {(route.method, route.path) for route in ROUTES.values()}
    assert set(TABLE) == set(ROUTES)


@pytest.fixture
def service_desk(world):
    """A member of the project's customer-service team."""
    user = UserFactory(username="desk")
    MembershipFactory(project=world.project, user=user,
                      team=Membership.Team.CUSTOMER_SERVICE)
    return user


def test_customer_service_assigns_and_keeps_notes(world, api_as, service_desk):
    feedback = feedback_in(Status.OPEN)(world)
    api = api_as("anonymous")
    api.force_authenticate(service_desk)
    response = api.post(url(feedback, "assign"), {"assignee": world.qa.pk}, format="json")
    assert response.status_code == 200, response.data
    response = api.patch(url(feedback), {"internal_notes": "Check AP-7."}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["internal_notes"] == "Check AP-7."


def test_clients_see_only_their_own_organisations_feedback(world, api_as):
    mine = feedback_in(Status.OPEN)(world)
    other_project = ProjectFactory(client_organization=world.other_org)
    MembershipFactory(project=other_project, user=world.other_client, role=Membership.Role.CLIENT)
    theirs = ClientFeedbackFactory(project=other_project, submitted_by=world.other_client)
    assert [r["id"] for r in api_as("client").get(LIST).data["results"]] == [mine.pk]
    assert [r["id"] for r in api_as("other_client").get(LIST).data["results"]] == [theirs.pk]
    assert api_as("client").get(url(theirs)).status_code == 404
    assert api_as("pm").get(url(theirs)).status_code == 404


def test_a_client_colleague_reads_but_does_not_close_anothers_feedback(world, api_as):
    feedback = feedback_in(Status.ANSWERED)(world)
    colleague = ClientUserFactory(organization=world.org)
    MembershipFactory(project=world.project, user=colleague, role=Membership.Role.CLIENT)
    api = api_as("anonymous")
    api.force_authenticate(colleague)
    assert api.get(url(feedback)).status_code == 200
    assert api.post(url(feedback, "confirm"), {}, format="json").status_code == 403


# --- Create ---------------------------------------------------------------------------------

def test_client_sends_feedback(world, api_as, service_desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("client").post(LIST, {**BODY, "project": world.project.pk},
                                         format="json")
    assert response.status_code == 201, response.data
    data = response.data
    feedback = ClientFeedback.objects.get()
    assert data["id"] == feedback.pk
    assert data["reference"] == f"FB-{feedback.pk:04d}"
    assert data["status"] == "open"
    assert (data["submitted_by"], data["project"]) == (world.client.pk, world.project.pk)
    assert {k: data[k] for k in BODY} == BODY
    assert (data["assignee"], data["response_seconds"], data["reopened_count"]) == (None, None, 0)
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in data["events"]] == [
        ("", "open", world.client.pk)
    ]
    assert set(Notification.objects.filter(kind="feedback").values_list(
        "recipient__username", flat=True)) == {"pm", "desk"}


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "praise"}, "kind"),
    ({"kind": ""}, "kind"),
    ({"subject": ""}, "subject"),
    ({"subject": "x" * 201}, "subject"),
    ({"body": ""}, "body"),
    ({"project": 999999}, "project"),
    ({"project": None}, "project"),
])
def test_create_rejects_bad_input_and_saves_nothing(world, api_as, change, field):
    response = api_as("client").post(LIST, {**BODY, "project": world.project.pk, **change},
                                     format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not ClientFeedback.objects.exists()
    assert not FeedbackEvent.objects.exists()


@pytest.mark.parametrize("field", ["project", "kind", "subject", "body"])
def test_create_names_a_missing_field(world, api_as, field):
    body = {**BODY, "project": world.project.pk}
    del body[field]
    response = api_as("client").post(LIST, body, format="json")
    assert response.status_code == 400
    assert list(response.data) == [field]
    assert not ClientFeedback.objects.exists()


def test_create_with_a_photo(world, api_as):
    png = SimpleUploadedFile("ap.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png")
    response = api_as("client").post(
        LIST, {**BODY, "project": world.project.pk, "attachments": [png]}, format="multipart"
    )
    assert response.status_code == 201, response.data
    assert [(a["name"], a["mime_type"]) for a in response.data["attachments"]] == [
        ("ap.png", "image/png")]


# --- Steps ----------------------------------------------------------------------------------

def test_assign_answer_confirm(world, api_as):
    feedback = feedback_in(Status.OPEN)(world)
    ClientFeedback.objects.filter(pk=feedback.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=2))

    response = api_as("pm").post(url(feedback, "assign"),
                                 {"assignee": world.member.pk, "comment": "Yours.", "version": 1},
                                 format="json")
    assert response.status_code == 200, response.data
    assert (response.data["status"], response.data["assignee"]) == ("assigned", world.member.pk)
    assert response.data["assigned_at"]

    response = api_as("member").post(url(feedback, "answer"),
                                     {"answer": " Replaced AP-7. "}, format="json")
    assert response.status_code == 200, response.data
    data = response.data
    assert (data["status"], data["answer"]) == ("answered", "Replaced AP-7.")
    assert data["answered_at"] == data["first_answered_at"]
    assert isinstance(data["response_seconds"], int)
    assert 7200 <= data["response_seconds"] < 7260

    response = api_as("client").post(url(feedback, "confirm"), {}, format="json")
    assert response.status_code == 200, response.data
    assert (response.data["status"], response.data["version"]) == ("closed", 4)
    assert response.data["closed_at"]
    assert [e["to_status"] for e in response.data["events"]] == ["assigned", "answered",
                                                                 "closed"]


def test_reopen_and_answer_again_keeps_the_first_response_time(world, api_as):
    feedback = feedback_in(Status.ANSWERED)(world)
    first = feedback.first_answered_at
    response = api_as("client").post(url(feedback, "reopen"), {"comment": "Still drops."},
                                     format="json")
    assert response.status_code == 200, response.data
    assert (response.data["status"], response.data["reopened_count"]) == ("open", 1)
    assert response.data["events"][-1]["comment"] == "Still drops."
    api_as("pm").post(url(feedback, "assign"), {"assignee": world.member.pk}, format="json")
    response = api_as("member").post(url(feedback, "answer"), {"answer": "New firmware."},
                                     format="json")
    assert response.status_code == 200
    feedback.refresh_from_db()
    assert feedback.first_answered_at == first
    assert feedback.answered_at > first


@pytest.mark.parametrize("body", [{}, {"comment": ""}, {"comment": "  "}])
def test_reopen_needs_a_comment(world, api_as, body):
    feedback = feedback_in(Status.ANSWERED)(world)
    response = api_as("client").post(url(feedback, "reopen"), body, format="json")
    assert response.status_code == 400
    assert "comment" in response.data
    feedback.refresh_from_db()
    assert (feedback.status, feedback.version) == (Status.ANSWERED, 1)


@pytest.mark.parametrize("body", [{}, {"answer": ""}, {"answer": "   "}])
def test_answer_needs_an_answer(world, api_as, body):
    feedback = feedback_in(Status.ASSIGNED)(world)
    response = api_as("member").post(url(feedback, "answer"), body, format="json")
    assert response.status_code == 400
    assert "answer" in response.data
    feedback.refresh_from_db()
    assert (feedback.status, feedback.version) == (Status.ASSIGNED, 1)


@pytest.mark.parametrize("make_assignee", [
    lambda w: UserFactory().pk,  # not on the team
    lambda w: w.client.pk,
    lambda w: w.other_client.pk,
    lambda w: UserFactory(is_active=False).pk,
    lambda w: 999999,
    lambda w: None,
])
def test_assign_only_to_the_project_team(world, api_as, make_assignee):
    feedback = feedback_in(Status.OPEN)(world)
    response = api_as("pm").post(url(feedback, "assign"), {"assignee": make_assignee(world)},
                                 format="json")
    assert response.status_code == 400
    assert "assignee" in response.data
    feedback.refresh_from_db()
    assert (feedback.status, feedback.assignee, feedback.version) == (Status.OPEN, None, 1)
    assert not FeedbackEvent.objects.exists()


def test_assign_needs_an_assignee(world, api_as):
    feedback = feedback_in(Status.OPEN)(world)
    response = api_as("pm").post(url(feedback, "assign"), {"comment": "x"}, format="json")
    assert response.status_code == 400
    assert list(response.data) == ["assignee"]


def test_reassigning_hands_it_to_someone_else(world, api_as):
    feedback = feedback_in(Status.ASSIGNED)(world)
    response = api_as("pm").post(url(feedback, "assign"), {"assignee": world.qa.pk},
                                 format="json")
    assert response.status_code == 200
    assert response.data["assignee"] == world.qa.pk
    assert api_as("member").post(url(feedback, "answer"), {"answer": "x"},
                                 format="json").status_code == 403


@pytest.mark.parametrize(("status", "role", "action", "body"), [
    (Status.OPEN, "admin", "answer", {"answer": "x"}),
    (Status.OPEN, "client", "confirm", {}),
    (Status.ASSIGNED, "client", "reopen", {"comment": "x"}),
    (Status.ANSWERED, "pm", "assign", {"assignee": "member"}),
    (Status.ANSWERED, "member", "answer", {"answer": "x"}),
    (Status.CLOSED, "client", "confirm", {}),
    (Status.CLOSED, "client", "reopen", {"comment": "x"}),
    (Status.CLOSED, "pm", "assign", {"assignee": "member"}),
])
def test_a_step_from_the_wrong_state_is_a_conflict(world, api_as, status, role, action, body):
    feedback = feedback_in(status)(world)
    if "assignee" in body:
        body = {"assignee": world.member.pk}
    response = api_as(role).post(url(feedback, action), body, format="json")
    assert response.status_code == 409
    assert "detail" in response.data
    feedback.refresh_from_db()
    assert (feedback.status, feedback.version) == (status, 1)
    assert not FeedbackEvent.objects.exists()


@pytest.mark.parametrize(("role", "action", "body", "internal"), [
    ("client", "confirm", {}, False),
    ("client", "reopen", {"comment": "x"}, False),
    ("pm", "patch", {"internal_notes": "x"}, True),
])
def test_a_stale_version_is_a_conflict_showing_the_current_feedback(
    world, api_as, role, action, body, internal
):
    feedback = feedback_in(Status.ANSWERED)(world)
    ClientFeedback.objects.get(pk=feedback.pk).save()  # version 2
    api = api_as(role)
    body = {**body, "version": 1}
    response = (api.patch(url(feedback), body, format="json") if action == "patch"
                else api.post(url(feedback, action), body, format="json"))
    assert response.status_code == 409
    assert response.data["detail"]
    current = response.data["current"]
    assert (current["id"], current["version"], current["status"]) == (feedback.pk, 2, "answered")
    assert ("internal_notes" in current) is internal
    feedback.refresh_from_db()
    assert (feedback.status, feedback.version, feedback.internal_notes) == (
        Status.ANSWERED, 2, "")


# --- What clients are shown -----------------------------------------------------------------

INTERNAL_ROLES = ["admin", "management", "supervisor", "pm", "assistant", "member", "qa",
                  "finance", "observer"]


@pytest.mark.parametrize("role", INTERNAL_ROLES + ["client"])
def test_only_internal_users_get_internal_notes(world, api_as, role):
    feedback = ClientFeedbackFactory(project=world.project, submitted_by=world.client,
                                     internal_notes="Our cabling fault.")
    api = api_as(role)
    detail = api.get(url(feedback)).data
    [row] = api.get(LIST).data["results"]
    for data in (detail, row):
        assert ("internal_notes" in data) is (role != "client")
        assert role != "client" or "Our cabling fault." not in str(data)


@pytest.mark.parametrize(("role", "action", "status", "body"), [
    ("client", "create", None, {}),
    ("client", "confirm", Status.ANSWERED, {}),
    ("client", "reopen", Status.ANSWERED, {"comment": "Again."}),
    ("pm", "assign", Status.OPEN, {"assignee": "member"}),
    ("member", "answer", Status.ASSIGNED, {"answer": "Done."}),
])
def test_every_answer_keeps_the_notes_from_clients(world, api_as, role, action, status, body):
    api = api_as(role)
    if status is None:
        response = api.post(LIST, {**BODY, "project": world.project.pk}, format="json")
    else:
        feedback = feedback_in(status)(world)
        if "assignee" in body:
            body = {"assignee": world.member.pk}
        response = api.post(url(feedback, action), body, format="json")
    assert response.status_code in (200, 201), response.data
    assert ("internal_notes" in response.data) is (role != "client")


def test_output_fields(world, api_as):
    feedback = feedback_in(Status.OPEN)(world)
    expected = {
        "id", "reference", "project", "kind", "subject", "body", "status", "submitted_by",
        "assignee", "assigned_at", "answer", "answered_at", "first_answered_at",
        "response_seconds", "closed_at", "reopened_count", "events", "attachments",
        "created_at", "version",
    }
    assert set(api_as("client").get(url(feedback)).data) == expected
    assert set(api_as("pm").get(url(feedback)).data) == expected | {"internal_notes"}


# --- Lists ----------------------------------------------------------------------------------

def test_list_filters_searches_and_orders(world, api_as):
    other = ProjectFactory(client_organization=world.org)
    MembershipFactory(project=other, user=world.pm, role=Membership.Role.PM)
    a = ClientFeedbackFactory(project=world.project, submitted_by=world.client,
                              subject="Slow VPN", kind="complaint")
    b = ClientFeedbackFactory(project=world.project, submitted_by=world.client,
                              subject="Invoice copy", status=Status.ASSIGNED,
                              assignee=world.member)
    c = ClientFeedbackFactory(project=other, submitted_by=world.client, subject="VPN for guests",
                              kind="suggestion", status=Status.ASSIGNED, assignee=world.pm)
    api = api_as("pm")

    def ids(query):
        response = api.get(LIST + query)
        assert response.status_code == 200, response.data
        return [row["id"] for row in response.data["results"]]

    assert ids("") == [c.pk, b.pk, a.pk]
    assert ids(f"?project={world.project.pk}") == [b.pk, a.pk]
    assert ids("?status=assigned") == [c.pk, b.pk]
    assert ids("?kind=complaint&kind=suggestion") == [c.pk, a.pk]
    assert ids(f"?assignee={world.member.pk}") == [b.pk]
    assert ids("?search=vpn") == [c.pk, a.pk]
    assert ids("?ordering=subject") == [b.pk, a.pk, c.pk]
    assert api.get(LIST + "?kind=praise").status_code == 400


@pytest.mark.parametrize("role", ["client", "pm"])
def test_list_queries_do_not_grow_with_rows(world, api_as, role):
    from projects.attachments import attach

    def add(n):
        for _ in range(n):
            feedback = feedback_in(Status.ASSIGNED)(world)
            feedback.events.create(from_status="", to_status="open", actor=world.client)
            attach(user=world.client, owner=feedback, project=world.project,
                   uploads=[SimpleUploadedFile("note.txt", b"hello", "text/plain")])

    api = api_as(role)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = api.get(LIST)
        assert response.status_code == 200
        return len(queries), response.data["count"]

    add(1)
    one, rows = count()
    add(9)
    ten, rows_after = count()
    assert (rows, rows_after) == (1, 10)
    assert ten == one <= 5
