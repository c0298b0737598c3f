"""The client portal's own URL space (/portal/…): clients only, their own projects only."""
from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    # Published weekly reports (项目周报), kept as published.
    path("projects/<int:pk>/reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    # Change requests (变更申请, P4.3b)
    path("projects/<int:pk>/changes/", views.change_list, name="change_list"),
    path("projects/<int:pk>/changes/new/", views.change_create, name="change_create"),
    path("changes/<int:pk>/", views.change_detail, name="change_detail"),
    # Client feedback (客户反馈, P4.3c)
    path("projects/<int:pk>/feedback/", views.feedback_list, name="feedback_list"),
    path("projects/<int:pk>/feedback/new/", views.feedback_create, name="feedback_create"),
    path("feedback/<int:pk>/", views.feedback_detail, name="feedback_detail"),
    path("feedback/<int:pk>/confirm/", views.feedback_confirm, name="feedback_confirm"),
    path("feedback/<int:pk>/reopen/", views.feedback_reopen, name="feedback_reopen"),
]
