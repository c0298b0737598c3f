"""THE WALL (issue acceptance 1): a client reaches the portal and nothing internal.

Every URL pattern of the project is walked (django.urls.get_resolver(), recursively), its
arguments filled with real objects of the client's own organisation — their project, its
tasks, meetings, change requests, … — so that a 404 means "walled off", not "no such object".
The client must get 404 on every internal page and API route, by GET and by POST (405 is
accepted for the other method of a GET-only or POST-only route, as it reveals nothing). The
allow-list names what API.md and the portal give clients. Django admin answers a signed-in
non-staff user with a redirect to the admin sign-in page (its current behaviour, pinned here).

A new route with an argument this file does not know fails the test by name: decide whether
clients may use it, and give its argument a value in `argument_values`.
"""
import re
from dataclasses import dataclass
from fnmatch import fnmatch

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from accounts.models import Department
from notifications.models import Notification
from projects.models import Attachment, Membership, Project
from tasks.models import Dependency, ProgressEntry, WorkCalendar
from tests.projects.factories import InitiationRequestFactory, MeetingFactory

# Routes a client may use (by URL name, shell-style patterns). Everything else is walled.
CLIENT_ROUTES = [
    "home",  # redirects to the portal
    "portal:*",
    "accounts:*",  # sign-in, sign-out, password, profile, language
    "notifications:list", "notifications:mark_all_read", "notifications:preferences",
    "notifications:mark_read", "notifications:open",  # their own notifications only
    "projects:list",  # redirects to the portal
    "projects:attachment",  # own files only (tests/portal/test_attachments.py)
    # API.md "Clients may use": users/me, projects list and detail, tasks (read-only),
    # change-requests, feedback, notifications; the token and the public schema and docs.
    "api-schema", "api-docs", "api-redoc", "api-token", "user-me",
    "project-list", "project-detail", "task-list", "task-detail",
    "change-request-*", "feedback-*", "notification-*",
]
ADMIN_LOGIN = "admin:login"  # the admin sign-in form itself answers 200 to anyone


@dataclass
class Route:
    name: str | None
    route: str  # the pattern's full text, prefixes included

    @property
    def label(self):
        return f"{self.name or '(unnamed)'} [{self.route}]"


def walk(resolver=None, prefix="", namespace=None):
    """Every URLPattern of the project with its full route and namespaced name."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from walk(pattern, prefix + str(pattern.pattern), inner)
        else:
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield Route(name=name, route=prefix + str(pattern.pattern))


ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")


@pytest.fixture
def objects(portal):
    """One real object of every kind a route can name, all of the client's organisation."""
    world = portal.world
    project = portal.project
    meeting = MeetingFactory(project=project, recorded_by=world.pm)
    initiation = InitiationRequestFactory(requester=world.pm, proposed_pm=world.pm,
                                          client_organization=world.org)
    notification = Notification.objects.create(
        recipient=world.client, kind=Notification.Kind.CHANGE_REQUEST, message="m",
        dedupe_key="wall", project=project, url=portal.change.get_portal_url())
    dependency = Dependency.objects.create(project=project, predecessor=portal.survey,
                                           successor=portal.milestone)
    department, _ = Department.objects.get_or_create(name="Network department")
    entry = ProgressEntry.objects.filter(shared_with_client=True).first()
    by_segment = {
        "projects": project.pk, "initiations": initiation.pk, "meetings": meeting.pk,
        "members": Membership.objects.get(project=project, user=world.pm).pk,
        "tasks": portal.survey.pk, "files": Attachment.objects.first().pk,
        "notifications": notification.pk, "change-requests": portal.change.pk,
        "changes": portal.change.pk, "feedback": portal.feedback.pk,
        "reports": portal.report.pk, "users": world.client.pk,
        "organizations": world.org.pk, "departments": department.pk,
        "calendars": WorkCalendar.get_default().pk, "dependencies": dependency.pk,
        "progress": entry.pk, "problems": entry.pk, "entries": entry.pk,
        "published": portal.report.pk, "reporting": project.pk,
    }
    by_name = {
        "project_pk": project.pk, "task_pk": portal.survey.pk, "meeting_pk": meeting.pk,
        "member_pk": by_segment["members"], "change_pk": portal.change.pk,
        "feedback_pk": portal.feedback.pk, "report_pk": portal.report.pk,
        "entry_pk": entry.pk,
        # Django admin
        "app_label": "projects", "object_id": project.pk, "url": "nothing-here/",
        "id": world.client.pk,
        "content_type_id": ContentType.objects.get_for_model(Project).pk,
    }
    return by_segment, by_name


def url_of(route, objects):
    """The route's URL with each argument filled in; AssertionError naming an unknown one."""
    by_segment, by_name = objects
    text = route.route.replace("^", "").replace("$", "")

    def fill(match):
        name = match.group(1) or match.group(2)
        if name in by_name:
            return str(by_name[name])
        segment = text[:match.start()].rstrip("/").rsplit("/", 1)[-1]
        if (name == "pk" or name.endswith("_pk")) and segment in by_segment:
            return str(by_segment[segment])
        raise AssertionError(
            f"{route.label}: no value for <{name}> after '{segment}/'; add one to "
            f"tests/portal/test_client_walls.py (and decide whether clients may use it)")

    url = "/" + ARGUMENT.sub(fill, text)
    return url.replace("\\.", ".")


def is_client_route(route):
    return route.name is not None and any(fnmatch(route.name, p) for p in CLIENT_ROUTES)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_walk_covers_the_whole_project(objects):
    routes = list(walk())
    names = {r.name for r in routes}
    for expected in ("projects:detail", "tasks:plan", "tasks:status_report_xlsx",
                     "portal:project", "portal:change_detail", "project-detail",
                     "change-request-assess", "admin:index"):
        assert expected in names
    assert len(routes) > 150
    for route in routes:
        url_of(route, objects)  # every argument has a value


def test_a_client_gets_404_on_every_internal_page_and_api_route(portal, objects):
    client = signed_in(portal.world.client)
    failures, walled = [], 0
    for route in walk():
        if is_client_route(route) or (route.name or "").startswith("admin:") or (
                route.route.startswith("admin/")):
            continue
        url = url_of(route, objects)
        walled += 1
        got = client.get(url).status_code
        posted = client.post(url, {}).status_code
        if not ((got == 404 and posted in (404, 405)) or (got == 405 and posted == 404)):
            failures.append(f"{route.label} {url}: GET {got}, POST {posted}")
        if "_auth_user_id" not in client.session:  # a route signed them out: fail later
            failures.append(f"{route.label} {url}: signed the client out")
            client = signed_in(portal.world.client)
    assert walled > 80
    assert failures == [], "Internal routes a client could reach:\n" + "\n".join(failures)


def test_routes_clients_may_use_do_not_fail(portal, objects):
    """The allow-listed routes answer the client without an error (portal, own files, …)."""
    client = signed_in(portal.world.client)
    failures = []
    for route in walk():
        if not is_client_route(route) or route.name in ("accounts:logout",):
            continue
        url = url_of(route, objects)
        status = client.get(url).status_code
        if status >= 500 or status == 403:
            failures.append(f"{route.label} {url}: GET {status}")
    assert failures == []


def test_django_admin_sends_a_client_to_the_admin_sign_in(portal, objects):
    """Current behaviour: every admin route redirects a signed-in non-staff user to the admin
    sign-in page (which then says they may not use admin), whatever the object."""
    client = signed_in(portal.world.client)
    login = reverse(ADMIN_LOGIN)
    failures = []
    for route in walk():
        if not route.route.startswith("admin/"):
            continue
        url = url_of(route, objects)
        for method in ("get", "post"):
            response = getattr(client, method)(url, {})
            status, location = response.status_code, response.get("Location", "")
            if route.name == ADMIN_LOGIN:
                ok = status == 200  # the form, saying they may not use admin
            elif route.name == "admin:logout":
                ok = status == 302 and location == reverse("admin:index")  # not signed out
            else:
                ok = status == 302 and location.startswith(f"{login}?next=")
            if not ok:
                failures.append(f"{route.label} {method.upper()} {url}: {status} {location}")
        if "_auth_user_id" not in client.session:
            failures.append(f"{route.label}: signed the client out")
            client = signed_in(portal.world.client)
    assert failures == [], "\n".join(failures)
