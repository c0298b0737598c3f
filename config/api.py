"""API conventions shared by every app: pagination, error shapes, version checks."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ConflictError, StaleVersion


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class Conflict(exceptions.APIException):
    """Wrong state for a transition, or a stale version (API.md: 409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Conflict.")
    default_code = "conflict"

    def __init__(self, detail=None, *, current=None):
        super().__init__(detail)
        self.current = current


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, ConflictError):
        current = exc.current
        view = context.get("view")
        if isinstance(current, Model) and hasattr(view, "get_serializer"):
            current.refresh_from_db()
            current = view.get_serializer(current).data
        elif isinstance(current, Model):
            current = {"id": current.pk, "version": getattr(current, "version", None)}
        exc = Conflict(exc.message, current=current)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, Conflict) and exc.current is not None and response is not None:
        response.data = {"detail": response.data["detail"], "current": exc.current}
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed) and response:
        response.status_code = status.HTTP_401_UNAUTHORIZED
    return response


def sent_version(request):
    """The integer `version` the client sent with a write, or None when it sent none."""
    sent = request.data.get("version") if hasattr(request.data, "get") else None
    if sent is None or sent == "":
        return None
    try:
        return int(sent)
    except (TypeError, ValueError):
        raise exceptions.ValidationError({"version": [_("A valid integer is required.")]}) from None


def check_version(request, instance, serializer_class=None):
    """Refuse a write whose `version` differs from the stored one (409 with the current object)."""
    sent = sent_version(request)
    if sent is None:
        return
    if sent != instance.version:
        current = (
            serializer_class(instance, context={"request": request}).data
            if serializer_class else {"version": instance.version}
        )
        raise StaleVersion(_("This object was changed by someone else."), current=current)

