"""The Gantt chart and the dashboards in the browser: plotly draws them from the app's data."""
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from projects.models import Membership, Project
from tasks import bench, progress, services
from tasks import tasks as jobs
from tasks.models import Task
from tests.projects.factories import MembershipFactory, ProjectFactory

from .test_planning import sign_in

BARS = "#gantt-chart .barlayer .trace.bars path"


@pytest.fixture(autouse=True)
def gantt_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": "e2e-default"},
        "gantt": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                  "LOCATION": "e2e-gantt"},
    }


@pytest.fixture
def eager_jobs():
    """Queued Celery jobs run at once, in the process that queues them."""
    conf = jobs.render_gantt.app.conf
    previous = conf.task_always_eager
    conf.task_always_eager = True
    yield
    conf.task_always_eager = previous


def step(ref, level, name, days=1, owner=None, after=()):
    return {"id": ref, "level": level, "name": name, "duration_days": days, "owner": owner,
            "predecessors": [(p, "FS", 0) for p in after]}


@pytest.fixture
def running(world):
    """world.project six weeks in: a baseline, a slip, progress reported, a problem open."""
    today = timezone.localdate()
    Project.objects.filter(pk=world.project.pk).update(
        planned_start=today - timedelta(days=42), planned_end=today + timedelta(days=45),
        status=Project.Status.EXECUTING)
    world.project.refresh_from_db()
    pm, member, assistant = world.pm, world.member, world.assistant
    services.import_plan(user=pm, project=world.project, rows=[
        step(1, 1, "Survey and design", owner=pm),
        step(2, 2, "Site survey", 5, member),
        step(3, 2, "Network design", 8, pm, [2]),
        step(4, 2, "Design review passed", 0, pm, [3]),
        step(5, 2, "IP address plan", 3, assistant, [2]),
        step(6, 1, "Build", owner=pm),
        step(7, 2, "Procure core switches", 10, assistant, [4]),
        step(8, 2, "Cabling floors 1–10", 12, member, [5]),
        step(9, 2, "Install and configure switches", 6, member, [7]),
        step(10, 2, "Firewall policy", 4, pm, [4]),
        step(11, 1, "Go-live", owner=pm),
        step(12, 2, "Cut-over rehearsal", 2, member, [9, 8]),
        step(13, 2, "Cut-over", 1, pm, [12, 10]),
        step(14, 2, "Acceptance signed", 0, pm, [13]),
    ])
    services.take_baseline(user=pm, project=world.project, name="Plan approved")
    tasks = {t.name: t for t in Task.objects.filter(project=world.project)}
    services.update_task(user=pm, task=tasks["Network design"], duration_days=11)
    tasks = {t.name: t for t in Task.objects.filter(project=world.project)}
    survey, design = tasks["Site survey"], tasks["Network design"]
    for days_ago, task, percent, problems in (
        (35, survey, 60, ""), (28, survey, 100, ""), (21, design, 30, ""),
        (14, design, 55, "Core switch model discontinued; waiting for the vendor"),
        (7, tasks["IP address plan"], 100, ""), (3, tasks["Cabling floors 1–10"], 25, ""),
    ):
        with mock.patch("django.utils.timezone.localdate", return_value=today):
            progress.record_progress(user=pm, task=task, percent_complete=percent,
                                     date=today - timedelta(days=days_ago), problems=problems)
    return tasks


def test_the_gantt_chart_draws_the_plan_and_filters_to_the_critical_path(
        world, running, page, shot):
    sign_in(page, "pm")
    page.goto(f"/projects/{world.project.pk}/gantt/")

    expect(page.locator("#gantt-chart[data-ready]")).to_be_attached()
    expect(page.locator("#gantt-chart.js-plotly-plot svg.main-svg").first).to_be_visible()
    all_bars = page.locator(BARS).count()
    assert all_bars > 20
    expect(page.locator("#gantt-chart")).to_contain_text("Network design")
    expect(page.locator("#gantt-status")).to_be_hidden()
    shot("gantt-1-plan")

    page.get_by_label("Critical path only").check()
    expect(page).to_have_url(re.compile(r"critical=1"))
    expect(page.locator("#gantt-chart[data-ready]")).to_be_attached()
    expect(page.locator("#gantt-chart")).not_to_contain_text("IP address plan")
    critical_bars = page.locator(BARS).count()
    assert 0 < critical_bars < all_bars
    shot("gantt-2-critical-path")

    page.get_by_label("Critical path only").uncheck()
    page.get_by_label("Owner").select_option(label=str(world.member))
    expect(page.locator("#gantt-chart[data-ready]")).to_be_attached()
    expect(page.locator("#gantt-chart")).not_to_contain_text("Firewall policy")
    page.get_by_label("Owner").select_option(label="Everyone")
    expect(page.locator("#gantt-chart")).to_contain_text("Firewall policy")
    page.get_by_role("button", name="Week").click()
    expect(page.get_by_role("button", name="Week")).to_have_class(re.compile(r"\bactive\b"))
    shot("gantt-3-week-zoom")

    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
        page.get_by_role("link", name="Interactive HTML (works offline)").click()
    assert download.value.suggested_filename.endswith(".html")

    # On a phone the names keep a column of their own; in Chinese the dates are Chinese too.
    world.pm.language = "zh-hans"
    world.pm.save()
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#gantt-chart[data-ready]")).to_be_attached()
    expect(page.locator("#gantt-chart .xtick text").first).to_contain_text("月")
    shot("gantt-5-phone-zh")


def test_the_project_dashboard_says_where_and_why(world, running, page, shot):
    sign_in(page, "pm")
    page.goto(f"/projects/{world.project.pk}/dashboard/")

    expect(page.locator("[data-figure][data-ready]")).to_have_count(3)
    expect(page.locator(".chart svg.main-svg").first).to_be_visible()
    headline = page.locator(".rag-headline")
    expect(headline.locator("[data-rag]")).to_have_text(re.compile("Off track|At risk"))
    expect(headline).to_contain_text("finishes")
    expect(page.get_by_text("Core switch model discontinued")).to_be_visible()
    expect(page.get_by_text("Coming with the risk register.")).to_be_visible()
    shot("dashboard-1-project")


def test_management_reads_the_portfolio(world, running, page, shot):
    for number in range(1, 4):
        project = ProjectFactory(status=Project.Status.EXECUTING, name=f"Branch office {number}")
        MembershipFactory(project=project, user=world.qa, role=Membership.Role.PM)
        services.import_plan(user=world.qa, project=project, rows=[
            step(1, 1, "Design", 3 * number), step(2, 1, "Build", 5, after=[1]),
            step(3, 1, "Handover", 0, after=[2])])
    sign_in(page, "boss")
    page.get_by_role("link", name="Portfolio").click()

    expect(page.locator("[data-figure][data-ready]")).to_have_count(2)
    expect(page.locator(".chart .scatterlayer .point").first).to_be_attached()
    table = page.locator(".portfolio-table tbody")
    expect(table.locator("tr")).to_have_count(4)
    expect(table.locator(f"tr[data-project='{world.project.code}']")).to_contain_text(
        re.compile("R1|R2|A1|A2"))
    shot("dashboard-2-portfolio")

    page.locator("[data-rag-count=green]").click()
    expect(table.locator("tr")).to_have_count(3)
    expect(table.get_by_role("link", name=world.project.code)).to_have_count(0)


def test_a_ten_thousand_task_gantt_renders_in_the_background(world, page, shot, eager_jobs):
    (seeded,) = bench.seed_projects(tag="E2E", projects=1, tasks_per_project=10_000,
                                    links_per_task=1.5, seed=7)
    seeded.pm.set_password("pw-Secret-123")
    seeded.pm.save()
    sign_in(page, seeded.pm.username)
    page.goto(f"/projects/{seeded.project.pk}/gantt/")

    # The first request renders it (the worker runs in the request here) and answers 202.
    expect(page.get_by_text("Rendering the Gantt chart…")).to_be_visible(timeout=60_000)
    expect(page.locator("#gantt-chart[data-ready]")).to_be_attached(timeout=60_000)
    expect(page.locator("#gantt-status")).to_be_hidden()
    assert page.locator(BARS).count() > 1000
    page.mouse.move(700, 600)
    page.mouse.wheel(0, 600)
    shot("gantt-4-ten-thousand-tasks")
