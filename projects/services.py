"""Every write with a rule in initiation and team: transitions, memberships, meetings."""
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import InvalidTransition, StaleVersion
from notifications.models import Notification
from notifications.services import notify

from .models import (
    ActionItem,
    InitiationRequest,
    InitiationTransition,
    Meeting,
    Membership,
    Project,
)
from .permissions import require

Status = InitiationRequest.Status

INITIATION_FIELDS = (
    "title", "background", "goals", "scope", "expected_benefits", "proposed_pm",
    "planned_start", "planned_end", "budget", "client_organization", "calendar",
)
# Project lifecycle (DESIGN.md): forward through the phases; on hold and cancelled from any
# open state; a project on hold resumes in any open phase.
_OPEN = ("initiating", "planning", "executing", "closing")
PROJECT_TRANSITIONS = {
    "initiating": {"planning", "on_hold", "cancelled"},
    "planning": {"executing", "on_hold", "cancelled"},
    "executing": {"closing", "on_hold", "cancelled"},
    "closing": {"closed", "executing", "on_hold", "cancelled"},
    "on_hold": {*_OPEN, "cancelled"},
    "closed": set(),
    "cancelled": set(),
}
PROJECT_FIELDS = (
    "name", "description", "status", "client_organization", "planned_start", "planned_end",
    "calendar", "budget", "internal_notes",
)


def _locked(instance, expected_version):
    """Re-read the row under a lock and refuse a stale version."""
    fresh = type(instance).objects.select_for_update().get(pk=instance.pk)
    if expected_version is not None and expected_version != fresh.version:
        raise StaleVersion(_("This object was changed by someone else."), current=fresh)
    return fresh


def _validate(instance, exclude=()):
    instance.full_clean(exclude=list(exclude), validate_unique=False)


def _check_dates(start, end):
    if start and end and end < start:
        raise ValidationError(
            {"planned_end": _("The planned end cannot be before the planned start.")}
        )


# --- Initiation (P3.1a) ---------------------------------------------------------------------

@transaction.atomic
def create_initiation(*, user, **fields):
    require(user, "initiation.create")
    request = InitiationRequest(requester=user, department=user.department, **fields)
    _check_dates(request.planned_start, request.planned_end)
    _validate(request, exclude=["requester"])
    request.save()
    InitiationTransition.objects.create(
        request=request, from_status=Status.DRAFT, to_status=Status.DRAFT, actor=user,
        comment="",
    )
    return request


@transaction.atomic
def update_initiation(*, user, request, expected_version=None, **fields):
    require(user, "initiation.change", request)
    request = _locked(request, expected_version)
    if not request.is_editable:
        raise InvalidTransition(_("Only a draft or a returned request can be edited."))
    for name, value in fields.items():
        if name in INITIATION_FIELDS:
            setattr(request, name, value)
    _check_dates(request.planned_start, request.planned_end)
    _validate(request)
    request.save()
    return request


def _transition(*, user, request, action, allowed_from, to, comment="", comment_required=False,
                expected_version=None):
    require(user, action, request)
    request = _locked(request, expected_version)
    if request.status not in allowed_from:
        raise InvalidTransition(
            _("This request is %(status)s; it cannot be moved to %(target)s.")
            % {"status": request.get_status_display(), "target": Status(to).label}
        )
    if comment_required and not (comment or "").strip():
        raise ValidationError({"comment": _("A comment is required.")})
    from_status = request.status
    request.status = to
    if to == Status.SUBMITTED:
        request.submitted_at = timezone.now()
    request.save()
    InitiationTransition.objects.create(
        request=request, from_status=from_status, to_status=to, actor=user, comment=comment or ""
    )
    if user.pk != request.requester_id:
        notify(
            recipients=[request.requester], kind=Notification.Kind.INITIATION,
            message=_("Your initiation request “%(title)s” is now %(status)s."),
            params={"title": request.title, "status": Status(to).label},
            dedupe_key=f"initiation:{request.pk}:{to}:{request.version}",
            url=request.get_absolute_url(),
        )
    return request


@transaction.atomic
def submit_initiation(*, user, request, expected_version=None):
    request = _transition(
        user=user, request=request, action="initiation.submit",
        allowed_from=(Status.DRAFT, Status.RETURNED), to=Status.SUBMITTED,
        expected_version=expected_version,
    )
    from accounts.selectors import management_users

    notify(
        recipients=list(management_users()), kind=Notification.Kind.INITIATION,
        message=_("New initiation request to decide: “%(title)s”."),
        params={"title": request.title},
        dedupe_key=f"initiation:{request.pk}:inbox:{request.version}",
        url=request.get_absolute_url(),
    )
    return request


@transaction.atomic
def approve_initiation(*, user, request, comment="", expected_version=None):
    """Approve a submitted request; the project starts in `planning` with its PM on the team."""
    request = _transition(
        user=user, request=request, action="initiation.decide", allowed_from=(Status.SUBMITTED,),
        to=Status.APPROVED, comment=comment, expected_version=expected_version,
    )
    project = _create_project_with_code(
        year=request.planned_start.year,
        name=request.title,
        description=request.scope,
        status=Project.Status.PLANNING,
        initiation=request,
        client_organization=request.client_organization,
        department=request.department,
        planned_start=request.planned_start,
        planned_end=request.planned_end,
        calendar=request.calendar,
        budget=request.budget,
    )
    Membership.objects.create(
        project=project, user=request.proposed_pm, role=Membership.Role.PM,
        duties=str(_("Project manager: planning, organising, coordination and control.")),
    )
    notify(
        recipients=[request.proposed_pm], kind=Notification.Kind.MEMBERSHIP,
        message=_("You are the project manager of %(project)s."),
        params={"project": str(project)}, project=project,
        dedupe_key=f"membership:{project.pk}:{request.proposed_pm_id}:pm",
        url=project.get_absolute_url(),
    )
    return request, project


def _create_project_with_code(*, year, **fields):
    """Create the project with the next free PRJ-YYYY-NNN code, retrying if another approval
    took the same number at the same moment (the unique constraint decides)."""
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return Project.objects.create(code=_next_project_code(year), **fields)
        except IntegrityError:
            continue
    raise InvalidTransition(_("Could not allocate a project code; please try again."))


def _next_project_code(year):
    prefix = f"PRJ-{year}-"
    last = Project.objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:03d}"


@transaction.atomic
def reject_initiation(*, user, request, comment, expected_version=None):
    return _transition(
        user=user, request=request, action="initiation.decide", allowed_from=(Status.SUBMITTED,),
        to=Status.REJECTED, comment=comment, comment_required=True,
        expected_version=expected_version,
    )


@transaction.atomic
def return_initiation(*, user, request, comment, expected_version=None):
    return _transition(
        user=user, request=request, action="initiation.decide", allowed_from=(Status.SUBMITTED,),
        to=Status.RETURNED, comment=comment, comment_required=True,
        expected_version=expected_version,
    )


# --- Project and team (P3.1b) ---------------------------------------------------------------

@transaction.atomic
def update_project(*, user, project, expected_version=None, **fields):
    require(user, "project.change", project)
    project = _locked(project, expected_version)
    scheduled_from = (project.planned_start, project.calendar_id)
    old_status, old_client = project.status, project.client_organization_id
    for name, value in fields.items():
        if name in PROJECT_FIELDS:
            setattr(project, name, value)
    if project.status != old_status and project.status not in PROJECT_TRANSITIONS[old_status]:
        raise InvalidTransition(
            _("A project that is %(old)s cannot become %(new)s.")
            % {"old": Project.Status(old_status).label, "new": Project.Status(project.status).label}
        )
    if project.client_organization_id != old_client and project.memberships.filter(
        role=Membership.Role.CLIENT
    ).exists():
        raise ValidationError({"client_organization": _(
            "Remove the client members of the current client before changing the client."
        )})
    _check_dates(project.planned_start, project.planned_end)
    _validate(project)
    replan = scheduled_from != (project.planned_start, project.calendar_id)
    project.save()
    if replan:
        from tasks.services import schedule_project

        schedule_project(project=project)
    return project


def _validate_membership(membership):
    project = membership.project
    user = membership.user
    if membership.role == Membership.Role.CLIENT or user.is_client:
        if not user.is_client or membership.role != Membership.Role.CLIENT:
            raise ValidationError({"role": _(
                "Client users join a project only with the client role, and only they do."
            )})
        if not project.client_organization_id or (
            user.organization_id != project.client_organization_id
        ):
            raise ValidationError({"user": _(
                "A client member must be a user of the project's client organisation."
            )})
    if not user.is_active:
        raise ValidationError({"user": _("This user is inactive.")})
    _validate(membership, exclude=["project", "user"])


def _save_membership(membership):
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        if Membership.objects.filter(project=membership.project, user=membership.user).exclude(
            pk=membership.pk
        ).exists():
            raise ValidationError({"user": _("This person is already on the team.")}) from None
        raise ValidationError({"role": _("The project already has a project manager.")}) from None


@transaction.atomic
def add_member(*, user, project, member, role, team="", duties=""):
    require(user, "membership.manage", project)
    membership = Membership(project=project, user=member, role=role, team=team or "",
                            duties=duties or "")
    _validate_membership(membership)
    _save_membership(membership)
    notify(
        recipients=[member], kind=Notification.Kind.MEMBERSHIP,
        message=_("You joined %(project)s as %(role)s."),
        params={"project": str(project), "role": membership.get_role_display()},
        project=project, dedupe_key=f"membership:{project.pk}:{member.pk}:{membership.pk}",
        url=project.get_absolute_url() if not member.is_client else "",
    )
    return membership


@transaction.atomic
def update_member(*, user, membership, expected_version=None, **fields):
    require(user, "membership.manage", membership.project)
    membership = _locked(membership, expected_version)
    for name in ("role", "team", "duties"):
        if name in fields:
            setattr(membership, name, fields[name] or "")
    _validate_membership(membership)
    _save_membership(membership)
    return membership


@transaction.atomic
def remove_member(*, user, membership):
    require(user, "membership.manage", membership.project)
    if membership.role == Membership.Role.PM:
        raise InvalidTransition(_(
            "The project manager cannot be removed; appoint another project manager first."
        ))
    membership.delete()


# --- Meetings (P3.1b kick-off, P3.2c regular meetings) --------------------------------------

def _set_action_items(meeting, action_items):
    if action_items is None:
        return
    meeting.action_items.all().delete()
    ActionItem.objects.bulk_create(
        ActionItem(meeting=meeting, **item) for item in action_items
    )


@transaction.atomic
def record_meeting(*, user, project, attendees=(), action_items=(), **fields):
    require(user, "meeting.manage", project)
    meeting = Meeting(project=project, recorded_by=user, **fields)
    _validate(meeting, exclude=["project", "recorded_by"])
    meeting.save()
    meeting.attendees.set(attendees)
    _set_action_items(meeting, action_items)
    owners = [item["owner"] for item in action_items or ()]
    notify(
        recipients=owners, kind=Notification.Kind.MEETING,
        message=_("You have an action item from the meeting “%(title)s”."),
        params={"title": meeting.title}, project=project,
        dedupe_key=f"meeting:{meeting.pk}:actions", url=meeting.get_absolute_url(),
    )
    return meeting


@transaction.atomic
def update_meeting(*, user, meeting, attendees=None, action_items=None, expected_version=None,
                   **fields):
    require(user, "meeting.manage", meeting.project)
    meeting = _locked(meeting, expected_version)
    for name in ("kind", "title", "held_at", "location", "minutes", "decisions"):
        if name in fields:
            setattr(meeting, name, fields[name])
    _validate(meeting)
    meeting.save()
    if attendees is not None:
        meeting.attendees.set(attendees)
    _set_action_items(meeting, action_items)
    return meeting


@transaction.atomic
def delete_meeting(*, user, meeting):
    require(user, "meeting.manage", meeting.project)
    meeting.delete()
