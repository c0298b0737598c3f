"""The Gantt chart (P3.1c) as a plotly figure: plain rows in, a `{data, layout}` dict out.

The figure is built as dicts rather than with plotly.graph_objects, whose validation costs
seconds on a 10,000-task plan. Rows are WBS order on a numeric y axis (0 at the top), so the
plan bar, its progress and its baseline can share a row at different heights:

- plan bars from `planned_start` to the end of `planned_end` (critical ones in red), with the
  share `percent_complete` of each filled in darker;
- summary tasks as dark brackets, milestones as diamonds;
- the chosen baseline as a thin grey bar under each row;
- every dependency in one line trace, drawn from the predecessor's end (its start for SS and
  SF links) down to the successor's start (its end for FF and SF links);
- a "today" line, and hover text with dates, total float, owner and % complete.

Words come from gettext: build inside `translation.override(<the user's language>)`.
"""
import html
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from django.utils import formats, translation
from django.utils.translation import gettext as _

from .models import Baseline, BaselineTask, Dependency, Task

# Part of every cache key: raise it when the figure's shape changes.
FIGURE_VERSION = 1
DAY_MS = 86_400_000
ROW_PX = 26
# Rows shown at once; taller plans scroll (the page pans the y axis on the mouse wheel).
WINDOW_ROWS = 32
HEADER_PX = 96
FOOTER_PX = 56
LABEL_DOMAIN = 0.3
LONG_PLAN_DAYS = 180
MIN_WINDOW_DAYS = 28
LABEL_MAX = 48

COLOR_PLAN = "#5b8fd0"
COLOR_CRITICAL = "#d64545"
# Drawn over the plan bar, it darkens blue and red alike.
COLOR_DONE = "rgba(16, 24, 40, 0.55)"
COLOR_SUMMARY = "#343a40"
COLOR_BASELINE = "#a3acb9"
COLOR_LINK = "rgba(120, 130, 150, 0.6)"
COLOR_TODAY = "#e8590c"
COLOR_GRID = "#e9edf2"
FONT = ("system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Microsoft YaHei', "
        "'Noto Sans CJK SC', 'WenQuanYi Zen Hei', sans-serif")

PLAN_WIDTH = 0.46
PROGRESS_WIDTH = 0.2
SUMMARY_WIDTH = 0.2
BASELINE_OFFSET = 0.31
BASELINE_WIDTH = 0.13


class GanttTask(NamedTuple):
    """One task as the chart needs it (see `plan_rows`)."""

    id: int
    parent_id: int | None
    wbs: str
    sort_key: str
    name: str
    is_summary: bool
    duration: int
    start: date | None
    end: date | None
    total_float: int | None
    critical: bool
    percent: float
    status: str
    owner_id: int | None
    owner: str

    @property
    def is_milestone(self):
        return self.duration == 0 and not self.is_summary


class GanttLink(NamedTuple):
    predecessor: int
    successor: int
    type: str


@dataclass(frozen=True)
class GanttOptions:
    """What to show. `baseline`: a baseline id, or None for none (see `parse_options`)."""

    critical: bool = False
    owner: int | None = None
    phase: int | None = None
    baseline: int | None = None

    def as_dict(self):
        return {"critical": self.critical, "owner": self.owner, "phase": self.phase,
                "baseline": self.baseline}

    def key(self):
        return (f"c{int(self.critical)}-o{self.owner or ''}-p{self.phase or ''}"
                f"-b{self.baseline or ''}")


# --- Reading the plan ---------------------------------------------------------------------------

def plan_rows(*, project):
    """The project's tasks in WBS order as GanttTask rows: one query."""
    rows = Task.objects.filter(project=project).order_by("sort_key", "id").values_list(
        "id", "parent_id", "wbs", "sort_key", "name", "is_summary", "duration_days",
        "planned_start", "planned_end", "total_float", "is_critical", "percent_complete",
        "status", "owner_id", "owner__display_name", "owner__username",
    )
    return [
        GanttTask(pk, parent, wbs, sort_key, name, summary, duration, start, end, float_,
                  critical, float(percent), status, owner_id, display or username or "")
        for (pk, parent, wbs, sort_key, name, summary, duration, start, end, float_, critical,
             percent, status, owner_id, display, username) in rows
    ]


def plan_links(*, project):
    return [GanttLink(*row) for row in Dependency.objects.filter(project=project).values_list(
        "predecessor_id", "successor_id", "type")]


def baseline_rows(*, baseline_id):
    """{task id: (planned start, planned end)} of a baseline."""
    if baseline_id is None:
        return {}
    return {
        pk: (start, end) for pk, start, end in BaselineTask.objects.filter(
            baseline_id=baseline_id).values_list("task_id", "planned_start", "planned_end")
    }


TRUE_WORDS = frozenset({"1", "true", "on", "yes"})


def parse_options(*, project, params):
    """GanttOptions from query parameters `critical`, `owner`, `phase`, `baseline`.

    `baseline` is a baseline id, "none", or empty for the latest one. Returns (options,
    errors): errors maps a parameter to a list of messages, empty when all is well.
    """
    errors = {}

    def number(name):
        value = (params.get(name) or "").strip()
        if not value:
            return None
        if not value.isdigit():
            errors[name] = [_("A valid integer is required.")]
            return None
        return int(value)

    owner, phase = number("owner"), number("phase")
    if phase is not None and not Task.objects.filter(
        project=project, pk=phase, is_summary=True
    ).exists():
        errors["phase"] = [_("Choose a summary task of this project.")]
        phase = None
    value = (params.get("baseline") or "").strip()
    baseline = None
    if value == "":
        baseline = Baseline.objects.filter(project=project).order_by("-number").values_list(
            "pk", flat=True).first()
    elif value.lower() != "none":
        if value.isdigit() and Baseline.objects.filter(project=project, pk=int(value)).exists():
            baseline = int(value)
        else:
            errors["baseline"] = [_("No such baseline in this project.")]
    critical = (params.get("critical") or "").strip().lower() in TRUE_WORDS
    return GanttOptions(critical=critical, owner=owner, phase=phase, baseline=baseline), errors


def build_project_figure(*, project, options, today):
    """Read the plan and build its figure (call inside the reader's language)."""
    baseline = None
    if options.baseline is not None:
        baseline = Baseline.objects.filter(pk=options.baseline, project=project).first()
    return build_figure(
        tasks=plan_rows(project=project), links=plan_links(project=project),
        baseline=baseline_rows(baseline_id=baseline.pk) if baseline else None,
        baseline_name=f"#{baseline.number} {baseline.name}" if baseline else None,
        today=today, options=options,
    )


# --- Filters ------------------------------------------------------------------------------------

def filter_rows(tasks, options):
    """The rows to show, in WBS order: leaves that pass every filter, with their summaries.

    `phase` keeps a summary task's subtree; `owner` and `critical` keep the leaves that match
    and, for context, the summary tasks above them. No filter keeps everything.
    """
    if not (options.critical or options.owner or options.phase):
        return list(tasks)
    by_id = {task.id: task for task in tasks}
    scope = tasks
    if options.phase:
        phase = by_id.get(options.phase)
        if phase is None:
            return []
        scope = [task for task in tasks if task.sort_key.startswith(phase.sort_key)]
        if not (options.critical or options.owner):
            return scope
    keep = set()
    for task in scope:
        if task.is_summary:
            continue
        if options.critical and not task.critical:
            continue
        if options.owner and task.owner_id != options.owner:
            continue
        keep.add(task.id)
        parent = task.parent_id
        while parent is not None and parent not in keep:
            keep.add(parent)
            parent = by_id[parent].parent_id if parent in by_id else None
    return [task for task in scope if task.id in keep]


# --- The figure ---------------------------------------------------------------------------------

class _Dates(dict):
    """ISO strings and the reader's short date format, each date converted once."""

    def __init__(self):
        super().__init__()
        self.labels = {}

    def __missing__(self, day):
        value = self[day] = day.isoformat()
        return value

    def label(self, day):
        if day is None:
            return "—"
        if day not in self.labels:
            self.labels[day] = formats.date_format(day, "SHORT_DATE_FORMAT")
        return self.labels[day]


def _label(task, level):
    name = task.name if len(task.name) <= LABEL_MAX else task.name[:LABEL_MAX - 1] + "…"
    text = f"{html.escape(task.wbs, quote=False)}  {html.escape(name, quote=False)}"
    if task.is_summary:
        text = f"<b>{text}</b>"
    if task.critical and not task.is_summary:
        text = f'<span style="color:{COLOR_CRITICAL}">{text}</span>'
    return "\u2003" * level + text


def _trace(name, color, width=None, **extra):
    trace = {"type": "bar", "orientation": "h", "name": name, "x": [], "base": [], "y": [],
             "marker": {"color": color, "line": {"width": 0}}}
    if "hovertemplate" not in extra:
        trace["hoverinfo"] = "skip"
    if width is not None:
        trace["width"] = width
    trace.update(extra)
    return trace


def build_figure(*, tasks, links, baseline=None, baseline_name=None, today, options=None):
    """The figure dict for `tasks` (GanttTask rows in WBS order) and `links` (GanttLink).

    `baseline` maps task ids to baseline (start, end); `today` places the today line.
    """
    options = options or GanttOptions()
    rows = filter_rows(tasks, options)
    dates = _Dates()
    hover = (
        "<b>%{customdata[0]}</b><br>"
        + _("Start") + ": %{customdata[1]}<br>"
        + _("Finish") + ": %{customdata[2]}<br>"
        + _("Duration") + ": %{customdata[3]}<br>"
        + _("Total float") + ": %{customdata[4]}<br>"
        + _("Owner") + ": %{customdata[5]}<br>"
        + _("Complete") + ": %{customdata[6]}%<extra></extra>"
    )
    days = _("%(days)s working days")
    plan = _trace(_("Planned"), COLOR_PLAN, PLAN_WIDTH, customdata=[], hovertemplate=hover)
    critical = _trace(_("Critical path"), COLOR_CRITICAL, PLAN_WIDTH, customdata=[],
                      hovertemplate=hover)
    done = _trace(_("Progress"), COLOR_DONE, PROGRESS_WIDTH)
    summary = _trace(_("Summary"), COLOR_SUMMARY, SUMMARY_WIDTH, customdata=[],
                     hovertemplate=hover)
    brackets = {"type": "scatter", "mode": "markers", "name": _("Summary"), "x": [], "y": [],
                "marker": {"symbol": "triangle-down", "size": 9, "color": COLOR_SUMMARY},
                "hoverinfo": "skip", "showlegend": False, "legendgroup": "summary"}
    summary["legendgroup"] = "summary"
    milestones = {"type": "scatter", "mode": "markers", "name": _("Milestone"), "x": [], "y": [],
                  "customdata": [], "hovertemplate": hover,
                  "marker": {"symbol": "diamond", "size": 13, "color": [],
                             "line": {"width": 1, "color": "#fff"}}}
    base_bars = _trace(baseline_name and _("Baseline %(name)s") % {"name": baseline_name},
                       COLOR_BASELINE, BASELINE_WIDTH, customdata=[],
                       hovertemplate="<b>%{customdata[0]}</b><br>" + _("Baseline") +
                       ": %{customdata[1]} – %{customdata[2]}<extra></extra>")
    base_marks = {"type": "scatter", "mode": "markers", "name": base_bars["name"], "x": [],
                  "y": [], "customdata": [], "showlegend": False, "legendgroup": "baseline",
                  "hovertemplate": base_bars["hovertemplate"],
                  "marker": {"symbol": "diamond-open", "size": 9, "color": COLOR_BASELINE}}
    base_bars["legendgroup"] = "baseline"
    ticks, position = [], {}
    first = last = None
    for y, task in enumerate(rows):
        position[task.id] = y
        ticks.append(_label(task, task.wbs.count(".")))
        start, end = task.start, task.end
        # Plotly reads hover text as HTML of its own: names are escaped.
        title = html.escape(f"{task.wbs} {task.name}", quote=False)
        info = [
            title, dates.label(start), dates.label(end),
            days % {"days": task.duration} if not task.is_summary else "—",
            "—" if task.total_float is None else task.total_float,
            html.escape(task.owner, quote=False) or "—", f"{task.percent:g}",
        ]
        if start is not None and end is not None:
            finish = end + timedelta(days=1)
            first = start if first is None or start < first else first
            last = finish if last is None or finish > last else last
            if task.is_summary:
                _bar(summary, dates, start, finish, y, info)
                brackets["x"] += [dates[start], dates[finish]]
                brackets["y"] += [y + 0.12, y + 0.12]
            elif task.is_milestone:
                milestones["x"].append(dates[finish])
                milestones["y"].append(y)
                milestones["customdata"].append(info)
                milestones["marker"]["color"].append(
                    COLOR_CRITICAL if task.critical else COLOR_SUMMARY)
            else:
                _bar(critical if task.critical else plan, dates, start, finish, y, info)
                if task.percent > 0:
                    done["base"].append(dates[start])
                    done["x"].append(round((finish - start).days * DAY_MS * task.percent / 100))
                    done["y"].append(y)
        planned = baseline.get(task.id) if baseline else None
        if planned and planned[0] and planned[1]:
            b_start, b_finish = planned[0], planned[1] + timedelta(days=1)
            first = b_start if first is None or b_start < first else first
            last = b_finish if last is None or b_finish > last else last
            b_info = [title, dates.label(planned[0]), dates.label(planned[1])]
            if task.is_milestone:
                base_marks["x"].append(dates[b_finish])
                base_marks["y"].append(y + BASELINE_OFFSET)
                base_marks["customdata"].append(b_info)
            else:
                _bar(base_bars, dates, b_start, b_finish, y + BASELINE_OFFSET, b_info)
    link_trace = _links(rows, links, position, dates)
    data = [trace for trace in (
        base_bars, base_marks, summary, brackets, plan, critical, done, link_trace, milestones,
    ) if trace["x"]]
    return {"data": data, "layout": _layout(rows, ticks, first, last, today, dates)}


def _bar(trace, dates, start, finish, y, info):
    trace["base"].append(dates[start])
    trace["x"].append((finish - start).days * DAY_MS)
    trace["y"].append(y)
    if "customdata" in trace:
        trace["customdata"].append(info)


def _links(rows, links, position, dates):
    """All links as one line trace, a None after each so that they stay separate."""
    by_id = {task.id: task for task in rows}
    xs, ys = [], []
    for link in links:
        pred, succ = by_id.get(link.predecessor), by_id.get(link.successor)
        if pred is None or succ is None or None in (pred.start, pred.end, succ.start, succ.end):
            continue
        x0 = _left(pred) if link.type in ("SS", "SF") else pred.end + timedelta(days=1)
        x1 = succ.end + timedelta(days=1) if link.type in ("FF", "SF") else _left(succ)
        y0, y1 = position[pred.id], position[succ.id]
        xs += [dates[x0], dates[x0], dates[x1], None]
        ys += [y0, y1, y1, None]
    return {"type": "scatter", "mode": "lines", "name": _("Dependencies"), "x": xs, "y": ys,
            "line": {"color": COLOR_LINK, "width": 1}, "hoverinfo": "skip",
            "connectgaps": False}


def _left(task):
    """Where a task is drawn to start: a milestone's diamond sits at the end of its day."""
    return task.end + timedelta(days=1) if task.is_milestone else task.start


# plotly.js ships English month names only: Chinese readers get numeric dates.
CHINESE_DATES = [
    {"dtickrange": [None, 28 * DAY_MS], "value": "%-m月%-d日"},
    {"dtickrange": [28 * DAY_MS, 365 * DAY_MS], "value": "%Y年%-m月"},
    {"dtickrange": [365 * DAY_MS, None], "value": "%Y年"},
]


def _layout(rows, ticks, first, last, today, dates):
    count = len(rows)
    shown = min(count, WINDOW_ROWS) or 1
    layout = {
        "height": HEADER_PX + FOOTER_PX + shown * ROW_PX + 20,
        "margin": {"l": 8, "r": 24, "t": HEADER_PX, "b": FOOTER_PX},
        "barmode": "overlay",
        "bargap": 0,
        "hovermode": "closest",
        "dragmode": "pan",
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "font": {"family": FONT, "size": 12, "color": "#212529"},
        "hoverlabel": {"font": {"family": FONT}},
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yanchor": "top",
                   "font": {"size": 11}},
        "uirevision": "gantt",
        "xaxis": {
            "type": "date", "domain": [LABEL_DOMAIN, 1], "side": "top", "anchor": "y",
            "showgrid": True, "gridcolor": COLOR_GRID, "linecolor": "#ced4da",
            "showline": True, "tickfont": {"size": 11},
            "rangeselector": {
                "x": 0, "xanchor": "left", "y": 1, "yanchor": "bottom",
                "font": {"size": 11},
                "buttons": [
                    {"count": 21, "step": "day", "stepmode": "backward", "label": _("Day")},
                    {"count": 3, "step": "month", "stepmode": "backward", "label": _("Week")},
                    {"count": 1, "step": "year", "stepmode": "backward", "label": _("Month")},
                    {"step": "all", "label": _("All")},
                ],
            },
        },
        "yaxis": {
            "tickmode": "array", "tickvals": list(range(count)), "ticktext": ticks,
            "range": [shown - 0.5, -0.5], "autorange": False,
            "anchor": "free", "position": 0, "side": "right", "ticks": "",
            "showgrid": False, "zeroline": False, "showline": False,
            "tickfont": {"size": 12}, "automargin": False,
        },
        "shapes": [],
        "annotations": [],
        "meta": {"rows": count, "window": shown, "today": dates[today],
                 "start": dates[first] if first else None,
                 "finish": dates[last] if last else None},
    }
    if translation.get_language().startswith("zh"):
        layout["xaxis"]["tickformatstops"] = CHINESE_DATES
    if first is not None:
        start, finish = first, last
        if count > shown and (last - first).days > LONG_PLAN_DAYS:
            # A long, tall plan opens on the dates of the rows in view; "All" shows the rest.
            window = [task for task in rows[:shown] if task.start and task.end]
            if window:
                start = min(task.start for task in window)
                finish = max(start + timedelta(days=MIN_WINDOW_DAYS),
                             max(task.end for task in window) + timedelta(days=1))
        pad = max(2, (finish - start).days // 40)
        layout["xaxis"]["range"] = [dates[start - timedelta(days=pad)],
                                    dates[finish + timedelta(days=pad)]]
        layout["shapes"].append({
            "type": "line", "xref": "x", "yref": "paper", "x0": dates[today],
            "x1": dates[today], "y0": 0, "y1": 1, "layer": "above",
            "line": {"color": COLOR_TODAY, "width": 2, "dash": "dot"},
        })
        layout["annotations"].append({
            "xref": "x", "yref": "paper", "x": dates[today], "y": 1, "yanchor": "top",
            "xanchor": "left", "text": _("Today"), "showarrow": False,
            "bgcolor": "rgba(255, 255, 255, 0.85)", "font": {"color": COLOR_TODAY, "size": 11},
        })
    if not rows:
        layout["annotations"].append({
            "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False,
            "text": _("No task to show."), "font": {"size": 14, "color": "#6c757d"},
        })
        layout["xaxis"]["visible"] = False
        layout["showlegend"] = False
    return layout
