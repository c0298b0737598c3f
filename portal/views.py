"""The client's read-only portal (P4.3a): their own projects, client-safe fields only."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from projects.selectors import portal_projects


@login_required
def home(request):
    if not request.user.is_client:
        return redirect("projects:list")
    return render(request, "portal/home.html", {
        "projects": portal_projects(user=request.user),
    })
