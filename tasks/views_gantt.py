"""The Gantt page (P3.1c) and its exports, for the project's team.

The page holds the filters and an empty chart; static/js/gantt.js fetches the figure from the
Gantt API (`/api/v1/projects/{id}/gantt/`) and draws it with plotly.js served from
static/vendor, polling while a large project's figure renders in the background. Exports:
standalone HTML (plotly.js inlined, works offline) and, when kaleido is installed, PNG.
"""
import html
import importlib.util
import json
from urllib.parse import urlencode

import plotly.io
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from accounts.models import User
from projects.models import Project
from projects.permissions import require

from . import gantt, gantt_cache
from .api.gantt import user_language
from .models import Task

# Rows beyond which a PNG is too tall to read: filter, or export HTML.
PNG_MAX_ROWS = 400
PNG_WIDTH = 1600
FILTERS = ("critical", "owner", "phase", "baseline")
# The exported page scrolls through the rows on the mouse wheel, like the Gantt page.
WHEEL_SCRIPT = """
var gd = document.getElementById('{plot_id}');
gd.addEventListener('wheel', function (e) {
  var meta = gd.layout.meta || {}, r = gd.layout.yaxis.range;
  if (!meta.rows || meta.rows <= meta.window || e.ctrlKey) { return; }
  e.preventDefault();
  var span = r[0] - r[1], step = (e.deltaY > 0 ? 1 : -1) * Math.max(1, Math.round(span / 8));
  var top = Math.min(Math.max(r[1] + step, -0.5), meta.rows - 0.5 - span);
  Plotly.relayout(gd, {'yaxis.range': [top + span, top]});
}, {passive: false});
"""


def _project(request, pk):
    project = get_object_or_404(Project.objects.select_related("client_organization"), pk=pk)
    require(request.user, "project.view_internal", project)
    return project


def can_export_png():
    return importlib.util.find_spec("kaleido") is not None


def _filters_query(request):
    return urlencode({k: request.GET[k] for k in FILTERS if request.GET.get(k)})


@login_required
def gantt_page(request, pk):
    project = _project(request, pk)
    options, errors = gantt.parse_options(project=project, params=request.GET)
    summaries = Task.objects.filter(project=project, is_summary=True).order_by(
        "sort_key", "id").values_list("pk", "wbs", "name")
    phases = [
        {"pk": pk_, "wbs": wbs, "name": name, "level": wbs.count(".")}
        for pk_, wbs, name in summaries if wbs.count(".") < 2
    ]
    owners = User.objects.filter(tasks__project=project).distinct().order_by(
        "display_name", "username")
    count = Task.objects.filter(project=project).count()
    query = _filters_query(request)
    return render(request, "tasks/gantt.html", {
        "project": project,
        "tab": "gantt",
        "options": options,
        "errors": errors,
        "baseline_value": request.GET.get("baseline", ""),
        "baselines": project.baselines.order_by("-number"),
        "owners": owners,
        "phases": phases,
        "task_count": count,
        "large": count > gantt_cache.async_threshold(),
        "api_url": reverse("project-gantt", args=[project.pk]),
        "query": query,
        "can_png": can_export_png(),
    })


def _export_figure(request, project):
    """The figure dict for the request's filters, or None while it renders (message set)."""
    options, errors = gantt.parse_options(project=project, params=request.GET)
    if errors:
        raise ValidationError(errors)
    language = user_language(request)
    with translation.override(language):
        state, body = gantt_cache.figure(project=project, options=options, language=language)
    if state is not gantt_cache.State.READY:
        messages.info(request, _(
            "The Gantt chart is still being rendered; download it again in a moment."
        ) if state is gantt_cache.State.RENDERING else _(
            "The Gantt chart could not be rendered; try again in a minute."
        ))
        return None
    figure = json.loads(gantt_cache.figure_json(body))
    layout = figure["layout"]
    title = html.escape(f"{project.code} {project.name}", quote=False)
    layout["title"] = {"text": title, "x": 0.01, "xanchor": "left",
                       "y": 0.995, "yanchor": "top", "font": {"size": 16}}
    layout["margin"]["t"] += 24
    layout["height"] += 24
    return figure


def _attachment(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _back(request, project):
    url = reverse("tasks:gantt", args=[project.pk])
    query = _filters_query(request)
    return redirect(f"{url}?{query}" if query else url)


@login_required
def gantt_export(request, pk, fmt):
    """The chart as a standalone HTML page (offline: plotly.js inlined) or a PNG image."""
    project = _project(request, pk)
    if fmt == "png" and not can_export_png():
        raise Http404
    try:
        figure = _export_figure(request, project)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(request, project)
    if figure is None:
        return _back(request, project)
    stamp = timezone.localdate().isoformat()
    if fmt == "html":
        page = plotly.io.to_html(
            figure, include_plotlyjs=True, full_html=True, validate=False,
            default_width="100%", default_height=f"{figure['layout']['height']}px",
            config={"displaylogo": False, "responsive": True}, post_script=WHEEL_SCRIPT,
        )
        title = html.escape(f"{project.code} · {_('Gantt chart')}")
        page = page.replace("<head>", f"<head><title>{title}</title>", 1)
        return _attachment(page, "text/html; charset=utf-8",
                           f"{project.code}-gantt-{stamp}.html")
    rows = figure["layout"]["meta"]["rows"]
    if rows > PNG_MAX_ROWS:
        messages.error(request, _(
            "%(rows)s rows are too many for an image (at most %(max)s): filter the chart, or "
            "download it as HTML."
        ) % {"rows": rows, "max": PNG_MAX_ROWS})
        return _back(request, project)
    layout = figure["layout"]
    layout["yaxis"]["range"] = [max(rows, 1) - 0.5, -0.5]
    layout["height"] += (max(rows, 1) - layout["meta"]["window"]) * gantt.ROW_PX
    layout["xaxis"]["rangeselector"]["visible"] = False
    image = plotly.io.to_image(figure, format="png", width=PNG_WIDTH,
                               height=layout["height"], validate=False)
    return _attachment(image, "image/png", f"{project.code}-gantt-{stamp}.png")
