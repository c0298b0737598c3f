"""Dashboards (P1.1): the RAG rules, the project dashboard and the portfolio, per role."""
from datetime import date, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import dashboards
from projects.dashboards import AMBER, GREEN, RED, UNRATED
from projects.models import Membership, Project
from tasks import progress, scheduling, services
from tasks.models import Task
from tests.accounts.factories import UserFactory
from tests.projects.factories import MembershipFactory, ProjectFactory

CALENDAR = scheduling.WorkCalendar()
# world.project runs from Tuesday 2026-12-01 to Wednesday 2027-03-31, Monday to Friday.
PLANNED_END = date(2027, 3, 31)
TODAY = date(2026, 12, 14)  # a Monday
INTERNAL = ["admin", "management", "supervisor", "pm", "assistant", "member", "qa", "finance",
            "observer"]
HIDDEN = ["outsider", "client", "other_client"]


def rate(**facts):
    values = {"status": Project.Status.EXECUTING, "finish": PLANNED_END,
              "baseline_finish": PLANNED_END, "planned_end": PLANNED_END, "overdue": 0,
              "overdue_critical": 0, "open_problems": 0, "calendar": CALENDAR}
    values.update(facts)
    return dashboards.rate(**values)


def working_days_after(day, count):
    while count:
        day += timedelta(days=1)
        count -= CALENDAR.is_workday(day)
    return day


# --- Rules --------------------------------------------------------------------------------------

def test_a_project_on_plan_is_green():
    rating = rate()

    assert rating.level == GREEN and rating.reasons == []
    assert str(rating.label) == "On track"


def test_no_baseline_and_an_early_finish_are_green():
    assert rate(baseline_finish=None, finish=PLANNED_END - timedelta(days=7)).level == GREEN


@pytest.mark.parametrize(("facts", "rule"), [
    ({"finish": working_days_after(PLANNED_END, 1), "planned_end": date(2027, 6, 30)}, "A1"),
    ({"finish": working_days_after(PLANNED_END, 10), "planned_end": date(2027, 6, 30)}, "A1"),
    ({"overdue": 2}, "A2"),
    ({"open_problems": 1}, "A3"),
    ({"finish": working_days_after(PLANNED_END, 3), "baseline_finish": None}, "A4"),
])
def test_amber_rules(facts, rule):
    rating = rate(**facts)

    assert rating.level == AMBER
    assert [reason[:2] for reason in rating.reasons] == [rule]


@pytest.mark.parametrize(("facts", "rule"), [
    ({"finish": working_days_after(PLANNED_END, 11), "planned_end": date(2027, 6, 30)}, "R1"),
    ({"overdue": 1, "overdue_critical": 1}, "R2"),
    ({"finish": working_days_after(PLANNED_END, 11), "baseline_finish": None}, "R3"),
])
def test_red_rules(facts, rule):
    rating = rate(**facts)

    assert rating.level == RED
    assert rating.reasons[0].startswith(rule)


def test_every_rule_that_holds_is_a_reason_red_first():
    rating = rate(finish=working_days_after(PLANNED_END, 12), overdue=3, overdue_critical=1,
                  open_problems=2)

    assert [reason[:2] for reason in rating.reasons] == ["R1", "R2", "R3", "A2", "A3"]
    assert "12 working days" in rating.reasons[0]


@pytest.mark.parametrize("status", [Project.Status.CLOSED, Project.Status.CANCELLED])
def test_closed_and_cancelled_projects_are_not_rated(status):
    assert rate(status=status, overdue=5, overdue_critical=5).level == UNRATED


def test_slip_counts_working_days():
    friday = date(2027, 4, 2)
    monday = date(2027, 4, 5)

    assert dashboards.working_days_late(CALENDAR, monday, friday) == 1
    assert dashboards.working_days_late(CALENDAR, friday, monday) == 0


# --- Facts from the database --------------------------------------------------------------------

def row(ref, level, name, days=1, owner=None, after=()):
    return {"id": ref, "level": level, "name": name, "duration_days": days, "owner": owner,
            "predecessors": list(after)}


@pytest.fixture
def plan(world):
    services.import_plan(user=world.pm, project=world.project, rows=[
        row(1, 1, "Build", owner=world.pm),
        row(2, 2, "Survey", 5, world.member),
        row(3, 2, "Design", 5, world.pm, [(2, "FS", 0)]),
        row(4, 2, "Design approved", 0, world.pm, [(3, "FS", 0)]),
        row(5, 2, "Procure", 2, world.member, [(2, "SS", 0)]),
        row(6, 2, "Go-live", 0, world.pm, [(4, "FS", 0)]),
    ])
    services.take_baseline(user=world.pm, project=world.project, name="Approved")
    return {t.name: t for t in Task.objects.filter(project=world.project)}


def facts(world, today=TODAY):
    (row_,) = dashboards.project_facts(Project.objects.filter(pk=world.project.pk), today=today)
    return row_


def report(world, task, percent, day=TODAY):
    with mock.patch("django.utils.timezone.localdate", return_value=day):
        progress.record_progress(user=world.pm, task=task, percent_complete=percent, date=day,
                                 problems="")


def test_facts_of_a_project(world, plan):
    report(world, plan["Survey"], 40)
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        progress.record_progress(user=world.member, task=plan["Procure"], percent_complete=10,
                                 problems="Switches held at customs")
    services.update_task(user=world.pm, task=plan["Design"], duration_days=8)

    row_ = facts(world)

    # Survey (Dec 1–7) and Procure (Dec 1–2) are overdue on Dec 14; Survey is critical.
    assert (row_.overdue, row_.overdue_critical, row_.open_problems) == (2, 1, 1)
    assert row_.finish == date(2026, 12, 17)
    assert row_.baseline_finish == date(2026, 12, 14)
    assert row_.baseline_number == 1
    assert (row_.next_milestone, row_.next_milestone_date) == ("Design approved",
                                                               date(2026, 12, 17))
    assert row_.pm_id == world.pm.pk
    rated = dashboards.rate_project(row_, dashboards.Calendars())
    assert rated.slip == 3
    assert rated.rating.level == RED
    assert [r[:2] for r in rated.rating.reasons] == ["R2", "A1", "A2", "A3"]


def test_the_s_curve_and_burndown(world, plan):
    report(world, plan["Survey"], 100, date(2026, 12, 7))
    report(world, plan["Procure"], 50, date(2026, 12, 2))

    dashboard = dashboards.project_dashboard(project=world.project, today=TODAY)

    planned, actual = dashboard.s_curve["data"]
    assert planned["y"][-1] == 100.0
    assert planned["y"] == sorted(planned["y"])
    # Work: Survey 5, Design 5, Procure 2 = 12 working days; done by Dec 14: 5 + 1 = 6.
    assert actual["y"][-1] == 50.0
    assert dashboard.actual_now == 50.0
    # Planned by Monday Dec 14: Survey, Procure and Design (Dec 8–14) all scheduled: 100 %.
    assert dashboard.planned_now == 100.0
    left_planned, left_actual = dashboard.burndown["data"]
    # By Sunday Dec 6: four days of Survey and both of Procure; milestones are no work.
    assert left_planned["y"][0] == 6 and left_planned["y"][-1] == 0
    assert left_actual["y"][-1] == 6.0
    assert dashboard.s_curve["layout"]["shapes"][0]["x0"] == TODAY.isoformat()


def test_milestones_against_the_baseline(world, plan):
    services.update_task(user=world.pm, task=plan["Design"], duration_days=7)
    report(world, plan["Survey"], 100, date(2026, 12, 7))

    dashboard = dashboards.project_dashboard(project=world.project, today=date(2026, 12, 30))

    milestones = {m.name: m for m in dashboard.milestones}
    approved = milestones["Design approved"]
    assert approved.baseline_date == date(2026, 12, 14)
    assert approved.planned_end == date(2026, 12, 16)
    assert approved.variance == 2
    assert approved.is_overdue and not approved.is_done
    rows, figure = dashboard.overdue_rows, dashboard.overdue_by_owner
    assert {r["owner"]: r["tasks"] for r in rows} == {str(world.pm): 3, str(world.member): 1}
    assert [t["name"] for t in figure["data"]] == ["Critical", "Other"]


def test_an_empty_project_has_no_charts(world):
    dashboard = dashboards.project_dashboard(project=world.project, today=TODAY)

    assert dashboard.s_curve is None and dashboard.burndown is None
    assert dashboard.rating.level == GREEN


# --- Project dashboard page ---------------------------------------------------------------------

def dashboard_url(world):
    return reverse("projects:dashboard", args=[world.project.pk])


@pytest.mark.parametrize("role", INTERNAL)
def test_the_team_sees_the_project_dashboard(client_as, world, plan, role):
    response = client_as(role).get(dashboard_url(world))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-rag="' in html
    for needle in ('data-figure="figure-s-curve"', 'data-figure="figure-burndown"',
                   "Design approved", "Coming with the risk register.",
                   "Coming with cost control.", "How the rating is decided",
                   "vendor/plotly/plotly.min.js"):
        assert needle in html


@pytest.mark.parametrize("role", HIDDEN)
def test_the_project_dashboard_is_404_for_clients_and_outsiders(client_as, world, role):
    assert client_as(role).get(dashboard_url(world)).status_code == 404


def test_the_dashboard_says_why_a_project_is_off_track(client_as, world, plan):
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        progress.record_progress(user=world.member, task=plan["Survey"], percent_complete=10,
                                 problems="Site not accessible")
        response = client_as("pm").get(dashboard_url(world))

    html = response.content.decode()
    assert 'data-rag="red"' in html and "Off track" in html
    assert "R2: 1 critical task overdue." in html
    assert "Site not accessible" in html


def project_with_plan(world, tasks):
    """An executing project of `world.pm` with a chain of `tasks` tasks, half of them reported."""
    project = ProjectFactory(status=Project.Status.EXECUTING)
    MembershipFactory(project=project, user=world.pm, role=Membership.Role.PM)
    MembershipFactory(project=project, user=world.member)
    services.import_plan(user=world.pm, project=project, rows=[
        row(i, 1, f"Task {i}", 2 if i % 4 else 0, world.member,
            [(i - 1, "FS", 0)] if i > 1 else [])
        for i in range(1, tasks + 1)
    ])
    services.take_baseline(user=world.pm, project=project)
    for task in Task.objects.filter(project=project, duration_days__gt=0)[:tasks // 2]:
        with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
            progress.record_progress(user=world.pm, task=task, percent_complete=50,
                                     date=date(2026, 12, 1), problems="Late delivery")
    return project


def test_dashboard_queries_do_not_grow_with_the_plan(client_as, world):
    client = client_as("pm")

    def count_queries(tasks):
        project = project_with_plan(world, tasks)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("projects:dashboard", args=[project.pk]))
        assert response.status_code == 200
        return len(queries)

    assert count_queries(20) == count_queries(40)


# --- Portfolio ----------------------------------------------------------------------------------

@pytest.fixture
def portfolio(world, plan):
    """Besides world.project (red by Dec 14): a green one, a closed one, one staff never sees."""
    green = ProjectFactory(code="PRJ-GREEN", status=Project.Status.EXECUTING)
    MembershipFactory(project=green, user=world.pm, role=Membership.Role.PM)
    services.import_plan(user=world.pm, project=green, rows=[
        {**row(1, 1, "Later work", 3), "start_no_earlier_than": date(2027, 1, 4)}])
    closed = ProjectFactory(code="PRJ-CLOSED", status=Project.Status.CLOSED)
    MembershipFactory(project=closed, user=world.member)
    hidden = ProjectFactory(code="PRJ-HIDDEN")
    return {"green": green, "closed": closed, "hidden": hidden}


def portfolio_page(browser, **params):
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        return browser.get(reverse("projects:portfolio"), params)


def codes(response):
    return [p.code for p in response.context["page"]]


def test_management_sees_every_project_rated(client_as, world, portfolio):
    response = portfolio_page(client_as("management"))

    assert response.status_code == 200
    assert codes(response) == [world.project.code, "PRJ-GREEN", "PRJ-HIDDEN", "PRJ-CLOSED"]
    ratings = {p.code: p.rating.level for p in response.context["page"]}
    assert ratings == {world.project.code: RED, "PRJ-GREEN": GREEN, "PRJ-HIDDEN": GREEN,
                       "PRJ-CLOSED": UNRATED}
    html = response.content.decode()
    assert "R2: " in html and 'data-figure="figure-reasons"' in html
    assert "How the rating is decided" in html
    red = next(p for p in response.context["page"] if p.code == world.project.code)
    assert red.next_milestone == "Design approved"
    assert red.pm_name == str(world.pm)


def test_staff_see_only_their_projects(client_as, world, portfolio):
    assert codes(portfolio_page(client_as("member"))) == [world.project.code, "PRJ-CLOSED"]
    assert codes(portfolio_page(client_as("outsider"))) == []


@pytest.mark.parametrize("role", ["client", "other_client"])
def test_clients_have_no_portfolio(client_as, world, role):
    assert portfolio_page(client_as(role)).status_code == 404


def test_portfolio_filters_and_sorting(client_as, world, portfolio):
    client = client_as("management")

    assert codes(portfolio_page(client, rag="green")) == ["PRJ-GREEN", "PRJ-HIDDEN"]
    assert codes(portfolio_page(client, rag=["red", "none"])) == [world.project.code,
                                                                 "PRJ-CLOSED"]
    assert codes(portfolio_page(client, status="closed")) == ["PRJ-CLOSED"]
    assert codes(portfolio_page(client, pm=world.pm.pk, sort="code")) == [
        world.project.code, "PRJ-GREEN"]
    assert codes(portfolio_page(client, client=world.org.pk)) == [world.project.code]
    assert codes(portfolio_page(client, sort="-code")) == sorted(
        [world.project.code, "PRJ-GREEN", "PRJ-HIDDEN", "PRJ-CLOSED"], reverse=True)
    assert portfolio_page(client, sort="nonsense").context["sort"] == "rag"
    counts = {level["level"]: level["count"]
              for level in portfolio_page(client, rag="green").context["levels"]}
    assert counts == {RED: 1, AMBER: 0, GREEN: 2, UNRATED: 1}


def test_the_portfolio_link_is_for_management_supervision_and_admins(client_as, world):
    link = reverse("projects:portfolio")
    for role in ("management", "supervisor", "admin"):
        assert link in client_as(role).get(reverse("projects:list")).content.decode()
    assert link not in client_as("pm").get(reverse("projects:list")).content.decode()


def test_portfolio_queries_do_not_grow_with_the_projects(client_as, world):
    boss = client_as("management")

    def add_projects(count):
        for _ in range(count):
            project = ProjectFactory(status=Project.Status.EXECUTING)
            pm = UserFactory()
            MembershipFactory(project=project, user=pm, role=Membership.Role.PM)
            services.import_plan(user=pm, project=project,
                                 rows=[row(1, 1, "A", 2), row(2, 1, "M", 0)])
            services.take_baseline(user=pm, project=project)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert portfolio_page(boss).status_code == 200
        return len(queries)

    add_projects(3)
    few = count_queries()
    add_projects(6)
    assert count_queries() == few


def test_the_portfolio_measurement_runs_and_cleans_up(db):
    import json
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import User
    from tasks.models import Baseline

    out = StringIO()
    call_command("bench", "portfolio_500", scale=0.01, runs=1, stdout=out, stderr=StringIO())

    (line,) = [json.loads(text) for text in out.getvalue().splitlines()]
    assert line["name"] == "portfolio_500" and line["value"] > 0 and line["queries"] > 0
    assert not Project.objects.exists()
    assert not Baseline.objects.exists()
    assert not User.objects.filter(username__startswith="bench_").exists()
