"""Measurements of the client portal (the `bench` command imports every app's bench.py)."""
import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization, User
from projects.models import ChangeRequest, ChangeRequestTransition, Membership, Project
from quality.models import ClientFeedback
from tasks import client as task_client
from tasks import progress
from tasks.bench import EMAIL_DOMAIN, PROJECT_PREFIX, USER_PREFIX, _allowed_host, measurement
from tasks.models import ProgressEntry, PublishedReport, Task
from tasks.services import take_baseline


def _client_project(bench, *, tasks):
    """A bench project with a client member, 10 % of its tasks client-visible, a baseline,
    a year of published weekly reports, 100 change requests, 100 feedback items and 200
    problems of which half were reported to the client."""
    seeded = bench.seed_project(tasks=tasks)
    project, pm = seeded.project, seeded.pm
    rng = random.Random(bench.seed)
    org = Organization.objects.create(name=f"{PROJECT_PREFIX}{bench.tag} 客户")
    Project.objects.filter(pk=project.pk).update(client_organization=org,
                                                 budget=Decimal("1000000"))
    project.refresh_from_db()
    username = f"{USER_PREFIX}{bench.tag.lower()}_client"
    client_user = User.objects.create(
        username=username, email=f"{username}{EMAIL_DOMAIN}", password=make_password(None),
        display_name="客户代表", system_role=User.SystemRole.CLIENT, organization=org,
    )
    Membership.objects.create(project=project, user=client_user, role=Membership.Role.CLIENT)
    ids = list(Task.objects.filter(project=project).values_list("pk", flat=True))
    Task.objects.filter(pk__in=rng.sample(ids, len(ids) // 10)).update(client_visible=True)
    bench.log("taking a baseline and publishing a year of reports")
    take_baseline(user=pm, project=project, name="合同基线")
    leaves = list(Task.objects.filter(project=project, is_summary=False)[:200])
    today = timezone.localdate()
    ProgressEntry.objects.bulk_create(
        ProgressEntry(task=task, date=today - timedelta(days=i % 60), percent_complete=10,
                      problems=f"问题 {i}", solution="已解决" if i % 3 else "",
                      shared_with_client=i % 2 == 0, author=pm)
        for i, task in enumerate(leaves)
    )
    content = task_client.report_snapshot(project=project, week=progress.week_of(today))
    PublishedReport.objects.bulk_create(
        PublishedReport(project=project, week=progress.week_of(today - timedelta(weeks=w)),
                        monday=today - timedelta(weeks=w, days=today.weekday()),
                        summary="本周进展顺利。", content=content, published_by=pm)
        for w in range(52)
    )
    changes = ChangeRequest.objects.bulk_create(
        ChangeRequest(project=project, title=f"变更 {i}", description="…", reason="…",
                      requested_by=client_user, status=rng.choice(ChangeRequest.Status.values),
                      internal_notes="内部")
        for i in range(100)
    )
    ChangeRequestTransition.objects.bulk_create(
        ChangeRequestTransition(change_request=cr, from_status="", to_status="submitted",
                                actor=client_user) for cr in changes
    )
    ClientFeedback.objects.bulk_create(
        ClientFeedback(project=project, kind=rng.choice(ClientFeedback.Kind.values),
                       subject=f"反馈 {i}", body="…", submitted_by=client_user,
                       status=rng.choice(ClientFeedback.Status.values))
        for i in range(100)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tasks_task, tasks_progressentry, tasks_publishedreport, "
                           "projects_changerequest, quality_clientfeedback")
    return project, client_user


def _timed_get(bench, user, url):
    client = Client(HTTP_HOST=_allowed_host())
    client.force_login(user)
    secure = getattr(settings, "SECURE_SSL_REDIRECT", False)

    def get():
        response = client.get(url, secure=secure)
        if response.status_code != 200:
            raise AssertionError(f"GET {url} answered {response.status_code}")

    try:
        return bench.time(get)
    finally:
        client.logout()


@measurement("portal_project_2k", unit="ms", target=300)
def portal_project_2k(bench):
    """The client's portal page of a 2,000-task project (200 client-visible tasks, a year of
    published reports, 100 change requests, 100 feedback items, 100 shared problems)."""
    project, client_user = _client_project(bench, tasks=bench.size(2_000))
    return _timed_get(bench, client_user, reverse("portal:project", args=[project.pk]))


@measurement("portal_report_xlsx_2k", unit="ms", target=500)
def portal_report_xlsx_2k(bench):
    """The client downloads a published weekly report of that project as .xlsx."""
    project, client_user = _client_project(bench, tasks=bench.size(2_000))
    report = PublishedReport.objects.filter(project=project).order_by("-pk").first()
    return _timed_get(bench, client_user, reverse("portal:report_xlsx", args=[report.pk]))
