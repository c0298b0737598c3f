"""Role × action table for every route of the accounts and projects API (API.md conventions).

anonymous → 401, cannot see the object → 404, sees it but may not act → 403, allowed → 2xx.
The initiation under test was requested by `member` and proposes `pm` as its project manager.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from projects.models import InitiationRequest
from tasks.models import WorkCalendar
from tests.accounts.factories import DepartmentFactory, UserFactory
from tests.conftest import ROLES
from tests.projects.factories import InitiationRequestFactory, MeetingFactory, MembershipFactory


def draft_initiation(w):
    return InitiationRequestFactory(requester=w.member, proposed_pm=w.pm)


def submitted_initiation(w):
    return InitiationRequestFactory(
        requester=w.member, proposed_pm=w.pm, status=InitiationRequest.Status.SUBMITTED
    )


def extra_member(w):
    return MembershipFactory(project=w.project, user=UserFactory(username="extra"))


def meeting(w):
    return MeetingFactory(project=w.project, recorded_by=w.pm)


@dataclass
class Route:
    method: str
    path: str  # as in the OpenAPI schema
    setup: Callable | None = None  # world -> the object the route acts on
    body: Callable = field(default=lambda w, obj: None)  # (world, obj) -> request body

    def url(self, w, obj):
        return self.path.format(
            id=obj.pk if obj is not None else w.pm.pk, project_pk=w.project.pk
        )


USER_BODY = {"username": "newcomer", "password": "Lantern-Orbit-42", "display_name": "New",
             "email": "new@example.com", "system_role": "staff"}
INITIATION_BODY = {
    "title": "Campus Wi-Fi", "background": "Coverage gaps.", "goals": "Full coverage.",
    "scope": "Buildings A–C.", "expected_benefits": "Happier users.",
    "planned_start": "2027-01-04", "planned_end": "2027-03-31", "budget": "1250.00",
}
MEETING_BODY = {"kind": "kickoff", "title": "Kick-off", "held_at": "2026-12-01T09:00:00+08:00"}

ROUTES = {
    "users.me": Route("get", "/api/v1/users/me/"),
    "users.update_me": Route("patch", "/api/v1/users/me/", body=lambda w, o: {"language": "en"}),
    "users.list": Route("get", "/api/v1/users/"),
    "users.retrieve": Route("get", "/api/v1/users/{id}/"),
    "users.create": Route("post", "/api/v1/users/", body=lambda w, o: USER_BODY),
    "organizations.list": Route("get", "/api/v1/organizations/"),
    "organizations.retrieve": Route("get", "/api/v1/organizations/{id}/",
                                    setup=lambda w: w.org),
    "organizations.create": Route("post", "/api/v1/organizations/",
                                  body=lambda w, o: {"name": "Unicom Ningbo"}),
    "departments.list": Route("get", "/api/v1/departments/"),
    "departments.retrieve": Route("get", "/api/v1/departments/{id}/",
                                  setup=lambda w: DepartmentFactory()),
    "departments.create": Route("post", "/api/v1/departments/",
                                body=lambda w, o: {"name": "Network", "kind": "technical"}),
    "calendars.list": Route("get", "/api/v1/calendars/"),
    "calendars.retrieve": Route("get", "/api/v1/calendars/{id}/",
                                setup=lambda w: WorkCalendar.get_default()),
    "calendars.create": Route("post", "/api/v1/calendars/", body=lambda w, o: {
        "name": "China 2027", "holidays": ["2027-02-10"], "extra_workdays": ["2027-02-06"]}),
    "calendars.update": Route("patch", "/api/v1/calendars/{id}/",
                              setup=lambda w: WorkCalendar.get_default(),
                              body=lambda w, o: {"holidays": ["2027-10-01"]}),
    "initiations.list": Route("get", "/api/v1/initiations/"),
    "initiations.create": Route("post", "/api/v1/initiations/",
                                body=lambda w, o: {**INITIATION_BODY, "proposed_pm": w.pm.pk}),
    "initiations.retrieve": Route("get", "/api/v1/initiations/{id}/", setup=draft_initiation),
    "initiations.update": Route("patch", "/api/v1/initiations/{id}/", setup=draft_initiation,
                                body=lambda w, o: {"title": "Campus Wi-Fi 2"}),
    "initiations.submit": Route("post", "/api/v1/initiations/{id}/submit/",
                                setup=draft_initiation),
    "initiations.approve": Route("post", "/api/v1/initiations/{id}/approve/",
                                 setup=submitted_initiation, body=lambda w, o: {"comment": "Go"}),
    "initiations.reject": Route("post", "/api/v1/initiations/{id}/reject/",
                                setup=submitted_initiation, body=lambda w, o: {"comment": "No"}),
    "initiations.return": Route("post", "/api/v1/initiations/{id}/return/",
                                setup=submitted_initiation,
                                body=lambda w, o: {"comment": "More detail"}),
    "projects.list": Route("get", "/api/v1/projects/"),
    "projects.retrieve": Route("get", "/api/v1/projects/{id}/", setup=lambda w: w.project),
    "projects.update": Route("patch", "/api/v1/projects/{id}/", setup=lambda w: w.project,
                             body=lambda w, o: {"name": "Renamed"}),
    "members.list": Route("get", "/api/v1/projects/{project_pk}/members/"),
    "members.retrieve": Route("get", "/api/v1/projects/{project_pk}/members/{id}/",
                              setup=extra_member),
    "members.create": Route(
        "post", "/api/v1/projects/{project_pk}/members/", setup=lambda w: UserFactory(),
        body=lambda w, new_user: {"user": new_user.pk, "role": "member", "team": "technical"},
    ),
    "members.update": Route("patch", "/api/v1/projects/{project_pk}/members/{id}/",
                            setup=extra_member, body=lambda w, o: {"duties": "Cabling"}),
    "members.delete": Route("delete", "/api/v1/projects/{project_pk}/members/{id}/",
                            setup=extra_member),
    "meetings.list": Route("get", "/api/v1/projects/{project_pk}/meetings/"),
    "meetings.retrieve": Route("get", "/api/v1/projects/{project_pk}/meetings/{id}/",
                               setup=meeting),
    "meetings.create": Route("post", "/api/v1/projects/{project_pk}/meetings/",
                             body=lambda w, o: {**MEETING_BODY, "attendees": [w.member.pk]}),
    "meetings.update": Route("patch", "/api/v1/projects/{project_pk}/meetings/{id}/",
                             setup=meeting, body=lambda w, o: {"minutes": "Agreed the plan."}),
    "meetings.delete": Route("delete", "/api/v1/projects/{project_pk}/meetings/{id}/",
                             setup=meeting),
}

# One row per action; columns follow tests.conftest.ROLES:
#   anonymous admin management supervisor outsider pm assistant member qa finance observer
#   client other_client
EVERYONE = (401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)
INTERNAL = (401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 404, 404)
ADMIN_CREATES = (401, 201, 403, 403, 403, 403, 403, 403, 403, 403, 403, 404, 404)
TEAM_READS = (401, 200, 200, 200, 404, 200, 200, 200, 200, 200, 200, 404, 404)
REQUESTER_ACTS = (401, 403, 403, 403, 404, 403, 404, 200, 404, 404, 404, 404, 404)
MANAGEMENT_DECIDES = (401, 200, 200, 403, 404, 403, 404, 403, 404, 404, 404, 404, 404)


def pm_acts(ok):
    return (401, ok, 403, 403, 404, ok, 403, 403, 403, 403, 403, 404, 404)


def pm_or_assistant_acts(ok):
    return (401, ok, 403, 403, 404, ok, ok, 403, 403, 403, 403, 404, 404)


TABLE = {
    "users.me": EVERYONE,
    "users.update_me": EVERYONE,
    "users.list": INTERNAL,
    "users.retrieve": INTERNAL,
    "users.create": ADMIN_CREATES,
    "organizations.list": INTERNAL,
    "organizations.retrieve": INTERNAL,
    "organizations.create": ADMIN_CREATES,
    "departments.list": INTERNAL,
    "departments.retrieve": INTERNAL,
    "departments.create": ADMIN_CREATES,
    "calendars.list": INTERNAL,
    "calendars.retrieve": INTERNAL,
    "calendars.create": ADMIN_CREATES,
    "calendars.update": (401, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 404, 404),
    "initiations.list": INTERNAL,
    "initiations.create": (401, 201, 201, 403, 201, 201, 201, 201, 201, 201, 201, 404, 404),
    "initiations.retrieve": (401, 200, 200, 200, 404, 200, 404, 200, 404, 404, 404, 404, 404),
    "initiations.update": REQUESTER_ACTS,
    "initiations.submit": REQUESTER_ACTS,
    "initiations.approve": MANAGEMENT_DECIDES,
    "initiations.reject": MANAGEMENT_DECIDES,
    "initiations.return": MANAGEMENT_DECIDES,
    "projects.list": EVERYONE,
    "projects.retrieve": (401, 200, 200, 200, 404, 200, 200, 200, 200, 200, 200, 200, 404),
    "projects.update": pm_acts(200),
    "members.list": TEAM_READS,
    "members.retrieve": TEAM_READS,
    "members.create": pm_acts(201),
    "members.update": pm_acts(200),
    "members.delete": pm_acts(204),
    "meetings.list": TEAM_READS,
    "meetings.retrieve": TEAM_READS,
    "meetings.create": pm_or_assistant_acts(201),
    "meetings.update": pm_or_assistant_acts(200),
    "meetings.delete": pm_or_assistant_acts(204),
}

EXPECTED = {
    (action, role): code
    for action, row in TABLE.items()
    for role, code in zip(ROLES, row, strict=True)
}


@pytest.mark.parametrize(("action", "role"), list(EXPECTED))
def test_role_may_or_may_not_do_action(action, role, world, api_as,
                                       django_capture_on_commit_callbacks):
    route = ROUTES[action]
    obj = route.setup(world) if route.setup else None
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(api_as(role), route.method)(
            route.url(world, obj), route.body(world, obj), format="json"
        )
    assert response.status_code == EXPECTED[action, role], response.content


def test_table_covers_every_operation_of_the_schema():
    """Every operation the accounts and projects API publish has a row (other apps: their own)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    mine = {"accounts.api.views", "projects.api.views"}
    operations = {
        (method, path)
        for path, item in schema["paths"].items()
        if path != "/api/v1/auth/token/"
        and resolve(re.sub(r"{\w+}", "1", path)).func.cls.__module__ in mine
        for method in item
    }
    assert operations == {(route.method, route.path) for route in ROUTES.values()}
    assert set(TABLE) == set(ROUTES)
