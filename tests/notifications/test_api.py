"""API.md: GET /api/v1/notifications/ (the caller's own) and POST …/{id}/read/; others' → 404."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import jobs
from notifications.models import Kind, Notification

from .conftest import FRIDAY, days

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"
FIELDS = {"id", "kind", "project", "task", "message", "created_at", "read"}


def read_url(note):
    return f"/api/v1/notifications/{note.pk}/read/"


def note_for(user, key, **fields):
    return Notification.objects.create(kind=Kind.MEETING, recipient=user,
                                       message=f"Note {key}", dedupe_key=f"api:{key}", **fields)


@pytest.fixture
def alerts(world, make_task):
    """An overdue task: one alert each for the member (its owner) and the pm."""
    task = make_task("Cabling", end=FRIDAY - days(1))
    jobs.run_overdue(on=FRIDAY)
    return task


def test_anonymous_callers_are_401(world, api_as, alerts):
    note = Notification.objects.get(recipient=world.member)
    assert api_as("anonymous").get(LIST).status_code == 401
    assert api_as("anonymous").post(read_url(note)).status_code == 401


def test_the_list_holds_the_callers_own_notifications_only(world, api_as, alerts):
    response = api_as("member").get(LIST)
    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert set(item) >= FIELDS
    note = Notification.objects.get(recipient=world.member)
    assert item["id"] == note.pk
    assert item["kind"] == "overdue"
    assert (item["project"], item["task"]) == (world.project.pk, alerts.pk)
    assert item["message"] == (f"“Cabling” ({world.project.code}) is overdue: "
                               "it was due on Dec. 3, 2026.")
    assert item["read"] is False
    assert item["created_at"].endswith("+08:00")


def test_marking_ones_own_notification_read(world, api_as, alerts):
    note = Notification.objects.get(recipient=world.member)
    response = api_as("member").post(read_url(note))
    assert response.status_code == 200
    assert response.json()["read"] is True
    note.refresh_from_db()
    assert note.read
    assert api_as("member").get(LIST, {"read": "false"}).json()["count"] == 0


@pytest.mark.parametrize("role", ["pm", "admin", "management", "assistant", "client"])
def test_someone_elses_notification_is_404(world, api_as, alerts, role):
    note = Notification.objects.get(recipient=world.member)
    client = api_as(role)
    assert client.post(read_url(note)).status_code == 404
    assert client.get(f"{LIST}{note.pk}/").status_code == 404
    note.refresh_from_db()
    assert not note.read


def test_clients_read_their_own(world, api_as):
    mine = note_for(world.client, 1)
    note_for(world.other_client, 2)
    response = api_as("client").get(LIST)
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [mine.pk]
    assert api_as("client").post(read_url(mine)).status_code == 200


def test_filters_by_kind_and_read_and_marks_all_read(world, api_as, alerts):
    note_for(world.member, 1)
    client = api_as("member")
    assert client.get(LIST, {"kind": "overdue"}).json()["count"] == 1
    assert client.get(LIST, {"kind": "meeting"}).json()["count"] == 1
    assert client.get(LIST, {"kind": "nonsense"}).status_code == 400
    assert client.post(f"{LIST}read-all/", {"kind": "nonsense"}).status_code == 400
    assert client.post(f"{LIST}read-all/", {"kind": "overdue"}).json() == {"updated": 1}
    assert client.get(LIST, {"read": "false"}).json()["count"] == 1
    assert client.post(f"{LIST}read-all/").json() == {"updated": 1}
    assert client.get(LIST, {"read": "false"}).json()["count"] == 0


def test_the_message_is_in_the_callers_language(world, api_as, alerts):
    world.member.language = "zh-hans"
    world.member.save()
    item = api_as("member").get(LIST, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert "2026年12月3日" in item["message"]


def test_the_list_costs_the_same_queries_for_more_rows(world, api_as, make_task):
    client = api_as("member")

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(LIST).status_code == 200
        return len(context.captured_queries)

    make_task("Late 1", end=FRIDAY - days(1))
    jobs.run_overdue(on=FRIDAY)
    note_for(world.member, 1)
    first = queries()
    for i in range(2, 6):
        make_task(f"Late {i}", end=FRIDAY - days(i))
        note_for(world.member, i)
    jobs.run_overdue(on=FRIDAY + days(1))
    assert Notification.objects.filter(recipient=world.member).count() > 8
    assert queries() == first


def test_the_routes_are_in_the_schema(api_as, world):
    schema = api_as("anonymous").get("/api/v1/schema/", {"format": "json"}).json()
    assert "/api/v1/notifications/" in schema["paths"]
    assert "/api/v1/notifications/{id}/read/" in schema["paths"]
