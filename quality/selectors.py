"""Reads of client feedback shaped for pages and the API."""
from django.db.models import DurationField, ExpressionWrapper, F

from projects.permissions import visible_projects

from .models import ClientFeedback


def visible_feedback(user):
    """Feedback of the projects the user sees (clients: their own organisation's projects)."""
    return ClientFeedback.objects.filter(project__in=visible_projects(user).values("pk"))


def with_response_time(feedback):
    """Annotate `response` (first answer − received) for ordering and averages."""
    return feedback.annotate(response=ExpressionWrapper(
        F("first_answered_at") - F("created_at"), output_field=DurationField()))


def feedback_list(user, *, project=None):
    rows = visible_feedback(user).select_related("project", "submitted_by", "assignee")
    if project is not None:
        rows = rows.filter(project=project)
    return with_response_time(rows)
