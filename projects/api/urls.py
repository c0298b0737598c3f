from rest_framework.routers import SimpleRouter

from . import changes, views

router = SimpleRouter()
router.register("initiations", views.InitiationViewSet, basename="initiation")
router.register("projects", views.ProjectViewSet, basename="project")
router.register(
    r"projects/(?P<project_pk>[0-9]+)/members", views.MembershipViewSet, basename="project-member"
)
router.register(
    r"projects/(?P<project_pk>[0-9]+)/meetings", views.MeetingViewSet, basename="project-meeting"
)
router.register("change-requests", changes.ChangeRequestViewSet, basename="change-request")

urlpatterns = router.urls
