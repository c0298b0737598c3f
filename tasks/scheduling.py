"""Critical-path scheduling of a project's tasks on a working-day calendar, free of Django."""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from itertools import accumulate
from typing import Any, NamedTuple

TaskId = Hashable

LINK_TYPES = ("FS", "SS", "FF", "SF")

_ONE_DAY = timedelta(days=1)

# How the predecessor's and the successor's durations enter a link's weight (see schedule).
_PRED_DURATION_SIGN = {"FS": 1, "SS": 0, "FF": 1, "SF": 0}
_SUCC_DURATION_SIGN = {"FS": 0, "SS": 0, "FF": 1, "SF": 1}


class ScheduleError(ValueError):
    """The tasks and links handed to the engine cannot be scheduled as given."""


class CycleError(ScheduleError):
    """The dependencies loop back on themselves; ``cycle`` lists the task ids in link order."""

    def __init__(self, cycle: list[TaskId]) -> None:
        self.cycle = cycle
        names = " → ".join(str(task_id) for task_id in [*cycle, cycle[0]])
        super().__init__(f"Dependencies form a cycle: {names}")


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are worked: weekend days, public holidays and make-up working days (调休).

    Weekdays count 0 = Monday … 6 = Sunday. A make-up working day wins over everything else, so
    a date listed both as holiday and as make-up working day is worked. Any sets may be given;
    they are stored frozen.
    """

    weekend_days: AbstractSet[int] = frozenset({5, 6})
    holidays: AbstractSet[date] = frozenset()
    extra_workdays: AbstractSet[date] = frozenset()
    # Only the exceptions that change a day's status, sorted, so that counting a span of any
    # length costs a couple of bisections instead of a walk over its days.
    _removed: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _added: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        weekend = frozenset(self.weekend_days)
        if not weekend <= set(range(7)):
            raise ValueError("weekend_days are weekday numbers, 0 = Monday … 6 = Sunday")
        if len(weekend) == 7:
            raise ValueError("a calendar needs at least one working weekday")
        holidays = frozenset(self.holidays)
        extra = frozenset(self.extra_workdays)
        object.__setattr__(self, "weekend_days", weekend)
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "extra_workdays", extra)
        removed = tuple(
            sorted(day.toordinal() for day in holidays - extra if day.weekday() not in weekend)
        )
        added = tuple(sorted(day.toordinal() for day in extra if day.weekday() in weekend))
        object.__setattr__(self, "_removed", removed)
        object.__setattr__(self, "_added", added)

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() not in self.weekend_days and day not in self.holidays

    def next_workday(self, day: date) -> date:
        """``day`` itself when worked, else the first working day after it."""
        while not self.is_workday(day):
            day += _ONE_DAY
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days from ``start`` to ``end``, both included; 0 when ``end`` is earlier."""
        first, last = start.toordinal(), end.toordinal()
        if last < first:
            return 0
        weeks, rest = divmod(last - first + 1, 7)
        count = weeks * (7 - len(self.weekend_days))
        first_weekday = start.weekday()
        count += sum(1 for k in range(rest) if (first_weekday + k) % 7 not in self.weekend_days)
        count -= bisect_right(self._removed, last) - bisect_left(self._removed, first)
        count += bisect_right(self._added, last) - bisect_left(self._added, first)
        return count

    def timeline(self, start: date) -> Timeline:
        return Timeline(self, start)


class Timeline:
    """Working-day offsets counted from ``start`` moved forward to a working day (offset 0).

    Working dates are listed once, growing the list by doubling, so that each conversion after
    that is a list index or a bisection however far the project runs.
    """

    def __init__(self, calendar: WorkCalendar, start: date) -> None:
        self.calendar = calendar
        self.origin = calendar.next_workday(start)
        self._origin_ordinal = self.origin.toordinal()
        self._scanned_to = self._origin_ordinal
        self._dates: list[date] = []
        self._ordinals: list[int] = []

    def date_at(self, offset: int) -> date:
        if offset < 0:
            raise ValueError("offsets before the timeline's origin are not defined")
        while offset >= len(self._dates):
            self._extend()
        return self._dates[offset]

    def offset_of(self, day: date) -> int:
        """Offset of ``day``, or of the first working day after it when ``day`` is not worked."""
        ordinal = day.toordinal()
        if ordinal < self._origin_ordinal:
            raise ValueError("dates before the timeline's origin have no offset")
        while not self._ordinals or self._ordinals[-1] < ordinal:
            self._extend()
        return bisect_left(self._ordinals, ordinal)

    def dates(self, count: int) -> list[date]:
        """The working dates at offsets 0 … count − 1."""
        while count > len(self._dates):
            self._extend()
        return self._dates[:count]

    def _extend(self) -> None:
        start = self._scanned_to
        stop = start + max(366, start - self._origin_ordinal)
        is_workday = self.calendar.is_workday
        for ordinal in range(start, stop):
            day = date.fromordinal(ordinal)
            if is_workday(day):
                self._dates.append(day)
                self._ordinals.append(ordinal)
        self._scanned_to = stop


class ScheduleTask(NamedTuple):
    """A leaf task as the engine sees it; a duration of 0 makes it a milestone."""

    id: TaskId
    duration: int
    start_no_earlier_than: date | None = None


class ScheduleLink(NamedTuple):
    """A dependency of ``successor`` on ``predecessor``; a negative lag is a lead."""

    predecessor: TaskId
    successor: TaskId
    type: str = "FS"
    lag: int = 0


class TaskSchedule(NamedTuple):
    """One leaf task's place in the schedule, as offsets and as working dates."""

    id: TaskId
    duration: int
    es: int
    ef: int
    ls: int
    lf: int
    total_float: int
    free_float: int
    critical: bool
    early_start: date
    early_finish: date
    late_start: date
    late_finish: date


@dataclass(frozen=True)
class ScheduleResult:
    """The whole schedule; ``tasks`` keeps the order in which the tasks were given."""

    project_start: date
    project_finish: date
    duration_days: int
    critical_path: list[TaskId]
    tasks: dict[TaskId, TaskSchedule]


class SummaryRollup(NamedTuple):
    """A summary task's span of dates and % complete, taken from the leaves below it."""

    start: date
    finish: date
    percent_complete: Any


def schedule(
    tasks: Iterable[ScheduleTask],
    links: Iterable[ScheduleLink],
    *,
    calendar: WorkCalendar,
    project_start: date,
) -> ScheduleResult:
    """Forward and backward critical-path passes, in time linear in tasks plus links.

    The semantics are those of the schedule endpoint in API.md. Plain 3- and 4-tuples are
    accepted in place of ``ScheduleTask`` and ``ScheduleLink``.
    """
    timeline = calendar.timeline(project_start)
    origin = timeline.origin
    ids: list[TaskId] = []
    durations: list[int] = []
    es: list[int] = []
    for task_id, duration, not_before in tasks:
        if not isinstance(duration, int) or duration < 0:
            raise ScheduleError(f"Task {task_id} has duration {duration!r}: need an integer ≥ 0")
        ids.append(task_id)
        durations.append(duration)
        es.append(
            0 if not_before is None or not_before <= origin else timeline.offset_of(not_before)
        )
    links = list(links)
    preds, succs = _endpoints(links, _index_of(ids))
    # Every link type reduces to es_s ≥ es_p + weight, so one longest-path computation serves
    # all four.
    try:
        weights = [
            lag
            + _PRED_DURATION_SIGN[kind] * durations[pred]
            - _SUCC_DURATION_SIGN[kind] * durations[succ]
            for (_, _, kind, lag), pred, succ in zip(links, preds, succs, strict=True)
        ]
    except KeyError:
        bad = next(link for link in links if link[2] not in _PRED_DURATION_SIGN)
        raise ScheduleError(f"Dependency {bad[0]} → {bad[1]} has unknown type {bad[2]!r}") from None

    count = len(ids)
    order, blocked = _topological_order(count, preds, succs)
    if len(order) < count:
        raise CycleError([ids[i] for i in _cycle_among(blocked, preds, succs)])

    # Sorted by their predecessor's place in the order, the links make each pass one flat loop
    # over lists, which CPython runs much faster than a walk over per-task adjacency lists.
    rank = [0] * count
    for position, node in enumerate(order):
        rank[node] = position
    pred_rank = [rank[pred] for pred in preds]
    by_rank = sorted(range(len(links)), key=pred_rank.__getitem__)
    preds = [preds[k] for k in by_rank]
    succs = [succs[k] for k in by_rank]
    weights = [weights[k] for k in by_rank]

    for pred, succ, weight in zip(preds, succs, weights, strict=True):
        candidate = es[pred] + weight
        if candidate > es[succ]:
            es[succ] = candidate
    ef = [start + duration for start, duration in zip(es, durations, strict=True)]
    finish = max(ef, default=0)

    ls = [finish - duration for duration in durations]
    free = [finish - end for end in ef]
    for pred, succ, weight in zip(reversed(preds), reversed(succs), reversed(weights), strict=True):
        candidate = ls[succ] - weight
        if candidate < ls[pred]:
            ls[pred] = candidate
        candidate = es[succ] - es[pred] - weight
        if candidate < free[pred]:
            free[pred] = candidate
    lf = [start + duration for start, duration in zip(ls, durations, strict=True)]
    total = [late - early for late, early in zip(ls, es, strict=True)]

    # Something ending at offset k (exclusive) ends on working day k − 1, and nothing ends
    # before day 0. A milestone sits at the end of the day before its offset, where whatever
    # precedes it finishes; other tasks start on the day of their offset.
    ending_at = timeline.dates(max(finish, 1))
    ending_at.insert(0, ending_at[0])
    columns = (
        ids,
        durations,
        es,
        ef,
        ls,
        lf,
        total,
        free,
        [slack == 0 for slack in total],
        [ending_at[start + 1 if d else start] for d, start in zip(durations, es, strict=True)],
        [ending_at[end] for end in ef],
        [ending_at[start + 1 if d else start] for d, start in zip(durations, ls, strict=True)],
        [ending_at[end] for end in lf],
    )
    # tuple.__new__ mapped over rows builds the named tuples without a Python-level call each.
    rows = map(partial(tuple.__new__, TaskSchedule), zip(*columns, strict=True))
    critical = sorted(
        (i for i, slack in enumerate(total) if slack == 0), key=lambda i: (es[i], ids[i])
    )
    return ScheduleResult(
        project_start=origin,
        project_finish=ending_at[finish],
        duration_days=finish,
        critical_path=[ids[i] for i in critical],
        tasks=dict(zip(ids, rows, strict=True)),
    )


def find_cycle(task_ids: Iterable[TaskId], links: Iterable[tuple]) -> list[TaskId] | None:
    """A cycle among the links as task ids in link order, or None when there is none.

    Only the first two items of each link (predecessor, successor) are read.
    """
    ids = list(task_ids)
    preds, succs = _endpoints(list(links), _index_of(ids))
    order, blocked = _topological_order(len(ids), preds, succs)
    if len(order) == len(ids):
        return None
    return [ids[i] for i in _cycle_among(blocked, preds, succs)]


def would_create_cycle(
    links: Iterable[tuple], *, predecessor: TaskId, successor: TaskId
) -> list[TaskId] | None:
    """The cycle that adding ``predecessor → successor`` to acyclic ``links`` would close.

    The cycle starts with ``predecessor`` and is the shortest one through the new link.
    Only the first two items of each link (predecessor, successor) are read.
    """
    if predecessor == successor:
        return [predecessor]
    successors: dict[TaskId, list[TaskId]] = {}
    for link in links:
        successors.setdefault(link[0], []).append(link[1])
    reached_from: dict[TaskId, TaskId | None] = {successor: None}
    frontier = [successor]
    for node in frontier:
        for nxt in successors.get(node, ()):
            if nxt in reached_from:
                continue
            reached_from[nxt] = node
            if nxt == predecessor:
                path = [node]
                while (step := reached_from[path[-1]]) is not None:
                    path.append(step)
                return [predecessor, *reversed(path)]
            frontier.append(nxt)
    return None


def rollup(
    *,
    parent_of: Mapping[TaskId, TaskId | None],
    result: ScheduleResult,
    percent_complete: Mapping[TaskId, Any],
) -> dict[TaskId, SummaryRollup]:
    """Dates and % complete of every summary task, from the leaves below it.

    Dates span the leaves' early dates. % complete is the leaves' average weighted by duration,
    or their plain average when every leaf below is a milestone, so that a summary of
    milestones still shows progress. ``parent_of`` maps each task to its parent (None at the
    top); tasks absent from it count as top-level. Summaries with no leaf below are left out.
    """
    children_left: dict[TaskId, int] = {}
    for parent in parent_of.values():
        if parent is not None:
            children_left[parent] = children_left.get(parent, 0) + 1
    # Per task: [start, finish, Σ duration × %, Σ duration, Σ %, leaf count], summed upwards.
    totals: dict[TaskId, list] = {}
    for task_id, task in result.tasks.items():
        percent = percent_complete[task_id]
        totals[task_id] = [
            task.early_start,
            task.early_finish,
            task.duration * percent,
            task.duration,
            percent,
            1,
        ]
    ready = [task_id for task_id in {**parent_of, **result.tasks} if task_id not in children_left]
    for task_id in ready:
        parent = parent_of.get(task_id)
        if parent is None:
            continue
        own = totals.get(task_id)
        if own is not None:
            above = totals.get(parent)
            if above is None:
                totals[parent] = own[:]
            else:
                above[0] = min(above[0], own[0])
                above[1] = max(above[1], own[1])
                for k in range(2, 6):
                    above[k] += own[k]
        children_left[parent] -= 1
        if not children_left[parent]:
            ready.append(parent)
    if any(children_left.values()):
        raise ScheduleError("The task tree loops back on itself")
    summaries: dict[TaskId, SummaryRollup] = {}
    for task_id in children_left:
        if task_id not in totals:
            continue
        start, finish, weighted, weight, percent_sum, leaves = totals[task_id]
        summaries[task_id] = SummaryRollup(
            start=start,
            finish=finish,
            percent_complete=weighted / weight if weight else percent_sum / leaves,
        )
    return summaries


def random_network(
    n: int, links_per_task: float, seed: int, *, first_start: date | None = None
) -> tuple[list[ScheduleTask], list[ScheduleLink]]:
    """A reproducible acyclic network for tests and benchmarks: ids 1 … n, links only forward.

    Links are mostly FS with occasional lags and leads and join tasks less than 50 apart, so
    the network has long chains like a real plan. With ``first_start``, one task in twenty gets
    a start-no-earlier-than within two years after it.
    """
    rng = random.Random(seed)
    tasks = [
        ScheduleTask(
            i + 1,
            rng.randint(0, 10),
            first_start + timedelta(days=rng.randrange(730))
            if first_start is not None and rng.random() < 0.05
            else None,
        )
        for i in range(n)
    ]
    reach = 50
    capacity = sum(min(succ, reach) for succ in range(1, n))
    wanted = min(round(n * links_per_task), capacity)
    pairs: dict[tuple[int, int], None] = {}
    while len(pairs) < wanted:
        succ = rng.randrange(1, n)
        pairs[succ - rng.randint(1, min(succ, reach)), succ] = None
    links = [
        ScheduleLink(
            pred + 1,
            succ + 1,
            rng.choices(LINK_TYPES, weights=(70, 15, 10, 5))[0],
            rng.randint(-3, 5) if rng.random() < 0.3 else 0,
        )
        for pred, succ in pairs
    ]
    return tasks, links


def _index_of(ids: list[TaskId]) -> dict[TaskId, int]:
    index = {task_id: i for i, task_id in enumerate(ids)}
    if len(index) < len(ids):
        seen: set[TaskId] = set()
        for task_id in ids:
            if task_id in seen:
                raise ScheduleError(f"Task {task_id} is listed twice")
            seen.add(task_id)
    return index


def _endpoints(links: list, index: dict[TaskId, int]) -> tuple[list[int], list[int]]:
    try:
        return [index[link[0]] for link in links], [index[link[1]] for link in links]
    except KeyError:
        bad = next(link for link in links if link[0] not in index or link[1] not in index)
        raise ScheduleError(
            f"Dependency {bad[0]} → {bad[1]} names a task that is not being scheduled"
        ) from None


def _topological_order(
    count: int, preds: list[int], succs: list[int]
) -> tuple[list[int], list[int]]:
    """Kahn's order of nodes 0 … count − 1 and, per node, its predecessors left unordered.

    The order is short of ``count`` exactly when a cycle blocks the nodes whose count is not 0.
    """
    by_pred = sorted(range(len(preds)), key=preds.__getitem__)
    targets = [succs[k] for k in by_pred]
    bounds = [0] * (count + 1)
    for pred in preds:
        bounds[pred + 1] += 1
    bounds = list(accumulate(bounds))
    waiting = [0] * count
    for succ in succs:
        waiting[succ] += 1
    order = [node for node, left in enumerate(waiting) if not left]
    for node in order:
        for succ in targets[bounds[node] : bounds[node + 1]]:
            waiting[succ] -= 1
            if not waiting[succ]:
                order.append(succ)
    return order, waiting


def _cycle_among(blocked: list[int], preds: list[int], succs: list[int]) -> list[int]:
    """A cycle, in link order, among the nodes Kahn's algorithm left blocked.

    Each of them still has a predecessor among them, so walking predecessors must revisit a
    node, and the walk from that node back to itself is a cycle.
    """
    predecessor_of = {
        succ: pred
        for pred, succ in zip(preds, succs, strict=True)
        if blocked[pred] and blocked[succ]
    }
    node = next(iter(predecessor_of))
    seen_at: dict[int, int] = {}
    walk: list[int] = []
    while node not in seen_at:
        seen_at[node] = len(walk)
        walk.append(node)
        node = predecessor_of[node]
    cycle = walk[seen_at[node] :][::-1]
    first = cycle.index(min(cycle))
    return cycle[first:] + cycle[:first]
