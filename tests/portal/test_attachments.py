"""Attachments (issue acceptance 6): size and type limits, served only through the
permission-checked download view."""
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Attachment, ChangeRequest
from quality.models import ClientFeedback

from .conftest import PDF, pdf


def attachment_of(owner):
    return Attachment.objects.get(
        content_type=ContentType.objects.get_for_model(owner), object_id=owner.pk)


def stored_files(media_root):
    folder = media_root / "attachments"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize("owner", ["change", "feedback", "report"])
def test_the_client_downloads_their_own_files(portal, client_as, owner):
    attachment = attachment_of(getattr(portal, owner))
    response = client_as("client").get(reverse("projects:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert attachment.name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("role", "status"), [
    ("client", 200), ("pm", 200), ("member", 200), ("management", 200),
    ("other_client", 404), ("outsider", 404),
])
def test_downloads_follow_who_may_see_the_request(portal, client_as, role, status):
    attachment = attachment_of(portal.change)
    response = client_as(role).get(reverse("projects:attachment", args=[attachment.pk]))
    assert response.status_code == status


def test_pages_link_files_only_through_the_download_view(portal, client_as):
    attachment = attachment_of(portal.change)
    body = client_as("client").get(
        reverse("portal:change_detail", args=[portal.change.pk])).content.decode()
    assert reverse("projects:attachment", args=[attachment.pk]) in body
    assert attachment.file.name not in body  # the stored path is never shown


FORMS = {
    "change": ("portal:change_create", {"title": "Faster links", "description": "More speed.",
                                        "reason": "Growth."}, ChangeRequest),
    "feedback": ("portal:feedback_create", {"kind": "complaint", "subject": "Slow",
                                            "body": "Too slow."}, ClientFeedback),
}
BAD_FILES = {
    "too big": lambda: pdf("big.pdf", PDF + b"x" * 200),
    "an executable": lambda: SimpleUploadedFile("setup.exe", b"MZ\x90\x00" + b"\x00" * 20),
    "a pdf that is not one": lambda: SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf"),
    "an empty file": lambda: SimpleUploadedFile("empty.txt", b""),
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("bad", BAD_FILES)
def test_a_refused_file_is_a_form_error_and_nothing_is_saved(
    portal, client_as, settings, media_root, form, bad,
):
    settings.ATTACHMENT_MAX_BYTES = len(PDF) + 100
    url_name, data, model = FORMS[form]
    rows, files, attachments = model.objects.count(), stored_files(media_root), (
        Attachment.objects.count())
    response = client_as("client").post(
        reverse(url_name, args=[portal.project.pk]),
        {**data, "attachments": [pdf("fine.pdf"), BAD_FILES[bad]()]},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["attachments"], errors
    assert model.objects.count() == rows
    assert Attachment.objects.count() == attachments
    assert stored_files(media_root) == files
    body = response.content.decode()
    assert "invalid-feedback" in body
    assert data["subject" if form == "feedback" else "title"] in body  # what was typed is kept


def test_too_many_files_are_refused(portal, client_as, settings):
    settings.ATTACHMENT_MAX_FILES = 2
    response = client_as("client").post(
        reverse("portal:change_create", args=[portal.project.pk]),
        {**FORMS["change"][1], "attachments": [pdf("a.pdf"), pdf("b.pdf"), pdf("c.pdf")]},
    )
    assert "attachments" in response.context["form"].errors
    assert ChangeRequest.objects.count() == 1


def test_the_file_input_takes_several_files_of_the_allowed_types(portal, client_as):
    body = client_as("client").get(
        reverse("portal:change_create", args=[portal.project.pk])).content.decode()
    assert 'type="file"' in body and " multiple" in body
    assert 'accept=".pdf,.png,' in body
    assert 'enctype="multipart/form-data"' in body
