from django.urls import path

from . import views, views_dashboards, views_files

app_name = "projects"
urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path("projects/<int:pk>/members/", views.members, name="members"),
    path("projects/<int:pk>/members/<int:member_pk>/", views.member_row, name="member_row"),
    path("projects/<int:pk>/members/<int:member_pk>/edit/", views.member_edit,
         name="member_edit"),
    path("projects/<int:pk>/members/<int:member_pk>/remove/", views.member_remove,
         name="member_remove"),
    path("projects/<int:pk>/meetings/", views.meeting_list, name="meetings"),
    path("projects/<int:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("projects/<int:pk>/meetings/<int:meeting_pk>/", views.meeting_detail,
         name="meeting_detail"),
    path("projects/<int:pk>/meetings/<int:meeting_pk>/edit/", views.meeting_edit,
         name="meeting_edit"),
    path("projects/<int:pk>/meetings/<int:meeting_pk>/delete/", views.meeting_delete,
         name="meeting_delete"),
    path("projects/<int:pk>/activity/", views.activity, name="activity"),
    path("initiations/", views.initiation_list, name="initiation_list"),
    path("initiations/new/", views.initiation_create, name="initiation_create"),
    path("initiations/<int:pk>/", views.initiation_detail, name="initiation_detail"),
    path("initiations/<int:pk>/edit/", views.initiation_edit, name="initiation_edit"),
    path("initiations/<int:pk>/submit/", views.initiation_submit, name="initiation_submit"),
    path("initiations/<int:pk>/approve/", views.initiation_decide, {"decision": "approve"},
         name="initiation_approve"),
    path("initiations/<int:pk>/reject/", views.initiation_decide, {"decision": "reject"},
         name="initiation_reject"),
    path("initiations/<int:pk>/return/", views.initiation_decide, {"decision": "return"},
         name="initiation_return"),
    path("approvals/", views.approvals, name="approvals"),
    # Dashboards (P1.1)
    path("projects/<int:pk>/dashboard/", views_dashboards.project_dashboard, name="dashboard"),
    path("portfolio/", views_dashboards.portfolio, name="portfolio"),
    # Attachments of change requests, feedback and published reports (permission-checked)
    path("files/<int:pk>/", views_files.attachment, name="attachment"),
]
