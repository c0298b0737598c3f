"""`seed_demo` builds a realistic company once; running it again changes nothing."""
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Department, Organization, User
from notifications.models import Notification
from projects.management.commands.seed_demo import CN_CALENDAR, DEMO_PASSWORD
from projects.models import (
    ActionItem,
    InitiationRequest,
    InitiationTransition,
    Meeting,
    Membership,
    Project,
)
from tasks.models import WorkCalendar

pytestmark = pytest.mark.django_db

COUNTED = [Department, Organization, User, WorkCalendar, InitiationRequest, InitiationTransition,
           Project, Membership, Meeting, ActionItem, Notification,
           InitiationRequest.history.model, Project.history.model, Membership.history.model]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(django_capture_on_commit_callbacks, *args):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return {
        "counts": {model._meta.label: model.objects.count() for model in COUNTED},
        "versions": sorted(Project.objects.values_list("code", "version", "status")),
        "requests": sorted(InitiationRequest.objects.values_list("title", "version", "status")),
        "calendars": sorted(WorkCalendar.objects.values_list("name", "version")),
    }


@pytest.fixture
def seeded(django_capture_on_commit_callbacks):
    return seed(django_capture_on_commit_callbacks)


def test_second_run_changes_nothing(seeded, django_capture_on_commit_callbacks):
    first = snapshot()
    output = seed(django_capture_on_commit_callbacks)
    assert snapshot() == first
    assert "Nothing new" in output


def test_six_projects_spread_over_the_lifecycle(seeded):
    assert Project.objects.count() == 6
    statuses = Counter(Project.objects.values_list("status", flat=True))
    assert statuses == {"executing": 2, "planning": 1, "closing": 1, "closed": 1, "on_hold": 1}
    for project in Project.objects.all():
        assert project.initiation.status == InitiationRequest.Status.APPROVED
        assert project.initiation.requester.department.kind == Department.Kind.BUSINESS
        approval = project.initiation.transitions.get(to_status="approved")
        assert approval.actor.system_role == User.SystemRole.MANAGEMENT


def test_the_requests_that_stop_before_approval(seeded):
    statuses = Counter(InitiationRequest.objects.values_list("status", flat=True))
    assert statuses == {"approved": 6, "submitted": 1, "draft": 1, "returned": 1}
    returned = InitiationRequest.objects.get(status="returned")
    assert returned.transitions.get(to_status="returned").comment


def test_management_has_a_request_in_the_approval_inbox(seeded):
    inbox = InitiationRequest.objects.filter(status=InitiationRequest.Status.SUBMITTED)
    assert inbox.count() == 1
    boss = User.objects.filter(system_role=User.SystemRole.MANAGEMENT).first()
    assert Notification.objects.filter(recipient=boss, kind="initiation").exists()


def test_company_people_and_roles(seeded):
    staff = User.objects.exclude(system_role=User.SystemRole.CLIENT)
    assert 18 <= staff.count() <= 25
    roles = Counter(staff.values_list("system_role", flat=True))
    assert roles["admin"] == 1 and roles["management"] == 2 and roles["supervisor"] == 2
    admin = staff.get(system_role=User.SystemRole.ADMIN)
    assert admin.is_superuser and admin.is_staff
    assert not staff.exclude(pk=admin.pk).filter(is_staff=True).exists()
    assert all(user.department_id for user in staff)
    assert all("\u4e00" <= user.display_name[0] <= "\u9fff" for user in staff)
    assert all(user.check_password(DEMO_PASSWORD) for user in User.objects.all())
    assert Department.objects.count() == len(Department.Kind)


def test_two_client_organisations_with_their_users(seeded):
    assert Organization.objects.count() == 2
    for org in Organization.objects.all():
        clients = org.users.all()
        assert clients.count() == 2
        assert all(user.system_role == User.SystemRole.CLIENT for user in clients)
    assert not User.objects.filter(system_role="client", organization__isnull=True).exists()


def test_every_project_has_one_pm_and_a_full_team(seeded):
    for project in Project.objects.all():
        roles = Counter(project.memberships.values_list("role", flat=True))
        assert roles["pm"] == 1
        assert roles["assistant"] == 1 and roles["qa"] == 1 and roles["finance"] == 1
        assert roles["member"] >= 2
        assert all(m.team and m.duties for m in project.memberships.filter(role="member"))
        if project.client_organization_id:
            client = project.memberships.get(role="client").user
            assert client.organization_id == project.client_organization_id
        else:
            assert "client" not in roles


def test_meetings_with_minutes_decisions_and_action_items(seeded):
    for project in Project.objects.all():
        kickoff = project.meetings.get(kind=Meeting.Kind.KICKOFF)
        assert kickoff.minutes and kickoff.decisions and kickoff.attendees.exists()
        assert kickoff.action_items.count() >= 3
        regular = project.meetings.filter(kind=Meeting.Kind.REGULAR)
        assert regular.count() == (1 if project.status == Project.Status.EXECUTING else 0)


def test_china_calendar_has_the_2026_holidays_and_makeup_days(seeded):
    calendar = WorkCalendar.objects.get(name=CN_CALENDAR)
    assert {"2026-01-01", "2026-02-17", "2026-10-07"} <= set(calendar.holidays)
    assert calendar.extra_workdays == ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09",
                                       "2026-09-20", "2026-10-10"]
    assert WorkCalendar.objects.filter(is_default=True).count() == 1
    assert not Project.objects.exclude(calendar=calendar).exists()


def test_prints_the_password_and_the_logins(seeded):
    assert DEMO_PASSWORD in seeded
    for username in ("admin", "zhangwei", "yangfan", "qj.zhoumin"):
        assert username in seeded


def test_password_option(django_capture_on_commit_callbacks):
    output = seed(django_capture_on_commit_callbacks, "--password", "another-Secret-9")
    assert "another-Secret-9" in output
    assert User.objects.get(username="zhangwei").check_password("another-Secret-9")
