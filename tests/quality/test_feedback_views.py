"""Client-feedback pages inside the company (P2.3b, P4.3c, P5.1b): the customer-service inbox,
a project's feedback, assigning and answering through the pages, and response times."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import AlertSettings
from projects.models import Membership
from quality import services
from quality.models import ClientFeedback
from quality.views import duration_label
from tests.accounts.factories import UserFactory
from tests.conftest import ROLES
from tests.projects.factories import MembershipFactory
from tests.projects.test_views_permissions import table
from tests.projects.test_views_queries import queries_for

VIEWERS = {"admin", "management", "supervisor", "pm", "assistant", "member", "qa", "finance",
           "observer"}
INTERNAL = VIEWERS | {"outsider"}


@pytest.fixture
def service_desk(world):
    """A member of the project's customer-service team (客服团队)."""
    user = UserFactory(username="kefu", display_name="Kefu Li")
    MembershipFactory(project=world.project, user=user, role=Membership.Role.MEMBER,
                      team=Membership.Team.CUSTOMER_SERVICE)
    return user


def send(world, subject="Slow Wi-Fi on floor 3", kind="quality_issue"):
    return services.submit_feedback(user=world.client, project=world.project, kind=kind,
                                    subject=subject, body="Since Monday the Wi-Fi drops.")


@pytest.fixture
def feedback(world):
    return send(world)


@pytest.fixture
def assigned(world, feedback):
    return services.assign_feedback(user=world.pm, feedback=feedback, assignee=world.member)


def url(name, item):
    return reverse(f"quality:{name}", args=[item.project_id, item.pk])


def check(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected


# --- Who opens the pages ----------------------------------------------------------------------

PAGES = {
    "inbox": table(ok=INTERNAL),
    "feedback_list": table(ok=VIEWERS),
    "feedback_detail": table(ok=VIEWERS),
}
CASES = [(page, role, expected[role]) for page, expected in PAGES.items() for role in ROLES]


@pytest.mark.parametrize(("page", "role", "expected"), CASES,
                         ids=[f"{page}-{role}" for page, role, _e in CASES])
def test_page_status_by_role(world, feedback, client_as, page, role, expected):
    target = {
        "inbox": reverse("quality:inbox"),
        "feedback_list": reverse("quality:feedback_list", args=[world.project.pk]),
        "feedback_detail": feedback.get_absolute_url(),
    }[page]
    check(client_as(role).get(target), expected)


def expected_for(allowed):
    return [(role, 302 if role in allowed else 403 if role in VIEWERS else
             "login" if role == "anonymous" else 404) for role in ROLES]


@pytest.mark.parametrize(("role", "expected"), expected_for({"admin", "pm"}))
def test_assigning_by_role(world, feedback, client_as, role, expected):
    response = client_as(role).post(url("feedback_assign", feedback),
                                    {"assignee": world.member.pk})
    check(response, expected)
    feedback.refresh_from_db()
    assert (feedback.assignee == world.member) == (expected == 302)


def test_customer_service_assigns(world, feedback, service_desk, client):
    client.force_login(service_desk)
    response = client.post(url("feedback_assign", feedback), {"assignee": world.member.pk})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert (feedback.status, feedback.assignee) == ("assigned", world.member)


@pytest.mark.parametrize(("role", "expected"), expected_for({"admin", "member"}))
def test_answering_by_role(world, assigned, client_as, role, expected):
    response = client_as(role).post(url("feedback_answer", assigned),
                                    {"answer": "The access point was replaced."})
    check(response, expected)
    assigned.refresh_from_db()
    assert (assigned.status == "answered") == (expected == 302)


@pytest.mark.parametrize(("role", "expected"), expected_for({"admin", "pm", "member"}))
def test_editing_internal_notes_by_role(world, assigned, client_as, role, expected):
    response = client_as(role).post(url("feedback_notes", assigned),
                                    {"internal_notes": "AP-3 firmware bug."})
    check(response, expected)
    assigned.refresh_from_db()
    assert (assigned.internal_notes == "AP-3 firmware bug.") == (expected == 302)


# --- Bad input --------------------------------------------------------------------------------

def test_assigning_to_someone_off_the_team_is_refused(world, feedback, client_as):
    response = client_as("pm").post(url("feedback_assign", feedback),
                                    {"assignee": world.outsider.pk})
    assert response.status_code == 200
    assert "assignee" in response.context["assign_form"].errors
    feedback.refresh_from_db()
    assert feedback.status == "open"


def test_the_client_is_not_offered_as_assignee(world, feedback, client_as):
    form = client_as("pm").get(feedback.get_absolute_url()).context["assign_form"]
    offered = {value for value, _label in form.fields["assignee"].choices if value}
    assert str(world.client.pk) not in offered
    assert {str(world.member.pk), str(world.pm.pk)} <= offered


def test_an_empty_answer_is_refused(world, assigned, client_as):
    response = client_as("member").post(url("feedback_answer", assigned), {"answer": "  "})
    assert response.status_code == 200
    assert "answer" in response.context["answer_form"].errors
    assigned.refresh_from_db()
    assert assigned.status == "assigned"


def test_answering_twice_is_a_message(world, assigned, client_as):
    services.answer_feedback(user=world.member, feedback=assigned, answer="Fixed.")
    response = client_as("member").post(url("feedback_answer", assigned),
                                        {"answer": "Again"}, follow=True)
    assert response.status_code == 200
    assert any("cannot become" in str(m) for m in response.context["messages"])


# --- The flow through the pages, response time measured ---------------------------------------

def test_feedback_flow_through_the_pages(world, service_desk, client, client_as):
    item = send(world, kind="complaint", subject="Outage not announced")
    desk = client
    desk.force_login(service_desk)

    inbox = desk.get(reverse("quality:inbox"))
    assert item in list(inbox.context["page"])
    assert inbox.context["page"][0].response_pending

    detail = desk.get(item.get_absolute_url())
    assert detail.context["can_assign"] and not detail.context["can_answer"]
    response = desk.post(url("feedback_assign", item), {
        "assignee": world.member.pk, "comment": "Please check the change calendar.",
        "version": detail.context["assign_form"].initial["version"],
    })
    assert response.status_code == 302
    assert item not in list(desk.get(reverse("quality:inbox")).context["page"])

    member = client_as("member")
    todo = member.get(reverse("quality:inbox"))
    assert item in list(todo.context["page"])
    detail = member.get(item.get_absolute_url())
    assert detail.context["can_answer"]
    response = member.post(url("feedback_answer", item), {
        "answer": "The maintenance notice went to the wrong list; fixed.",
        "version": detail.context["answer_form"].initial["version"],
    })
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "answered" and item.first_answered_at

    waiting = desk.get(reverse("quality:inbox") + "?tab=waiting")
    row = next(f for f in waiting.context["page"] if f.pk == item.pk)
    assert not row.response_pending
    assert row.response_label == duration_label(item.first_answered_at - item.created_at)
    assert waiting.context["summary"].answered == 1

    services.reopen_feedback(user=world.client, feedback=item, comment="It happened again.")
    assert item in list(desk.get(reverse("quality:inbox")).context["page"])
    page = desk.get(item.get_absolute_url())
    assert "It happened again." in page.text
    assert [e.to_status for e in page.context["events"]] == [
        "open", "assigned", "answered", "open"]


# --- Response time ----------------------------------------------------------------------------

@pytest.mark.parametrize(("delta", "label"), [
    (timedelta(minutes=45), "45 min"),
    (timedelta(hours=3, minutes=20), "3 h 20 min"),
    (timedelta(hours=3), "3 h"),
    (timedelta(days=2, hours=4, minutes=10), "2 d 4 h"),
    (timedelta(days=2), "2 d"),
])
def test_durations_read_like_people_say_them(delta, label):
    assert duration_label(delta) == label


def test_durations_are_translated():
    from django.utils import translation

    with translation.override("zh-hans"):
        text = duration_label(timedelta(hours=3, minutes=20))
    assert "3" in text and "20" in text


def age(item, *, received_ago, answered_after=None):
    now = timezone.now()
    created = now - received_ago
    ClientFeedback.objects.filter(pk=item.pk).update(
        created_at=created,
        first_answered_at=created + answered_after if answered_after is not None else None,
        status="answered" if answered_after is not None else item.status,
    )


def test_response_times_over_target_are_red(world, client_as):
    AlertSettings.objects.update_or_create(pk=1, defaults={"feedback_response_hours": 24})
    slow, fast, waiting = send(world, "Slow"), send(world, "Fast"), send(world, "Waiting")
    age(slow, received_ago=timedelta(days=3), answered_after=timedelta(hours=30))
    age(fast, received_ago=timedelta(days=2), answered_after=timedelta(hours=2))
    age(waiting, received_ago=timedelta(hours=26))
    page = client_as("pm").get(reverse("quality:feedback_list", args=[world.project.pk]))
    rows = {f.subject: f for f in page.context["page"]}
    assert rows["Slow"].response_late and rows["Slow"].response_label == "1 d 6 h"
    assert not rows["Fast"].response_late and rows["Fast"].response_label == "2 h"
    assert rows["Waiting"].response_late and rows["Waiting"].response_pending
    assert page.text.count('data-late="1"') == 2

    summary = page.context["summary"]
    assert (summary.answered, summary.open, summary.overdue) == (2, 1, 1)
    assert summary.average == timedelta(hours=16)
    assert summary.median == timedelta(hours=16)
    assert summary.within_target == 50
    assert "16 h" in page.text and "50%" in page.text


def test_target_comes_from_the_alert_settings(world, client_as):
    AlertSettings.objects.update_or_create(pk=1, defaults={"feedback_response_hours": 1})
    item = send(world)
    age(item, received_ago=timedelta(hours=2), answered_after=timedelta(minutes=90))
    page = client_as("pm").get(item.get_absolute_url())
    assert page.context["feedback"].response_late
    assert page.context["target_label"] == "1 h"


def test_median_of_three(world, client_as):
    for hours in (1, 2, 30):
        age(send(world, f"H{hours}"), received_ago=timedelta(days=3),
            answered_after=timedelta(hours=hours))
    summary = client_as("pm").get(
        reverse("quality:feedback_list", args=[world.project.pk])).context["summary"]
    assert (summary.average, summary.median, summary.within_target) == (
        timedelta(hours=11), timedelta(hours=2), 67)


# --- Inbox tabs and filters -------------------------------------------------------------------

def test_inbox_shows_what_each_person_handles(world, service_desk, client, client_as):
    from tests.projects.factories import ProjectFactory

    mine = services.assign_feedback(user=world.pm, feedback=send(world, "Mine"),
                                    assignee=world.member)
    unassigned = send(world, "Unassigned")
    other_project = ProjectFactory(client_organization=world.org)
    MembershipFactory(project=other_project, user=world.client, role="client")
    elsewhere = services.submit_feedback(user=world.client, project=other_project,
                                         kind="enquiry", subject="Elsewhere", body="?")
    client.force_login(service_desk)
    desk = client.get(reverse("quality:inbox")).context
    assert set(desk["page"]) == {unassigned}
    member = client_as("member").get(reverse("quality:inbox")).context
    assert set(member["page"]) == {mine}
    pm_all = client_as("pm").get(reverse("quality:inbox") + "?tab=all").context
    assert set(pm_all["page"]) == {mine, unassigned}
    boss_all = client_as("management").get(reverse("quality:inbox") + "?tab=all").context
    assert set(boss_all["page"]) == {mine, unassigned, elsewhere}
    assert set(client_as("outsider").get(reverse("quality:inbox")).context["page"]) == set()


def test_inbox_filters_by_kind(world, client_as):
    complaint = send(world, "Rude engineer", kind="complaint")
    send(world, "Can you add a port?", kind="suggestion")
    page = client_as("pm").get(reverse("quality:inbox") + "?kind=complaint").context
    assert list(page["page"]) == [complaint]
    counts = {name: count for name, _label, count in page["tabs"]}
    assert counts["todo"] == 1


def test_project_list_filters_by_status(world, client_as, assigned):
    other = send(world, "Other")
    base = reverse("quality:feedback_list", args=[world.project.pk])
    pm = client_as("pm")
    assert set(pm.get(base).context["page"]) == {assigned, other}
    assert list(pm.get(base + "?status=assigned").context["page"]) == [assigned]
    assert list(pm.get(base + "?status=open").context["page"]) == [other]


def test_navbar_links_the_inbox_for_staff_only(world, client_as):
    assert reverse("quality:inbox") in client_as("member").get(
        reverse("projects:list")).text
    assert reverse("quality:inbox") not in client_as("client").get(
        reverse("portal:home")).text


# --- Queries ------------------------------------------------------------------------------------

def assert_constant(client, url, add):
    """The same number of queries with 1 row and with 5 (after a first, warming request)."""
    add(1)
    client.get(url)
    one = queries_for(client, url)
    add(4)
    five = queries_for(client, url)
    assert one == five, f"{url}: {one} queries with 1 row, {five} with 5"


def test_inbox_and_list_queries_do_not_grow(world, client_as):
    count = iter(range(1000))

    def add(n):
        for _ in range(n):
            item = send(world, f"Item {next(count)}")
            services.assign_feedback(user=world.pm, feedback=item, assignee=world.member)

    assert_constant(client_as("member"), reverse("quality:inbox"), add)
    assert_constant(client_as("pm"), reverse("quality:inbox") + "?tab=all", add)
    assert_constant(client_as("pm"), reverse("quality:feedback_list", args=[world.project.pk]),
                    add)


# --- Django admin -------------------------------------------------------------------------------

def test_admin_edits_only_the_internal_notes(world, feedback, client):
    client.force_login(world.admin)
    assert client.get(reverse("admin:quality_clientfeedback_changelist")).status_code == 200
    change = reverse("admin:quality_clientfeedback_change", args=[feedback.pk])
    assert client.get(change).status_code == 200
    response = client.post(change, {
        "internal_notes": "Checked the AP logs.", "status": "closed",
        "events-TOTAL_FORMS": "1", "events-INITIAL_FORMS": "1",
        "events-0-id": feedback.events.get().pk, "events-0-feedback": feedback.pk})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert (feedback.internal_notes, feedback.status) == ("Checked the AP logs.", "open")
    assert client.get(reverse("admin:quality_clientfeedback_add")).status_code == 403
