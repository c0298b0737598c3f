"""Measurements of the projects app (the `bench` command imports every app's bench.py)."""
import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tasks.bench import EMAIL_DOMAIN, USER_PREFIX, _allowed_host, measurement, seed_projects
from tasks.models import Baseline, Task

from .models import Project


@measurement("portfolio_500", unit="ms", target=300)
def portfolio_500(bench):
    """The portfolio page of 500 projects as management opens it, every project rated.

    Each project has a 20-task plan; most have a baseline that the plan has slipped against by
    up to 15 working days, and some have open problems, so every rule is met somewhere.
    """
    count = bench.size(500)
    bench.log(f"seeding {count} projects")
    seeded = seed_projects(tag=bench.tag, projects=count, tasks_per_project=20,
                           links_per_task=1.5, seed=bench.seed)
    rng = random.Random(bench.seed)
    today = timezone.localdate()
    baselines = []
    for item in seeded:
        if rng.random() < 0.8:
            project = item.project
            slip = rng.choice([0, 0, 0, 2, 5, 12, 15])
            baselines.append(Baseline(
                project=project, number=1, name="基准", project_start=project.planned_start,
                project_finish=project.planned_end - timedelta(days=slip), taken_by=item.pm,
            ))
    Baseline.objects.bulk_create(baselines, batch_size=1000)
    problems = [s.project.pk for s in seeded if rng.random() < 0.2]
    Task.objects.filter(project__in=problems, is_summary=False, planned_end__lt=today).update(
        has_open_problem=True)
    closing = [s.project.pk for s in seeded if rng.random() < 0.05]
    Project.objects.filter(pk__in=closing).update(status=Project.Status.CLOSED)
    if connection.vendor == "postgresql":
        # Fresh tables have no statistics yet; a live database keeps them current (autovacuum).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE projects_project, projects_membership, tasks_task, "
                           "tasks_baseline")
    username = f"{USER_PREFIX}{bench.tag.lower()}_boss"
    boss = User.objects.create(
        username=username, email=f"{username}{EMAIL_DOMAIN}", password=make_password(None),
        display_name="领导", system_role=User.SystemRole.MANAGEMENT,
    )
    client = Client(HTTP_HOST=_allowed_host())
    client.force_login(boss)
    url = reverse("projects:portfolio")
    secure = getattr(settings, "SECURE_SSL_REDIRECT", False)

    def get():
        response = client.get(url, secure=secure)
        if response.status_code != 200:
            raise AssertionError(f"GET {url} answered {response.status_code}")

    try:
        return bench.time(get)
    finally:
        client.logout()
