"""Quality (P4.3c, P5.1b, P2.3b): the client's feedback, investigated and answered.

ClientFeedback: open → assigned (by the pm or customer service) → answered (by the assignee)
→ closed when the client confirms, or back to open when the client reopens it. Every step is a
`FeedbackEvent`; the time to the first answer is the response time customer service is
measured on.
"""
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from projects.models import Versioned


class ClientFeedback(Versioned):
    view_action = "feedback.view"

    class Kind(models.TextChoices):
        ENQUIRY = "enquiry", _("Enquiry")
        SUGGESTION = "suggestion", _("Suggestion")
        QUALITY_ISSUE = "quality_issue", _("Quality issue")
        COMPLAINT = "complaint", _("Complaint")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("feedback status", "Open")
        ASSIGNED = "assigned", _("Assigned")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="feedback",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("details"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT,
        related_name="feedback",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="assigned_feedback",
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    first_answered_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    internal_notes = models.TextField(
        _("internal notes"), blank=True,
        help_text=_("The investigation inside the company; never shown to the client."),
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["internal_notes"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("client feedback")
        verbose_name_plural = _("client feedback")
        indexes = [
            models.Index(fields=["project", "status"]),
            models.Index(fields=["assignee", "status"]),
        ]

    def __str__(self):
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self):
        return reverse("quality:feedback_detail", args=[self.project_id, self.pk])

    @property
    def reference(self):
        return f"FB-{self.pk:04d}" if self.pk else "FB"

    @property
    def response_time(self):
        """Time from receipt to the first answer, or None while unanswered."""
        if self.first_answered_at is None:
            return None
        return self.first_answered_at - self.created_at

    def get_portal_url(self):
        return reverse("portal:feedback_detail", args=[self.pk])


class FeedbackEvent(models.Model):
    """One step of a feedback item: who moved it where, when, and what they said."""

    feedback = models.ForeignKey(ClientFeedback, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(
        _("from"), max_length=20, choices=ClientFeedback.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=ClientFeedback.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("feedback step")
        verbose_name_plural = _("feedback steps")

    def __str__(self):
        return f"{self.feedback_id} {self.from_status} → {self.to_status}"
