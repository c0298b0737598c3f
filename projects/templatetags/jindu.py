"""Small template helpers shared by the pages: status badges, sort headers, progress bars."""
from django import template
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

register = template.Library()


@register.simple_tag
def status_badge(obj):
    """A coloured badge for a project's or an initiation request's status."""
    return format_html(
        '<span class="badge status-badge status-{}">{}</span>', obj.status,
        obj.get_status_display(),
    )


@register.simple_tag(takes_context=True)
def sort_header(context, field, label):
    """A column header that sorts by `field`, toggling direction, keeping the filters."""
    request = context["request"]
    current = context.get("sort") or ""
    params = request.GET.copy()
    params.pop("page", None)
    if current == field:
        params["sort"] = f"-{field}"
        icon, state = "bi-caret-up-fill", "ascending"
    elif current == f"-{field}":
        params["sort"] = field
        icon, state = "bi-caret-down-fill", "descending"
    else:
        params["sort"] = field
        icon, state = "", "none"
    return format_html(
        '<a class="sort-link" href="?{}" aria-sort="{}">{}{}</a>', params.urlencode(), state,
        label, format_html(' <i class="bi {}"></i>', icon) if icon else "",
    )


@register.inclusion_tag("includes/progress.html")
def progress_bar(value):
    value = value or 0
    return {"value": value, "width": max(0, min(100, int(value)))}


ACTIVITY_VERBS = {
    ("project", "created"): _("created the project"),
    ("project", "changed"): _("changed the project"),
    ("project", "deleted"): _("deleted the project"),
    ("membership", "created"): _("added to the team"),
    ("membership", "changed"): _("changed a team member"),
    ("membership", "deleted"): _("removed from the team"),
    ("meeting", "created"): _("recorded the meeting"),
    ("meeting", "changed"): _("changed the meeting"),
    ("meeting", "deleted"): _("deleted the meeting"),
    ("initiation", "created"): _("wrote the initiation request"),
    ("initiation", "changed"): _("changed the initiation request"),
    ("initiation", "deleted"): _("deleted the initiation request"),
    ("transition", "created"): _("created the initiation request"),
    ("transition", "submitted"): _("submitted the initiation request"),
    ("transition", "approved"): _("approved the initiation request"),
    ("transition", "rejected"): _("rejected the initiation request"),
    ("transition", "returned"): _("returned the initiation request for changes"),
    ("transition", "draft"): _("reopened the initiation request"),
}

ACTIVITY_ICONS = {
    "project": "bi-kanban", "membership": "bi-people", "meeting": "bi-chat-square-text",
    "initiation": "bi-file-earmark-text", "transition": "bi-signpost-split",
}


@register.filter
def activity_verb(item):
    return ACTIVITY_VERBS.get((item.kind, item.action), item.action)


@register.filter
def activity_icon(item):
    return ACTIVITY_ICONS.get(item.kind, "bi-dot")


@register.filter
def activity_value(value):
    """A changed value for the timeline: long text shortened, dates and numbers localised."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return Truncator(value).chars(120)
    return value
