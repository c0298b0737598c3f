"""The user's notifications: unread first, marked read one by one, all at once, or on opening."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import Notification

PAGE_SIZE = 30


def _own(request, pk):
    return get_object_or_404(Notification, pk=pk, recipient=request.user)


@login_required
def notification_list(request):
    notifications = request.user.notifications.select_related("project").order_by(
        "read", "-created_at", "-id"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def mark_read(request, pk):
    notification = _own(request, pk)
    if not notification.read:
        Notification.objects.filter(pk=notification.pk).update(read=True)
        notification.read = True
    if request.headers.get("HX-Request") == "true":
        return render(request, "notifications/_item.html", {"n": notification, "oob": True})
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    count = request.user.notifications.filter(read=False).update(read=True)
    if count:
        messages.success(request, _("All notifications were marked as read."))
    return redirect("notifications:list")


@login_required
@require_POST
def open_notification(request, pk):
    """Mark it read and follow its link (staying on this site)."""
    notification = _own(request, pk)
    Notification.objects.filter(pk=notification.pk, read=False).update(read=True)
    url = notification.url
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("notifications:list")
    return redirect(url)
