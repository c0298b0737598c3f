"""Notifications API (API.md): each caller reads and marks only their own; others' are 404."""
import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications import services
from notifications.models import Kind, Notification

from .serializers import MarkedReadSerializer, NotificationSerializer, ReadAllSerializer


class NotificationFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices)

    class Meta:
        model = Notification
        fields = ["kind", "read", "project", "task"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """The caller's notifications, newest first (clients too)."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at", "read"]
    search_fields = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user).order_by(
            "-created_at", "-id"
        )

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.mark_read(user=request.user, notification=notification)
        notification.read = True
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=ReadAllSerializer, responses=MarkedReadSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread notification of the caller read, or those of one `kind`."""
        body = ReadAllSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = services.mark_all_read(user=request.user, kind=body.validated_data.get("kind"))
        return Response({"updated": updated})
