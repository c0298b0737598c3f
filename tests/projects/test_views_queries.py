"""N rows never mean N queries: each list page costs the same with N and 2N rows (STYLE.md)."""
import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import services
from projects.models import InitiationRequest, Membership
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.projects.factories import (
    InitiationRequestFactory,
    MeetingFactory,
    MembershipFactory,
    ProjectFactory,
)

N = 4


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def assert_constant(client, url, add_rows, n=N):
    """Same number of queries with n rows and with 2n rows."""
    add_rows(n)
    first = queries_for(client, url)
    add_rows(n)
    second = queries_for(client, url)
    assert first == second, f"{url}: {first} queries with {n} rows, {second} with {2 * n}"


def test_project_list(world, client_as):
    def add(n):
        for _ in range(n):
            project = ProjectFactory(client_organization=OrganizationFactory())
            MembershipFactory(project=project, role=Membership.Role.PM)
            MembershipFactory(project=project)
            MembershipFactory(project=project, user=world.member)

    assert_constant(client_as("member"), reverse("projects:list"), add)
    assert_constant(client_as("management"), reverse("projects:list"), add)


def test_initiation_list(world, client_as):
    def add(n):
        for _ in range(n):
            InitiationRequestFactory(requester=world.member, department=None,
                                     client_organization=OrganizationFactory())

    assert_constant(client_as("member"), reverse("projects:initiation_list"), add)


def test_approvals_inbox(world, client_as):
    from django.utils import timezone

    def add(n):
        for _ in range(n):
            InitiationRequestFactory(status=InitiationRequest.Status.SUBMITTED,
                                     submitted_at=timezone.now())

    assert_constant(client_as("management"), reverse("projects:approvals"), add)


def test_members_page(world, client_as):
    def add(n):
        for _ in range(n):
            MembershipFactory(project=world.project, team="technical", duties="Install")

    url = reverse("projects:members", args=[world.project.pk])
    assert_constant(client_as("pm"), url, add)
    assert_constant(client_as("observer"), url, add)


def test_meetings_list(world, client_as):
    from projects.models import ActionItem

    def add(n):
        for _ in range(n):
            meeting = MeetingFactory(project=world.project, recorded_by=UserFactory())
            meeting.attendees.set([world.pm, world.member])
            ActionItem.objects.create(meeting=meeting, description="Do it", owner=world.member,
                                      due_date=datetime.date(2027, 1, 1))

    assert_constant(client_as("assistant"), reverse("projects:meetings", args=[world.project.pk]),
                    add)


def test_project_overview(world, client_as):
    def add(n):
        for _ in range(n):
            MembershipFactory(project=world.project)
            MeetingFactory(project=world.project, recorded_by=world.pm)

    assert_constant(client_as("qa"), world.project.get_absolute_url(), add)


def test_activity_page(world, client_as):
    """Every kind of history on one page: project, members, meetings, initiation, decisions."""
    request = InitiationRequestFactory(requester=world.member, proposed_pm=world.outsider)
    request = services.update_initiation(user=world.member, request=request,
                                         budget=120000, client_organization=world.org)
    services.submit_initiation(user=world.member, request=request)
    _request, project = services.approve_initiation(user=world.management, request=request)
    pm = world.outsider

    def add(n):
        for i in range(n):
            member = UserFactory()
            membership = services.add_member(user=pm, project=project, member=member,
                                             role="member")
            services.update_member(user=pm, membership=membership, duties=f"Duty {i}")
            meeting = services.record_meeting(
                user=pm, project=project, kind="regular", title=f"Sync {i}",
                held_at=datetime.datetime(2027, 1, 1 + i, tzinfo=datetime.UTC),
                attendees=[pm, member],
            )
            services.update_meeting(user=pm, meeting=meeting, title=f"Sync {i}b",
                                    attendees=[pm])
            services.update_project(user=pm, project=project, description=f"Step {i}")

    url = reverse("projects:activity", args=[project.pk])
    # Two rounds of about seven records each still fit on the first page of 25.
    assert_constant(client_as("management"), url, add, n=1)
    page = client_as("management").get(url).context["page"]
    assert len(page.object_list) < 25
    assert {item.kind for item in page} == {"project", "membership", "meeting", "initiation",
                                            "transition"}


def test_notifications_page(world, client_as):
    from notifications.models import Notification

    def add(n):
        start = Notification.objects.count()
        Notification.objects.bulk_create(
            Notification(kind="meeting", recipient=world.pm, project=world.project,
                         message=f"Message {start + i}", dedupe_key=f"q:{start + i}")
            for i in range(n)
        )

    assert_constant(client_as("pm"), reverse("notifications:list"), add)
