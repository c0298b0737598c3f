"""`seed_demo` builds a realistic company once; running it again changes nothing."""
import datetime
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from accounts.models import Department, Organization, User
from notifications.models import Notification
from projects.management.commands.seed_demo import (
    CN_CALENDAR,
    CN_HOLIDAYS,
    CN_MAKEUP_WORKDAYS,
    DEMO_PASSWORD,
    PROJECTS,
)
from projects.models import (
    ActionItem,
    ChangeRequest,
    InitiationRequest,
    InitiationTransition,
    Meeting,
    Membership,
    Project,
)
from quality.models import ClientFeedback
from tasks import demo, scheduling
from tasks.models import (
    Baseline,
    BaselineTask,
    Dependency,
    ProgressEntry,
    PublishedReport,
    Task,
    WorkCalendar,
)
from tasks.progress import is_overdue

pytestmark = pytest.mark.django_db

COUNTED = [Department, Organization, User, WorkCalendar, InitiationRequest, InitiationTransition,
           Project, Membership, Meeting, ActionItem, Notification,
           InitiationRequest.history.model, Project.history.model, Membership.history.model,
           Task, Dependency, Baseline, BaselineTask, ProgressEntry, Task.history.model,
           ChangeRequest, ClientFeedback, PublishedReport]


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


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
        "tasks": sorted(Task.objects.values_list("pk", "version", "percent_complete",
                                                 "planned_end", "has_open_problem")),
        "percent": sorted(Project.objects.values_list("code", "percent_complete")),
    }


@pytest.fixture
def seeded(django_capture_on_commit_callbacks):
    return seed(django_capture_on_commit_callbacks)


@pytest.fixture(scope="class")
def demo_company(django_db_setup, django_db_blocker):
    """The demo seeded once for a class of read-only tests (its output), rolled back after them.

    Each test still runs in its own savepoint inside this transaction.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS), \
                TestCase.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_second_run_changes_nothing(seeded, django_capture_on_commit_callbacks):
    first = snapshot()
    output = seed(django_capture_on_commit_callbacks)
    assert snapshot() == first
    assert "Nothing new" in output


@pytest.mark.usefixtures("demo_company")
class TestCompany:
    def test_six_projects_spread_over_the_lifecycle(self):
        assert Project.objects.count() == 6
        statuses = Counter(Project.objects.values_list("status", flat=True))
        assert statuses == {"executing": 2, "planning": 1, "closing": 1, "closed": 1, "on_hold": 1}
        for project in Project.objects.all():
            assert project.initiation.status == InitiationRequest.Status.APPROVED
            assert project.initiation.requester.department.kind == Department.Kind.BUSINESS
            approval = project.initiation.transitions.get(to_status="approved")
            assert approval.actor.system_role == User.SystemRole.MANAGEMENT

    def test_the_requests_that_stop_before_approval(self):
        statuses = Counter(InitiationRequest.objects.values_list("status", flat=True))
        assert statuses == {"approved": 6, "submitted": 1, "draft": 1, "returned": 1}
        returned = InitiationRequest.objects.get(status="returned")
        assert returned.transitions.get(to_status="returned").comment

    def test_management_has_a_request_in_the_approval_inbox(self):
        inbox = InitiationRequest.objects.filter(status=InitiationRequest.Status.SUBMITTED)
        assert inbox.count() == 1
        boss = User.objects.filter(system_role=User.SystemRole.MANAGEMENT).first()
        assert Notification.objects.filter(recipient=boss, kind="initiation").exists()

    def test_company_people_and_roles(self):
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

    def test_two_client_organisations_with_their_users(self):
        assert Organization.objects.count() == 2
        for org in Organization.objects.all():
            clients = org.users.all()
            assert clients.count() == 2
            assert all(user.system_role == User.SystemRole.CLIENT for user in clients)
        assert not User.objects.filter(system_role="client", organization__isnull=True).exists()

    def test_every_project_has_one_pm_and_a_full_team(self):
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

    def test_meetings_with_minutes_decisions_and_action_items(self):
        for project in Project.objects.all():
            kickoff = project.meetings.get(kind=Meeting.Kind.KICKOFF)
            assert kickoff.minutes and kickoff.decisions and kickoff.attendees.exists()
            assert kickoff.action_items.count() >= 3
            regular = project.meetings.filter(kind=Meeting.Kind.REGULAR)
            assert regular.count() == (1 if project.status == Project.Status.EXECUTING else 0)

    def test_china_calendar_has_the_2026_holidays_and_makeup_days(self):
        calendar = WorkCalendar.objects.get(name=CN_CALENDAR)
        assert {"2026-01-01", "2026-02-17", "2026-10-07"} <= set(calendar.holidays)
        assert calendar.extra_workdays == ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09",
                                           "2026-09-20", "2026-10-10"]
        assert WorkCalendar.objects.filter(is_default=True).count() == 1
        assert not Project.objects.exclude(calendar=calendar).exists()

    def test_prints_the_password_and_the_logins(self, demo_company):
        assert DEMO_PASSWORD in demo_company
        for username in ("admin", "zhangwei", "yangfan", "qj.zhoumin"):
            assert username in demo_company


def test_password_option(django_capture_on_commit_callbacks):
    output = seed(django_capture_on_commit_callbacks, "--password", "another-Secret-9")
    assert "another-Secret-9" in output
    assert User.objects.get(username="zhangwei").check_password("another-Secret-9")


# --- Plans and execution (P3.1c, P3.2a/b) -----------------------------------------------------

def leaves(project):
    return project.tasks.filter(is_summary=False)


@pytest.mark.usefixtures("demo_company")
class TestPlans:
    def test_every_project_has_phases_steps_and_milestones(self):
        for project in Project.objects.all():
            phases = project.tasks.filter(parent=None)
            assert 4 <= phases.count() <= 6, project
            assert all(phase.is_summary and 3 <= phase.children.count() <= 8
                       for phase in phases)
            assert not project.tasks.filter(parent__parent__isnull=False).exists()
            assert all(any("\u4e00" <= ch <= "\u9fff" for ch in task.name)
                       for task in project.tasks.all())
            durations = list(leaves(project).values_list("duration_days", flat=True))
            assert 0 in durations and max(durations) <= 15
            assert min(d for d in durations if d) >= 1
            team = set(project.memberships.exclude(role__in=["client", "observer"])
                       .values_list("user_id", flat=True))
            assert set(project.tasks.values_list("owner_id", flat=True)) <= team
            assert not project.tasks.filter(planned_start__isnull=True).exists()
            assert project.tasks.order_by("planned_start")[0].planned_start >= (
                project.planned_start)

    def test_plans_are_networks_with_a_critical_path_and_no_cycle(self):
        types, lags = Counter(), Counter()
        for project in Project.objects.all():
            links = list(project.dependencies.values_list(
                "predecessor_id", "successor_id", "type", "lag_days"))
            assert len(links) >= leaves(project).count() - 5, project
            ids = list(project.tasks.values_list("pk", flat=True))
            assert scheduling.find_cycle(ids, links) is None
            phase_of = dict(project.tasks.values_list("pk", "parent_id"))
            assert any(phase_of[p] != phase_of[s] for p, s, _t, _l in links)  # phase to phase
            assert leaves(project).filter(is_critical=True).exists()
            assert project.tasks.filter(is_summary=True, is_critical=True).exists()
            types.update(t for _p, _s, t, _l in links)
            lags.update("lead" if lag < 0 else "lag" if lag > 0 else "none"
                        for _p, _s, _t, lag in links)
        assert types["FS"] > types["SS"] + types["FF"] and types["SS"] and types["FF"]
        assert lags["lead"] and lags["lag"]

    def test_baseline_past_planning_and_the_slip_of_executing_projects(self):
        for project in Project.objects.all():
            if project.status == Project.Status.PLANNING:
                assert not project.baselines.exists()
                continue
            baseline = project.baselines.get(number=1)
            assert baseline.name == "计划基线"
            assert baseline.taken_by == project.memberships.get(role="pm").user
            assert baseline.tasks.count() == project.tasks.count()
            then = dict(baseline.tasks.values_list("task_id", "planned_end"))
            slipped = [t for t in project.tasks.all() if t.planned_end > then[t.pk]]
            if project.status == Project.Status.EXECUTING:
                finish = max(t.planned_end for t in project.tasks.all())
                assert slipped and finish > baseline.project_finish, project
            else:
                assert not slipped

    def test_progress_is_reported_by_the_task_owners(self):
        today = timezone.localdate()
        entries = ProgressEntry.objects.select_related("task", "task__project")
        assert entries.count() > 100
        assert not entries.filter(date__gt=today).exists()
        assert all(entry.author_id == entry.task.owner_id for entry in entries)
        assert not entries.filter(task__project__status=Project.Status.PLANNING).exists()
        for project in Project.objects.exclude(status=Project.Status.PLANNING):
            assert entries.filter(task__project=project).exists(), project
            # % complete rolls up from the tasks, weighted by duration.
            weighted = [(t.duration_days, t.percent_complete) for t in leaves(project)]
            expected = sum(Decimal(d) * p for d, p in weighted) / sum(d for d, _p in weighted)
            assert abs(project.percent_complete - expected) < 1

    def test_executing_projects_have_done_current_late_and_problem_tasks(self):
        today = timezone.localdate()
        monday = today - datetime.timedelta(days=today.weekday())
        for project in Project.objects.filter(status=Project.Status.EXECUTING):
            tasks = list(leaves(project))
            statuses = {t.status for t in tasks}
            assert {Task.Status.DONE, Task.Status.IN_PROGRESS, Task.Status.NOT_STARTED} <= (
                statuses)
            assert any(is_overdue(t, today) for t in tasks), project
            assert 20 < project.percent_complete < 80
            past = [t for t in tasks if t.planned_end < today]
            assert sum(t.percent_complete == 100 for t in past) >= len(past) - 2
            open_problems = [t for t in tasks if t.has_open_problem]
            assert open_problems and all(t.status != Task.Status.DONE for t in open_problems)
            assert ProgressEntry.objects.filter(task__in=open_problems).exclude(
                problems="").exists()
            # The weekly progress sheets of this and last week have rows to show.
            assert ProgressEntry.objects.filter(
                task__project=project, date__gte=monday - datetime.timedelta(days=7)).exists()

    def test_closed_closing_and_on_hold_projects(self):
        closed = Project.objects.get(status=Project.Status.CLOSED)
        assert closed.percent_complete == 100
        assert not closed.tasks.exclude(percent_complete=100).exists()
        assert not leaves(closed).exclude(status=Task.Status.DONE).exists()
        solved = ProgressEntry.objects.filter(task__project=closed).exclude(problems="")
        assert solved.exists() and not solved.filter(problem_resolved_at__isnull=True).exists()
        closing = Project.objects.get(status=Project.Status.CLOSING)
        assert 90 < closing.percent_complete < 100  # final documents and acceptance remain
        assert not closing.tasks.filter(has_open_problem=True).exists()
        on_hold = Project.objects.get(status=Project.Status.ON_HOLD)
        assert on_hold.tasks.filter(has_open_problem=True).exists()
        reports = ProgressEntry.objects.filter(task__project=on_hold)
        assert reports.exists()
        assert not reports.filter(date__gte=timezone.localdate()).exists()  # stopped when paused


@pytest.mark.usefixtures("demo_company")
class TestClientSide:
    """The two client projects under way show the portal at work (P4.3)."""

    def test_change_requests_at_every_step_and_feedback_in_every_state(self):
        assert set(ChangeRequest.objects.values_list("status", flat=True)) == {
            "submitted", "assessed", "approved", "rejected", "implemented"}
        assert set(ClientFeedback.objects.values_list("status", flat=True)) == {
            "open", "assigned", "answered", "closed"}
        implemented = ChangeRequest.objects.get(status="implemented")
        assert implemented.baseline.number == 2 and implemented.previous_baseline.number == 1
        assert implemented.changed_tasks.exists()
        for cr in ChangeRequest.objects.all():
            assert cr.requested_by.is_client
            assert cr.transitions.count() >= 1
        answered = ClientFeedback.objects.filter(first_answered_at__isnull=False)
        assert answered.exists()
        assert all(f.response_time.total_seconds() > 0 for f in answered)

    def test_reports_and_shared_problems(self):
        for project in Project.objects.filter(change_requests__isnull=False).distinct():
            reports = PublishedReport.objects.filter(project=project)
            assert reports.count() == 2
            assert all(r.content["stages"] for r in reports)
            assert ProgressEntry.objects.filter(
                task__project=project, shared_with_client=True).exists()


def test_a_plan_is_built_for_a_project_without_tasks(seeded, django_capture_on_commit_callbacks):
    planning = Project.objects.get(status=Project.Status.PLANNING)
    planning.tasks.all().delete()
    seed(django_capture_on_commit_callbacks)
    assert planning.tasks.count() > 20
    # Later baselines are only those of implemented change requests.
    assert set(Baseline.objects.filter(number__gt=1)) == {
        cr.baseline for cr in ChangeRequest.objects.filter(status="implemented")
    }


@pytest.mark.parametrize("template", demo.TEMPLATES.values(), ids=lambda t: t.key)
def test_templates_are_sound(template):
    assert demo.check(template) == []


def test_the_story_holds_whatever_day_the_demo_is_seeded():
    """Executing plans have a late task and an open problem whenever the demo is seeded."""
    calendar = scheduling.WorkCalendar(
        holidays={datetime.date.fromisoformat(day) for day in CN_HOLIDAYS},
        extra_workdays={datetime.date.fromisoformat(day) for day in CN_MAKEUP_WORKDAYS},
    )
    specs = [spec for spec in PROJECTS if spec["path"] == [Project.Status.EXECUTING]]
    for offset in range(0, 366, 11):
        today = datetime.date(2026, 1, 5) + datetime.timedelta(days=offset)
        for spec in specs:
            template = demo.TEMPLATES[spec["plan"]]
            start = today + datetime.timedelta(days=spec["start"])
            end = today + datetime.timedelta(days=spec["end"])
            durations = demo.fit_durations(template, calendar=calendar, start=start, end=end)
            result = scheduling.schedule(
                [(s.key, durations[s.key] + s.slip, None) for s in template.steps],
                template.links(), calendar=calendar, project_start=start)
            schedule = {k: (t.early_start, t.early_finish, t.duration)
                        for k, t in result.tasks.items()}
            reports = demo.progress_reports(template, schedule, calendar=calendar, as_of=today)
            final = {r.key: r.percent for r in reports}
            assert any(finish < today and final.get(key, 0) < 100
                       for key, (_s, finish, days) in schedule.items() if days), today
            solved = demo.solved_problems(reports, calendar=calendar, as_of=today, over=False)
            assert {r.key for r in reports if r.problems} - solved, (today, spec["plan"])
