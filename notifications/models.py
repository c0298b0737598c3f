"""In-app notifications; a unique dedupe key makes every sender idempotent."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        INITIATION = "initiation", _("Initiation request")
        MEMBERSHIP = "membership", _("Team membership")
        MEETING = "meeting", _("Meeting")
        OVERDUE = "overdue", _("Overdue task")
        DUE_SOON = "due_soon", _("Task due soon")
        PROGRESS_REMINDER = "progress_reminder", _("Progress reminder")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="notifications",
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )
    message = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    read = models.BooleanField(_("read"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read"])]

    def __str__(self):
        return self.message[:80]
