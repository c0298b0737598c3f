"""Dashboards (P1.1): is each project on track, and if not, where and why?

Both dashboards rate a project with the same rules, RAG for red, amber, green, from figures
read in three queries whatever the number of projects (`project_facts`):

**Off track (red)** when any of these holds:
  R1. The scheduled finish is more than 10 working days later than the latest baseline's.
  R2. A critical task is overdue: its planned finish has passed and it is neither done nor
      cancelled.
  R3. The scheduled finish is more than 10 working days after the project's planned end.

**At risk (amber)**, if none of those, when any of these holds:
  A1. The scheduled finish is later than the latest baseline's.
  A2. A task is overdue.
  A3. A problem reported on a task is still open.
  A4. The scheduled finish is after the project's planned end.

**On track (green)** otherwise. Closed and cancelled projects are not rated. The scheduled
finish is the latest planned finish of the project's tasks; slips count working days of the
project's calendar. Every rule that holds is listed as a reason, so the page says why.

The project dashboard adds an S-curve (planned against actual % complete, both weighted by
duration), a burndown of the remaining work, milestones against the baseline, overdue work by
owner and the open problems. Charts are plotly figures built as dicts here and drawn by
static/js/charts.js.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tasks.gantt import COLOR_CRITICAL, COLOR_PLAN, COLOR_TODAY, FONT
from tasks.models import Baseline, BaselineTask, ProgressEntry, Task
from tasks.services import engine_calendar

from .models import Membership, Project

SLIP_RED_DAYS = 10
LATE_RED_DAYS = 10
CLOSED_TASK_STATUSES = (Task.Status.DONE, Task.Status.CANCELLED)
UNRATED_STATUSES = (Project.Status.CLOSED, Project.Status.CANCELLED)

GREEN, AMBER, RED, UNRATED = "green", "amber", "red", "none"
RAG_LABELS = {
    GREEN: gettext_lazy("On track"),
    AMBER: gettext_lazy("At risk"),
    RED: gettext_lazy("Off track"),
    UNRATED: gettext_lazy("Not rated"),
}
RAG_ORDER = {RED: 0, AMBER: 1, GREEN: 2, UNRATED: 3}
COLOR_ACTUAL = "#1f4e89"
COLOR_GREEN, COLOR_AMBER = "#198754", "#e0a800"
RAG_COLORS = {GREEN: COLOR_GREEN, AMBER: COLOR_AMBER, RED: COLOR_CRITICAL, UNRATED: "#adb5bd"}


def rule_texts():
    """The rules as the pages state them, in the reader's language."""
    return {
        RED: [
            _("The scheduled finish is more than %(days)s working days later than the "
              "baseline's.") % {"days": SLIP_RED_DAYS},
            _("A critical task is overdue."),
            _("The scheduled finish is more than %(days)s working days after the planned "
              "end.") % {"days": LATE_RED_DAYS},
        ],
        AMBER: [
            _("The scheduled finish is later than the baseline's."),
            _("A task is overdue."),
            _("A reported problem is still open."),
            _("The scheduled finish is after the planned end."),
        ],
        GREEN: [_("None of the above.")],
        UNRATED: [_("Closed and cancelled projects are not rated.")],
    }


# --- Facts and rating ---------------------------------------------------------------------------

def working_days_late(calendar, later, earlier):
    """Working days from `earlier` to `later` (0 when `later` is not after `earlier`)."""
    if later is None or earlier is None or later <= earlier:
        return 0
    return calendar.working_days_between(earlier + timedelta(days=1), later)


@dataclass
class Rating:
    """A RAG level and the rules that hold, as (code, reason) pairs: ("R2", "R2: …")."""

    level: str
    holds: list = field(default_factory=list)

    @property
    def label(self):
        return RAG_LABELS[self.level]

    @property
    def reasons(self):
        return [reason for _code, reason in self.holds]

    @property
    def codes(self):
        return [code for code, _reason in self.holds]


def _holds(code, text):
    return code, f"{code}: {text}"


def rate(*, status, finish, baseline_finish, planned_end, overdue, overdue_critical,
         open_problems, calendar):
    """The RAG rating of one project and the reasons for it (see the module's docstring)."""
    if status in UNRATED_STATUSES:
        return Rating(UNRATED)
    slip = working_days_late(calendar, finish, baseline_finish)
    late = working_days_late(calendar, finish, planned_end)
    red, amber = [], []
    later_than_baseline = ngettext(
        "finishes %(days)s working day later than the baseline.",
        "finishes %(days)s working days later than the baseline.", slip) % {"days": slip}
    after_planned_end = ngettext(
        "finishes %(days)s working day after the planned end.",
        "finishes %(days)s working days after the planned end.", late) % {"days": late}
    if slip > SLIP_RED_DAYS:
        red.append(_holds("R1", later_than_baseline))
    elif slip > 0:
        amber.append(_holds("A1", later_than_baseline))
    if overdue_critical:
        red.append(_holds("R2", ngettext(
            "%(count)s critical task overdue.", "%(count)s critical tasks overdue.",
            overdue_critical) % {"count": overdue_critical}))
    if overdue:
        amber.append(_holds("A2", ngettext(
            "%(count)s task overdue.", "%(count)s tasks overdue.", overdue) % {"count": overdue}))
    if open_problems:
        amber.append(_holds("A3", ngettext(
            "%(count)s open problem.", "%(count)s open problems.", open_problems)
            % {"count": open_problems}))
    if late > LATE_RED_DAYS:
        red.append(_holds("R3", after_planned_end))
    elif late > 0:
        amber.append(_holds("A4", after_planned_end))
    if red:
        return Rating(RED, red + amber)
    if amber:
        return Rating(AMBER, amber)
    return Rating(GREEN)


def project_facts(projects, *, today):
    """The projects of the queryset `projects`, each with what the rules and pages need.

    Three queries whatever the number of projects: the projects with their pm and latest
    baseline; one aggregate over their leaf tasks (scheduled finish, overdue, overdue
    critical, open problems); the next open milestone of each.
    """
    latest_baseline = Baseline.objects.filter(project=OuterRef("pk")).order_by("-number")
    pm = Membership.objects.filter(project=OuterRef("pk"), role=Membership.Role.PM).order_by()
    rows = list(projects.select_related("client_organization", "calendar").annotate(
        baseline_finish=Subquery(latest_baseline.values("project_finish")[:1]),
        baseline_number=Subquery(latest_baseline.values("number")[:1]),
        pm_id=Subquery(pm.values("user_id")[:1]),
        pm_name=Subquery(pm.values("user__display_name")[:1]),
    ))
    leaves = Task.objects.filter(project__in=projects.values("pk"), is_summary=False)
    is_open = ~Q(status__in=CLOSED_TASK_STATUSES)
    overdue = is_open & Q(planned_end__lt=today)
    figures = {
        row["project_id"]: row for row in leaves.order_by().values("project_id").annotate(
            finish=Max("planned_end"),
            overdue=Count("pk", filter=overdue),
            overdue_critical=Count("pk", filter=overdue & Q(is_critical=True)),
            open_problems=Count("pk", filter=Q(has_open_problem=True)),
        )
    }
    milestones = {
        project_id: (name, day) for project_id, name, day in leaves.filter(
            is_open, duration_days=0,
        ).annotate(rank=Window(
            RowNumber(), partition_by=F("project_id"),
            order_by=(F("planned_end").asc(nulls_last=True), F("sort_key").asc(), F("pk").asc()),
        )).filter(rank=1).values_list("project_id", "name", "planned_end")
    }
    empty = {"finish": None, "overdue": 0, "overdue_critical": 0, "open_problems": 0}
    for project in rows:
        for name, value in empty.items():
            setattr(project, name, figures.get(project.pk, empty)[name] or value)
        project.next_milestone, project.next_milestone_date = milestones.get(
            project.pk, (None, None))
    return rows


class Calendars:
    """Engine calendars of the projects' working calendars, each built once."""

    def __init__(self):
        self.by_id = {}

    def of(self, project):
        if project.calendar_id not in self.by_id:
            # None: the default calendar, looked up once.
            self.by_id[project.calendar_id] = engine_calendar(project.calendar)
        return self.by_id[project.calendar_id]


def rate_project(project, calendars):
    """Rate a project annotated by `project_facts`; sets `rating`, `slip` and `late` on it."""
    calendar = calendars.of(project)
    project.slip = (
        working_days_late(calendar, project.finish, project.baseline_finish)
        - working_days_late(calendar, project.baseline_finish, project.finish)
        if project.finish and project.baseline_finish else None
    )
    project.late = (
        working_days_late(calendar, project.finish, project.planned_end)
        - working_days_late(calendar, project.planned_end, project.finish)
        if project.finish else None
    )
    project.rating = rate(
        status=project.status, finish=project.finish, baseline_finish=project.baseline_finish,
        planned_end=project.planned_end, overdue=project.overdue,
        overdue_critical=project.overdue_critical, open_problems=project.open_problems,
        calendar=calendar,
    )
    return project


# --- Portfolio ----------------------------------------------------------------------------------

PORTFOLIO_SORTS = {
    "rag": lambda p: (RAG_ORDER[p.rating.level], -(p.slip or 0), p.code),
    "code": lambda p: p.code,
    "name": lambda p: p.name,
    "status": lambda p: (p.status, p.code),
    "percent": lambda p: (p.percent_complete, p.code),
    "finish": lambda p: (p.finish or date.max, p.code),
    "slip": lambda p: (p.slip if p.slip is not None else -10**6, p.code),
    "milestone": lambda p: (p.next_milestone_date or date.max, p.code),
    "pm": lambda p: (p.pm_name or "", p.code),
}


def portfolio(*, projects, today, sort="rag"):
    """The projects rated and sorted (a PORTFOLIO_SORTS key, "-" first to reverse), and how
    many there are of each rating."""
    calendars = Calendars()
    rated = [rate_project(project, calendars) for project in project_facts(projects, today=today)]
    counts = Counter(project.rating.level for project in rated)
    descending = sort.startswith("-")
    key = PORTFOLIO_SORTS.get(sort.lstrip("-"), PORTFOLIO_SORTS["rag"])
    rated.sort(key=key, reverse=descending)
    return rated, {level: counts.get(level, 0) for level in (RED, AMBER, GREEN, UNRATED)}


def rule_labels():
    """Short names of the rules, for charts."""
    return {
        "R1": _("Finish > %(days)s working days after the baseline's") % {"days": SLIP_RED_DAYS},
        "R2": _("Critical task overdue"),
        "R3": _("Finish > %(days)s working days after the planned end") % {"days": LATE_RED_DAYS},
        "A1": _("Finish after the baseline's"),
        "A2": _("Task overdue"),
        "A3": _("Open problem"),
        "A4": _("Finish after the planned end"),
    }


def reasons_figure(projects):
    """How many projects each rule holds for: where the portfolio goes off plan."""
    counts = Counter(code for project in projects for code in project.rating.codes)
    labels = rule_labels()
    codes = [code for code in labels if counts[code]][::-1]
    if not codes:
        return None
    return {"data": [{
        "type": "bar", "orientation": "h", "name": _("Projects"),
        "y": [f"{code} {labels[code]}" for code in codes], "x": [counts[c] for c in codes],
        "marker": {"color": [COLOR_CRITICAL if c.startswith("R") else COLOR_AMBER
                             for c in codes]},
        "hovertemplate": "%{y}: %{x}<extra></extra>",
    }], "layout": _chart_layout(
        hovermode="closest", showlegend=False, height=max(200, 80 + 34 * len(codes)),
        margin={"l": 16, "r": 16, "t": 16, "b": 44},
        xaxis={"title": {"text": _("Projects")}, "rangemode": "tozero",
               "dtick": 1 if max(counts.values()) < 10 else None},
        yaxis={"automargin": True},
    )}


def progress_figure(projects):
    """Each rated project a dot: % complete across, finish against the planned end up."""
    data = []
    for level in (RED, AMBER, GREEN):
        chosen = [p for p in projects if p.rating.level == level and p.late is not None]
        if not chosen:
            continue
        data.append({
            "type": "scatter", "mode": "markers", "name": str(RAG_LABELS[level]),
            "x": [float(p.percent_complete) for p in chosen],
            "y": [p.late for p in chosen],
            "customdata": [[p.code, p.name, p.pm_name or "—"] for p in chosen],
            "hovertemplate": "<b>%{customdata[0]}</b> %{customdata[1]}<br>" + _("PM")
            + ": %{customdata[2]}<br>" + _("% complete") + ": %{x}<br>"
            + _("Working days late") + ": %{y}<extra></extra>",
            "marker": {"color": RAG_COLORS[level], "size": 10, "opacity": 0.8,
                       "line": {"width": 1, "color": "#fff"}},
        })
    if not data:
        return None
    return {"data": data, "layout": _chart_layout(
        hovermode="closest",
        xaxis={"title": {"text": _("% complete")}, "range": [-3, 103], "zeroline": False},
        yaxis={"title": {"text": _("Working days late")}, "zeroline": True,
               "zerolinecolor": "#adb5bd"},
    )}


# --- One project --------------------------------------------------------------------------------

@dataclass
class Dashboard:
    project: Project
    rating: Rating
    planned_now: float | None = None
    actual_now: float = 0.0
    s_curve: dict = None
    burndown: dict = None
    overdue_by_owner: dict = None
    overdue_rows: list = field(default_factory=list)
    milestones: list = field(default_factory=list)
    baseline: Baseline | None = None
    task_count: int = 0


def project_dashboard(*, project, today):
    """Everything the project dashboard shows, in a fixed number of queries."""
    calendars = Calendars()
    (facts,) = project_facts(Project.objects.filter(pk=project.pk), today=today)
    rate_project(facts, calendars)
    calendar = calendars.of(facts)
    baseline = Baseline.objects.filter(project=project).order_by("-number").first()
    leaves, curves = _project_curves(project, baseline, calendar, today)
    dashboard = Dashboard(project=facts, rating=facts.rating, baseline=baseline,
                          task_count=len(leaves), **curves)
    dashboard.milestones = _milestones(project, baseline, calendar, today)
    dashboard.overdue_rows, dashboard.overdue_by_owner = _overdue_by_owner(project, today)
    return dashboard


def _project_curves(project, baseline, calendar, today):
    """The project's leaf tasks and its curves (`_curves`), planned by `baseline` if any."""
    leaves = list(Task.objects.filter(project=project, is_summary=False).values_list(
        "pk", "duration_days", "planned_start", "planned_end"))
    # Milestones are no work: only tasks of one working day or more make the planned curve.
    if baseline is not None:
        planned_rows = list(BaselineTask.objects.filter(
            baseline=baseline, task__is_summary=False, duration_days__gt=0,
        ).values_list("planned_start", "planned_end"))
    else:
        planned_rows = [(start, end) for _pk, days, start, end in leaves if days]
    entries = ProgressEntry.objects.filter(
        task__project=project, task__is_summary=False).order_by("date", "id").values_list(
        "task_id", "date", "percent_complete")
    return leaves, _curves(leaves, planned_rows, entries, calendar, today)


def progress_curve(*, project, baseline, today):
    """The project's S-curve alone: planned against actual % complete of the whole project.

    Only aggregate percentages by week, so it is what a client may see of progress (P4.3a);
    the portal shows it.
    """
    _leaves, curves = _project_curves(project, baseline, engine_calendar(project.calendar),
                                      today)
    return curves["s_curve"]


def _weeks(first, last):
    """Sundays from the one ending `first`'s week to the one ending `last`'s."""
    day = first + timedelta(days=6 - first.weekday())
    while True:
        yield day
        if day >= last:
            return
        day += timedelta(days=7)


def _curves(leaves, planned_rows, entries, calendar, today):
    """The S-curve and the burndown: planned from `planned_rows`, actual from `entries`.

    Planned: the share of the plan's working days of work (each task's working days between
    its start and finish) scheduled on or before each day. Actual: each task's latest
    reported % complete by that day, weighted by its duration.
    """
    starts = [s for s, e in planned_rows if s and e] + [s for _p, _d, s, e in leaves if s and e]
    finishes = [e for s, e in planned_rows if s and e] + [e for _p, _d, s, e in leaves if s and e]
    if not starts:
        return {"s_curve": None, "burndown": None}
    # Up to the plan's finish, or today if later (a year past the finish at most).
    first, last = min(starts), max(finishes)
    last = max(last, min(today, last + timedelta(days=365)))
    # Work scheduled per day: +1 on the first day of each task, -1 after its last.
    change = Counter()
    for start, end in planned_rows:
        if start and end and end >= start:
            change[start] += 1
            change[end + timedelta(days=1)] -= 1
    planned, active, done = {}, 0, 0
    day = first
    while day <= last:
        active += change.get(day, 0)
        if active and calendar.is_workday(day):
            done += active
        planned[day] = done
        day += timedelta(days=1)
    total_planned = done  # the plan's working days of work, all told
    weight = {pk: duration for pk, duration, _s, _e in leaves}
    total = sum(weight.values())
    weeks = list(_weeks(first, last))
    actual, percent, earned = [], {}, 0.0
    entries = iter(entries)
    pending = next(entries, None)
    for week_end in weeks:
        if week_end > today + timedelta(days=6):
            break
        cutoff = min(week_end, today)
        while pending is not None and pending[1] <= cutoff:
            pk, _day, value = pending
            if pk in weight:
                value = float(value)
                earned += weight[pk] * (value - percent.get(pk, 0.0))
                percent[pk] = value
            pending = next(entries, None)
        actual.append((cutoff, earned))
    x_planned = [d.isoformat() for d in weeks]
    y_planned = [_share(planned.get(min(d, last), total_planned), total_planned) for d in weeks]
    x_actual = [d.isoformat() for d, _e in actual]
    y_actual = [_share(e / 100, total) for _d, e in actual]
    planned_now = _share(planned.get(min(today, last), 0 if today < first else total_planned),
                         total_planned) if total_planned else None
    actual_now = _share(earned / 100, total) if total else 0.0
    return {
        "s_curve": _s_curve(x_planned, y_planned, x_actual, y_actual, today),
        "burndown": _burndown(
            x_planned, [round(total_planned - planned.get(min(d, last), total_planned), 1)
                        for d in weeks],
            x_actual, [round(total - e / 100, 1) for _d, e in actual], today,
        ),
        "planned_now": planned_now,
        "actual_now": actual_now,
    }


def _share(part, whole):
    return round(100 * part / whole, 1) if whole else 0.0


def _chart_layout(**extra):
    layout = {
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "height": 300,
        "font": {"family": FONT, "size": 12, "color": "#212529"},
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "hovermode": "x unified",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "xaxis": {"gridcolor": "#e9edf2"},
        "yaxis": {"gridcolor": "#e9edf2"},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def _today_line(today):
    return {
        "shapes": [{"type": "line", "xref": "x", "yref": "paper", "x0": today.isoformat(),
                    "x1": today.isoformat(), "y0": 0, "y1": 1,
                    "line": {"color": COLOR_TODAY, "width": 2, "dash": "dot"}}],
        "annotations": [{"xref": "x", "yref": "paper", "x": today.isoformat(), "y": 1,
                         "yanchor": "top", "xanchor": "left", "text": _("Today"),
                         "showarrow": False, "font": {"color": COLOR_TODAY, "size": 11}}],
    }


def _s_curve(x_planned, y_planned, x_actual, y_actual, today):
    return {"data": [
        {"type": "scatter", "mode": "lines", "name": _("Planned"), "x": x_planned,
         "y": y_planned, "line": {"color": COLOR_PLAN, "width": 2, "dash": "dash"},
         "hovertemplate": "%{y}%"},
        {"type": "scatter", "mode": "lines+markers", "name": _("Actual"), "x": x_actual,
         "y": y_actual, "line": {"color": COLOR_ACTUAL, "width": 3},
         "marker": {"size": 5}, "hovertemplate": "%{y}%"},
    ], "layout": _chart_layout(
        xaxis={"type": "date"},
        yaxis={"title": {"text": _("% complete")}, "range": [0, 102], "ticksuffix": "%"},
        **_today_line(today),
    )}


def _burndown(x_planned, y_planned, x_actual, y_actual, today):
    return {"data": [
        {"type": "scatter", "mode": "lines", "name": _("Planned"), "x": x_planned,
         "y": y_planned, "line": {"color": COLOR_PLAN, "width": 2, "dash": "dash"},
         "fill": "tozeroy", "fillcolor": "rgba(91, 143, 208, 0.08)"},
        {"type": "scatter", "mode": "lines+markers", "name": _("Actual"), "x": x_actual,
         "y": y_actual, "line": {"color": COLOR_ACTUAL, "width": 3}, "marker": {"size": 5}},
    ], "layout": _chart_layout(
        xaxis={"type": "date"},
        yaxis={"title": {"text": _("Remaining work (working days)")}, "rangemode": "tozero"},
        **_today_line(today),
    )}


def _milestones(project, baseline, calendar, today):
    """Milestones with their planned and baseline dates, variance and whether they are done."""
    rows = Task.objects.filter(project=project, is_summary=False, duration_days=0)
    if baseline is not None:
        rows = rows.annotate(baseline_date=Subquery(BaselineTask.objects.filter(
            baseline=baseline, task=OuterRef("pk")).values("planned_end")[:1]))
    milestones = list(rows.order_by("planned_end", "sort_key"))
    for task in milestones:
        base = getattr(task, "baseline_date", None)
        task.variance = (
            working_days_late(calendar, task.planned_end, base)
            - working_days_late(calendar, base, task.planned_end)
            if base and task.planned_end else None
        )
        task.is_done = task.status == Task.Status.DONE
        task.is_overdue = (not task.is_done and task.status != Task.Status.CANCELLED
                           and task.planned_end is not None and task.planned_end < today)
    return milestones


def _overdue_by_owner(project, today):
    """Overdue leaf tasks counted per owner (rows for the table) and as a bar chart."""
    rows = list(
        Task.objects.filter(project=project, is_summary=False, planned_end__lt=today)
        .exclude(status__in=CLOSED_TASK_STATUSES)
        .values("owner_id", "owner__display_name", "owner__username")
        .annotate(tasks=Count("pk"), critical=Count("pk", filter=Q(is_critical=True)),
                  days=Sum("duration_days"))
        .order_by("-tasks", "owner__display_name")
    )
    for row in rows:
        row["owner"] = (row["owner__display_name"] or row["owner__username"]
                        or str(_("Unassigned")))
    if not rows:
        return rows, None
    names = [row["owner"] for row in rows][::-1]
    figure = {"data": [
        {"type": "bar", "orientation": "h", "name": _("Critical"), "y": names,
         "x": [row["critical"] for row in rows][::-1], "marker": {"color": COLOR_CRITICAL},
         "hovertemplate": "%{y}: %{x}<extra>" + _("Critical") + "</extra>"},
        {"type": "bar", "orientation": "h", "name": _("Other"), "y": names,
         "x": [row["tasks"] - row["critical"] for row in rows][::-1],
         "marker": {"color": COLOR_PLAN},
         "hovertemplate": "%{y}: %{x}<extra>" + _("Other") + "</extra>"},
    ], "layout": _chart_layout(
        barmode="stack", hovermode="closest", height=max(180, 70 + 28 * len(rows)),
        margin={"l": 120, "r": 16, "t": 16, "b": 40},
        xaxis={"title": {"text": _("Overdue tasks")}, "dtick": 1 if rows[0]["tasks"] < 10
               else None, "rangemode": "tozero"},
        yaxis={"automargin": True},
    )}
    return rows, figure
