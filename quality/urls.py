"""Client feedback pages inside the company: the customer-service inbox and each project's."""
from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [
    path("feedback/", views.inbox, name="inbox"),
    path("projects/<int:pk>/feedback/", views.feedback_list, name="feedback_list"),
    path("projects/<int:pk>/feedback/<int:feedback_pk>/", views.feedback_detail,
         name="feedback_detail"),
    path("projects/<int:pk>/feedback/<int:feedback_pk>/assign/", views.feedback_assign,
         name="feedback_assign"),
    path("projects/<int:pk>/feedback/<int:feedback_pk>/answer/", views.feedback_answer,
         name="feedback_answer"),
    path("projects/<int:pk>/feedback/<int:feedback_pk>/notes/", views.feedback_notes,
         name="feedback_notes"),
]
