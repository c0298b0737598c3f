"""Plan changes through tasks.services: every write leaves the schedule consistent with it."""
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from config.errors import StaleVersion
from projects import services as project_services
from tasks import services
from tasks.models import Baseline, BaselineTask, Dependency, Task, WorkCalendar
from tests.tasks.factories import WorkCalendarFactory

# world.project starts on Tuesday 2026-12-01 on the default Monday–Friday calendar.
TUE_DEC_1 = date(2026, 12, 1)


def add(world, name, **fields):
    return services.create_task(user=world.pm, project=world.project, name=name, **fields)


def link(world, predecessor, successor, **fields):
    return services.add_dependency(
        user=world.pm, predecessor=predecessor, successor=successor, **fields
    )


def fresh(task):
    return Task.objects.get(pk=task.pk)


def dates(task):
    task = fresh(task)
    return task.planned_start, task.planned_end


def wbs_of(world):
    return list(Task.objects.filter(project=world.project).values_list("name", "wbs"))


@pytest.fixture
def bulk_updates():
    """Each write of scheduled values as (number of rows, fields), in call order."""
    calls = []
    original = services.write_columns

    def spy(model, ids, fields, values, *args, **kwargs):
        if ids:
            calls.append((len(ids), tuple(fields)))
        return original(model, ids, fields, values, *args, **kwargs)

    with mock.patch.object(services, "write_columns", spy):
        yield calls


# --- re-scheduling after each change --------------------------------------------------------

def test_new_task_is_scheduled_from_the_project_start(world):
    task = add(world, "Survey", duration_days=3)
    assert (task.planned_start, task.planned_end) == (TUE_DEC_1, date(2026, 12, 3))
    assert task.is_critical and task.total_float == 0


def test_longer_duration_moves_the_successors(world):
    survey = add(world, "Survey", duration_days=3)
    cabling = add(world, "Cabling", duration_days=2)
    link(world, survey, cabling)
    assert dates(cabling) == (date(2026, 12, 4), date(2026, 12, 7))

    services.update_task(user=world.pm, task=survey, duration_days=5)

    assert dates(survey) == (TUE_DEC_1, date(2026, 12, 7))
    assert dates(cabling) == (date(2026, 12, 8), date(2026, 12, 9))


def test_deleting_a_link_lets_the_successor_start_at_once(world):
    survey = add(world, "Survey", duration_days=3)
    cabling = add(world, "Cabling", duration_days=2)
    dependency = link(world, survey, cabling, type="FS", lag_days=2)
    assert dates(cabling) == (date(2026, 12, 8), date(2026, 12, 9))

    services.delete_dependency(user=world.pm, dependency=dependency)

    assert dates(cabling) == (TUE_DEC_1, date(2026, 12, 2))


def test_deleting_a_task_removes_its_links_and_reschedules(world):
    survey = add(world, "Survey", duration_days=3)
    cabling = add(world, "Cabling", duration_days=2)
    link(world, survey, cabling)

    services.delete_task(user=world.pm, task=survey)

    assert not Dependency.objects.filter(project=world.project).exists()
    assert dates(cabling) == (TUE_DEC_1, date(2026, 12, 2))
    assert fresh(cabling).wbs == "1"


def test_planned_start_and_end_set_the_constraint_and_the_working_days(world):
    # Monday 7 to Friday 11 December: five working days.
    task = add(world, "Install", planned_start=date(2026, 12, 7), planned_end=date(2026, 12, 11))
    assert task.start_no_earlier_than == date(2026, 12, 7)
    assert task.duration_days == 5
    assert (task.planned_start, task.planned_end) == (date(2026, 12, 7), date(2026, 12, 11))

    # Saturday to the next Tuesday: Monday and Tuesday are worked.
    task = services.update_task(
        user=world.pm, task=task, planned_start=date(2026, 12, 12), planned_end=date(2026, 12, 15)
    )
    assert task.duration_days == 2
    assert (task.planned_start, task.planned_end) == (date(2026, 12, 14), date(2026, 12, 15))


def test_planned_start_alone_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        add(world, "Install", planned_start=date(2026, 12, 7))
    assert "planned_end" in caught.value.message_dict
    assert not Task.objects.exists()


def test_changing_the_project_start_moves_the_plan(world):
    task = add(world, "Survey", duration_days=2)
    project_services.update_project(
        user=world.pm, project=world.project, planned_start=date(2026, 12, 7)
    )
    assert dates(task) == (date(2026, 12, 7), date(2026, 12, 8))


def test_a_write_that_would_run_past_the_calendar_is_refused(world):
    task = add(world, "Survey", duration_days=2)
    with pytest.raises(ValidationError) as caught:
        services.update_task(user=world.pm, task=task, duration_days=services.MAX_WORKING_DAYS + 1)
    assert "duration_days" in caught.value.message_dict
    assert fresh(task).duration_days == 2


# --- the WBS tree ---------------------------------------------------------------------------

def test_indent_outdent_and_move_keep_wbs_codes_in_order(world):
    design, build, test = (add(world, name) for name in ("Design", "Build", "Test"))
    assert wbs_of(world) == [("Design", "1"), ("Build", "2"), ("Test", "3")]

    services.indent_task(user=world.pm, task=build)
    assert wbs_of(world) == [("Design", "1"), ("Build", "1.1"), ("Test", "2")]
    assert fresh(design).is_summary

    services.indent_task(user=world.pm, task=test)
    assert wbs_of(world) == [("Design", "1"), ("Build", "1.1"), ("Test", "1.2")]

    services.move_task(user=world.pm, task=test, direction=-1)
    assert wbs_of(world) == [("Design", "1"), ("Test", "1.1"), ("Build", "1.2")]

    services.outdent_task(user=world.pm, task=test)
    assert wbs_of(world) == [("Design", "1"), ("Build", "1.1"), ("Test", "2")]

    services.move_task(user=world.pm, task=test, direction=-1)
    assert wbs_of(world) == [("Test", "1"), ("Design", "2"), ("Build", "2.1")]


def test_ten_siblings_sort_by_number_not_by_text(world):
    phase = add(world, "Phase")
    for number in range(1, 12):
        add(world, f"Step {number}", parent=phase)
    codes = list(Task.objects.filter(project=world.project).values_list("wbs", flat=True))
    assert codes == ["1", *(f"1.{n}" for n in range(1, 12))]


def test_indent_of_the_first_task_is_refused(world):
    first = add(world, "First")
    with pytest.raises(ValidationError) as caught:
        services.indent_task(user=world.pm, task=first)
    assert "parent" in caught.value.message_dict


def test_a_task_cannot_move_under_its_own_child(world):
    phase = add(world, "Phase")
    step = add(world, "Step", parent=phase)
    with pytest.raises(ValidationError) as caught:
        services.update_task(user=world.pm, task=phase, parent=step)
    assert "parent" in caught.value.message_dict


def test_summary_takes_the_span_of_its_children_and_weighted_percent(world):
    phase = add(world, "Phase")
    short = add(world, "Short", parent=phase, duration_days=2)
    long = add(world, "Long", parent=phase, duration_days=6,
               start_no_earlier_than=date(2026, 12, 3))
    Task.objects.filter(pk=short.pk).update(percent_complete=50)
    Task.objects.filter(pk=long.pk).update(percent_complete=10)

    services.reschedule(user=world.pm, project=world.project)

    phase = fresh(phase)
    assert phase.is_summary
    assert (phase.planned_start, phase.planned_end) == (TUE_DEC_1, date(2026, 12, 10))
    # (2 × 50 + 6 × 10) / 8
    assert phase.percent_complete == Decimal("20.00")
    world.project.refresh_from_db()
    assert world.project.percent_complete == Decimal("20.00")


def test_summary_of_milestones_shows_their_plain_average(world):
    phase = add(world, "Gates")
    first = add(world, "Gate 1", parent=phase, duration_days=0)
    add(world, "Gate 2", parent=phase, duration_days=0)
    Task.objects.filter(pk=first.pk).update(percent_complete=100)
    services.reschedule(user=world.pm, project=world.project)
    assert fresh(phase).percent_complete == Decimal("50.00")


# --- only what changed is written -----------------------------------------------------------

def chain(world, count):
    tasks = [add(world, f"Step {n}", duration_days=2) for n in range(count)]
    for predecessor, successor in zip(tasks, tasks[1:], strict=False):
        link(world, predecessor, successor)
    return tasks


def test_an_edit_that_moves_nothing_writes_no_scheduled_rows(world, bulk_updates):
    tasks = chain(world, 12)
    bulk_updates.clear()
    services.update_task(user=world.pm, task=tasks[-1], name="Hand-over")
    assert bulk_updates == []


def test_an_edit_at_the_end_rewrites_only_the_last_task(world, bulk_updates):
    tasks = chain(world, 12)
    bulk_updates.clear()
    services.update_task(user=world.pm, task=tasks[-1], duration_days=3)
    assert [rows for rows, _fields in bulk_updates] == [1]


def test_an_edit_at_the_start_rewrites_every_successor(world, bulk_updates):
    tasks = chain(world, 12)
    bulk_updates.clear()
    services.update_task(user=world.pm, task=tasks[0], duration_days=3)
    assert [rows for rows, _fields in bulk_updates] == [12]


def test_scheduling_never_writes_a_leafs_percent_complete(world, bulk_updates):
    phase = add(world, "Phase")
    add(world, "Step", parent=phase, duration_days=2)
    bulk_updates.clear()
    services.update_task(user=world.pm, task=Task.objects.get(name="Step"), duration_days=4)
    leaf_fields = [fields for rows, fields in bulk_updates if "planned_start" in fields]
    assert leaf_fields and "percent_complete" not in leaf_fields[0]


# --- calendars ------------------------------------------------------------------------------

def test_holidays_and_make_up_working_days_move_the_dates(world):
    # National Day 2026: 1–7 October off; Sunday 27 September and Saturday 10 October worked.
    calendar = WorkCalendarFactory(
        holidays=[f"2026-10-0{day}" for day in range(1, 8)],
        extra_workdays=["2026-09-27", "2026-10-10"],
    )
    project = world.project
    project.calendar = calendar
    project.planned_start = date(2026, 9, 26)  # a Saturday: the plan starts on Sunday 27th
    project.save()
    task = add(world, "Rollout", duration_days=6)
    # 27, 28, 29, 30 September, then 8 and 9 October.
    assert dates(task) == (date(2026, 9, 27), date(2026, 10, 9))
    after = add(world, "Acceptance", duration_days=1)
    link(world, task, after)
    assert dates(after) == (date(2026, 10, 10), date(2026, 10, 10))

    calendar.holidays = [*calendar.holidays, "2026-10-09"]
    calendar.save()
    services.reschedule_calendar(calendar=calendar)

    assert dates(task) == (date(2026, 9, 27), date(2026, 10, 10))
    assert dates(after) == (date(2026, 10, 12), date(2026, 10, 12))


def test_changing_the_default_calendar_reschedules_projects_without_one(world):
    task = add(world, "Survey", duration_days=1, start_no_earlier_than=date(2026, 12, 7))
    default = WorkCalendar.get_default()
    default.holidays = ["2026-12-07"]
    default.save()
    services.reschedule_calendar(calendar=default)
    assert dates(task) == (date(2026, 12, 8), date(2026, 12, 8))


# --- dependencies ---------------------------------------------------------------------------

def test_a_link_closing_a_cycle_names_the_tasks_in_order(world):
    a, b, c = (add(world, name) for name in "ABC")
    link(world, a, b)
    link(world, b, c)
    with pytest.raises(services.CycleValidationError) as caught:
        link(world, c, a)
    assert caught.value.cycle == [c.pk, a.pk, b.pk]
    assert Dependency.objects.count() == 2


@pytest.mark.parametrize(("case", "field"), [
    ("self", "successor"), ("duplicate", "successor"), ("summary", "predecessor"),
    ("other_project", "successor"), ("lag", "lag_days"), ("type", "type"),
])
def test_invalid_links_are_refused_naming_the_field(world, case, field):
    a, b = add(world, "A"), add(world, "B")
    link(world, a, b)
    phase = add(world, "Phase")
    add(world, "Step", parent=phase)
    other = services.create_task(user=world.admin, project=_other_project(world), name="X")
    kwargs = {
        "self": {"predecessor": a, "successor": a},
        "duplicate": {"predecessor": a, "successor": b},
        "summary": {"predecessor": fresh(phase), "successor": b},
        "other_project": {"predecessor": a, "successor": other},
        "lag": {"predecessor": b, "successor": a, "lag_days": 1.5},
        "type": {"predecessor": b, "successor": a, "type": "XX"},
    }[case]
    with pytest.raises(ValidationError) as caught:
        services.add_dependency(user=world.pm, **kwargs)
    assert field in caught.value.message_dict
    assert Dependency.objects.count() == 1


def _other_project(world):
    from tests.projects.factories import ProjectFactory

    return ProjectFactory()


def test_set_predecessors_reads_planner_notation(world):
    a, b, c = (add(world, name, duration_days=2) for name in "ABC")
    services.set_predecessors(user=world.pm, task=c, text="1, 2SS+1", rows={1: a, 2: b})
    assert sorted(Dependency.objects.values_list("predecessor", "type", "lag_days")) == [
        (a.pk, "FS", 0), (b.pk, "SS", 1),
    ]
    assert dates(c) == (date(2026, 12, 3), date(2026, 12, 4))


# --- permission, version, baseline ----------------------------------------------------------

@pytest.mark.parametrize(("role", "error"), [
    ("member", PermissionDenied), ("management", PermissionDenied), ("outsider", Http404),
    ("client", Http404),
])
def test_only_the_pm_changes_the_plan(world, role, error):
    with pytest.raises(error):
        services.create_task(user=world.users[role], project=world.project, name="X")
    assert not Task.objects.exists()


def test_a_stale_version_is_refused(world):
    task = add(world, "Survey")
    services.update_task(user=world.pm, task=task, name="Site survey")
    with pytest.raises(StaleVersion) as caught:
        services.update_task(user=world.pm, task=task, name="Other", expected_version=1)
    assert caught.value.current.version == 2
    assert fresh(task).name == "Site survey"


def test_baseline_freezes_the_planned_dates(world):
    survey = add(world, "Survey", duration_days=3)
    cabling = add(world, "Cabling", duration_days=2)
    link(world, survey, cabling)

    baseline = services.take_baseline(user=world.pm, project=world.project, name="Kick-off")
    services.update_task(user=world.pm, task=survey, duration_days=10)

    assert baseline.number == 1
    assert (baseline.project_start, baseline.project_finish) == (TUE_DEC_1, date(2026, 12, 7))
    rows = {row.task_id: row for row in BaselineTask.objects.filter(baseline=baseline)}
    assert (rows[cabling.pk].planned_start, rows[cabling.pk].planned_end) == (
        date(2026, 12, 4), date(2026, 12, 7)
    )
    assert rows[survey.pk].duration_days == 3
    assert services.take_baseline(user=world.pm, project=world.project).number == 2
    assert Baseline.objects.count() == 2


# --- import ---------------------------------------------------------------------------------

def plan_row(ref, level, name, duration=1, predecessors=(), **extra):
    return {"id": ref, "level": level, "name": name, "duration_days": duration,
            "predecessors": list(predecessors), **extra}


def test_import_replaces_the_plan_with_tree_and_links(world):
    add(world, "Old task")
    counts = services.import_plan(user=world.pm, project=world.project, rows=[
        plan_row(1, 1, "Design"),
        plan_row(2, 2, "Survey", 3, owner=world.member),
        plan_row(3, 2, "Drawings", 2, [(2, "FS", 0)]),
        plan_row(4, 1, "Build"),
        plan_row(5, 2, "Cabling", 4, [(3, "SS", 1)]),
        plan_row(6, 2, "Handover", 0, [(5, "FS", 0)], client_visible=True),
    ])
    assert counts == {"tasks": 6, "dependencies": 3}
    assert wbs_of(world) == [("Design", "1"), ("Survey", "1.1"), ("Drawings", "1.2"),
                             ("Build", "2"), ("Cabling", "2.1"), ("Handover", "2.2")]
    handover = Task.objects.get(name="Handover")
    assert handover.is_milestone and handover.client_visible
    assert Task.objects.get(name="Survey").owner == world.member
    assert dates(Task.objects.get(name="Cabling")) == (date(2026, 12, 7), date(2026, 12, 10))


def test_import_with_errors_changes_nothing_and_lists_every_problem(world):
    add(world, "Old task")
    rows = [
        plan_row(1, 2, "Too deep"),
        plan_row(1, 1, ""),
        plan_row(3, 1, "Linked", predecessors=[(9, "FS", 0), (3, "FS", 0)]),
        plan_row(4, 1, "Owned", owner=world.client),
    ]
    with pytest.raises(services.PlanImportError) as caught:
        services.import_plan(user=world.pm, project=world.project, rows=rows)
    assert [(e["row"], e["field"]) for e in caught.value.errors] == [
        (1, "level"), (2, "id"), (2, "name"), (4, "owner"), (3, "predecessors"),
        (3, "predecessors"),
    ]
    assert wbs_of(world) == [("Old task", "1")]


def test_import_refuses_a_cycle(world):
    rows = [plan_row(1, 1, "A", predecessors=[(2, "FS", 0)]),
            plan_row(2, 1, "B", predecessors=[(1, "FS", 0)])]
    with pytest.raises(services.PlanImportError) as caught:
        services.import_plan(user=world.pm, project=world.project, rows=rows)
    assert caught.value.errors[0]["field"] == "predecessors"
    assert "1 → 2 → 1" in caught.value.errors[0]["message"]


def test_import_of_a_large_plan_takes_no_query_per_row(world, django_assert_max_num_queries):
    rows = []
    for phase in range(40):
        rows.append(plan_row(phase * 50 + 1, 1, f"Phase {phase}"))
        rows.extend(
            plan_row(phase * 50 + step, 2, f"Step {phase}.{step}", 2,
                     [(phase * 50 + step - 1, "FS", 0)] if step > 2 else [])
            for step in range(2, 51)
        )
    # Inserts go in batches (SQLite binds at most 999 values per statement, so ~30 tasks).
    with django_assert_max_num_queries(200):
        counts = services.import_plan(user=world.pm, project=world.project, rows=rows)
    assert counts == {"tasks": 2000, "dependencies": 40 * 48}
    assert Task.objects.filter(project=world.project, is_summary=True).count() == 40


def test_calendar_change_reschedules_its_projects(world):
    from tasks.models import WorkCalendar
    from tasks.services import create_task, update_calendar

    calendar = WorkCalendar.objects.create(name="Ops calendar")
    world.project.calendar = calendar
    world.project.planned_start = date(2026, 9, 28)  # a Monday
    world.project.save()
    task = create_task(user=world.pm, project=world.project, name="Cabling", duration_days=5)
    assert task.planned_end == date(2026, 10, 2)
    update_calendar(user=world.admin, calendar=calendar, holidays=["2026-10-01", "2026-10-02"])
    task.refresh_from_db()
    assert task.planned_end == date(2026, 10, 6)
