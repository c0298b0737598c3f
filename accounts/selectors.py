"""Reads of people shaped for pages, the API and services."""
from .models import User


def management_users():
    return User.objects.filter(system_role=User.SystemRole.MANAGEMENT, is_active=True)


def assignable_users(*, project):
    """Users who may join the project: internal staff, and its client organisation's users."""
    users = User.objects.filter(is_active=True).select_related("department", "organization")
    return users.exclude(system_role=User.SystemRole.CLIENT) | users.filter(
        system_role=User.SystemRole.CLIENT, organization_id=project.client_organization_id
    )
