"""Filtersets shared by the project list page and the API."""
import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User

from .models import InitiationRequest, Membership, Project


class ProjectFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=Project.Status.choices
    )
    pm = django_filters.ModelChoiceFilter(
        label=_("Project manager"), method="filter_pm",
        queryset=User.objects.exclude(system_role=User.SystemRole.CLIENT),
    )
    client_organization = django_filters.ModelChoiceFilter(
        label=_("Client"), queryset=Organization.objects.all()
    )
    search = django_filters.CharFilter(label=_("Search"), method="filter_search")

    class Meta:
        model = Project
        fields = ["status", "pm", "client_organization"]

    def filter_pm(self, queryset, name, value):
        return queryset.filter(
            memberships__user=value, memberships__role=Membership.Role.PM
        ) if value else queryset

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class InitiationFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=InitiationRequest.Status.choices
    )

    class Meta:
        model = InitiationRequest
        fields = ["status", "requester", "proposed_pm"]
