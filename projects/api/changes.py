"""Change requests API (P4.3b): clients and the pm ask, the pm assesses, managers decide.

Clients read their own organisation's requests through a client serializer with no internal
notes; internal users see the requests of the projects they see. Every step is a service call
in projects.services, which checks the rule again, writes in one transaction and notifies.
"""
import functools
from collections import defaultdict

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from projects import services
from projects.attachments import attachments_of
from projects.models import Attachment, ChangeRequest, ChangeRequestTransition, Project
from projects.permissions import require, visible_change_requests, visible_projects
from tasks.api.filters import IdFilter
from tasks.models import Task

from .base import RuleViewSetMixin
from .serializers import DecisionSerializer

VERSION = serializers.IntegerField(
    required=False, help_text=_("The version you saw; a different stored one answers 409.")
)


# --- Shared by the client-rights resources (change requests, feedback) ------------------------

@functools.cache
def _enum_field_class(name, values):
    return extend_schema_field(
        {"type": "string", "enum": list(values)}, component_name=f"{name}Enum"
    )(type(f"{name}Field", (serializers.ChoiceField,), {}))


def enum_field(name, choices, *, blank=False, **kwargs):
    """A choice field published as the schema enum `{name}Enum`.

    Several models have a `status` or a `kind`; naming each choice set after its model keeps
    them apart in the schema (what ENUM_NAME_OVERRIDES in the settings does for the others).
    """
    values = (*([""] if blank else []), *(value for value, _label in choices))
    return _enum_field_class(name, values)(choices=choices, **kwargs)


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Download link (permission-checked)."))

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "mime_type", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment):
        path = reverse("projects:attachment", args=[attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


def load_attachments(objects):
    """Give each object its `loaded_attachments` in one query (owners have no reverse relation)."""
    objects = list(objects)
    if objects:
        content_type = ContentType.objects.get_for_model(objects[0])
        by_owner = defaultdict(list)
        for attachment in Attachment.objects.filter(
            content_type=content_type, object_id__in=[obj.pk for obj in objects]
        ):
            by_owner[attachment.object_id].append(attachment)
        for obj in objects:
            obj.loaded_attachments = by_owner[obj.pk]
    return objects


@extend_schema_field(AttachmentSerializer(many=True))
class AttachmentsField(serializers.Field):
    """The owner's attachments: preloaded by `load_attachments`, else read in one query."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, owner):
        attachments = getattr(owner, "loaded_attachments", None)
        if attachments is None:
            attachments = attachments_of(owner)
        return AttachmentSerializer(attachments, many=True, context=self.context).data


class UploadsField(serializers.ListField):
    """Files sent with a multipart create (field `attachments`, repeated)."""

    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.FileField(), required=False, write_only=True,
            help_text=_("Files to attach (multipart only; the allowed types and sizes apply)."),
            **kwargs,
        )


class AttachmentsMixin:
    """Lists load every row's attachments in one query, whatever the page size."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return load_attachments(page) if page is not None else None


# --- Serializers ----------------------------------------------------------------------------

CHANGE_STATUS = "ChangeRequestStatus"


class ChangeStepSerializer(serializers.ModelSerializer):
    from_status = enum_field(f"{CHANGE_STATUS}OrBlank", ChangeRequest.Status.choices,
                             blank=True, read_only=True)
    to_status = enum_field(CHANGE_STATUS, ChangeRequest.Status.choices, read_only=True)

    class Meta:
        model = ChangeRequestTransition
        fields = ["from_status", "to_status", "actor", "comment", "created_at"]
        read_only_fields = fields


CHANGE_FIELDS = [
    "id", "reference", "project", "title", "description", "reason", "status", "requested_by",
    "schedule_impact_days", "cost_impact", "quality_impact", "assessed_by", "assessed_at",
    "decided_by", "decided_at", "decision_reason", "implemented_by", "implemented_at",
    "changed_tasks", "previous_baseline", "baseline", "transitions", "attachments",
    "created_at", "version",
]


class ClientChangeRequestSerializer(serializers.ModelSerializer):
    """What a client reads: the request and its assessment (cost is agreed with the client),
    only client-visible changed tasks, never the internal notes."""

    reference = serializers.CharField(read_only=True)
    status = enum_field(CHANGE_STATUS, ChangeRequest.Status.choices, read_only=True)
    changed_tasks = serializers.SerializerMethodField()
    transitions = ChangeStepSerializer(many=True, read_only=True)
    attachments = AttachmentsField()

    class Meta:
        model = ChangeRequest
        fields = CHANGE_FIELDS
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_changed_tasks(self, change_request):
        return [task.pk for task in change_request.changed_tasks.all() if task.client_visible]


class ChangeRequestSerializer(ClientChangeRequestSerializer):
    """The internal view: every changed task and the internal notes."""

    class Meta(ClientChangeRequestSerializer.Meta):
        fields = [*CHANGE_FIELDS, "internal_notes"]
        read_only_fields = CHANGE_FIELDS

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_changed_tasks(self, change_request):
        return [task.pk for task in change_request.changed_tasks.all()]


class ProjectChoiceSerializer(serializers.Serializer):
    """The `project` of a new request, among the projects the caller sees.

    A project the caller cannot see is an invalid pk, exactly like one that does not exist.
    """

    project = serializers.PrimaryKeyRelatedField(
        queryset=Project.objects.none(), help_text=_("A project you are on.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["project"].queryset = visible_projects(request.user)


class ChangeRequestCreateSerializer(ProjectChoiceSerializer, serializers.ModelSerializer):
    attachments = UploadsField()

    class Meta:
        model = ChangeRequest
        fields = ["project", "title", "description", "reason", "attachments"]


class ChangeNotesSerializer(serializers.ModelSerializer):
    version = VERSION

    class Meta:
        model = ChangeRequest
        fields = ["internal_notes", "version"]
        extra_kwargs = {"internal_notes": {"required": True, "allow_blank": True}}


class AssessSerializer(serializers.Serializer):
    schedule_impact_days = serializers.IntegerField(
        help_text=_("Working days the change adds (negative: saves; 0: none).")
    )
    cost_impact = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text=_("Extra cost (negative: saves; 0: none).")
    )
    quality_impact = serializers.CharField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    version = VERSION


class ImplementSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    changed_tasks = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Task.objects.none(),
        help_text=_("Ids of the project's tasks the change altered."),
    )
    version = VERSION

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            # Tasks of other projects are invalid pks: nothing about them is revealed.
            self.fields["changed_tasks"].child_relation.queryset = Task.objects.filter(
                project=project
            )


# --- Viewset --------------------------------------------------------------------------------

class ChangeRequestFilter(django_filters.FilterSet):
    project = IdFilter(label=_("Project"), field_name="project_id")
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=ChangeRequest.Status.choices
    )

    class Meta:
        model = ChangeRequest
        fields = ["project", "status"]


@extend_schema(responses=ChangeRequestSerializer)
class ChangeRequestViewSet(
    AttachmentsMixin, RuleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """需求变更 (P4.3b). Clients get the same fields without `internal_notes`."""

    filterset_class = ChangeRequestFilter
    search_fields = ["title"]
    ordering_fields = ["created_at", "status", "title", "id"]
    # The rule each action needs on the request (anything else: change_request.view).
    OBJECT_RULES = {
        "partial_update": "change_request.edit_internal", "assess": "change_request.assess",
        "approve": "change_request.decide", "reject": "change_request.decide",
        "implement": "change_request.implement",
    }

    def get_queryset(self):
        return visible_change_requests(self.request.user).prefetch_related(
            "transitions",
            Prefetch("changed_tasks", queryset=Task.objects.only("id", "client_visible")),
        )

    def get_serializer_class(self):
        if self.action == "create":
            return ChangeRequestCreateSerializer
        if self.action == "partial_update":
            return ChangeNotesSerializer
        return self.output_serializer()

    def output_serializer(self):
        if getattr(self.request.user, "is_client", False):
            return ClientChangeRequestSerializer
        return ChangeRequestSerializer

    def output(self, instance):
        return self.output_serializer()(instance, context=self.get_serializer_context()).data

    def get_object(self):
        change_request = super().get_object()
        rule = self.OBJECT_RULES.get(self.action, "change_request.view")
        require(self.request.user, rule, change_request)
        return change_request

    @extend_schema(request=ChangeRequestCreateSerializer, responses={201: ChangeRequestSerializer})
    def create(self, request):
        """Ask for a change (a client member of the project, or its pm) → `submitted`."""
        # The project first: one the caller cannot see is a 400 on `project`, one they may not
        # ask changes for a 403, and only then is the rest of the body judged.
        scope = ProjectChoiceSerializer(data=request.data, context=self.get_serializer_context())
        scope.is_valid(raise_exception=True)
        require(request.user, "change_request.create", scope.validated_data["project"])
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        change_request = services.submit_change_request(
            user=request.user, attachments=data.pop("attachments", []), **data
        )
        return Response(self.output(self.refreshed(change_request)),
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=ChangeNotesSerializer, responses=ChangeRequestSerializer)
    def partial_update(self, request, pk=None):
        """Internal notes (the pm); never shown to the client."""
        change_request = self.get_object()
        body = ChangeNotesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change_request = services.update_change_notes(
            user=request.user, change_request=change_request,
            internal_notes=body.validated_data["internal_notes"],
            expected_version=self.expected_version(),
        )
        return Response(self.output(self.refreshed(change_request)))

    def _step(self, service, body_class, change_request=None, **body_kwargs):
        change_request = change_request or self.get_object()
        body = body_class(data=self.request.data, **body_kwargs)
        body.is_valid(raise_exception=True)
        fields = {k: v for k, v in body.validated_data.items() if k != "version"}
        change_request = service(
            user=self.request.user, change_request=change_request,
            expected_version=self.expected_version(), **fields,
        )
        return Response(self.output(self.refreshed(change_request)))

    @extend_schema(request=AssessSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        """The pm states the impact on schedule, cost and quality → `assessed`."""
        return self._step(services.assess_change_request, AssessSerializer)

    @extend_schema(request=DecisionSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Management or the pm approve an assessed request → `approved`."""
        return self._step(services.approve_change_request, DecisionSerializer)

    @extend_schema(request=DecisionSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Management or the pm reject an assessed request; `comment` is required."""
        return self._step(services.reject_change_request, DecisionSerializer)

    @extend_schema(request=ImplementSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def implement(self, request, pk=None):
        """The pm has changed the plan → `implemented`, with a new baseline."""
        change_request = self.get_object()
        return self._step(
            services.implement_change_request, ImplementSerializer, change_request,
            project=change_request.project_id,
        )
