"""Change-request pages inside the company (P4.3b): who may open and act, the workflow end to
end through the pages, form errors, conflicts, and queries that do not grow with rows."""
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects import services
from projects.models import ChangeRequest, Project
from tasks import services as plan
from tasks.models import Baseline
from tests.conftest import ROLES
from tests.projects.test_views_permissions import table
from tests.projects.test_views_queries import queries_for

VIEWERS = {"admin", "management", "supervisor", "pm", "assistant", "member", "qa", "finance",
           "observer"}
DECIDERS = {"admin", "management", "pm"}
PLANNERS = {"admin", "pm"}


def submit(world, title="Add a second uplink", user=None):
    return services.submit_change_request(
        user=user or world.client, project=world.project, title=title,
        description="A redundant uplink to the core.", reason="Avoid single point of failure.",
    )


def assess(world, cr, days=3, cost="12000.00"):
    return services.assess_change_request(
        user=world.pm, change_request=cr, schedule_impact_days=days,
        cost_impact=Decimal(cost), quality_impact="None expected.",
    )


@pytest.fixture
def change(world):
    return submit(world)


@pytest.fixture
def assessed(world, change):
    return assess(world, change)


@pytest.fixture
def approved(world, assessed):
    return services.approve_change_request(user=world.management, change_request=assessed)


def url(name, cr, *extra):
    return reverse(f"projects:{name}", args=[cr.project_id, cr.pk, *extra])


# --- Who opens the pages ----------------------------------------------------------------------

PAGES = {
    "change_list": table(ok=VIEWERS),
    "change_create": table(ok=PLANNERS, forbidden=VIEWERS - PLANNERS),
    "change_detail": table(ok=VIEWERS),
}
CASES = [(page, role, expected[role]) for page, expected in PAGES.items() for role in ROLES]


@pytest.mark.parametrize(("page", "role", "expected"), CASES,
                         ids=[f"{page}-{role}" for page, role, _e in CASES])
def test_page_status_by_role(world, change, client_as, page, role, expected):
    target = {
        "change_list": reverse("projects:change_list", args=[world.project.pk]),
        "change_create": reverse("projects:change_create", args=[world.project.pk]),
        "change_detail": change.get_absolute_url(),
    }[page]
    response = client_as(role).get(target)
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected


def test_change_of_another_project_is_404(world, change, client_as):
    from tests.projects.factories import MembershipFactory, ProjectFactory

    other = ProjectFactory()
    MembershipFactory(project=other, user=world.pm, role="pm")
    response = client_as("pm").get(reverse("projects:change_detail", args=[other.pk, change.pk]))
    assert response.status_code == 404


# --- Acting: role × step --------------------------------------------------------------------

def expected_for(allowed):
    """POST status by role: 302 for those allowed, 403 for other viewers, 404 otherwise."""
    return [(role, 302 if role in allowed else 403 if role in VIEWERS else
             "login" if role == "anonymous" else 404) for role in ROLES]


def check(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(("role", "expected"), expected_for(PLANNERS))
def test_filing_a_change_by_role(world, client_as, role, expected):
    response = client_as(role).post(
        reverse("projects:change_create", args=[world.project.pk]),
        {"title": "Extra floor", "description": "Cable floor 5 too.", "reason": "New office."},
    )
    check(response, expected)
    assert ChangeRequest.objects.filter(title="Extra floor").exists() == (expected == 302)


@pytest.mark.parametrize(("role", "expected"), expected_for(PLANNERS))
def test_assessing_by_role(world, change, client_as, role, expected):
    response = client_as(role).post(url("change_assess", change), {
        "schedule_impact_days": "4", "cost_impact": "8000", "quality_impact": "None.",
    })
    check(response, expected)
    change.refresh_from_db()
    assert (change.status == "assessed") == (expected == 302)


@pytest.mark.parametrize(("role", "expected"), expected_for(DECIDERS))
def test_approving_by_role(world, assessed, client_as, role, expected):
    response = client_as(role).post(url("change_approve", assessed), {"comment": "Go ahead."})
    check(response, expected)
    assessed.refresh_from_db()
    assert (assessed.status == "approved") == (expected == 302)


@pytest.mark.parametrize(("role", "expected"), expected_for(DECIDERS))
def test_rejecting_by_role(world, assessed, client_as, role, expected):
    response = client_as(role).post(url("change_reject", assessed), {"comment": "Too costly."})
    check(response, expected)
    assessed.refresh_from_db()
    assert (assessed.status == "rejected") == (expected == 302)


@pytest.mark.parametrize(("role", "expected"), expected_for(PLANNERS))
def test_implementing_by_role(world, approved, client_as, role, expected):
    response = client_as(role).post(url("change_implement", approved), {"comment": "Done."})
    check(response, expected)
    approved.refresh_from_db()
    assert (approved.status == "implemented") == (expected == 302)


@pytest.mark.parametrize(("role", "expected"), expected_for(PLANNERS))
def test_editing_internal_notes_by_role(world, change, client_as, role, expected):
    response = client_as(role).post(url("change_notes", change),
                                    {"internal_notes": "Margin is thin."})
    check(response, expected)
    change.refresh_from_db()
    assert (change.internal_notes == "Margin is thin.") == (expected == 302)


@pytest.mark.parametrize("role", ["client", "other_client"])
def test_clients_cannot_reach_internal_actions(world, change, client_as, role):
    response = client_as(role).post(url("change_assess", change), {
        "schedule_impact_days": "1", "cost_impact": "1", "quality_impact": "x"})
    assert response.status_code == 404


# --- The forms show each step by permission --------------------------------------------------

def test_detail_offers_each_role_only_its_steps(world, assessed, client_as):
    pm = client_as("pm").get(assessed.get_absolute_url()).context
    assert pm["can_assess"] and pm["can_decide"] and pm["can_edit_notes"]
    boss = client_as("management").get(assessed.get_absolute_url()).context
    assert boss["can_decide"] and not boss["can_assess"] and not boss["can_edit_notes"]
    member = client_as("member").get(assessed.get_absolute_url())
    assert not (member.context["can_decide"] or member.context["can_assess"])
    assert 'id="decision"' not in member.text


# --- Bad input: errors beside the fields, nothing saved --------------------------------------

def test_filing_without_a_title_shows_errors(world, client_as):
    response = client_as("pm").post(reverse("projects:change_create", args=[world.project.pk]),
                                    {"title": "", "description": "Something", "reason": ""})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"title", "reason"}
    assert "Something" in response.text
    assert not ChangeRequest.objects.exists()


def test_a_bad_attachment_is_refused_and_nothing_is_filed(world, client_as):
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client_as("pm").post(
        reverse("projects:change_create", args=[world.project.pk]),
        {"title": "Extra floor", "description": "d", "reason": "r", "attachments": [fake]},
    )
    assert response.status_code == 200
    assert "attachments" in response.context["form"].errors
    assert not ChangeRequest.objects.exists()


def test_filing_with_attachments_lists_them(world, client_as):
    pdf = SimpleUploadedFile("drawing.pdf", b"%PDF-1.4 drawing", content_type="application/pdf")
    note = SimpleUploadedFile("note.txt", "二层走线".encode(), content_type="text/plain")
    response = client_as("pm").post(
        reverse("projects:change_create", args=[world.project.pk]),
        {"title": "Extra floor", "description": "d", "reason": "r", "attachments": [pdf, note]},
    )
    cr = ChangeRequest.objects.get(title="Extra floor")
    assert response.url == cr.get_absolute_url()
    assert cr.requested_by == world.pm
    page = client_as("member").get(cr.get_absolute_url())
    assert [a.name for a in page.context["attachments"]] == ["drawing.pdf", "note.txt"]
    assert "drawing.pdf" in page.text


def test_an_assessment_needs_every_impact(world, change, client_as):
    response = client_as("pm").post(url("change_assess", change), {
        "schedule_impact_days": "", "cost_impact": "abc", "quality_impact": "",
        "comment": "Keep me",
    })
    assert response.status_code == 200
    form = response.context["assess_form"]
    assert set(form.errors) == {"schedule_impact_days", "cost_impact", "quality_impact"}
    assert "Keep me" in response.text
    change.refresh_from_db()
    assert change.status == "submitted"


def test_rejecting_needs_reasons(world, assessed, client_as):
    response = client_as("management").post(url("change_reject", assessed), {"comment": " "})
    assert response.status_code == 200
    assert "comment" in response.context["decision_form"].errors
    assessed.refresh_from_db()
    assert assessed.status == "assessed"


def test_implementing_with_a_task_of_another_project_is_refused(world, approved, client_as):
    from tests.tasks.factories import TaskFactory

    foreign = TaskFactory()
    response = client_as("pm").post(url("change_implement", approved),
                                    {"changed_tasks": [foreign.pk]})
    assert response.status_code == 200
    assert "changed_tasks" in response.context["implement_form"].errors
    approved.refresh_from_db()
    assert approved.status == "approved"
    assert not Baseline.objects.filter(project=world.project).exists()


# --- Conflicts are messages, not errors ------------------------------------------------------

def test_a_step_that_no_longer_fits_is_a_message(world, assessed, client_as):
    services.approve_change_request(user=world.management, change_request=assessed)
    response = client_as("pm").post(url("change_reject", assessed), {"comment": "No."},
                                    follow=True)
    assert response.status_code == 200
    assert any("cannot become" in str(m) for m in response.context["messages"])
    assessed.refresh_from_db()
    assert assessed.status == "approved"


def test_a_stale_version_keeps_what_was_typed(world, change, client_as):
    page = client_as("pm").get(change.get_absolute_url())
    version = page.context["notes_form"].initial["version"]
    services.update_change_notes(user=world.pm, change_request=change, internal_notes="First")
    response = client_as("pm").post(url("change_notes", change),
                                    {"internal_notes": "Second", "version": version})
    assert response.status_code == 200
    assert "Second" in response.text
    assert any("changed this change request" in str(m) for m in response.context["messages"])
    change.refresh_from_db()
    assert change.internal_notes == "First"
    resent = client_as("pm").post(url("change_notes", change), {
        "internal_notes": "Second",
        "version": response.context["notes_form"].data["version"]})
    assert resent.status_code == 302
    change.refresh_from_db()
    assert change.internal_notes == "Second"


def test_a_closed_project_takes_no_new_changes(world, client_as):
    Project.objects.filter(pk=world.project.pk).update(status=Project.Status.CLOSED)
    page = client_as("pm").get(reverse("projects:change_list", args=[world.project.pk]))
    assert not page.context["can_create"]
    response = client_as("pm").post(reverse("projects:change_create", args=[world.project.pk]),
                                    {"title": "Late", "description": "d", "reason": "r"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not ChangeRequest.objects.exists()


# --- The whole workflow through the pages ----------------------------------------------------

def test_change_request_end_to_end(world, client_as):
    project = world.project
    survey = plan.create_task(user=world.pm, project=project, name="Survey", duration_days=3)
    cabling = plan.create_task(user=world.pm, project=project, name="Cabling", duration_days=5)
    plan.add_dependency(user=world.pm, predecessor=survey, successor=cabling)
    first = plan.take_baseline(user=world.pm, project=project, name="Plan approved")

    cr = submit(world)  # the client files it in the portal
    pm, boss = client_as("pm"), client_as("management")

    listed = pm.get(reverse("projects:change_list", args=[project.pk]))
    assert cr in list(listed.context["page"])

    detail = pm.get(cr.get_absolute_url())
    assert detail.context["can_assess"] and not detail.context["can_decide"]
    response = pm.post(url("change_assess", cr), {
        "schedule_impact_days": "2", "cost_impact": "15000.50",
        "quality_impact": "Extra testing of the failover.", "comment": "Feasible.",
        "version": detail.context["assess_form"].initial["version"],
    })
    assert response.status_code == 302
    cr.refresh_from_db()
    assert (cr.status, cr.schedule_impact_days, cr.cost_impact, cr.assessed_by) == (
        "assessed", 2, Decimal("15000.50"), world.pm)

    inbox = boss.get(reverse("projects:approvals"))
    assert cr in list(inbox.context["changes"])
    assert cr.title in inbox.text

    detail = boss.get(cr.get_absolute_url())
    response = boss.post(url("change_approve", cr), {
        "comment": "Approved within budget.",
        "version": detail.context["decision_form"].initial["version"],
    })
    assert response.status_code == 302
    cr.refresh_from_db()
    assert (cr.status, cr.decided_by, cr.decision_reason) == (
        "approved", world.management, "Approved within budget.")
    assert cr not in list(boss.get(reverse("projects:approvals")).context["changes"])

    # The pm changes the plan, then records the implementation.
    plan.update_task(user=world.pm, task=cabling, duration_days=7)
    uplink = plan.create_task(user=world.pm, project=project, name="Second uplink",
                              duration_days=1)
    detail = pm.get(cr.get_absolute_url())
    assert detail.context["can_implement"]
    response = pm.post(url("change_implement", cr), {
        "changed_tasks": [cabling.pk, uplink.pk], "comment": "Cabling extended.",
        "version": detail.context["implement_form"].initial["version"],
    })
    assert response.status_code == 302
    cr.refresh_from_db()
    assert cr.status == "implemented"
    assert cr.previous_baseline == first
    new = Baseline.objects.get(project=project, number=2)
    assert cr.baseline == new
    assert set(cr.changed_tasks.all()) == {cabling, uplink}

    page = pm.get(cr.get_absolute_url())
    changes = {c.task.name: c for c in page.context["plan_changes"]}
    assert set(changes) == {"Cabling", "Second uplink"}
    assert changes["Second uplink"].added
    assert changes["Cabling"].slip == 2
    assert page.context["finish_slip"] == 2
    assert f"?baseline={new.pk}" in page.text
    steps = [(t.from_status, t.to_status) for t in page.context["transitions"]]
    assert steps == [("", "submitted"), ("submitted", "assessed"), ("assessed", "approved"),
                     ("approved", "implemented")]


def test_every_step_notifies_the_client(world, client_as, django_capture_on_commit_callbacks):
    from notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        cr = submit(world)
    pm = client_as("pm")
    with django_capture_on_commit_callbacks(execute=True):
        pm.post(url("change_assess", cr), {"schedule_impact_days": "0", "cost_impact": "0",
                                           "quality_impact": "None."})
    with django_capture_on_commit_callbacks(execute=True):
        client_as("management").post(url("change_reject", cr), {"comment": "Out of scope."})
    told = Notification.objects.filter(recipient=world.client, kind="change_request")
    assert told.count() == 2
    assert all(n.url == cr.get_portal_url() for n in told)


# --- Status filter and the header tab --------------------------------------------------------

def test_list_filters_by_status(world, client_as):
    first = submit(world, title="First")
    second = assess(world, submit(world, title="Second"))
    rejected = services.reject_change_request(
        user=world.pm, change_request=assess(world, submit(world, title="Third")),
        comment="No.")
    base = reverse("projects:change_list", args=[world.project.pk])
    pm = client_as("pm")
    assert set(pm.get(base).context["page"]) == {first, second}
    assert list(pm.get(base + "?status=assessed").context["page"]) == [second]
    assert list(pm.get(base + "?status=rejected").context["page"]) == [rejected]
    assert len(pm.get(base + "?status=all").context["page"]) == 3
    assert len(pm.get(base + "?status=bogus").context["page"]) == 2
    tabs = {value: count for value, _label, count in pm.get(base).context["tabs"]}
    assert (tabs["open"], tabs["rejected"], tabs["all"]) == (2, 1, 3)


def test_project_tabs_link_changes_and_feedback(world, client_as):
    page = client_as("member").get(reverse("projects:detail", args=[world.project.pk]))
    assert reverse("projects:change_list", args=[world.project.pk]) in page.text
    assert reverse("quality:feedback_list", args=[world.project.pk]) in page.text


# --- Queries -----------------------------------------------------------------------------------

def assert_constant(client, url, add):
    """The same number of queries with 1 row and with 5 (after a first, warming request)."""
    add(1)
    client.get(url)
    one = queries_for(client, url)
    add(4)
    five = queries_for(client, url)
    assert one == five, f"{url}: {one} queries with 1 row, {five} with 5"


def test_change_list_queries_do_not_grow(world, client_as):
    count = iter(range(1000))

    def add(n):
        for _ in range(n):
            assess(world, submit(world, title=f"Change {next(count)}"))

    assert_constant(client_as("pm"), reverse("projects:change_list", args=[world.project.pk])
                    + "?status=all", add)
    assert_constant(client_as("management"), reverse("projects:approvals"), add)


# --- Django admin -------------------------------------------------------------------------------

def test_admin_files_through_the_service_and_edits_only_notes(world, client):
    client.force_login(world.admin)
    add = reverse("admin:projects_changerequest_add")
    assert client.get(add).status_code == 200
    response = client.post(add, {
        "project": world.project.pk, "title": "From the admin", "description": "D",
        "reason": "R", "transitions-TOTAL_FORMS": "0", "transitions-INITIAL_FORMS": "0"})
    assert response.status_code == 302
    cr = ChangeRequest.objects.get()
    assert (cr.requested_by, cr.status, cr.transitions.count()) == (world.admin, "submitted", 1)
    change = reverse("admin:projects_changerequest_change", args=[cr.pk])
    step = cr.transitions.get()
    response = client.post(change, {
        "internal_notes": "Noted", "status": "approved", "title": "Renamed",
        "transitions-TOTAL_FORMS": "1", "transitions-INITIAL_FORMS": "1",
        "transitions-0-id": step.pk, "transitions-0-change_request": cr.pk})
    assert response.status_code == 302
    cr.refresh_from_db()
    assert (cr.internal_notes, cr.status, cr.title) == ("Noted", "submitted", "From the admin")
    assert cr.transitions.count() == 1


def test_admin_refuses_a_change_on_a_closed_project(world, client):
    Project.objects.filter(pk=world.project.pk).update(status=Project.Status.CLOSED)
    client.force_login(world.admin)
    response = client.post(reverse("admin:projects_changerequest_add"), {
        "project": world.project.pk, "title": "Late", "description": "D", "reason": "R",
        "transitions-TOTAL_FORMS": "0", "transitions-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    assert not ChangeRequest.objects.exists()


def test_without_an_earlier_baseline_there_is_nothing_to_compare(world, approved, client_as):
    plan.create_task(user=world.pm, project=world.project, name="Survey", duration_days=3)
    client_as("pm").post(url("change_implement", approved), {"comment": "Planned."})
    page = client_as("pm").get(approved.get_absolute_url())
    assert page.context["cr"].baseline is not None
    assert page.context["plan_changes"] == []
    assert "no baseline before this change" in page.text
