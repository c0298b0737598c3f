"""Shared fixtures: a small company with one user per role around one project."""
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from projects.models import Membership
from tests.accounts.factories import ClientUserFactory, OrganizationFactory, UserFactory
from tests.projects.factories import MembershipFactory, ProjectFactory

# Every role a permission test walks: system roles, then project roles on `world.project`.
ROLES = [
    "anonymous", "admin", "management", "supervisor", "outsider", "pm", "assistant", "member",
    "qa", "finance", "observer", "client", "other_client",
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Full-strength hashing of a dozen users per test would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    """Uploaded attachments go to a throwaway folder, never the developer's var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in English: a request in another language must not leak into the next."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def world(db):
    """One project and one user for every system and project role."""
    org = OrganizationFactory(name="China Mobile Hangzhou")
    other_org = OrganizationFactory(name="Other Client Co")
    project = ProjectFactory(client_organization=org)
    users = {
        "admin": UserFactory(username="admin", system_role=User.SystemRole.ADMIN,
                             is_staff=True, is_superuser=True),
        "management": UserFactory(username="boss", system_role=User.SystemRole.MANAGEMENT),
        "supervisor": UserFactory(username="supervisor", system_role=User.SystemRole.SUPERVISOR),
        "outsider": UserFactory(username="outsider"),
        "other_client": ClientUserFactory(username="other_client", organization=other_org),
    }
    for role in ("pm", "assistant", "member", "qa", "finance", "observer"):
        users[role] = UserFactory(username=role)
        MembershipFactory(project=project, user=users[role], role=role)
    users["client"] = ClientUserFactory(username="client", organization=org)
    MembershipFactory(project=project, user=users["client"], role=Membership.Role.CLIENT)
    return SimpleNamespace(project=project, org=org, other_org=other_org, users=users, **users)


@pytest.fixture
def api_as(world):
    """`api_as("pm")` → an APIClient authenticated as that role's user (or anonymous)."""

    def make(role):
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(world.users[role])
        return client

    return make


@pytest.fixture
def client_as(world, client):
    """`client_as("pm")` → Django's test client logged in as that role's user."""

    def make(role):
        from django.test import Client

        c = Client()
        if role != "anonymous":
            c.force_login(world.users[role])
        return c

    return make
