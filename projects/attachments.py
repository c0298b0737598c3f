"""Attachments: what may be uploaded (size, type, content) and how it is stored.

Uploads are checked before anything is saved: the extension must be an allowed one, the size
within ATTACHMENT_MAX_BYTES, and the first bytes must match the extension (a renamed .exe is
refused). Files go under MEDIA_ROOT by a random name; the owner's permission rule decides who
may download them (`projects.permissions`, action `attachment.view`).
"""
import os
import unicodedata

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .models import Attachment

ZIP = (b"PK\x03\x04",)
# Extension → (content type, accepted leading bytes; None = text).
TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ZIP),
    "txt": ("text/plain", None),
    "csv": ("text/csv", None),
}


def allowed_extensions():
    return [ext for ext in settings.ATTACHMENT_EXTENSIONS if ext in TYPES]


def accept_attribute():
    """For `<input type=file accept=…>`: the allowed extensions."""
    return ",".join(f".{ext}" for ext in allowed_extensions())


def clean_name(name):
    """The file's own name without any path, control characters or surprises."""
    name = os.path.basename(str(name).replace("\\", "/"))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    return name[-150:] or "file"


def _looks_like_text(head):
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the end of the sample is fine.
            if error.start >= len(head) - 3:
                return True
    return False


def validate_upload(upload):
    """Raise ValidationError naming the file when it may not be attached; → (name, type)."""
    name = clean_name(upload.name)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = allowed_extensions()
    if ext not in allowed:
        raise ValidationError(
            _("“%(name)s” is not an allowed type. Allowed: %(types)s.")
            % {"name": name, "types": ", ".join(allowed)}
        )
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(max)s.")
            % {"name": name, "size": filesizeformat(upload.size),
               "max": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name})
    mime, signatures = TYPES[ext]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    ok = _looks_like_text(head) if signatures is None else head.startswith(signatures)
    if not ok:
        raise ValidationError(
            _("“%(name)s” does not contain what its name says (.%(ext)s).")
            % {"name": name, "ext": ext}
        )
    return name, mime


def validate_uploads(uploads, *, field="attachments"):
    """Check a list of uploads all at once; raise one ValidationError listing every problem."""
    uploads = list(uploads or ())
    errors = []
    if len(uploads) > settings.ATTACHMENT_MAX_FILES:
        errors.append(_("Attach at most %(n)d files.") % {"n": settings.ATTACHMENT_MAX_FILES})
    checked = []
    for upload in uploads:
        try:
            checked.append((upload, *validate_upload(upload)))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({field: errors})
    return checked


def attach(*, user, owner, project, uploads):
    """Store the uploads against `owner`, inside the caller's transaction; → attachments.

    The caller has checked that the user may write to `owner`, and validated the uploads with
    `validate_uploads` before its first write, so bad files never leave half a change behind.
    Services attach last; should the database write still fail, the files are removed again.
    """
    checked = validate_uploads(uploads)
    content_type = ContentType.objects.get_for_model(owner)
    saved = []
    try:
        for upload, name, mime in checked:
            attachment = Attachment(
                project=project, content_type=content_type, object_id=owner.pk, name=name,
                size=upload.size, mime_type=mime, uploaded_by=user,
            )
            attachment.file.save(name, upload, save=False)
            saved.append(attachment)
            attachment.save()
    except Exception:
        for attachment in saved:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return saved


def attachments_of(owner):
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(owner), object_id=owner.pk
    ).select_related("uploaded_by")
