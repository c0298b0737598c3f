from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("tasks", views.TaskViewSet, basename="task")
router.register("dependencies", views.DependencyViewSet, basename="dependency")

urlpatterns = [
    path("projects/<int:pk>/schedule/", views.ScheduleView.as_view(), name="project-schedule"),
    path("projects/<int:pk>/plan.xlsx", views.PlanWorkbookView.as_view(), name="project-plan"),
    *router.urls,
]
