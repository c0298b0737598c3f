import factory

from tasks.models import Dependency, Task, WorkCalendar
from tests.projects.factories import ProjectFactory


class WorkCalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkCalendar

    name = factory.Sequence(lambda n: f"Calendar {n}")


class TaskFactory(factory.django.DjangoModelFactory):
    """A task written directly; call tasks.services.schedule_project to give it dates."""

    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Task {n}")
    position = factory.Sequence(lambda n: n + 1)
    duration_days = 1


class DependencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dependency

    predecessor = factory.SubFactory(TaskFactory)
    successor = factory.SubFactory(
        TaskFactory, project=factory.SelfAttribute("..predecessor.project")
    )
    project = factory.SelfAttribute("predecessor.project")
