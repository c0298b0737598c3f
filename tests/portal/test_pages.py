"""Portal pages (P4.3a): the project's client sees them; to everyone else they do not exist."""
import pytest
from django.urls import reverse

from projects.models import ChangeRequest, Membership
from quality.models import ClientFeedback
from tests.accounts.factories import ClientUserFactory
from tests.conftest import ROLES
from tests.projects.factories import MembershipFactory

from .conftest import SHARED_PROBLEM, SHARED_SOLUTION, VISIBLE_NAMES


def page_urls(p):
    """Every portal page about world.project and its objects (GET)."""
    project, report = p.project.pk, p.report.pk
    return {
        "project": reverse("portal:project", args=[project]),
        "report_list": reverse("portal:report_list", args=[project]),
        "report_detail": reverse("portal:report_detail", args=[report]),
        "report_xlsx": reverse("portal:report_xlsx", args=[report]),
        "change_list": reverse("portal:change_list", args=[project]),
        "change_create": reverse("portal:change_create", args=[project]),
        "change_detail": reverse("portal:change_detail", args=[p.change.pk]),
        "feedback_list": reverse("portal:feedback_list", args=[project]),
        "feedback_create": reverse("portal:feedback_create", args=[project]),
        "feedback_detail": reverse("portal:feedback_detail", args=[p.feedback.pk]),
    }


def post_urls(p):
    project = p.project.pk
    return {
        "change_create": reverse("portal:change_create", args=[project]),
        "feedback_create": reverse("portal:feedback_create", args=[project]),
        "feedback_confirm": reverse("portal:feedback_confirm", args=[p.feedback.pk]),
        "feedback_reopen": reverse("portal:feedback_reopen", args=[p.feedback.pk]),
    }


def test_the_projects_client_opens_every_page(portal, client_as):
    client = client_as("client")
    for name, url in page_urls(portal).items():
        response = client.get(url)
        assert response.status_code == 200, f"{name} {url} answered {response.status_code}"
        if name != "report_xlsx":
            assert "portal/base.html" in [t.name for t in response.templates], name


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonymous", "client")])
def test_portal_pages_do_not_exist_for_anyone_else(portal, client_as, role):
    """Another client, and internal users too: the portal is the client's (they have their
    own pages of the same project)."""
    client = client_as(role)
    for name, url in page_urls(portal).items():
        response = client.get(url)
        assert response.status_code == 404, f"{role}: {name} {url} → {response.status_code}"
    for name, url in post_urls(portal).items():
        response = client.post(url, {"title": "x", "description": "x", "reason": "x",
                                     "kind": "enquiry", "subject": "x", "body": "x",
                                     "reopen-comment": "x"})
        assert response.status_code == 404, f"{role}: POST {name} → {response.status_code}"
    assert ChangeRequest.objects.count() == 1
    assert ClientFeedback.objects.count() == 1
    assert ClientFeedback.objects.get().status == ClientFeedback.Status.OPEN


def test_anonymous_visitors_are_sent_to_sign_in(portal, client_as):
    for name, url in {"home": reverse("portal:home"), **page_urls(portal)}.items():
        response = client_as("anonymous").get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login")), name


@pytest.mark.parametrize("role", ["admin", "management", "pm", "member", "outsider"])
def test_staff_opening_the_portal_home_land_on_their_project_list(world, client_as, role):
    response = client_as(role).get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:list")


def test_a_client_of_the_same_organisation_who_is_not_on_the_project_sees_nothing(
    portal, client_as,
):
    from django.test import Client

    colleague = ClientUserFactory(username="colleague", organization=portal.world.org)
    client = Client()
    client.force_login(colleague)
    for name, url in page_urls(portal).items():
        assert client.get(url).status_code == 404, name


def test_project_page_shows_progress_plan_problems_reports_requests_and_feedback(
    portal, client_as,
):
    response = client_as("client").get(reverse("portal:project", args=[portal.project.pk]))
    body = response.content.decode()
    for name in VISIBLE_NAMES:
        assert name in body
    assert SHARED_PROBLEM in body and SHARED_SOLUTION in body
    assert "Approved plan" in body  # the baseline compared with
    assert response.context["planned"] is not None
    assert response.context["position"] in ("ahead", "behind", "on_plan")
    assert [t.name for t in response.context["milestones"]] == ["Design approved"]
    assert [t.name for t in response.context["stages"]] == ["Design phase", "Site survey"]
    assert response.context["stages"][1].baseline_end is not None
    assert reverse("portal:report_detail", args=[portal.report.pk]) in body
    assert reverse("portal:report_list", args=[portal.project.pk]) in body
    assert reverse("portal:change_detail", args=[portal.change.pk]) in body
    assert reverse("portal:feedback_detail", args=[portal.feedback.pk]) in body
    assert reverse("portal:change_create", args=[portal.project.pk]) in body
    assert reverse("portal:feedback_create", args=[portal.project.pk]) in body
    assert "Assessed" in body and "Quality issue" in body


@pytest.mark.parametrize(("percent", "position", "wording"), [
    (100, "ahead", "Ahead of plan by"),
    (0, "behind", "Behind plan by"),
])
def test_progress_is_worded_as_ahead_or_behind_the_plan(
    portal, client_as, percent, position, wording,
):
    from decimal import Decimal

    from tasks.client import progress_against_plan

    _actual, planned, _baseline = progress_against_plan(project=portal.project)
    assert 0 < planned < 100
    type(portal.project).objects.filter(pk=portal.project.pk).update(
        percent_complete=Decimal(percent))
    response = client_as("client").get(reverse("portal:project", args=[portal.project.pk]))
    assert response.context["position"] == position
    assert wording in response.content.decode()


def test_without_a_baseline_the_page_says_there_is_no_approved_plan(world, client_as):
    response = client_as("client").get(reverse("portal:project", args=[world.project.pk]))
    assert response.status_code == 200
    assert response.context["position"] is None
    body = response.content.decode()
    assert "No approved plan yet" in body
    assert "No milestones have been shared with you yet." in body
    assert "No weekly report has been published yet." in body
    assert "No problems have been reported to you." in body


def test_home_cards_link_to_the_project_page(portal, client_as):
    body = client_as("client").get(reverse("portal:home")).content.decode()
    assert reverse("portal:project", args=[portal.project.pk]) in body


def test_buttons_to_file_requests_are_hidden_when_the_project_is_closed(portal, client_as):
    from projects.models import Project

    Project.objects.filter(pk=portal.project.pk).update(status=Project.Status.CLOSED)
    client = client_as("client")
    body = client.get(reverse("portal:project", args=[portal.project.pk])).content.decode()
    assert reverse("portal:change_create", args=[portal.project.pk]) not in body
    response = client.get(reverse("portal:change_create", args=[portal.project.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:change_list", args=[portal.project.pk])


def test_the_client_sees_requests_of_their_organisation_only(portal, other_org_data, client_as):
    body = client_as("client").get(
        reverse("portal:change_list", args=[portal.project.pk])).content.decode()
    assert "Add a second uplink" in body and "OTHER-ORG-CHANGE" not in body
    other = client_as("other_client")
    assert other.get(reverse("portal:change_detail", args=[portal.change.pk])).status_code == 404
    assert other.get(reverse("portal:change_detail",
                             args=[other_org_data.change.pk])).status_code == 200
    assert client_as("client").get(reverse(
        "portal:feedback_detail", args=[other_org_data.feedback.pk])).status_code == 404
    assert client_as("client").get(reverse(
        "portal:project", args=[other_org_data.project.pk])).status_code == 404


def test_a_second_client_member_sees_the_organisations_requests(portal, client_as):
    from django.test import Client

    colleague = ClientUserFactory(username="colleague", organization=portal.world.org)
    MembershipFactory(project=portal.project, user=colleague, role=Membership.Role.CLIENT)
    client = Client()
    client.force_login(colleague)
    assert client.get(reverse("portal:change_detail", args=[portal.change.pk])).status_code == 200
    assert client.get(reverse("portal:feedback_detail",
                              args=[portal.feedback.pk])).status_code == 200
