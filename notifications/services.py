"""Writing notifications: sending events once per key, marking read, e-mail preferences."""
from django.db import transaction
from django.utils import translation

from .models import Notification, NotificationPreference


def notify(*, recipients, kind, message, dedupe_key, project=None, task=None, url="",
           params=None):
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
                kind=kind, recipient=user, project=project, task=task, message=text, url=url,
                dedupe_key=f"{dedupe_key}:{user.pk}",
            ))
        Notification.objects.bulk_create(rows, ignore_conflicts=True)

    transaction.on_commit(send)


def mark_read(*, user, notification):
    """Mark one of the user's own notifications read; → whether it was unread."""
    return bool(Notification.objects.filter(
        pk=notification.pk, recipient=user, read=False
    ).update(read=True))


def mark_all_read(*, user, kind=None):
    """Mark all the user's unread notifications (of one kind) read; → how many."""
    unread = Notification.objects.filter(recipient=user, read=False)
    if kind:
        unread = unread.filter(kind=kind)
    return unread.update(read=True)


@transaction.atomic
def set_preferences(*, user, choices):
    """Store the user's e-mail choice for each kind in `choices` ({kind: Delivery})."""
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=user, kind=kind, email=email)
         for kind, email in choices.items()],
        update_conflicts=True, unique_fields=["user", "kind"], update_fields=["email"],
    )
