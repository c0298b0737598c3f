"""Filtersets of the tasks API; `project` is checked against what the caller may see first."""
import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from tasks.models import Dependency, Task

CLOSED_STATUSES = (Task.Status.DONE, Task.Status.CANCELLED)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An object id given as a number."""

    field_class = forms.IntegerField


class TaskFilter(django_filters.FilterSet):
    project = IdFilter(
        label=_("Project"), field_name="project_id",
        help_text=_("Only this project's (404 when you cannot see it)."),
    )
    owner = IdFilter(label=_("Owner"), field_name="owner_id")
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Task.Status.choices)
    parent = IdFilter(label=_("Parent task"), field_name="parent_id")
    critical = django_filters.BooleanFilter(label=_("Critical"), field_name="is_critical")
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")
    search = django_filters.CharFilter(label=_("Search"), method="filter_search")

    class Meta:
        model = Task
        fields = ["project", "owner", "status", "parent", "critical", "overdue"]

    def filter_overdue(self, queryset, name, value):
        """Overdue: planned to finish before today and neither done nor cancelled."""
        if value is None:
            return queryset
        overdue = Q(planned_end__lt=timezone.localdate()) & ~Q(status__in=CLOSED_STATUSES)
        return queryset.filter(overdue if value else ~overdue)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(wbs__startswith=value))


class DependencyFilter(django_filters.FilterSet):
    project = IdFilter(
        label=_("Project"), field_name="project_id",
        help_text=_("Only this project's (404 when you cannot see it)."),
    )
    predecessor = IdFilter(label=_("Predecessor"), field_name="predecessor_id")
    successor = IdFilter(label=_("Successor"), field_name="successor_id")
    type = django_filters.ChoiceFilter(label=_("Type"), choices=Dependency.Type.choices)

    class Meta:
        model = Dependency
        fields = ["project", "predecessor", "successor", "type"]
