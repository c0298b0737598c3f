"""The one place that decides who may see and do what (DESIGN.md "People and permissions").

Pages, API viewsets, exports and background jobs all call `can`, `require` and the visibility
querysets below. A user sees a project only as a member, management, supervisor or admin;
clients see only their own projects, and only through client-safe views. What a user may not
see is 404; what they see but may not do is 403.
"""
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from accounts.models import User

from .models import InitiationRequest, Membership, Project

Role = Membership.Role
SystemRole = User.SystemRole

# Project roles that may change each kind of thing (DESIGN.md).
PLAN_ROLES = frozenset({Role.PM})
PROGRESS_ROLES = frozenset({Role.PM, Role.ASSISTANT})
MEETING_ROLES = frozenset({Role.PM, Role.ASSISTANT})
REPORT_ROLES = frozenset({Role.PM, Role.ASSISTANT})


def project_role(user, project):
    """The user's role on the project, or None; cached on the user for the request."""
    if not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault("_jindu_project_roles", {})
    project_id = project.pk if isinstance(project, Project) else project
    if project_id not in cache:
        cache[project_id] = (
            Membership.objects.filter(project_id=project_id, user=user)
            .values_list("role", flat=True).first()
        )
    return cache[project_id]


def remember_roles(user, roles):
    """Seed the role cache from a query that already fetched them (list pages)."""
    user.__dict__.setdefault("_jindu_project_roles", {}).update(roles)


def is_admin(user, _obj=None):
    return user.is_authenticated and (user.is_superuser or user.system_role == SystemRole.ADMIN)


def visible_projects(user):
    """Every project the user may see at all (clients: their own, through the portal)."""
    if not user.is_authenticated or not user.is_active:
        return Project.objects.none()
    if user.sees_every_project or user.is_superuser:
        return Project.objects.all()
    if user.is_client:
        return Project.objects.filter(
            memberships__user=user, memberships__role=Role.CLIENT,
            client_organization_id=user.organization_id,
        )
    return Project.objects.filter(memberships__user=user)


def internal_projects(user):
    """Projects whose internal pages and full API the user may open (never for clients)."""
    if not user.is_authenticated or user.is_client:
        return Project.objects.none()
    return visible_projects(user)


def visible_change_requests(user):
    """Change requests of the projects the user sees (clients: their own organisation's)."""
    from .models import ChangeRequest

    return ChangeRequest.objects.filter(project__in=visible_projects(user).values("pk"))


def visible_initiations(user):
    if not user.is_authenticated or user.is_client:
        return InitiationRequest.objects.none()
    if user.sees_every_project or user.is_superuser:
        return InitiationRequest.objects.all()
    return InitiationRequest.objects.filter(Q(requester=user) | Q(proposed_pm=user))


def _can_view_project(user, project):
    if not user.is_authenticated or not user.is_active:
        return False
    if user.sees_every_project or user.is_superuser:
        return True
    role = project_role(user, project)
    if user.is_client:
        return role == Role.CLIENT and project.client_organization_id == user.organization_id
    return role is not None


def _project_rule(allowed_roles):
    def rule(user, project):
        return is_admin(user) or (
            not user.is_client and project_role(user, project) in allowed_roles
        )
    return rule


def _internal(user, _obj=None):
    return user.is_authenticated and not user.is_client


def _initiation_visible(user, request):
    return (
        user.is_authenticated and not user.is_client
        and (user.sees_every_project or user.is_superuser
             or user.pk in (request.requester_id, request.proposed_pm_id))
    )


def _on_project(rule):
    """A rule about a project applied to an object that belongs to one (`obj.project`)."""
    return lambda user, obj: rule(user, obj.project)


def _is_project_client(user, project):
    return user.is_client and _can_view_project(user, project) and (
        project_role(user, project) == Role.CLIENT
    )


def _is_customer_service(user, project):
    """A member of the project's customer-service team (P2.3b)."""
    return not user.is_client and Membership.objects.filter(
        project=project, user=user, team=Membership.Team.CUSTOMER_SERVICE
    ).exists()


def _decides_changes(user, change_request):
    return is_admin(user) or user.system_role == SystemRole.MANAGEMENT or (
        not user.is_client and project_role(user, change_request.project) == Role.PM
    )


def _owner_visible(user, attachment):
    """An attachment is visible exactly when the object it belongs to is."""
    owner = attachment.owner
    return owner is not None and can(user, owner.view_action, owner)


# action -> (visibility rule, permission rule). Visibility failing gives 404, permission 403.
RULES = {
    # Accounts and reference data (admin; DESIGN.md). Internal users read them for pickers.
    "directory.view": (None, _internal),
    "user.manage": (None, is_admin),
    "organization.manage": (None, is_admin),
    "department.manage": (None, is_admin),
    "calendar.manage": (None, is_admin),
    # Initiation (P3.1a)
    "initiation.create": (None, lambda u, _o: u.is_authenticated and u.system_role in (
        SystemRole.ADMIN, SystemRole.MANAGEMENT, SystemRole.STAFF)),
    "initiation.list": (None, _internal),
    "initiation.view": (_initiation_visible, _initiation_visible),
    "initiation.change": (_initiation_visible, lambda u, r: u.pk == r.requester_id),
    "initiation.submit": (_initiation_visible, lambda u, r: u.pk == r.requester_id),
    "initiation.decide": (_initiation_visible, lambda u, _r: u.system_role in (
        SystemRole.MANAGEMENT, SystemRole.ADMIN) or u.is_superuser),
    "initiation.inbox": (None, lambda u, _o: u.is_authenticated and u.system_role in (
        SystemRole.MANAGEMENT, SystemRole.ADMIN)),
    # Projects and team (P3.1b)
    "project.view": (_can_view_project, _can_view_project),
    "project.view_internal": (
        _can_view_project, lambda u, p: not u.is_client and _can_view_project(u, p)
    ),
    "project.change": (_can_view_project, _project_rule(PLAN_ROLES)),
    "membership.manage": (_can_view_project, _project_rule(PLAN_ROLES)),
    "meeting.view": (_can_view_project, lambda u, p: not u.is_client),
    "meeting.manage": (_can_view_project, _project_rule(MEETING_ROLES)),
    # Plan and progress (used by the tasks app)
    "plan.change": (_can_view_project, _project_rule(PLAN_ROLES)),
    "progress.report_any": (_can_view_project, _project_rule(PROGRESS_ROLES)),
    # obj is a task: its owner reports on it; the pm and the assistant on any task (P3.2a/b).
    "progress.report": (
        lambda u, t: _can_view_project(u, t.project),
        lambda u, t: (t.owner_id == u.pk and project_role(u, t.project_id) is not None)
        or _project_rule(PROGRESS_ROLES)(u, t.project),
    ),
    # Client rights (P4.3): change requests, feedback, published reports, attachments.
    "change_request.view": (_on_project(_can_view_project), _on_project(_can_view_project)),
    "change_request.create": (
        _can_view_project,
        lambda u, p: _project_rule(PLAN_ROLES)(u, p) or _is_project_client(u, p),
    ),
    "change_request.assess": (
        _on_project(_can_view_project), _on_project(_project_rule(PLAN_ROLES))
    ),
    "change_request.decide": (_on_project(_can_view_project), _decides_changes),
    "change_request.implement": (
        _on_project(_can_view_project), _on_project(_project_rule(PLAN_ROLES))
    ),
    "change_request.edit_internal": (
        _on_project(_can_view_project), _on_project(_project_rule(PLAN_ROLES))
    ),
    "feedback.list_internal": (None, _internal),
    "feedback.view": (_on_project(_can_view_project), _on_project(_can_view_project)),
    "feedback.create": (_can_view_project, _is_project_client),
    "feedback.assign": (
        _on_project(_can_view_project),
        lambda u, f: _project_rule(PLAN_ROLES)(u, f.project) or _is_customer_service(u, f.project),
    ),
    "feedback.answer": (
        _on_project(_can_view_project),
        lambda u, f: not u.is_client and (is_admin(u) or u.pk == f.assignee_id),
    ),
    "feedback.edit_internal": (
        _on_project(_can_view_project),
        lambda u, f: not u.is_client and (
            is_admin(u) or u.pk == f.assignee_id
            or _project_rule(PLAN_ROLES)(u, f.project) or _is_customer_service(u, f.project)
        ),
    ),
    "feedback.close": (_on_project(_can_view_project), lambda u, f: u.pk == f.submitted_by_id),
    "report.view": (_on_project(_can_view_project), _on_project(_can_view_project)),
    "report.publish": (_can_view_project, _project_rule(REPORT_ROLES)),
    "problem.share": (
        lambda u, t: _can_view_project(u, t.project), lambda u, t: _project_rule(PROGRESS_ROLES)(
            u, t.project)
    ),
    "attachment.view": (_owner_visible, _owner_visible),
}

# Clients never reach internal actions: for them even visibility of the object is denied,
# so internal routes answer 404 rather than revealing the object with a 403.
# Client-facing actions are checked for clients too: the object is visible to them, so an act
# they may not do (assessing their own change request, say) is a 403.
CLIENT_ACTIONS = frozenset({
    "project.view", "change_request.view", "change_request.create", "change_request.assess",
    "change_request.decide", "change_request.implement", "feedback.view", "feedback.create",
    "feedback.assign", "feedback.answer", "feedback.close", "report.view", "attachment.view",
})


def can(user, action, obj=None):
    """True when `user` may do `action` (on `obj`, a project, request, … as the rule needs)."""
    visible, allowed = RULES[action]
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_client and action not in CLIENT_ACTIONS:
        return False
    if visible is not None and not visible(user, obj):
        return False
    return bool(allowed(user, obj))


def can_see(user, action, obj=None):
    visible, _allowed = RULES[action]
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_client and action not in CLIENT_ACTIONS:
        return False
    return visible is None or visible(user, obj)


def require(user, action, obj=None):
    """Raise Http404 when the user may not see `obj`, PermissionDenied when they may not act."""
    if not can_see(user, action, obj):
        raise Http404
    if not can(user, action, obj):
        raise PermissionDenied
