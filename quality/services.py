"""Client feedback (P2.3b, P4.3c, P5.1b): received, assigned, answered, confirmed or reopened.

Every function checks the caller through the permission module, writes in one transaction,
records the step as a FeedbackEvent and tells those concerned.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import InvalidTransition
from notifications.models import Notification
from notifications.services import notify
from projects.models import Membership
from projects.permissions import require
from projects.selectors import feedback_handlers

from .models import ClientFeedback, FeedbackEvent

Status = ClientFeedback.Status


def _locked(feedback, expected_version, *, allowed_from, to):
    fresh = feedback.locked(expected_version)
    if fresh.status not in allowed_from:
        raise InvalidTransition(
            _("This feedback is %(status)s; it cannot become %(target)s.")
            % {"status": fresh.get_status_display(), "target": Status(to).label}
        )
    return fresh


def _step(feedback, *, user, to, comment=""):
    FeedbackEvent.objects.create(
        feedback=feedback, from_status=feedback.status, to_status=to, actor=user,
        comment=comment or "",
    )
    feedback.status = to


def _notify(feedback, *, actor, recipients, message, step, portal=False):
    notify(
        recipients=[u for u in recipients if u is not None and u.pk != actor.pk],
        kind=Notification.Kind.FEEDBACK, message=message,
        params={"ref": feedback.reference, "subject": feedback.subject,
                "project": feedback.project.name},
        project=feedback.project, dedupe_key=f"feedback:{feedback.pk}:{step}:{feedback.version}",
        url=feedback.get_portal_url() if portal else feedback.get_absolute_url(),
    )


@transaction.atomic
def submit_feedback(*, user, project, kind, subject, body, attachments=()):
    """A client member sends an enquiry, suggestion, quality issue or complaint (→ open)."""
    from projects.attachments import attach, validate_uploads

    require(user, "feedback.create", project)
    validate_uploads(attachments)
    feedback = ClientFeedback(project=project, kind=kind, subject=subject, body=body,
                              submitted_by=user)
    feedback.full_clean(exclude=["project", "submitted_by"], validate_unique=False)
    feedback.save()
    FeedbackEvent.objects.create(feedback=feedback, from_status="", to_status=Status.OPEN,
                                 actor=user)
    attach(user=user, owner=feedback, project=project, uploads=attachments)
    _notify(
        feedback, actor=user, recipients=feedback_handlers(project=project), step="open",
        message=_("New client feedback %(ref)s “%(subject)s” on %(project)s."),
    )
    return feedback


@transaction.atomic
def assign_feedback(*, user, feedback, assignee, comment="", expected_version=None):
    """The pm or customer service hands the feedback to the person who will answer it."""
    require(user, "feedback.assign", feedback)
    feedback = _locked(feedback, expected_version, allowed_from=(Status.OPEN, Status.ASSIGNED),
                       to=Status.ASSIGNED)
    if assignee is None or assignee.is_client or not assignee.is_active or not (
        Membership.objects.filter(project=feedback.project, user=assignee).exists()
    ):
        raise ValidationError(
            {"assignee": _("Assign the feedback to someone on the project team.")}
        )
    feedback.assignee, feedback.assigned_at = assignee, timezone.now()
    _step(feedback, user=user, to=Status.ASSIGNED, comment=comment)
    feedback.save()
    _notify(
        feedback, actor=user, recipients=[assignee], step=f"assigned:{assignee.pk}",
        message=_("Client feedback %(ref)s “%(subject)s” (%(project)s) was assigned to you."),
    )
    return feedback


@transaction.atomic
def answer_feedback(*, user, feedback, answer, expected_version=None):
    """The assignee returns the result of the investigation to the client (→ answered)."""
    require(user, "feedback.answer", feedback)
    feedback = _locked(feedback, expected_version, allowed_from=(Status.ASSIGNED,),
                       to=Status.ANSWERED)
    if not (answer or "").strip():
        raise ValidationError({"answer": _("Write the answer the client will read.")})
    now = timezone.now()
    feedback.answer, feedback.answered_at = answer.strip(), now
    feedback.first_answered_at = feedback.first_answered_at or now
    _step(feedback, user=user, to=Status.ANSWERED)
    feedback.save()
    _notify(
        feedback, actor=user, recipients=[feedback.submitted_by], step="answered", portal=True,
        message=_("Your feedback %(ref)s “%(subject)s” has been answered."),
    )
    return feedback


@transaction.atomic
def confirm_feedback(*, user, feedback, comment="", expected_version=None):
    """The client who filed it accepts the answer (→ closed)."""
    require(user, "feedback.close", feedback)
    feedback = _locked(feedback, expected_version, allowed_from=(Status.ANSWERED,),
                       to=Status.CLOSED)
    feedback.closed_at = timezone.now()
    _step(feedback, user=user, to=Status.CLOSED, comment=comment)
    feedback.save()
    _notify(
        feedback, actor=user, recipients=[feedback.assignee], step="closed",
        message=_("The client confirmed the answer to %(ref)s “%(subject)s”."),
    )
    return feedback


@transaction.atomic
def reopen_feedback(*, user, feedback, comment, expected_version=None):
    """The client who filed it is not satisfied with the answer (→ open again)."""
    require(user, "feedback.close", feedback)
    feedback = _locked(feedback, expected_version, allowed_from=(Status.ANSWERED,),
                       to=Status.OPEN)
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Tell us what is still not resolved.")})
    feedback.reopened_count += 1
    feedback.closed_at = None
    _step(feedback, user=user, to=Status.OPEN, comment=comment.strip())
    feedback.save()
    _notify(
        feedback, actor=user, step="reopened",
        recipients=[feedback.assignee, *feedback_handlers(project=feedback.project)],
        message=_("The client reopened %(ref)s “%(subject)s” (%(project)s)."),
    )
    return feedback


@transaction.atomic
def update_internal_notes(*, user, feedback, internal_notes, expected_version=None):
    require(user, "feedback.edit_internal", feedback)
    feedback = feedback.locked(expected_version)
    feedback.internal_notes = internal_notes or ""
    feedback.save(update_fields=["internal_notes"])
    return feedback
