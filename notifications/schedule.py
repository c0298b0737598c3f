"""The alert jobs' default cadence as django-celery-beat rows, which admins then edit (P6.1).

Installed after every `migrate`: a missing row is created, an existing one is left exactly as an
admin set it (to stop a job, disable it rather than delete it, or it comes back).
"""
from django.apps import apps as global_apps
from django.conf import settings

# (name, Celery task, crontab minute, hour, description)
DAILY = [
    ("Alerts: overdue tasks", "notifications.overdue_alerts", "30", "7",
     "Owner and pm of every overdue leaf task, once a day (API.md)."),
    ("Alerts: tasks due soon", "notifications.due_soon_alerts", "30", "7",
     "Owners of tasks due within the days set in Alert settings."),
    ("Alerts: stale progress", "notifications.stale_progress_alerts", "30", "7",
     "Owner and assistants of tasks in progress without a recent report."),
    ("Alerts: weekly progress reminder", "notifications.progress_reminders", "0", "9",
     "Runs daily; reminds only on the weekday set in Alert settings (P4.2d)."),
    ("Alerts: client feedback waiting", "notifications.feedback_waiting_alerts", "0", "10",
     "Assignees (or pm and customer service) of feedback unanswered past the target."),
    ("E-mail: daily digests", "notifications.send_digests", "0", "18",
     "One e-mail per person who chose the daily digest."),
]
EMAIL_EVERY_MINUTES = 5
EMAIL_TASK = ("E-mail: notifications at once", "notifications.send_emails",
              "E-mails new notifications to those who want them at once.")


def install_schedule(apps=global_apps, using="default", **kwargs):
    """post_migrate (also sent by `flush`, without `apps`): create the periodic tasks that do not
    exist yet."""
    try:
        periodic_task = apps.get_model("django_celery_beat", "PeriodicTask")
        crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
        interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    except LookupError:
        return
    periodic_task, crontab, interval = (
        model.objects.db_manager(using) for model in (periodic_task, crontab, interval)
    )
    existing = set(periodic_task.values_list("name", flat=True))
    for name, task, minute, hour, description in DAILY:
        if name in existing:
            continue
        when, _created = crontab.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        periodic_task.create(name=name, task=task, crontab=when, description=description)
    name, task, description = EMAIL_TASK
    if name not in existing:
        every, _created = interval.get_or_create(every=EMAIL_EVERY_MINUTES,
                                                         period="minutes")
        periodic_task.create(name=name, task=task, interval=every,
                                     description=description)
