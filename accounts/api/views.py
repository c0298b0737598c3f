"""Accounts API: tokens, users, client organisations, departments, working calendars."""
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Department, Organization, User
from projects.api.base import RuleViewSetMixin
from tasks.models import WorkCalendar
from tasks.services import update_calendar

from .serializers import (
    DepartmentSerializer,
    OrganizationSerializer,
    UserCreateSerializer,
    UserSerializer,
    WorkCalendarSerializer,
)


@extend_schema(auth=[])
class TokenView(ObtainAuthToken):
    """`POST auth/token/` {username, password} → {token}; bad credentials → 400."""


class ReferenceViewSet(
    RuleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Reference data: internal users read it (pickers), the admin creates it."""

    manage_rule = None

    @property
    def rules(self):
        return {"list": "directory.view", "retrieve": "directory.view",
                "create": self.manage_rule}

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save()


class UserViewSet(ReferenceViewSet):
    queryset = User.objects.all()
    serializer_class = UserSerializer
    manage_rule = "user.manage"
    filterset_fields = ["system_role", "department", "organization", "is_active"]
    search_fields = ["username", "display_name", "email"]
    ordering_fields = ["username", "display_name", "system_role"]

    def get_serializer_class(self):
        return UserCreateSerializer if self.action == "create" else UserSerializer

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(UserSerializer(serializer.instance).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=UserSerializer)
    @action(detail=False, methods=["get"], url_path="me")
    def me(self, request):
        return Response(UserSerializer(request.user).data)

    @me.mapping.patch
    @extend_schema(request=UserSerializer, responses=UserSerializer)
    def update_me(self, request):
        serializer = UserSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            serializer.save()
        return Response(serializer.data)


class OrganizationViewSet(ReferenceViewSet):
    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    manage_rule = "organization.manage"
    filterset_fields = ["is_active"]
    search_fields = ["name"]
    ordering_fields = ["name"]


class DepartmentViewSet(ReferenceViewSet):
    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    manage_rule = "department.manage"
    filterset_fields = ["kind"]
    search_fields = ["name"]
    ordering_fields = ["name", "kind"]


class WorkCalendarViewSet(mixins.UpdateModelMixin, ReferenceViewSet):
    """Working calendars; a change re-schedules every project on the calendar at once."""

    queryset = WorkCalendar.objects.all()
    serializer_class = WorkCalendarSerializer
    manage_rule = "calendar.manage"
    filterset_fields = ["is_default"]
    search_fields = ["name"]
    ordering_fields = ["name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def rules(self):
        return {**super().rules, "partial_update": self.manage_rule}

    def perform_update(self, serializer):
        update_calendar(
            user=self.request.user, calendar=serializer.instance,
            expected_version=self.expected_version(), **serializer.validated_data,
        )
