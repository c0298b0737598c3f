"""Sign-in landing: staff go to their projects, clients to the portal."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    if request.user.is_client:
        return redirect("portal:home")
    return redirect("projects:list")
