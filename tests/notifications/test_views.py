"""The notifications page: unread first, mark one or all read, open and follow."""
import pytest
from django.urls import reverse

from notifications.models import Notification


def make(user, key, *, read=False, url="", message=None):
    return Notification.objects.create(
        kind=Notification.Kind.MEETING, recipient=user, message=message or f"Note {key}",
        url=url, dedupe_key=f"test:{key}", read=read,
    )


def test_unread_first_and_counted_in_the_bell(world, client_as):
    old_unread = make(world.pm, 1)
    make(world.pm, 2, read=True)
    make(world.member, 3)
    response = client_as("pm").get(reverse("notifications:list"))
    items = list(response.context["page"])
    assert [n.read for n in items] == [False, True]
    assert items[0] == old_unread
    assert response.context["nav"]["unread"] == 1
    assert "Note 3" not in response.content.decode()


def test_mark_one_read_with_htmx_updates_the_item_and_the_bell(world, client_as):
    note = make(world.pm, 1)
    make(world.pm, 2)
    response = client_as("pm").post(reverse("notifications:mark_read", args=[note.pk]),
                                    headers={"HX-Request": "true"})
    body = response.content.decode()
    note.refresh_from_db()
    assert note.read
    assert f'id="notification-{note.pk}"' in body
    assert 'hx-swap-oob="true"' in body
    assert response.context["nav"]["unread"] == 1


def test_mark_all_read(world, client_as):
    make(world.pm, 1)
    make(world.pm, 2)
    other = make(world.member, 3)
    response = client_as("pm").post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert not world.pm.notifications.filter(read=False).exists()
    other.refresh_from_db()
    assert not other.read


def test_opening_marks_read_and_follows_the_link(world, client_as):
    note = make(world.pm, 1, url=world.project.get_absolute_url())
    response = client_as("pm").post(reverse("notifications:open", args=[note.pk]))
    assert response.url == world.project.get_absolute_url()
    note.refresh_from_db()
    assert note.read


def test_opening_never_leaves_the_site(world, client_as):
    note = make(world.pm, 1, url="https://evil.example/")
    response = client_as("pm").post(reverse("notifications:open", args=[note.pk]))
    assert response.url == reverse("notifications:list")


def test_someone_elses_notification_is_404(world, client_as):
    note = make(world.member, 1)
    client = client_as("pm")
    assert client.post(reverse("notifications:mark_read", args=[note.pk])).status_code == 404
    assert client.post(reverse("notifications:open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert not note.read


def test_marking_is_post_only(world, client_as):
    note = make(world.pm, 1)
    assert client_as("pm").get(reverse("notifications:mark_read", args=[note.pk])).status_code \
        == 405


def test_clients_see_their_notifications_in_the_portal_layout(world, client_as):
    make(world.client, 1, message="Your monthly report is ready")
    response = client_as("client").get(reverse("notifications:list"))
    assert "portal/base.html" in [t.name for t in response.templates]
    assert "Your monthly report is ready" in response.content.decode()


# --- alerts on the page, filters, preferences, reporting -------------------------------------

@pytest.fixture
def overdue(world, make_task):
    from notifications import jobs

    from .conftest import FRIDAY, days

    task = make_task("Cabling", end=FRIDAY - days(3))
    jobs.run_overdue(on=FRIDAY)
    return task


def test_an_alert_reads_in_the_readers_language_and_opens_its_task(world, client_as, overdue):
    response = client_as("member").get(reverse("notifications:list"))
    body = response.content.decode()
    assert f"“Cabling” ({world.project.code}) is overdue: it was due on Dec. 1, 2026." in body
    assert 'data-kind="overdue"' in body
    note = Notification.objects.get(recipient=world.member)
    response = client_as("member").post(reverse("notifications:open", args=[note.pk]))
    assert response.url == note.link
    assert str(overdue.pk) in response.url and str(world.project.pk) in response.url
    note.refresh_from_db()
    assert note.read


def test_the_list_filters_unread_and_kind(world, client_as, overdue):
    make(world.member, 1, read=True)
    make(world.member, 2)
    client = client_as("member")
    url = reverse("notifications:list")
    assert len(client.get(url).context["page"]) == 3
    assert len(client.get(url, {"show": "unread"}).context["page"]) == 2
    assert [n.kind for n in client.get(url, {"kind": "overdue"}).context["page"]] == ["overdue"]
    assert len(client.get(url, {"kind": "meeting", "show": "unread"}).context["page"]) == 1
    assert len(client.get(url, {"kind": "bogus"}).context["page"]) == 3


def test_mark_all_read_of_one_kind(world, client_as, overdue):
    make(world.member, 1)
    client_as("member").post(reverse("notifications:mark_all_read"), {"kind": "overdue"})
    assert list(world.member.notifications.filter(read=False).values_list("kind", flat=True)) \
        == ["meeting"]


def test_the_list_costs_the_same_queries_with_more_alerts(world, client_as, make_task):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications import jobs

    from .conftest import FRIDAY, days

    client = client_as("pm")

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("notifications:list")).status_code == 200
        return len(context.captured_queries)

    make_task("Late 0", end=FRIDAY - days(1))
    make(world.pm, 0, url="/")
    jobs.run_overdue(on=FRIDAY)
    first = queries()
    for i in range(1, 5):
        make_task(f"Late {i}", end=FRIDAY - days(i))
        make(world.pm, i)
    jobs.run_overdue(on=FRIDAY + days(1))
    assert queries() == first


def test_preferences_show_the_default_and_save_each_kind(world, client_as):
    from notifications.models import NotificationPreference

    client = client_as("member")
    url = reverse("notifications:preferences")
    form = client.get(url).context["form"]
    assert {field.name: field.initial for field in form} == dict.fromkeys(
        Notification.Kind.values, "digest")
    data = dict.fromkeys(Notification.Kind.values, "never")
    data["overdue"] = "immediately"
    response = client.post(url, data)
    assert response.status_code == 302
    saved = dict(NotificationPreference.objects.filter(user=world.member)
                 .values_list("kind", "email"))
    assert saved == data
    # Saving again updates the same rows.
    client.post(url, {**data, "overdue": "digest"})
    assert NotificationPreference.objects.get(user=world.member, kind="overdue").email == "digest"
    assert NotificationPreference.objects.filter(user=world.member).count() == len(data)


def test_preferences_refuse_an_unknown_choice(world, client_as):
    data = dict.fromkeys(Notification.Kind.values, "carrier pigeon")
    response = client_as("member").post(reverse("notifications:preferences"), data)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_clients_set_preferences_in_the_portal_layout(world, client_as):
    response = client_as("client").get(reverse("notifications:preferences"))
    assert "portal/base.html" in [t.name for t in response.templates]


REPORTING_ACCESS = {
    "anonymous": 302, "admin": 200, "management": 200, "supervisor": 403, "outsider": 404,
    "pm": 200, "assistant": 200, "member": 403, "qa": 403, "finance": 403, "observer": 403,
    "client": 404, "other_client": 404,
}


@pytest.mark.parametrize(("role", "status"), REPORTING_ACCESS.items())
def test_who_sees_the_reporting_page(world, client_as, role, status):
    url = reverse("notifications:reporting", args=[world.project.pk])
    assert client_as(role).get(url).status_code == status


def test_the_assistant_sees_who_has_not_reported_this_week(world, client_as, make_task, report):
    from notifications.jobs import today
    from tasks.models import Task

    from .conftest import days

    now = today()
    mine = make_task("Member's", end=now + days(5), is_critical=True)
    make_task("Member's other", end=now + days(8))
    make_task("QA's", end=now + days(5), owner="qa")
    make_task("Finance's, done", end=now - days(1), owner="finance", status=Task.Status.DONE)
    report(mine, on=now - days(now.weekday() + 3), by="assistant")  # last week
    qa_task = Task.objects.get(name="QA's")
    report(qa_task, on=now, by="qa")

    url = reverse("notifications:reporting", args=[world.project.pk])
    response = client_as("assistant").get(url)
    rows = {m.user.username: m for m in response.context["rows"]}
    assert set(rows) == {"member", "qa"}
    assert (rows["member"].reported, rows["member"].open_tasks,
            rows["member"].critical_tasks) == (False, 2, 1)
    assert rows["member"].last_report == now - days(now.weekday() + 3)
    assert (rows["qa"].reported, rows["qa"].last_report) == (True, now)
    # Non-reporters come first.
    assert [m.user.username for m in response.context["rows"]] == ["member", "qa"]
    body = response.content.decode()
    assert "1 of 2 members with open tasks have reported" in body
    # Last week, the assistant reported on the member's task; QA had not.
    response = client_as("assistant").get(url, {"week": response.context["previous_week"]})
    assert {m.user.username: m.reported for m in response.context["rows"]} == {
        "member": True, "qa": False}
    assert client_as("assistant").get(url, {"week": "2026-W99"}).status_code == 404


def test_the_reporting_page_costs_the_same_queries_for_more_members(world, client_as,
                                                                    make_task):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.jobs import today
    from tests.projects.factories import MembershipFactory

    from .conftest import days

    url = reverse("notifications:reporting", args=[world.project.pk])
    client = client_as("pm")

    def add(n):
        for _ in range(n):
            member = MembershipFactory(project=world.project).user
            make_task("Work", end=today() + days(3), owner=member)

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    add(3)
    first = queries()
    add(3)
    assert queries() == first


def test_pm_and_assistant_find_the_reporting_page_from_their_notifications(world, client_as):
    url = reverse("notifications:reporting", args=[world.project.pk])
    assert url in client_as("assistant").get(reverse("notifications:list")).content.decode()
    assert url not in client_as("member").get(reverse("notifications:list")).content.decode()
