"""Client feedback inside the company (P2.3b, P4.3c, P5.1b): customer service's inbox, a
project's feedback, and one item with its assignment, answer and internal notes.

Clients send feedback and confirm or reopen answers in the portal. Here the pm or the
customer-service team (客服团队) assigns it, the assignee answers it, and everyone handling it
sees how long each answer took against the target in AlertSettings.
"""
import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from notifications.models import AlertSettings
from projects.attachments import attachments_of
from projects.models import Membership
from projects.permissions import can, is_admin, require, visible_projects
from projects.selectors import HANDLES_FEEDBACK
from projects.views import PAGE_SIZE, _project, _project_context
from projects.views_steps import run_step

from . import selectors, services
from .forms import AnswerForm, AssignForm, FeedbackNotesForm
from .models import ClientFeedback

Status = ClientFeedback.Status
UNANSWERED = (Status.OPEN, Status.ASSIGNED)


# --- Response time ----------------------------------------------------------------------------

def duration_label(delta):
    """A duration as people say it: "45 min", "3 h 20 min", "2 d 4 h"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if minutes:
            return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
        return _("%(hours)d h") % {"hours": hours}
    days, hours = divmod(hours, 24)
    if hours:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    return _("%(days)d d") % {"days": days}


def response_target():
    """Customer service's target for a first answer (P6.1: set in the admin)."""
    return timedelta(hours=AlertSettings.load().feedback_response_hours)


def measure(rows, *, now, target):
    """Give each feedback its response time (or its age while unanswered) and whether it is
    over the target; → the rows."""
    for feedback in rows:
        answered = feedback.first_answered_at
        feedback.response_pending = answered is None
        feedback.response_delta = (answered or now) - feedback.created_at
        feedback.response_label = duration_label(feedback.response_delta)
        feedback.response_late = feedback.response_delta > target
    return rows


@dataclass
class ResponseSummary:
    answered: int
    average: timedelta | None
    median: timedelta | None
    within_target: int | None  # percent of answered items answered within the target
    open: int
    overdue: int  # unanswered and older than the target
    target: timedelta

    @property
    def average_label(self):
        return duration_label(self.average) if self.average is not None else "—"

    @property
    def median_label(self):
        return duration_label(self.median) if self.median is not None else "—"

    @property
    def target_label(self):
        return duration_label(self.target)


def response_summary(feedback, *, now, target):
    """Average and median time to a first answer, the share within target, what is open."""
    times, unanswered, overdue = [], 0, 0
    for status, created, first_answered in feedback.order_by().values_list(
            "status", "created_at", "first_answered_at"):
        if first_answered is not None:
            times.append(first_answered - created)
        if status in UNANSWERED:
            unanswered += 1
            if first_answered is None and now - created > target:
                overdue += 1
    return ResponseSummary(
        answered=len(times),
        average=sum(times, timedelta()) / len(times) if times else None,
        median=statistics.median(times) if times else None,
        within_target=round(100 * sum(1 for t in times if t <= target) / len(times))
        if times else None,
        open=unanswered, overdue=overdue, target=target,
    )


def _kind(request):
    kind = request.GET.get("kind") or ""
    return kind if kind in ClientFeedback.Kind.values else ""


# --- Inbox ------------------------------------------------------------------------------------

INBOX_TABS = {
    "todo": gettext_lazy("To handle"),
    "mine": gettext_lazy("Assigned to me"),
    "waiting": gettext_lazy("Waiting for the client"),
    "all": gettext_lazy("All"),
}


def handled_projects(user):
    """Projects whose feedback the user routes: as pm or customer service (admins: all)."""
    if is_admin(user):
        return visible_projects(user).values("pk")
    return Membership.objects.filter(HANDLES_FEEDBACK, user=user).values("project")


def inbox_filters(user):
    """Each tab of the inbox as a filter on the feedback the user sees."""
    mine = Q(assignee=user)
    routed = Q(project__in=handled_projects(user))
    return {
        "todo": (mine & Q(status=Status.ASSIGNED)) | (routed & Q(status=Status.OPEN)),
        "mine": mine,
        "waiting": (mine | routed) & Q(status=Status.ANSWERED),
        # Management and supervisors oversee every project's feedback (P5.1b).
        "all": Q() if user.sees_every_project else (mine | routed),
    }


@login_required
def inbox(request):
    user = request.user
    if user.is_client:
        raise Http404
    require(user, "feedback.list_internal")
    tab = request.GET.get("tab") or "todo"
    if tab not in INBOX_TABS:
        tab = "todo"
    kind = _kind(request)
    filters = inbox_filters(user)
    scope = selectors.visible_feedback(user)
    if kind:
        scope = scope.filter(kind=kind)
    counts = {name: scope.filter(q).count() for name, q in filters.items()}
    rows = selectors.feedback_list(user).filter(filters[tab])
    if kind:
        rows = rows.filter(kind=kind)
    # What needs an answer is worked oldest first; the rest reads newest first.
    rows = rows.order_by("created_at", "id") if tab == "todo" else rows.order_by(
        "-created_at", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    now, target = timezone.now(), response_target()
    measure(page.object_list, now=now, target=target)
    return render(request, "quality/inbox.html", {
        "page": page, "tab": tab, "kind": kind,
        "tabs": [(name, label, counts[name]) for name, label in INBOX_TABS.items()],
        "kinds": ClientFeedback.Kind.choices,
        "summary": response_summary(scope.filter(filters["all"]), now=now, target=target),
        "show_project": True,
    })


# --- A project's feedback ---------------------------------------------------------------------

LIST_FILTERS = ("all", *Status.values)


@login_required
def feedback_list(request, pk):
    project = _project(request, pk)
    status = request.GET.get("status") or "all"
    if status not in LIST_FILTERS:
        status = "all"
    kind = _kind(request)
    scope = ClientFeedback.objects.filter(project=project)
    if kind:
        scope = scope.filter(kind=kind)
    counts = dict.fromkeys(Status.values, 0)
    for value in scope.order_by().values_list("status", flat=True):
        counts[value] += 1
    rows = selectors.feedback_list(request.user, project=project)
    if kind:
        rows = rows.filter(kind=kind)
    if status != "all":
        rows = rows.filter(status=status)
    page = Paginator(rows.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    now, target = timezone.now(), response_target()
    measure(page.object_list, now=now, target=target)
    context = _project_context(request, project, "feedback")
    context.update({
        "page": page, "status": status, "kind": kind, "kinds": ClientFeedback.Kind.choices,
        "tabs": [("all", _("All"), sum(counts.values()))]
        + [(value, label, counts[value]) for value, label in Status.choices],
        "summary": response_summary(scope, now=now, target=target),
    })
    return render(request, "quality/feedback_list.html", context)


# --- One item ---------------------------------------------------------------------------------

def _feedback(request, pk, feedback_pk):
    project = _project(request, pk)
    feedback = get_object_or_404(
        ClientFeedback.objects.select_related("project", "submitted_by", "assignee"),
        pk=feedback_pk, project=project,
    )
    require(request.user, "feedback.view", feedback)
    return project, feedback


def _assignable(project):
    """The project's internal team, customer service first: who may be asked to answer."""
    members = Membership.objects.filter(project=project, user__is_active=True).exclude(
        role=Membership.Role.CLIENT).exclude(user__system_role=User.SystemRole.CLIENT).select_related("user")
    return sorted(members, key=lambda m: (
        m.team != Membership.Team.CUSTOMER_SERVICE, m.role != Membership.Role.PM,
        str(m.user), m.pk))


def _detail_context(request, project, feedback, **forms):
    user = request.user
    can_assign = feedback.status in UNANSWERED and can(user, "feedback.assign", feedback)
    can_answer = feedback.status == Status.ASSIGNED and can(user, "feedback.answer", feedback)
    can_edit_notes = can(user, "feedback.edit_internal", feedback)
    target = response_target()
    measure([feedback], now=timezone.now(), target=target)
    context = _project_context(request, project, "feedback")
    context.update({
        "feedback": feedback,
        "events": list(feedback.events.select_related("actor")),
        "attachments": list(attachments_of(feedback)),
        "target_label": duration_label(target),
        "can_assign": can_assign, "can_answer": can_answer, "can_edit_notes": can_edit_notes,
        "assign_form": forms.get("assign_form") or (
            AssignForm(instance=feedback, members=_assignable(project)) if can_assign else None),
        "answer_form": forms.get("answer_form") or (
            AnswerForm(instance=feedback) if can_answer else None),
        "notes_form": forms.get("notes_form") or (
            FeedbackNotesForm(instance=feedback) if can_edit_notes else None),
    })
    return context


def _render_detail(request, project, feedback, **forms):
    return render(request, "quality/feedback_detail.html",
                  _detail_context(request, project, feedback, **forms))


@login_required
def feedback_detail(request, pk, feedback_pk):
    project, feedback = _feedback(request, pk, feedback_pk)
    return _render_detail(request, project, feedback)


def _act(request, project, feedback, *, form, form_name, call, success):
    """Run a step's service (see projects.views_steps.run_step)."""
    return run_step(
        request, feedback, form=form, call=call, success=success,
        stale_message=_("Someone else changed this feedback meanwhile. Check it and try again."),
        reload=lambda: _feedback(request, project.pk, feedback.pk)[1],
        render_page=lambda fresh: _render_detail(request, project, fresh, **{form_name: form}),
    )


@login_required
@require_POST
def feedback_assign(request, pk, feedback_pk):
    project, feedback = _feedback(request, pk, feedback_pk)
    require(request.user, "feedback.assign", feedback)
    form = AssignForm(request.POST, members=_assignable(project))
    return _act(
        request, project, feedback, form=form, form_name="assign_form",
        call=lambda data: services.assign_feedback(
            user=request.user, feedback=feedback, assignee=data["assignee"],
            comment=data["comment"], expected_version=data.get("version"),
        ),
        success=_("The feedback was assigned."),
    )


@login_required
@require_POST
def feedback_answer(request, pk, feedback_pk):
    project, feedback = _feedback(request, pk, feedback_pk)
    require(request.user, "feedback.answer", feedback)
    form = AnswerForm(request.POST)
    return _act(
        request, project, feedback, form=form, form_name="answer_form",
        call=lambda data: services.answer_feedback(
            user=request.user, feedback=feedback, answer=data["answer"],
            expected_version=data.get("version"),
        ),
        success=_("The answer was sent to the client."),
    )


@login_required
@require_POST
def feedback_notes(request, pk, feedback_pk):
    project, feedback = _feedback(request, pk, feedback_pk)
    require(request.user, "feedback.edit_internal", feedback)
    form = FeedbackNotesForm(request.POST)
    return _act(
        request, project, feedback, form=form, form_name="notes_form",
        call=lambda data: services.update_internal_notes(
            user=request.user, feedback=feedback, internal_notes=data["internal_notes"],
            expected_version=data.get("version"),
        ),
        success=_("The internal notes were saved."),
    )
