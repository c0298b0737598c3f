"""Only what is marked client-visible reaches the client (P4.3a, DESIGN.md), field by field.

The `portal` fixture plants a marker in every internal value (SECRETS): the budget, internal
notes of the project, change request and feedback, a visible task's planned cost, estimated
hours and notes, a progress entry's hours and note, a problem kept inside, a task that is not
client-visible. Each portal page, the report's .xlsx and its JSON snapshot are scanned for
every marker, while the shared problem, its solution and the visible tasks must be there.
"""
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from .conftest import (
    SECRETS,
    SHARED_ON_HIDDEN_TASK,
    SHARED_PROBLEM,
    SHARED_SOLUTION,
    VISIBLE_NAMES,
    answered,
    find_secrets,
)
from .test_pages import page_urls


def workbook_text(content):
    book = load_workbook(io.BytesIO(content), read_only=True)
    cells = [str(value) for sheet in book.worksheets
             for row in sheet.iter_rows(values_only=True) for value in row if value is not None]
    return "\n".join([*book.sheetnames, *cells])


def test_markers_are_really_in_the_database(portal):
    """The scan is only worth something if every secret is actually stored."""
    from projects.models import ChangeRequest, Project
    from quality.models import ClientFeedback
    from tasks.models import ProgressEntry, Task

    stored = "\n".join(str(v) for v in [
        *Project.objects.values_list("budget", "internal_notes").get(pk=portal.project.pk),
        ChangeRequest.objects.get().internal_notes, ClientFeedback.objects.get().internal_notes,
        *Task.objects.values_list("planned_cost", "estimate_hours", "notes").get(
            pk=portal.survey.pk),
        *ProgressEntry.objects.values_list("hours", "note", "problems"),
        *Task.objects.values_list("name", flat=True),
    ])
    missing = [what for what in SECRETS if not what.startswith("other client")
               and what not in find_secrets(stored)]
    assert missing == []


@pytest.mark.parametrize("page", [
    "project", "report_list", "report_detail", "change_list", "change_create", "change_detail",
    "feedback_list", "feedback_create", "feedback_detail",
])
def test_no_internal_value_on_any_portal_page(portal, other_org_data, client_as, page):
    answered(portal.feedback, portal.world)
    response = client_as("client").get(page_urls(portal)[page])
    assert response.status_code == 200
    assert find_secrets(response.content.decode()) == []


def test_no_internal_value_on_the_home_page(portal, other_org_data, client_as):
    body = client_as("client").get(reverse("portal:home")).content.decode()
    assert find_secrets(body) == []


def test_project_page_and_report_show_what_was_shared(portal, client_as):
    client = client_as("client")
    for page in ("project", "report_detail"):
        body = client.get(page_urls(portal)[page]).content.decode()
        for text in (*VISIBLE_NAMES, SHARED_PROBLEM, SHARED_SOLUTION, SHARED_ON_HIDDEN_TASK):
            assert text in body, f"{text!r} missing on {page}"


def test_the_report_workbook_holds_only_the_snapshot(portal, other_org_data, client_as):
    response = client_as("client").get(reverse("portal:report_xlsx", args=[portal.report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response["Content-Disposition"].startswith("attachment")
    assert f"{portal.project.code}-weekly-report-{portal.report.week}.xlsx" in (
        response["Content-Disposition"])
    text = workbook_text(response.content)
    assert find_secrets(text) == []
    for expected in (*VISIBLE_NAMES, SHARED_PROBLEM, SHARED_SOLUTION, SHARED_ON_HIDDEN_TASK,
                     "A good week.", portal.project.name):
        assert expected in text, expected


def test_the_published_snapshot_itself_is_client_safe(portal):
    assert find_secrets(json.dumps(portal.report.content, ensure_ascii=False)) == []


def test_the_change_request_shows_its_own_cost_impact_only(portal, client_as):
    body = client_as("client").get(page_urls(portal)["change_detail"]).content.decode()
    assert "12,000.00" in body
    assert "Better availability." in body


def test_internal_columns_are_not_even_loaded(portal, client_as):
    client = client_as("client")
    response = client.get(page_urls(portal)["project"])
    assert {"budget", "internal_notes", "description"} <= (
        response.context["project"].get_deferred_fields())
    change = client.get(page_urls(portal)["change_detail"]).context["change"]
    assert "internal_notes" in change.get_deferred_fields()
    feedback = client.get(page_urls(portal)["feedback_detail"]).context["feedback"]
    assert "internal_notes" in feedback.get_deferred_fields()
    for row in client.get(page_urls(portal)["change_list"]).context["page"].object_list:
        assert "internal_notes" in row.get_deferred_fields()
    for row in client.get(page_urls(portal)["feedback_list"]).context["page"].object_list:
        assert "internal_notes" in row.get_deferred_fields()
    stage = client.get(page_urls(portal)["project"]).context["stages"][1]
    assert {"planned_cost", "estimate_hours", "notes"} <= stage.get_deferred_fields()


def test_what_staff_wrote_to_each_other_when_assigning_feedback_stays_inside(
    portal, client_as,
):
    answered(portal.feedback, portal.world)
    body = client_as("client").get(page_urls(portal)["feedback_detail"]).content.decode()
    assert "ASSIGN-NOTE-please-hurry" not in body
    assert "We tidied the racks on Friday." in body


def test_the_scan_finds_internal_values_where_they_belong(portal, client_as):
    """The same scan on the pm's internal project page finds the budget and notes."""
    body = client_as("pm").get(reverse("projects:detail", args=[portal.project.pk]))
    assert {"project budget", "project internal notes"} <= set(
        find_secrets(body.content.decode()))
