"""Projects API: initiation requests and their decisions, projects, team and meetings.

Viewsets stay thin: they find the object among those the caller may see (else 404), ask the
permission module whether the caller may act (else 403), validate input and hand it to a
service, which checks again and writes in one transaction.
"""
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from projects import services
from projects.filters import InitiationFilter, ProjectFilter
from projects.models import Meeting, Membership
from projects.permissions import require, visible_initiations, visible_projects

from .base import RuleViewSetMixin
from .serializers import (
    ClientProjectSerializer,
    DecisionSerializer,
    InitiationSerializer,
    MeetingSerializer,
    MembershipSerializer,
    MembershipUpdateSerializer,
    ProjectSerializer,
)


class InitiationViewSet(
    RuleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """立项申请: drafted by staff or management, submitted by its requester, decided by managers."""

    serializer_class = InitiationSerializer
    filterset_class = InitiationFilter
    search_fields = ["title"]
    ordering_fields = ["created_at", "submitted_at", "title", "status", "planned_start"]
    rules = {"list": "initiation.list", "create": "initiation.create"}

    def get_queryset(self):
        return (
            visible_initiations(self.request.user)
            .select_related("project").prefetch_related("transitions")
        )

    def get_object(self):
        initiation = super().get_object()
        require(self.request.user, self.object_rule, initiation)
        return initiation

    @property
    def object_rule(self):
        return {
            "partial_update": "initiation.change", "submit": "initiation.submit",
            "approve": "initiation.decide", "reject": "initiation.decide",
            "return_": "initiation.decide",
        }.get(self.action, "initiation.view")

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        initiation = services.create_initiation(user=request.user, **serializer.validated_data)
        return Response(self.output(self.refreshed(initiation)), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        initiation = self.get_object()
        serializer = self.get_serializer(initiation, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        initiation = services.update_initiation(
            user=request.user, request=initiation, expected_version=self.expected_version(),
            **serializer.validated_data,
        )
        return Response(self.output(self.refreshed(initiation)))

    def _decide(self, service, *, with_comment=True):
        initiation = self.get_object()
        body = DecisionSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        extra = {"comment": body.validated_data["comment"]} if with_comment else {}
        result = service(
            user=self.request.user, request=initiation,
            expected_version=self.expected_version(), **extra,
        )
        initiation = result[0] if isinstance(result, tuple) else result
        return Response(self.output(self.refreshed(initiation)))

    @extend_schema(request=DecisionSerializer, responses=InitiationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._decide(services.submit_initiation, with_comment=False)

    @extend_schema(request=DecisionSerializer, responses=InitiationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve: the project is created in `planning` with the proposed PM as its pm."""
        return self._decide(services.approve_initiation)

    @extend_schema(request=DecisionSerializer, responses=InitiationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(services.reject_initiation)

    @extend_schema(request=DecisionSerializer, responses=InitiationSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        return self._decide(services.return_initiation)


def projects_with_pm(user):
    pm = Membership.objects.filter(project=OuterRef("pk"), role=Membership.Role.PM)
    return visible_projects(user).annotate(pm=Subquery(pm.values("user_id")[:1]))


class ProjectViewSet(
    RuleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Projects the caller may see; clients get their own, through a client-safe whitelist."""

    filterset_class = ProjectFilter
    filter_backends = [DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = [
        "code", "name", "status", "planned_start", "planned_end", "percent_complete",
        "created_at",
    ]

    def get_queryset(self):
        return projects_with_pm(self.request.user)

    def get_serializer_class(self):
        if getattr(self.request.user, "is_client", False):
            return ClientProjectSerializer
        return ProjectSerializer

    def get_object(self):
        project = super().get_object()
        rule = "project.change" if self.action == "partial_update" else "project.view"
        require(self.request.user, rule, project)
        return project

    @extend_schema(request=ProjectSerializer, responses=ProjectSerializer)
    def partial_update(self, request, pk=None):
        project = self.get_object()
        serializer = ProjectSerializer(
            project, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        project = services.update_project(
            user=request.user, project=project, expected_version=self.expected_version(),
            **serializer.validated_data,
        )
        return Response(self.output(self.refreshed(project)))


PROJECT_PK = OpenApiParameter("project_pk", int, OpenApiParameter.PATH, description="Project id")


class ProjectScopedViewSet(RuleViewSetMixin, viewsets.GenericViewSet):
    """A collection under `projects/{project_pk}/`: `view_rule` to read, `manage_rule` to write."""

    view_rule = manage_rule = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action is None:
            return
        self.project = get_object_or_404(visible_projects(request.user), pk=kwargs["project_pk"])
        reads = self.action in ("list", "retrieve")
        require(request.user, self.view_rule if reads else self.manage_rule, self.project)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "project": getattr(self, "project", None)}


@extend_schema(parameters=[PROJECT_PK])
class MembershipViewSet(
    ProjectScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
):
    """The project team (P3.1b): internal viewers read it, the pm changes it."""

    serializer_class = output_serializer_class = MembershipSerializer
    view_rule = "project.view_internal"
    manage_rule = "membership.manage"
    filterset_fields = ["role", "team"]
    filter_backends = [DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["role", "joined_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return Membership.objects.filter(project=self.project).select_related("user")

    def get_serializer_class(self):
        if self.action == "partial_update":
            return MembershipUpdateSerializer
        return MembershipSerializer

    def create(self, request, project_pk=None):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        membership = services.add_member(
            user=request.user, project=self.project, member=data["user"],
            role=data.get("role", Membership.Role.MEMBER), team=data.get("team", ""),
            duties=data.get("duties", ""),
        )
        return Response(self.output(self.refreshed(membership)), status=status.HTTP_201_CREATED)

    @extend_schema(responses=MembershipSerializer)
    def partial_update(self, request, project_pk=None, pk=None):
        membership = self.get_object()
        serializer = self.get_serializer(membership, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        membership = services.update_member(
            user=request.user, membership=membership, expected_version=self.expected_version(),
            **serializer.validated_data,
        )
        return Response(self.output(self.refreshed(membership)))

    def destroy(self, request, project_pk=None, pk=None):
        services.remove_member(user=request.user, membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[PROJECT_PK])
class MeetingViewSet(ProjectScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Kick-off and regular meetings (P3.1b, P3.2c): pm and assistant record them."""

    serializer_class = MeetingSerializer
    view_rule = "meeting.view"
    manage_rule = "meeting.manage"
    filterset_fields = ["kind"]
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, filters.OrderingFilter]
    search_fields = ["title"]
    ordering_fields = ["held_at", "title"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        return Meeting.objects.filter(project=self.project).prefetch_related(
            "attendees", "action_items"
        )

    def create(self, request, project_pk=None):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        meeting = services.record_meeting(
            user=request.user, project=self.project, attendees=data.pop("attendees", []),
            action_items=data.pop("action_items", []), **data,
        )
        return Response(self.output(self.refreshed(meeting)), status=status.HTTP_201_CREATED)

    def partial_update(self, request, project_pk=None, pk=None):
        meeting = self.get_object()
        serializer = self.get_serializer(meeting, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        meeting = services.update_meeting(
            user=request.user, meeting=meeting, attendees=data.pop("attendees", None),
            action_items=data.pop("action_items", None), expected_version=self.expected_version(),
            **data,
        )
        return Response(self.output(self.refreshed(meeting)))

    def destroy(self, request, project_pk=None, pk=None):
        services.delete_meeting(user=request.user, meeting=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
