"""Celery jobs of the tasks app: thin and idempotent, the work done by the app's modules."""
from datetime import date

from celery import shared_task

from . import gantt_cache


@shared_task(ignore_result=True)
def render_gantt(project_id, options, language, today, key):
    """Build a large project's Gantt figure and cache it under `key` (see tasks.gantt_cache)."""
    gantt_cache.render_in_background(
        project_id=project_id, options=options, language=language,
        today=date.fromisoformat(today), key=key,
    )
