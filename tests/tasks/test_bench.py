"""The benchmark harness: seed_bench's data, bench's JSON lines, and cleaning up after both."""
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from projects.models import Membership, Project
from tasks import bench, services
from tasks.models import Dependency, Task

pytestmark = pytest.mark.django_db

KEYS = {"name", "value", "unit", "target", "runs"}


def run_bench(*names, **options):
    out = StringIO()
    call_command("bench", *names, stdout=out, stderr=StringIO(), **options)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def assert_no_bench_data():
    assert not Project.objects.filter(code__startswith="BENCH-").exists()
    assert not User.objects.filter(username__startswith="bench_").exists()
    assert not Task.objects.exists()
    assert not Membership.objects.exists()
    assert not Project.history.exists()
    assert not Task.history.exists()
    assert not Membership.history.exists()


def test_bench_prints_one_json_line_per_measurement_and_leaves_nothing_behind():
    lines = run_bench("cpm_100k", "reschedule_edit_10k", scale=0.01, runs=2)

    assert [line["name"] for line in lines] == ["cpm_100k", "reschedule_edit_10k"]
    for line in lines:
        assert line.keys() >= KEYS
        assert line["value"] > 0
        assert line["unit"] == "s"
        assert line["target"] == 1.0
        assert line["runs"] == 2
        assert "error" not in line
    assert lines[1]["queries"] > 0
    assert_no_bench_data()


def test_reschedule_edit_really_moves_dates_on_each_run(monkeypatch):
    moved = []
    update_task = services.update_task

    def spy(*, task, **fields):
        before = dict(Task.objects.filter(project=task.project).values_list("id", "planned_end"))
        result = update_task(task=task, **fields)
        after = dict(Task.objects.filter(project=task.project).values_list("id", "planned_end"))
        moved.append(sum(before[pk] != after[pk] for pk in before))
        return result

    monkeypatch.setattr(services, "update_task", spy)
    run_bench("reschedule_edit_10k", scale=0.01, runs=3)

    assert len(moved) == 4  # a warm-up and three timed runs
    assert all(count > 1 for count in moved)


def test_plan_page_missing_is_reported_not_failed(monkeypatch):
    def no_page(*args, **kwargs):
        raise NoReverseMatch("tasks:plan")

    monkeypatch.setattr(bench, "reverse", no_page)
    (line,) = run_bench("plan_page_2k", scale=0.01)

    assert line == {
        "name": "plan_page_2k", "value": None, "unit": "ms", "target": 300,
        "error": "planning page not available",
    }
    assert_no_bench_data()


def test_plan_page_is_timed_in_milliseconds_when_it_exists():
    try:
        reverse("tasks:plan", args=[1])
    except NoReverseMatch:
        pytest.skip("the planning page is not there yet")
    (line,) = run_bench("plan_page_2k", scale=0.01, runs=1)

    assert line["unit"] == "ms" and line["value"] > 0 and line["queries"] > 0
    assert_no_bench_data()


def test_a_failing_measurement_is_reported_cleaned_up_and_fails_the_command(monkeypatch):
    monkeypatch.setitem(bench.MEASUREMENTS, "boom", None)

    @bench.measurement("boom", unit="ms", target=5)
    def boom(b):
        b.seed_project(tasks=30)
        raise RuntimeError("kaput")

    out = StringIO()
    with pytest.raises(CommandError, match="boom"):
        call_command("bench", "boom", stdout=out, stderr=StringIO())

    line = json.loads(out.getvalue())
    assert line == {
        "name": "boom", "value": None, "unit": "ms", "target": 5, "error": "RuntimeError: kaput",
    }
    assert_no_bench_data()


def test_a_registered_measurement_reports_the_median_in_its_unit(monkeypatch):
    monkeypatch.setitem(bench.MEASUREMENTS, "fixed", None)

    @bench.measurement("fixed", unit="ms", target=250, runs=3)
    def fixed(b):
        return [0.3, 0.1, 0.2][: b.runs]

    (line,) = run_bench("fixed")

    assert line == {"name": "fixed", "value": 200.0, "unit": "ms", "target": 250, "runs": 3}


def test_unknown_measurement_is_refused():
    with pytest.raises(CommandError, match="Unknown measurement nope"):
        run_bench("nope")


def test_bench_deletes_only_its_own_data():
    call_command("seed_bench", projects=1, tasks_per_project=20, stdout=StringIO(),
                 stderr=StringIO())
    seeded = set(Project.objects.values_list("code", flat=True))

    run_bench("reschedule_edit_10k", scale=0.01, runs=1)

    assert set(Project.objects.values_list("code", flat=True)) == seeded
    assert Task.objects.count() == 20


def test_seed_bench_builds_scheduled_plans_and_clean_removes_everything():
    call_command(
        "seed_bench", projects=2, tasks_per_project=60, links_per_task=1.5, seed=7,
        stdout=StringIO(), stderr=StringIO(),
    )

    projects = list(Project.objects.filter(code__startswith="BENCH-"))
    assert len(projects) == 2
    for project in projects:
        tasks = Task.objects.filter(project=project)
        links = Dependency.objects.filter(project=project)
        assert tasks.count() == 60
        assert links.count() == 90
        assert tasks.filter(is_summary=True).exists()
        assert tasks.filter(duration_days=0, is_summary=False).exists()
        assert not links.filter(predecessor__is_summary=True).exists()
        assert not links.filter(successor__is_summary=True).exists()
        assert not tasks.filter(planned_start__isnull=True).exists()
        team = set(project.memberships.values_list("user_id", flat=True))
        assert set(tasks.exclude(owner=None).values_list("owner_id", flat=True)) <= team
        assert project.memberships.filter(role=Membership.Role.PM).count() == 1
        started = tasks.filter(is_summary=False).exclude(status=Task.Status.NOT_STARTED)
        assert not started.filter(actual_start__isnull=True).exists()
        # The stored dates are the scheduler's: scheduling again changes nothing.
        before = list(tasks.order_by("id").values())
        services.schedule_project(project=project)
        assert list(tasks.order_by("id").values()) == before

    out = StringIO()
    call_command("seed_bench", clean=True, stdout=out)

    assert "Deleted 2 bench projects" in out.getvalue()
    assert_no_bench_data()
    assert not Dependency.objects.exists()
