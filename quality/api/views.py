"""Client feedback API (P2.3b, P4.3c, P5.1b): filed by clients, answered by the project team.

Clients read their own organisation's feedback without internal notes; internal users read the
feedback of the projects they see. Each step calls quality.services, which checks the rule
again, writes in one transaction, records a FeedbackEvent and notifies.
"""
import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api.base import RuleViewSetMixin
from projects.api.changes import AttachmentsMixin, ProjectChoiceSerializer
from projects.permissions import require
from quality import services
from quality.models import ClientFeedback
from quality.selectors import visible_feedback
from tasks.api.filters import IdFilter

from .serializers import (
    AnswerSerializer,
    AssignSerializer,
    ClientFeedbackSerializer,
    CommentSerializer,
    FeedbackCreateSerializer,
    FeedbackNotesSerializer,
    FeedbackSerializer,
)


class FeedbackFilter(django_filters.FilterSet):
    project = IdFilter(label=_("Project"), field_name="project_id")
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=ClientFeedback.Status.choices
    )
    kind = django_filters.MultipleChoiceFilter(
        label=_("Kind"), choices=ClientFeedback.Kind.choices
    )
    assignee = IdFilter(label=_("Assigned to"), field_name="assignee_id")

    class Meta:
        model = ClientFeedback
        fields = ["project", "status", "kind", "assignee"]


@extend_schema(responses=FeedbackSerializer)
class FeedbackViewSet(
    AttachmentsMixin, RuleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """客户反馈. Clients get the same fields without `internal_notes`."""

    filterset_class = FeedbackFilter
    search_fields = ["subject"]
    ordering_fields = ["created_at", "status", "kind", "subject", "first_answered_at", "id"]

    OBJECT_RULES = {
        "partial_update": "feedback.edit_internal", "assign": "feedback.assign",
        "answer": "feedback.answer", "confirm": "feedback.close", "reopen": "feedback.close",
    }

    def get_queryset(self):
        return visible_feedback(self.request.user).prefetch_related("events")

    def get_serializer_class(self):
        if self.action == "create":
            return FeedbackCreateSerializer
        if self.action == "partial_update":
            return FeedbackNotesSerializer
        return self.output_serializer()

    def output_serializer(self):
        if getattr(self.request.user, "is_client", False):
            return ClientFeedbackSerializer
        return FeedbackSerializer

    def output(self, instance):
        return self.output_serializer()(instance, context=self.get_serializer_context()).data

    def get_object(self):
        feedback = super().get_object()
        require(self.request.user, self.OBJECT_RULES.get(self.action, "feedback.view"), feedback)
        return feedback

    @extend_schema(request=FeedbackCreateSerializer, responses={201: FeedbackSerializer})
    def create(self, request):
        """A client member of the project sends feedback → `open`."""
        # The project first: one the caller cannot see is a 400 on `project`, one they may not
        # send feedback on a 403, and only then is the rest of the body judged.
        scope = ProjectChoiceSerializer(data=request.data, context=self.get_serializer_context())
        scope.is_valid(raise_exception=True)
        require(request.user, "feedback.create", scope.validated_data["project"])
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        feedback = services.submit_feedback(
            user=request.user, attachments=data.pop("attachments", []), **data
        )
        return Response(self.output(self.refreshed(feedback)), status=status.HTTP_201_CREATED)

    @extend_schema(request=FeedbackNotesSerializer, responses=FeedbackSerializer)
    def partial_update(self, request, pk=None):
        """Notes of the investigation (assignee, pm, customer service); never shown to clients."""
        feedback = self.get_object()
        body = FeedbackNotesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        feedback = services.update_internal_notes(
            user=request.user, feedback=feedback,
            internal_notes=body.validated_data["internal_notes"],
            expected_version=self.expected_version(),
        )
        return Response(self.output(self.refreshed(feedback)))

    def _step(self, service, body_class):
        feedback = self.get_object()
        body = body_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        fields = {k: v for k, v in body.validated_data.items() if k != "version"}
        feedback = service(
            user=self.request.user, feedback=feedback, expected_version=self.expected_version(),
            **fields,
        )
        return Response(self.output(self.refreshed(feedback)))

    @extend_schema(request=AssignSerializer, responses=FeedbackSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """The pm or customer service hand it to a team member → `assigned`."""
        return self._step(services.assign_feedback, AssignSerializer)

    @extend_schema(request=AnswerSerializer, responses=FeedbackSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """The assignee answers the client → `answered`."""
        return self._step(services.answer_feedback, AnswerSerializer)

    @extend_schema(request=CommentSerializer, responses=FeedbackSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """The client who filed it accepts the answer → `closed`."""
        return self._step(services.confirm_feedback, CommentSerializer)

    @extend_schema(request=CommentSerializer, responses=FeedbackSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """The client who filed it is not satisfied; `comment` (required) says why → `open`."""
        return self._step(services.reopen_feedback, CommentSerializer)
