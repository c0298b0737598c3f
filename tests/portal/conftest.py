"""A client's project with something of everything, including what the client must never see.

`portal` builds it through the services, as people would: a plan with client-visible stages and
a milestone next to internal tasks, a baseline, progress with one problem shared with the client
(and its solution) and others kept inside, a change request assessed by the pm, feedback
answered by a member, a published weekly report with a file. Every internal value carries a
marker (SECRETS) that a test can look for in a page, a download or a workbook.
"""
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from projects import services as project_services
from projects.models import ChangeRequest, Project
from quality import services as quality_services
from quality.models import ClientFeedback
from tasks import client as task_client
from tasks import progress
from tasks import services as task_services

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

# Internal values, each as it could be rendered (raw, grouped, localised).
SECRETS = {
    "project budget": ["987654", "987,654", "987 654"],
    "project internal notes": ["PRJNOTE-margin-is-thin"],
    "change request internal notes": ["CRNOTE-client-is-difficult"],
    "feedback internal notes": ["FBNOTE-our-fault-really"],
    "planned cost of a visible task": ["55443", "55,443"],
    "estimated hours of a visible task": ["777.5", "777,5"],
    "hours of a progress entry": ["43.75", "43,75"],
    "progress note": ["PROGNOTE-overtime-again"],
    "task notes": ["TASKNOTE-ask-finance"],
    "problem kept inside": ["INTERNAL-PROBLEM-engineer-quit"],
    "hidden task name": ["HIDDEN-TASK-vendor-kickback"],
    "other client's project": ["OTHER-ORG-PROJECT"],
    "other client's change request": ["OTHER-ORG-CHANGE"],
    "other client's feedback": ["OTHER-ORG-FEEDBACK"],
}
SHARED_PROBLEM = "Customs delayed the core switches"
SHARED_SOLUTION = "Air freight booked for Monday"
SHARED_ON_HIDDEN_TASK = "Power outage at the data centre"
VISIBLE_NAMES = ["Design phase", "Site survey", "Design approved"]


def pdf(name="spec.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def find_secrets(text):
    """The names of the SECRETS that appear in `text`."""
    return sorted({what for what, needles in SECRETS.items()
                   for needle in needles if needle in text})


@pytest.fixture
def portal(world):
    today = timezone.localdate()
    pm, client = world.pm, world.client
    project = world.project
    Project.objects.filter(pk=project.pk).update(
        planned_start=today - timedelta(days=28), planned_end=today + timedelta(days=120),
        budget=Decimal("987654.32"), internal_notes="PRJNOTE-margin-is-thin",
        status=Project.Status.EXECUTING,
    )
    project.refresh_from_db()

    create = task_services.create_task
    stage = create(user=pm, project=project, name="Design phase", duration_days=1,
                   client_visible=True)
    survey = create(user=pm, project=project, parent=stage, name="Site survey",
                    duration_days=40, client_visible=True, planned_cost=Decimal("55443.21"),
                    estimate_hours=Decimal("777.5"), notes="TASKNOTE-ask-finance")
    hidden = create(user=pm, project=project, parent=stage,
                    name="HIDDEN-TASK-vendor-kickback", duration_days=5)
    milestone = create(user=pm, project=project, name="Design approved", duration_days=0,
                       client_visible=True)
    baseline = task_services.take_baseline(user=pm, project=project, name="Approved plan")

    shared = progress.record_progress(
        user=pm, task=survey, percent_complete=40, hours=Decimal("43.75"),
        note="PROGNOTE-overtime-again", problems=SHARED_PROBLEM,
    )
    task_client.share_problem(user=pm, entry=shared, shared=True, solution=SHARED_SOLUTION)
    progress.record_progress(user=pm, task=survey, percent_complete=45,
                             problems="INTERNAL-PROBLEM-engineer-quit")
    on_hidden = progress.record_progress(user=pm, task=hidden, percent_complete=10,
                                         problems=SHARED_ON_HIDDEN_TASK)
    task_client.share_problem(user=pm, entry=on_hidden, shared=True)

    change = project_services.submit_change_request(
        user=client, project=project, title="Add a second uplink",
        description="Building B needs redundancy.", reason="Outages cost us sales.",
        attachments=[pdf("uplink.pdf")],
    )
    change = project_services.assess_change_request(
        user=pm, change_request=change, schedule_impact_days=3, cost_impact=Decimal("12000"),
        quality_impact="Better availability.", comment="Assessed with the network team.",
    )
    ChangeRequest.objects.filter(pk=change.pk).update(
        internal_notes="CRNOTE-client-is-difficult")

    feedback = quality_services.submit_feedback(
        user=client, project=project, kind=ClientFeedback.Kind.QUALITY_ISSUE,
        subject="Cabling untidy", body="The racks in room 3 are a mess.",
        attachments=[pdf("racks.pdf")],
    )
    ClientFeedback.objects.filter(pk=feedback.pk).update(
        internal_notes="FBNOTE-our-fault-really")

    project.refresh_from_db()
    report = task_client.publish_report(
        user=pm, project=project, week=progress.week_of(today), summary="A good week.",
        attachments=[pdf("minutes.pdf")],
    )
    return SimpleNamespace(
        world=world, project=project, stage=stage, survey=survey, hidden=hidden,
        milestone=milestone, baseline=baseline, shared_entry=shared, change=change,
        feedback=feedback, report=report,
    )


@pytest.fixture
def other_org_data(world):
    """Another organisation's project with its own change request and feedback."""
    from tests.projects.factories import MembershipFactory, ProjectFactory

    other = ProjectFactory(name="OTHER-ORG-PROJECT", client_organization=world.other_org)
    MembershipFactory(project=other, user=world.other_client, role="client")
    MembershipFactory(project=other, user=world.pm, role="pm")
    change = project_services.submit_change_request(
        user=world.other_client, project=other, title="OTHER-ORG-CHANGE",
        description="d", reason="r",
    )
    feedback = quality_services.submit_feedback(
        user=world.other_client, project=other, kind="enquiry", subject="OTHER-ORG-FEEDBACK",
        body="b",
    )
    return SimpleNamespace(project=other, change=change, feedback=feedback)


def answered(feedback, world):
    """Have the pm assign the feedback to a member, and the member answer it."""
    feedback = quality_services.assign_feedback(
        user=world.pm, feedback=feedback, assignee=world.member,
        comment="ASSIGN-NOTE-please-hurry",
    )
    return quality_services.answer_feedback(
        user=world.member, feedback=feedback, answer="We tidied the racks on Friday.",
    )

