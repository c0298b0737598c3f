"""Progress API (P3.2a, P3.2b): reports on tasks, solving reported problems, and the weekly
progress tracking sheet (进度跟踪表) as JSON and as an .xlsx workbook.

A task's owner reports on it; the project's assistant and pm on any of its tasks and on the
whole sheet; the rest of the team reads. Clients never reach these routes (404). As elsewhere,
views find the object among those the caller may see (else 404), ask the permission module
(else 403), validate the input and hand it to tasks.progress, which checks again and writes
in one transaction.
"""
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import SimpleTemplateResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import filters, mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import sent_version
from config.errors import ConflictError
from projects.api.base import RuleViewSetMixin
from projects.permissions import internal_projects, require
from tasks import progress, sheet_excel
from tasks.models import ProgressEntry, Task

from .filters import IdFilter
from .serializers import VERSION_HELP, TaskSerializer, TaskVersionSerializer
from .views import FirstRendererNegotiation, _scope_project, internal_project

WEEK_PARAMETER = OpenApiParameter(
    "week", str, description=_("The ISO week, like 2026-W48."), required=True
)


# --- Shared behaviour -----------------------------------------------------------------------

class UserLanguageMixin:
    """Answer in the language the user chose, token-authenticated requests included.

    The accounts middleware sees only session users: DRF authenticates tokens inside the view.
    The language is activated for the request and the response rendered in it, then the one
    active before is restored, so nothing leaks into whatever the thread does next.
    """

    def initial(self, request, *args, **kwargs):
        self._previous_language = translation.get_language()
        self._user_language = getattr(request.user, "language", "") or None
        if self._user_language:
            translation.activate(self._user_language)
            request.LANGUAGE_CODE = translation.get_language()
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        language = getattr(self, "_user_language", None)
        if language:
            response.headers.setdefault("Content-Language", language)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
            if self._previous_language:
                translation.activate(self._previous_language)
            else:
                translation.deactivate()
        return response


class TaskConflictMixin:
    """A stale task version answers 409 with the task as the tasks API shows it."""

    def handle_exception(self, exc):
        if isinstance(exc, ConflictError) and isinstance(exc.current, Task):
            exc.current.refresh_from_db()
            exc.current = TaskSerializer(exc.current).data
        return super().handle_exception(exc)


def internal_tasks(user):
    """Tasks of the projects the user sees from inside (none for clients)."""
    return Task.objects.filter(project__in=internal_projects(user).values("pk"))


def _decimal(value):
    return None if value is None else f"{value:.2f}"


def sheet_row(task, today):
    """A task as the weekly sheet shows it (API.md), from a progress.sheet_tasks row."""
    return {
        "task": task.pk,
        "wbs": task.wbs,
        "name": task.name,
        "owner": task.owner_id,
        "owner_name": str(task.owner) if task.owner_id else None,
        "planned_start": task.planned_start.isoformat() if task.planned_start else None,
        "planned_end": task.planned_end.isoformat() if task.planned_end else None,
        "percent_complete": _decimal(task.percent_complete),
        "hours": _decimal(task.week_hours),
        "note": task.week_note or "",
        "problems": task.week_problems or "",
        "critical": task.is_critical,
        "overdue": progress.is_overdue(task, today),
        "status": task.status,
        "version": task.version,
    }


def conflicts_response(message, conflicts):
    today = timezone.localdate()
    return Response(
        {"detail": str(message), "conflicts": [
            {"row": c["row"], "task": c["task"], "current": sheet_row(c["current"], today)}
            for c in conflicts
        ]},
        status=status.HTTP_409_CONFLICT,
    )


def _week(value):
    """The ISO week given, checked (400 naming `week`)."""
    progress.parse_week(value)
    return value


# --- Serializers ----------------------------------------------------------------------------

class ProgressEntrySerializer(serializers.ModelSerializer):
    """A progress report: by a team member on a task, or a row of the weekly sheet."""

    project = serializers.IntegerField(read_only=True, source="task.project_id")
    has_open_problem = serializers.BooleanField(
        read_only=True, help_text=_("Problems were reported and not yet marked solved.")
    )

    class Meta:
        model = ProgressEntry
        fields = [
            "id", "task", "project", "date", "percent_complete", "hours", "note", "problems",
            "has_open_problem", "problem_resolved_at", "problem_resolved_by", "author",
            "from_sheet", "created_at",
        ]
        read_only_fields = fields


class TaskStateSerializer(serializers.ModelSerializer):
    """What a report changed on its task."""

    class Meta:
        model = Task
        fields = ["id", "percent_complete", "status", "actual_start", "actual_finish",
                  "has_open_problem", "version"]
        read_only_fields = fields


class ProgressReportedSerializer(ProgressEntrySerializer):
    task_state = TaskStateSerializer(source="task", read_only=True)

    class Meta(ProgressEntrySerializer.Meta):
        fields = [*ProgressEntrySerializer.Meta.fields, "task_state"]
        read_only_fields = fields


class ProgressTaskSerializer(serializers.Serializer):
    task = serializers.IntegerField(help_text=_("The task reported on."))


class ProgressReportSerializer(ProgressTaskSerializer):
    percent_complete = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100,
        help_text=_("More than 0 starts the task; 100 finishes it."),
    )
    hours = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=0, max_value=progress.MAX_HOURS,
        allow_null=True, required=False,
    )
    note = serializers.CharField(allow_blank=True, required=False, max_length=progress.MAX_TEXT)
    problems = serializers.CharField(
        allow_blank=True, required=False, max_length=progress.MAX_TEXT,
        help_text=_("Problems met; they flag the task until the pm or assistant solves them."),
    )
    date = serializers.DateField(required=False, help_text=_("Default today; never later."))
    version = serializers.IntegerField(required=False, help_text=VERSION_HELP)


class ProblemsResolvedSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    resolved = serializers.IntegerField(help_text=_("Reports whose problems were open."))
    has_open_problem = serializers.BooleanField()
    version = serializers.IntegerField()


class SheetRowSerializer(serializers.Serializer):
    """A row of the weekly sheet (documentation of what sheet_row returns)."""

    task = serializers.IntegerField()
    wbs = serializers.CharField()
    name = serializers.CharField()
    owner = serializers.IntegerField(allow_null=True)
    owner_name = serializers.CharField(allow_null=True)
    planned_start = serializers.DateField(allow_null=True)
    planned_end = serializers.DateField(allow_null=True)
    percent_complete = serializers.DecimalField(max_digits=5, decimal_places=2)
    hours = serializers.DecimalField(
        max_digits=9, decimal_places=2, allow_null=True, help_text=_("This week's total.")
    )
    note = serializers.CharField(help_text=_("This week's latest progress note."))
    problems = serializers.CharField(help_text=_("This week's latest problems."))
    critical = serializers.BooleanField()
    overdue = serializers.BooleanField(
        help_text=_("Planned to finish before today and neither done nor cancelled.")
    )
    status = serializers.ChoiceField(choices=Task.Status.choices)
    version = serializers.IntegerField()


class SheetSerializer(serializers.Serializer):
    week = serializers.CharField()
    rows = SheetRowSerializer(many=True)


class SheetRowInSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    version = serializers.IntegerField(help_text=VERSION_HELP)
    percent_complete = serializers.DecimalField(max_digits=5, decimal_places=2)
    hours = serializers.DecimalField(
        max_digits=9, decimal_places=2, allow_null=True, required=False,
        help_text=_("This week's total for the task; left out: unchanged."),
    )
    note = serializers.CharField(required=False, help_text=_("Left out: unchanged."))
    problems = serializers.CharField(required=False, help_text=_("Left out: unchanged."))


class SheetSaveSerializer(serializers.Serializer):
    """A week's sheet to save: every row valid and current, or nothing is saved."""

    week = serializers.CharField(help_text=_("The ISO week, like 2026-W48."))
    # Rows are judged by progress.save_sheet, which reports them as {row, task, field, message}.
    rows = serializers.ListField(child=serializers.JSONField(), max_length=progress.MAX_SHEET_ROWS)


class SheetSaveDocSerializer(serializers.Serializer):
    week = serializers.CharField()
    rows = SheetRowInSerializer(many=True)


class SheetUpdatedSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text=_("Tasks changed; unchanged rows are skipped."))


class SheetErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    task = serializers.JSONField()
    field = serializers.CharField()
    message = serializers.CharField()


class SheetErrorsSerializer(serializers.Serializer):
    errors = SheetErrorSerializer(many=True)


class SheetCellErrorSerializer(SheetErrorSerializer):
    row = serializers.IntegerField(help_text=_("The worksheet row, 1 being the header."))
    # xgettext:no-python-format
    column = serializers.CharField(help_text=_("The column letter: H % complete, I hours, …"))


class SheetCellErrorsSerializer(serializers.Serializer):
    errors = SheetCellErrorSerializer(many=True)


class SheetConflictSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    task = serializers.IntegerField()
    current = SheetRowSerializer()


class SheetConflictsSerializer(serializers.Serializer):
    detail = serializers.CharField()
    conflicts = SheetConflictSerializer(many=True)


class SheetUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("The .xlsx workbook exported for the week, filled."))
    week = serializers.CharField(
        required=False, help_text=_("The ISO week; or ?week=, or the week the workbook names.")
    )


# --- Progress reports -----------------------------------------------------------------------

class ProgressEntryFilter(django_filters.FilterSet):
    task = IdFilter(label=_("Task"), field_name="task_id",
                    help_text=_("Only this task's (404 when you cannot see it)."))
    project = IdFilter(label=_("Project"), field_name="task__project_id",
                       help_text=_("Only this project's (404 when you cannot see it)."))
    author = IdFilter(label=_("Reported by"), field_name="author_id")
    week = django_filters.CharFilter(label=_("Week"), method="filter_week",
                                     help_text=_("An ISO week, like 2026-W48."))
    date_from = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte")
    open_problem = django_filters.BooleanFilter(label=_("Open problem"),
                                                method="filter_open_problem")
    from_sheet = django_filters.BooleanFilter(label=_("From the sheet"))

    class Meta:
        model = ProgressEntry
        fields = ["task", "project", "author", "from_sheet"]

    def filter_week(self, queryset, name, value):
        monday, sunday = progress.parse_week(value.strip())
        return queryset.filter(date__gte=monday, date__lte=sunday)

    def filter_open_problem(self, queryset, name, value):
        if value is None:
            return queryset
        open_ = ~Q(problems="") & Q(problem_resolved_at__isnull=True)
        return queryset.filter(open_ if value else ~open_)


class ProgressEntryViewSet(
    UserLanguageMixin, TaskConflictMixin, RuleViewSetMixin, mixins.ListModelMixin,
    mixins.RetrieveModelMixin, viewsets.GenericViewSet,
):
    """Progress reports (P3.2a): the team reads them; a task's owner, the assistant and the pm
    report. A report updates its task: more than 0 % starts it, 100 % finishes it."""

    serializer_class = ProgressEntrySerializer
    filterset_class = ProgressEntryFilter
    filter_backends = [django_filters.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["date", "created_at", "id", "percent_complete"]
    ordering = ["-date", "-id"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # API.md: clients use tasks and their portal, never the team's reports.
        if request.user.is_client:
            raise Http404

    def get_queryset(self):
        return ProgressEntry.objects.filter(
            task__project__in=internal_projects(self.request.user).values("pk")
        ).select_related("task")

    def list(self, request, *args, **kwargs):
        _scope_project(request, internal_projects(request.user))
        task = request.query_params.get("task")
        if task not in (None, ""):
            try:
                task_id = int(task)
            except ValueError:
                raise serializers.ValidationError(
                    {"task": [_("A valid integer is required.")]}
                ) from None
            if not internal_tasks(request.user).filter(pk=task_id).exists():
                raise Http404
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=ProgressReportSerializer,
        responses={201: ProgressReportedSerializer, 409: OpenApiResponse(
            description="A `version` was sent and the task's differs: {detail, current}."
        )},
    )
    def create(self, request):
        # The task first: who may not see it gets 404, who may not report on it 403, and only
        # then is the rest of the body judged.
        scope = ProgressTaskSerializer(data=request.data)
        scope.is_valid(raise_exception=True)
        task = get_object_or_404(
            internal_tasks(request.user).select_related("project"),
            pk=scope.validated_data["task"],
        )
        require(request.user, "progress.report", task)
        body = ProgressReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        fields.pop("task")
        fields.pop("version", None)
        entry = progress.record_progress(
            user=request.user, task=task, expected_version=self.expected_version(), **fields
        )
        return Response(ProgressReportedSerializer(entry).data, status=status.HTTP_201_CREATED)


class ResolveProblemsView(UserLanguageMixin, TaskConflictMixin, APIView):
    """Mark a task's reported problems as solved (the project's pm or assistant)."""

    @extend_schema(
        operation_id="tasks_resolve_problems_create", request=TaskVersionSerializer,
        responses={200: ProblemsResolvedSerializer, 409: OpenApiResponse(
            description="A `version` was sent and the task's differs: {detail, current}."
        )},
    )
    def post(self, request, pk):
        task = get_object_or_404(internal_tasks(request.user).select_related("project"), pk=pk)
        require(request.user, "progress.report_any", task.project)
        resolved = progress.resolve_problems(
            user=request.user, task=task, expected_version=sent_version(request)
        )
        return Response(ProblemsResolvedSerializer({
            "task": task.pk, "resolved": resolved, "has_open_problem": task.has_open_problem,
            "version": task.version,
        }).data)


# --- The weekly sheet -----------------------------------------------------------------------

class ProgressSheetView(UserLanguageMixin, APIView):
    """The weekly progress tracking sheet (P3.2b): the team reads it, the assistant and the pm
    save it, all rows or none."""

    parser_classes = [JSONParser]

    @extend_schema(parameters=[WEEK_PARAMETER], responses=SheetSerializer)
    def get(self, request, pk):
        project = internal_project(request, pk)
        week = _week(request.query_params.get("week"))
        today = timezone.localdate()
        rows = [sheet_row(task, today) for task in progress.sheet_tasks(project=project, week=week)]
        return Response({"week": week, "rows": rows})

    @extend_schema(
        request=SheetSaveDocSerializer,
        responses={
            200: SheetUpdatedSerializer,
            400: OpenApiResponse(
                SheetErrorsSerializer,
                description="Invalid rows, each by its place in `rows` (from 1) and field; or "
                            "{week: [...]}. Nothing is saved.",
            ),
            409: OpenApiResponse(
                SheetConflictsSerializer,
                description="Rows whose version is stale, with the task as the sheet shows it "
                            "now. Nothing is saved.",
            ),
        },
    )
    def post(self, request, pk):
        project = internal_project(request, pk, action="progress.report_any")
        body = SheetSaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            updated = progress.save_sheet(
                user=request.user, project=project, week=body.validated_data["week"],
                rows=body.validated_data["rows"],
            )
        except progress.SheetErrors as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        except progress.SheetConflicts as exc:
            return conflicts_response(exc.message, exc.conflicts)
        return Response({"updated": updated})


class ProgressSheetWorkbookView(UserLanguageMixin, APIView):
    """The weekly sheet as an .xlsx workbook (team), and a filled one saved back (assistant, pm).

    The layout, the highlighting and how cells are read are in tasks.sheet_excel and on the
    workbook's second sheet. Only columns H–K are read back, all rows or none.
    """

    parser_classes = [MultiPartParser, FormParser]
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="projects_progress_sheet_xlsx_retrieve", parameters=[WEEK_PARAMETER],
        responses={(200, sheet_excel.CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        project = internal_project(request, pk)
        week = _week(request.query_params.get("week"))
        response = HttpResponse(
            sheet_excel.export_sheet(project=project, week=week),
            content_type=sheet_excel.CONTENT_TYPE,
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=sheet_excel.filename(project=project, week=week)
        )
        return response

    @extend_schema(
        operation_id="projects_progress_sheet_xlsx_create",
        parameters=[OpenApiParameter(
            "week", str, required=False,
            description=_("The ISO week; default: the week the workbook was exported for."),
        )],
        request={"multipart/form-data": SheetUploadSerializer},
        responses={
            200: SheetUpdatedSerializer,
            400: OpenApiResponse(
                SheetCellErrorsSerializer,
                description="Cells that cannot be saved, by worksheet row and column letter; "
                            "{detail} when the file is no workbook, too large, or another "
                            "project's or week's; {file} when none was sent. Nothing is saved.",
            ),
            409: OpenApiResponse(
                SheetConflictsSerializer,
                description="Rows changed since the export (by worksheet row), with the task "
                            "as the sheet shows it now. Nothing is saved.",
            ),
        },
    )
    def post(self, request, pk):
        project = internal_project(request, pk, action="progress.report_any")
        upload = SheetUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        week = request.query_params.get("week") or upload.validated_data.get("week") or None
        if week is not None:
            _week(week)
        try:
            updated = sheet_excel.import_sheet(
                user=request.user, project=project, week=week,
                file=upload.validated_data["file"],
            )
        except sheet_excel.SheetFileError as exc:
            return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
        except sheet_excel.SheetCellsError as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        except sheet_excel.SheetConflictsError as exc:
            return conflicts_response(exc.message, exc.conflicts)
        return Response({"updated": updated})
