"""The Gantt chart (P3.1c): the figure, its API for the team, background rendering, the page."""
import json
from datetime import date, timedelta
from unittest import mock

import plotly.graph_objects as go
import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import translation
from kombu.exceptions import OperationalError

from tasks import gantt, gantt_cache, progress, services, views_gantt
from tasks import tasks as jobs
from tasks.models import Task

# world.project starts on Tuesday 2026-12-01 on the default Monday–Friday calendar.
TODAY = date(2026, 12, 4)
INTERNAL = ["admin", "management", "supervisor", "pm", "assistant", "member", "qa", "finance",
            "observer"]
HIDDEN = ["outsider", "client", "other_client"]


@pytest.fixture(autouse=True)
def gantt_caches(settings):
    """A fresh local-memory cache per test, as `gantt` (the shared cache in production)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": "gantt-tests-default"},
        "gantt": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                  "LOCATION": "gantt-tests"},
    }
    gantt_cache.plan_cache().clear()
    yield
    gantt_cache.plan_cache().clear()


def row(ref, level, name, days=1, owner=None, after=()):
    return {"id": ref, "level": level, "name": name, "duration_days": days, "owner": owner,
            "predecessors": list(after)}


@pytest.fixture
def plan(world):
    """Two phases; Survey → Design → Design approved → Install is the critical path."""
    services.import_plan(user=world.pm, project=world.project, rows=[
        row(1, 1, "Phase A", owner=world.pm),
        row(2, 2, "Survey", 2, world.member),
        row(3, 2, "Design <core>", 3, world.pm, [(2, "FS", 0)]),
        row(4, 2, "Procure", 1, world.member, [(2, "SS", 0)]),
        row(5, 2, "Design approved", 0, world.pm, [(3, "FS", 0)]),
        row(6, 1, "Phase B", owner=world.pm),
        row(7, 2, "Install", 5, world.member, [(5, "FS", 0)]),
        row(8, 2, "Cabling", 2, world.pm, [(4, "FS", 0)]),
    ])
    return {t.name: t for t in Task.objects.filter(project=world.project)}


def figure(world, **options):
    with translation.override("en"):
        return gantt.build_project_figure(
            project=world.project, options=gantt.GanttOptions(**options), today=TODAY)


def trace(fig, name):
    return next((t for t in fig["data"] if t.get("name") == name), None)


def names_on(fig, name):
    """Task names (without WBS) of the rows a trace draws on, in row order."""
    found = trace(fig, name)
    if found is None:
        return []
    return [item[0].split(" ", 1)[1] for item in found["customdata"]]


def iso(day):
    return day.isoformat()


# --- The figure ---------------------------------------------------------------------------------

def test_plan_bars_run_from_start_to_the_end_of_the_finish_day(world, plan):
    fig = figure(world)

    bars = {n: i for i, n in enumerate(names_on(fig, "Planned"))}
    planned = trace(fig, "Planned")
    procure = plan["Procure"]
    i = bars["Procure"]
    assert planned["base"][i] == iso(procure.planned_start)
    days = (procure.planned_end - procure.planned_start).days + 1
    assert planned["x"][i] == days * gantt.DAY_MS
    assert planned["orientation"] == "h" and planned["type"] == "bar"
    assert sorted(bars) == ["Cabling", "Procure"]


def test_critical_path_is_red_and_milestones_are_diamonds(world, plan):
    fig = figure(world)

    critical = trace(fig, "Critical path")
    assert critical["marker"]["color"] == gantt.COLOR_CRITICAL
    assert names_on(fig, "Critical path") == ["Survey", "Design &lt;core&gt;", "Install"]
    milestones = trace(fig, "Milestone")
    assert milestones["marker"]["symbol"] == "diamond"
    assert names_on(fig, "Milestone") == ["Design approved"]
    assert milestones["marker"]["color"] == [gantt.COLOR_CRITICAL]
    # A milestone sits at the end of its day, where its predecessor's bar ends.
    approved = plan["Design approved"]
    assert milestones["x"] == [iso(approved.planned_end + timedelta(days=1))]


def test_rows_follow_the_wbs_with_indented_names_and_bold_summaries(world, plan):
    fig = figure(world)

    ticks = fig["layout"]["yaxis"]["ticktext"]
    assert len(ticks) == 8
    assert ticks[0] == "<b>1  Phase A</b>"
    assert ticks[1].startswith("\u2003") and "1.1  Survey" in ticks[1]
    assert "&lt;core&gt;" in ticks[2]  # names are escaped for plotly's pseudo-HTML
    assert fig["layout"]["yaxis"]["tickvals"] == list(range(8))
    assert fig["layout"]["yaxis"]["range"] == [7.5, -0.5]  # the first row at the top
    summary = trace(fig, "Summary")
    assert names_on(fig, "Summary") == ["Phase A", "Phase B"]
    assert summary["marker"]["color"] == gantt.COLOR_SUMMARY


def test_all_links_are_one_trace_from_predecessor_end_to_successor_start(world, plan):
    fig = figure(world)

    links = [t for t in fig["data"] if t.get("name") == "Dependencies"]
    assert len(links) == 1
    xs, ys = links[0]["x"], links[0]["y"]
    assert xs.count(None) == ys.count(None) == 5
    rows = {n: i for i, n in enumerate(
        t.split("  ", 1)[1].removesuffix("</b>").removesuffix("</span>")
        for t in fig["layout"]["yaxis"]["ticktext"])}
    survey, design = plan["Survey"], plan["Design <core>"]
    # Survey → Design (FS): down from Survey's end, then along to Design's start.
    first = xs.index(None)
    assert xs[:first] == [iso(survey.planned_end + timedelta(days=1))] * 2 + [
        iso(design.planned_start)]
    assert ys[:first] == [rows["Survey"], rows["Design &lt;core&gt;"],
                          rows["Design &lt;core&gt;"]]


def test_today_line_hover_and_labels(world, plan):
    fig = figure(world)

    (line,) = fig["layout"]["shapes"]
    assert line["type"] == "line" and line["x0"] == line["x1"] == iso(TODAY)
    assert line["yref"] == "paper"
    assert any(a["text"] == "Today" for a in fig["layout"]["annotations"])
    hover = trace(fig, "Planned")["hovertemplate"]
    for word in ("Start", "Finish", "Total float", "Owner", "Complete"):
        assert word in hover
    info = dict(zip(names_on(fig, "Planned"), trace(fig, "Planned")["customdata"], strict=True))
    procure = plan["Procure"]
    assert info["Procure"][4] == procure.total_float
    assert info["Procure"][5] == str(world.member)
    assert info["Procure"][6] == "0"


def test_progress_fills_that_share_of_the_bar(world, plan):
    cabling = plan["Cabling"]
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        progress.record_progress(user=world.pm, task=cabling, percent_complete=50)

    fig = figure(world)

    done = trace(fig, "Progress")
    (i,) = [i for i, b in enumerate(done["base"]) if b == iso(cabling.planned_start)]
    assert done["x"][i] == 2 * gantt.DAY_MS // 2
    info = dict(zip(names_on(fig, "Planned"), trace(fig, "Planned")["customdata"], strict=True))
    assert info["Cabling"][6] == "50"


def test_baseline_is_a_thin_bar_beneath_each_row(world, plan):
    baseline = services.take_baseline(user=world.pm, project=world.project, name="Approved")
    install = plan["Install"]
    services.update_task(user=world.pm, task=install, duration_days=8)

    fig = figure(world, baseline=baseline.pk)

    bars = trace(fig, f"Baseline #{baseline.number} Approved")
    assert bars["width"] < gantt.PLAN_WIDTH
    assert len(bars["x"]) == 7  # every row but the milestone, drawn as an open diamond
    y_install = names_on(fig, "Critical path").index("Install")
    install_row = trace(fig, "Critical path")["y"][y_install]
    (i,) = [i for i, y in enumerate(bars["y"]) if y == install_row + gantt.BASELINE_OFFSET]
    assert bars["x"][i] == 7 * gantt.DAY_MS  # 5 working days over a weekend, not 8
    assert len([t for t in fig["data"] if t.get("legendgroup") == "baseline"]) == 2
    assert trace(figure(world), bars["name"]) is None


def test_filter_critical_path_keeps_critical_tasks_and_their_phases(world, plan):
    everything, critical = figure(world), figure(world, critical=True)

    assert len(critical["layout"]["yaxis"]["ticktext"]) < len(
        everything["layout"]["yaxis"]["ticktext"])
    assert trace(critical, "Planned") is None
    assert names_on(critical, "Critical path") == ["Survey", "Design &lt;core&gt;", "Install"]
    assert names_on(critical, "Summary") == ["Phase A", "Phase B"]
    # Links to tasks that are not shown are not drawn.
    assert trace(critical, "Dependencies")["x"].count(None) == 3


def test_filter_owner_and_phase(world, plan):
    mine = figure(world, owner=world.member.pk)
    assert names_on(mine, "Planned") + names_on(mine, "Critical path") == [
        "Procure", "Survey", "Install"]
    assert names_on(mine, "Milestone") == []

    phase_b = figure(world, phase=plan["Phase B"].pk)
    assert len(phase_b["layout"]["yaxis"]["ticktext"]) == 3
    assert names_on(phase_b, "Summary") == ["Phase B"]

    nobody = figure(world, owner=world.qa.pk)
    assert nobody["data"] == []
    assert "No task to show." in [a["text"] for a in nobody["layout"]["annotations"]]


def test_figure_is_valid_plotly_and_json(world, plan):
    baseline = services.take_baseline(user=world.pm, project=world.project)
    fig = figure(world, baseline=baseline.pk)

    go.Figure(fig)  # plotly's own validation: every property exists
    assert json.loads(json.dumps(fig)) == fig


def test_labels_follow_the_language(world, plan):
    with translation.override("zh-hans"):
        fig = gantt.build_project_figure(project=world.project, options=gantt.GanttOptions(),
                                         today=TODAY)
    assert fig["layout"]["xaxis"]["tickformatstops"][0]["value"] == "%-m月%-d日"
    assert "tickformatstops" not in figure(world)["layout"]["xaxis"]


def test_a_large_plan_shows_a_window_of_rows(world):
    leaves = [row(i, 1, f"Task {i}", 1) for i in range(1, 61)]
    services.import_plan(user=world.pm, project=world.project, rows=leaves)

    layout = figure(world)["layout"]

    assert layout["meta"]["rows"] == 60
    assert layout["yaxis"]["range"] == [gantt.WINDOW_ROWS - 0.5, -0.5]
    assert len(layout["yaxis"]["ticktext"]) == 60


# --- Options from query parameters --------------------------------------------------------------

def test_options_default_to_the_latest_baseline(world, plan):
    first = services.take_baseline(user=world.pm, project=world.project)
    second = services.take_baseline(user=world.pm, project=world.project)

    def parse(**params):
        return gantt.parse_options(project=world.project, params=params)

    assert parse() == (gantt.GanttOptions(baseline=second.pk), {})
    assert parse(baseline=str(first.pk))[0].baseline == first.pk
    assert parse(baseline="none")[0].baseline is None
    options, errors = parse(critical="1", owner=str(world.pm.pk), phase=str(plan["Phase A"].pk))
    assert options == gantt.GanttOptions(True, world.pm.pk, plan["Phase A"].pk, second.pk)
    assert errors == {}
    assert set(parse(owner="x", phase=str(plan["Survey"].pk), baseline="99999")[1]) == {
        "owner", "phase", "baseline"}


# --- API ----------------------------------------------------------------------------------------

def url(world, **params):
    base = reverse("project-gantt", args=[world.project.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


@pytest.mark.parametrize("role", INTERNAL)
def test_the_team_and_management_read_the_gantt(api_as, world, plan, role):
    response = api_as(role).get(url(world))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert set(body) == {"data", "layout"}
    assert len(body["layout"]["yaxis"]["ticktext"]) == 8


@pytest.mark.parametrize("role", HIDDEN)
def test_clients_and_outsiders_get_404(api_as, world, plan, role):
    assert api_as(role).get(url(world)).status_code == 404


def test_browsers_get_the_figure_gzipped_as_cached(api_as, world, plan):
    import gzip

    response = api_as("pm").get(url(world), HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert set(json.loads(gzip.decompress(response.content))) == {"data", "layout"}


def test_anonymous_gets_401(api_as, world):
    assert api_as("anonymous").get(url(world)).status_code == 401


def test_bad_filters_are_400(api_as, world, plan):
    response = api_as("pm").get(url(world, owner="me", phase=plan["Survey"].pk))

    assert response.status_code == 400
    assert set(response.json()) == {"owner", "phase"}


def test_filters_through_the_api(api_as, world, plan):
    body = api_as("member").get(url(world, critical=1)).json()

    assert len(body["layout"]["yaxis"]["ticktext"]) == 6


def test_the_figure_is_in_the_users_language(api_as, world, plan):
    world.member.language = "zh-hans"
    world.member.save()

    body = api_as("member").get(url(world)).json()

    assert "tickformatstops" in body["layout"]["xaxis"]


def test_repeated_reads_are_served_from_the_cache(api_as, world, plan):
    client = api_as("pm")
    with mock.patch.object(gantt, "build_project_figure",
                           wraps=gantt.build_project_figure) as build:
        first = client.get(url(world))
        second = client.get(url(world))
        client.get(url(world, critical=1))

    assert first.content == second.content
    assert build.call_count == 2  # once per set of filters


def bars_of(content):
    body = json.loads(content)
    return {
        item[0]: x for t in body["data"] if t["type"] == "bar" and "customdata" in t
        for item, x in zip(t["customdata"], t["x"], strict=True)
    }


def test_a_plan_change_invalidates_the_cached_figure(api_as, world, plan,
                                                     django_capture_on_commit_callbacks):
    client = api_as("pm")
    before = bars_of(client.get(url(world)).content)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.update_task(user=world.pm, task=plan["Cabling"], duration_days=4)
    after = bars_of(client.get(url(world)).content)

    assert callbacks  # the revision is dropped again once the change is committed
    assert before["2.2 Cabling"] == 2 * gantt.DAY_MS
    assert after["2.2 Cabling"] == 6 * gantt.DAY_MS  # four working days over a weekend


def test_progress_invalidates_the_cached_figure(api_as, world, plan):
    client = api_as("pm")
    client.get(url(world))

    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        progress.record_progress(user=world.member, task=plan["Survey"], percent_complete=100)
    body = client.get(url(world)).json()

    done = trace(body, "Progress")
    assert done["x"] == [2 * gantt.DAY_MS]


def test_a_sheet_save_invalidates_the_cached_figure(world, plan):
    revision = gantt_cache.plan_revision(world.project.pk)
    survey = Task.objects.get(pk=plan["Survey"].pk)
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        progress.save_sheet(user=world.assistant, project=world.project,
                            week=progress.week_of(TODAY),
                            rows=[{"task": survey.pk, "version": survey.version,
                                   "percent_complete": 40}])

    assert gantt_cache.plan_revision(world.project.pk) != revision


def test_the_revision_is_dropped_again_on_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        gantt_cache.bump_plan_revision(world.project.pk)
    token = gantt_cache.plan_revision(world.project.pk)

    callbacks[0]()

    assert gantt_cache.plan_revision(world.project.pk) != token


@pytest.fixture
def large(settings, plan):
    """The plan counts as large: it is rendered by a Celery job."""
    settings.GANTT_ASYNC_THRESHOLD = 3
    return plan


def test_a_large_project_renders_in_the_background_queued_once(api_as, world, large):
    client = api_as("pm")
    with mock.patch.object(jobs.render_gantt, "delay") as delay:
        first = client.get(url(world))
        second = api_as("member").get(url(world))

    assert first.status_code == second.status_code == 202
    assert first.json() == {"status": "rendering"}
    assert first["Retry-After"]
    delay.assert_called_once()
    jobs.render_gantt(*delay.call_args.args)  # what the worker does

    ready = client.get(url(world))
    assert ready.status_code == 200
    assert len(ready.json()["layout"]["yaxis"]["ticktext"]) == 8


@pytest.fixture
def eager_jobs():
    """Celery runs jobs at once, in the calling process (CELERY_TASK_ALWAYS_EAGER)."""
    conf = jobs.render_gantt.app.conf
    previous = conf.task_always_eager
    conf.task_always_eager = True
    yield
    conf.task_always_eager = previous


def test_a_large_project_with_an_eager_worker(api_as, world, large, eager_jobs):
    client = api_as("pm")

    assert client.get(url(world)).status_code == 202
    assert client.get(url(world)).status_code == 200


def test_a_changed_large_plan_is_rendered_again(api_as, world, large):
    client = api_as("pm")
    with mock.patch.object(jobs.render_gantt, "delay") as delay:
        client.get(url(world))
        jobs.render_gantt(*delay.call_args.args)
        assert client.get(url(world)).status_code == 200

        services.update_task(user=world.pm, task=large["Install"], duration_days=2)

        assert client.get(url(world)).status_code == 202
        assert delay.call_count == 2


def test_a_failed_render_is_reported_not_queued_again(api_as, world, large):
    client = api_as("pm")
    with mock.patch.object(jobs.render_gantt, "delay") as delay:
        client.get(url(world))
        broken = mock.patch.object(gantt, "build_project_figure", side_effect=RuntimeError)
        with broken, pytest.raises(RuntimeError):
            jobs.render_gantt(*delay.call_args.args)
        response = client.get(url(world))

    assert response.status_code == 503
    assert delay.call_count == 1


def test_without_a_broker_a_large_plan_is_rendered_at_once(api_as, world, large):
    with mock.patch.object(jobs.render_gantt, "delay", side_effect=OperationalError("down")):
        response = api_as("pm").get(url(world))

    assert response.status_code == 200


def test_a_process_local_cache_is_not_shared_with_workers(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.VAR_DIR = tmp_path

    with mock.patch.object(gantt_cache, "jobs_run_here", return_value=False):
        shared = gantt_cache.plan_cache()
    assert shared.__class__.__name__ == "FileBasedCache"
    assert str(tmp_path) in shared._dir
    with mock.patch.object(gantt_cache, "jobs_run_here", return_value=True):
        assert gantt_cache.plan_cache().__class__.__name__ == "LocMemCache"


def test_a_shared_default_cache_is_used(settings):
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(settings.VAR_DIR / "test-cache")}}

    assert gantt_cache.plan_cache() is caches["default"]


# --- Page and exports ---------------------------------------------------------------------------

def page_url(world, name="tasks:gantt", **params):
    base = reverse(name, args=[world.project.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


@pytest.mark.parametrize("role", ["pm", "member", "management"])
def test_the_gantt_page_has_the_toolbar_and_the_chart(client_as, world, plan, role):
    response = client_as(role).get(page_url(world, critical=1, owner=world.member.pk))

    assert response.status_code == 200
    html = response.content.decode()
    for needle in ('id="gantt-chart"', 'name="critical" value="1" checked', 'name="owner"',
                   'name="phase"', 'name="baseline"', 'data-zoom="week"',
                   "vendor/plotly/plotly.min.js", "js/gantt.js",
                   reverse("project-gantt", args=[world.project.pk]),
                   "Rendering the Gantt chart…"):
        assert needle in html
    assert f'<option value="{world.member.pk}" selected>' in html
    assert "Phase A" in html


@pytest.mark.parametrize("role", HIDDEN)
def test_the_gantt_page_is_404_for_clients_and_outsiders(client_as, world, role):
    assert client_as(role).get(page_url(world)).status_code == 404
    assert client_as(role).get(page_url(world, "tasks:gantt_export_html")).status_code == 404


def test_html_export_works_offline(client_as, world, plan):
    response = client_as("member").get(page_url(world, "tasks:gantt_export_html", critical=1))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    html = response.content.decode()
    assert "plotly.js v" in html  # inlined, no CDN
    assert "<script src=\"http" not in html
    assert "Design &lt;core&gt;" in html and "Cabling" not in html
    assert f"<title>{world.project.code}" in html


def test_export_of_a_large_plan_still_rendering_goes_back_to_the_page(client_as, world, large):
    with mock.patch.object(jobs.render_gantt, "delay"):
        response = client_as("pm").get(page_url(world, "tasks:gantt_export_html"))

    assert response.status_code == 302
    assert response["Location"] == page_url(world)


@pytest.mark.skipif(not views_gantt.can_export_png(), reason="kaleido is not installed")
def test_png_export(client_as, world, plan):
    response = client_as("pm").get(page_url(world, "tasks:gantt_export_png"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_export_refuses_too_many_rows(client_as, world, plan, monkeypatch):
    monkeypatch.setattr("tasks.views_gantt.PNG_MAX_ROWS", 3)
    monkeypatch.setattr("tasks.views_gantt.can_export_png", lambda: True)

    response = client_as("pm").get(page_url(world, "tasks:gantt_export_png"), follow=True)

    assert "too many for an image" in response.content.decode()


# --- Benchmarks ---------------------------------------------------------------------------------

def test_gantt_measurements_run_and_clean_up(db):
    from io import StringIO

    from django.core.management import call_command

    from projects.models import Project

    out = StringIO()
    call_command("bench", "gantt_build_10k", "gantt_cached_10k", scale=0.01, runs=1,
                 stdout=out, stderr=StringIO())

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["name"] for line in lines] == ["gantt_build_10k", "gantt_cached_10k"]
    assert all(line["value"] > 0 and "error" not in line for line in lines)
    assert not Project.objects.filter(code__startswith="BENCH-").exists()
    assert not Task.objects.exists()
