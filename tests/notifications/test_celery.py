"""The jobs through Celery: a real worker process on Redis (CI's PostgreSQL run), and the
embedded filesystem broker a fresh machine runs on."""
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from notifications.models import Notification
from notifications.tasks import overdue_alerts
from tests.accounts.factories import UserFactory
from tests.projects.factories import MembershipFactory, ProjectFactory
from tests.tasks.factories import TaskFactory

from .conftest import FRIDAY, days

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"


def database_url(settings_dict):
    """DATABASE_URL of the database this test runs on: pytest-django's test_<name>."""
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict["HOST"] or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{credentials}{host}{port}/{settings_dict['NAME']}"


def wait_for(condition, *, timeout, worker):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if worker.poll() is not None:
            return False
        time.sleep(0.2)
    return condition()


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("JINDU_TEST_REDIS"), reason="set JINDU_TEST_REDIS=1")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_overdue_job(tmp_path):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    pm, owner = UserFactory(username="worker_pm"), UserFactory(username="worker_owner")
    project = ProjectFactory(status="executing")
    MembershipFactory(project=project, user=pm, role="pm")
    TaskFactory(project=project, owner=owner, planned_end=FRIDAY - days(1))
    TaskFactory(project=project, owner=owner, planned_end=FRIDAY)

    # Nothing left over from an earlier run may reach this test's database.
    celery_app.control.purge()
    env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict),
           "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "JINDU_VAR_DIR": str(tmp_path)}
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [str(CELERY), "-A", "config", "worker", "--pool=solo", "-l", "warning",
         "-n", f"test-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        overdue_alerts.delay(date=FRIDAY.isoformat())
        notified = wait_for(lambda: Notification.objects.count() == 2, timeout=60,
                            worker=worker)
        assert notified, (tmp_path / "worker.log").read_text()[-3000:]
        assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
            "worker_pm", "worker_owner"}
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()


def test_the_embedded_filesystem_broker_is_configured_and_carries_messages(tmp_path):
    """With no CELERY_BROKER_URL the settings name one queue folder for both directions and a
    processed folder under the local data folder; kombu delivers a message through them."""
    script = textwrap.dedent("""
        import json, os, django
        from pathlib import Path
        django.setup()
        from django.conf import settings
        from kombu import Connection
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        for key in ("data_folder_in", "processed_folder"):
            Path(options[key]).mkdir(parents=True, exist_ok=True)  # as dev.py up does
        with Connection(settings.CELERY_BROKER_URL, transport_options=options) as conn:
            queue = conn.SimpleQueue("jindu-test")
            queue.put({"ping": 1})
            message = queue.get(timeout=5)
            message.ack()
            queue.close()
        print(json.dumps({"url": settings.CELERY_BROKER_URL, "options": options,
                          "var": str(settings.VAR_DIR), "body": message.payload}))
    """)
    env = {key: value for key, value in os.environ.items()
           if key not in ("CELERY_BROKER_URL", "DATABASE_URL")}
    env.update(JINDU_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    options = result["options"]
    assert result["url"] == "filesystem://"
    assert options["data_folder_in"] == options["data_folder_out"]
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        assert Path(options[key]).is_relative_to(tmp_path)
    assert result["body"] == {"ping": 1}
