"""The CPM engine: hand-worked networks, the working calendar, cycles, roll-up, and properties
checked against a deliberately naive implementation of the API.md semantics."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.scheduling import (
    LINK_TYPES,
    CycleError,
    ScheduleError,
    ScheduleLink,
    ScheduleTask,
    WorkCalendar,
    find_cycle,
    random_network,
    rollup,
    schedule,
    would_create_cycle,
)

WEEKENDS = WorkCalendar()
# Mid-Autumn/National Day 2026 as the fixture for 调休: a week off, two weekend days worked.
CHINA_2026 = WorkCalendar(
    holidays=frozenset(date(2026, 10, day) for day in range(1, 8)),
    extra_workdays=frozenset({date(2026, 9, 27), date(2026, 10, 10)}),
)
MONDAY = date(2026, 3, 2)


def offsets(result, task_id):
    task = result.tasks[task_id]
    return task.es, task.ef, task.ls, task.lf, task.total_float, task.free_float


# --- hand-worked networks ------------------------------------------------------------------


def textbook_network():
    tasks = [
        ScheduleTask("A", 3),
        ScheduleTask("B", 5),
        ScheduleTask("C", 2),
        ScheduleTask("D", 4),
        ScheduleTask("E", 3),
        ScheduleTask("F", 2),
        ScheduleTask("G", 6),
        ScheduleTask("H", 1),
    ]
    pairs = [
        ("A", "C"),
        ("A", "D"),
        ("B", "E"),
        ("C", "E"),
        ("D", "F"),
        ("E", "F"),
        ("B", "G"),
        ("F", "H"),
        ("G", "H"),
    ]
    return tasks, [ScheduleLink(pred, succ) for pred, succ in pairs]


def test_finish_to_start_network_matches_the_hand_worked_passes():
    result = schedule(*textbook_network(), calendar=WEEKENDS, project_start=MONDAY)

    expected = {  # es, ef, ls, lf, total float, free float
        "A": (0, 3, 1, 4, 1, 0),
        "B": (0, 5, 0, 5, 0, 0),
        "C": (3, 5, 4, 6, 1, 0),
        "D": (3, 7, 5, 9, 2, 1),
        "E": (5, 8, 6, 9, 1, 0),
        "F": (8, 10, 9, 11, 1, 1),
        "G": (5, 11, 5, 11, 0, 0),
        "H": (11, 12, 11, 12, 0, 0),
    }
    assert {task_id: offsets(result, task_id) for task_id in expected} == expected
    assert result.duration_days == 12
    assert result.critical_path == ["B", "G", "H"]
    assert [t.id for t in result.tasks.values() if t.critical] == ["B", "G", "H"]


def test_finish_to_start_network_dates_skip_weekends():
    result = schedule(*textbook_network(), calendar=WEEKENDS, project_start=MONDAY)

    a, h = result.tasks["A"], result.tasks["H"]
    assert (a.early_start, a.early_finish) == (date(2026, 3, 2), date(2026, 3, 4))
    assert (a.late_start, a.late_finish) == (date(2026, 3, 3), date(2026, 3, 5))
    # Offset 11 is the second Tuesday: days 5-9 are the week of 9 March.
    assert (h.early_start, h.early_finish) == (date(2026, 3, 17), date(2026, 3, 17))
    assert result.project_start == MONDAY
    assert result.project_finish == date(2026, 3, 17)


def test_start_and_finish_links_with_lags_and_leads():
    tasks = [
        ScheduleTask("P", 4),
        ScheduleTask("Q", 3),
        ScheduleTask("R", 2),
        ScheduleTask("S", 3),
        ScheduleTask("T", 2),
    ]
    links = [
        ScheduleLink("P", "Q", "SS", 2),
        ScheduleLink("P", "R", "FF", 1),
        ScheduleLink("P", "S", "SF", 6),
        ScheduleLink("Q", "T", "FS", -2),
    ]

    result = schedule(tasks, links, calendar=WEEKENDS, project_start=MONDAY)

    expected = {
        "P": (0, 4, 0, 4, 0, 0),
        "Q": (2, 5, 3, 6, 1, 0),
        "R": (3, 5, 4, 6, 1, 1),
        "S": (3, 6, 3, 6, 0, 0),
        "T": (3, 5, 4, 6, 1, 1),
    }
    assert {task_id: offsets(result, task_id) for task_id in expected} == expected
    assert result.duration_days == 6
    assert result.critical_path == ["P", "S"]


def test_a_lead_cannot_start_a_task_before_the_project():
    tasks = [ScheduleTask("P", 4), ScheduleTask("U", 2)]

    result = schedule(
        tasks, [ScheduleLink("P", "U", "SS", -5)], calendar=WEEKENDS, project_start=MONDAY
    )

    assert offsets(result, "U") == (0, 2, 2, 4, 2, 2)


def test_start_no_earlier_than_moves_to_the_next_working_day_and_pushes_successors():
    tasks = [
        ScheduleTask("X", 2, date(2026, 3, 7)),  # a Saturday
        ScheduleTask("Y", 1),
        ScheduleTask("Z", 1, date(2026, 1, 1)),  # before the project starts
    ]

    result = schedule(tasks, [ScheduleLink("X", "Y")], calendar=WEEKENDS, project_start=MONDAY)

    assert offsets(result, "X") == (5, 7, 5, 7, 0, 0)
    assert result.tasks["X"].early_start == date(2026, 3, 9)
    assert offsets(result, "Y") == (7, 8, 7, 8, 0, 0)
    assert offsets(result, "Z") == (0, 1, 7, 8, 7, 7)
    assert result.critical_path == ["X", "Y"]


def test_project_starting_on_a_weekend_counts_from_the_next_monday():
    result = schedule([ScheduleTask(1, 1)], [], calendar=WEEKENDS, project_start=date(2026, 2, 28))

    assert result.project_start == MONDAY
    assert result.tasks[1].early_start == MONDAY


def test_milestone_dates_are_the_working_day_before_their_offset():
    tasks = [
        ScheduleTask("kickoff", 0),
        ScheduleTask("build", 3),
        ScheduleTask("handover", 0),
        ScheduleTask("train", 2),
    ]
    links = [ScheduleLink("build", "handover"), ScheduleLink("handover", "train")]

    result = schedule(tasks, links, calendar=WEEKENDS, project_start=MONDAY)

    kickoff, handover, train = (result.tasks[k] for k in ("kickoff", "handover", "train"))
    assert (kickoff.es, kickoff.ls) == (0, 5)
    assert (kickoff.early_start, kickoff.early_finish) == (MONDAY, MONDAY)
    assert (kickoff.late_start, kickoff.late_finish) == (date(2026, 3, 6), date(2026, 3, 6))
    assert (handover.es, handover.ef) == (3, 3)
    wednesday = date(2026, 3, 4)  # the day "build" finishes
    assert (handover.early_start, handover.early_finish) == (wednesday, wednesday)
    assert (handover.late_start, handover.late_finish) == (wednesday, wednesday)
    assert (train.early_start, train.early_finish) == (date(2026, 3, 5), date(2026, 3, 6))
    assert result.project_finish == date(2026, 3, 6)
    assert result.critical_path == ["build", "handover", "train"]


def test_a_project_of_one_milestone_finishes_on_its_first_day():
    result = schedule([ScheduleTask("go", 0)], [], calendar=WEEKENDS, project_start=MONDAY)

    assert result.duration_days == 0
    assert result.project_finish == MONDAY
    assert result.critical_path == ["go"]


def test_a_project_without_tasks_has_zero_duration():
    result = schedule([], [], calendar=WEEKENDS, project_start=date(2026, 3, 1))

    assert result.duration_days == 0
    assert result.project_start == result.project_finish == MONDAY
    assert result.critical_path == []
    assert result.tasks == {}


def test_critical_path_ties_on_start_are_ordered_by_id():
    tasks = [ScheduleTask(3, 2), ScheduleTask(1, 2), ScheduleTask(2, 1)]
    links = [ScheduleLink(2, 3, "SS"), ScheduleLink(2, 1, "SS")]

    result = schedule(tasks, links, calendar=WEEKENDS, project_start=MONDAY)

    assert result.critical_path == [1, 2, 3]


def test_plain_tuples_are_accepted():
    result = schedule(
        [("a", 2, None), ("b", 1, None)],
        [("a", "b", "FS", 1)],
        calendar=WEEKENDS,
        project_start=MONDAY,
    )

    assert offsets(result, "b") == (3, 4, 3, 4, 0, 0)


# --- the working calendar ------------------------------------------------------------------


def test_chinese_holiday_week_and_make_up_days():
    assert CHINA_2026.is_workday(date(2026, 9, 27))  # Sunday worked
    assert CHINA_2026.is_workday(date(2026, 10, 10))  # Saturday worked
    assert not CHINA_2026.is_workday(date(2026, 10, 1))
    assert not CHINA_2026.is_workday(date(2026, 10, 5))  # a Monday off
    assert not CHINA_2026.is_workday(date(2026, 10, 11))  # an ordinary Sunday
    assert CHINA_2026.next_workday(date(2026, 10, 1)) == date(2026, 10, 8)
    assert CHINA_2026.working_days_between(date(2026, 9, 24), date(2026, 10, 12)) == 10


def test_schedule_runs_through_the_national_day_holiday():
    tasks = [ScheduleTask("survey", 10), ScheduleTask("cutover", 1, date(2026, 10, 3))]

    result = schedule(tasks, [], calendar=CHINA_2026, project_start=date(2026, 9, 24))

    survey, cutover = result.tasks["survey"], result.tasks["cutover"]
    assert (survey.early_start, survey.early_finish) == (date(2026, 9, 24), date(2026, 10, 12))
    assert cutover.es == 6
    assert cutover.early_start == date(2026, 10, 8)
    timeline = CHINA_2026.timeline(date(2026, 9, 24))
    worked = [timeline.date_at(k) for k in range(10)]
    assert worked == [
        date(2026, 9, 24),
        date(2026, 9, 25),
        date(2026, 9, 27),
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
        date(2026, 10, 12),
    ]
    assert timeline.offset_of(date(2026, 10, 1)) == 6


def test_a_make_up_day_wins_over_a_holiday_on_the_same_date():
    day = date(2026, 10, 10)
    calendar = WorkCalendar(holidays={day}, extra_workdays={day})

    assert calendar.is_workday(day)
    assert calendar.working_days_between(day, day) == 1


def test_working_days_between_is_inclusive_and_zero_when_reversed():
    friday, monday = date(2026, 3, 6), date(2026, 3, 9)

    assert WEEKENDS.working_days_between(friday, monday) == 2
    assert WEEKENDS.working_days_between(date(2026, 3, 7), date(2026, 3, 8)) == 0
    assert WEEKENDS.working_days_between(monday, friday) == 0


def test_timeline_converts_offsets_far_ahead():
    timeline = WEEKENDS.timeline(MONDAY)

    assert timeline.date_at(5000) == MONDAY + timedelta(weeks=1000)
    assert timeline.offset_of(MONDAY + timedelta(weeks=1000, days=5)) == 5005


def test_timeline_has_no_offsets_before_its_origin():
    timeline = WEEKENDS.timeline(MONDAY)

    with pytest.raises(ValueError):
        timeline.date_at(-1)
    with pytest.raises(ValueError):
        timeline.offset_of(date(2026, 3, 1))


@pytest.mark.parametrize("weekend", [{7}, {-1}, set(range(7))])
def test_calendar_rejects_impossible_weekends(weekend):
    with pytest.raises(ValueError):
        WorkCalendar(weekend_days=frozenset(weekend))


# --- cycles and bad input ------------------------------------------------------------------


def test_a_cycle_is_rejected_naming_its_tasks_in_link_order():
    tasks = [ScheduleTask(task_id, 1) for task_id in ("start", "B", "C", "A", "end")]
    links = [
        ScheduleLink(pred, succ)
        for pred, succ in [("start", "A"), ("A", "B"), ("B", "C"), ("C", "A"), ("C", "end")]
    ]

    with pytest.raises(CycleError) as caught:
        schedule(tasks, links, calendar=WEEKENDS, project_start=MONDAY)

    assert caught.value.cycle == ["B", "C", "A"]
    assert "B → C → A → B" in str(caught.value)


def test_a_self_link_is_a_cycle_of_one():
    with pytest.raises(CycleError) as caught:
        schedule(
            [ScheduleTask(7, 1)], [ScheduleLink(7, 7)], calendar=WEEKENDS, project_start=MONDAY
        )

    assert caught.value.cycle == [7]


def test_find_cycle_on_pairs():
    assert find_cycle([1, 2, 3], [(1, 2), (2, 3)]) is None
    assert find_cycle([1, 2, 3, 4], [(1, 2), (2, 3), (3, 4), (4, 2)]) == [2, 3, 4]


def test_would_create_cycle_returns_the_loop_the_new_link_closes():
    links = [(1, 2), (2, 3), (3, 4), (2, 4), (5, 1)]

    assert would_create_cycle(links, predecessor=4, successor=1) == [4, 1, 2]
    assert would_create_cycle(links, predecessor=4, successor=5) == [4, 5, 1, 2]
    assert would_create_cycle(links, predecessor=1, successor=4) is None
    assert would_create_cycle(links, predecessor=3, successor=3) == [3]


@pytest.mark.parametrize(
    ("tasks", "links", "message"),
    [
        ([("a", -1, None)], [], "duration"),
        ([("a", 1.5, None)], [], "duration"),
        ([("a", 1, None), ("a", 2, None)], [], "twice"),
        ([("a", 1, None)], [("a", "ghost", "FS", 0)], "not being scheduled"),
        ([("a", 1, None), ("b", 1, None)], [("a", "b", "XX", 0)], "unknown type"),
    ],
)
def test_bad_input_is_rejected_with_a_reason(tasks, links, message):
    with pytest.raises(ScheduleError, match=message):
        schedule(tasks, links, calendar=WEEKENDS, project_start=MONDAY)


# --- summary roll-up -----------------------------------------------------------------------


def test_rollup_spans_leaves_and_weights_progress_by_duration():
    tasks = [ScheduleTask("design", 2), ScheduleTask("build", 6), ScheduleTask("sign-off", 0)]
    links = [ScheduleLink("design", "build"), ScheduleLink("build", "sign-off")]
    result = schedule(tasks, links, calendar=WEEKENDS, project_start=MONDAY)
    parent_of = {
        "phase 1": None,
        "work": "phase 1",
        "design": "work",
        "build": "work",
        "sign-off": "phase 1",
    }

    summaries = rollup(
        parent_of=parent_of,
        result=result,
        percent_complete={"design": 100, "build": 50, "sign-off": 0},
    )

    assert summaries["work"].start == MONDAY
    assert summaries["work"].finish == date(2026, 3, 11)
    assert summaries["work"].percent_complete == pytest.approx(62.5)
    assert summaries["phase 1"].finish == date(2026, 3, 11)
    assert summaries["phase 1"].percent_complete == pytest.approx(62.5)
    assert set(summaries) == {"work", "phase 1"}


def test_rollup_of_milestones_only_is_their_plain_average():
    result = schedule(
        [("m1", 0, None), ("m2", 0, None)], [], calendar=WEEKENDS, project_start=MONDAY
    )

    summaries = rollup(
        parent_of={"m1": "gate", "m2": "gate"},
        result=result,
        percent_complete={"m1": 100, "m2": 0},
    )

    assert summaries["gate"].percent_complete == 50


def test_rollup_rejects_a_tree_that_loops():
    result = schedule([("leaf", 1, None)], [], calendar=WEEKENDS, project_start=MONDAY)

    with pytest.raises(ScheduleError):
        rollup(
            parent_of={"leaf": "x", "x": "y", "y": "x"}, result=result, percent_complete={"leaf": 0}
        )


def test_random_network_is_acyclic_reproducible_and_schedulable():
    tasks, links = random_network(500, 1.5, seed=3, first_start=MONDAY)

    assert len(tasks) == 500
    assert len(links) == 750
    assert all(link.predecessor < link.successor for link in links)
    assert len({(link.predecessor, link.successor) for link in links}) == len(links)
    assert random_network(500, 1.5, seed=3, first_start=MONDAY) == (tasks, links)
    assert schedule(tasks, links, calendar=CHINA_2026, project_start=MONDAY).duration_days > 0


def test_random_network_caps_links_at_what_fits():
    _, links = random_network(4, 10, seed=1)

    assert len(links) == 6


# --- properties against a naive implementation ---------------------------------------------


def naive_is_workday(calendar, day):
    if day in calendar.extra_workdays:
        return True
    return day.weekday() not in calendar.weekend_days and day not in calendar.holidays


def naive_working_days(calendar, start, count):
    """The first `count` working days from `start`, walking the calendar a day at a time."""
    days, day = [], start
    while len(days) < count:
        if naive_is_workday(calendar, day):
            days.append(day)
        day += timedelta(days=1)
    return days


def naive_schedule(tasks, links, calendar, project_start):
    """CPM as API.md words it: relax every constraint until nothing moves, both ways."""
    duration = {task_id: d for task_id, d, _ in tasks}
    origin = naive_working_days(calendar, project_start, 1)[0]
    es = {}
    for task_id, _, not_before in tasks:
        es[task_id] = 0
        if not_before is not None and not_before > origin:
            day, offset = origin, 0
            while day < not_before:
                offset += naive_is_workday(calendar, day)
                day += timedelta(days=1)
            es[task_id] = offset

    changed = True
    while changed:
        changed = False
        for pred, succ, kind, lag in links:
            ef_pred = es[pred] + duration[pred]
            bound = {
                "FS": ef_pred + lag,
                "SS": es[pred] + lag,
                "FF": ef_pred + lag - duration[succ],
                "SF": es[pred] + lag - duration[succ],
            }[kind]
            if bound > es[succ]:
                es[succ], changed = bound, True
    ef = {task_id: es[task_id] + duration[task_id] for task_id in es}
    finish = max(ef.values(), default=0)

    ls = {task_id: finish - duration[task_id] for task_id in es}
    changed = True
    while changed:
        changed = False
        for pred, succ, kind, lag in links:
            lf_succ = ls[succ] + duration[succ]
            bound = {
                "FS": ls[succ] - lag - duration[pred],
                "SS": ls[succ] - lag,
                "FF": lf_succ - lag - duration[pred],
                "SF": lf_succ - lag,
            }[kind]
            if bound < ls[pred]:
                ls[pred], changed = bound, True

    free = {task_id: finish - ef[task_id] for task_id in es}
    for pred, succ, kind, lag in links:
        slack = {
            "FS": es[succ] - ef[pred] - lag,
            "SS": es[succ] - es[pred] - lag,
            "FF": ef[succ] - ef[pred] - lag,
            "SF": ef[succ] - es[pred] - lag,
        }[kind]
        free[pred] = min(free[pred], slack)

    days = naive_working_days(calendar, origin, finish + 1)

    def start_date(offset, d):
        if d >= 1:
            return days[offset]
        return days[offset - 1] if offset > 0 else days[0]

    def finish_date(offset, d):
        return days[offset - 1] if d >= 1 else start_date(offset, d)

    rows = {}
    for task_id, d, _ in tasks:
        lf = ls[task_id] + d
        total = ls[task_id] - es[task_id]
        rows[task_id] = (
            task_id,
            d,
            es[task_id],
            ef[task_id],
            ls[task_id],
            lf,
            total,
            free[task_id],
            total == 0,
            start_date(es[task_id], d),
            finish_date(ef[task_id], d),
            start_date(ls[task_id], d),
            finish_date(lf, d),
        )
    critical = sorted((t for t in rows if rows[t][6] == 0), key=lambda t: (es[t], t))
    project_finish = max((rows[t][10] for t in rows), default=days[0])
    return origin, project_finish, finish, critical, rows


@st.composite
def calendars(draw):
    base = date(2026, 1, 1)
    some_days = st.builds(lambda k: base + timedelta(days=k), st.integers(0, 120))
    return WorkCalendar(
        weekend_days=draw(st.frozensets(st.integers(0, 6), max_size=4)),
        holidays=draw(st.frozensets(some_days, max_size=25)),
        extra_workdays=draw(st.frozensets(some_days, max_size=8)),
    )


@st.composite
def networks(draw, max_tasks=12):
    """Random DAGs: links only go from a lower to a higher draw position, tasks then shuffled."""
    count = draw(st.integers(0, max_tasks))
    base = date(2026, 1, 1)
    tasks = [
        ScheduleTask(
            i,
            draw(st.integers(0, 10)),
            draw(st.none() | st.builds(lambda k: base + timedelta(days=k), st.integers(-10, 60))),
        )
        for i in range(count)
    ]
    pairs = st.tuples(st.integers(0, max(count - 1, 0)), st.integers(0, max(count - 1, 0)))
    links = [
        ScheduleLink(
            min(a, b), max(a, b), draw(st.sampled_from(LINK_TYPES)), draw(st.integers(-3, 5))
        )
        for a, b in draw(st.lists(pairs, max_size=3 * count))
        if a != b
    ]
    return draw(st.permutations(tasks)), links


PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(
    network=networks(),
    calendar=calendars(),
    project_start=st.builds(lambda k: date(2026, 1, 1) + timedelta(days=k), st.integers(0, 30)),
)
def test_schedule_matches_the_naive_relaxation(network, calendar, project_start):
    tasks, links = network

    result = schedule(tasks, links, calendar=calendar, project_start=project_start)

    origin, project_finish, finish, critical, rows = naive_schedule(
        tasks, links, calendar, project_start
    )
    assert result.project_start == origin
    assert result.duration_days == finish
    assert result.project_finish == project_finish
    assert result.critical_path == critical
    assert {task_id: tuple(row) for task_id, row in result.tasks.items()} == rows
    assert list(result.tasks) == [task.id for task in tasks]


@PROPERTY_SETTINGS
@given(network=networks(max_tasks=25))
def test_schedule_satisfies_every_constraint_and_float_rule(network):
    tasks, links = network

    result = schedule(tasks, links, calendar=WEEKENDS, project_start=MONDAY)

    rows = result.tasks
    for row in rows.values():
        assert row.ef == row.es + row.duration and row.lf == row.ls + row.duration
        assert row.es >= 0 and row.lf <= result.duration_days
        assert 0 <= row.free_float <= row.total_float == row.ls - row.es
    for pred, succ, kind, lag in links:
        p, s = rows[pred], rows[succ]
        early_and_late = [((p.es, p.ef), (s.es, s.ef)), ((p.ls, p.lf), (s.ls, s.lf))]
        for (pred_start, pred_finish), (succ_start, succ_finish) in early_and_late:
            assert {
                "FS": succ_start >= pred_finish + lag,
                "SS": succ_start >= pred_start + lag,
                "FF": succ_finish >= pred_finish + lag,
                "SF": succ_finish >= pred_start + lag,
            }[kind]
    if rows:
        assert result.critical_path
        assert result.duration_days == max(row.ef for row in rows.values())
    assert all(rows[task_id].total_float == 0 for task_id in result.critical_path)
    assert len(result.critical_path) == sum(row.critical for row in rows.values())


@settings(max_examples=200, deadline=None)
@given(
    calendar=calendars(),
    start=st.builds(lambda k: date(2025, 12, 1) + timedelta(days=k), st.integers(0, 150)),
    length=st.integers(-3, 150),
)
def test_calendar_conversions_match_walking_day_by_day(calendar, start, length):
    end = start + timedelta(days=length)
    walked = sum(naive_is_workday(calendar, start + timedelta(days=k)) for k in range(length + 1))

    assert calendar.working_days_between(start, end) == walked
    timeline = calendar.timeline(start)
    days = naive_working_days(calendar, start, 40)
    assert [timeline.date_at(k) for k in range(40)] == days
    assert timeline.dates(40) == days
    if end >= timeline.origin:
        # Days from start to the origin are not worked, so the offset counts [start, end).
        assert timeline.offset_of(end) == walked - naive_is_workday(calendar, end)


def naive_has_cycle(task_ids, links):
    remaining = set(task_ids)
    while True:
        free = {t for t in remaining if not any(p in remaining and s == t for p, s in links)}
        if not free:
            return bool(remaining)
        remaining -= free


@settings(max_examples=300, deadline=None)
@given(
    count=st.integers(1, 8),
    pairs=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=16),
)
def test_find_cycle_returns_a_real_cycle_exactly_when_there_is_one(count, pairs):
    links = [(p, s) for p, s in pairs if p < count and s < count]

    cycle = find_cycle(range(count), links)

    assert (cycle is not None) == naive_has_cycle(range(count), links)
    if cycle is not None:
        assert len(set(cycle)) == len(cycle)
        assert all((a, b) in links for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True))


@settings(max_examples=300, deadline=None)
@given(network=networks(max_tasks=10), data=st.data())
def test_would_create_cycle_agrees_with_find_cycle(network, data):
    tasks, links = network
    if not tasks:
        return
    ids = [task.id for task in tasks]
    predecessor, successor = data.draw(st.sampled_from(ids)), data.draw(st.sampled_from(ids))
    pairs = [(link.predecessor, link.successor) for link in links]

    cycle = would_create_cycle(pairs, predecessor=predecessor, successor=successor)

    with_new = [*pairs, (predecessor, successor)]
    assert (cycle is None) == (find_cycle(ids, with_new) is None)
    if cycle is not None:
        assert cycle[:2] == [predecessor, successor] or cycle == [predecessor] == [successor]
        assert all((a, b) in with_new for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True))
