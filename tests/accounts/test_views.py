"""Sign-in, profile, password change and the language switch."""
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User


def test_login_page_renders_a_form(db):
    response = Client().get(reverse("accounts:login"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_staff_sign_in_and_land_on_projects(world):
    client = Client()
    response = client.post(reverse("accounts:login"),
                           {"username": "pm", "password": "pw-Secret-123"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("projects:list")


def test_clients_sign_in_and_land_on_the_portal(world):
    client = Client()
    response = client.post(reverse("accounts:login"),
                           {"username": "client", "password": "pw-Secret-123"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home")


def test_clients_land_on_the_portal_whatever_internal_page_they_were_sent_from(world):
    internal = reverse("projects:detail", args=[world.project.pk])
    portal_page = reverse("portal:project", args=[world.project.pk])
    for next_url, landing in ((internal, reverse("portal:home")), ("/nowhere/", reverse(
            "portal:home")), (portal_page, portal_page)):
        response = Client().post(
            f"{reverse('accounts:login')}?next={next_url}",
            {"username": "client", "password": "pw-Secret-123"},
        )
        assert response.url == landing, next_url
    # Staff go where they were headed.
    response = Client().post(f"{reverse('accounts:login')}?next={internal}",
                             {"username": "pm", "password": "pw-Secret-123"})
    assert response.url == internal


def test_wrong_password_shows_an_error(world):
    response = Client().post(reverse("accounts:login"),
                             {"username": "pm", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_logout_is_a_post(world, client_as):
    client = client_as("pm")
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("projects:list")).status_code == 302


def test_profile_saves_display_name_email_and_language(world, client_as):
    response = client_as("pm").post(reverse("accounts:profile"), {
        "display_name": "Li Wei", "email": "li.wei@example.com", "language": "zh-hans",
    })
    assert response.status_code == 302
    world.pm.refresh_from_db()
    assert (world.pm.display_name, world.pm.email, world.pm.language) == (
        "Li Wei", "li.wei@example.com", "zh-hans")


def test_profile_rejects_a_bad_email(world, client_as):
    response = client_as("pm").post(reverse("accounts:profile"), {
        "display_name": "Li Wei", "email": "not-an-email", "language": "en",
    })
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    world.pm.refresh_from_db()
    assert world.pm.display_name != "Li Wei"


def test_password_change(world, client_as):
    client = client_as("member")
    response = client.post(reverse("accounts:password_change"), {
        "old_password": "pw-Secret-123", "new_password1": "Tr4ffic-Shaping-9",
        "new_password2": "Tr4ffic-Shaping-9",
    })
    assert response.url == reverse("accounts:password_change_done")
    world.member.refresh_from_db()
    assert world.member.check_password("Tr4ffic-Shaping-9")


def test_language_switch_is_saved_and_the_next_page_is_chinese(world, client_as):
    client = client_as("pm")
    response = client.post(reverse("accounts:language"),
                           {"language": "zh-hans", "next": reverse("projects:list")})
    assert response.url == reverse("projects:list")
    world.pm.refresh_from_db()
    assert world.pm.language == User.Language.ZH_HANS
    page = client.get(reverse("projects:list"))
    assert page["Content-Language"] == "zh-hans"
    body = page.content.decode()
    assert '<html lang="zh-hans">' in body
    # The policy's own terms label the pages (locale/zh_Hans).
    assert "立项申请" in body and "项目经理" in body


def test_language_follows_the_user_to_a_new_session(world, client_as):
    world.pm.language = User.Language.ZH_HANS
    world.pm.save()
    page = client_as("pm").get(reverse("projects:list"))
    assert '<html lang="zh-hans">' in page.content.decode()


def test_language_switch_ignores_unknown_languages_and_foreign_next(world, client_as):
    response = client_as("pm").post(reverse("accounts:language"),
                                    {"language": "fr", "next": "https://evil.example/"})
    assert response.url == reverse("home")
    world.pm.refresh_from_db()
    assert world.pm.language == "en"


def test_anonymous_language_switch_uses_the_cookie(db):
    client = Client()
    response = client.post(reverse("accounts:language"),
                           {"language": "zh-hans", "next": reverse("accounts:login")})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    page = client.get(reverse("accounts:login"))
    assert '<html lang="zh-hans">' in page.content.decode()


def test_navigation_follows_the_role(world, client_as):
    management = client_as("management").get(reverse("projects:list")).content.decode()
    supervisor = client_as("supervisor").get(reverse("projects:list")).content.decode()
    admin = client_as("admin").get(reverse("projects:list")).content.decode()
    assert reverse("projects:approvals") in management
    assert reverse("projects:initiation_create") in management
    assert reverse("projects:approvals") not in supervisor
    assert reverse("projects:initiation_create") not in supervisor
    assert reverse("admin:index") in admin
    assert reverse("admin:index") not in management
