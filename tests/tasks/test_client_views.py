"""What the company tells the client (P2.1a, P4.3a): publishing the weekly report from the status
report page, and choosing which reported problems the client sees, with their solutions."""
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tasks import client as client_side
from tasks import progress
from tasks import services as plan
from tasks.models import ProgressEntry, PublishedReport, Task
from tests.conftest import ROLES
from tests.projects.test_views_permissions import table

VIEWERS = {"admin", "management", "supervisor", "pm", "assistant", "member", "qa", "finance",
           "observer"}
REPORTERS = {"admin", "pm", "assistant"}


def this_week():
    return progress.week_of(timezone.localdate())


@pytest.fixture
def site(world):
    """A phase and a milestone the client sees; an internal task with an open problem."""
    project = world.project
    project.planned_start = timezone.localdate()
    project.save()
    stage = plan.create_task(user=world.pm, project=project, name="Core network stage",
                             client_visible=True)
    cabling = plan.create_task(user=world.pm, project=project, parent=stage,
                               name="Cabling works", duration_days=3, owner=world.member)
    plan.create_task(user=world.pm, project=project, name="Go-live milestone",
                     duration_days=0, client_visible=True)
    secret = plan.create_task(user=world.pm, project=project, name="Secret vendor haggling",
                              duration_days=2, owner=world.member)
    plan.take_baseline(user=world.pm, project=project, name="Plan approved")
    problem = progress.record_progress(user=world.member, task=Task.objects.get(pk=cabling.pk),
                                       percent_complete=20, problems="Conduit blocked")
    hidden = progress.record_progress(user=world.member, task=Task.objects.get(pk=secret.pk),
                                      percent_complete=10, problems="Vendor wants more money")
    plain = progress.record_progress(user=world.member, task=Task.objects.get(pk=cabling.pk),
                                     percent_complete=30, note="Going well")
    return type("Site", (), {
        "project": project, "cabling": Task.objects.get(pk=cabling.pk),
        "secret": Task.objects.get(pk=secret.pk), "problem": problem, "hidden": hidden,
        "plain": plain,
    })


def check(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected


def expected_for(allowed):
    return [(role, 302 if role in allowed else 403 if role in VIEWERS else
             "login" if role == "anonymous" else 404) for role in ROLES]


def publish_url(project, week=None):
    return reverse("tasks:report_publish", args=[project.pk]) + f"?week={week or this_week()}"


# --- Who opens the pages ----------------------------------------------------------------------

PAGES = {
    "publish": table(ok=VIEWERS),
    "publications": table(ok=VIEWERS),
    "published": table(ok=VIEWERS),
    "task": table(ok=VIEWERS),
}
CASES = [(page, role, expected[role]) for page, expected in PAGES.items() for role in ROLES]


@pytest.mark.parametrize(("page", "role", "expected"), CASES,
                         ids=[f"{page}-{role}" for page, role, _e in CASES])
def test_page_status_by_role(world, site, client_as, page, role, expected):
    report = client_side.publish_report(user=world.pm, project=site.project, week=this_week())
    target = {
        "publish": publish_url(site.project),
        "publications": reverse("tasks:report_publications", args=[site.project.pk]),
        "published": reverse("tasks:published_report", args=[site.project.pk, report.pk]),
        "task": reverse("tasks:task_detail", args=[site.project.pk, site.cabling.pk]),
    }[page]
    check(client_as(role).get(target), expected)


# --- Publishing -------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), expected_for(REPORTERS))
def test_publishing_by_role(world, site, client_as, role, expected):
    response = client_as(role).post(publish_url(site.project),
                                    {"week": this_week(), "summary": "On track."})
    check(response, expected)
    assert PublishedReport.objects.filter(project=site.project).exists() == (expected == 302)


def test_publish_form_is_offered_to_pm_and_assistant_only(world, site, client_as):
    for role in ("pm", "assistant"):
        page = client_as(role).get(publish_url(site.project))
        assert page.context["form"] is not None and page.context["may_publish"]
        panel = client_as(role).get(reverse("tasks:report_publications", args=[site.project.pk]))
        assert "Publish to client" in panel.text
    for role in ("member", "management"):
        page = client_as(role).get(publish_url(site.project))
        assert page.context["form"] is None
        panel = client_as(role).get(reverse("tasks:report_publications", args=[site.project.pk]))
        assert "Publish to client" not in panel.text


def test_published_report_holds_only_what_the_client_may_see(world, site, client_as):
    client_side.share_problem(user=world.pm, entry=site.problem, shared=True,
                              solution="Rerouted through the riser.")
    preview = client_as("pm").get(publish_url(site.project))
    assert "Core network stage" in preview.text and "Go-live milestone" in preview.text
    assert "Rerouted through the riser." in preview.text
    assert "Secret vendor haggling" not in preview.text
    assert "Vendor wants more money" not in preview.text

    pdf = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")
    response = client_as("assistant").post(publish_url(site.project), {
        "week": this_week(), "summary": "Cabling started.", "attachments": [pdf]})
    assert response.status_code == 302
    report = PublishedReport.objects.get(project=site.project)
    assert (report.week, report.summary, report.published_by) == (
        this_week(), "Cabling started.", world.assistant)
    content = json.dumps(report.content, ensure_ascii=False)
    assert "Core network stage" in content
    assert "Secret vendor haggling" not in content
    assert "Vendor wants more money" not in content
    assert "Conduit blocked" in content

    history = client_as("member").get(publish_url(site.project))
    assert [r.pk for r in history.context["history"]] == [report.pk]
    assert history.context["history"][0].attachment_count == 1
    detail = client_as("member").get(
        reverse("tasks:published_report", args=[site.project.pk, report.pk]))
    assert "Cabling started." in detail.text and "minutes.pdf" in detail.text
    assert "Secret vendor haggling" not in detail.text


def test_publishing_notifies_the_client(world, site, client_as,
                                        django_capture_on_commit_callbacks):
    from notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        client_as("pm").post(publish_url(site.project), {"week": this_week()})
    report = PublishedReport.objects.get()
    note = Notification.objects.get(recipient=world.client, kind="status_report")
    assert note.url == report.get_portal_url()


def test_a_future_week_cannot_be_published(world, site, client_as):
    future = progress.week_of(timezone.localdate() + timedelta(days=14))
    page = client_as("pm").get(publish_url(site.project, future))
    assert page.context["is_future"]
    response = client_as("pm").post(publish_url(site.project, future),
                                    {"week": future, "summary": "Too early"})
    assert response.status_code == 200
    assert "week" in response.context["form"].errors
    assert not PublishedReport.objects.exists()


def test_a_bad_attachment_publishes_nothing(world, site, client_as):
    fake = SimpleUploadedFile("report.pdf", b"not a pdf", content_type="application/pdf")
    response = client_as("pm").post(publish_url(site.project),
                                    {"week": this_week(), "summary": "Keep me",
                                     "attachments": [fake]})
    assert response.status_code == 200
    assert "attachments" in response.context["form"].errors
    assert "Keep me" in response.text
    assert not PublishedReport.objects.exists()


def test_a_project_without_client_has_no_one_to_publish_to(world, site, client_as):
    type(site.project).objects.filter(pk=site.project.pk).update(client_organization=None)
    page = client_as("pm").get(publish_url(site.project))
    assert page.context["form"] is None
    response = client_as("pm").post(publish_url(site.project), {"week": this_week()},
                                    follow=True)
    assert any("no client" in str(m) for m in response.context["messages"])
    assert not PublishedReport.objects.exists()


def test_status_report_page_links_the_publications(world, site, client_as):
    page = client_as("member").get(reverse("tasks:status_report", args=[site.project.pk]))
    assert reverse("tasks:report_publications", args=[site.project.pk]) in page.text
    assert reverse("tasks:report_publish", args=[site.project.pk]) in page.text


def test_publish_page_queries_do_not_grow(world, site, client_as):
    from tests.projects.test_views_queries import queries_for

    url = publish_url(site.project)
    client = client_as("pm")
    client_side.publish_report(user=world.pm, project=site.project, week=this_week())
    client.get(url)
    one = queries_for(client, url)
    for _ in range(4):
        client_side.publish_report(user=world.pm, project=site.project, week=this_week())
    assert queries_for(client, url) == one


# --- Problems reported to the client ----------------------------------------------------------

def share_url(site, entry):
    return reverse("tasks:problem_share", args=[site.project.pk, entry.task_id, entry.pk])


@pytest.mark.parametrize(("role", "expected"), expected_for(REPORTERS))
def test_sharing_a_problem_by_role(world, site, client_as, role, expected):
    response = client_as(role).post(share_url(site, site.problem),
                                    {"shared": "on", "solution": "Rerouted."})
    check(response, expected)
    site.problem.refresh_from_db()
    assert site.problem.shared_with_client == (expected == 302)
    assert (site.problem.solution == "Rerouted.") == (expected == 302)


def test_sharing_toggles_and_keeps_the_solution(world, site, client_as):
    pm = client_as("pm")
    response = pm.post(share_url(site, site.problem), {"shared": "on", "solution": "Rerouted."},
                       HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-shared="1"' in response.text and "Saved" in response.text
    site.problem.refresh_from_db()
    assert site.problem.shared_with_client
    assert list(client_side.client_problems(project=site.project)) == [site.problem]

    response = pm.post(share_url(site, site.problem), {"solution": "Rerouted via riser."})
    assert response.status_code == 302
    site.problem.refresh_from_db()
    assert not site.problem.shared_with_client
    assert site.problem.solution == "Rerouted via riser."
    assert list(client_side.client_problems(project=site.project)) == []


def test_an_entry_without_a_problem_cannot_be_shared(world, site, client_as):
    response = client_as("pm").post(share_url(site, site.plain), {"shared": "on"},
                                    HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    site.plain.refresh_from_db()
    assert not site.plain.shared_with_client
    assert "no problem to share" in response.text


def test_an_entry_of_another_task_is_404(world, site, client_as):
    wrong = reverse("tasks:problem_share",
                    args=[site.project.pk, site.secret.pk, site.problem.pk])
    assert client_as("pm").post(wrong, {"shared": "on"}).status_code == 404


def test_task_page_offers_sharing_to_pm_only(world, site, client_as):
    task_url = reverse("tasks:task_detail", args=[site.project.pk, site.cabling.pk])
    pm = client_as("pm").get(task_url)
    assert share_url(site, site.problem) in pm.text
    assert share_url(site, site.plain) not in pm.text  # no problem, nothing to share
    assert reverse("tasks:problem_solve", args=[site.project.pk, site.cabling.pk]) in pm.text
    member = client_as("member").get(task_url)
    assert "Conduit blocked" in member.text
    assert share_url(site, site.problem) not in member.text


@pytest.mark.parametrize(("role", "expected"), expected_for(REPORTERS))
def test_solving_problems_with_a_solution_by_role(world, site, client_as, role, expected):
    response = client_as(role).post(
        reverse("tasks:problem_solve", args=[site.project.pk, site.cabling.pk]),
        {"solution": "Rerouted through the riser.", "version": site.cabling.version})
    check(response, expected)
    site.problem.refresh_from_db()
    solved = expected == 302
    assert (site.problem.problem_resolved_at is not None) == solved
    assert (site.problem.solution == "Rerouted through the riser.") == solved
    assert Task.objects.get(pk=site.cabling.pk).has_open_problem != solved


def test_solving_on_a_stale_task_is_a_message(world, site, client_as):
    stale = site.cabling.version
    progress.record_progress(user=world.member, task=site.cabling, percent_complete=40,
                             problems="Another blockage")
    response = client_as("pm").post(
        reverse("tasks:problem_solve", args=[site.project.pk, site.cabling.pk]),
        {"solution": "x", "version": stale}, follow=True)
    assert any("meanwhile" in str(m) for m in response.context["messages"])
    assert ProgressEntry.objects.filter(task=site.cabling, problem_resolved_at__isnull=True,
                                        problems__gt="").count() == 2


def test_admin_lists_published_reports_read_only(world, site, client):
    report = client_side.publish_report(user=world.pm, project=site.project, week=this_week())
    client.force_login(world.admin)
    assert client.get(reverse("admin:tasks_publishedreport_changelist")).status_code == 200
    change = reverse("admin:tasks_publishedreport_change", args=[report.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"summary": "Rewritten"}).status_code == 403
    assert client.get(reverse("admin:tasks_publishedreport_add")).status_code == 403
