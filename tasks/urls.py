"""Pages of the plan: the planning table, its in-place edits and baselines."""
from django.urls import path

from . import views

app_name = "tasks"
urlpatterns = [
    path("projects/<int:pk>/plan/", views.plan, name="plan"),
    path("projects/<int:pk>/plan/tasks/new/", views.task_add, name="task_add"),
    path("projects/<int:pk>/plan/tasks/<int:task_pk>/", views.task_row, name="task_row"),
    path("projects/<int:pk>/plan/tasks/<int:task_pk>/edit/", views.task_edit, name="task_edit"),
    *(
        path(f"projects/<int:pk>/plan/tasks/<int:task_pk>/{action}/", views.task_action,
             {"action": action}, name=f"task_{action.replace('-', '_')}")
        for action in views.PLAN_ACTIONS
    ),
    path("projects/<int:pk>/plan/baselines/new/", views.baseline_take, name="baseline_take"),
]
