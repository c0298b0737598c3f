"""Navigation by role for the base layout."""
from projects.models import ChangeRequest, InitiationRequest
from projects.permissions import can


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    approvals = can(user, "initiation.inbox")
    return {
        "nav": {
            "approvals": approvals,
            # Initiation requests and assessed change requests awaiting a decision, one query.
            "approvals_count": InitiationRequest.objects.filter(
                status=InitiationRequest.Status.SUBMITTED
            ).order_by().values("pk").union(
                ChangeRequest.objects.filter(status=ChangeRequest.Status.ASSESSED)
                .order_by().values("pk"),
                all=True,
            ).count() if approvals else 0,
            "initiate": can(user, "initiation.create"),
            "admin": user.is_staff,
            "unread": user.notifications.filter(read=False).count(),
            # Pages shared by staff and clients (profile, notifications) extend this layout.
            "base_template": "portal/base.html" if user.is_client else "base.html",
        }
    }
