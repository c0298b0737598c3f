"""Notifications, their delivery preferences and the alert thresholds (P1.3, P4.2d, P6.1).

Two kinds of rows share one table. Event notifications (notify()) carry a message rendered for
their recipient and a unique `dedupe_key`. Alerts written by the jobs (overdue, due soon, stale
progress, progress reminders) carry `params` and are rendered from their kind in the reader's
language when shown; they are unique per kind, recipient, task and `day`, which is what makes
the jobs' set-based INSERT … SELECT idempotent.
"""
import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class Kind(models.TextChoices):
    INITIATION = "initiation", _("Initiation request")
    MEMBERSHIP = "membership", _("Team membership")
    MEETING = "meeting", _("Meeting")
    OVERDUE = "overdue", _("Overdue task")
    DUE_SOON = "due_soon", _("Task due soon")
    PROGRESS_REMINDER = "progress_reminder", _("Progress reminder")
    STALE_PROGRESS = "stale_progress", _("No recent progress")
    CHANGE_REQUEST = "change_request", _("Change request")
    FEEDBACK = "feedback", _("Client feedback")
    STATUS_REPORT = "status_report", _("Status report")
    FEEDBACK_WAITING = "feedback_waiting", _("Client feedback waiting for an answer")


# Alert messages, rendered from `params` in the language of whoever reads them.
ALERT_MESSAGES = {
    Kind.OVERDUE: _("“%(task)s” (%(project)s) is overdue: it was due on %(due)s."),
    Kind.DUE_SOON: _("“%(task)s” (%(project)s) is due on %(due)s."),
    Kind.STALE_PROGRESS: _("No progress has been reported on “%(task)s” (%(project)s) "
                           "since %(since)s."),
}
CRITICAL_DUE_SOON = _("Critical-path task “%(task)s” (%(project)s) is due on %(due)s.")
DATE_PARAMS = ("due", "since")


def _reverse_or_none(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class Notification(models.Model):
    Kind = Kind

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # The recipient and task columns are the first of indexes below: each index costs the
    # overdue job's insert of 400,000 rows seconds, so no extra single-column ones.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="notifications", db_index=False,
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )
    task = models.ForeignKey(
        "tasks.Task", verbose_name=_("task"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+", db_index=False,
    )
    day = models.DateField(
        _("day"), null=True, blank=True,
        help_text=_("What an alert is about: the day it was raised (overdue), the deadline (due "
                    "soon), the last report (stale progress) or the week's Monday (reminder)."),
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)
    read = models.BooleanField(_("read"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read"]),
            # The e-mail jobs look only at recent rows not yet e-mailed.
            models.Index(fields=["created_at"], condition=Q(emailed_at__isnull=True),
                         name="notification_to_email"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=Q(dedupe_key__isnull=False),
                name="notification_dedupe_key_unique",
            ),
            # Rows without a day never conflict (NULLs are distinct). Task first, and a
            # condition that `task_id = x` implies: the index also finds a task's notifications
            # when the task is deleted.
            models.UniqueConstraint(
                fields=["task", "recipient", "kind", "day"], condition=Q(task__isnull=False),
                name="one_task_alert_per_recipient_and_day",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "day"], condition=Q(task__isnull=True),
                name="one_personal_alert_per_recipient_and_day",
            ),
        ]

    def __str__(self):
        return self.text[:80]

    @property
    def text(self):
        """The message in the active language: rendered from kind and params when it can be."""
        params = self.params if isinstance(self.params, dict) else {}
        try:
            if self.kind == Kind.PROGRESS_REMINDER and "week" in params:
                count = int(params.get("tasks") or 0)
                return ngettext(
                    "Please report your progress for week %(week)s: you own %(count)d open "
                    "task.",
                    "Please report your progress for week %(week)s: you own %(count)d open "
                    "tasks.",
                    count,
                ) % {"week": params["week"], "count": count}
            if self.kind == Kind.FEEDBACK_WAITING and "count" in params:
                count, hours = int(params["count"] or 0), int(params.get("hours") or 0)
                return ngettext(
                    "%(count)d item of client feedback has waited more than %(hours)d hours "
                    "for an answer.",
                    "%(count)d items of client feedback have waited more than %(hours)d hours "
                    "for an answer.",
                    count,
                ) % {"count": count, "hours": hours}
            template = ALERT_MESSAGES.get(self.kind)
            if template is not None and params:
                if self.kind == Kind.DUE_SOON and params.get("critical"):
                    template = CRITICAL_DUE_SOON
                return str(template) % {**params, **{
                    key: _short_date(params[key]) for key in DATE_PARAMS if key in params
                }}
        except (KeyError, TypeError, ValueError):
            pass
        return self.message

    @property
    def link(self):
        """Where opening the notification leads: its own link, else its task or project."""
        if self.url:
            return self.url
        if self.task_id and self.project_id:
            return (_reverse_or_none("tasks:task_detail", self.project_id, self.task_id)
                    or f"{reverse('tasks:plan', args=[self.project_id])}#task-{self.task_id}")
        if self.project_id:
            return reverse("projects:detail", args=[self.project_id])
        if self.kind == Kind.PROGRESS_REMINDER:
            return _reverse_or_none("tasks:my_tasks") or reverse("projects:list")
        if self.kind == Kind.FEEDBACK_WAITING:
            return _reverse_or_none("quality:inbox") or ""
        return ""


def _short_date(value):
    day = datetime.date.fromisoformat(str(value)[:10])
    return formats.date_format(day, "SHORT_DATE_FORMAT")


class Delivery(models.TextChoices):
    IMMEDIATELY = "immediately", _("E-mail at once")
    DIGEST = "digest", _("Daily e-mail digest")
    NEVER = "never", _("In the app only")


class NotificationPreference(models.Model):
    """How one user wants one kind of notification by e-mail; in the app they always appear."""

    Delivery = Delivery

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    email = models.CharField(_("e-mail"), max_length=20, choices=Delivery.choices)

    class Meta:
        ordering = ["user", "kind"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_kind_display()}: {self.get_email_display()}"


class EmailDigest(models.Model):
    """The marker that a recipient's digest of one day went out: there is at most one."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="+",
    )
    day = models.DateField(_("day"))
    notifications = models.PositiveIntegerField(_("notifications"), default=0)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "recipient"]
        verbose_name = _("e-mail digest")
        verbose_name_plural = _("e-mail digests")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="one_digest_per_day"),
        ]

    def __str__(self):
        return f"{self.recipient} {self.day}"


class AlertSettings(models.Model):
    """The policy's alert thresholds, one row edited in Django admin (P6.1)."""

    due_soon_days = models.PositiveSmallIntegerField(
        _("due soon: days ahead"), default=3, validators=[MaxValueValidator(90)],
        help_text=_("A task is due soon when its planned finish is at most this many days away."),
    )
    due_soon_days_critical = models.PositiveSmallIntegerField(
        _("due soon: days ahead for critical-path tasks"), default=5,
        validators=[MaxValueValidator(90)],
        help_text=_("Critical-path tasks get earlier warning (P3.2b)."),
    )
    stale_progress_days = models.PositiveSmallIntegerField(
        _("stale progress: days without a report"), default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("A task in progress with no progress report for this many days is flagged "
                    "to its owner and the project assistant."),
    )
    progress_reminder_weekday = models.PositiveSmallIntegerField(
        _("progress reminder day"), default=4, choices=sorted(WEEKDAYS.items()),
        help_text=_("The day of the week on which members who have not reported yet are "
                    "reminded (P4.2d)."),
    )
    feedback_response_hours = models.PositiveSmallIntegerField(
        _("client feedback: hours to answer"), default=24,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("Customer service's target for answering client feedback; slower answers "
                    "are shown in red."),
    )
    default_email = models.CharField(
        _("e-mail by default"), max_length=20, choices=Delivery.choices, default=Delivery.DIGEST,
        help_text=_("How notifications are e-mailed to people who chose nothing themselves."),
    )

    class Meta:
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="alert_settings_single_row"),
        ]

    def __str__(self):
        return str(_("Alert settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row
