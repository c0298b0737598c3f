"""Reads for the notification pages and API, and who has reported progress this week (P2.1b)."""
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, Subquery

from projects.models import Membership, Project
from tasks.models import ProgressEntry, Task

from .jobs import CLOSED_TASK_STATUSES, week_bounds
from .models import AlertSettings, Kind, Notification, NotificationPreference


def notifications_for(user, *, unread=False, kind=None):
    """The user's own notifications, unread first, newest first."""
    notifications = Notification.objects.filter(recipient=user).select_related("project")
    if unread:
        notifications = notifications.filter(read=False)
    if kind:
        notifications = notifications.filter(kind=kind)
    return notifications.order_by("read", "-created_at", "-id")


def email_preferences(user):
    """{kind: Delivery} for every kind, the default filled in where the user chose nothing."""
    default = AlertSettings.load().default_email
    chosen = dict(
        NotificationPreference.objects.filter(user=user).values_list("kind", "email")
    )
    return {kind: chosen.get(kind, default) for kind in Kind.values}


def reporting_projects(user):
    """Open projects where the user is pm or assistant: they follow who reported (P2.1b)."""
    return (
        Project.objects.filter(
            memberships__user=user,
            memberships__role__in=[Membership.Role.PM, Membership.Role.ASSISTANT],
            status__in=Project.OPEN_STATUSES,
        ).order_by("code")
    )


def reporting_status(*, project, day):
    """The project's members who own open leaf tasks, each with `open_tasks`, `critical_tasks`,
    `reported` (a progress report this ISO week on the project's tasks, by them or on their
    tasks) and `last_report` (the date of the latest such report ever); non-reporters first."""
    monday, sunday = week_bounds(day)
    open_tasks = Task.objects.filter(project=project, is_summary=False).exclude(
        status__in=CLOSED_TASK_STATUSES
    )
    owned = open_tasks.filter(owner=OuterRef("user_id")).order_by().values("owner")
    entries = ProgressEntry.objects.filter(task__project=project).filter(
        Q(author=OuterRef("user_id")) | Q(task__owner=OuterRef("user_id"))
    )
    return (
        Membership.objects.filter(project=project).filter(Exists(owned))
        .select_related("user")
        .annotate(
            open_tasks=Subquery(owned.annotate(n=Count("pk")).values("n"),
                                output_field=IntegerField()),
            critical_tasks=Subquery(
                owned.filter(is_critical=True).annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            reported=Exists(entries.filter(date__range=(monday, sunday))),
            last_report=Subquery(
                entries.order_by().values("task__project").annotate(last=Max("date"))
                .values("last")
            ),
        )
        .order_by("reported", "user__display_name", "user__username")
    )
