"""The alert jobs find exactly the right cases, once per subject and day (API.md, P3.2b, P4.2d)."""
import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from django_celery_beat.models import PeriodicTask

from notifications import jobs
from notifications import tasks as celery_tasks
from notifications.models import AlertSettings, Kind, Notification
from projects.models import Membership, Project
from tasks.models import Task
from tests.accounts.factories import UserFactory
from tests.projects.factories import MembershipFactory, ProjectFactory

from .conftest import FRIDAY, days

pytestmark = pytest.mark.django_db
Status = Task.Status


def sent(kind, **filters):
    """{(recipient username, task name)} of the notifications of `kind`."""
    return {
        (n.recipient.username, n.task.name if n.task else None)
        for n in Notification.objects.filter(kind=kind, **filters).select_related("recipient",
                                                                                  "task")
    }


# --- overdue --------------------------------------------------------------------------------

def test_overdue_starts_the_day_after_the_planned_finish(world, make_task):
    make_task("Due today", end=FRIDAY)
    make_task("Due yesterday", end=FRIDAY - days(1))

    assert jobs.run_overdue(on=FRIDAY) == 2
    assert sent(Kind.OVERDUE) == {("member", "Due yesterday"), ("pm", "Due yesterday")}


@pytest.mark.parametrize("status", [Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED])
def test_unfinished_tasks_are_overdue(world, make_task, status):
    make_task("Late", end=FRIDAY - days(3), status=status)
    assert jobs.run_overdue(on=FRIDAY) == 2


@pytest.mark.parametrize("status", [Status.DONE, Status.CANCELLED])
def test_done_and_cancelled_tasks_are_never_overdue(world, make_task, status):
    make_task("Closed", end=FRIDAY - days(3), status=status)
    assert jobs.run_overdue(on=FRIDAY) == 0
    assert not Notification.objects.exists()


def test_owner_and_pm_each_get_one_notification_per_task(world, make_task):
    cabling = make_task("Cabling", end=FRIDAY - days(2))
    make_task("Survey", end=FRIDAY - days(5), owner="assistant")

    assert jobs.run_overdue(on=FRIDAY) == 4
    assert sent(Kind.OVERDUE) == {("member", "Cabling"), ("pm", "Cabling"),
                                  ("assistant", "Survey"), ("pm", "Survey")}
    note = Notification.objects.get(recipient=world.member)
    assert (note.project, note.task, note.day, note.read) == (world.project, cabling, FRIDAY,
                                                              False)
    assert note.params == {"task": "Cabling", "project": world.project.code,
                           "due": (FRIDAY - days(2)).isoformat()}


def test_a_pm_who_owns_the_task_is_notified_once(world, make_task):
    make_task("PM's own", end=FRIDAY - days(1), owner="pm")
    assert jobs.run_overdue(on=FRIDAY) == 1
    assert sent(Kind.OVERDUE) == {("pm", "PM's own")}


def test_a_task_without_owner_goes_to_the_pm(world, make_task):
    make_task("Nobody's", end=FRIDAY - days(1), owner=None)
    assert jobs.run_overdue(on=FRIDAY) == 1
    assert sent(Kind.OVERDUE) == {("pm", "Nobody's")}


def test_inactive_people_are_not_notified(world, make_task):
    world.member.is_active = False
    world.member.save()
    make_task("Late", end=FRIDAY - days(1))
    assert jobs.run_overdue(on=FRIDAY) == 1
    assert sent(Kind.OVERDUE) == {("pm", "Late")}


def test_summary_tasks_are_left_to_their_leaves(world, make_task):
    phase = make_task("Phase", end=FRIDAY - days(1))
    Task.objects.filter(pk=phase.pk).update(is_summary=True)
    make_task("Leaf", end=FRIDAY - days(1), parent=phase)
    jobs.run_overdue(on=FRIDAY)
    assert {name for _user, name in sent(Kind.OVERDUE)} == {"Leaf"}


@pytest.mark.parametrize("status", [Project.Status.CLOSED, Project.Status.CANCELLED,
                                    Project.Status.ON_HOLD])
def test_projects_that_are_not_under_way_raise_no_alerts(world, make_task, status):
    Project.objects.filter(pk=world.project.pk).update(status=status)
    make_task("Late", end=FRIDAY - days(1))
    assert jobs.run_overdue(on=FRIDAY) == 0


def test_running_again_adds_nothing_and_the_next_day_adds_again(world, make_task):
    make_task("Late", end=FRIDAY - days(1))
    assert jobs.run_overdue(on=FRIDAY) == 2
    assert jobs.run_overdue(on=FRIDAY) == 0
    assert Notification.objects.count() == 2
    # Read or not, the day's notification stays the only one.
    Notification.objects.update(read=True)
    assert jobs.run_overdue(on=FRIDAY) == 0

    assert jobs.run_overdue(on=FRIDAY + days(1)) == 2
    assert Notification.objects.filter(day=FRIDAY + days(1)).count() == 2
    assert Notification.objects.count() == 4


def test_every_project_is_covered_in_one_statement(world, make_task,
                                                   django_assert_num_queries):
    for i in range(3):
        other = ProjectFactory(status=Project.Status.EXECUTING)
        pm = UserFactory()
        MembershipFactory(project=other, user=pm, role=Membership.Role.PM)
        make_task(f"Late {i}", end=FRIDAY - days(1), project=other, owner=world.member)
    make_task("Late here", end=FRIDAY - days(1))
    # A savepoint and its release around the one INSERT … SELECT.
    with django_assert_num_queries(3):
        assert jobs.run_overdue(on=FRIDAY) == 8


def test_the_overdue_message_is_rendered_in_the_readers_language(world, make_task):
    make_task("Cabling", end=datetime.date(2026, 12, 1))
    jobs.run_overdue(on=FRIDAY)
    note = Notification.objects.get(recipient=world.member)
    assert note.message == ""
    with translation.override("en"):
        assert note.text == (f"“Cabling” ({world.project.code}) is overdue: "
                             "it was due on Dec. 1, 2026.")
    with translation.override("zh-hans"):
        assert "2026年12月1日" in note.text


# --- due soon -------------------------------------------------------------------------------

def test_due_soon_uses_the_thresholds_and_warns_earlier_on_the_critical_path(world, make_task):
    for offset in (-1, 0, 3, 4):
        make_task(f"+{offset}", end=FRIDAY + days(offset))
    for offset in (5, 6):
        make_task(f"critical +{offset}", end=FRIDAY + days(offset), is_critical=True)
    make_task("done +1", end=FRIDAY + days(1), status=Status.DONE)

    assert jobs.run_due_soon(on=FRIDAY) == 3
    assert sent(Kind.DUE_SOON) == {("member", "+0"), ("member", "+3"),
                                   ("member", "critical +5")}


def test_due_soon_goes_to_the_owner_once_per_deadline(world, make_task):
    task = make_task("Cabling", end=FRIDAY + days(2))
    assert jobs.run_due_soon(on=FRIDAY) == 1
    assert jobs.run_due_soon(on=FRIDAY + days(1)) == 0
    note = Notification.objects.get()
    assert (note.recipient, note.day) == (world.member, FRIDAY + days(2))
    # A new deadline is news again.
    Task.objects.filter(pk=task.pk).update(planned_end=FRIDAY + days(3))
    assert jobs.run_due_soon(on=FRIDAY + days(1)) == 1


def test_due_soon_thresholds_come_from_the_alert_settings(world, make_task):
    make_task("In ten days", end=FRIDAY + days(10))
    make_task("Critical in twelve", end=FRIDAY + days(12), is_critical=True)
    limits = AlertSettings.load()
    assert jobs.run_due_soon(on=FRIDAY) == 0
    limits.due_soon_days, limits.due_soon_days_critical = 10, 12
    limits.save()
    assert jobs.run_due_soon(on=FRIDAY) == 2


def test_a_critical_due_soon_says_so(world, make_task):
    make_task("Core switch", end=FRIDAY + days(1), is_critical=True)
    jobs.run_due_soon(on=FRIDAY)
    with translation.override("en"):
        assert Notification.objects.get().text.startswith("Critical-path task “Core switch”")


# --- stale progress -------------------------------------------------------------------------

def test_stale_progress_flags_tasks_without_a_report_for_seven_days(world, make_task, report):
    stale = make_task("Stale", end=FRIDAY + days(20), status=Status.IN_PROGRESS)
    report(stale, on=FRIDAY - days(7))
    fresh = make_task("Fresh", end=FRIDAY + days(20), status=Status.IN_PROGRESS)
    report(fresh, on=FRIDAY - days(10))
    report(fresh, on=FRIDAY - days(6))
    make_task("Never reported", end=FRIDAY + days(20), status=Status.IN_PROGRESS,
              actual_start=FRIDAY - days(9))
    make_task("Just started", end=FRIDAY + days(20), status=Status.IN_PROGRESS,
              actual_start=FRIDAY - days(2))
    make_task("Not started", end=FRIDAY + days(20), actual_start=FRIDAY - days(30))

    jobs.run_stale_progress(on=FRIDAY)

    assert sent(Kind.STALE_PROGRESS) == {
        ("member", "Stale"), ("assistant", "Stale"),
        ("member", "Never reported"), ("assistant", "Never reported"),
    }
    note = Notification.objects.get(recipient=world.member, task=stale)
    assert note.params["since"] == (FRIDAY - days(7)).isoformat()


def test_stale_progress_reaches_every_assistant_once_per_stale_report(world, make_task, report):
    second = UserFactory(username="assistant2")
    MembershipFactory(project=world.project, user=second, role=Membership.Role.ASSISTANT)
    task = make_task("Stale", end=FRIDAY + days(20), status=Status.IN_PROGRESS)
    report(task, on=FRIDAY - days(8))

    assert jobs.run_stale_progress(on=FRIDAY) == 3
    assert jobs.run_stale_progress(on=FRIDAY + days(1)) == 0
    # Reported again, then silent again for a week: a new alert.
    report(task, on=FRIDAY + days(1))
    assert jobs.run_stale_progress(on=FRIDAY + days(2)) == 0
    assert jobs.run_stale_progress(on=FRIDAY + days(8)) == 3


# --- weekly progress reminder ---------------------------------------------------------------

def test_progress_reminder_goes_on_the_weekday_to_members_who_have_not_reported(
    world, executing, make_task, report
):
    make_task("Member's", end=FRIDAY + days(10))
    make_task("Member's other", end=FRIDAY + days(12))
    reported = make_task("QA's", end=FRIDAY + days(10), owner="qa")
    report(reported, on=FRIDAY - days(4), by="qa")  # Monday of this week
    make_task("Finance's, done", end=FRIDAY - days(1), owner="finance", status=Status.DONE)

    assert jobs.run_progress_reminders(on=FRIDAY - days(1)) == 0
    assert jobs.run_progress_reminders(on=FRIDAY) == 1
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.project, note.task) == (
        world.member, Kind.PROGRESS_REMINDER, None, None)
    assert note.params == {"week": "2026-W49", "tasks": 2}
    assert note.day == FRIDAY - days(4)
    with translation.override("en"):
        assert note.text == ("Please report your progress for week 2026-W49: "
                             "you own 2 open tasks.")


def test_a_report_by_the_assistant_on_the_members_task_counts(world, executing, make_task,
                                                              report):
    task = make_task("Member's", end=FRIDAY + days(10))
    report(task, on=FRIDAY - days(1), by="assistant")
    assert jobs.run_progress_reminders(on=FRIDAY) == 0


def test_last_weeks_report_does_not_count(world, executing, make_task, report):
    task = make_task("Member's", end=FRIDAY + days(10))
    report(task, on=FRIDAY - days(5))  # last Sunday
    assert jobs.run_progress_reminders(on=FRIDAY) == 1


def test_progress_reminder_only_for_executing_projects(world, make_task):
    make_task("Planning only", end=FRIDAY + days(10))
    assert world.project.status == Project.Status.PLANNING
    assert jobs.run_progress_reminders(on=FRIDAY) == 0


def test_one_progress_reminder_per_member_and_week(world, executing, make_task):
    make_task("Member's", end=FRIDAY + days(10))
    assert jobs.run_progress_reminders(on=FRIDAY) == 1
    assert jobs.run_progress_reminders(on=FRIDAY) == 0
    limits = AlertSettings.load()
    limits.progress_reminder_weekday = 5
    limits.save()
    # Moved to Saturday, same week: still the one reminder. The next week: a new one.
    assert jobs.run_progress_reminders(on=FRIDAY + days(1)) == 0
    assert jobs.run_progress_reminders(on=FRIDAY + days(8)) == 1


# --- running them ---------------------------------------------------------------------------

def test_run_alerts_runs_every_job_and_prints_counts(world, executing, make_task):
    make_task("Late", end=FRIDAY - days(1))
    make_task("Soon", end=FRIDAY + days(1))
    out = StringIO()
    call_command("run_alerts", date="2026-12-04", stdout=out)
    lines = dict(line.split() for line in out.getvalue().splitlines()[1:])
    assert out.getvalue().startswith("Alerts for 2026-12-04:")
    assert lines == {"overdue": "2", "due_soon": "1", "stale_progress": "0",
                     "progress_reminder": "1", "feedback_waiting": "0", "emails": "0",
                     "digests": "2"}
    out = StringIO()
    call_command("run_alerts", date="2026-12-04", stdout=out)
    assert {line.split()[1] for line in out.getvalue().splitlines()[1:]} == {"0"}


def test_run_alerts_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_alerts", date="04.12.2026")


def test_the_celery_tasks_run_the_same_jobs(world, make_task):
    make_task("Late", end=FRIDAY - days(1))
    assert celery_tasks.overdue_alerts(date="2026-12-04") == 2
    assert celery_tasks.overdue_alerts(date="2026-12-04") == 0
    assert celery_tasks.due_soon_alerts(date="2026-12-04") == 0
    assert celery_tasks.stale_progress_alerts(date="2026-12-04") == 0
    assert celery_tasks.progress_reminders(date="2026-12-04") == 0
    assert celery_tasks.send_emails() == 0
    assert celery_tasks.send_digests(date="2026-12-04") == 2


def test_the_schedule_is_installed_and_names_registered_tasks():
    from config.celery import app

    app.loader.import_default_modules()
    scheduled = {task.name: task for task in PeriodicTask.objects.filter(
        task__startswith="notifications.")}
    assert {task.task for task in scheduled.values()} == {
        "notifications.overdue_alerts", "notifications.due_soon_alerts",
        "notifications.stale_progress_alerts", "notifications.progress_reminders",
        "notifications.feedback_waiting_alerts", "notifications.send_digests",
        "notifications.send_emails",
    }
    assert {task.task for task in scheduled.values()} <= set(app.tasks)
    overdue = scheduled["Alerts: overdue tasks"]
    assert (overdue.crontab.hour, overdue.crontab.minute, overdue.enabled) == ("7", "30", True)
    assert scheduled["E-mail: daily digests"].crontab.hour == "18"
    assert scheduled["Alerts: weekly progress reminder"].crontab.hour == "9"


def test_an_admins_change_to_the_schedule_survives_the_next_migrate():
    from django.apps import apps

    from notifications.schedule import install_schedule

    task = PeriodicTask.objects.get(name="Alerts: overdue tasks")
    task.enabled = False
    task.save()
    install_schedule(apps)
    task.refresh_from_db()
    assert not task.enabled
    assert PeriodicTask.objects.filter(name="Alerts: overdue tasks").count() == 1


def test_a_day_is_parsed_from_what_celery_passes():
    assert jobs.parse_day("2026-12-04") == FRIDAY
    assert jobs.parse_day(FRIDAY) == FRIDAY
    assert jobs.parse_day(None) == jobs.today()


# --- client feedback waiting for an answer (P2.3b) -------------------------------------------

def _feedback(world, subject, *, hours_ago, assignee=None):
    from django.utils import timezone

    from quality import services as quality_services
    from quality.models import ClientFeedback

    feedback = quality_services.submit_feedback(
        user=world.client, project=world.project, kind="complaint", subject=subject, body="b")
    if assignee is not None:
        feedback = quality_services.assign_feedback(user=world.pm, feedback=feedback,
                                                    assignee=assignee)
    received = timezone.now() - datetime.timedelta(hours=hours_ago)
    ClientFeedback.objects.filter(pk=feedback.pk).update(created_at=received)
    feedback.events.update(created_at=received)
    return feedback


def test_feedback_waiting_past_the_target_goes_to_its_assignee_or_its_handlers(world):
    from django.utils import timezone

    from quality import services as quality_services

    Membership.objects.filter(project=world.project, user=world.member).update(
        team=Membership.Team.CUSTOMER_SERVICE)
    _feedback(world, "Slow and assigned", hours_ago=30, assignee=world.qa)
    _feedback(world, "Slow and nobody on it", hours_ago=26)
    _feedback(world, "Recent", hours_ago=2, assignee=world.qa)
    answered = _feedback(world, "Answered", hours_ago=40, assignee=world.qa)
    quality_services.answer_feedback(user=world.qa, feedback=answered, answer="Done.")
    today = timezone.localdate()

    assert jobs.run_feedback_waiting(on=today) == 3
    got = {n.recipient.username: n for n in Notification.objects.filter(
        kind=Kind.FEEDBACK_WAITING).select_related("recipient")}
    assert set(got) == {"qa", "pm", "member"}  # client, outsider and others: nothing
    assert got["qa"].params == {"count": 1, "hours": 24}
    assert got["pm"].params["count"] == 1
    with translation.override("en"):
        assert got["qa"].text == ("1 item of client feedback has waited more than 24 hours "
                                  "for an answer.")
        assert got["qa"].link == "/feedback/"
    with translation.override("zh-hans"):
        assert "24" in got["qa"].text and "客户反馈" in got["qa"].text
    # Once a day, however often it runs; a stricter target the next day counts the recent one.
    assert jobs.run_feedback_waiting(on=today) == 0
    limits = AlertSettings.load()
    limits.feedback_response_hours = 1
    limits.save()
    assert jobs.run_feedback_waiting(on=today + days(1)) == 3
    assert Notification.objects.get(kind=Kind.FEEDBACK_WAITING, recipient=world.qa,
                                    day=today + days(1)).params["count"] == 2


def test_reopened_feedback_waits_from_when_it_was_reopened(world):
    from django.utils import timezone

    from quality import services as quality_services

    feedback = _feedback(world, "Reopened", hours_ago=100, assignee=world.qa)
    feedback = quality_services.answer_feedback(user=world.qa, feedback=feedback, answer="x")
    quality_services.reopen_feedback(user=world.client, feedback=feedback, comment="Not yet")
    assert jobs.run_feedback_waiting(on=timezone.localdate()) == 0  # reopened just now
