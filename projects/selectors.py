"""Reads of initiation and team shaped for the pages: each returns rows already joined."""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.paginator import Paginator
from django.db import models
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import User

from .models import (
    ActionItem,
    InitiationRequest,
    InitiationTransition,
    Meeting,
    Membership,
    Project,
)
from .permissions import internal_projects, visible_initiations, visible_projects

PROJECT_SORTS = ("code", "name", "status", "planned_start", "planned_end")

# Team tables list the pm first, then assistant, members, … as Membership.Role declares them.
ROLE_ORDER = Case(
    *(When(role=role, then=Value(i)) for i, role in enumerate(Membership.Role.values)),
    output_field=models.IntegerField(),
)


def _pm_subquery(column):
    return Subquery(
        Membership.objects.filter(project=OuterRef("pk"), role=Membership.Role.PM)
        .values(column)[:1]
    )


# Who routes a project's client feedback (P2.3b): its pm and its customer-service team.
HANDLES_FEEDBACK = Q(role=Membership.Role.PM) | Q(team=Membership.Team.CUSTOMER_SERVICE)


def project_pm(*, project):
    """The project's manager, or None."""
    membership = (
        Membership.objects.filter(project=project, role=Membership.Role.PM)
        .select_related("user").first()
    )
    return membership.user if membership else None


def client_members(*, project):
    """The project's active client members: who hears what the portal shows."""
    return [m.user for m in Membership.objects.filter(
        project=project, role=Membership.Role.CLIENT, user__is_active=True,
    ).select_related("user")]


def feedback_handlers(*, project):
    """The project's active pm and customer-service team."""
    return [m.user for m in Membership.objects.filter(
        HANDLES_FEEDBACK, project=project, user__is_active=True).select_related("user")]


def project_list(*, user, sort="code"):
    """Internal projects the user may see, with PM name and team size in the same query."""
    team_size = Subquery(
        Membership.objects.filter(project=OuterRef("pk")).order_by().values("project")
        .annotate(n=Count("pk")).values("n")[:1],
        output_field=models.IntegerField(),
    )
    queryset = (
        Project.objects.filter(pk__in=internal_projects(user).values("pk"))
        .select_related("client_organization")
        .annotate(
            pm_id=_pm_subquery("user_id"),
            pm_name=_pm_subquery("user__display_name"),
            team_size=Coalesce(team_size, 0),
        )
    )
    field_name = sort.lstrip("-")
    if field_name not in PROJECT_SORTS:
        sort = "code"
    return queryset.order_by(sort, "pk")


def project_overview(*, project):
    """What the overview page shows besides the project row itself."""
    members = list(
        Membership.objects.filter(project=project)
        .select_related("user", "user__department").order_by(ROLE_ORDER, "user__display_name")
    )
    meetings = list(
        Meeting.objects.filter(project=project).annotate(action_count=Count("action_items"))
        .order_by("-held_at", "-id")[:5]
    )
    open_actions = list(
        ActionItem.objects.filter(meeting__project=project, is_done=False)
        .select_related("owner", "meeting").order_by("due_date", "id")[:20]
    )
    return {"members": members, "meetings": meetings, "open_actions": open_actions}


def project_for_page_queryset():
    return Project.objects.select_related(
        "client_organization", "department", "calendar", "initiation",
        "initiation__requester",
    )


def members_of(*, project):
    return (
        Membership.objects.filter(project=project)
        .select_related("user", "user__department", "user__organization")
        .order_by(ROLE_ORDER, "user__display_name", "id")
    )


def member_users(*, project):
    """Users on the project's team, for attendee and action-owner choices."""
    return User.objects.filter(memberships__project=project).order_by("display_name", "pk")


def meetings_of(*, project):
    return (
        Meeting.objects.filter(project=project)
        .select_related("recorded_by")
        .annotate(
            attendee_count=Count("attendees", distinct=True),
            action_count=Count("action_items", distinct=True),
        )
        .order_by("-held_at", "-id")
    )


def meeting_for_page(*, project, pk):
    return (
        Meeting.objects.filter(project=project)
        .select_related("recorded_by", "project")
        .prefetch_related(
            Prefetch("attendees", queryset=User.objects.order_by("display_name")),
            Prefetch("action_items", queryset=ActionItem.objects.select_related("owner")),
        )
        .get(pk=pk)
    )


def initiation_list(*, user):
    """The requests the user may see; `project_visible` says whether to link their project."""
    if user.sees_every_project or user.is_superuser:
        project_visible = Value(True)
    else:
        project_visible = Exists(
            Membership.objects.filter(project__initiation=OuterRef("pk"), user=user)
        )
    return visible_initiations(user).select_related(
        "requester", "proposed_pm", "department", "client_organization", "project"
    ).annotate(project_visible=project_visible).order_by("-created_at", "-id")


def approval_inbox(*, user):
    """Submitted requests waiting for management, oldest first (P3.1a)."""
    return visible_initiations(user).filter(
        status=InitiationRequest.Status.SUBMITTED
    ).select_related(
        "requester", "proposed_pm", "department", "client_organization"
    ).order_by("submitted_at", "id")


def initiation_for_page(*, pk):
    return (
        InitiationRequest.objects.select_related(
            "requester", "proposed_pm", "department", "client_organization", "calendar",
            "project",
        )
        .prefetch_related(
            Prefetch("transitions", queryset=InitiationTransition.objects.select_related("actor"))
        )
        .get(pk=pk)
    )


def portal_projects(*, user):
    """A client's own projects with client-safe columns only (no budget, no internal notes)."""
    if not user.is_client:
        return Project.objects.none()
    return visible_projects(user).only(
        "pk", "code", "name", "status", "percent_complete", "planned_start", "planned_end"
    ).order_by("planned_start", "code")


# --- Activity timeline ------------------------------------------------------------------------

@dataclass
class Change:
    field: str
    old: Any
    new: Any


@dataclass
class Activity:
    kind: str  # project, membership, meeting, initiation, transition
    at: datetime
    actor: Any
    action: str  # created, changed, deleted, or an initiation status
    subject: str
    url: str = ""
    comment: str = ""
    from_status: str = ""
    to_status: str = ""
    changes: list = field(default_factory=list)


def _history_sources(project):
    sources = {
        "project": (Project.history.model.objects.filter(id=project.pk), "history_id",
                    "history_date"),
        "membership": (Membership.history.model.objects.filter(project_id=project.pk),
                       "history_id", "history_date"),
        "meeting": (Meeting.history.model.objects.filter(project_id=project.pk), "history_id",
                    "history_date"),
    }
    if project.initiation_id:
        # Its creation and status changes are told by the transitions, with their comments.
        sources["initiation"] = (
            InitiationRequest.history.model.objects.filter(id=project.initiation_id)
            .exclude(history_type="+"),
            "history_id", "history_date",
        )
        sources["transition"] = (
            InitiationTransition.objects.filter(request_id=project.initiation_id), "id",
            "created_at",
        )
    return sources


def _previous_records(model, records):
    """The record before each one of the same object: two queries for any number of rows."""
    if not records:
        return {}
    previous_id = Subquery(
        model.objects.filter(id=OuterRef("id"), history_date__lte=OuterRef("history_date"))
        .exclude(history_id=OuterRef("history_id"))
        .order_by("-history_date", "-history_id").values("history_id")[:1]
    )
    pairs = dict(
        model.objects.filter(history_id__in=[r.history_id for r in records])
        .annotate(previous=previous_id).values_list("history_id", "previous")
    )
    previous = model.objects.in_bulk([p for p in pairs.values() if p is not None])
    return {hid: previous.get(pid) for hid, pid in pairs.items()}


def _display(model, name, value, related):
    try:
        model_field = model._meta.get_field(name)
    except Exception:
        return value
    if value in (None, ""):
        return None
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if model_field.is_relation and model_field.related_model is not None:
        return related.get((model_field.related_model, value), value)
    return value


# Fields whose changes the timeline shows elsewhere (initiation transitions) or not at all.
DIFF_EXCLUDED = {
    InitiationRequest.history.model: ["status", "submitted_at"],
    Meeting.history.model: ["attendees"],
}


def _diffs(model, records, previous):
    """Field changes per record, with related objects fetched once per related model."""
    raw = {}
    wanted = {}
    for record in records:
        old = previous.get(record.history_id)
        if record.history_type != "~" or old is None:
            continue
        delta = record.diff_against(old, excluded_fields=DIFF_EXCLUDED.get(model, []))
        raw[record.history_id] = delta.changes
        for change in delta.changes:
            model_field = model._meta.get_field(change.field)
            if model_field.is_relation and model_field.related_model is not None:
                ids = wanted.setdefault(model_field.related_model, set())
                ids.update(v for v in (change.old, change.new) if v is not None)
    related = {}
    for related_model, ids in wanted.items():
        for pk, obj in related_model._default_manager.in_bulk(ids).items():
            related[(related_model, pk)] = obj
    result = {}
    for history_id, changes in raw.items():
        result[history_id] = [
            Change(
                field=model._meta.get_field(c.field).verbose_name,
                old=_display(model, c.field, c.old, related),
                new=_display(model, c.field, c.new, related),
            )
            for c in changes
        ]
    return result


def _attendee_changes(records, previous):
    """Who joined or left a meeting's attendee list, from the m2m history in one query."""
    m2m_model = apps.get_model("projects", "HistoricalMeeting_attendees")
    history_ids = {r.history_id for r in records}
    history_ids.update(p.history_id for p in previous.values() if p is not None)
    rows = m2m_model.objects.filter(history_id__in=history_ids).select_related("user")
    by_record = {}
    for row in rows:
        by_record.setdefault(row.history_id, {})[row.user_id] = row.user
    changes = {}
    for record in records:
        old = previous.get(record.history_id)
        if record.history_type != "~" or old is None:
            continue
        before = by_record.get(old.history_id, {})
        after = by_record.get(record.history_id, {})
        if before.keys() != after.keys():
            changes[record.history_id] = Change(
                field=Meeting._meta.get_field("attendees").verbose_name,
                old=", ".join(str(u) for u in before.values()) or None,
                new=", ".join(str(u) for u in after.values()) or None,
            )
    return changes


ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def activity_page(*, project, page_number=1, per_page=25):
    """The project's timeline, newest first: a page of history rows and initiation decisions.

    One UNION query orders and pages the references; then each source loads only its rows on
    the page, so the number of queries does not grow with the history.
    """
    sources = _history_sources(project)
    parts = [
        queryset.order_by().annotate(
            activity_source=Value(kind, output_field=CharField()), activity_ref=F(ref),
            activity_at=F(at),
        ).values_list("activity_source", "activity_ref", "activity_at")
        for kind, (queryset, ref, at) in sources.items()
    ]
    union = parts[0].union(*parts[1:], all=True).order_by("-activity_at", "-activity_ref")
    page = Paginator(union, per_page).get_page(page_number)
    refs = list(page.object_list)
    wanted = {}
    for kind, ref, _at in refs:
        wanted.setdefault(kind, []).append(ref)

    loaded = {}
    models_by_kind = {
        "project": (Project.history.model, ("history_user",)),
        "membership": (Membership.history.model, ("history_user", "user")),
        "meeting": (Meeting.history.model, ("history_user",)),
        "initiation": (InitiationRequest.history.model, ("history_user",)),
    }
    for kind, (model, related) in models_by_kind.items():
        if kind not in wanted:
            continue
        records = list(model.objects.filter(history_id__in=wanted[kind]).select_related(*related))
        previous = _previous_records(model, records)
        diffs = _diffs(model, records, previous)
        attendees = _attendee_changes(records, previous) if kind == "meeting" else {}
        for record in records:
            loaded[(kind, record.history_id)] = _history_activity(
                kind, record, project,
                diffs.get(record.history_id, []) + (
                    [attendees[record.history_id]] if record.history_id in attendees else []
                ),
            )
    if "transition" in wanted:
        for transition in InitiationTransition.objects.filter(
            pk__in=wanted["transition"]
        ).select_related("actor", "request"):
            loaded[("transition", transition.pk)] = Activity(
                kind="transition", at=transition.created_at, actor=transition.actor,
                action="created" if transition.from_status == transition.to_status
                else transition.to_status,
                subject=transition.request.title, url=transition.request.get_absolute_url(),
                comment=transition.comment,
                from_status=transition.get_from_status_display(),
                to_status=transition.get_to_status_display(),
            )
    page.object_list = [
        loaded[(kind, ref)] for kind, ref, _at in refs
        if (kind, ref) in loaded and not _is_redundant(loaded[(kind, ref)])
    ]
    return page


def _is_redundant(activity):
    """An initiation saved only to change its status: its transition already says so."""
    return activity.kind == "initiation" and activity.action == "changed" and not activity.changes


def _history_activity(kind, record, project, changes):
    action = ACTIONS.get(record.history_type, "changed")
    url = ""
    if kind == "project":
        subject = f"{record.code} {record.name}"
    elif kind == "membership":
        subject = f"{record.user} · {record.get_role_display()}"
    elif kind == "meeting":
        subject = record.title
        if action != "deleted":
            url = Meeting(pk=record.id, project_id=project.pk).get_absolute_url()
    else:
        subject = record.title
        url = InitiationRequest(pk=record.id).get_absolute_url()
    return Activity(
        kind=kind, at=record.history_date, actor=record.history_user, action=action,
        subject=subject, url=url, changes=changes,
    )
