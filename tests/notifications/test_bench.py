"""overdue_1m on a thousandth of the data: its figures, its count check, and no leftovers."""
import json
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from notifications.models import Notification
from projects.models import Project
from tasks.models import Task

pytestmark = pytest.mark.django_db


def test_overdue_1m_reports_time_and_memory_and_cleans_up():
    out = StringIO()
    call_command("bench", "overdue_1m", scale=0.001, stdout=out, stderr=StringIO())
    line = json.loads(out.getvalue())

    assert line["name"] == "overdue_1m" and line["unit"] == "s" and line["target"] == 60
    assert line["value"] > 0 and "error" not in line
    assert (line["tasks"], line["overdue"], line["notifications"]) == (1000, 200, 400)
    assert line["peak_mb"] > 0 and line["peak_growth_mb"] >= 0
    # One INSERT … SELECT (and its savepoint).
    assert line["queries"] <= 3
    assert not Task.objects.exists()
    assert not Notification.objects.exists()
    assert not Project.objects.filter(code__startswith="BENCH-").exists()
    assert not User.objects.filter(username__startswith="bench_").exists()
