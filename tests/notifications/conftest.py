"""Tasks, progress reports and a fixed day for the alert jobs' tests."""
import datetime

import pytest

from projects.models import Project
from tasks.models import ProgressEntry, Task
from tests.tasks.factories import TaskFactory

# A Friday: the default progress-reminder day.
FRIDAY = datetime.date(2026, 12, 4)


def days(n):
    return datetime.timedelta(days=n)


@pytest.fixture
def executing(world):
    Project.objects.filter(pk=world.project.pk).update(status=Project.Status.EXECUTING)
    world.project.refresh_from_db()
    return world.project


@pytest.fixture
def make_task(world):
    """`make_task("Cabling", end=FRIDAY, owner="member", …)`: a leaf task of world.project."""

    def make(name, *, end, owner="member", status=Task.Status.NOT_STARTED, project=None,
             **fields):
        return TaskFactory(
            project=project or world.project, name=name, planned_end=end,
            planned_start=end - days(3) if end else None, status=status,
            owner=world.users[owner] if isinstance(owner, str) else owner, **fields,
        )

    return make


@pytest.fixture
def report(world):
    """`report(task, on=date, by="member")`: a progress report on the task."""

    def make(task, *, on, by="member", percent=50):
        return ProgressEntry.objects.create(task=task, date=on, percent_complete=percent,
                                            author=world.users[by])

    return make
