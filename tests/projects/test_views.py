"""Pages of initiation, team and meetings: forms keep input and show errors, the journey works."""
import datetime

import pytest
from django.urls import reverse

from notifications.models import Notification
from projects.models import InitiationRequest, Meeting, Membership, Project
from tests.accounts.factories import ClientUserFactory, UserFactory
from tests.projects.factories import InitiationRequestFactory, MeetingFactory

Status = InitiationRequest.Status


def initiation_data(world, **overrides):
    data = {
        "title": "Campus Wi-Fi 6 rollout",
        "background": "Coverage complaints in buildings B and C.",
        "goals": "Full Wi-Fi 6 coverage.",
        "scope": "Access points, controllers and cabling.",
        "expected_benefits": "Fewer tickets, happier staff.",
        "proposed_pm": world.pm.pk,
        "planned_start": "2027-01-04",
        "planned_end": "2027-03-31",
        "budget": "250000.00",
        "client_organization": world.org.pk,
        "calendar": "",
    }
    data.update(overrides)
    return data


def meeting_data(**overrides):
    data = {
        "kind": Meeting.Kind.KICKOFF, "title": "Kick-off", "held_at": "2027-01-05T09:30",
        "location": "Room 301", "minutes": "Introduced the plan.", "decisions": "Weekly sync.",
        "actions-TOTAL_FORMS": "0", "actions-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# --- Initiation form ------------------------------------------------------------------------

def test_new_initiation_is_saved_as_a_draft(world, client_as):
    response = client_as("member").post(reverse("projects:initiation_create"),
                                        initiation_data(world))
    request = InitiationRequest.objects.get(title="Campus Wi-Fi 6 rollout")
    assert response.status_code == 302
    assert response.url == request.get_absolute_url()
    assert request.status == Status.DRAFT
    assert request.requester == world.member


def test_save_and_submit_submits_at_once(world, client_as):
    client_as("member").post(reverse("projects:initiation_create"),
                             {**initiation_data(world), "submit": "1"})
    assert InitiationRequest.objects.get(title="Campus Wi-Fi 6 rollout").status == Status.SUBMITTED


@pytest.mark.parametrize(("overrides", "field"), [
    ({"planned_end": "2026-12-01"}, "planned_end"),
    ({"title": ""}, "title"),
    ({"budget": "-5"}, "budget"),
    ({"planned_start": "not a date"}, "planned_start"),
    ({"proposed_pm": "999999"}, "proposed_pm"),
])
def test_bad_initiation_input_shows_errors_keeps_input_and_saves_nothing(
    world, client_as, overrides, field
):
    data = initiation_data(world, **overrides)
    response = client_as("member").post(reverse("projects:initiation_create"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "is-invalid" in response.content.decode()
    assert "Coverage complaints in buildings B and C." in response.content.decode()
    assert not InitiationRequest.objects.exists()


def test_client_users_cannot_be_proposed_as_project_manager(world, client_as):
    response = client_as("member").post(reverse("projects:initiation_create"),
                                        initiation_data(world, proposed_pm=world.client.pk))
    assert "proposed_pm" in response.context["form"].errors
    assert not InitiationRequest.objects.exists()


def test_requester_edits_a_returned_request(world, client_as):
    request = InitiationRequestFactory(requester=world.member, proposed_pm=world.pm,
                                       status=Status.RETURNED)
    response = client_as("member").post(
        reverse("projects:initiation_edit", args=[request.pk]),
        initiation_data(world, title="Wi-Fi 6, phase 1", version=request.version),
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.title == "Wi-Fi 6, phase 1"


def test_editing_with_a_stale_version_is_refused(world, client_as):
    request = InitiationRequestFactory(requester=world.member, proposed_pm=world.pm)
    response = client_as("member").post(
        reverse("projects:initiation_edit", args=[request.pk]),
        initiation_data(world, title="Overwritten", version=request.version - 1 or 99),
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    request.refresh_from_db()
    assert request.title != "Overwritten"


def test_a_submitted_request_cannot_be_edited(world, client_as):
    request = InitiationRequestFactory(requester=world.member, proposed_pm=world.pm,
                                       status=Status.SUBMITTED)
    response = client_as("member").get(reverse("projects:initiation_edit", args=[request.pk]),
                                       follow=True)
    assert response.redirect_chain[-1][0] == request.get_absolute_url()
    assert messages_of(response)


# --- Decisions --------------------------------------------------------------------------------

@pytest.fixture
def submitted(world):
    return InitiationRequestFactory(requester=world.member, proposed_pm=world.pm,
                                    status=Status.SUBMITTED)


def test_detail_shows_decision_buttons_only_to_management(submitted, client_as):
    management = client_as("management").get(submitted.get_absolute_url()).content.decode()
    requester = client_as("member").get(submitted.get_absolute_url()).content.decode()
    approve = reverse("projects:initiation_approve", args=[submitted.pk])
    assert approve in management
    assert approve not in requester


@pytest.mark.parametrize("decision", ["reject", "return"])
def test_reject_and_return_need_a_comment(submitted, client_as, decision):
    response = client_as("management").post(
        reverse(f"projects:initiation_{decision}", args=[submitted.pk]), {"comment": "  "}
    )
    assert response.status_code == 200
    assert "comment" in response.context["decision_form"].errors
    assert "is-invalid" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_return_with_comment_goes_back_to_the_requester(submitted, client_as):
    response = client_as("management").post(
        reverse("projects:initiation_return", args=[submitted.pk]),
        {"comment": "Add a cost breakdown."},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.RETURNED
    page = client_as("member").get(submitted.get_absolute_url()).content.decode()
    assert "Add a cost breakdown." in page
    assert reverse("projects:initiation_edit", args=[submitted.pk]) in page


def test_approval_redirects_to_the_new_project(submitted, client_as, world):
    response = client_as("management").post(
        reverse("projects:initiation_approve", args=[submitted.pk]), {"comment": ""}
    )
    project = Project.objects.get(initiation=submitted)
    assert response.status_code == 302
    assert response.url == project.get_absolute_url()
    assert project.memberships.get(role=Membership.Role.PM).user == world.pm


def test_deciding_twice_shows_a_message_not_an_error(submitted, client_as):
    boss = client_as("management")
    boss.post(reverse("projects:initiation_approve", args=[submitted.pk]))
    response = boss.post(reverse("projects:initiation_reject", args=[submitted.pk]),
                         {"comment": "Too late"}, follow=True)
    assert response.status_code == 200
    assert messages_of(response)
    submitted.refresh_from_db()
    assert submitted.status == Status.APPROVED


def test_submitting_twice_shows_a_message(world, client_as, submitted):
    response = client_as("member").post(
        reverse("projects:initiation_submit", args=[submitted.pk]), follow=True
    )
    assert response.status_code == 200
    assert messages_of(response)


def test_initiation_list_filters_by_status(world, client_as, submitted):
    InitiationRequestFactory(requester=world.member, proposed_pm=world.pm, title="A draft one")
    response = client_as("member").get(reverse("projects:initiation_list"),
                                       {"status": "submitted"})
    titles = [r.title for r in response.context["page"]]
    assert titles == [submitted.title]


def test_approval_inbox_lists_submitted_requests_oldest_first(world, client_as):
    from django.utils import timezone

    now = timezone.now()
    newer = InitiationRequestFactory(requester=world.member, proposed_pm=world.pm,
                                     status=Status.SUBMITTED, submitted_at=now)
    older = InitiationRequestFactory(requester=world.member, proposed_pm=world.pm,
                                     status=Status.SUBMITTED,
                                     submitted_at=now - datetime.timedelta(days=3))
    InitiationRequestFactory(requester=world.member, proposed_pm=world.pm)  # a draft
    response = client_as("management").get(reverse("projects:approvals"))
    assert list(response.context["page"]) == [older, newer]


# --- Project list -----------------------------------------------------------------------------

def test_project_list_filters_searches_and_sorts(world, client_as):
    from tests.projects.factories import MembershipFactory, ProjectFactory

    other = ProjectFactory(name="Backbone refresh", code="PRJ-2026-900",
                           status=Project.Status.EXECUTING)
    MembershipFactory(project=other, user=world.member, role=Membership.Role.PM)
    client = client_as("management")
    found = client.get(reverse("projects:list"), {"search": "backbone"}).context["page"]
    assert [p.pk for p in found] == [other.pk]
    by_status = client.get(reverse("projects:list"), {"status": ["executing"]}).context["page"]
    assert [p.pk for p in by_status] == [other.pk]
    by_pm = client.get(reverse("projects:list"), {"pm": world.pm.pk}).context["page"]
    assert [p.pk for p in by_pm] == [world.project.pk]
    by_client = client.get(reverse("projects:list"),
                           {"client_organization": world.org.pk}).context["page"]
    assert [p.pk for p in by_client] == [world.project.pk]
    newest_first = client.get(reverse("projects:list"), {"sort": "-code"}).context["page"]
    assert [p.pk for p in newest_first] == [other.pk, world.project.pk]
    row = next(p for p in client.get(reverse("projects:list")).context["page"]
               if p.pk == world.project.pk)
    assert row.pm_name == world.pm.display_name
    assert row.team_size == world.project.memberships.count()


def test_project_list_ignores_unknown_sort_fields(world, client_as):
    response = client_as("management").get(reverse("projects:list"), {"sort": "budget"})
    assert response.status_code == 200
    assert response.context["sort"] == "code"


def test_staff_see_only_their_projects(world, client_as):
    from tests.projects.factories import ProjectFactory

    ProjectFactory(name="Secret project")
    page = client_as("member").get(reverse("projects:list")).context["page"]
    assert [p.pk for p in page] == [world.project.pk]


def test_overview_shows_budget_team_and_links(world, client_as):
    world.project.budget = 1234567
    world.project.save()
    body = client_as("qa").get(world.project.get_absolute_url()).content.decode()
    assert "1,234,567.00" in body
    assert world.pm.display_name in body
    assert reverse("projects:activity", args=[world.project.pk]) in body


# --- Team ------------------------------------------------------------------------------------

def test_pm_sees_the_add_form_others_a_read_only_table(world, client_as):
    url = reverse("projects:members", args=[world.project.pk])
    assert client_as("pm").get(url).context["form"] is not None
    response = client_as("assistant").get(url)
    assert response.context["form"] is None
    body = response.content.decode()
    assert "/remove/" not in body
    assert "/edit/" not in body


def test_client_member_rule_error_is_shown_beside_the_role(world, client_as):
    client_user = ClientUserFactory(username="client2", organization=world.org)
    response = client_as("pm").post(
        reverse("projects:members", args=[world.project.pk]),
        {"user": client_user.pk, "role": "member", "team": "", "duties": "Reviews"},
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert "client role" in response.content.decode()
    assert not world.project.memberships.filter(user=client_user).exists()


def test_users_of_other_clients_are_not_offered(world, client_as):
    stranger = ClientUserFactory(username="stranger", organization=world.other_org)
    response = client_as("pm").post(
        reverse("projects:members", args=[world.project.pk]),
        {"user": stranger.pk, "role": "client"},
    )
    assert "user" in response.context["form"].errors
    assert not world.project.memberships.filter(user=stranger).exists()


def test_member_edit_inline_with_htmx(world, client_as):
    membership = world.project.memberships.get(user=world.member)
    url = reverse("projects:member_edit", args=[world.project.pk, membership.pk])
    pm = client_as("pm")
    row = pm.get(url, headers={"HX-Request": "true"})
    assert row.templates[0].name == "projects/_member_edit_row.html"
    saved = pm.post(url, {"role": "qa", "team": "operations", "duties": "Monitoring",
                          "version": membership.version}, headers={"HX-Request": "true"})
    assert saved.templates[0].name == "projects/_member_row.html"
    assert "Monitoring" in saved.content.decode()
    membership.refresh_from_db()
    assert (membership.role, membership.team, membership.duties) == ("qa", "operations",
                                                                     "Monitoring")


def test_member_edit_errors_stay_in_the_row(world, client_as):
    membership = world.project.memberships.get(user=world.member)
    response = client_as("pm").post(
        reverse("projects:member_edit", args=[world.project.pk, membership.pk]),
        {"role": "pm", "team": "", "duties": ""}, headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.templates[0].name == "projects/_member_edit_row.html"
    assert "already has a project manager" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MEMBER


def test_member_edit_without_htmx_is_a_page(world, client_as):
    membership = world.project.memberships.get(user=world.member)
    url = reverse("projects:member_edit", args=[world.project.pk, membership.pk])
    assert client_as("pm").get(url).templates[0].name == "projects/member_edit.html"
    response = client_as("pm").post(url, {"role": "member", "team": "technical", "duties": "x"})
    assert response.status_code == 302


def test_removing_a_member_with_htmx_removes_the_row(world, client_as):
    membership = world.project.memberships.get(user=world.observer)
    response = client_as("pm").post(
        reverse("projects:member_remove", args=[world.project.pk, membership.pk]),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.content == b""
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_pm_cannot_be_removed(world, client_as):
    membership = world.project.memberships.get(user=world.pm)
    response = client_as("pm").post(
        reverse("projects:member_remove", args=[world.project.pk, membership.pk]),
        headers={"HX-Request": "true"},
    )
    assert "cannot be removed" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- Meetings ---------------------------------------------------------------------------------

def test_first_meeting_defaults_to_kick_off(world, client_as):
    form = client_as("pm").get(
        reverse("projects:meeting_create", args=[world.project.pk])
    ).context["form"]
    assert form.initial["kind"] == Meeting.Kind.KICKOFF


def test_meeting_with_attendees_and_action_items(world, client_as):
    data = meeting_data(**{
        "attendees": [world.pm.pk, world.member.pk],
        "actions-TOTAL_FORMS": "3",
        "actions-0-description": "Order access points", "actions-0-owner": world.member.pk,
        "actions-0-due_date": "2027-01-20",
        "actions-1-description": "Book the site survey", "actions-1-owner": world.qa.pk,
        "actions-1-due_date": "2027-01-12",
        # a blank extra row is ignored
    })
    response = client_as("assistant").post(
        reverse("projects:meeting_create", args=[world.project.pk]), data
    )
    meeting = Meeting.objects.get(project=world.project, title="Kick-off")
    assert response.status_code == 302
    assert response.url == meeting.get_absolute_url()
    assert set(meeting.attendees.all()) == {world.pm, world.member}
    assert meeting.action_items.count() == 2
    detail = client_as("observer").get(meeting.get_absolute_url()).content.decode()
    assert "Order access points" in detail


def test_action_item_without_owner_shows_error_and_saves_nothing(world, client_as):
    data = meeting_data(**{
        "actions-TOTAL_FORMS": "1", "actions-0-description": "Something",
        "actions-0-due_date": "2027-01-20",
    })
    response = client_as("pm").post(
        reverse("projects:meeting_create", args=[world.project.pk]), data
    )
    assert response.status_code == 200
    assert "owner" in response.context["formset"].forms[0].errors
    assert "Introduced the plan." in response.content.decode()
    assert not Meeting.objects.filter(project=world.project).exists()


def test_non_members_are_not_offered_as_attendees(world, client_as):
    response = client_as("pm").post(
        reverse("projects:meeting_create", args=[world.project.pk]),
        meeting_data(attendees=[world.outsider.pk]),
    )
    assert "attendees" in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_missing_meeting_time_is_an_error(world, client_as):
    response = client_as("pm").post(
        reverse("projects:meeting_create", args=[world.project.pk]), meeting_data(held_at="")
    )
    assert "held_at" in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_editing_a_meeting_replaces_its_action_items(world, client_as):
    meeting = MeetingFactory(project=world.project, recorded_by=world.pm)
    url = reverse("projects:meeting_edit", args=[world.project.pk, meeting.pk])
    form = client_as("pm").get(url).context["form"]
    response = client_as("pm").post(url, meeting_data(**{
        "kind": "regular", "title": "Weekly #2", "version": form.initial["version"],
        "actions-TOTAL_FORMS": "1", "actions-0-description": "Fix VLAN plan",
        "actions-0-owner": world.member.pk, "actions-0-due_date": "2027-02-01",
        "actions-0-is_done": "on",
    }))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "Weekly #2"
    assert [(a.description, a.is_done) for a in meeting.action_items.all()] == [
        ("Fix VLAN plan", True)
    ]


def test_deleting_a_meeting(world, client_as):
    meeting = MeetingFactory(project=world.project, recorded_by=world.pm)
    response = client_as("assistant").post(
        reverse("projects:meeting_delete", args=[world.project.pk, meeting.pk])
    )
    assert response.status_code == 302
    assert not Meeting.objects.filter(pk=meeting.pk).exists()


def test_meeting_of_another_project_is_404(world, client_as):
    from tests.projects.factories import ProjectFactory

    meeting = MeetingFactory(project=ProjectFactory(), recorded_by=world.pm)
    url = reverse("projects:meeting_detail", args=[world.project.pk, meeting.pk])
    assert client_as("admin").get(url).status_code == 404


# --- Activity ---------------------------------------------------------------------------------

def test_activity_shows_who_changed_what(world, client_as):
    from projects import services

    original_name = world.project.name
    services.update_project(user=world.pm, project=world.project, name="Renamed project")
    membership = world.project.memberships.get(user=world.member)
    services.update_member(user=world.pm, membership=membership, duties="Cabling")
    response = client_as("qa").get(reverse("projects:activity", args=[world.project.pk]))
    items = list(response.context["page"])
    assert items[0].kind == "membership" and items[0].action == "changed"
    assert [(c.old, c.new) for c in items[0].changes] == [(None, "Cabling")]
    project_change = next(i for i in items if i.kind == "project" and i.action == "changed")
    assert [(str(c.field), c.old, c.new) for c in project_change.changes] == [
        ("name", original_name, "Renamed project")
    ]
    assert "Renamed project" in response.content.decode()


def test_activity_includes_the_initiation_and_its_decisions(world, client_as):
    from projects import services

    request = InitiationRequestFactory(requester=world.member, proposed_pm=world.pm)
    request = services.update_initiation(user=world.member, request=request,
                                         client_organization=world.org)
    services.submit_initiation(user=world.member, request=request)
    services.approve_initiation(user=world.management, request=request, comment="Go ahead")
    project = Project.objects.get(initiation=request)
    response = client_as("management").get(reverse("projects:activity", args=[project.pk]))
    kinds = {(i.kind, i.action) for i in response.context["page"]}
    assert ("transition", "approved") in kinds
    assert ("transition", "submitted") in kinds
    assert ("project", "created") in kinds
    assert ("membership", "created") in kinds
    edit = next(i for i in response.context["page"] if i.kind == "initiation")
    assert [(c.old, c.new) for c in edit.changes] == [(None, world.org)]
    assert "Go ahead" in response.content.decode()


# --- The whole journey (P3.1a → P3.1b) ---------------------------------------------------------

def test_journey_file_submit_approve_staff_and_kick_off(
    world, client_as, django_capture_on_commit_callbacks
):
    requester = client_as("member")
    boss = client_as("management")

    response = requester.post(reverse("projects:initiation_create"), initiation_data(world))
    request = InitiationRequest.objects.get(title="Campus Wi-Fi 6 rollout")
    assert response.url == request.get_absolute_url()

    with django_capture_on_commit_callbacks(execute=True):
        response = requester.post(reverse("projects:initiation_submit", args=[request.pk]),
                                  follow=True)
    assert "submitted" in " ".join(messages_of(response))
    assert Notification.objects.filter(recipient=world.management).exists()

    inbox = boss.get(reverse("projects:approvals"))
    assert request in list(inbox.context["page"])

    detail = boss.get(request.get_absolute_url())
    response = boss.post(reverse("projects:initiation_approve", args=[request.pk]),
                         {"comment": "Approved for Q1.",
                          "version": detail.context["decision_form"].initial["version"]})
    project = Project.objects.get(initiation=request)
    assert response.url == project.get_absolute_url()
    assert project.status == Project.Status.PLANNING

    pm = client_as("pm")
    engineer = UserFactory(username="engineer", display_name="Wang Engineer")
    response = pm.post(reverse("projects:members", args=[project.pk]), {
        "user": engineer.pk, "role": "member", "team": "technical", "duties": "Survey and install",
    })
    assert response.status_code == 302
    assert project.memberships.get(user=engineer).duties == "Survey and install"

    form = pm.get(reverse("projects:meeting_create", args=[project.pk])).context["form"]
    assert form.initial["kind"] == Meeting.Kind.KICKOFF
    with django_capture_on_commit_callbacks(execute=True):
        response = pm.post(reverse("projects:meeting_create", args=[project.pk]), meeting_data(**{
            "attendees": [world.pm.pk, engineer.pk],
            "actions-TOTAL_FORMS": "1", "actions-0-description": "Site survey",
            "actions-0-owner": engineer.pk, "actions-0-due_date": "2027-01-15",
        }))
    kickoff = project.meetings.get()
    assert response.url == kickoff.get_absolute_url()
    assert kickoff.kind == Meeting.Kind.KICKOFF
    assert Notification.objects.filter(recipient=engineer, kind="meeting").exists()

    overview = pm.get(project.get_absolute_url()).content.decode()
    assert "Kick-off" in overview and "Site survey" in overview
    activity = pm.get(reverse("projects:activity", args=[project.pk]))
    assert {i.kind for i in activity.context["page"]} == {"transition", "project", "membership",
                                                          "meeting"}


def test_initiation_list_links_only_projects_the_user_can_open(world, client_as):
    from projects import services

    request = InitiationRequestFactory(requester=world.outsider, proposed_pm=world.pm)
    services.submit_initiation(user=world.outsider, request=request)
    _request, project = services.approve_initiation(user=world.management, request=request)
    requester_page = client_as("outsider").get(reverse("projects:initiation_list"))
    pm_page = client_as("pm").get(reverse("projects:initiation_list"))
    assert project.get_absolute_url() not in requester_page.content.decode()
    assert project.get_absolute_url() in pm_page.content.decode()
