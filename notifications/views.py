"""The user's notifications (unread first, filtered, marked read one by one, all at once, or on
opening), their e-mail preferences, and who has reported progress this week (P2.1b)."""
import datetime
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from projects.models import Project
from projects.permissions import can, can_see

from . import selectors, services
from .forms import PreferencesForm
from .jobs import iso_week, today, week_bounds
from .models import Kind, Notification

PAGE_SIZE = 30
WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def _own(request, pk):
    return get_object_or_404(Notification, pk=pk, recipient=request.user)


def _filters(request):
    kind = request.GET.get("kind") or ""
    return {"unread": request.GET.get("show") == "unread",
            "kind": kind if kind in Kind.values else ""}


@login_required
def notification_list(request):
    filters = _filters(request)
    notifications = selectors.notifications_for(request.user, **filters)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "filters": filters, "kinds": Kind.choices,
        "reporting_projects": ([] if request.user.is_client
                               else list(selectors.reporting_projects(request.user))),
    })


@login_required
@require_POST
def mark_read(request, pk):
    notification = _own(request, pk)
    services.mark_read(user=request.user, notification=notification)
    notification.read = True
    if request.headers.get("HX-Request") == "true":
        return render(request, "notifications/_item.html", {"n": notification, "oob": True})
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    kind = request.POST.get("kind")
    count = services.mark_all_read(user=request.user,
                                   kind=kind if kind in Kind.values else None)
    if count:
        messages.success(request, _("All notifications were marked as read."))
    return redirect("notifications:list")


@login_required
@require_POST
def open_notification(request, pk):
    """Mark it read and follow its link (staying on this site)."""
    notification = _own(request, pk)
    services.mark_read(user=request.user, notification=notification)
    url = notification.link
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("notifications:list")
    return redirect(url)


@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None,
                           preferences=selectors.email_preferences(request.user))
    if request.method == "POST" and form.is_valid():
        services.set_preferences(user=request.user, choices=form.choices())
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {
        "form": form, "has_email": bool(request.user.email),
    })


def may_follow_reporting(user, project):
    """The pm and the assistant follow reporting (P2.1b); so do management and admins."""
    return can(user, "progress.report_any", project) or (
        user.system_role == User.SystemRole.MANAGEMENT and can(user, "project.view", project)
    )


def _week(request):
    """The Monday of ?week=2026-W48, or today when none is asked for."""
    match = WEEK.match(request.GET.get("week") or "")
    if not match:
        return today()
    try:
        return datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise Http404 from None


@login_required
def reporting(request, project_pk):
    project = get_object_or_404(Project, pk=project_pk)
    if not can_see(request.user, "project.view_internal", project):
        raise Http404
    if not may_follow_reporting(request.user, project):
        raise PermissionDenied
    day = _week(request)
    monday, sunday = week_bounds(day)
    rows = list(selectors.reporting_status(project=project, day=day))
    week = datetime.timedelta(days=7)
    return render(request, "notifications/reporting.html", {
        "project": project, "rows": rows, "monday": monday, "sunday": sunday,
        "week": iso_week(monday), "previous_week": iso_week(monday - week),
        "next_week": iso_week(monday + week) if monday + week <= today() else None,
        "reported": sum(row.reported for row in rows),
    })
