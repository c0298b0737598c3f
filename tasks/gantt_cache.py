"""Gantt figures ready to serve: cached per plan revision, large plans rendered by Celery.

**Plan revision.** Each project has a revision token in the cache; `bump_plan_revision` deletes
it whenever the plan or its progress changes (tasks.services.schedule_project and
tasks.progress.roll_up_progress call it, so every plan edit, link, import, baseline, calendar
change, progress report and sheet save does), and the next reader draws a new random one.
It deletes at once and again when the transaction commits: a figure built meanwhile from the
data before the commit is filed under a token nobody asks for any more. Deleting rather than
incrementing needs no atomic read-and-write, which a file cache cannot give.

**Figure keys** hold the project (its id and creation time, so a database rebuilt under an old
cache never meets old figures), the revision, the filters, the language, the figure format
(gantt.FIGURE_VERSION) and today's date (the today line moves at midnight). The entry is the
figure's JSON, ready to send.

**Background rendering.** A project with more tasks than settings.GANTT_ASYNC_THRESHOLD
(default 2,000) is rendered by the Celery job tasks.tasks.render_gantt. The first reader queues
it behind a lock (cache.add, so concurrent readers queue one job) and everyone is told
"rendering" until the figure is in the cache. A render that fails is remembered for a minute,
so pollers do not queue it again and again.

**Where.** CACHES["gantt"] when configured; else the default cache, unless that one lives in one
process (local memory) while jobs run in a worker, which would never see the web's entries nor
the web the worker's: then a file cache under the var folder, which both share.
"""
import gzip
import json
import logging
from enum import Enum
from pathlib import Path
from uuid import uuid4

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.utils import timezone, translation

from projects.models import Project

from . import gantt
from .models import Task

logger = logging.getLogger(__name__)

DEFAULT_ASYNC_THRESHOLD = 2000
FIGURE_TIMEOUT = 7 * 24 * 3600
LOCK_TIMEOUT = 5 * 60
FAILED_TIMEOUT = 60
_file_caches = {}


class State(Enum):
    READY = "ready"
    RENDERING = "rendering"
    FAILED = "failed"


def async_threshold():
    return getattr(settings, "GANTT_ASYNC_THRESHOLD", DEFAULT_ASYNC_THRESHOLD)


def plan_cache():
    """The cache shared by web processes and Celery workers (see the module's docstring)."""
    if "gantt" in settings.CACHES:
        return caches["gantt"]
    default = caches["default"]
    if not isinstance(default, LocMemCache | DummyCache) or jobs_run_here():
        return default
    folder = str(Path(settings.VAR_DIR) / "cache" / "gantt")
    if folder not in _file_caches:
        _file_caches[folder] = FileBasedCache(folder, {"OPTIONS": {"MAX_ENTRIES": 2000}})
    return _file_caches[folder]


def jobs_run_here():
    """True when Celery runs jobs inside the calling process (task_always_eager)."""
    from .tasks import render_gantt

    return bool(render_gantt.app.conf.task_always_eager)


# --- Revisions ----------------------------------------------------------------------------------

def _revision_key(project_id):
    return f"jindu:plan-revision:{project_id}"


def plan_revision(project_id):
    """The project's current revision token (drawn anew after every bump)."""
    cache = plan_cache()
    key = _revision_key(project_id)
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid4().hex, timeout=None)
        token = cache.get(key)
    return token


def bump_plan_revision(project_id):
    """The plan or progress of the project changed: its cached figures are stale from now on."""
    key = _revision_key(project_id)
    plan_cache().delete(key)
    transaction.on_commit(lambda: plan_cache().delete(key))


# --- Figures ------------------------------------------------------------------------------------

def figure_key(project, options, language, today):
    stamp = int(project.created_at.timestamp() * 1_000_000) if project.created_at else 0
    return ":".join((
        "jindu:gantt", str(gantt.FIGURE_VERSION), str(project.pk), str(stamp),
        plan_revision(project.pk), options.key(), language, today.isoformat(),
    ))


def _lock_key(key):
    return f"{key}:rendering"


def _failed_key(key):
    return f"{key}:failed"


def render(*, project, options, language, today):
    """The figure as gzip-compressed JSON, built now.

    Compressed once here rather than per response: a 10,000-task figure is 3.6 MB of JSON
    and 0.6 MB gzipped, which is also what the cache holds.
    """
    with translation.override(language):
        figure = gantt.build_project_figure(project=project, options=options, today=today)
    body = json.dumps(figure, ensure_ascii=False, separators=(",", ":")).encode()
    return gzip.compress(body, compresslevel=3, mtime=0)


def figure_json(body):
    """The JSON bytes of a figure `render` made."""
    return gzip.decompress(body)


def is_large(project):
    return Task.objects.filter(project=project).count() > async_threshold()


def figure(*, project, options, language, today=None):
    """(State, gzipped JSON or None): from the cache, built now, or queued for a worker."""
    today = today or timezone.localdate()
    cache = plan_cache()
    key = figure_key(project, options, language, today)
    body = cache.get(key)
    if body is not None:
        return State.READY, body
    if not is_large(project):
        body = render(project=project, options=options, language=language, today=today)
        cache.set(key, body, FIGURE_TIMEOUT)
        return State.READY, body
    if cache.get(_failed_key(key)):
        return State.FAILED, None
    if cache.add(_lock_key(key), 1, LOCK_TIMEOUT):
        from kombu.exceptions import OperationalError

        from .tasks import render_gantt

        try:
            render_gantt.delay(project.pk, options.as_dict(), language, today.isoformat(), key)
        except OperationalError:
            # No broker: better slow than never.
            logger.exception("Could not queue the Gantt render of project %s", project.pk)
            cache.delete(_lock_key(key))
            body = render(project=project, options=options, language=language, today=today)
            cache.set(key, body, FIGURE_TIMEOUT)
            return State.READY, body
    return State.RENDERING, None


def render_in_background(*, project_id, options, language, today, key):
    """The Celery job's work: build the figure, cache it under `key`, release the lock."""
    cache = plan_cache()
    try:
        project = Project.objects.filter(pk=project_id).first()
        if project is None:
            return
        body = render(project=project, options=gantt.GanttOptions(**options), language=language,
                      today=today)
        cache.set(key, body, FIGURE_TIMEOUT)
    except Exception:
        cache.set(_failed_key(key), 1, FAILED_TIMEOUT)
        raise
    finally:
        cache.delete(_lock_key(key))
