"""Reads of the plan shaped for the API, exports and pages: each one query, whatever the size."""
from django.db.models import Exists, OuterRef

from projects.permissions import internal_projects, visible_projects

from . import scheduling
from .models import Dependency, Task
from .services import engine_calendar


def task_projects(user):
    """Projects whose tasks the user may list: internal ones, or a client's own projects."""
    is_client = getattr(user, "is_client", False)
    return visible_projects(user) if is_client else internal_projects(user)


def visible_tasks(*, user):
    """Tasks the user may read; clients only those marked client-visible in their projects."""
    tasks = Task.objects.filter(project__in=task_projects(user).values("pk"))
    if getattr(user, "is_client", False):
        tasks = tasks.filter(client_visible=True)
    return tasks


def visible_dependencies(*, user):
    """Links of the projects the user sees from inside (clients: none)."""
    return Dependency.objects.filter(project__in=internal_projects(user).values("pk"))


def leaf_tasks(*, project):
    """The tasks the scheduler places: those without children, in WBS order."""
    has_children = Task.objects.filter(parent=OuterRef("pk"))
    return Task.objects.filter(project=project).exclude(Exists(has_children))


def project_schedule(*, project):
    """The critical-path schedule of the stored plan, as API.md "Schedule" describes it.

    The engine runs afresh on the leaf tasks and links, so the answer never depends on values
    stored by an earlier run.
    """
    leaves = list(
        leaf_tasks(project=project).values_list("id", "duration_days", "start_no_earlier_than")
    )
    links = Dependency.objects.filter(project=project).values_list(
        "predecessor_id", "successor_id", "type", "lag_days"
    )
    result = scheduling.schedule(
        leaves, links, calendar=engine_calendar(project.calendar),
        project_start=project.planned_start,
    )
    return {
        "project_start": result.project_start,
        "project_finish": result.project_finish,
        "duration_days": result.duration_days,
        "critical_path": result.critical_path,
        "tasks": [
            {
                "id": task.id, "es": task.es, "ef": task.ef, "ls": task.ls, "lf": task.lf,
                "total_float": task.total_float, "free_float": task.free_float,
                "critical": task.critical, "early_start": task.early_start,
                "early_finish": task.early_finish, "late_start": task.late_start,
                "late_finish": task.late_finish,
            }
            for task in result.tasks.values()
        ],
    }


def plan_for_export(*, project):
    """Tasks in WBS order with their owners, and each task's predecessor links."""
    tasks = list(
        Task.objects.filter(project=project).select_related("owner").order_by("sort_key", "id")
    )
    links = {}
    for link in Dependency.objects.filter(project=project).order_by("id"):
        links.setdefault(link.successor_id, []).append(link)
    return tasks, links
