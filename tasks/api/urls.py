from django.urls import path
from rest_framework.routers import SimpleRouter

from . import gantt, progress, views

router = SimpleRouter()
router.register("tasks", views.TaskViewSet, basename="task")
router.register("dependencies", views.DependencyViewSet, basename="dependency")
router.register("progress", progress.ProgressEntryViewSet, basename="progress")

urlpatterns = [
    path("projects/<int:pk>/schedule/", views.ScheduleView.as_view(), name="project-schedule"),
    path("projects/<int:pk>/plan.xlsx", views.PlanWorkbookView.as_view(), name="project-plan"),
    path("projects/<int:pk>/progress-sheet/", progress.ProgressSheetView.as_view(),
         name="project-progress-sheet"),
    path("projects/<int:pk>/progress-sheet.xlsx", progress.ProgressSheetWorkbookView.as_view(),
         name="project-progress-sheet-xlsx"),
    path("tasks/<int:pk>/resolve-problems/", progress.ResolveProblemsView.as_view(),
         name="task-resolve-problems"),
    path("projects/<int:pk>/gantt/", gantt.GanttView.as_view(), name="project-gantt"),
    *router.urls,
]
