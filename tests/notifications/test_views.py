"""The notifications page: unread first, mark one or all read, open and follow."""
import pytest
from django.urls import reverse

from notifications.models import Notification


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make(user, key, *, read=False, url="", message=None):
    return Notification.objects.create(
        kind=Notification.Kind.MEETING, recipient=user, message=message or f"Note {key}",
        url=url, dedupe_key=f"test:{key}", read=read,
    )


def test_unread_first_and_counted_in_the_bell(world, client_as):
    old_unread = make(world.pm, 1)
    make(world.pm, 2, read=True)
    make(world.member, 3)
    response = client_as("pm").get(reverse("notifications:list"))
    items = list(response.context["page"])
    assert [n.read for n in items] == [False, True]
    assert items[0] == old_unread
    assert response.context["nav"]["unread"] == 1
    assert "Note 3" not in response.content.decode()


def test_mark_one_read_with_htmx_updates_the_item_and_the_bell(world, client_as):
    note = make(world.pm, 1)
    make(world.pm, 2)
    response = client_as("pm").post(reverse("notifications:mark_read", args=[note.pk]),
                                    headers={"HX-Request": "true"})
    body = response.content.decode()
    note.refresh_from_db()
    assert note.read
    assert f'id="notification-{note.pk}"' in body
    assert 'hx-swap-oob="true"' in body
    assert response.context["nav"]["unread"] == 1


def test_mark_all_read(world, client_as):
    make(world.pm, 1)
    make(world.pm, 2)
    other = make(world.member, 3)
    response = client_as("pm").post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert not world.pm.notifications.filter(read=False).exists()
    other.refresh_from_db()
    assert not other.read


def test_opening_marks_read_and_follows_the_link(world, client_as):
    note = make(world.pm, 1, url=world.project.get_absolute_url())
    response = client_as("pm").post(reverse("notifications:open", args=[note.pk]))
    assert response.url == world.project.get_absolute_url()
    note.refresh_from_db()
    assert note.read


def test_opening_never_leaves_the_site(world, client_as):
    note = make(world.pm, 1, url="https://evil.example/")
    response = client_as("pm").post(reverse("notifications:open", args=[note.pk]))
    assert response.url == reverse("notifications:list")


def test_someone_elses_notification_is_404(world, client_as):
    note = make(world.member, 1)
    client = client_as("pm")
    assert client.post(reverse("notifications:mark_read", args=[note.pk])).status_code == 404
    assert client.post(reverse("notifications:open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert not note.read


def test_marking_is_post_only(world, client_as):
    note = make(world.pm, 1)
    assert client_as("pm").get(reverse("notifications:mark_read", args=[note.pk])).status_code \
        == 405


def test_clients_see_their_notifications_in_the_portal_layout(world, client_as):
    make(world.client, 1, message="Your monthly report is ready")
    response = client_as("client").get(reverse("notifications:list"))
    assert "portal/base.html" in [t.name for t in response.templates]
    assert "Your monthly report is ready" in response.content.decode()
