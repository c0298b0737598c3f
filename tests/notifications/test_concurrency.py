"""Two runs of the overdue job at the same moment still write one notification per recipient,
task and day: the unique constraint decides, not a check before the insert (PostgreSQL)."""
import threading

import pytest
from django.db import connection, connections

from notifications import jobs
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.projects.factories import MembershipFactory, ProjectFactory
from tests.tasks.factories import TaskFactory

from .conftest import FRIDAY, days

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_two_simultaneous_runs_insert_each_notification_once():
    pm = UserFactory(username="conc_pm")
    owners = [UserFactory(username=f"conc_owner{i}") for i in range(5)]
    for _project in range(3):
        project = ProjectFactory(status="executing")
        MembershipFactory(project=project, user=pm, role="pm")
        for i in range(40):
            TaskFactory(project=project, owner=owners[i % 5], planned_end=FRIDAY - days(1 + i))
    barrier = threading.Barrier(2, timeout=30)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(jobs.run_overdue(on=FRIDAY))
        except Exception as exc:  # reported below, with the thread's result
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    # 120 tasks, each for its owner and the pm.
    assert sorted(results) == [0, 240]
    assert Notification.objects.count() == 240
    assert Notification.objects.filter(recipient=pm).count() == 120
    assert jobs.run_overdue(on=FRIDAY) == 0
