"""Django admin: every page opens, changelists stay flat in queries, workflow rules hold."""
import datetime
import re
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework.authtoken.models import Token

from accounts.models import User
from notifications.models import Notification
from projects import services
from projects.models import ActionItem, InitiationRequest, InitiationTransition, Membership, Project
from quality import services as quality_services
from tasks import client as task_client
from tasks import progress
from tasks.admin import WorkCalendarForm
from tasks.models import WorkCalendar
from tests.accounts.factories import ClientUserFactory, DepartmentFactory, OrganizationFactory
from tests.projects.factories import InitiationRequestFactory, MeetingFactory, ProjectFactory

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def admin_client(world, client):
    client.force_login(world.admin)
    return client


@pytest.fixture
def one_of_each(world):
    """At least one row of every registered model."""
    DepartmentFactory(name="技术部", kind="technical")
    initiation = InitiationRequestFactory(requester=world.pm, proposed_pm=world.pm)
    InitiationTransition.objects.create(
        request=initiation, from_status="draft", to_status="draft", actor=world.pm
    )
    meeting = MeetingFactory(project=world.project, recorded_by=world.assistant)
    meeting.attendees.set([world.pm, world.member])
    ActionItem.objects.create(meeting=meeting, description="Site survey", owner=world.member,
                              due_date=datetime.date(2026, 12, 4))
    WorkCalendar.objects.create(name="CN", holidays=["2026-10-01"], extra_workdays=["2026-10-10"])
    Notification.objects.create(kind="meeting", recipient=world.pm, project=world.project,
                                message="Hello", dedupe_key="test:1")
    Group.objects.create(name="Auditors")
    Token.objects.create(user=world.admin)
    interval = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name="overdue alerts", task="tasks.overdue", interval=interval)
    CrontabSchedule.objects.create(minute="0", hour="8")
    SolarSchedule.objects.create(event="sunrise", latitude=30.27, longitude=120.15)
    ClockedSchedule.objects.create(clocked_time=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC))
    # The client side (P4.3): a change request with a file, feedback, a published report.
    services.submit_change_request(
        user=world.client, project=world.project, title="Second uplink", description="d",
        reason="r", attachments=[SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")],
    )
    quality_services.submit_feedback(user=world.client, project=world.project, kind="enquiry",
                                     subject="When is cut-over?", body="b")
    task_client.publish_report(user=world.pm, project=world.project,
                               week=progress.week_of(timezone.localdate()))


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_admin_pages_open(model, one_of_each, admin_client, world, rf):
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    request = rf.get("/")
    request.user = world.admin
    add = admin_client.get(admin_url(model, "add")).status_code
    assert add == (200 if admin.site._registry[model].has_add_permission(request) else 403)
    obj = model._default_manager.first()
    assert admin_client.get(admin_url(model, "change", quote(obj.pk))).status_code == 200


def test_admin_pages_open_on_the_demo_data(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    client.force_login(User.objects.get(username="admin"))
    for model in REGISTERED:
        assert client.get(admin_url(model, "changelist")).status_code == 200, model
        for obj in model._default_manager.all()[:3]:
            url = admin_url(model, "change", quote(obj.pk))
            assert client.get(url).status_code == 200, url


def test_only_the_audit_trail_cannot_be_added_by_hand(rf, world):
    request = rf.get("/")
    request.user = world.admin
    read_only = {model._meta.label for model, model_admin in admin.site._registry.items()
                 if not model_admin.has_add_permission(request)}
    assert read_only == {"projects.InitiationTransition", "projects.Attachment",
                         "quality.ClientFeedback", "tasks.PublishedReport"}


def test_admin_is_titled_jindu(admin_client):
    assert "Jindu administration" in admin_client.get(reverse("admin:index")).text


def changelist_queries(client, model):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    return len(queries)


def make_projects(n):
    for _ in range(n):
        ProjectFactory(client_organization=OrganizationFactory(),
                       department=DepartmentFactory())


def make_requests(n):
    for _ in range(n):
        InitiationRequestFactory(department=DepartmentFactory(),
                                 client_organization=OrganizationFactory())


@pytest.mark.parametrize(("model", "make"), [(Project, make_projects),
                                             (InitiationRequest, make_requests)])
def test_changelist_queries_do_not_grow_with_rows(model, make, admin_client):
    make(5)
    with_n = changelist_queries(admin_client, model)
    make(5)
    assert changelist_queries(admin_client, model) == with_n


def test_user_changelist_queries_do_not_grow_with_rows(admin_client):
    org = OrganizationFactory()
    ClientUserFactory.create_batch(3, organization=org)
    with_n = changelist_queries(admin_client, User)
    ClientUserFactory.create_batch(3, organization=OrganizationFactory())
    assert changelist_queries(admin_client, User) == with_n


def test_user_admin_adds_a_user_with_the_jindu_fields(admin_client, world):
    org = world.org
    data = {"username": "qj.wuhao", "usable_password": "true", "password1": "Xy-Secret-2026!",
            "password2": "Xy-Secret-2026!", "display_name": "吴昊", "system_role": "client",
            "organization": org.pk, "language": "zh-hans", "email": ""}
    assert admin_client.post(admin_url(User, "add"), data).status_code == 302
    user = User.objects.get(username="qj.wuhao")
    assert (user.display_name, user.system_role, user.organization) == ("吴昊", "client", org)


def test_user_admin_refuses_a_client_without_organisation(admin_client):
    data = {"username": "lost", "usable_password": "true", "password1": "Xy-Secret-2026!",
            "password2": "Xy-Secret-2026!", "system_role": "client", "language": "en"}
    response = admin_client.post(admin_url(User, "add"), data)
    assert response.status_code == 200
    assert not User.objects.filter(username="lost").exists()


# --- working calendar form --------------------------------------------------------------------

def calendar_form(**data):
    return WorkCalendarForm(data={"name": "CN 2026", "weekend_days": ["5", "6"], "holidays": "",
                                  "extra_workdays": "", **data})


def test_calendar_form_converts_text_to_sorted_date_lists():
    form = calendar_form(holidays="2026-10-02, 2026-10-01\n2026/10/3；2026-10-01",
                         extra_workdays="2026-10-10\n2026-09-20")
    assert form.is_valid(), form.errors
    calendar = form.save()
    calendar.refresh_from_db()
    assert calendar.weekend_days == [5, 6]
    assert calendar.holidays == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert calendar.extra_workdays == ["2026-09-20", "2026-10-10"]


def test_calendar_form_shows_stored_lists_as_lines():
    calendar = WorkCalendar.objects.create(
        name="CN", weekend_days=[6], holidays=["2026-10-01", "2026-10-02"]
    )
    form = WorkCalendarForm(instance=calendar)
    assert form["holidays"].value() == "2026-10-01\n2026-10-02"
    assert "2026-10-01\n2026-10-02</textarea>" in str(form["holidays"])
    checked = re.findall(r'value="(\d)"[^>]*checked', str(form["weekend_days"]))
    assert checked == ["6"]
    resubmitted = WorkCalendarForm(instance=calendar, data={
        "name": "CN", "weekend_days": ["6"], "holidays": "2026-10-02, 2026-10-01",
        "extra_workdays": "",
    })
    assert resubmitted.changed_data == []


def test_calendar_form_rejects_a_makeup_day_that_is_not_a_weekend_day():
    form = calendar_form(extra_workdays="2026-10-10, 2026-10-12")  # a Saturday, a Monday
    assert not form.is_valid()
    assert "2026-10-12" in form.errors["extra_workdays"][0]
    assert "2026-10-10" not in form.errors["extra_workdays"][0]


def test_calendar_form_checks_makeup_days_against_the_chosen_weekend():
    assert calendar_form(weekend_days=["4", "5"], extra_workdays="2026-10-09").is_valid()  # Fri
    assert not calendar_form(weekend_days=["4", "5"], extra_workdays="2026-10-11").is_valid()


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "next friday", "20261001"])
def test_calendar_form_rejects_what_is_not_a_date(text):
    form = calendar_form(holidays=text)
    assert not form.is_valid()
    assert text.split()[0] in form.errors["holidays"][0]


def test_calendar_form_rejects_a_day_both_holiday_and_workday():
    form = calendar_form(holidays="2026-10-10", extra_workdays="2026-10-10")
    assert not form.is_valid()
    assert "extra_workdays" in form.errors


def test_calendar_form_needs_a_working_day_in_the_week():
    form = calendar_form(weekend_days=[str(day) for day in range(7)])
    assert not form.is_valid()
    assert "weekend_days" in form.errors


def test_calendar_admin_saves_the_lists(admin_client, world):
    response = admin_client.post(admin_url(WorkCalendar, "add"), {
        "name": "中国大陆 2026", "weekend_days": ["5", "6"],
        "holidays": "2026-01-01\n2026-01-02\n2026-01-03", "extra_workdays": "2026-01-04",
    })
    assert response.status_code == 302
    calendar = WorkCalendar.objects.get(name="中国大陆 2026")
    assert calendar.holidays == ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert calendar.extra_workdays == ["2026-01-04"]


# --- initiation workflow in the admin ---------------------------------------------------------

def submitted_request(world, **fields):
    request = InitiationRequestFactory(requester=world.outsider, proposed_pm=world.pm, **fields)
    return services.submit_initiation(user=world.outsider, request=request)


def test_approve_action_approves_through_the_service(admin_client, world):
    request = submitted_request(world, title="政务云平台迁移")
    draft = InitiationRequestFactory(requester=world.outsider, proposed_pm=world.pm)
    response = admin_client.post(admin_url(InitiationRequest, "changelist"), {
        "action": "approve_selected", "_selected_action": [request.pk, draft.pk],
    }, follow=True)
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == InitiationRequest.Status.APPROVED
    project = Project.objects.get(initiation=request)
    assert project.status == Project.Status.PLANNING
    assert project.memberships.get().user == world.pm
    assert project.memberships.get().role == Membership.Role.PM
    last = request.transitions.last()
    assert (last.from_status, last.to_status, last.actor) == ("submitted", "approved", world.admin)
    draft.refresh_from_db()
    assert draft.status == InitiationRequest.Status.DRAFT
    messages = [str(m) for m in response.context["messages"]]
    assert any(project.code in m for m in messages)
    assert any(draft.title in m and "not submitted" in m for m in messages)


def test_approve_action_needs_a_deciding_role(client, world):
    world.outsider.is_staff = True
    world.outsider.save()
    world.outsider.user_permissions.add(*admin_permissions("change_initiationrequest",
                                                           "view_initiationrequest"))
    request = submitted_request(world)
    client.force_login(world.outsider)
    response = client.post(admin_url(InitiationRequest, "changelist"), {
        "action": "approve_selected", "_selected_action": [request.pk],
    }, follow=True)
    request.refresh_from_db()
    assert request.status == InitiationRequest.Status.SUBMITTED
    assert any("may not approve" in str(m) for m in response.context["messages"])


def admin_permissions(*codenames):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename__in=codenames)


def test_status_cannot_be_changed_in_the_admin(admin_client, world):
    request = submitted_request(world)
    url = admin_url(InitiationRequest, "change", request.pk)
    form = admin_client.get(url).context["adminform"].form
    assert "status" not in form.fields
    admin_client.post(url, {"status": "approved", "transitions-TOTAL_FORMS": "0",
                            "transitions-INITIAL_FORMS": "0"})
    request.refresh_from_db()
    assert request.status == InitiationRequest.Status.SUBMITTED
    assert not Project.objects.filter(initiation=request).exists()


def test_history_can_be_read_but_not_reverted(admin_client, world):
    request = submitted_request(world)
    services.approve_initiation(user=world.admin, request=request)
    submitted = request.history.get(status="submitted")
    url = reverse("admin:projects_initiationrequest_simple_history",
                  args=[request.pk, submitted.history_id])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"title": "x"}).status_code == 403
    request.refresh_from_db()
    assert request.status == InitiationRequest.Status.APPROVED


def test_a_request_added_in_the_admin_is_filed_by_the_service(admin_client, world):
    response = admin_client.post(admin_url(InitiationRequest, "add"), {
        "title": "办公网络扩容", "background": "b", "goals": "g", "scope": "s",
        "expected_benefits": "e", "proposed_pm": world.pm.pk, "planned_start": "2026-12-01",
        "planned_end": "2027-03-31", "budget": "380000",
        "transitions-TOTAL_FORMS": "0", "transitions-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302
    request = InitiationRequest.objects.get(title="办公网络扩容")
    assert request.requester == world.admin
    assert request.status == InitiationRequest.Status.DRAFT
    assert request.transitions.count() == 1


# --- team in the admin ------------------------------------------------------------------------

def membership_post(world, **row):
    project = world.project
    members = list(project.memberships.order_by("pk"))
    data = {
        "code": project.code, "name": project.name, "status": project.status,
        "description": "", "client_organization": project.client_organization_id or "",
        "department": "", "planned_start": "2026-12-01", "planned_end": "2027-03-31",
        "calendar": "", "budget": "", "internal_notes": "",
        "memberships-TOTAL_FORMS": str(len(members) + 1),
        "memberships-INITIAL_FORMS": str(len(members)),
    }
    for i, membership in enumerate(members):
        data.update({
            f"memberships-{i}-id": membership.pk, f"memberships-{i}-project": project.pk,
            f"memberships-{i}-user": membership.user_id, f"memberships-{i}-role": membership.role,
            f"memberships-{i}-team": membership.team, f"memberships-{i}-duties": membership.duties,
        })
    n = len(members)
    data.update({f"memberships-{n}-{key}": value for key, value in row.items()})
    data[f"memberships-{n}-project"] = project.pk
    return data


def test_team_inline_adds_members_through_the_service(admin_client, world):
    newcomer = world.outsider
    response = admin_client.post(
        admin_url(Project, "change", world.project.pk),
        membership_post(world, user=newcomer.pk, role="member", team="technical",
                        duties="Switch configuration"),
    )
    assert response.status_code == 302, response.context["errors"]
    membership = world.project.memberships.get(user=newcomer)
    assert (membership.role, membership.team) == ("member", "technical")


def test_team_inline_refuses_a_client_of_another_organisation(admin_client, world):
    response = admin_client.post(
        admin_url(Project, "change", world.project.pk),
        membership_post(world, user=world.other_client.pk, role="client"),
    )
    assert response.status_code == 200
    assert "client organisation" in str(response.context["inline_admin_formsets"][0].formset.errors)
    assert not world.project.memberships.filter(user=world.other_client).exists()
