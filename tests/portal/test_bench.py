"""The portal's measurements run at a small scale, time real pages and clean up after them."""
import json
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Organization, User
from projects.models import ChangeRequest, Project
from quality.models import ClientFeedback
from tasks.models import PublishedReport

pytestmark = pytest.mark.django_db


def test_portal_measurements_time_the_pages_and_leave_nothing_behind():
    out = StringIO()
    call_command("bench", "portal_project_2k", "portal_report_xlsx_2k", scale=0.02, runs=1,
                 stdout=out, stderr=StringIO())
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["name"] for line in lines] == ["portal_project_2k", "portal_report_xlsx_2k"]
    for line in lines:
        assert "error" not in line, line
        assert line["unit"] == "ms" and line["value"] > 0 and line["queries"] > 0
    assert not Project.objects.exists()
    assert not User.objects.filter(username__startswith="bench_").exists()
    assert not Organization.objects.exists()
    assert not (ChangeRequest.objects.exists() or ClientFeedback.objects.exists()
                or PublishedReport.objects.exists())
