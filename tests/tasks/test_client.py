"""What a client sees of the plan (tasks/client.py): visible tasks only, slip in working days."""
from datetime import date

import pytest

from tasks import client as task_client
from tasks import services
from tasks.models import Task

pytestmark = pytest.mark.django_db


def test_plan_rows_show_visible_tasks_with_their_slip_in_working_days(world):
    pm, project = world.pm, world.project
    project.planned_start = date(2026, 11, 2)  # a Monday
    project.save()
    visible = services.create_task(user=pm, project=project, name="Survey", duration_days=5,
                                   client_visible=True)
    services.create_task(user=pm, project=project, name="Internal", duration_days=3)
    baseline = services.take_baseline(user=pm, project=project)
    # Two more working days: the finish moves from Friday 6th over the weekend to Tuesday 10th.
    services.update_task(user=pm, task=Task.objects.get(pk=visible.pk), duration_days=7)

    rows = task_client.client_plan_rows(project=project, baseline=baseline,
                                        today=date(2026, 11, 3))
    assert [t.name for t in rows] == ["Survey"]
    (row,) = rows
    assert row.baseline_end == date(2026, 11, 6) and row.planned_end == date(2026, 11, 10)
    assert row.slip_days == 2 and not row.is_overdue

    services.update_task(user=pm, task=Task.objects.get(pk=visible.pk), duration_days=3)
    (row,) = task_client.client_plan_rows(project=project, baseline=baseline,
                                          today=date(2026, 11, 3))
    assert row.slip_days == -2 and row.slip_abs == 2
