"""Attachment downloads: the only way to read an uploaded file (MEDIA_ROOT has no URL)."""
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from .models import Attachment
from .permissions import require

INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif"}


@login_required
@require_GET
def attachment(request, pk):
    """Serve an attachment to whoever may see what it is attached to; 404 to anyone else."""
    attachment = get_object_or_404(
        Attachment.objects.select_related("content_type"), pk=pk
    )
    require(request.user, "attachment.view", attachment)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = request.GET.get("inline") == "1" and attachment.mime_type in INLINE_TYPES
    response = FileResponse(
        handle, as_attachment=not inline, filename=attachment.name,
        content_type=attachment.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
