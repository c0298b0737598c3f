"""Gantt API (P3.1c): the plan as a plotly figure, for the project's team (clients: 404).

`GET /api/v1/projects/{id}/gantt/` answers the figure `{data, layout}`, or 202
`{"status": "rendering"}` while a worker renders a large project's figure (API.md); the caller
asks again a moment later. Figures come from tasks.gantt_cache, which keeps them per plan
revision, so repeated reads of an unchanged plan cost a cache lookup.
"""
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from tasks import gantt, gantt_cache

from .views import internal_project

POLL_SECONDS = 2

PARAMETERS = [
    OpenApiParameter("critical", bool, description="Only critical tasks (and their phases)."),
    OpenApiParameter("owner", int, description="Only this user's tasks (and their phases)."),
    OpenApiParameter("phase", int, description="Only this summary task's subtree."),
    OpenApiParameter(
        "baseline", str,
        description="The baseline drawn under the plan: an id, `none`, or empty for the latest.",
    ),
]
STATUS = inline_serializer("GanttRendering", {"status": serializers.CharField()})


def user_language(request):
    return getattr(request.user, "language", "") or translation.get_language()


def gantt_answer(request, project):
    """(State, body) for the request's filters, in the user's language; 400 on bad filters."""
    options, errors = gantt.parse_options(project=project, params=request.GET)
    if errors:
        raise ValidationError(errors)
    language = user_language(request)
    with translation.override(language):
        return gantt_cache.figure(project=project, options=options, language=language)


def figure_response(request, body):
    """The cached figure as is when the client takes gzip (browsers do), else unpacked."""
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(body, content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gantt_cache.figure_json(body), content_type="application/json")
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


class GanttView(APIView):
    """The project's Gantt chart as a plotly figure."""

    @extend_schema(
        operation_id="projects_gantt_retrieve",
        parameters=PARAMETERS,
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="A plotly figure {data, "
                                 "layout}; draw it with Plotly.newPlot(element, data, layout)."),
            202: OpenApiResponse(STATUS, description='{"status": "rendering"}: a large '
                                 "project's figure is being rendered; ask again shortly."),
            503: OpenApiResponse(description="The last render failed; try again in a minute."),
        },
    )
    def get(self, request, pk):
        project = internal_project(request, pk)
        state, body = gantt_answer(request, project)
        if state is gantt_cache.State.READY:
            return figure_response(request, body)
        if state is gantt_cache.State.FAILED:
            response = Response({"detail": translation.gettext(
                "The Gantt chart could not be rendered; try again in a minute.")},
                status=status.HTTP_503_SERVICE_UNAVAILABLE)
            response["Retry-After"] = str(gantt_cache.FAILED_TIMEOUT)
            return response
        response = Response({"status": "rendering"}, status=status.HTTP_202_ACCEPTED)
        response["Retry-After"] = str(POLL_SECONDS)
        return response
