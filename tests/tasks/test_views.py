"""The planning page (tasks:plan): who reads and who edits, in-place edits, baselines, queries."""
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats

from tasks import services
from tasks.models import Baseline, Dependency, Task
from tests.conftest import ROLES

# world.project starts on Tuesday 2026-12-01 on the default Monday–Friday calendar.
VIEWERS = {"admin", "management", "supervisor", "pm", "assistant", "member", "qa", "finance",
           "observer"}
PLANNERS = {"admin", "pm"}
HTMX = {"HTTP_HX_REQUEST": "true"}


def expected_status(role, *, allowed, readers=VIEWERS):
    """Page rule: anonymous → login; not a reader → 404; reader → 403 unless allowed."""
    if role == "anonymous":
        return "login"
    if role not in readers:
        return 404
    return "ok" if role in allowed else 403


def assert_status(response, expected, ok=200):
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    elif expected == "ok":
        assert response.status_code == ok
    else:
        assert response.status_code == expected


def fresh(task):
    return Task.objects.get(pk=task.pk)


@pytest.fixture
def plan(world):
    """Row 1 Survey (3 days) → row 2 Cabling (2 days); row 3 Docs (1 day) on its own."""
    def add(name, days):
        return services.create_task(user=world.pm, project=world.project, name=name,
                                    duration_days=days)

    survey, cabling, docs = add("Survey", 3), add("Cabling", 2), add("Docs", 1)
    services.add_dependency(user=world.pm, predecessor=survey, successor=cabling)
    return type("Plan", (), {"survey": survey, "cabling": cabling, "docs": docs})


def plan_url(world, **query):
    url = reverse("tasks:plan", args=[world.project.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def edit_url(world, task):
    return reverse("tasks:task_edit", args=[world.project.pk, task.pk])


def row_data(task, **changes):
    """What the edit row posts when nothing is changed, with `changes` applied."""
    task = fresh(task)
    links = Dependency.objects.filter(successor=task)
    order = list(Task.objects.filter(project=task.project).order_by("sort_key", "id")
                 .values_list("id", flat=True))
    row_of = {pk: n for n, pk in enumerate(order, start=1)}
    data = {
        "name": task.name, "duration_days": task.duration_days,
        "start": task.planned_start.isoformat(), "finish": task.planned_end.isoformat(),
        "predecessors": services.predecessor_text(links, row_of),
        "owner": task.owner_id or "", "version": task.version, "baseline": "",
    }
    data.update(changes)
    return data


# --- Who may read, who may change ---------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_planning_page_by_role(world, plan, client_as, role):
    response = client_as(role).get(plan_url(world))
    assert_status(response, expected_status(role, allowed=VIEWERS))
    if response.status_code == 200:
        assert "Survey" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_editing_a_row_by_role(world, plan, client_as, role):
    response = client_as(role).post(edit_url(world, plan.survey),
                                    row_data(plan.survey, duration_days=5))
    assert_status(response, expected_status(role, allowed=PLANNERS), ok=302)
    assert (fresh(plan.survey).duration_days == 5) == (role in PLANNERS)


@pytest.mark.parametrize("role", ROLES)
def test_opening_the_edit_row_by_role(world, plan, client_as, role):
    response = client_as(role).get(edit_url(world, plan.survey), **HTMX)
    assert_status(response, expected_status(role, allowed=PLANNERS))


@pytest.mark.parametrize("role", sorted(VIEWERS - PLANNERS) + ["outsider", "client"])
@pytest.mark.parametrize("action", ["indent", "outdent", "up", "down", "delete", "add_below",
                                    "add_child"])
def test_row_buttons_are_for_the_planner_only(world, plan, client_as, role, action):
    url = reverse(f"tasks:task_{action}", args=[world.project.pk, plan.docs.pk])
    response = client_as(role).post(url, {"version": plan.docs.version}, **HTMX)
    assert response.status_code == (404 if role in ("outsider", "client") else 403)
    assert Task.objects.filter(project=world.project).count() == 3
    assert fresh(plan.docs).parent_id is None


@pytest.mark.parametrize("role", ["assistant", "member", "management", "outsider", "client"])
def test_only_the_planner_adds_tasks_and_baselines(world, plan, client_as, role):
    client = client_as(role)
    add = client.post(reverse("tasks:task_add", args=[world.project.pk]),
                      {"name": "Sneaky", "duration_days": 1})
    take = client.post(reverse("tasks:baseline_take", args=[world.project.pk]), {"name": "B"})
    expected = 404 if role in ("outsider", "client") else 403
    assert (add.status_code, take.status_code) == (expected, expected)
    assert not Task.objects.filter(name="Sneaky").exists()
    assert not Baseline.objects.exists()


def test_readers_get_the_table_without_edit_controls(world, plan, client_as):
    page = client_as("member").get(plan_url(world)).content.decode()
    assert "data-tasks-url" not in page and "tabindex" not in page
    assert "Take baseline" not in page
    assert 'id="plan-add"' not in page
    pm_page = client_as("pm").get(plan_url(world)).content.decode()
    assert "data-tasks-url" in pm_page and 'id="plan-add"' in pm_page


def test_project_tabs_link_to_the_plan(world, client_as):
    page = client_as("member").get(reverse("projects:detail", args=[world.project.pk]))
    assert plan_url(world) in page.content.decode()


# --- The table ----------------------------------------------------------------------------------

def test_table_lists_tasks_in_wbs_order_with_schedule(world, plan, client_as):
    response = client_as("pm").get(plan_url(world))
    rows = response.context["rows"]
    assert [(r.number, r.task.wbs, r.task.name, r.predecessors) for r in rows] == [
        (1, "1", "Survey", ""), (2, "2", "Cabling", "1"), (3, "3", "Docs", ""),
    ]
    summary = response.context["summary"]
    assert summary["start"] == date(2026, 12, 1)
    assert summary["finish"] == date(2026, 12, 7)
    assert summary["duration"] == 5
    assert summary["critical"] == 2
    html = response.content.decode()
    assert 'class="row-critical"' in html  # Survey and Cabling stand out


def test_summary_rows_and_milestones(world, plan, client_as):
    phase = services.create_task(user=world.pm, project=world.project, name="Phase 1")
    services.update_task(user=world.pm, task=plan.docs, parent=phase)
    gate = services.create_task(user=world.pm, project=world.project, name="Go-live",
                                duration_days=0)
    response = client_as("member").get(plan_url(world))
    html = response.content.decode()
    assert f'id="task-{phase.pk}" class="plan-summary' in html
    assert "bi-diamond-fill" in html.split(f'id="task-{gate.pk}"')[1].split("</tr>")[0]
    docs_row = next(r for r in response.context["rows"] if r.task.pk == plan.docs.pk)
    assert docs_row.level == 1 and docs_row.task.wbs == "3.1"


def test_names_are_escaped(world, plan, client_as):
    services.update_task(user=world.pm, task=plan.docs, name="<script>alert(1)</script>")
    html = client_as("pm").get(plan_url(world)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_summary_row_edits_only_its_name_and_owner(world, plan, client_as):
    phase = services.create_task(user=world.pm, project=world.project, name="Phase")
    services.update_task(user=world.pm, task=plan.docs, parent=phase, duration_days=3)
    client = client_as("pm")
    html = client.get(edit_url(world, phase), **HTMX).content.decode()
    # Its duration is the span of its children, shown but not editable.
    assert re.search(r'<input type="number" name="duration_days" value="3"[^>]*disabled', html)
    client.post(edit_url(world, phase), row_data(phase, name="Phase A", duration_days=9,
                                                 predecessors="1"), **HTMX)
    phase = fresh(phase)
    assert (phase.name, phase.duration_days) == ("Phase A", 1)
    assert not Dependency.objects.filter(successor=phase).exists()


def test_late_schedule_is_flagged_against_the_planned_end(world, plan, client_as):
    world.project.planned_end = date(2026, 12, 3)
    world.project.save()
    response = client_as("pm").get(plan_url(world))
    assert response.context["summary"]["late"] == 2
    assert "late by 2 working days" in response.content.decode()


def test_empty_plan_invites_the_first_task(world, client_as):
    response = client_as("pm").get(plan_url(world))
    assert response.status_code == 200
    assert "No tasks yet." in response.content.decode()


# --- Editing in place ---------------------------------------------------------------------------

def test_edit_row_opens_with_the_clicked_cell_focused(world, plan, client_as):
    response = client_as("pm").get(edit_url(world, plan.cabling) + "?focus=predecessors", **HTMX)
    html = response.content.decode()
    assert html.startswith('<tr id="task-')
    assert 'name="predecessors"' in html and 'value="1"' in html
    focused = re.findall(r"<input[^>]*data-plan-focus[^>]*>", html)
    assert len(focused) == 1 and 'name="predecessors"' in focused[0]


def test_longer_duration_moves_the_successor_and_answers_with_the_table(world, plan, client_as):
    response = client_as("pm").post(edit_url(world, plan.survey),
                                    row_data(plan.survey, duration_days=5), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="plan-table"')
    assert 'id="plan-summary" class="card h-100" hx-swap-oob="true"' in html
    cabling = fresh(plan.cabling)
    assert (cabling.planned_start, cabling.planned_end) == (date(2026, 12, 8), date(2026, 12, 9))
    assert formats.date_format(date(2026, 12, 9), "SHORT_DATE_FORMAT") in html
    assert response.context["summary"]["finish"] == date(2026, 12, 9)


def test_typed_predecessors_link_the_rows(world, plan, client_as):
    client_as("pm").post(edit_url(world, plan.docs),
                         row_data(plan.docs, predecessors="2FS+1, 1SS"), **HTMX)
    links = {(d.predecessor_id, d.type, d.lag_days)
             for d in Dependency.objects.filter(successor=plan.docs)}
    assert links == {(plan.cabling.pk, "FS", 1), (plan.survey.pk, "SS", 0)}
    # Cabling ends Mon 7 Dec; one day of lag → Docs on Wed 9 Dec.
    assert fresh(plan.docs).planned_start == date(2026, 12, 9)


def test_new_finish_sets_start_and_duration(world, plan, client_as):
    client_as("pm").post(edit_url(world, plan.docs),
                         row_data(plan.docs, start="2026-12-02", finish="2026-12-08"), **HTMX)
    docs = fresh(plan.docs)
    assert docs.start_no_earlier_than == date(2026, 12, 2)
    assert docs.duration_days == 5
    assert (docs.planned_start, docs.planned_end) == (date(2026, 12, 2), date(2026, 12, 8))


def test_new_start_pins_the_task_and_clearing_it_unpins(world, plan, client_as):
    client = client_as("pm")
    client.post(edit_url(world, plan.docs), row_data(plan.docs, start="2026-12-10"), **HTMX)
    assert fresh(plan.docs).start_no_earlier_than == date(2026, 12, 10)
    assert fresh(plan.docs).planned_start == date(2026, 12, 10)
    client.post(edit_url(world, plan.docs), row_data(plan.docs, start=""), **HTMX)
    assert fresh(plan.docs).start_no_earlier_than is None
    assert fresh(plan.docs).planned_start == date(2026, 12, 1)


def test_owner_and_name_are_saved(world, plan, client_as):
    client_as("pm").post(edit_url(world, plan.docs),
                         row_data(plan.docs, name="As-built docs", owner=world.member.pk), **HTMX)
    docs = fresh(plan.docs)
    assert (docs.name, docs.owner) == ("As-built docs", world.member)


def test_bad_predecessor_token_is_shown_and_nothing_is_saved(world, plan, client_as):
    before = fresh(plan.docs)
    response = client_as("pm").post(
        edit_url(world, plan.docs),
        row_data(plan.docs, name="Renamed", duration_days=4, predecessors="1, 2XX"), **HTMX,
    )
    html = response.content.decode()
    assert response["HX-Retarget"] == f"#task-{plan.docs.pk}"
    assert html.startswith(f'<tr id="task-{plan.docs.pk}" class="plan-edit')
    assert "“2XX” is not a predecessor" in html
    assert 'value="1, 2XX"' in html  # what was typed is kept
    after = fresh(plan.docs)
    assert (after.name, after.duration_days, after.version) == ("Docs", 1, before.version)
    assert not Dependency.objects.filter(successor=plan.docs).exists()


def test_unknown_row_is_refused(world, plan, client_as):
    response = client_as("pm").post(edit_url(world, plan.docs),
                                    row_data(plan.docs, predecessors="9"), **HTMX)
    assert "There is no row 9." in response.content.decode()
    assert not Dependency.objects.filter(successor=plan.docs).exists()


def test_cycle_is_refused_naming_its_tasks(world, plan, client_as):
    response = client_as("pm").post(
        edit_url(world, plan.survey), row_data(plan.survey, duration_days=6, predecessors="2"),
        **HTMX,
    )
    html = response.content.decode()
    assert "This link would create a cycle: Cabling → Survey → Cabling" in html
    assert "Rows in the cycle: 2 → 1 → 2" in html
    assert fresh(plan.survey).duration_days == 3
    assert not Dependency.objects.filter(successor=plan.survey).exists()


def test_finish_before_start_is_refused(world, plan, client_as):
    response = client_as("pm").post(
        edit_url(world, plan.docs), row_data(plan.docs, start="2026-12-08", finish="2026-12-02"),
        **HTMX,
    )
    assert "The finish cannot be before the start." in response.content.decode()
    assert fresh(plan.docs).start_no_earlier_than is None


def test_error_without_htmx_shows_the_whole_page_with_the_row_open(world, plan, client_as):
    response = client_as("pm").post(edit_url(world, plan.docs),
                                    row_data(plan.docs, predecessors="abc"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="plan-summary"' in html and 'class="plan-edit' in html
    assert "“abc” is not a predecessor" in html


def test_edit_link_without_htmx_opens_the_row_in_the_full_page(world, plan, client_as):
    html = client_as("pm").get(edit_url(world, plan.docs)).content.decode()
    assert 'id="plan-summary"' in html
    assert f'<tr id="task-{plan.docs.pk}" class="plan-edit' in html


def test_stale_row_is_refused(world, plan, client_as):
    data = row_data(plan.docs, duration_days=7)
    services.update_task(user=world.pm, task=plan.docs, name="Docs v2")
    response = client_as("pm").post(edit_url(world, plan.docs), data, **HTMX)
    assert "changed by someone else" in response.content.decode()
    assert fresh(plan.docs).duration_days == 1


def test_unchanged_row_saves_nothing(world, plan, client_as):
    before = fresh(plan.cabling)
    response = client_as("pm").post(edit_url(world, plan.cabling), row_data(plan.cabling),
                                    **HTMX)
    assert response.status_code == 200
    assert fresh(plan.cabling).version == before.version
    assert Dependency.objects.filter(successor=plan.cabling).count() == 1


def test_cancel_brings_back_the_read_row(world, plan, client_as):
    url = reverse("tasks:task_row", args=[world.project.pk, plan.cabling.pk])
    response = client_as("member").get(url, **HTMX)
    html = response.content.decode()
    assert html.startswith(f'<tr id="task-{plan.cabling.pk}"')
    assert ">1</td>" in html  # its predecessor, row 1


# --- Row buttons and the add form ---------------------------------------------------------------

def action(client, world, name, task, **extra):
    url = reverse(f"tasks:task_{name}", args=[world.project.pk, task.pk])
    return client.post(url, {"version": fresh(task).version, **extra}, **HTMX)


def test_indent_and_outdent(world, plan, client_as):
    client = client_as("pm")
    # Cabling has links, so Docs cannot go under it: the error comes back on the row.
    response = action(client, world, "indent", plan.docs)
    assert response["HX-Retarget"] == f"#task-{plan.docs.pk}"
    assert "has dependencies" in response.content.decode()
    assert fresh(plan.docs).parent_id is None
    services.delete_dependency(user=world.pm, dependency=Dependency.objects.get())
    action(client, world, "indent", plan.docs)
    assert fresh(plan.docs).parent_id == plan.cabling.pk
    assert fresh(plan.docs).wbs == "2.1"
    action(client, world, "outdent", plan.docs)
    assert fresh(plan.docs).parent_id is None and fresh(plan.docs).wbs == "3"


def test_move_up_and_down(world, plan, client_as):
    client = client_as("pm")
    action(client, world, "up", plan.docs)
    assert [t.name for t in Task.objects.filter(project=world.project)] == [
        "Survey", "Docs", "Cabling"]
    action(client, world, "down", plan.survey)
    assert fresh(plan.survey).wbs == "2"


def test_delete_reschedules_the_rest(world, plan, client_as):
    response = action(client_as("pm"), world, "delete", plan.survey)
    assert not Task.objects.filter(pk=plan.survey.pk).exists()
    assert fresh(plan.cabling).planned_start == date(2026, 12, 1)
    assert response.context["summary"]["finish"] == date(2026, 12, 2)


def test_add_below_and_add_child_open_the_new_row(world, plan, client_as):
    client = client_as("pm")
    response = action(client, world, "add_below", plan.survey)
    new = Task.objects.get(name="New task")
    assert new.wbs == "2" and fresh(plan.cabling).wbs == "3"
    assert f'<tr id="task-{new.pk}" class="plan-edit' in response.content.decode()
    action(client, world, "add_child", new)
    assert Task.objects.filter(parent=new).count() == 1
    assert fresh(new).is_summary


def test_add_form_creates_a_linked_task(world, plan, client_as):
    response = client_as("pm").post(
        reverse("tasks:task_add", args=[world.project.pk]),
        {"name": "Acceptance", "duration_days": "0", "predecessors": "2, 3",
         "owner": world.member.pk}, **HTMX,
    )
    html = response.content.decode()
    assert 'id="plan-add" class="card mb-3" hx-swap-oob="true"' in html
    task = Task.objects.get(name="Acceptance")
    assert task.is_milestone and task.owner == world.member
    assert task.planned_end == date(2026, 12, 7)
    assert set(task.predecessor_links.values_list("predecessor_id", flat=True)) == {
        plan.cabling.pk, plan.docs.pk}


def test_add_form_errors_keep_the_input_and_save_nothing(world, plan, client_as):
    response = client_as("pm").post(
        reverse("tasks:task_add", args=[world.project.pk]),
        {"name": "Acceptance", "duration_days": "2", "parent_row": "9", "predecessors": "1"},
        **HTMX,
    )
    html = response.content.decode()
    assert response["HX-Retarget"] == "#plan-add"
    assert "There is no row 9." in html and 'value="Acceptance"' in html
    assert not Task.objects.filter(name="Acceptance").exists()


def test_add_form_puts_a_task_under_a_row(world, plan, client_as):
    client_as("pm").post(reverse("tasks:task_add", args=[world.project.pk]),
                         {"name": "Index", "duration_days": "1", "parent_row": "3"})
    assert Task.objects.get(name="Index").parent_id == plan.docs.pk


# --- Baselines ----------------------------------------------------------------------------------

def test_baseline_then_slip_per_task_and_project(world, plan, client_as):
    client = client_as("pm")
    response = client.post(reverse("tasks:baseline_take", args=[world.project.pk]),
                           {"name": "Plan approved"})
    baseline = Baseline.objects.get()
    assert response.url == plan_url(world, baseline=baseline.pk)
    assert baseline.name == "Plan approved"

    client.post(edit_url(world, plan.survey), row_data(plan.survey, duration_days=5))
    response = client.get(plan_url(world, baseline=baseline.pk))
    slips = {r.task.name: r.slip for r in response.context["rows"]}
    assert slips == {"Survey": 2, "Cabling": 2, "Docs": 0}
    assert response.context["summary"]["baseline_slip"] == 2
    html = response.content.decode()
    assert 'class="slip-late">+2<' in html and "Slip vs #1" in html


def test_slip_is_kept_through_an_edit(world, plan, client_as):
    baseline = services.take_baseline(user=world.pm, project=world.project)
    response = client_as("pm").post(
        edit_url(world, plan.cabling),
        row_data(plan.cabling, duration_days=4, baseline=baseline.pk), **HTMX,
    )
    assert response.context["baseline"] == baseline
    assert {r.task.name: r.slip for r in response.context["rows"]}["Cabling"] == 2


def test_baseline_of_another_project_is_ignored(world, plan, client_as):
    from tests.projects.factories import ProjectFactory

    other = ProjectFactory()
    foreign = Baseline.objects.create(project=other, number=1, name="x", taken_by=world.pm)
    response = client_as("pm").get(plan_url(world, baseline=foreign.pk))
    assert response.context["baseline"] is None


# --- Queries ------------------------------------------------------------------------------------

def _seed(world, count):
    """`count` tasks in phases of five, each linked to the one before, with owners."""
    phase = None
    previous = None
    for i in range(count):
        if i % 5 == 0:
            phase = services.create_task(user=world.pm, project=world.project,
                                         name=f"Phase {i // 5}")
            previous = None
        task = services.create_task(user=world.pm, project=world.project, parent=phase,
                                    name=f"Task {i}", duration_days=2, owner=world.member)
        if previous is not None:
            services.add_dependency(user=world.pm, predecessor=previous, successor=task)
        previous = task


def _page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["pm", "member"])
def test_planning_page_queries_do_not_grow_with_the_plan(world, client_as, role):
    client = client_as(role)
    _seed(world, 10)
    baseline = services.take_baseline(user=world.pm, project=world.project)
    url = plan_url(world, baseline=baseline.pk)
    small = _page_queries(client, url)
    _seed(world, 10)
    services.take_baseline(user=world.pm, project=world.project)
    assert _page_queries(client, url) == small
