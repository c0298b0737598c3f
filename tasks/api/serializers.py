"""Tasks, dependencies, the schedule and plan workbooks as the API shows and accepts them."""
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from tasks.models import Dependency, Task
from tasks.services import LATEST_DATE, MAX_WORKING_DAYS

BEFORE_LATEST_DATE = MaxValueValidator(LATEST_DATE)
VERSION_HELP = _("The version you saw; a different stored one answers 409.")
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0, "allow_null": True,
         "required": False}

# What API.md "Task out" lists; clients get exactly this.
CLIENT_TASK_FIELDS = [
    "id", "project", "parent", "wbs", "name", "owner", "duration_days",
    "start_no_earlier_than", "planned_start", "planned_end", "actual_start", "actual_finish",
    "percent_complete", "status", "is_milestone", "is_summary", "critical", "total_float",
    "client_visible", "version",
]


class ClientTaskSerializer(serializers.ModelSerializer):
    """A task as its client sees it: no cost, estimate or internal notes."""

    critical = serializers.BooleanField(source="is_critical", read_only=True)
    is_milestone = serializers.BooleanField(read_only=True)

    class Meta:
        model = Task
        fields = CLIENT_TASK_FIELDS
        read_only_fields = fields


class TaskSerializer(ClientTaskSerializer):
    """A task as the team sees it: the client's view plus float, late dates, cost and notes."""

    class Meta(ClientTaskSerializer.Meta):
        fields = [
            *CLIENT_TASK_FIELDS, "free_float", "late_start", "late_finish", "estimate_hours",
            "planned_cost", "notes",
        ]
        read_only_fields = fields


class TaskWriteSerializer(serializers.Serializer):
    """Task in (API.md): the plan fields; progress and status are reported elsewhere.

    `planned_start` with `planned_end` may replace `duration_days` and `start_no_earlier_than`:
    the start becomes the constraint and the working days between them the duration.
    """

    name = serializers.CharField(max_length=300)
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Task.objects.none(), allow_null=True, required=False,
        help_text=_("A task of the same project; null for the top level."),
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False,
        help_text=_("An internal member of the project team."),
    )
    duration_days = serializers.IntegerField(
        min_value=0, max_value=MAX_WORKING_DAYS, required=False,
        help_text=_("Working days; 0 makes a milestone."),
    )
    start_no_earlier_than = serializers.DateField(
        allow_null=True, required=False, validators=[BEFORE_LATEST_DATE]
    )
    planned_start = serializers.DateField(
        required=False, write_only=True, validators=[BEFORE_LATEST_DATE]
    )
    planned_end = serializers.DateField(
        required=False, write_only=True, validators=[BEFORE_LATEST_DATE]
    )
    client_visible = serializers.BooleanField(required=False)
    estimate_hours = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    planned_cost = serializers.DecimalField(**MONEY)
    notes = serializers.CharField(allow_blank=True, required=False)
    version = serializers.IntegerField(required=False, write_only=True, help_text=VERSION_HELP)

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["parent"].queryset = Task.objects.filter(project=project)

    def validate(self, attrs):
        dates = {"planned_start", "planned_end"} & set(attrs)
        if dates and {"duration_days", "start_no_earlier_than"} & set(attrs):
            raise serializers.ValidationError({sorted(dates)[0]: [_(
                "Send either duration_days and start_no_earlier_than, or planned_start and "
                "planned_end."
            )]})
        if len(dates) == 1:
            missing = ({"planned_start", "planned_end"} - dates).pop()
            raise serializers.ValidationError({missing: [_(
                "Send planned_start and planned_end together."
            )]})
        if dates and attrs["planned_end"] < attrs["planned_start"]:
            raise serializers.ValidationError({"planned_end": [_(
                "The finish cannot be before the start."
            )]})
        attrs.pop("version", None)
        return attrs


class TaskProjectSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text=_("The project the task belongs to."))


class TaskCreateSerializer(TaskWriteSerializer, TaskProjectSerializer):
    pass


class TaskMoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=[(-1, _("up")), (1, _("down"))],
        help_text=_("-1 swaps the task with the sibling above, 1 with the one below."),
    )
    version = serializers.IntegerField(required=False, help_text=VERSION_HELP)


class TaskVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, help_text=VERSION_HELP)


class DependencySerializer(serializers.ModelSerializer):
    """A link: `successor` depends on `predecessor` by `type`, shifted by `lag_days`."""

    predecessor = serializers.PrimaryKeyRelatedField(queryset=Task.objects.none())
    successor = serializers.PrimaryKeyRelatedField(queryset=Task.objects.none())
    type = serializers.ChoiceField(choices=Dependency.Type.choices, default=Dependency.Type.FS)
    lag_days = serializers.IntegerField(
        default=0, min_value=-MAX_WORKING_DAYS, max_value=MAX_WORKING_DAYS,
        help_text=_("Working days; negative for a lead."),
    )

    class Meta:
        model = Dependency
        fields = ["id", "project", "predecessor", "successor", "type", "lag_days"]
        read_only_fields = ["id", "project"]
        # The service judges links (duplicates included) under the project's lock.
        validators = []

    def __init__(self, *args, tasks=None, **kwargs):
        super().__init__(*args, **kwargs)
        if tasks is not None:
            self.fields["predecessor"].queryset = tasks
            self.fields["successor"].queryset = tasks


class CycleErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    cycle = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("Task ids around the cycle, in link order.")
    )


class ScheduledTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    es = serializers.IntegerField(help_text=_("Early start, in working days from offset 0."))
    ef = serializers.IntegerField(help_text=_("Early finish offset: es + duration."))
    ls = serializers.IntegerField(help_text=_("Late start offset."))
    lf = serializers.IntegerField(help_text=_("Late finish offset: ls + duration."))
    total_float = serializers.IntegerField()
    free_float = serializers.IntegerField()
    critical = serializers.BooleanField()
    early_start = serializers.DateField()
    early_finish = serializers.DateField()
    late_start = serializers.DateField()
    late_finish = serializers.DateField()


class ScheduleSerializer(serializers.Serializer):
    """The critical-path schedule of a project's leaf tasks (API.md "Schedule")."""

    project_start = serializers.DateField()
    project_finish = serializers.DateField()
    duration_days = serializers.IntegerField()
    critical_path = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=_("Ids of the critical leaf tasks, ordered by es then id."),
    )
    tasks = ScheduledTaskSerializer(many=True)


class PlanUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("An .xlsx workbook laid out like the export."))


class PlanImportedSerializer(serializers.Serializer):
    tasks = serializers.IntegerField()
    dependencies = serializers.IntegerField()


class PlanCellErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("The worksheet row, 1 being the header."))
    column = serializers.CharField(help_text=_("The column letter, A for ID."))
    message = serializers.CharField()


class PlanErrorsSerializer(serializers.Serializer):
    errors = PlanCellErrorSerializer(many=True)
