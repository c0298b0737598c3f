"""The client portal home: only the client's own projects, only client-safe fields (P4.3a)."""
from django.urls import reverse

from tests.projects.factories import MembershipFactory, ProjectFactory


def test_client_sees_own_projects_without_internal_fields(world, client_as):
    world.project.budget = 987654
    world.project.internal_notes = "Margin is thin, do not tell the client"
    world.project.percent_complete = 42
    world.project.save()
    response = client_as("client").get(reverse("portal:home"))
    body = response.content.decode()
    assert world.project.name in body and world.project.code in body
    assert "42%" in body
    assert "987" not in body
    assert "Margin is thin" not in body
    assert "portal/base.html" in [t.name for t in response.templates]
    assert f'href="{reverse("projects:list")}"' not in body


def test_client_does_not_see_other_clients_projects(world, client_as):
    other = ProjectFactory(name="Other client's project", client_organization=world.other_org)
    MembershipFactory(project=other, user=world.other_client, role="client")
    body = client_as("client").get(reverse("portal:home")).content.decode()
    assert "Other client&#x27;s project" not in body
    assert "Other client's project" not in body
    other_body = client_as("other_client").get(reverse("portal:home")).content.decode()
    assert world.project.name not in other_body


def test_portal_loads_only_client_safe_columns(world, client_as):
    projects = client_as("client").get(reverse("portal:home")).context["projects"]
    deferred = projects[0].get_deferred_fields()
    assert {"budget", "internal_notes"} <= deferred
