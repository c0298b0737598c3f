"""Navigation by role for the base layout."""
from projects.permissions import can


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "approvals": can(user, "initiation.inbox"),
            "initiate": can(user, "initiation.create"),
            "admin": user.is_staff,
            "unread": user.notifications.filter(read=False).count(),
        }
    }
