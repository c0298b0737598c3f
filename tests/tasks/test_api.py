"""The tasks API (API.md "Tasks and dependencies", "Schedule"): who may do what, bad input,
dependency rules, version conflicts, the schedule's exact numbers and constant query counts."""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tasks import excel, services
from tasks.models import Dependency, Task
from tests.accounts.factories import UserFactory
from tests.conftest import ROLES
from tests.projects.factories import MembershipFactory, ProjectFactory
from tests.tasks.factories import DependencyFactory, TaskFactory


def add(w, name, project=None, **fields):
    fields.setdefault("client_visible", True)
    return services.create_task(user=w.pm, project=project or w.project, name=name, **fields)


def link(w, predecessor, successor, **fields):
    return services.add_dependency(user=w.pm, predecessor=predecessor, successor=successor,
                                   **fields)


def two_tasks(w):
    add(w, "First")
    return add(w, "Second")


def child_task(w):
    return add(w, "Child", parent=add(w, "Parent"))


def linked_pair(w):
    return link(w, add(w, "Before", duration_days=2), add(w, "After", duration_days=2))


def workbook(w, obj):
    content = excel.export_plan(project=w.project)
    return {"file": SimpleUploadedFile("plan.xlsx", content, content_type=excel.CONTENT_TYPE)}


# --- role × action --------------------------------------------------------------------------

@dataclass
class Route:
    method: str
    path: str  # as in the OpenAPI schema
    setup: Callable | None = None  # world -> the object the route acts on
    body: Callable = field(default=lambda w, obj: None)
    format: str = "json"
    query: str = ""

    def url(self, w, obj):
        path = self.path.format(id=obj.pk if obj is not None else w.project.pk)
        return path + self.query.format(project=w.project.pk)


ROUTES = {
    "tasks.list": Route("get", "/api/v1/tasks/", setup=lambda w: add(w, "Survey"),
                        query="?project={project}"),
    "tasks.retrieve": Route("get", "/api/v1/tasks/{id}/", setup=lambda w: add(w, "Survey")),
    "tasks.create": Route("post", "/api/v1/tasks/",
                          body=lambda w, o: {"project": w.project.pk, "name": "Survey"}),
    "tasks.update": Route("patch", "/api/v1/tasks/{id}/", setup=lambda w: add(w, "Survey"),
                          body=lambda w, o: {"name": "Site survey"}),
    "tasks.delete": Route("delete", "/api/v1/tasks/{id}/", setup=lambda w: add(w, "Survey")),
    "tasks.indent": Route("post", "/api/v1/tasks/{id}/indent/", setup=two_tasks),
    "tasks.outdent": Route("post", "/api/v1/tasks/{id}/outdent/", setup=child_task),
    "tasks.move": Route("post", "/api/v1/tasks/{id}/move/", setup=two_tasks,
                        body=lambda w, o: {"direction": -1}),
    "dependencies.list": Route("get", "/api/v1/dependencies/", setup=linked_pair,
                               query="?project={project}"),
    "dependencies.retrieve": Route("get", "/api/v1/dependencies/{id}/", setup=linked_pair),
    "dependencies.create": Route(
        "post", "/api/v1/dependencies/", setup=two_tasks,
        body=lambda w, second: {"predecessor": Task.objects.get(name="First").pk,
                                "successor": second.pk},
    ),
    "dependencies.delete": Route("delete", "/api/v1/dependencies/{id}/", setup=linked_pair),
    "schedule": Route("get", "/api/v1/projects/{id}/schedule/", setup=linked_pair),
    "plan.export": Route("get", "/api/v1/projects/{id}/plan.xlsx"),
    "plan.import": Route("post", "/api/v1/projects/{id}/plan.xlsx",
                         setup=lambda w: add(w, "Survey"), body=workbook,
                         format="multipart"),
}

# Columns follow tests.conftest.ROLES:
#   anonymous admin management supervisor outsider pm assistant member qa finance observer
#   client other_client
CLIENT_READS = (401, 200, 200, 200, 404, 200, 200, 200, 200, 200, 200, 200, 404)
TEAM_READS = (401, 200, 200, 200, 404, 200, 200, 200, 200, 200, 200, 404, 404)


def pm_acts(ok):
    return (401, ok, 403, 403, 404, ok, 403, 403, 403, 403, 403, 404, 404)


TABLE = {
    "tasks.list": CLIENT_READS,
    "tasks.retrieve": CLIENT_READS,
    "tasks.create": pm_acts(201),
    "tasks.update": pm_acts(200),
    "tasks.delete": pm_acts(204),
    "tasks.indent": pm_acts(200),
    "tasks.outdent": pm_acts(200),
    "tasks.move": pm_acts(200),
    "dependencies.list": TEAM_READS,
    "dependencies.retrieve": TEAM_READS,
    # The tasks named in the body are invisible to the outsider: an invalid pk, not a 404.
    "dependencies.create": (401, 201, 403, 403, 400, 201, 403, 403, 403, 403, 403, 404, 404),
    "dependencies.delete": pm_acts(204),
    "schedule": TEAM_READS,
    "plan.export": TEAM_READS,
    "plan.import": pm_acts(200),
}

EXPECTED = {
    (action, role): code
    for action, row in TABLE.items()
    for role, code in zip(ROLES, row, strict=True)
}


def object_for(route, w):
    obj = route.setup(w) if route.setup else None
    return w.project if route.path.startswith("/api/v1/projects/") else obj


@pytest.mark.parametrize(("action", "role"), list(EXPECTED))
def test_role_may_or_may_not_do_action(action, role, world, api_as):
    route = ROUTES[action]
    obj = object_for(route, world)
    response = getattr(api_as(role), route.method)(
        route.url(world, obj), route.body(world, obj), format=route.format
    )
    assert response.status_code == EXPECTED[action, role], response.content


def test_the_table_covers_every_tasks_operation_of_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ours = ("/api/v1/tasks/", "/api/v1/dependencies/", "/api/v1/projects/{id}/schedule/",
            "/api/v1/projects/{id}/plan.xlsx")
    operations = {
        (method, path)
        for path, item in schema["paths"].items() if path.startswith(ours)
        # Progress routes, /tasks/{id}/resolve-problems/ among them: test_progress_api.py.
        and not path.endswith("/resolve-problems/")
        for method in item
    }
    assert operations == {(route.method, route.path) for route in ROUTES.values()}
    assert set(TABLE) == set(ROUTES)


def test_refused_writes_change_nothing(world, api_as):
    task = add(world, "Survey")
    for role in ("member", "management", "client", "outsider"):
        api = api_as(role)
        api.patch(f"/api/v1/tasks/{task.pk}/", {"name": "Hacked"}, format="json")
        api.delete(f"/api/v1/tasks/{task.pk}/")
        api.post("/api/v1/tasks/", {"project": world.project.pk, "name": "New"}, format="json")
    assert list(Task.objects.values_list("name", flat=True)) == ["Survey"]


# --- what clients see -----------------------------------------------------------------------

def test_client_sees_only_client_visible_tasks_without_internal_fields(world, api_as):
    shown = add(world, "Kick-off", planned_cost="1250.00", notes="Margin is thin")
    hidden = add(world, "Internal review", client_visible=False)
    api = api_as("client")

    listed = api.get(f"/api/v1/tasks/?project={world.project.pk}").json()["results"]
    assert [task["id"] for task in listed] == [shown.pk]
    assert not {"planned_cost", "estimate_hours", "notes", "free_float"} & set(listed[0])
    assert api.get(f"/api/v1/tasks/{hidden.pk}/").status_code == 404
    assert api.get("/api/v1/tasks/").json()["count"] == 1

    internal = api_as("member").get(f"/api/v1/tasks/{shown.pk}/").json()
    assert internal["planned_cost"] == "1250.00" and internal["notes"] == "Margin is thin"


def test_task_out_has_the_fields_of_api_md(world, api_as):
    task = add(world, "Survey", duration_days=3)
    body = api_as("pm").get(f"/api/v1/tasks/{task.pk}/").json()
    assert {
        "id", "project", "parent", "wbs", "name", "owner", "duration_days",
        "start_no_earlier_than", "planned_start", "planned_end", "actual_start", "actual_finish",
        "percent_complete", "status", "is_milestone", "is_summary", "critical", "total_float",
        "client_visible", "version",
    } <= set(body)
    assert body["planned_start"] == "2026-12-01" and body["planned_end"] == "2026-12-03"
    assert body["wbs"] == "1" and body["critical"] is True and body["version"] == 1


# --- writes and their answers ---------------------------------------------------------------

def test_create_with_planned_dates_answers_the_scheduled_task(world, api_as):
    response = api_as("pm").post("/api/v1/tasks/", {
        "project": world.project.pk, "name": "Install", "owner": world.member.pk,
        "planned_start": "2026-12-07", "planned_end": "2026-12-11",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["duration_days"], body["start_no_earlier_than"]) == (5, "2026-12-07")
    assert (body["planned_start"], body["planned_end"]) == ("2026-12-07", "2026-12-11")
    assert body["owner"] == world.member.pk


def test_an_edit_moves_the_successors_before_the_answer(world, api_as):
    pair = linked_pair(world)
    api = api_as("pm")
    response = api.patch(f"/api/v1/tasks/{pair.predecessor_id}/", {"duration_days": 4},
                         format="json")
    assert response.status_code == 200
    after = api.get(f"/api/v1/tasks/{pair.successor_id}/").json()
    assert (after["planned_start"], after["planned_end"]) == ("2026-12-07", "2026-12-08")


def test_indent_outdent_and_move_answer_the_new_place(world, api_as):
    second = two_tasks(world)
    api = api_as("pm")
    assert api.post(f"/api/v1/tasks/{second.pk}/indent/").json()["wbs"] == "1.1"
    assert api.post(f"/api/v1/tasks/{second.pk}/outdent/").json()["wbs"] == "2"
    moved = api.post(f"/api/v1/tasks/{second.pk}/move/", {"direction": -1}, format="json")
    assert moved.json()["wbs"] == "1"
    assert api.post(f"/api/v1/tasks/{second.pk}/move/", {"direction": "1"},
                    format="json").json()["wbs"] == "2"


def test_delete_takes_the_children_along(world, api_as):
    child = child_task(world)
    response = api_as("pm").delete(f"/api/v1/tasks/{child.parent_id}/")
    assert response.status_code == 204
    assert not Task.objects.exists()


# --- bad input: 400 naming the field, nothing saved -----------------------------------------

def other_project_task(w):
    return services.create_task(user=w.admin, project=ProjectFactory(), name="Elsewhere")


CREATE_CASES = {
    "no project": ({"name": "X"}, "project"),
    "project not a number": ({"project": "abc", "name": "X"}, "project"),
    "no name": ({}, "name"),
    "blank name": ({"name": ""}, "name"),
    "long name": ({"name": "x" * 301}, "name"),
    "negative duration": ({"name": "X", "duration_days": -1}, "duration_days"),
    "duration not a number": ({"name": "X", "duration_days": "two"}, "duration_days"),
    "duration too long": ({"name": "X", "duration_days": 3651}, "duration_days"),
    "parent elsewhere": (lambda w: {"name": "X", "parent": other_project_task(w).pk}, "parent"),
    "parent unknown": ({"name": "X", "parent": 999999}, "parent"),
    "owner a client": (lambda w: {"name": "X", "owner": w.client.pk}, "owner"),
    "owner not on team": (lambda w: {"name": "X", "owner": w.outsider.pk}, "owner"),
    "owner unknown": ({"name": "X", "owner": 999999}, "owner"),
    "start alone": ({"name": "X", "planned_start": "2026-12-07"}, "planned_end"),
    "end alone": ({"name": "X", "planned_end": "2026-12-07"}, "planned_start"),
    "end before start": ({"name": "X", "planned_start": "2026-12-07",
                          "planned_end": "2026-12-04"}, "planned_end"),
    "dates and duration": ({"name": "X", "planned_start": "2026-12-07",
                            "planned_end": "2026-12-08", "duration_days": 3}, "planned_end"),
    "bad date": ({"name": "X", "start_no_earlier_than": "2026-13-01"},
                 "start_no_earlier_than"),
    "date too late": ({"name": "X", "start_no_earlier_than": "2300-01-01"},
                      "start_no_earlier_than"),
    "negative hours": ({"name": "X", "estimate_hours": "-1"}, "estimate_hours"),
    "negative cost": ({"name": "X", "planned_cost": "-5"}, "planned_cost"),
    "client_visible not a boolean": ({"name": "X", "client_visible": "maybe"},
                                     "client_visible"),
}


@pytest.mark.parametrize("case", list(CREATE_CASES))
def test_bad_task_create_answers_400_naming_the_field(world, api_as, case):
    body, field_name = CREATE_CASES[case]
    body = {"project": world.project.pk, **(body(world) if callable(body) else body)}
    if case == "no project":
        del body["project"]
    before = Task.objects.count()
    response = api_as("pm").post("/api/v1/tasks/", body, format="json")
    assert response.status_code == 400, response.content
    assert field_name in response.json()
    assert Task.objects.count() == before


UPDATE_CASES = {
    "blank name": ({"name": ""}, "name"),
    "negative duration": ({"duration_days": -2}, "duration_days"),
    "start alone": ({"planned_start": "2026-12-07"}, "planned_end"),
    "owner not on team": (lambda w: {"owner": w.outsider.pk}, "owner"),
    "parent is own child": (lambda w: {"parent": Task.objects.get(name="Child").pk}, "parent"),
    "parent elsewhere": (lambda w: {"parent": other_project_task(w).pk}, "parent"),
    "version not a number": ({"name": "Y", "version": "new"}, "version"),
}


@pytest.mark.parametrize("case", list(UPDATE_CASES))
def test_bad_task_update_answers_400_naming_the_field(world, api_as, case):
    parent = child_task(world).parent
    body, field_name = UPDATE_CASES[case]
    body = body(world) if callable(body) else body
    response = api_as("pm").patch(f"/api/v1/tasks/{parent.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field_name in response.json()
    fresh = Task.objects.get(pk=parent.pk)
    assert (fresh.name, fresh.version, fresh.parent_id) == ("Parent", parent.version, None)


@pytest.mark.parametrize(("action", "body", "field_name"), [
    ("move", {}, "direction"),
    ("move", {"direction": 0}, "direction"),
    ("move", {"direction": 2}, "direction"),
    ("indent", {}, "parent"),
    ("outdent", {}, "parent"),
])
def test_bad_restructuring_answers_400(world, api_as, action, body, field_name):
    first = add(world, "Only")
    response = api_as("pm").post(f"/api/v1/tasks/{first.pk}/{action}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field_name in response.json()
    assert Task.objects.get(pk=first.pk).version == first.version


def test_project_filter_names_only_visible_projects(world, api_as):
    elsewhere = ProjectFactory()
    assert api_as("member").get(f"/api/v1/tasks/?project={elsewhere.pk}").status_code == 404
    assert api_as("member").get("/api/v1/tasks/?project=abc").status_code == 400
    assert api_as("client").get(
        f"/api/v1/dependencies/?project={world.project.pk}"
    ).status_code == 404


# --- version conflicts ----------------------------------------------------------------------

def test_stale_version_answers_409_with_the_current_task(world, api_as):
    task = add(world, "Survey")
    api = api_as("pm")
    assert api.patch(f"/api/v1/tasks/{task.pk}/", {"name": "Site survey", "version": 1},
                     format="json").status_code == 200

    response = api.patch(f"/api/v1/tasks/{task.pk}/", {"name": "Other", "version": 1},
                         format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["detail"]
    assert (body["current"]["name"], body["current"]["version"]) == ("Site survey", 2)
    assert Task.objects.get(pk=task.pk).name == "Site survey"


def test_stale_version_on_indent_answers_409(world, api_as):
    second = two_tasks(world)
    services.update_task(user=world.pm, task=second, name="Second, renamed")
    response = api_as("pm").post(f"/api/v1/tasks/{second.pk}/indent/", {"version": 1},
                                 format="json")
    assert response.status_code == 409
    assert response.json()["current"]["version"] == 2
    assert Task.objects.get(pk=second.pk).parent_id is None


# --- dependencies ---------------------------------------------------------------------------

@pytest.fixture
def network(world):
    """A, B and C leaf tasks with A → B; a phase with one step; a task in the pm's other project."""
    a, b, c = (add(world, name, duration_days=2) for name in "ABC")
    link(world, a, b)
    phase = add(world, "Phase")
    add(world, "Step", parent=phase)
    other = ProjectFactory()
    MembershipFactory(project=other, user=world.pm, role="pm")
    elsewhere = add(world, "Elsewhere", project=other)
    hidden = services.create_task(user=world.admin, project=ProjectFactory(), name="Hidden")
    return {"A": a.pk, "B": b.pk, "C": c.pk, "Phase": phase.pk, "Elsewhere": elsewhere.pk,
            "Hidden": hidden.pk}


DEPENDENCY_CASES = {
    "no predecessor": ({"successor": "B"}, "predecessor"),
    "no successor": ({"predecessor": "A"}, "successor"),
    "self link": ({"predecessor": "C", "successor": "C"}, "successor"),
    "duplicate": ({"predecessor": "A", "successor": "B"}, "successor"),
    "other project": ({"predecessor": "A", "successor": "Elsewhere"}, "successor"),
    "summary task": ({"predecessor": "Phase", "successor": "C"}, "predecessor"),
    "invisible task": ({"predecessor": "Hidden", "successor": "C"}, "predecessor"),
    "unknown type": ({"predecessor": "A", "successor": "C", "type": "XX"}, "type"),
    "lag not a number": ({"predecessor": "A", "successor": "C", "lag_days": "two"}, "lag_days"),
    "fractional lag": ({"predecessor": "A", "successor": "C", "lag_days": 1.5}, "lag_days"),
    "lag too long": ({"predecessor": "A", "successor": "C", "lag_days": -4000}, "lag_days"),
}


@pytest.mark.parametrize("case", list(DEPENDENCY_CASES))
def test_bad_dependency_answers_400_naming_the_field(world, api_as, network, case):
    body, field_name = DEPENDENCY_CASES[case]
    body = {key: network.get(value, value) if key in ("predecessor", "successor") else value
            for key, value in body.items()}
    response = api_as("pm").post("/api/v1/dependencies/", body, format="json")
    assert response.status_code == 400, response.content
    assert field_name in response.json()
    assert Dependency.objects.count() == 1


def test_a_cycle_answers_400_with_its_task_ids(world, api_as, network):
    api = api_as("pm")
    assert api.post("/api/v1/dependencies/", {"predecessor": network["B"],
                                              "successor": network["C"]}).status_code == 201
    response = api.post("/api/v1/dependencies/", {"predecessor": network["C"],
                                                  "successor": network["A"]}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["cycle"] == [network["C"], network["A"], network["B"]]
    assert isinstance(body["detail"], str) and "A" in body["detail"]
    assert Dependency.objects.count() == 2


def test_a_new_link_answers_with_defaults_and_moves_the_successor(world, api_as, network):
    api = api_as("pm")
    response = api.post("/api/v1/dependencies/", {"predecessor": network["A"],
                                                  "successor": network["C"]}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["type"], body["lag_days"], body["project"]) == ("FS", 0, world.project.pk)
    assert api.get(f"/api/v1/tasks/{network['C']}/").json()["planned_start"] == "2026-12-03"

    listed = api.get(f"/api/v1/dependencies/?project={world.project.pk}").json()
    assert [d["successor"] for d in listed["results"]] == [network["B"], network["C"]]


# --- the schedule ---------------------------------------------------------------------------

def test_schedule_of_a_hand_worked_network(world, api_as):
    """Offsets from Tuesday 2026-12-01: 0 Tue 1, 1 Wed 2, 2 Thu 3, 3 Fri 4, 4 Mon 7, 5 Tue 8."""
    a = add(world, "A", duration_days=3)
    b = add(world, "B", duration_days=2)
    c = add(world, "C", duration_days=4)
    d = add(world, "D", duration_days=0)
    e = add(world, "E", duration_days=1, start_no_earlier_than=date(2026, 12, 3))
    link(world, a, b)
    link(world, a, c, type="SS", lag_days=1)
    link(world, b, d)
    link(world, c, d, lag_days=1)

    response = api_as("member").get(f"/api/v1/projects/{world.project.pk}/schedule/")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("project_start", "project_finish", "duration_days")} == {
        "project_start": "2026-12-01", "project_finish": "2026-12-08", "duration_days": 6,
    }
    assert body["critical_path"] == [a.pk, c.pk, d.pk]
    rows = {row["id"]: row for row in body["tasks"]}
    assert set(rows) == {a.pk, b.pk, c.pk, d.pk, e.pk}
    expected = {
        #      es ef ls lf tf ff critical early start    early finish  late start    late finish
        a.pk: (0, 3, 0, 3, 0, 0, True, "2026-12-01", "2026-12-03", "2026-12-01", "2026-12-03"),
        b.pk: (3, 5, 4, 6, 1, 1, False, "2026-12-04", "2026-12-07", "2026-12-07", "2026-12-08"),
        c.pk: (1, 5, 1, 5, 0, 0, True, "2026-12-02", "2026-12-07", "2026-12-02", "2026-12-07"),
        d.pk: (6, 6, 6, 6, 0, 0, True, "2026-12-08", "2026-12-08", "2026-12-08", "2026-12-08"),
        e.pk: (2, 3, 5, 6, 3, 3, False, "2026-12-03", "2026-12-03", "2026-12-08", "2026-12-08"),
    }
    keys = ("es", "ef", "ls", "lf", "total_float", "free_float", "critical", "early_start",
            "early_finish", "late_start", "late_finish")
    assert {pk: tuple(row[k] for k in keys) for pk, row in rows.items()} == expected


def test_schedule_leaves_out_summary_tasks_and_matches_the_stored_dates(world, api_as):
    child = child_task(world)
    body = api_as("pm").get(f"/api/v1/projects/{world.project.pk}/schedule/").json()
    assert [row["id"] for row in body["tasks"]] == [child.pk]
    stored = Task.objects.get(pk=child.pk)
    assert body["tasks"][0]["early_start"] == stored.planned_start.isoformat()


def test_schedule_of_an_empty_plan_starts_on_a_working_day(world, api_as):
    project = world.project
    project.planned_start = date(2026, 12, 5)  # a Saturday
    project.save()
    body = api_as("pm").get(f"/api/v1/projects/{project.pk}/schedule/").json()
    assert body == {"project_start": "2026-12-07", "project_finish": "2026-12-07",
                    "duration_days": 0, "critical_path": [], "tasks": []}


# --- filters and ordering -------------------------------------------------------------------

def test_task_filters(world, api_as):
    today = timezone.localdate()
    # Whatever today is, the plan lies ahead of it.
    world.project.planned_start = today + timedelta(days=30)
    world.project.planned_end = today + timedelta(days=300)
    world.project.save()
    phase = add(world, "Phase")
    survey = add(world, "Survey", parent=phase, duration_days=3, owner=world.member)
    slack = add(world, "Slack", parent=phase, duration_days=1)
    done = add(world, "Done already", duration_days=1)
    Task.objects.filter(pk__in=[survey.pk, done.pk]).update(planned_end=today - timedelta(days=1))
    Task.objects.filter(pk=done.pk).update(status=Task.Status.DONE)
    api = api_as("member")

    def ids(query):
        response = api.get(f"/api/v1/tasks/?project={world.project.pk}&{query}")
        assert response.status_code == 200, response.content
        return [task["id"] for task in response.json()["results"]]

    assert ids("") == [phase.pk, survey.pk, slack.pk, done.pk]
    assert ids(f"owner={world.member.pk}") == [survey.pk]
    assert ids("status=done") == [done.pk]
    assert ids("status=done&status=not_started") == [phase.pk, survey.pk, slack.pk, done.pk]
    assert ids(f"parent={phase.pk}") == [survey.pk, slack.pk]
    assert ids("critical=true") == [phase.pk, survey.pk]
    assert ids("critical=false") == [slack.pk, done.pk]
    assert ids("overdue=true") == [survey.pk]
    assert ids("overdue=false") == [phase.pk, slack.pk, done.pk]
    assert ids("search=surv") == [survey.pk]
    assert ids("search=1.2") == [slack.pk]
    assert ids("ordering=-name") == [survey.pk, slack.pk, phase.pk, done.pk]


# --- query counts ---------------------------------------------------------------------------

def grow_plan(world, count):
    phase = TaskFactory(project=world.project, client_visible=True)
    steps = TaskFactory.create_batch(count, project=world.project, parent=phase,
                                     owner=world.member, client_visible=True)
    for predecessor, successor in zip(steps, steps[1:], strict=False):
        DependencyFactory(predecessor=predecessor, successor=successor)
    services.schedule_project(project=world.project)


def queries(api, url):
    api.get(url)  # the user's role on the project is then cached, as on any later request
    with CaptureQueriesContext(connection) as context:
        response = api.get(url)
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize(("role", "path"), [
    ("pm", "/api/v1/tasks/?project={}"), ("client", "/api/v1/tasks/?project={}"),
    ("admin", "/api/v1/tasks/?project={}"), ("pm", "/api/v1/dependencies/?project={}"),
    ("admin", "/api/v1/dependencies/?project={}"),
])
def test_list_queries_do_not_grow_with_the_plan(world, api_as, role, path):
    url = path.format(world.project.pk)
    api = api_as(role)
    grow_plan(world, 5)
    few = queries(api, url)
    grow_plan(world, 10)
    many = queries(api, url)
    assert api.get(url).json()["count"] > 10
    assert few == many


def test_schedule_queries_do_not_grow_with_the_plan(world, api_as):
    api = api_as("pm")
    url = f"/api/v1/projects/{world.project.pk}/schedule/"
    grow_plan(world, 5)
    few = queries(api, url)
    grow_plan(world, 10)
    assert queries(api, url) == few


def test_an_extra_pm_of_another_project_is_no_pm_here(world, api_as):
    other_pm = UserFactory(username="other_pm")
    MembershipFactory(project=ProjectFactory(), user=other_pm, role="pm")
    MembershipFactory(project=world.project, user=other_pm, role="member")
    task = add(world, "Survey")
    api = APIClient()
    api.force_authenticate(other_pm)
    assert api.patch(f"/api/v1/tasks/{task.pk}/", {"name": "X"}, format="json").status_code == 403
