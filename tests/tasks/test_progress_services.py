"""tasks.progress: ISO weeks, the task rules of a report, the roll-up, solving problems, and
saving the weekly sheet all or nothing with the history a change leaves."""
import json
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from config.errors import StaleVersion
from tasks import progress, services
from tasks.models import ProgressEntry, Task
from tests.projects.factories import ProjectFactory
from tests.tasks.factories import TaskFactory


def add(w, name, **fields):
    return services.create_task(user=w.pm, project=w.project, name=name, **fields)


def fresh(task):
    return Task.objects.get(pk=task.pk)


def this_week():
    return progress.week_of(timezone.localdate())


@pytest.fixture
def tasks(world):
    world.project.planned_start = timezone.localdate() - timedelta(days=14)
    world.project.save()
    phase = add(world, "Build")
    return (phase, add(world, "Survey", parent=phase, owner=world.member, duration_days=2),
            add(world, "Cabling", parent=phase, duration_days=6))


# --- weeks ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("week", "monday"), [
    ("2026-W48", date(2026, 11, 23)), ("2026-W01", date(2025, 12, 29)),
    ("2026-W53", date(2026, 12, 28)),
])
def test_an_iso_week_gives_its_monday_and_sunday(week, monday):
    assert progress.parse_week(week) == (monday, monday + timedelta(days=6))
    assert progress.week_of(monday) == week
    assert progress.week_of(monday + timedelta(days=6)) == week


@pytest.mark.parametrize("week", [None, "", "2026-48", "2027-W53", "2026-W00", "2026-W1",
                                  " 2026-W48", "2026-w48", "2026-W48\n", 202648,
                                  "２０２６-W48"])
def test_anything_else_is_refused_naming_week(week):
    with pytest.raises(ValidationError) as caught:
        progress.parse_week(week)
    assert "week" in caught.value.message_dict


# --- the task rules -------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "percent", "after"), [
    ("not_started", 0, "not_started"),
    ("not_started", 1, "in_progress"),
    ("not_started", 100, "done"),
    ("in_progress", 0, "in_progress"),
    ("done", 99, "in_progress"),
    ("done", 0, "not_started"),
    ("blocked", 50, "blocked"),
    ("blocked", 100, "done"),
])
def test_a_report_moves_the_status(world, tasks, status, percent, after):
    _phase, survey, _cabling = tasks
    Task.objects.filter(pk=survey.pk).update(status=status)
    progress.record_progress(user=world.member, task=fresh(survey), percent_complete=percent)
    assert fresh(survey).status == after


def test_actual_dates_follow_the_reports(world, tasks):
    _phase, survey, _cabling = tasks
    day = timezone.localdate()
    progress.record_progress(user=world.member, task=survey, percent_complete=0,
                             date=day - timedelta(days=4))
    assert fresh(survey).actual_start is None
    progress.record_progress(user=world.member, task=survey, percent_complete=10,
                             date=day - timedelta(days=3))
    progress.record_progress(user=world.member, task=survey, percent_complete=20,
                             date=day - timedelta(days=5))
    assert fresh(survey).actual_start == day - timedelta(days=3)
    # A finish reported before the start still satisfies finish ≥ start.
    progress.record_progress(user=world.member, task=survey, percent_complete=100,
                             date=day - timedelta(days=6))
    task = fresh(survey)
    assert (task.actual_start, task.actual_finish) == (day - timedelta(days=3),) * 2


def test_a_report_is_recorded_in_the_tasks_history_by_its_author(world, tasks):
    _phase, survey, _cabling = tasks
    progress.record_progress(user=world.member, task=survey, percent_complete=40)
    latest = fresh(survey).history.latest()
    assert (latest.history_user, latest.percent_complete, latest.status) == (
        world.member, 40, "in_progress")


def test_who_may_report(world, tasks):
    _phase, survey, cabling = tasks
    with pytest.raises(PermissionDenied):
        progress.record_progress(user=world.member, task=cabling, percent_complete=5)
    with pytest.raises(PermissionDenied):
        progress.record_progress(user=world.management, task=survey, percent_complete=5)
    with pytest.raises(Http404):
        progress.record_progress(user=world.outsider, task=survey, percent_complete=5)
    with pytest.raises(Http404):
        progress.record_progress(user=world.client, task=survey, percent_complete=5)
    assert not ProgressEntry.objects.exists()


def test_a_stale_report_carries_the_current_task(world, tasks):
    _phase, survey, _cabling = tasks
    with pytest.raises(StaleVersion) as caught:
        progress.record_progress(user=world.pm, task=survey, percent_complete=5,
                                 expected_version=survey.version + 1)
    assert caught.value.current.pk == survey.pk


def test_roll_up_weights_by_duration_through_every_level(world):
    top = add(world, "Top")
    middle = add(world, "Middle", parent=top)
    a = add(world, "A", parent=middle, duration_days=1)
    b = add(world, "B", parent=middle, duration_days=3)
    c = add(world, "C", parent=top, duration_days=4)
    Task.objects.filter(pk=a.pk).update(percent_complete=100)
    Task.objects.filter(pk=c.pk).update(percent_complete=50)
    progress.roll_up_progress(project=world.project)
    assert fresh(middle).percent_complete == Decimal("25.00")
    assert fresh(top).percent_complete == Decimal("37.50")
    world.project.refresh_from_db()
    assert world.project.percent_complete == Decimal("37.50")
    assert fresh(b).percent_complete == 0


def test_milestones_alone_roll_up_as_a_plain_average(world):
    gate = add(world, "Gates")
    for percent in (100, 0, 100, 0):
        task = add(world, "Gate", parent=gate, duration_days=0)
        Task.objects.filter(pk=task.pk).update(percent_complete=percent)
    progress.roll_up_progress(project=world.project)
    assert fresh(gate).percent_complete == 50


def test_resolving_problems_marks_the_reports_and_bumps_the_version(world, tasks):
    _phase, survey, _cabling = tasks
    progress.record_progress(user=world.member, task=survey, percent_complete=5,
                             problems="No access")
    progress.record_progress(user=world.member, task=survey, percent_complete=6)
    task = fresh(survey)
    assert progress.resolve_problems(user=world.assistant, task=task) == 1
    assert (task.has_open_problem, task.version) == (False, fresh(survey).version)
    assert fresh(survey).version == survey.version + 3
    assert progress.resolve_problems(user=world.assistant, task=fresh(survey)) == 0
    with pytest.raises(PermissionDenied):
        progress.resolve_problems(user=world.member, task=fresh(survey))


# --- saving the sheet -----------------------------------------------------------------------

def rows_for(project):
    """This week's sheet rows as save_sheet takes them, unchanged."""
    return [
        {"task": task.pk, "version": task.version, "percent_complete": task.percent_complete}
        for task in progress.sheet_tasks(project=project, week=this_week())
    ]


def test_save_sheet_counts_the_rows_changed_and_skips_the_rest(world, tasks):
    _phase, survey, cabling = tasks
    rows = rows_for(world.project)
    rows[0]["percent_complete"] = 30
    assert progress.save_sheet(user=world.assistant, project=world.project, week=this_week(),
                               rows=rows) == 1
    assert fresh(survey).percent_complete == 30 and fresh(cabling).version == cabling.version


def test_errors_name_the_rows_by_the_numbers_given(world, tasks):
    rows = rows_for(world.project)
    rows[0]["percent_complete"] = 150
    rows[1]["hours"] = "lots"
    with pytest.raises(progress.SheetErrors) as caught:
        progress.save_sheet(user=world.pm, project=world.project, week=this_week(), rows=rows,
                            row_numbers=[7, 9])
    assert [(e["row"], e["field"]) for e in caught.value.errors] == [
        (7, "percent_complete"), (9, "hours")]


def test_conflicts_carry_the_task_as_the_sheet_shows_it(world, tasks):
    _phase, survey, _cabling = tasks
    rows = rows_for(world.project)
    progress.record_progress(user=world.member, task=survey, percent_complete=20,
                             note="Started")
    rows[0]["percent_complete"] = 50
    with pytest.raises(progress.SheetConflicts) as caught:
        progress.save_sheet(user=world.pm, project=world.project, week=this_week(), rows=rows)
    (conflict,) = caught.value.conflicts
    assert (conflict["row"], conflict["task"]) == (1, survey.pk)
    current = conflict["current"]
    assert (current.version, current.week_note, current.owner) == (
        fresh(survey).version, "Started", world.member)


def test_a_future_week_is_refused(world, tasks):
    week = progress.week_of(timezone.localdate() + timedelta(days=7))
    with pytest.raises(ValidationError) as caught:
        progress.save_sheet(user=world.pm, project=world.project, week=week, rows=[])
    assert "week" in caught.value.message_dict


def test_only_the_pm_and_assistant_save_the_sheet(world, tasks):
    for role in ("member", "qa", "management"):
        with pytest.raises(PermissionDenied):
            progress.save_sheet(user=world.users[role], project=world.project,
                                week=this_week(), rows=[])
    with pytest.raises(Http404):
        progress.save_sheet(user=world.outsider, project=world.project, week=this_week(),
                            rows=[])


def test_a_sheet_save_leaves_the_history_simple_history_would(world, tasks):
    _phase, survey, cabling = tasks
    rows = rows_for(world.project)
    rows[0].update(percent_complete=100)
    rows[1].update(percent_complete=10, problems="Trays missing")
    before = Task.history.count()

    progress.save_sheet(user=world.assistant, project=world.project, week=this_week(),
                        rows=rows)

    assert Task.history.count() == before + 2
    for task in (fresh(survey), fresh(cabling)):
        record = task.history.latest()
        assert (record.history_type, record.history_user, record.history_change_reason) == (
            "~", world.assistant, None)
        assert record.history_date >= timezone.now() - timedelta(minutes=1)
        for tracked in Task.history.model.tracked_fields:
            assert getattr(record, tracked.attname) == getattr(task, tracked.attname), tracked


def test_no_history_when_history_is_switched_off(world, tasks, settings):
    settings.SIMPLE_HISTORY_ENABLED = False
    before = Task.history.count()
    rows = rows_for(world.project)
    rows[0]["percent_complete"] = 20
    progress.save_sheet(user=world.pm, project=world.project, week=this_week(), rows=rows)
    assert Task.history.count() == before


def test_the_sheet_of_a_large_plan_is_saved_in_few_queries(world, django_assert_max_num_queries):
    TaskFactory.create_batch(1200, project=world.project)
    services.reschedule(user=world.pm, project=world.project)
    rows = rows_for(world.project)
    for number, row in enumerate(rows):
        row.update(percent_complete=number % 101, hours=number % 7, note=f"n{number}")
    # SQLite inserts a few hundred rows per statement; PostgreSQL many more.
    with django_assert_max_num_queries(70):
        updated = progress.save_sheet(user=world.pm, project=world.project, week=this_week(),
                                      rows=rows)
    assert updated == 1200
    assert ProgressEntry.objects.filter(from_sheet=True).count() == 1200
    assert Task.history.filter(history_type="~").count() == 1200


def test_a_report_of_another_project_does_not_leak_into_this_sheet(world, tasks):
    other = ProjectFactory()
    elsewhere = services.create_task(user=world.admin, project=other, name="Elsewhere")
    rows = rows_for(world.project)
    rows.append({"task": elsewhere.pk, "version": elsewhere.version, "percent_complete": 5})
    with pytest.raises(progress.SheetErrors) as caught:
        progress.save_sheet(user=world.pm, project=world.project, week=this_week(), rows=rows)
    assert caught.value.errors[0]["field"] == "task"


# --- concurrency (PostgreSQL) ---------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_roll_up_with_both_counted(world):
    phase = add(world, "Phase")
    leaves = [add(world, f"Leaf {n}", parent=phase, duration_days=1) for n in range(2)]
    barrier = threading.Barrier(2)
    failures = []

    def report(task):
        from django.db import connections

        try:
            barrier.wait()
            progress.record_progress(user=world.pm, task=fresh(task), percent_complete=100)
        except Exception as exc:  # reported to the test's thread below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=report, args=(leaf,)) for leaf in leaves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert fresh(phase).percent_complete == 100


# --- benchmarks -----------------------------------------------------------------------------

def test_the_sheet_measurements_run_and_leave_nothing_behind(db):
    from io import StringIO

    from django.core.management import call_command

    names = ["sheet_load_1k", "sheet_save_1k", "xlsx_export_10k", "xlsx_import_10k"]
    out = StringIO()
    call_command("bench", *names, scale=0.01, runs=1, stdout=out, stderr=StringIO())
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["name"] for line in lines] == names
    assert all(line["value"] > 0 and "error" not in line for line in lines)
    assert not Task.objects.exists() and not ProgressEntry.objects.exists()
    assert not Task.history.exists()


def test_a_finished_phase_is_done_and_never_overdue(world):
    from datetime import date

    from tasks import progress, services
    from tasks.models import Task

    phase = services.create_task(user=world.pm, project=world.project, name="Survey phase",
                                 duration_days=1)
    first = services.create_task(user=world.pm, project=world.project, parent=phase,
                                 name="Site visit", duration_days=1, owner=world.member)
    second = services.create_task(user=world.pm, project=world.project, parent=phase,
                                  name="Report", duration_days=1, owner=world.member)
    progress.record_progress(user=world.member, task=first, percent_complete=100)
    phase.refresh_from_db()
    assert phase.status == Task.Status.IN_PROGRESS
    progress.record_progress(user=world.member, task=second, percent_complete=100)
    phase.refresh_from_db()
    assert phase.status == Task.Status.DONE
    assert not progress.is_overdue(phase, date(2099, 1, 1))
