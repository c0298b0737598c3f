"""The alert jobs (P1.3, P2.1b, P3.2b, P4.2d): overdue, due soon, stale progress, reminders.

Each job is set-based: one SELECT finds every case and one INSERT … SELECT writes them
(PostgreSQL: ON CONFLICT DO NOTHING; SQLite: INSERT OR IGNORE), so no row passes through
Python and memory stays flat however many tasks there are. Running a job again, or twice at
once, adds nothing: Notification's unique constraints on (kind, recipient, task, day) decide,
not a check before the insert. Rows are inserted in a fixed order so that two runs at the same
moment wait for each other instead of deadlocking.

E-mail follows the insert: recipients who want a kind at once get it within minutes
(send_immediate_emails), the others once a day (send_digests); `emailed_at` and the EmailDigest
marker make sure nobody gets the same notification twice.
"""
import datetime

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, JSONObject
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from projects.models import Membership, Project
from projects.selectors import HANDLES_FEEDBACK
from tasks.models import ProgressEntry, Task

from .models import AlertSettings, Delivery, EmailDigest, Kind, Notification, NotificationPreference

CLOSED_TASK_STATUSES = (Task.Status.DONE, Task.Status.CANCELLED)
# The columns every job fills; the selects name them n_<column>.
COLUMNS = ("kind", "recipient_id", "project_id", "task_id", "day", "params", "message", "url",
           "read", "created_at")
# E-mails go out in batches of this many, one SMTP connection each.
EMAIL_BATCH = 200
# Notifications older than this are never e-mailed (someone who switches e-mail on does not
# get months of history).
EMAIL_MAX_AGE = datetime.timedelta(days=1)
DIGEST_MAX_AGE = datetime.timedelta(days=7)
# A typed NULL: PostgreSQL takes a bare NULL in a subquery for text.
NO_ID = Cast(Value(None), BigIntegerField())


def today():
    return timezone.localdate()


def parse_day(value):
    """A job's date: a date, an ISO string (as Celery passes it), or None for today."""
    if value is None or value == "":
        return today()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


# --- Writing the cases --------------------------------------------------------------------

def _row(*, kind, recipient, day, params, now, project=None, task=None):
    """The n_<column> annotations of one notification row per selected task (by default)."""
    return {
        "n_kind": Value(kind, output_field=CharField()),
        "n_recipient_id": recipient,
        "n_project_id": F("project_id") if project is None else project,
        "n_task_id": F("pk") if task is None else task,
        "n_day": day if hasattr(day, "resolve_expression") else Value(day, DateField()),
        "n_params": params,
        "n_message": Value("", output_field=CharField()),
        "n_url": Value("", output_field=CharField()),
        "n_read": Value(False, output_field=BooleanField()),
        "n_created_at": Value(now, output_field=DateTimeField()),
    }


def _cases(queryset, **row):
    """`queryset` reduced to the notification columns, unordered."""
    annotations = _row(**row)
    return queryset.order_by().annotate(**annotations).values(*annotations)


def insert_cases(*querysets):
    """INSERT the notification rows the querysets select, skipping those that exist; → count.

    The querysets (from _cases) are combined with UNION ALL: a row selected twice (a task's
    owner who is also its project's pm) is dropped by the same conflict rule as one inserted
    before, which costs far less than UNION's comparison of every row.
    """
    combined = (querysets[0].union(*querysets[1:], all=True) if len(querysets) > 1
                else querysets[0])
    select, params = combined.query.sql_with_params()
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in COLUMNS)
    picked = ", ".join(connection.ops.quote_name(f"n_{column}") for column in COLUMNS)
    order = ", ".join(connection.ops.quote_name(f"n_{column}")
                      for column in ("recipient_id", "task_id", "kind", "day"))
    if connection.vendor == "postgresql":
        verb, tail = "INSERT INTO", " ON CONFLICT DO NOTHING"
    else:
        verb, tail = "INSERT OR IGNORE INTO", ""
    sql = (f"{verb} {table} ({columns}) SELECT {picked} FROM ({select}) cases "
           f"ORDER BY {order}{tail}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _leaf_tasks(*, project_statuses=Project.OPEN_STATUSES):
    """Leaf tasks still to be done in projects that are under way."""
    return Task.objects.filter(
        is_summary=False, project__status__in=project_statuses,
    ).exclude(status__in=CLOSED_TASK_STATUSES)


def _task_params(**extra):
    return JSONObject(task=F("name"), project=F("project__code"), **extra)


def _owners(tasks, *, kind, day, params, now):
    return _cases(tasks.filter(owner__is_active=True), kind=kind, recipient=F("owner_id"),
                  day=day, params=params, now=now)


def _team(tasks, role, *, kind, day, params, now):
    """The same cases for every project member in `role`, joined in one filter() so that the
    recipient is the member matched by the role."""
    members = tasks.filter(project__memberships__role=role,
                           project__memberships__user__is_active=True)
    return _cases(members, kind=kind, recipient=F("project__memberships__user_id"), day=day,
                  params=params, now=now)


# --- The jobs ------------------------------------------------------------------------------

def run_overdue(*, on=None):
    """API.md: a leaf task not done or cancelled whose planned finish is before `on`; its owner
    and its project's pm get one notification per task and day."""
    on = parse_day(on)
    now = timezone.now()
    tasks = _leaf_tasks().filter(planned_end__lt=on)
    row = {"kind": Kind.OVERDUE, "day": on, "params": _task_params(due=F("planned_end")),
           "now": now}
    return insert_cases(_owners(tasks, **row), _team(tasks, Membership.Role.PM, **row))


def run_due_soon(*, on=None):
    """Leaf tasks due within AlertSettings.due_soon_days of `on` (critical-path ones within
    due_soon_days_critical): their owner hears once per deadline."""
    on = parse_day(on)
    limits = AlertSettings.load()
    horizon = on + datetime.timedelta(days=limits.due_soon_days)
    critical_horizon = on + datetime.timedelta(days=limits.due_soon_days_critical)
    tasks = _leaf_tasks().filter(planned_end__gte=on).filter(
        Q(planned_end__lte=horizon) | Q(is_critical=True, planned_end__lte=critical_horizon)
    )
    params = _task_params(due=F("planned_end"), critical=F("is_critical"))
    return insert_cases(_owners(tasks, kind=Kind.DUE_SOON, day=F("planned_end"), params=params,
                                now=timezone.now()))


def run_stale_progress(*, on=None):
    """Tasks in progress with no progress report for AlertSettings.stale_progress_days: their
    owner and the project's assistants hear once for each report that went stale."""
    on = parse_day(on)
    limit = on - datetime.timedelta(days=AlertSettings.load().stale_progress_days)
    last_report = Subquery(
        ProgressEntry.objects.filter(task=OuterRef("pk")).order_by("-date").values("date")[:1]
    )
    tasks = (
        _leaf_tasks().filter(status=Task.Status.IN_PROGRESS)
        .alias(since=Coalesce(last_report, F("actual_start")))
        .filter(since__lte=limit)
    )
    row = {"kind": Kind.STALE_PROGRESS, "day": F("since"),
           "params": _task_params(since=F("since")), "now": timezone.now()}
    return insert_cases(_owners(tasks, **row), _team(tasks, Membership.Role.ASSISTANT, **row))


def week_bounds(day):
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def iso_week(day):
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def reported_in_week(*, user_ref, monday, sunday, tasks=None):
    """Whether the user reported progress that week: an entry by them, or on a task they own."""
    entries = ProgressEntry.objects.filter(date__range=(monday, sunday))
    if tasks is not None:
        entries = entries.filter(task__in=tasks)
    return Exists(entries.filter(Q(author=user_ref) | Q(task__owner=user_ref)))


def run_progress_reminders(*, on=None):
    """On AlertSettings.progress_reminder_weekday, everyone who owns open leaf tasks in
    executing projects and has reported nothing this ISO week gets one reminder for the week."""
    on = parse_day(on)
    if on.weekday() != AlertSettings.load().progress_reminder_weekday:
        return 0
    monday, sunday = week_bounds(on)
    open_tasks = _leaf_tasks(project_statuses=[Project.Status.EXECUTING])
    owned = open_tasks.filter(owner=OuterRef("pk"))
    owned_count = owned.order_by().values("owner").annotate(n=Count("pk")).values("n")
    people = (
        User.objects.filter(is_active=True).filter(Exists(owned))
        .exclude(reported_in_week(user_ref=OuterRef("pk"), monday=monday, sunday=sunday))
    )
    return insert_cases(_cases(
        people, kind=Kind.PROGRESS_REMINDER, recipient=F("pk"), day=monday,
        params=JSONObject(week=Value(iso_week(on)),
                          tasks=Subquery(owned_count, output_field=IntegerField())),
        project=NO_ID, task=NO_ID, now=timezone.now(),
    ))


def _waiting_feedback(*, cutoff):
    """Client feedback not answered since it was (re)opened before `cutoff`."""
    from quality.models import ClientFeedback, FeedbackEvent

    opened = FeedbackEvent.objects.filter(
        feedback=OuterRef("pk"), to_status=ClientFeedback.Status.OPEN,
    ).order_by("-created_at", "-pk").values("created_at")[:1]
    return (
        ClientFeedback.objects.filter(
            status__in=(ClientFeedback.Status.OPEN, ClientFeedback.Status.ASSIGNED),
            project__status__in=Project.OPEN_STATUSES,
        )
        .alias(since=Coalesce(Subquery(opened), F("created_at"))).filter(since__lt=cutoff)
    )


def run_feedback_waiting(*, on=None):
    """Client feedback unanswered for longer than AlertSettings.feedback_response_hours (P2.3b):
    once a day, its assignee — or, while nobody is assigned, the pm and the project's
    customer-service team — hear how many items wait on them."""
    from quality.models import ClientFeedback

    on = parse_day(on)
    hours = AlertSettings.load().feedback_response_hours
    end_of_day = timezone.make_aware(datetime.datetime.combine(on, datetime.time.max))
    cutoff = min(timezone.now(), end_of_day) - datetime.timedelta(hours=hours)
    handles = Membership.objects.filter(
        HANDLES_FEEDBACK, user=OuterRef(OuterRef("pk"))).values("project")
    mine = _waiting_feedback(cutoff=cutoff).filter(
        Q(status=ClientFeedback.Status.ASSIGNED, assignee=OuterRef("pk"))
        | Q(status=ClientFeedback.Status.OPEN, project__in=handles)
    )
    count = mine.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    people = User.objects.filter(is_active=True).exclude(
        system_role=User.SystemRole.CLIENT).filter(Exists(mine))
    return insert_cases(_cases(
        people, kind=Kind.FEEDBACK_WAITING, recipient=F("pk"), day=on,
        params=JSONObject(count=Subquery(count, output_field=IntegerField()),
                          hours=Value(hours)),
        project=NO_ID, task=NO_ID, now=timezone.now(),
    ))


ALERT_JOBS = {
    "overdue": run_overdue,
    "due_soon": run_due_soon,
    "stale_progress": run_stale_progress,
    "progress_reminder": run_progress_reminders,
    "feedback_waiting": run_feedback_waiting,
}


def run(name, *, on=None):
    """One alert job, then e-mail to those who want its notifications at once; → inserted."""
    created = ALERT_JOBS[name](on=parse_day(on))
    send_immediate_emails()
    return created


def run_all(*, on=None):
    """Every alert job for `on`, then the e-mails: {job: count} (manage.py run_alerts)."""
    on = parse_day(on)
    counts = {name: job(on=on) for name, job in ALERT_JOBS.items()}
    counts["emails"] = send_immediate_emails()
    counts["digests"] = send_digests(on=on)
    return counts


# --- E-mail ----------------------------------------------------------------------------------

def email_choice():
    """Each notification's recipient's e-mail choice for its kind, default included."""
    chosen = NotificationPreference.objects.filter(
        user=OuterRef("recipient_id"), kind=OuterRef("kind")
    ).values("email")[:1]
    return Coalesce(Subquery(chosen), Value(AlertSettings.load().default_email),
                    output_field=CharField())


def _to_email(choice, *, since):
    return (
        Notification.objects.filter(emailed_at__isnull=True, created_at__gte=since,
                                    recipient__is_active=True)
        .exclude(recipient__email="")
        .alias(email_choice=email_choice()).filter(email_choice=choice)
    )


def _site_url(path):
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}" if path else ""


def _render(notification):
    """The notification as a line of an e-mail, in the active language."""
    link = _site_url(notification.link)
    return f"{notification.text}\n{link}" if link else notification.text


def send_immediate_emails(*, now=None):
    """E-mail every recent notification whose recipient wants its kind at once; → sent.

    A batch is taken under row locks that other workers skip, sent, and marked e-mailed in the
    same transaction: a failed send leaves it for the next run, and nothing goes out twice.
    """
    since = (now or timezone.now()) - EMAIL_MAX_AGE
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                _to_email(Delivery.IMMEDIATELY, since=since).select_related("recipient")
                .select_for_update(skip_locked=True, of=("self",)).order_by("id")[:EMAIL_BATCH]
            )
            if not batch:
                return sent
            messages = []
            for notification in batch:
                with translation.override(notification.recipient.language or "en"):
                    subject = _("[Jindu] %(kind)s") % {"kind": notification.get_kind_display()}
                    messages.append((subject, _render(notification), None,
                                     [notification.recipient.email]))
            send_mass_mail(messages, fail_silently=False)
            Notification.objects.filter(pk__in=[n.pk for n in batch]).update(
                emailed_at=timezone.now()
            )
            sent += len(batch)


def send_digests(*, on=None, now=None):
    """One e-mail per recipient who wants a daily digest, listing their unread notifications
    not e-mailed yet; → digests sent. The EmailDigest row of (recipient, day), inserted in the
    same transaction as the send, makes a second run on the same day send nothing."""
    on = parse_day(on)
    pending = _to_email(Delivery.DIGEST, since=(now or timezone.now()) - DIGEST_MAX_AGE).filter(
        read=False
    )
    recipients = pending.order_by().values_list("recipient_id", flat=True).distinct()
    sent = 0
    for recipient_id in list(recipients):
        with transaction.atomic():
            marker, created = EmailDigest.objects.get_or_create(recipient_id=recipient_id,
                                                                 day=on)
            if not created:
                continue
            notifications = list(
                pending.filter(recipient_id=recipient_id).select_related("recipient")
                .select_for_update(of=("self",)).order_by("created_at", "id")
            )
            if not notifications:
                marker.delete()
                continue
            recipient = notifications[0].recipient
            with translation.override(recipient.language or "en"):
                subject = ngettext("[Jindu] %(count)d unread notification",
                                   "[Jindu] %(count)d unread notifications",
                                   len(notifications)) % {"count": len(notifications)}
                body = "\n\n".join(_render(n) for n in notifications)
            send_mass_mail([(subject, body, None, [recipient.email])], fail_silently=False)
            Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
                emailed_at=timezone.now()
            )
            EmailDigest.objects.filter(pk=marker.pk).update(notifications=len(notifications))
            sent += 1
    return sent

