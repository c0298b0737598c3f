"""Pages of the plan and of progress: the planning table, My tasks, the weekly progress
tracking sheet, the task page and the weekly status report."""
from django.urls import path

from . import views, views_client, views_gantt, views_progress

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
    # Progress (P3.2a, P3.2b)
    path("my/tasks/", views_progress.my_tasks, name="my_tasks"),
    path("projects/<int:pk>/tasks/<int:task_pk>/", views_progress.task_detail,
         name="task_detail"),
    path("projects/<int:pk>/tasks/<int:task_pk>/progress/", views_progress.task_progress,
         name="task_progress"),
    path("projects/<int:pk>/tasks/<int:task_pk>/my-row/", views_progress.my_task_row,
         name="my_task_row"),
    path("projects/<int:pk>/tasks/<int:task_pk>/resolve/", views_progress.resolve_problems,
         name="resolve_problems"),
    path("projects/<int:pk>/sheet/", views_progress.sheet, name="sheet"),
    path("projects/<int:pk>/sheet/upload/", views_progress.sheet_upload, name="sheet_upload"),
    path("projects/<int:pk>/report/", views_progress.status_report, name="status_report"),
    path("projects/<int:pk>/report.xlsx", views_progress.status_report_xlsx,
         name="status_report_xlsx"),
    # What the client is told (P2.1a, P4.3a): published weekly reports, shared problems
    path("projects/<int:pk>/report/publish/", views_client.report_publish,
         name="report_publish"),
    path("projects/<int:pk>/report/publications/", views_client.report_publications,
         name="report_publications"),
    path("projects/<int:pk>/report/published/<int:report_pk>/", views_client.published_report,
         name="published_report"),
    path("projects/<int:pk>/tasks/<int:task_pk>/problems/<int:entry_pk>/share/",
         views_client.problem_share, name="problem_share"),
    path("projects/<int:pk>/tasks/<int:task_pk>/problems/solve/", views_client.problem_solve,
         name="problem_solve"),
    # Gantt chart (P3.1c)
    path("projects/<int:pk>/gantt/", views_gantt.gantt_page, name="gantt"),
    path("projects/<int:pk>/gantt/export.html", views_gantt.gantt_export, {"fmt": "html"},
         name="gantt_export_html"),
    path("projects/<int:pk>/gantt/export.png", views_gantt.gantt_export, {"fmt": "png"},
         name="gantt_export_png"),
]
