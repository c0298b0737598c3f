"""Client feedback as the API shows and accepts it; clients never get the internal notes."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from projects.api.changes import (
    VERSION,
    AttachmentsField,
    ProjectChoiceSerializer,
    UploadsField,
    enum_field,
)
from quality.models import ClientFeedback, FeedbackEvent

FEEDBACK_STATUS = "FeedbackStatus"
FEEDBACK_KIND = "FeedbackKind"


class FeedbackEventSerializer(serializers.ModelSerializer):
    from_status = enum_field(f"{FEEDBACK_STATUS}OrBlank", ClientFeedback.Status.choices,
                             blank=True, read_only=True)
    to_status = enum_field(FEEDBACK_STATUS, ClientFeedback.Status.choices, read_only=True)

    class Meta:
        model = FeedbackEvent
        fields = ["from_status", "to_status", "actor", "comment", "created_at"]
        read_only_fields = fields


FEEDBACK_FIELDS = [
    "id", "reference", "project", "kind", "subject", "body", "status", "submitted_by",
    "assignee", "assigned_at", "answer", "answered_at", "first_answered_at",
    "response_seconds", "closed_at", "reopened_count", "events", "attachments", "created_at",
    "version",
]


class ClientFeedbackSerializer(serializers.ModelSerializer):
    """What the client who filed it (and their colleagues) read: no internal notes."""

    reference = serializers.CharField(read_only=True)
    kind = enum_field(FEEDBACK_KIND, ClientFeedback.Kind.choices, read_only=True)
    status = enum_field(FEEDBACK_STATUS, ClientFeedback.Status.choices, read_only=True)
    response_seconds = serializers.SerializerMethodField(
        help_text=_("Seconds from receipt to the first answer; null while unanswered.")
    )
    events = FeedbackEventSerializer(many=True, read_only=True)
    attachments = AttachmentsField()

    class Meta:
        model = ClientFeedback
        fields = FEEDBACK_FIELDS
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_response_seconds(self, feedback):
        response = feedback.response_time
        return None if response is None else int(response.total_seconds())


class FeedbackSerializer(ClientFeedbackSerializer):
    """The internal view: with the notes of the investigation."""

    class Meta(ClientFeedbackSerializer.Meta):
        fields = [*FEEDBACK_FIELDS, "internal_notes"]
        read_only_fields = FEEDBACK_FIELDS


class FeedbackCreateSerializer(ProjectChoiceSerializer, serializers.ModelSerializer):
    kind = enum_field(FEEDBACK_KIND, ClientFeedback.Kind.choices)
    attachments = UploadsField()

    class Meta:
        model = ClientFeedback
        fields = ["project", "kind", "subject", "body", "attachments"]


class FeedbackNotesSerializer(serializers.ModelSerializer):
    version = VERSION

    class Meta:
        model = ClientFeedback
        fields = ["internal_notes", "version"]
        extra_kwargs = {"internal_notes": {"required": True, "allow_blank": True}}


class AssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True).exclude(system_role=User.SystemRole.CLIENT),
        help_text=_("A member of the project team."),
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    version = VERSION


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(help_text=_("What the client will read."))
    version = VERSION


class CommentSerializer(serializers.Serializer):
    """Body of confirm (comment optional) and reopen (comment required: what is unresolved)."""

    comment = serializers.CharField(required=False, allow_blank=True, default="")
    version = VERSION
