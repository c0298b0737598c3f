import datetime

import factory

from projects.models import InitiationRequest, Meeting, Membership, Project
from tests.accounts.factories import UserFactory


class InitiationRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InitiationRequest

    title = factory.Sequence(lambda n: f"Network upgrade {n}")
    background = "The campus network is at capacity."
    goals = "Double the core bandwidth."
    scope = "Core switches and uplinks."
    expected_benefits = "Fewer outages."
    proposed_pm = factory.SubFactory(UserFactory)
    requester = factory.SubFactory(UserFactory)
    planned_start = datetime.date(2026, 12, 1)
    planned_end = datetime.date(2027, 3, 31)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"PRJ-2026-{n + 100:03d}")
    name = factory.Sequence(lambda n: f"Project {n}")
    status = Project.Status.PLANNING
    planned_start = datetime.date(2026, 12, 1)
    planned_end = datetime.date(2027, 3, 31)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    project = factory.SubFactory(ProjectFactory)
    title = "Weekly meeting"
    held_at = factory.LazyFunction(
        lambda: datetime.datetime(2026, 12, 2, 10, 0, tzinfo=datetime.UTC)
    )
    recorded_by = factory.SubFactory(UserFactory)


class ChangeRequestFactory(factory.django.DjangoModelFactory):
    """A change request written directly (no transition rows); use services to move it."""

    class Meta:
        model = "projects.ChangeRequest"

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Add a second uplink {n}")
    description = "A redundant uplink to the core."
    reason = "The single uplink failed twice."
    requested_by = factory.SubFactory(UserFactory)
