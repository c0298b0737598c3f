"""Celery tasks of the alert jobs: thin, idempotent (the jobs' unique constraints), retry-safe."""
from celery import shared_task

from . import jobs


@shared_task(name="notifications.overdue_alerts")
def overdue_alerts(date=None):
    return jobs.run("overdue", on=date)


@shared_task(name="notifications.due_soon_alerts")
def due_soon_alerts(date=None):
    return jobs.run("due_soon", on=date)


@shared_task(name="notifications.stale_progress_alerts")
def stale_progress_alerts(date=None):
    return jobs.run("stale_progress", on=date)


@shared_task(name="notifications.progress_reminders")
def progress_reminders(date=None):
    return jobs.run("progress_reminder", on=date)


@shared_task(name="notifications.feedback_waiting_alerts")
def feedback_waiting_alerts(date=None):
    return jobs.run("feedback_waiting", on=date)


@shared_task(name="notifications.send_emails")
def send_emails():
    return jobs.send_immediate_emails()


@shared_task(name="notifications.send_digests")
def send_digests(date=None):
    return jobs.send_digests(on=date)
