"""Accounts API: tokens, users/me, users, organisations, departments and calendars."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import Department, Organization, User
from tasks.models import WorkCalendar
from tests.accounts.factories import ClientUserFactory, UserFactory

NEW_USER = {"username": "newcomer", "password": "Lantern-Orbit-42", "display_name": "New Person",
            "email": "new@example.com", "system_role": "staff"}


# --- Tokens and authentication --------------------------------------------------------------

def test_token_for_good_credentials_authenticates_later_requests(world):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "pm", "password": "pw-Secret-123"}, format="json"
    )
    assert response.status_code == 200
    api = APIClient(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    assert api.get("/api/v1/users/me/").data["username"] == "pm"


@pytest.mark.parametrize("body", [
    {"username": "pm", "password": "wrong"},
    {"username": "nobody", "password": "pw-Secret-123"},
    {"username": "pm"},
])
def test_bad_credentials_get_400(world, body):
    assert APIClient().post("/api/v1/auth/token/", body, format="json").status_code == 400


@pytest.mark.parametrize("header", [None, "Token not-a-real-key"])
def test_no_or_bad_credentials_get_401(world, header):
    api = APIClient(HTTP_AUTHORIZATION=header) if header else APIClient()
    assert api.get("/api/v1/users/me/").status_code == 401
    assert api.get("/api/v1/projects/").status_code == 401


# --- users/me -------------------------------------------------------------------------------

def test_me_shows_the_contract_fields(world, api_as):
    data = api_as("client").get("/api/v1/users/me/").data
    assert set(data) == {"id", "username", "display_name", "email", "system_role",
                         "department", "organization", "language"}
    assert data["system_role"] == "client"
    assert data["organization"] == world.org.pk


def test_superuser_is_admin(world, api_as):
    assert api_as("admin").get("/api/v1/users/me/").data["system_role"] == "admin"


def test_me_changes_language_but_not_role(world, api_as):
    response = api_as("member").patch(
        "/api/v1/users/me/", {"language": "zh-hans", "system_role": "admin"}, format="json"
    )
    assert response.status_code == 200
    world.member.refresh_from_db()
    assert world.member.language == "zh-hans"
    assert world.member.system_role == "staff"


@pytest.mark.parametrize(("body", "field"), [
    ({"language": "fr"}, "language"),
    ({"email": "not-an-email"}, "email"),
])
def test_me_rejects_bad_input(world, api_as, body, field):
    response = api_as("member").patch("/api/v1/users/me/", body, format="json")
    assert response.status_code == 400
    assert field in response.data
    world.member.refresh_from_db()
    assert world.member.language == "en"
    assert world.member.email == "member@example.com"


# --- users ----------------------------------------------------------------------------------

def test_admin_creates_a_user_who_can_then_sign_in(world, api_as):
    response = api_as("admin").post("/api/v1/users/", NEW_USER, format="json")
    assert response.status_code == 201
    assert "password" not in response.data
    assert response.data["username"] == "newcomer"
    assert User.objects.get(username="newcomer").check_password("Lantern-Orbit-42")


def test_admin_creates_a_client_user_of_an_organisation(world, api_as):
    body = {**NEW_USER, "system_role": "client", "organization": world.org.pk}
    response = api_as("admin").post("/api/v1/users/", body, format="json")
    assert response.status_code == 201
    assert response.data["organization"] == world.org.pk


@pytest.mark.parametrize(("change", "field"), [
    ({"system_role": "client"}, "organization"),
    ({"organization": "ORG"}, "organization"),
    ({"password": "password"}, "password"),
    ({"password": "12345678901"}, "password"),
    ({"password": "newcomer1"}, "password"),
    ({"username": "pm"}, "username"),
    ({"system_role": "boss"}, "system_role"),
    ({"email": ""}, "email"),
    ({"department": 999999}, "department"),
])
def test_user_create_rejects_bad_input_and_saves_nothing(world, api_as, change, field):
    body = {**NEW_USER, **change}
    if body.get("organization") == "ORG":
        body["organization"] = world.org.pk
    before = User.objects.count()
    response = api_as("admin").post("/api/v1/users/", body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert User.objects.count() == before


def test_users_list_filters_by_role_and_search(world, api_as):
    api = api_as("pm")
    clients = api.get("/api/v1/users/", {"system_role": "client"}).data["results"]
    assert {u["username"] for u in clients} == {"client", "other_client"}
    found = api.get("/api/v1/users/", {"search": "supervis"}).data["results"]
    assert [u["username"] for u in found] == ["supervisor"]
    of_org = api.get("/api/v1/users/", {"organization": world.org.pk}).data["results"]
    assert [u["username"] for u in of_org] == ["client"]


def test_users_list_is_constant_in_queries(world, api_as):
    api = api_as("pm")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/users/", {"page_size": 500}).status_code == 200
        return len(ctx)

    UserFactory.create_batch(5)
    ClientUserFactory.create_batch(5, organization=world.org)
    small = count()
    UserFactory.create_batch(10)
    ClientUserFactory.create_batch(10, organization=world.org)
    assert count() == small


# --- organisations and departments ----------------------------------------------------------

def test_admin_creates_an_organisation(world, api_as):
    response = api_as("admin").post("/api/v1/organizations/", {"name": "Unicom"}, format="json")
    assert response.status_code == 201
    assert response.data["is_active"] is True


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "China Mobile Hangzhou"}])
def test_organisation_create_rejects_bad_names(world, api_as, body):
    before = Organization.objects.count()
    response = api_as("admin").post("/api/v1/organizations/", body, format="json")
    assert response.status_code == 400
    assert "name" in response.data
    assert Organization.objects.count() == before


def test_admin_creates_a_department(world, api_as):
    body = {"name": "Network", "kind": "technical"}
    response = api_as("admin").post("/api/v1/departments/", body, format="json")
    assert response.status_code == 201
    assert response.data == {"id": response.data["id"], **body}


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "Network", "kind": "kitchen"}, "kind"),
    ({"kind": "technical"}, "name"),
])
def test_department_create_rejects_bad_input(world, api_as, body, field):
    response = api_as("admin").post("/api/v1/departments/", body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not Department.objects.exists()


# --- calendars ------------------------------------------------------------------------------

def test_admin_creates_a_calendar_with_holidays_and_make_up_days(world, api_as):
    body = {"name": "China 2027", "holidays": ["2027-02-11", "2027-02-10", "2027-02-10"],
            "extra_workdays": ["2027-02-06"]}
    response = api_as("admin").post("/api/v1/calendars/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["weekend_days"] == [5, 6]
    assert response.data["holidays"] == ["2027-02-10", "2027-02-11"]
    assert response.data["extra_workdays"] == ["2027-02-06"]
    assert response.data["is_default"] is False
    calendar = WorkCalendar.objects.get(name="China 2027")
    assert calendar.holidays == ["2027-02-10", "2027-02-11"]


def test_calendar_make_up_days_follow_its_own_weekend(world, api_as):
    body = {"name": "Fri-Sat weekend", "weekend_days": [4, 5],
            "extra_workdays": ["2027-02-05"]}  # a Friday
    response = api_as("admin").post("/api/v1/calendars/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["weekend_days"] == [4, 5]


@pytest.mark.parametrize(("change", "field"), [
    ({"extra_workdays": ["2027-02-03"]}, "extra_workdays"),  # a Wednesday
    ({"weekend_days": [5, 7]}, "weekend_days"),
    ({"weekend_days": [0, 1, 2, 3, 4, 5, 6]}, "weekend_days"),
    ({"weekend_days": "weekends"}, "weekend_days"),
    ({"holidays": ["2027-02-30"]}, "holidays"),
    ({"name": "Mon–Fri"}, "name"),
])
def test_calendar_create_rejects_bad_input(world, api_as, change, field):
    before = WorkCalendar.objects.count()
    body = {"name": "Bad", **change}
    response = api_as("admin").post("/api/v1/calendars/", body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert WorkCalendar.objects.count() == before


def test_default_calendar_is_listed(world, api_as):
    results = api_as("pm").get("/api/v1/calendars/").data["results"]
    assert [c["is_default"] for c in results if c["name"] == "Mon–Fri"] == [True]
