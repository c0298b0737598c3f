"""The progress API (API.md "Progress"): who may report and save the weekly sheet, bad input
that saves nothing, the task rules, stale versions, and query counts that do not grow."""
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from drf_spectacular.generators import SchemaGenerator
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tasks import progress, services, sheet_excel
from tasks.models import ProgressEntry, Task
from tests.conftest import ROLES
from tests.projects.factories import MembershipFactory, ProjectFactory


def add(w, name, project=None, **fields):
    return services.create_task(user=w.pm, project=project or w.project, name=name, **fields)


def fresh(task):
    return Task.objects.get(pk=task.pk)


def versions():
    return dict(Task.objects.values_list("pk", "version"))


def sheet_url(project, week=None, xlsx=False):
    path = "progress-sheet.xlsx" if xlsx else "progress-sheet/"
    query = f"?week={week}" if week else ""
    return f"/api/v1/projects/{project.pk}/{path}{query}"


@pytest.fixture
def plan(world):
    """A running project: a phase with the member's short task (late by now) and the pm's
    long one (critical, on time)."""
    project = world.project
    project.planned_start = timezone.localdate() - timedelta(days=28)
    project.save()
    phase = add(world, "Build")
    own = add(world, "Survey", parent=phase, owner=world.member, duration_days=5)
    other = add(world, "Cabling", parent=phase, owner=world.pm, duration_days=60)
    return SimpleNamespace(
        project=project, phase=phase, own=own, other=other,
        week=progress.week_of(timezone.localdate()),
    )


def report(w, task, user=None, **fields):
    fields.setdefault("percent_complete", 10)
    return progress.record_progress(user=user or w.pm, task=fresh(task), **fields)


# --- role × action --------------------------------------------------------------------------

@dataclass
class Route:
    method: str
    path: str  # as in the OpenAPI schema
    setup: Callable = field(default=lambda w, p: None)  # -> the object {id} names
    body: Callable = field(default=lambda w, p, obj: None)
    format: str = "json"
    query: str = ""

    def url(self, w, p, obj):
        path = self.path.format(id=obj.pk if obj is not None else p.project.pk)
        return path + self.query.format(project=p.project.pk, week=p.week)


def sheet_body(w, p, obj):
    row = fresh(p.own)
    return {"week": p.week, "rows": [{"task": row.pk, "version": row.version,
                                      "percent_complete": 30}]}


def workbook_body(w, p, obj):
    content = sheet_excel.export_sheet(project=p.project, week=p.week)
    return {"file": SimpleUploadedFile("sheet.xlsx", content)}


ROUTES = {
    "progress.list": Route("get", "/api/v1/progress/", query="?project={project}"),
    "progress.retrieve": Route("get", "/api/v1/progress/{id}/",
                               setup=lambda w, p: report(w, p.own)),
    "progress.create_own": Route(
        "post", "/api/v1/progress/",
        body=lambda w, p, obj: {"task": p.own.pk, "percent_complete": 40, "hours": 3},
    ),
    "progress.create_others": Route(
        "post", "/api/v1/progress/",
        body=lambda w, p, obj: {"task": p.other.pk, "percent_complete": 40},
    ),
    "tasks.resolve_problems": Route(
        "post", "/api/v1/tasks/{id}/resolve-problems/",
        setup=lambda w, p: report(w, p.own, problems="No access to the site").task,
    ),
    "sheet.get": Route("get", "/api/v1/projects/{id}/progress-sheet/", query="?week={week}"),
    "sheet.post": Route("post", "/api/v1/projects/{id}/progress-sheet/", body=sheet_body),
    "sheet_xlsx.get": Route("get", "/api/v1/projects/{id}/progress-sheet.xlsx",
                            query="?week={week}"),
    "sheet_xlsx.post": Route("post", "/api/v1/projects/{id}/progress-sheet.xlsx",
                             query="?week={week}", body=workbook_body, format="multipart"),
}

# Columns follow tests.conftest.ROLES:
#   anonymous admin management supervisor outsider pm assistant member qa finance observer
#   client other_client
TEAM_READS = (401, 200, 200, 200, 404, 200, 200, 200, 200, 200, 200, 404, 404)


def progress_staff(ok, member=403):
    return (401, ok, 403, 403, 404, ok, ok, member, 403, 403, 403, 404, 404)


TABLE = {
    "progress.list": TEAM_READS,
    "progress.retrieve": TEAM_READS,
    "progress.create_own": progress_staff(201, member=201),
    "progress.create_others": progress_staff(201),
    "tasks.resolve_problems": progress_staff(200),
    "sheet.get": TEAM_READS,
    "sheet.post": progress_staff(200),
    "sheet_xlsx.get": TEAM_READS,
    "sheet_xlsx.post": progress_staff(200),
}

EXPECTED = {
    (action, role): code
    for action, row in TABLE.items()
    for role, code in zip(ROLES, row, strict=True)
}


@pytest.mark.parametrize(("action", "role"), list(EXPECTED))
def test_role_may_or_may_not_do_action(action, role, world, plan, api_as):
    route = ROUTES[action]
    obj = route.setup(world, plan)
    response = getattr(api_as(role), route.method)(
        route.url(world, plan, obj), route.body(world, plan, obj), format=route.format
    )
    assert response.status_code == EXPECTED[action, role], response.content


def test_the_table_covers_every_progress_operation_of_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (method, path)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/progress/") or "progress-sheet" in path
        or path.endswith("/resolve-problems/")
        for method in item
    }
    assert operations == {(route.method, route.path) for route in ROUTES.values()}
    assert set(TABLE) == set(ROUTES)


@pytest.mark.parametrize("role", ["member", "management", "qa", "observer", "client",
                                  "outsider"])
def test_refused_writes_change_nothing(world, plan, api_as, role):
    before = versions()
    api = api_as(role)
    api.post("/api/v1/progress/", {"task": plan.other.pk, "percent_complete": 50},
             format="json")
    api.post(sheet_url(plan.project), sheet_body(world, plan, None), format="json")
    api.post(sheet_url(plan.project, plan.week, xlsx=True), workbook_body(world, plan, None),
             format="multipart")
    assert not ProgressEntry.objects.exists()
    assert versions() == before


def test_a_task_of_an_invisible_project_is_404_not_403(world, api_as):
    elsewhere = services.create_task(user=world.admin, project=ProjectFactory(), name="X")
    response = api_as("pm").post("/api/v1/progress/", {"task": elsewhere.pk,
                                                       "percent_complete": 5}, format="json")
    assert response.status_code == 404
    assert api_as("pm").post(f"/api/v1/tasks/{elsewhere.pk}/resolve-problems/").status_code == 404


def test_a_member_who_left_the_team_cannot_report_on_tasks_he_still_owns(world, plan, api_as):
    world.project.memberships.filter(user=world.member).delete()
    response = api_as("member").post("/api/v1/progress/", {"task": plan.own.pk,
                                                           "percent_complete": 5}, format="json")
    assert response.status_code == 404


# --- reporting: bad input -------------------------------------------------------------------

REPORT_CASES = {
    "no task": ({"percent_complete": 5}, "task"),
    "task not a number": ({"task": "abc", "percent_complete": 5}, "task"),
    "no percent": ({}, "percent_complete"),
    "percent over 100": ({"percent_complete": 101}, "percent_complete"),
    "negative percent": ({"percent_complete": -1}, "percent_complete"),
    "percent not a number": ({"percent_complete": "half"}, "percent_complete"),
    "percent too precise": ({"percent_complete": "50.125"}, "percent_complete"),
    "negative hours": ({"percent_complete": 5, "hours": -1}, "hours"),
    "hours not a number": ({"percent_complete": 5, "hours": "many"}, "hours"),
    "too many hours": ({"percent_complete": 5, "hours": 10001}, "hours"),
    "future date": ({"percent_complete": 5, "date": "FUTURE"}, "date"),
    "bad date": ({"percent_complete": 5, "date": "2026-02-30"}, "date"),
    "long note": ({"percent_complete": 5, "note": "x" * (progress.MAX_TEXT + 1)}, "note"),
    "long problems": ({"percent_complete": 5, "problems": "x" * (progress.MAX_TEXT + 1)},
                      "problems"),
    "version not a number": ({"percent_complete": 5, "version": "new"}, "version"),
    "summary task": ({"percent_complete": 5, "task": "PHASE"}, "task"),
}


@pytest.mark.parametrize("case", list(REPORT_CASES))
def test_a_bad_report_answers_400_naming_the_field_and_saves_nothing(world, plan, api_as,
                                                                       case):
    body, field_name = REPORT_CASES[case]
    body = {"task": plan.own.pk, **body}
    if case == "no task":
        del body["task"]
    if body.get("task") == "PHASE":
        body["task"] = plan.phase.pk
    if body.get("date") == "FUTURE":
        body["date"] = (timezone.localdate() + timedelta(days=1)).isoformat()
    before = versions()
    response = api_as("pm").post("/api/v1/progress/", body, format="json")
    assert response.status_code == 400, response.content
    assert field_name in response.json()
    assert not ProgressEntry.objects.exists()
    assert versions() == before


# --- reporting: the task rules --------------------------------------------------------------

def post_report(api, task, **body):
    response = api.post("/api/v1/progress/", {"task": task.pk, **body}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_report_over_0_starts_the_task_on_the_day_reported(world, plan, api_as):
    day = timezone.localdate() - timedelta(days=2)
    body = post_report(api_as("member"), plan.own, percent_complete="30.5", hours="2.5",
                       note="Surveyed floor 1", date=day.isoformat())
    task = fresh(plan.own)
    assert (task.status, task.percent_complete, task.actual_start, task.actual_finish) == (
        Task.Status.IN_PROGRESS, 30.5, day, None)
    assert task.version == plan.own.version + 1
    assert body["task_state"] == {
        "id": task.pk, "percent_complete": "30.50", "status": "in_progress",
        "actual_start": day.isoformat(), "actual_finish": None, "has_open_problem": False,
        "version": task.version,
    }
    assert {k: body[k] for k in ("task", "project", "date", "percent_complete", "hours",
                                 "note", "author", "from_sheet")} == {
        "task": task.pk, "project": plan.project.pk, "date": day.isoformat(),
        "percent_complete": "30.50", "hours": "2.50", "note": "Surveyed floor 1",
        "author": world.member.pk, "from_sheet": False,
    }


def test_a_report_of_0_leaves_the_task_not_started(world, plan, api_as):
    post_report(api_as("member"), plan.own, percent_complete=0, note="Waiting for access")
    task = fresh(plan.own)
    assert (task.status, task.actual_start) == (Task.Status.NOT_STARTED, None)


def test_100_finishes_the_task_and_a_later_100_keeps_the_finish_day(world, plan, api_as):
    api = api_as("assistant")
    started = timezone.localdate() - timedelta(days=5)
    finished = timezone.localdate() - timedelta(days=3)
    post_report(api, plan.own, percent_complete=20, date=started.isoformat())
    post_report(api, plan.own, percent_complete=100, date=finished.isoformat())
    post_report(api, plan.own, percent_complete=100, note="Handed over")
    task = fresh(plan.own)
    assert (task.status, task.actual_start, task.actual_finish) == (
        Task.Status.DONE, started, finished)


def test_less_than_100_reopens_a_done_task(world, plan, api_as):
    api = api_as("pm")
    post_report(api, plan.own, percent_complete=100)
    post_report(api, plan.own, percent_complete=90, problems="Failed acceptance test")
    task = fresh(plan.own)
    assert (task.status, task.actual_finish, task.has_open_problem) == (
        Task.Status.IN_PROGRESS, None, True)


def test_progress_rolls_up_to_the_phase_and_the_project_by_duration(world, plan, api_as):
    api = api_as("pm")
    post_report(api, plan.own, percent_complete=100)
    post_report(api, plan.other, percent_complete=50)
    # (5 × 100 + 60 × 50) / 65
    assert fresh(plan.phase).percent_complete == Decimal("53.85")
    plan.project.refresh_from_db()
    assert plan.project.percent_complete == Decimal("53.85")


def test_a_stale_version_answers_409_with_the_current_task(world, plan, api_as):
    report(world, plan.own, percent_complete=20)
    response = api_as("member").post("/api/v1/progress/", {
        "task": plan.own.pk, "percent_complete": 50, "version": plan.own.version,
    }, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["detail"]
    assert body["current"]["id"] == plan.own.pk
    assert body["current"]["version"] == plan.own.version + 1
    assert body["current"]["percent_complete"] == "20.00"
    assert ProgressEntry.objects.count() == 1


def test_problems_flag_the_task_until_the_pm_resolves_them(world, plan, api_as):
    post_report(api_as("member"), plan.own, percent_complete=10, problems="No site access")
    task = fresh(plan.own)
    assert task.has_open_problem
    listed = api_as("pm").get(f"/api/v1/progress/?project={plan.project.pk}&open_problem=true")
    assert [e["task"] for e in listed.json()["results"]] == [task.pk]

    response = api_as("assistant").post(f"/api/v1/tasks/{task.pk}/resolve-problems/",
                                        {"version": task.version}, format="json")

    assert response.status_code == 200
    assert response.json() == {"task": task.pk, "resolved": 1, "has_open_problem": False,
                               "version": task.version + 1}
    assert not fresh(task).has_open_problem
    entry = ProgressEntry.objects.get()
    assert entry.problem_resolved_by == world.assistant and not entry.has_open_problem
    stale = api_as("pm").post(f"/api/v1/tasks/{task.pk}/resolve-problems/",
                              {"version": task.version}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["id"] == task.pk


# --- listing reports ------------------------------------------------------------------------

def test_reports_are_filtered_by_task_project_and_week(world, plan, api_as):
    last_week = timezone.localdate() - timedelta(days=7)
    first = report(world, plan.own, percent_complete=10, date=last_week)
    second = report(world, plan.other, percent_complete=20)
    other = ProjectFactory()
    MembershipFactory(project=other, user=world.pm, role="pm")
    elsewhere = report(world, add(world, "Elsewhere", project=other))
    api = api_as("pm")

    def ids(query):
        response = api.get(f"/api/v1/progress/{query}")
        assert response.status_code == 200, response.content
        return [entry["id"] for entry in response.json()["results"]]

    assert ids("") == [elsewhere.pk, second.pk, first.pk]
    assert ids(f"?project={plan.project.pk}") == [second.pk, first.pk]
    assert ids(f"?task={plan.own.pk}") == [first.pk]
    assert ids(f"?week={progress.week_of(last_week)}") == [first.pk]
    assert ids(f"?author={world.pm.pk}&ordering=date,id") == [first.pk, second.pk,
                                                              elsewhere.pk]
    assert api.get("/api/v1/progress/?week=last").status_code == 400
    assert api.get("/api/v1/progress/?task=abc").status_code == 400
    # A member of this project only: the other project and its task are 404, not empty.
    member = api_as("member")
    assert member.get(f"/api/v1/progress/?project={other.pk}").status_code == 404
    assert member.get(f"/api/v1/progress/?task={elsewhere.task_id}").status_code == 404
    assert member.get(f"/api/v1/progress/{elsewhere.pk}/").status_code == 404
    assert member.get("/api/v1/progress/").json()["count"] == 2


def make_tasks(w, count):
    for number in range(count):
        task = add(w, f"Task {number}", owner=w.member, duration_days=2)
        report(w, task, percent_complete=10, hours=1, note="n", problems="p")


@pytest.mark.parametrize("path", ["/api/v1/progress/?project={project}",
                                  "/api/v1/projects/{project}/progress-sheet/?week={week}",
                                  "/api/v1/projects/{project}/progress-sheet.xlsx?week={week}"])
def test_query_counts_do_not_grow_with_the_plan(world, api_as, path):
    api = api_as("member")
    url = path.format(project=world.project.pk,
                      week=progress.week_of(timezone.localdate()))
    counts = []
    for count in (3, 3):
        make_tasks(world, count)
        # Roles are cached on the user object, which the test client shares between requests.
        world.member.__dict__.pop("_jindu_project_roles", None)
        with CaptureQueriesContext(connection) as context:
            response = api.get(url)
        assert response.status_code == 200
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 7


# --- the weekly sheet: reading --------------------------------------------------------------

def test_the_sheet_shows_leaf_tasks_with_this_weeks_figures(world, plan, api_as):
    monday, _sunday = progress.parse_week(plan.week)
    last_week = monday - timedelta(days=1)
    report(world, plan.own, user=world.member, percent_complete=10, hours=4, note="Old",
           date=last_week)
    report(world, plan.own, user=world.member, percent_complete=20, hours=2, note="Floor 1",
           date=monday)
    report(world, plan.own, user=world.member, percent_complete=30, hours="1.5",
           note="Floor 2", problems="Lift broken", date=timezone.localdate())

    response = api_as("observer").get(sheet_url(plan.project, plan.week))

    assert response.status_code == 200
    body = response.json()
    assert body["week"] == plan.week
    own, other = fresh(plan.own), fresh(plan.other)
    assert body["rows"] == [
        {"task": own.pk, "wbs": "1.1", "name": "Survey", "owner": world.member.pk,
         "owner_name": str(world.member), "planned_start": own.planned_start.isoformat(),
         "planned_end": own.planned_end.isoformat(), "percent_complete": "30.00",
         "hours": "3.50", "note": "Floor 2", "problems": "Lift broken", "critical": False,
         "overdue": True, "status": "in_progress", "version": own.version},
        {"task": other.pk, "wbs": "1.2", "name": "Cabling", "owner": world.pm.pk,
         "owner_name": str(world.pm), "planned_start": other.planned_start.isoformat(),
         "planned_end": other.planned_end.isoformat(), "percent_complete": "0.00",
         "hours": None, "note": "", "problems": "", "critical": True, "overdue": False,
         "status": "not_started", "version": other.version},
    ]


def test_a_done_task_is_not_overdue(world, plan, api_as):
    report(world, plan.own, percent_complete=100)
    rows = api_as("pm").get(sheet_url(plan.project, plan.week)).json()["rows"]
    assert rows[0]["overdue"] is False


@pytest.mark.parametrize("week", [None, "", "2026-48", "2026-W54", "W48", "2026-W48x"])
@pytest.mark.parametrize("xlsx", [False, True], ids=["json", "xlsx"])
def test_a_missing_or_bad_week_answers_400_naming_it(world, plan, api_as, week, xlsx):
    url = sheet_url(plan.project, xlsx=xlsx) + ("" if week is None else f"?week={week}")
    response = api_as("pm").get(url)
    assert response.status_code == 400
    assert isinstance(response.json()["week"], list)


# --- the weekly sheet: saving ---------------------------------------------------------------

def sheet_rows(api, p):
    return api.get(sheet_url(p.project, p.week)).json()["rows"]


def save(api, p, rows, week=None):
    return api.post(sheet_url(p.project), {"week": week or p.week, "rows": rows}, format="json")


def test_saving_the_sheet_applies_every_changed_row(world, plan, api_as):
    api = api_as("assistant")
    own, other = sheet_rows(api, plan)
    response = save(api, plan, [
        {"task": own["task"], "version": own["version"], "percent_complete": 100, "hours": 6,
         "note": "Survey report sent", "problems": ""},
        {"task": other["task"], "version": other["version"], "percent_complete": "25"},
    ])
    assert response.status_code == 200, response.content
    assert response.json() == {"updated": 2}
    survey, cabling = fresh(plan.own), fresh(plan.other)
    assert (survey.status, survey.percent_complete, survey.actual_finish) == (
        Task.Status.DONE, 100, timezone.localdate())
    assert (cabling.status, cabling.actual_start) == (Task.Status.IN_PROGRESS,
                                                      timezone.localdate())
    assert survey.version == own["version"] + 1
    entries = ProgressEntry.objects.filter(from_sheet=True).order_by("task")
    assert [(e.task_id, e.hours, e.note, e.author_id) for e in entries] == [
        (survey.pk, 6, "Survey report sent", world.assistant.pk),
        (cabling.pk, None, "", world.assistant.pk),
    ]
    history = survey.history.latest()
    assert (history.history_type, history.history_user, history.version) == (
        "~", world.assistant, survey.version)
    assert fresh(plan.phase).percent_complete == Decimal("30.77")  # (5 × 100 + 60 × 25) / 65


def test_rows_left_as_they_were_are_skipped(world, plan, api_as):
    api = api_as("pm")
    rows = sheet_rows(api, plan)
    before = versions()
    unchanged = [{k: row[k] for k in ("task", "version", "percent_complete", "hours", "note",
                                      "problems")} for row in rows]
    response = save(api, plan, unchanged)
    assert response.json() == {"updated": 0}
    assert versions() == before
    assert not ProgressEntry.objects.exists()


def test_saving_the_sheet_again_the_same_week_replaces_its_entry(world, plan, api_as):
    api = api_as("pm")
    for percent in (20, 40):
        row = sheet_rows(api, plan)[0]
        save(api, plan, [{"task": row["task"], "version": row["version"],
                          "percent_complete": percent, "note": f"at {percent}"}])
    entry = ProgressEntry.objects.get()
    assert (entry.percent_complete, entry.note, entry.from_sheet) == (40, "at 40", True)


def test_sheet_hours_are_the_weeks_total_members_reports_included(world, plan, api_as):
    report(world, plan.own, user=world.member, percent_complete=10, hours=3)
    api = api_as("pm")
    row = sheet_rows(api, plan)[0]
    assert row["hours"] == "3.00"
    response = save(api, plan, [{"task": row["task"], "version": row["version"],
                                 "percent_complete": 10, "hours": 5}])
    assert response.status_code == 200
    assert sheet_rows(api, plan)[0]["hours"] == "5.00"
    assert ProgressEntry.objects.get(from_sheet=True).hours == 2

    row = sheet_rows(api, plan)[0]
    response = save(api, plan, [{"task": row["task"], "version": row["version"],
                                 "percent_complete": 10, "hours": 2}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "hours"


def test_a_solved_problem_stays_solved_when_the_sheet_is_saved_again(world, plan, api_as):
    api = api_as("pm")
    row = sheet_rows(api, plan)[0]
    save(api, plan, [{"task": row["task"], "version": row["version"], "percent_complete": 10,
                      "problems": "Lift broken"}])
    task = fresh(plan.own)
    assert task.has_open_problem
    api.post(f"/api/v1/tasks/{task.pk}/resolve-problems/")
    row = sheet_rows(api, plan)[0]
    save(api, plan, [{**row, "percent_complete": 20}])
    assert not fresh(plan.own).has_open_problem
    row = sheet_rows(api, plan)[0]
    save(api, plan, [{**row, "problems": "Lift broken again"}])
    assert fresh(plan.own).has_open_problem


def mutate(case, row, w, p):
    """A copy of `row` made wrong as `case` says; returns (row, field named in the error)."""
    row = dict(row)
    if case == "percent over 100":
        row["percent_complete"] = 101
    elif case == "no percent":
        del row["percent_complete"]
    elif case == "percent a word":
        row["percent_complete"] = "most"
    elif case == "percent true":
        row["percent_complete"] = True
    elif case == "negative hours":
        row["hours"] = -1
    elif case == "no such task":
        row["task"] = 999_999
    elif case == "task a word":
        row["task"] = "Survey"
    elif case == "another project's task":
        row["task"] = services.create_task(user=w.admin, project=ProjectFactory(), name="X").pk
    elif case == "summary task":
        row["task"] = p.phase.pk
    elif case == "no version":
        del row["version"]
    elif case == "version a word":
        row["version"] = "v1"
    elif case == "long note":
        row["note"] = "x" * (progress.MAX_TEXT + 1)
    elif case == "problems a list":
        row["problems"] = ["a", "b"]
    elif case == "duplicate":
        row["task"] = p.own.pk
    elif case == "not an object":
        return ["task", row["task"]], "row"
    field_name = {"no such task": "task", "task a word": "task", "another project's task":
                  "task", "summary task": "task", "duplicate": "task", "no version":
                  "version", "version a word": "version", "long note": "note",
                  "problems a list": "problems", "negative hours": "hours"}.get(
                      case, "percent_complete")
    return row, field_name


SHEET_CASES = [
    "percent over 100", "no percent", "percent a word", "percent true", "negative hours",
    "no such task", "task a word", "another project's task", "summary task", "no version",
    "version a word", "long note", "problems a list", "duplicate", "not an object",
]


@pytest.mark.parametrize("case", SHEET_CASES)
def test_a_bad_row_answers_400_naming_row_and_field_and_nothing_is_saved(world, plan,
                                                                           api_as, case):
    api = api_as("pm")
    own, other = sheet_rows(api, plan)
    good = {"task": own["task"], "version": own["version"], "percent_complete": 50}
    bad, field_name = mutate(case, {"task": other["task"], "version": other["version"],
                                    "percent_complete": 20}, world, plan)
    before = versions()

    response = save(api, plan, [good, bad])

    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, field_name)]
    assert errors[0]["message"]
    assert versions() == before
    assert not ProgressEntry.objects.exists()


@pytest.mark.parametrize(("body", "field_name"), [
    ({"rows": []}, "week"),
    ({"week": "2026-48", "rows": []}, "week"),
    ({"week": "FUTURE", "rows": []}, "week"),
    ({"week": "NOW"}, "rows"),
    ({"week": "NOW", "rows": {"task": 1}}, "rows"),
])
def test_a_bad_sheet_body_answers_400_naming_the_field(world, plan, api_as, body, field_name):
    future = progress.week_of(timezone.localdate() + timedelta(days=7))
    body = {k: {"FUTURE": future, "NOW": plan.week}.get(v, v) if isinstance(v, str) else v
            for k, v in body.items()}
    response = api_as("pm").post(sheet_url(plan.project), body, format="json")
    assert response.status_code == 400
    assert field_name in response.json()


def test_stale_rows_answer_409_with_the_current_rows_and_nothing_is_saved(world, plan, api_as):
    api = api_as("assistant")
    own, other = sheet_rows(api, plan)
    # A member reports while the assistant fills the sheet.
    report(world, plan.own, user=world.member, percent_complete=35, hours=2, note="Floor 3")
    before = versions()
    entries = ProgressEntry.objects.count()

    response = save(api, plan, [
        {"task": own["task"], "version": own["version"], "percent_complete": 50},
        {"task": other["task"], "version": other["version"], "percent_complete": 20},
    ])

    assert response.status_code == 409
    body = response.json()
    assert body["detail"]
    current = sheet_rows(api, plan)[0]
    assert body["conflicts"] == [{"row": 1, "task": own["task"], "current": current}]
    assert current["percent_complete"] == "35.00" and current["note"] == "Floor 3"
    assert versions() == before
    assert ProgressEntry.objects.count() == entries


def test_a_past_week_can_be_filled_in_and_its_entries_dated_its_sunday(world, plan, api_as):
    last_week = progress.week_of(timezone.localdate() - timedelta(days=7))
    _monday, sunday = progress.parse_week(last_week)
    api = api_as("pm")
    row = api.get(sheet_url(plan.project, last_week)).json()["rows"][0]
    response = save(api, plan, [{"task": row["task"], "version": row["version"],
                                 "percent_complete": 15, "hours": 7}], week=last_week)
    assert response.status_code == 200
    entry = ProgressEntry.objects.get()
    assert entry.date == sunday
    assert fresh(plan.own).actual_start == sunday


# --- language -------------------------------------------------------------------------------

def test_a_token_user_gets_answers_and_workbooks_in_his_language(world, plan):
    world.pm.language = "zh-hans"
    world.pm.save()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.pm).key}")

    response = api.get(sheet_url(plan.project, plan.week, xlsx=True))

    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    first_row = [c.value for c in load_workbook(io.BytesIO(response.content)).worksheets[0][1]]
    with translation.override("zh-hans"):
        assert first_row == sheet_excel.headers()
    assert first_row[3] == "任务"  # Task
    # The language does not stick to the thread after the answer.
    assert translation.get_language() != "zh-hans"
    assert sheet_excel.headers()[7] == "% complete"
