"""The weekly status report (项目周报, P2.1a, P4.3a) on a small hand-made project."""
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Project
from tasks import progress, reports, services
from tasks.models import Task
from tasks.scheduling import WorkCalendar

# Monday–Friday calendar. The project starts Monday 2026-11-02 (week 45); the report is of
# week 46 (Mon 9 – Sun 15 November), read on Friday the 20th.
WEEK = "2026-W46"
READ_ON = date(2026, 11, 20)


@pytest.fixture
def site(world):
    """Survey 3d → Design 5d → Cabling 10d is the critical path (2 – 25 November);
    Permits 2d (2 – 3 Nov) is never started; Docs 2d waits for Monday the 16th."""
    project = world.project
    project.planned_start = date(2026, 11, 2)
    project.status = Project.Status.EXECUTING
    project.save()

    def add(name, days, **fields):
        return services.create_task(user=world.pm, project=project, name=name,
                                    duration_days=days, owner=world.member, **fields)

    survey, design, cabling = add("Survey", 3), add("Design", 5), add("Cabling", 10)
    add("Permits", 2)
    add("Docs", 2, start_no_earlier_than=date(2026, 11, 16))
    services.add_dependency(user=world.pm, predecessor=survey, successor=design)
    services.add_dependency(user=world.pm, predecessor=design, successor=cabling)
    services.take_baseline(user=world.pm, project=project, name="Plan approved")

    def report(task, percent, day, **fields):
        progress.record_progress(user=world.member, task=Task.objects.get(pk=task.pk),
                                 percent_complete=percent, date=day, **fields)

    report(survey, 100, date(2026, 11, 4), hours=6)              # week 45
    report(design, 100, date(2026, 11, 10), hours=4)             # done in week 46
    report(cabling, 30, date(2026, 11, 13), hours=8, problems="Conduit blocked on floor 2")
    report(cabling, 60, date(2026, 11, 18), hours=5)             # week 47: not in the report
    tasks = {t.name: t for t in Task.objects.filter(project=project)}
    return type("Site", (), {"project": project, **tasks})


def names(tasks):
    return [t.name for t in tasks]


def test_the_schedule_is_as_the_report_expects(site):
    assert (site.Cabling.planned_start, site.Cabling.planned_end) == (
        date(2026, 11, 12), date(2026, 11, 25))
    assert site.Docs.planned_start == date(2026, 11, 16)
    assert site.Cabling.is_critical and not site.Docs.is_critical


def test_report_sections(site):
    report = reports.build_status_report(project=site.project, week=WEEK, today=READ_ON)
    assert (report.monday, report.sunday, report.report_date) == (
        date(2026, 11, 9), date(2026, 11, 15), date(2026, 11, 15))
    assert names(report.done) == ["Design"]
    assert names(report.next_week) == ["Cabling", "Docs"]
    assert names(report.overdue) == ["Permits"]
    # Tuesday 3 Nov was its planned finish: 4, 5, 6, 9, 10, 11, 12, 13 November late.
    assert report.overdue[0].days_late == 8
    assert [(t.name, t.total_float) for t in report.critical] == [("Cabling", 0)]
    assert names(report.problems) == ["Cabling"]
    assert report.problems[0].problem_text == "Conduit blocked on floor 2"
    assert report.problems[0].problem_date == date(2026, 11, 13)


def test_percent_complete_against_the_baseline(site):
    report = reports.build_status_report(project=site.project, week=WEEK, today=READ_ON)
    # Baseline work by Sunday 15 Nov: Survey 3 + Design 5 + Cabling 2 (12th, 13th) + Permits 2
    # of 22 working days = 54.55 %. Reported by then: (3·100 + 5·100 + 10·30) / 22 = 50 %;
    # Cabling's 60 % of the 18th comes after the report date.
    assert report.baseline.name == "Plan approved"
    assert report.planned_percent == Decimal("54.55")
    assert report.actual_percent == Decimal("50.00")
    assert report.variance == Decimal("-4.55")
    assert [t.percent_at_report for t in report.next_week] == [Decimal(30), Decimal(0)]


def test_hours_reported_in_the_week(site):
    report = reports.build_status_report(project=site.project, week=WEEK, today=READ_ON)
    assert report.total_hours == Decimal(12)
    assert [(line.task.name, line.hours) for line in report.hours_by_task] == [
        ("Design", Decimal(4)), ("Cabling", Decimal(8))]
    assert [(line.label, line.hours) for line in report.hours_by_person] == [("Member", 12)]


def test_the_week_under_way_uses_todays_figures(site):
    report = reports.build_status_report(project=site.project, week="2026-W47",
                                         today=date(2026, 11, 18))
    assert report.report_date == date(2026, 11, 18)
    # Cabling is at 60 % now: (300 + 500 + 600) / 22.
    assert report.actual_percent == Decimal("63.64")
    assert names(report.done) == []
    assert report.total_hours == Decimal(5)


def test_without_a_baseline_there_is_no_planned_figure(world):
    report = reports.build_status_report(project=world.project, week=WEEK, today=READ_ON)
    assert report.baseline is None and report.planned_percent is None
    assert report.variance is None and report.actual_percent == 0


@pytest.mark.parametrize("day, expected", [
    (date(2026, 11, 1), Decimal("0.00")),     # before anything starts
    (date(2026, 11, 3), Decimal("25.00")),    # 2 of 4 days of the first task, of 8
    (date(2026, 11, 7), Decimal("50.00")),    # the weekend adds nothing: first task done
    (date(2026, 11, 30), Decimal("100.00")),
])
def test_planned_percent_is_duration_weighted_working_days(day, expected):
    rows = [(date(2026, 11, 2), date(2026, 11, 5), 4), (date(2026, 11, 9), date(2026, 11, 12), 4),
            (date(2026, 11, 6), date(2026, 11, 6), 0)]
    assert reports.planned_percent(rows, day, WorkCalendar()) == expected


def test_a_baseline_of_milestones_counts_each_as_done_or_not():
    rows = [(date(2026, 11, 2), date(2026, 11, 2), 0), (date(2026, 11, 9), date(2026, 11, 9), 0)]
    assert reports.planned_percent(rows, date(2026, 11, 5), WorkCalendar()) == Decimal("50.00")


def test_the_workbook_has_every_section(site):
    report = reports.build_status_report(project=site.project, week=WEEK, today=READ_ON)
    book = load_workbook(io.BytesIO(reports.status_report_workbook(report)))
    assert book.sheetnames == ["Summary", "Done this week", "Planned next week", "Overdue",
                               "Critical tasks", "Open problems", "Hours reported this week"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row}
    assert summary["Planned % complete (baseline)"] == pytest.approx(54.55)
    assert summary["Actual % complete"] == pytest.approx(50)
    assert summary["Variance (percentage points)"] == pytest.approx(-4.55)
    assert summary["Done this week"] == 1 and summary["Open problems"] == 1

    def rows(name):
        return list(book[name].iter_rows(min_row=3, values_only=True))

    assert rows("Done this week")[0][1] == "Design"
    assert [r[1] for r in rows("Planned next week")] == ["Cabling", "Docs"]
    assert rows("Overdue")[0][1] == "Permits" and rows("Overdue")[0][4] == 8
    assert rows("Critical tasks")[0][1:6:4] == ("Cabling", 0)
    assert rows("Open problems")[0][3] == "Conduit blocked on floor 2"
    assert rows("Hours reported this week")[-1] == ("Total", 12)
    assert book["Done this week"]["A2"].value == "WBS"


def test_text_that_looks_like_a_formula_stays_text(site, world):
    progress.record_progress(user=world.member, task=Task.objects.get(pk=site.Docs.pk),
                             percent_complete=0, date=date(2026, 11, 12),
                             problems="=HYPERLINK(\"http://x\")")
    report = reports.build_status_report(project=site.project, week=WEEK, today=READ_ON)
    book = load_workbook(io.BytesIO(reports.status_report_workbook(report)))
    cells = [r[3] for r in book["Open problems"].iter_rows(min_row=3, values_only=True)]
    assert '=HYPERLINK("http://x")' in cells
    assert book["Open problems"]["D3"].data_type == "s"


def test_the_report_page_and_download(site, client_as):
    client = client_as("management")
    html = client.get(reverse("tasks:status_report", args=[site.project.pk]) + f"?week={WEEK}"
                      ).content.decode()
    assert "54.6%" in html and "50.0%" in html and "-4.6" in html
    assert "Conduit blocked on floor 2" in html
    response = client.get(reverse("tasks:status_report_xlsx", args=[site.project.pk])
                          + f"?week={WEEK}")
    assert response["Content-Disposition"] == (
        f'attachment; filename="{site.project.code}-status-{WEEK}.xlsx"')
    assert load_workbook(io.BytesIO(response.content)).sheetnames[0] == "Summary"
