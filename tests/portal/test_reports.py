"""Published weekly reports (项目周报, P2.1a, P4.3a): the portal keeps every one as published."""
import io

from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from tasks import client as task_client
from tasks.models import PublishedReport, Task

from .test_leaks import workbook_text


def publish_again(portal, summary):
    return task_client.publish_report(user=portal.world.pm, project=portal.project,
                                      week=portal.report.week, summary=summary)


def test_the_history_lists_every_published_report_newest_first(portal, client_as):
    revised = publish_again(portal, "Revised: the survey slipped.")
    response = client_as("client").get(reverse("portal:report_list", args=[portal.project.pk]))
    assert [r.pk for r in response.context["page"].object_list] == [revised.pk, portal.report.pk]
    body = response.content.decode()
    assert "Revised: the survey slipped." in body and "A good week." in body
    assert reverse("portal:report_xlsx", args=[portal.report.pk]) in body
    assert response.context["page"].object_list[1].attachment_count == 1


def test_an_older_report_says_a_newer_one_exists(portal, client_as):
    client = client_as("client")
    latest = client.get(reverse("portal:report_detail", args=[portal.report.pk]))
    assert latest.context["is_latest"] is True
    publish_again(portal, "Revised.")
    older = client.get(reverse("portal:report_detail", args=[portal.report.pk]))
    assert older.context["is_latest"] is False
    assert "A newer report has been published since this one." in older.content.decode()


def test_a_report_stays_as_it_was_published(portal, client_as):
    Task.objects.filter(pk=portal.survey.pk).update(name="Renamed after publishing")
    client = client_as("client")
    body = client.get(reverse("portal:report_detail", args=[portal.report.pk])).content.decode()
    assert "Site survey" in body and "Renamed after publishing" not in body
    xlsx = client.get(reverse("portal:report_xlsx", args=[portal.report.pk])).content
    assert "Site survey" in workbook_text(xlsx)


def test_the_report_shows_the_pms_message_and_files(portal, client_as):
    body = client_as("client").get(
        reverse("portal:report_detail", args=[portal.report.pk])).content.decode()
    assert "A good week." in body and "minutes.pdf" in body
    assert "Message from the project manager" in body


def test_the_workbook_speaks_the_clients_language(portal, client_as):
    User.objects.filter(pk=portal.world.client.pk).update(language="zh-hans")
    response = client_as("client").get(reverse("portal:report_xlsx", args=[portal.report.pk]))
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames[0] == "摘要"
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "项目周报"
    headers = list(book.worksheets[1].iter_rows(min_row=2, max_row=2, values_only=True))[0]
    assert "计划开始" in headers and "完成度" in headers


def test_workbook_cells_never_run_as_formulas(portal, client_as):
    PublishedReport.objects.filter(pk=portal.report.pk).update(summary="=HYPERLINK(\"x\")")
    content = client_as("client").get(
        reverse("portal:report_xlsx", args=[portal.report.pk])).content
    book = load_workbook(io.BytesIO(content))
    cells = [cell for row in book["Summary"].iter_rows() for cell in row
             if cell.value == '=HYPERLINK("x")']
    assert cells and all(cell.data_type == "s" for cell in cells)
