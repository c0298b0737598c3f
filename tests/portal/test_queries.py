"""Portal pages read a fixed number of queries, however many rows they show (STYLE.md)."""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import services as project_services
from quality import services as quality_services
from tasks import client as task_client
from tasks import progress
from tasks import services as task_services

from .conftest import pdf


def count_queries(client, url):
    client.get(url)  # warm caches (content types, calendar) as a running site has them
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def add_rows(portal, n):
    world, project = portal.world, portal.project
    for i in range(n):
        change = project_services.submit_change_request(
            user=world.client, project=project, title=f"Change {i}", description="d",
            reason="r", attachments=[pdf()])
        project_services.assess_change_request(
            user=world.pm, change_request=change, schedule_impact_days=i, cost_impact=i,
            quality_impact="None.")
        quality_services.submit_feedback(user=world.client, project=project, kind="enquiry",
                                         subject=f"Question {i}", body="b",
                                         attachments=[pdf()])
        task_client.publish_report(user=world.pm, project=project, week=portal.report.week,
                                   summary=f"Revision {i}", attachments=[pdf()])
        task_services.create_task(user=world.pm, project=project, name=f"Milestone {i}",
                                  duration_days=0, client_visible=True)
        task_services.create_task(user=world.pm, project=project, name=f"Stage {i}",
                                  duration_days=3, client_visible=True)
        entry = progress.record_progress(user=world.pm, task=portal.survey,
                                         percent_complete=50 + i, problems=f"Problem {i}")
        task_client.share_problem(user=world.pm, entry=entry, shared=True,
                                  solution=f"Solution {i}")


def test_portal_pages_do_not_grow_in_queries_with_rows(portal, client_as):
    client = client_as("client")
    project = portal.project.pk
    urls = {
        "home": reverse("portal:home"),
        "project": reverse("portal:project", args=[project]),
        "report_list": reverse("portal:report_list", args=[project]),
        "change_list": reverse("portal:change_list", args=[project]),
        "feedback_list": reverse("portal:feedback_list", args=[project]),
        "report_detail": reverse("portal:report_detail", args=[portal.report.pk]),
        "change_detail": reverse("portal:change_detail", args=[portal.change.pk]),
        "feedback_detail": reverse("portal:feedback_detail", args=[portal.feedback.pk]),
    }
    with_one = {name: count_queries(client, url) for name, url in urls.items()}
    add_rows(portal, 4)
    with_five = {name: count_queries(client, url) for name, url in urls.items()}
    assert with_five == with_one
    # The project page really shows the added rows (else the comparison proves nothing).
    response = client.get(urls["project"])
    assert len(response.context["milestones"]) == 5
    assert len(response.context["change_requests"]) == 5
    assert len(response.context["feedback"]) == 5
    assert response.context["report_count"] == 5
    assert len(response.context["open_problems"]) == 6


def test_the_project_page_needs_few_queries(portal, client_as):
    client = client_as("client")
    url = reverse("portal:project", args=[portal.project.pk])
    # 20, and 3 for the week-by-week curve (leaf tasks, baseline rows, progress entries).
    assert count_queries(client, url) <= 23
