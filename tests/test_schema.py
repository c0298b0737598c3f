"""The OpenAPI schema is the published contract: it must generate cleanly and stay public."""
import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))
    assert "/api/v1/projects/{id}/schedule/" in (tmp_path / "s.yaml").read_text()


@pytest.mark.django_db
def test_schema_and_docs_are_served_offline_to_anyone(client):
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_token_users_get_messages_in_their_language(world):
    world.pm.language = "zh-hans"
    world.pm.save()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.pm).key}")
    response = api.post("/api/v1/initiations/", {"title": ""}, format="json")
    assert response.status_code == 400
    assert "该字段" in str(response.json()["title"])
