"""Tasks API: the WBS, dependencies, the critical-path schedule and plan workbooks.

Viewsets stay thin: they find the object among those the caller may see (else 404), ask the
permission module whether the caller may act (else 403), validate input and hand it to a
service in tasks.services, which checks again, writes and re-schedules in one transaction.
"""
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.api.base import RuleViewSetMixin
from projects.permissions import require, visible_projects
from tasks import excel, selectors, services
from tasks.models import Task

from .filters import DependencyFilter, TaskFilter
from .serializers import (
    ClientTaskSerializer,
    CycleErrorSerializer,
    DependencySerializer,
    PlanErrorsSerializer,
    PlanImportedSerializer,
    PlanUploadSerializer,
    ScheduleSerializer,
    TaskCreateSerializer,
    TaskMoveSerializer,
    TaskProjectSerializer,
    TaskSerializer,
    TaskVersionSerializer,
    TaskWriteSerializer,
)


def _scope_project(request, queryset):
    """A `?project=` the caller may not see answers 404 rather than an empty list."""
    value = request.query_params.get("project")
    if value in (None, ""):
        return
    try:
        project_id = int(value)
    except ValueError:
        raise ValidationError({"project": [_("A valid integer is required.")]}) from None
    if not queryset.filter(pk=project_id).exists():
        raise Http404


class TaskViewSet(
    RuleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The WBS (P3.1c): team and clients read it (clients: client-visible tasks), the pm edits it.

    Every write re-schedules the project before it returns, so the dates read afterwards
    are consistent with it.
    """

    filterset_class = TaskFilter
    filter_backends = [DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = [
        "sort_key", "name", "planned_start", "planned_end", "duration_days",
        "percent_complete", "status", "total_float",
    ]
    ordering = ["project", "sort_key", "id"]

    def get_queryset(self):
        return selectors.visible_tasks(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return TaskCreateSerializer
        if self.action == "partial_update":
            return TaskWriteSerializer
        return self.output_serializer()

    def output_serializer(self):
        return ClientTaskSerializer if getattr(self.request.user, "is_client", False) else (
            TaskSerializer
        )

    def output(self, instance):
        return self.output_serializer()(instance, context=self.get_serializer_context()).data

    def get_object(self):
        task = super().get_object()
        if self.action != "retrieve":
            require(self.request.user, "plan.change", task.project)
        return task

    def list(self, request, *args, **kwargs):
        _scope_project(request, selectors.task_projects(request.user))
        return super().list(request, *args, **kwargs)

    @extend_schema(request=TaskCreateSerializer, responses={201: TaskSerializer})
    def create(self, request):
        # The project first: who may not see it gets 404, who may not plan it 403, and only
        # then is the rest of the body judged.
        scope = TaskProjectSerializer(data=request.data)
        scope.is_valid(raise_exception=True)
        project = get_object_or_404(
            visible_projects(request.user), pk=scope.validated_data["project"]
        )
        require(request.user, "plan.change", project)
        serializer = TaskCreateSerializer(data=request.data, project=project)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("project")
        task = services.create_task(
            user=request.user, project=project, parent=fields.pop("parent", None), **fields
        )
        return Response(self.output(self.refreshed(task)), status=status.HTTP_201_CREATED)

    @extend_schema(request=TaskWriteSerializer, responses=TaskSerializer)
    def partial_update(self, request, pk=None):
        task = self.get_object()
        serializer = TaskWriteSerializer(data=request.data, partial=True, project=task.project_id)
        serializer.is_valid(raise_exception=True)
        task = services.update_task(
            user=request.user, task=task, expected_version=self.expected_version(),
            **serializer.validated_data,
        )
        return Response(self.output(self.refreshed(task)))

    def destroy(self, request, pk=None):
        """Delete the task with everything below it and its links."""
        services.delete_task(user=request.user, task=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _restructure(self, service, body_class, **extra):
        task = self.get_object()
        body = body_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        extra.update({k: v for k, v in body.validated_data.items() if k != "version"})
        task = service(
            user=self.request.user, task=task, expected_version=self.expected_version(), **extra
        )
        return Response(self.output(self.refreshed(task)))

    @extend_schema(request=TaskVersionSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def indent(self, request, pk=None):
        """Make the task a child of the sibling above it."""
        return self._restructure(services.indent_task, TaskVersionSerializer)

    @extend_schema(request=TaskVersionSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def outdent(self, request, pk=None):
        """Move the task up one level, right after its former parent."""
        return self._restructure(services.outdent_task, TaskVersionSerializer)

    @extend_schema(request=TaskMoveSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Swap the task with the sibling above (direction -1) or below (1)."""
        return self._restructure(services.move_task, TaskMoveSerializer)


class DependencyViewSet(
    RuleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Links between leaf tasks (P3.2a): the team reads them, the pm adds and removes them."""

    serializer_class = DependencySerializer
    filterset_class = DependencyFilter
    filter_backends = [DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["id"]
    ordering = ["id"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # API.md: a client may use tasks, never the network behind them.
        if request.user.is_client:
            raise Http404

    def get_queryset(self):
        return selectors.visible_dependencies(user=self.request.user).select_related("project")

    def get_object(self):
        link = super().get_object()
        if self.action != "retrieve":
            require(self.request.user, "plan.change", link.project)
        return link

    def list(self, request, *args, **kwargs):
        _scope_project(request, selectors.task_projects(request.user))
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={
        201: DependencySerializer,
        400: OpenApiResponse(
            CycleErrorSerializer,
            description="Invalid input ({field: [messages]}), or a link that would close a "
                        "cycle: the cycle's task ids in link order.",
        ),
    })
    def create(self, request):
        tasks = Task.objects.filter(
            project__in=selectors.task_projects(request.user).values("pk")
        ).select_related("project")
        serializer = DependencySerializer(data=request.data, tasks=tasks)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        require(request.user, "plan.change", data["predecessor"].project)
        link = services.add_dependency(
            user=request.user, predecessor=data["predecessor"], successor=data["successor"],
            type=data["type"], lag_days=data["lag_days"],
        )
        return Response(self.output(self.refreshed(link)), status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        services.delete_dependency(user=request.user, dependency=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def handle_exception(self, exc):
        if isinstance(exc, services.CycleValidationError):
            return Response(
                {"detail": exc.messages[0], "cycle": exc.cycle},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return super().handle_exception(exc)


def internal_project(request, pk, action="project.view_internal"):
    """The project as its team sees it: 404 when invisible (and for clients), 403 if not allowed."""
    project = get_object_or_404(visible_projects(request.user).select_related("calendar"), pk=pk)
    require(request.user, action, project)
    return project


class ScheduleView(APIView):
    """The critical-path schedule of the project's leaf tasks (P3.2b), for the team."""

    @extend_schema(responses=ScheduleSerializer)
    def get(self, request, pk):
        project = internal_project(request, pk)
        return Response(ScheduleSerializer(selectors.project_schedule(project=project)).data)


class FirstRendererNegotiation(DefaultContentNegotiation):
    """The workbook is bytes whatever the Accept header; errors are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class PlanWorkbookView(APIView):
    """The plan as an .xlsx workbook (team), and a workbook imported as the new plan (pm).

    The layout, and how each column is read, is in tasks.excel and on the workbook's second
    sheet. An import replaces the whole plan, all rows or none.
    """

    parser_classes = [MultiPartParser, FormParser]
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="projects_plan_xlsx_retrieve",
        responses={(200, excel.CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        project = internal_project(request, pk)
        language = getattr(request.user, "language", "") or translation.get_language()
        with translation.override(language):
            content = excel.export_plan(project=project)
        response = HttpResponse(content, content_type=excel.CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{project.code}-plan.xlsx"'
        return response

    @extend_schema(
        operation_id="projects_plan_xlsx_create",
        request={"multipart/form-data": PlanUploadSerializer},
        responses={
            200: PlanImportedSerializer,
            400: OpenApiResponse(
                PlanErrorsSerializer,
                description="Cells that cannot be imported, each by row and column letter; or "
                            "{detail} when the file is no workbook, or {file} when none was "
                            "sent. Nothing is changed.",
            ),
            409: OpenApiResponse(
                description="Progress has been reported on the plan, which an import would "
                            "erase: {detail}.",
            ),
        },
    )
    def post(self, request, pk):
        project = internal_project(request, pk, action="plan.change")
        upload = PlanUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        language = getattr(request.user, "language", "") or translation.get_language()
        try:
            with translation.override(language):
                counts = excel.import_plan(
                    user=request.user, project=project, file=upload.validated_data["file"]
                )
        except excel.PlanFileError as exc:
            return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
        except excel.PlanRowsError as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(PlanImportedSerializer(counts).data)
