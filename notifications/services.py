"""Sending notifications: each recipient's message in their own language, sent once per key."""
from django.db import transaction
from django.utils import translation

from .models import Notification


def notify(*, recipients, kind, message, dedupe_key, project=None, url="", params=None):
    """Queue one notification per recipient after the current transaction commits.

    `message` is a lazy/translatable format string rendered in each recipient's language with
    `params`; `dedupe_key` (a per-subject string) plus the recipient id is unique, so sending
    the same thing twice leaves one row.
    """
    recipients = [r for r in recipients if r is not None]
    if not recipients:
        return

    def send():
        rows = []
        for user in {u.pk: u for u in recipients}.values():
            with translation.override(user.language or "en"):
                text = str(message) % {k: str(v) for k, v in (params or {}).items()}
            rows.append(Notification(
                kind=kind, recipient=user, project=project, message=text, url=url,
                dedupe_key=f"{dedupe_key}:{user.pk}",
            ))
        Notification.objects.bulk_create(rows, ignore_conflicts=True)

    transaction.on_commit(send)
