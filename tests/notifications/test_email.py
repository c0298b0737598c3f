"""E-mail follows each person's preference per kind: at once, in a daily digest, or never."""
import pytest
from django.core import mail

from notifications import jobs, services
from notifications.models import AlertSettings, Delivery, EmailDigest, Kind, Notification

from .conftest import FRIDAY, days

pytestmark = pytest.mark.django_db


def prefer(user, email, *kinds):
    services.set_preferences(user=user, choices=dict.fromkeys(kinds or [Kind.OVERDUE], email))


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_an_immediate_preference_sends_each_alert_once(world, make_task):
    prefer(world.member, Delivery.IMMEDIATELY)
    make_task("Cabling", end=FRIDAY - days(1))

    jobs.run("overdue", on=FRIDAY)
    assert recipients() == ["member@example.com"]
    message = mail.outbox[0]
    assert message.subject == "[Jindu] Overdue task"
    assert "“Cabling”" in message.body and "is overdue" in message.body
    assert f"/projects/{world.project.pk}/" in message.body
    assert Notification.objects.get(recipient=world.member).emailed_at is not None

    jobs.run("overdue", on=FRIDAY)
    assert jobs.send_immediate_emails() == 0
    assert len(mail.outbox) == 1


def test_the_default_is_the_daily_digest_sent_once(world, make_task):
    make_task("Cabling", end=FRIDAY - days(1))
    make_task("Survey", end=FRIDAY + days(1))
    jobs.run("overdue", on=FRIDAY)
    jobs.run("due_soon", on=FRIDAY)
    assert mail.outbox == []

    assert jobs.send_digests(on=FRIDAY) == 2
    by_person = {message.to[0]: message for message in mail.outbox}
    assert set(by_person) == {"member@example.com", "pm@example.com"}
    member = by_person["member@example.com"]
    assert member.subject == "[Jindu] 2 unread notifications"
    assert "“Cabling”" in member.body and "“Survey”" in member.body
    assert EmailDigest.objects.filter(day=FRIDAY).count() == 2

    assert jobs.send_digests(on=FRIDAY) == 0
    assert len(mail.outbox) == 2


def test_a_digest_leaves_out_what_was_read_and_runs_again_the_next_day(world, make_task):
    make_task("Cabling", end=FRIDAY - days(1))
    jobs.run("overdue", on=FRIDAY)
    Notification.objects.filter(recipient=world.pm).update(read=True)
    assert jobs.send_digests(on=FRIDAY) == 1
    assert recipients() == ["member@example.com"]

    jobs.run("overdue", on=FRIDAY + days(1))
    assert jobs.send_digests(on=FRIDAY + days(1)) == 2
    assert len(mail.outbox) == 3
    # The second digest lists only the new day's alert.
    assert mail.outbox[-1].subject == "[Jindu] 1 unread notification"


def test_never_means_in_the_app_only(world, make_task):
    prefer(world.member, Delivery.NEVER)
    prefer(world.pm, Delivery.NEVER)
    make_task("Cabling", end=FRIDAY - days(1))
    counts = jobs.run_all(on=FRIDAY)
    assert counts["overdue"] == 2 and counts["emails"] == 0 and counts["digests"] == 0
    assert mail.outbox == []
    assert Notification.objects.count() == 2


def test_preferences_are_per_kind(world, make_task):
    prefer(world.member, Delivery.IMMEDIATELY, Kind.DUE_SOON)
    make_task("Cabling", end=FRIDAY - days(1))
    make_task("Survey", end=FRIDAY + days(1))
    jobs.run("overdue", on=FRIDAY)
    jobs.run("due_soon", on=FRIDAY)
    assert [message.subject for message in mail.outbox] == ["[Jindu] Task due soon"]


def test_the_admin_sets_the_default(world, make_task):
    limits = AlertSettings.load()
    limits.default_email = Delivery.IMMEDIATELY
    limits.save()
    prefer(world.pm, Delivery.NEVER)
    make_task("Cabling", end=FRIDAY - days(1))
    jobs.run("overdue", on=FRIDAY)
    assert recipients() == ["member@example.com"]


def test_no_address_no_email(world, make_task):
    prefer(world.member, Delivery.IMMEDIATELY)
    world.member.email = ""
    world.member.save()
    make_task("Cabling", end=FRIDAY - days(1))
    jobs.run("overdue", on=FRIDAY)
    assert mail.outbox == []


def test_event_notifications_are_emailed_too(world, django_capture_on_commit_callbacks):
    prefer(world.member, Delivery.IMMEDIATELY, Kind.MEETING)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[world.member], kind=Kind.MEETING,
                        message="You have an action item.", dedupe_key="test:meeting")
    assert jobs.send_immediate_emails() == 1
    assert mail.outbox[0].body == "You have an action item."


def test_emails_are_written_in_the_recipients_language(world, make_task):
    world.member.language = "zh-hans"
    world.member.save()
    prefer(world.member, Delivery.IMMEDIATELY)
    make_task("Cabling", end=FRIDAY - days(3))
    jobs.run("overdue", on=FRIDAY)
    assert "2026年12月1日" in mail.outbox[0].body


def test_a_failed_send_is_retried_by_the_next_run(world, make_task, monkeypatch):
    prefer(world.member, Delivery.IMMEDIATELY)
    make_task("Cabling", end=FRIDAY - days(1))
    jobs.run_overdue(on=FRIDAY)

    def down(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(jobs, "send_mass_mail", down)
    with pytest.raises(ConnectionRefusedError):
        jobs.send_immediate_emails()
    assert Notification.objects.get(recipient=world.member).emailed_at is None
    monkeypatch.undo()
    assert jobs.send_immediate_emails() == 1
