"""Dashboards (P1.1, P2.1a): one project's health, and the portfolio of every visible project.

Both answer "is this project on track, and if not, where and why?" with the rules of
projects.dashboards, stated on the page next to the ratings. Team members see the dashboards
of their projects; management, the supervision group and admins see every project's.
"""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from tasks.reports import open_problem_tasks

from . import dashboards, selectors
from .models import Project
from .permissions import internal_projects, require

PORTFOLIO_PAGE_SIZE = 50
PROBLEMS_SHOWN = 15


@login_required
def project_dashboard(request, pk):
    project = get_object_or_404(selectors.project_for_page_queryset(), pk=pk)
    require(request.user, "project.view_internal", project)
    today = timezone.localdate()
    dashboard = dashboards.project_dashboard(project=project, today=today)
    problems = open_problem_tasks(project=project)
    return render(request, "projects/dashboard.html", {
        "project": project,
        "tab": "dashboard",
        "today": today,
        "dashboard": dashboard,
        "facts": dashboard.project,
        "rules": dashboards.rule_texts(),
        "problems": problems[:PROBLEMS_SHOWN],
        "problem_count": len(problems),
        "figures": {
            "s_curve": dashboard.s_curve,
            "burndown": dashboard.burndown,
            "overdue": dashboard.overdue_by_owner,
        },
    })


def _choice(values, allowed):
    return [value for value in values if value in allowed]


def _number(value):
    return int(value) if value and value.isdigit() else None


@login_required
def portfolio(request):
    """Every project the user sees from inside, rated, filtered and sorted."""
    if request.user.is_client:
        raise Http404
    today = timezone.localdate()
    sort = request.GET.get("sort") or "rag"
    if sort.lstrip("-") not in dashboards.PORTFOLIO_SORTS:
        sort = "rag"
    rated, counts = dashboards.portfolio(
        projects=internal_projects(request.user),
        today=today, sort=sort,
    )
    # Choices come from the visible projects themselves: no user or client outside them.
    pms = sorted({(p.pm_id, p.pm_name or "") for p in rated if p.pm_id}, key=lambda c: c[1])
    clients = sorted({(p.client_organization_id, str(p.client_organization))
                      for p in rated if p.client_organization_id}, key=lambda c: c[1])
    chosen = {
        "status": _choice(request.GET.getlist("status"), Project.Status.values),
        "rag": _choice(request.GET.getlist("rag"), dashboards.RAG_LABELS),
        "pm": _number(request.GET.get("pm")),
        "client": _number(request.GET.get("client")),
    }
    shown = [
        p for p in rated
        if (not chosen["status"] or p.status in chosen["status"])
        and (not chosen["rag"] or p.rating.level in chosen["rag"])
        and (chosen["pm"] is None or p.pm_id == chosen["pm"])
        and (chosen["client"] is None or p.client_organization_id == chosen["client"])
    ]
    page = Paginator(shown, PORTFOLIO_PAGE_SIZE).get_page(request.GET.get("page"))
    levels = [
        {"level": level, "label": dashboards.RAG_LABELS[level], "count": counts[level]}
        for level in (dashboards.RED, dashboards.AMBER, dashboards.GREEN, dashboards.UNRATED)
    ]
    return render(request, "projects/portfolio.html", {
        "page": page,
        "sort": sort,
        "levels": levels,
        "total": len(rated),
        "shown": len(shown),
        "chosen": chosen,
        "filtered": any(chosen.values()),
        "statuses": Project.Status.choices,
        "pms": pms,
        "clients": clients,
        "rules": dashboards.rule_texts(),
        "reasons_figure": dashboards.reasons_figure(shown),
        "progress_figure": dashboards.progress_figure(shown),
        "today": today,
    })
