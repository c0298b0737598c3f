"""The Celery app; its broker and beat schedule come from Django settings."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("jindu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
