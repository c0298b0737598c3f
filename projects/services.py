"""Every write with a rule in initiation and team: transitions, memberships, meetings."""
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import InvalidTransition
from notifications.models import Notification
from notifications.services import notify

from .models import (
    ActionItem,
    ChangeRequest,
    ChangeRequestTransition,
    InitiationRequest,
    InitiationTransition,
    Meeting,
    Membership,
    Project,
)
from .permissions import require
from .selectors import client_members, project_pm

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
    request = request.locked(expected_version)
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
    request = request.locked(expected_version)
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
    project = project.locked(expected_version)
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
    membership = membership.locked(expected_version)
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
    meeting = meeting.locked(expected_version)
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


# --- Change requests (P4.3b) ----------------------------------------------------------------

CR = ChangeRequest.Status


def _notify_change(change_request, *, actor, message, step, internal=(), clients=True):
    """Tell the client side (portal link) and the named internal people (internal link)."""
    project = change_request.project
    params = {"ref": change_request.reference, "title": change_request.title,
              "project": project.name}
    key = f"change:{change_request.pk}:{step}:{change_request.version}"
    if clients:
        people = client_members(project=project)
        if change_request.requested_by.is_client:
            people.append(change_request.requested_by)
        notify(
            recipients=[u for u in people if u.pk != actor.pk],
            kind=Notification.Kind.CHANGE_REQUEST, message=message, params=params,
            project=project, dedupe_key=f"{key}:client", url=change_request.get_portal_url(),
        )
    notify(
        recipients=[u for u in internal if u is not None and u.pk != actor.pk],
        kind=Notification.Kind.CHANGE_REQUEST, message=message, params=params,
        project=project, dedupe_key=f"{key}:team", url=change_request.get_absolute_url(),
    )


def _change_transition(change_request, *, user, to, comment=""):
    ChangeRequestTransition.objects.create(
        change_request=change_request, from_status=change_request.status, to_status=to,
        actor=user, comment=comment or "",
    )
    change_request.status = to


def _locked_change(change_request, *, expected_version, allowed_from, to):
    change_request = change_request.locked(expected_version)
    if change_request.status not in allowed_from:
        raise InvalidTransition(
            _("This change request is %(status)s; it cannot become %(target)s.")
            % {"status": change_request.get_status_display(), "target": CR(to).label}
        )
    return change_request


@transaction.atomic
def submit_change_request(*, user, project, title, description, reason, attachments=()):
    """A client member of the project, or its pm, asks for a change (→ submitted)."""
    from .attachments import attach, validate_uploads

    require(user, "change_request.create", project)
    if not project.is_open:
        raise InvalidTransition(_("Changes can only be requested while the project is open."))
    validate_uploads(attachments)
    change_request = ChangeRequest(
        project=project, title=title, description=description, reason=reason,
        requested_by=user, status=CR.SUBMITTED,
    )
    _validate(change_request, exclude=["project", "requested_by"])
    change_request.save()
    ChangeRequestTransition.objects.create(
        change_request=change_request, from_status="", to_status=CR.SUBMITTED, actor=user,
    )
    attach(user=user, owner=change_request, project=project, uploads=attachments)
    _notify_change(
        change_request, actor=user, step="submitted", internal=[project_pm(project=project)],
        message=_("Change request %(ref)s “%(title)s” was submitted for %(project)s."),
    )
    return change_request


@transaction.atomic
def assess_change_request(*, user, change_request, schedule_impact_days, cost_impact,
                          quality_impact, comment="", expected_version=None):
    """The pm states the impact on schedule (working days), cost and quality (→ assessed).

    A request may be assessed again until it is decided.
    """
    require(user, "change_request.assess", change_request)
    change_request = _locked_change(
        change_request, expected_version=expected_version,
        allowed_from=(CR.SUBMITTED, CR.ASSESSED), to=CR.ASSESSED,
    )
    errors = {}
    if schedule_impact_days is None:
        errors["schedule_impact_days"] = _("State the impact on the schedule (0 for none).")
    if cost_impact is None:
        errors["cost_impact"] = _("State the impact on cost (0 for none).")
    if not (quality_impact or "").strip():
        errors["quality_impact"] = _("Describe the impact on quality (or write that there is "
                                     "none).")
    if errors:
        raise ValidationError(errors)
    change_request.schedule_impact_days = schedule_impact_days
    change_request.cost_impact = cost_impact
    change_request.quality_impact = quality_impact.strip()
    change_request.assessed_by, change_request.assessed_at = user, timezone.now()
    _change_transition(change_request, user=user, to=CR.ASSESSED, comment=comment)
    _validate(change_request)
    change_request.save()
    from accounts.selectors import management_users

    _notify_change(
        change_request, actor=user, step="assessed",
        internal=[project_pm(project=change_request.project), *management_users()],
        message=_("Change request %(ref)s “%(title)s” (%(project)s) was assessed and awaits a "
                  "decision."),
    )
    return change_request


def _decide_change(*, user, change_request, to, comment, expected_version):
    require(user, "change_request.decide", change_request)
    change_request = _locked_change(
        change_request, expected_version=expected_version, allowed_from=(CR.ASSESSED,), to=to,
    )
    if to == CR.REJECTED and not (comment or "").strip():
        raise ValidationError({"comment": _("Give the reasons for rejecting the change.")})
    change_request.decided_by, change_request.decided_at = user, timezone.now()
    change_request.decision_reason = (comment or "").strip()
    _change_transition(change_request, user=user, to=to, comment=comment)
    change_request.save()
    message = (
        _("Change request %(ref)s “%(title)s” (%(project)s) was approved.") if to == CR.APPROVED
        else _("Change request %(ref)s “%(title)s” (%(project)s) was rejected.")
    )
    internal = [project_pm(project=change_request.project)]
    if not change_request.requested_by.is_client:
        internal.append(change_request.requested_by)
    _notify_change(change_request, actor=user, step=to, internal=internal, message=message)
    return change_request


@transaction.atomic
def approve_change_request(*, user, change_request, comment="", expected_version=None):
    return _decide_change(user=user, change_request=change_request, to=CR.APPROVED,
                          comment=comment, expected_version=expected_version)


@transaction.atomic
def reject_change_request(*, user, change_request, comment, expected_version=None):
    return _decide_change(user=user, change_request=change_request, to=CR.REJECTED,
                          comment=comment, expected_version=expected_version)


@transaction.atomic
def implement_change_request(*, user, change_request, comment="", changed_tasks=None,
                             expected_version=None):
    """The pm has changed the plan: link the changed tasks and take a new baseline."""
    from tasks.models import Baseline, Task
    from tasks.services import take_baseline

    require(user, "change_request.implement", change_request)
    change_request = _locked_change(
        change_request, expected_version=expected_version, allowed_from=(CR.APPROVED,),
        to=CR.IMPLEMENTED,
    )
    project = change_request.project
    tasks = list(changed_tasks or ())
    foreign = [t for t in tasks if not isinstance(t, Task) or t.project_id != project.pk]
    if foreign:
        raise ValidationError({"changed_tasks": _("Only tasks of this project can be linked.")})
    change_request.previous_baseline = (
        Baseline.objects.filter(project=project).order_by("-number").first()
    )
    change_request.baseline = take_baseline(
        user=user, project=project,
        name=str(_("After %(ref)s: %(title)s") % {
            "ref": change_request.reference, "title": change_request.title})[:200],
    )
    change_request.implemented_by, change_request.implemented_at = user, timezone.now()
    _change_transition(change_request, user=user, to=CR.IMPLEMENTED, comment=comment)
    change_request.save()
    change_request.changed_tasks.set(tasks)
    _notify_change(
        change_request, actor=user, step="implemented",
        internal=[] if change_request.requested_by.is_client else [change_request.requested_by],
        message=_("Change request %(ref)s “%(title)s” (%(project)s) has been implemented in the "
                  "plan."),
    )
    return change_request


@transaction.atomic
def update_change_notes(*, user, change_request, internal_notes, expected_version=None):
    require(user, "change_request.edit_internal", change_request)
    change_request = change_request.locked(expected_version)
    change_request.internal_notes = internal_notes or ""
    change_request.save(update_fields=["internal_notes"])
    return change_request
