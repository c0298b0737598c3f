"""Initiation requests, projects, team and meetings as the API shows and accepts them."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization, User
from projects.models import (
    ActionItem,
    InitiationRequest,
    InitiationTransition,
    Meeting,
    Membership,
    Project,
)
from tasks.models import WorkCalendar

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0, "allow_null": True,
         "required": False}


def internal_users():
    return User.objects.filter(is_active=True).exclude(system_role=User.SystemRole.CLIENT)


# --- Initiation -----------------------------------------------------------------------------

class InitiationTransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = InitiationTransition
        fields = ["actor", "comment", "created_at"]

    def get_fields(self):
        # "from" and "to" are Python keywords, so they cannot be declared as class attributes.
        choices = InitiationRequest.Status.choices
        return {
            "from": serializers.ChoiceField(source="from_status", choices=choices, read_only=True),
            "to": serializers.ChoiceField(source="to_status", choices=choices, read_only=True),
            **super().get_fields(),
        }


class InitiationSerializer(serializers.ModelSerializer):
    proposed_pm = serializers.PrimaryKeyRelatedField(queryset=internal_users())
    client_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(is_active=True), allow_null=True, required=False
    )
    calendar = serializers.PrimaryKeyRelatedField(
        queryset=WorkCalendar.objects.all(), allow_null=True, required=False
    )
    budget = serializers.DecimalField(**MONEY)
    project = serializers.SerializerMethodField()
    transitions = InitiationTransitionSerializer(many=True, read_only=True)

    class Meta:
        model = InitiationRequest
        fields = [
            "id", "status", "version", "title", "background", "goals", "scope",
            "expected_benefits", "proposed_pm", "planned_start", "planned_end", "budget",
            "client_organization", "calendar", "requester", "department", "project",
            "created_at", "submitted_at", "transitions",
        ]
        read_only_fields = [
            "id", "status", "version", "requester", "department", "created_at", "submitted_at",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_project(self, obj):
        try:
            return obj.project.pk
        except Project.DoesNotExist:
            return None


class DecisionSerializer(serializers.Serializer):
    """Body of submit/approve/reject/return; reject and return need a comment (the service says)."""

    comment = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        required=False, help_text=_("The version you saw; a different stored one answers 409.")
    )


# --- Projects -------------------------------------------------------------------------------

class ProjectSerializer(serializers.ModelSerializer):
    """The internal view of a project; `pm` is the user id of its project manager."""

    pm = serializers.IntegerField(read_only=True, allow_null=True)
    budget = serializers.DecimalField(**MONEY)

    class Meta:
        model = Project
        fields = [
            "id", "code", "name", "description", "status", "pm", "client_organization",
            "department", "planned_start", "planned_end", "calendar", "budget",
            "percent_complete", "internal_notes", "initiation", "created_at", "version",
        ]
        read_only_fields = [
            "id", "code", "pm", "department", "percent_complete", "initiation", "created_at",
            "version",
        ]


class ClientProjectSerializer(serializers.ModelSerializer):
    """What a client sees of its own project: a whitelist, never money or internal notes."""

    pm = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Project
        fields = [
            "id", "code", "name", "status", "pm", "client_organization", "planned_start",
            "planned_end", "percent_complete",
        ]
        read_only_fields = fields


# --- Team -----------------------------------------------------------------------------------

class MembershipSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    display_name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id", "project", "user", "display_name", "role", "team", "duties", "joined_at",
            "version",
        ]
        read_only_fields = ["id", "project", "joined_at", "version"]


class MembershipUpdateSerializer(MembershipSerializer):
    """A membership's user never changes; remove it and add another person instead."""

    user = serializers.PrimaryKeyRelatedField(read_only=True)


# --- Meetings -------------------------------------------------------------------------------

class ActionItemSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=internal_users())

    class Meta:
        model = ActionItem
        fields = ["id", "description", "owner", "due_date", "is_done"]
        read_only_fields = ["id"]


class MeetingSerializer(serializers.ModelSerializer):
    attendees = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.filter(is_active=True), required=False
    )
    action_items = ActionItemSerializer(many=True, required=False)

    class Meta:
        model = Meeting
        fields = [
            "id", "project", "kind", "title", "held_at", "location", "attendees", "minutes",
            "decisions", "action_items", "recorded_by", "created_at", "version",
        ]
        read_only_fields = ["id", "project", "recorded_by", "created_at", "version"]

    def validate_action_items(self, items):
        project = self.context["project"]
        on_team = set(project.memberships.values_list("user_id", flat=True))
        outsiders = {item["owner"].pk for item in items} - on_team
        if outsiders:
            raise serializers.ValidationError(
                _("An action item's owner must be on the project team.")
            )
        return items
