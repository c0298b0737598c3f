"""Django admin for working calendars, with a form that edits the JSON day lists as plain text."""
import datetime
import re

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import PublishedReport, WorkCalendar
from .services import reschedule_calendar

WEEKDAY_CHOICES = sorted(WEEKDAYS.items())
DATE_SEPARATORS = re.compile(r"[\s,，;；、]+")
DATE_PATTERN = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


def parse_day(text):
    """A date from YYYY-MM-DD (also / or . as separator, month and day with one digit)."""
    match = DATE_PATTERN.match(text)
    if match is None:
        return None
    try:
        return datetime.date(*map(int, match.groups()))
    except ValueError:
        return None


class DateListField(forms.CharField):
    """Dates typed one per line or comma-separated; cleaned to a sorted list of ISO strings."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 30})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("One date per line or comma-separated, e.g. 2026-10-01."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(day) for day in value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            value = "\n".join(str(day) for day in value)
        text = super().to_python(value)
        days, invalid = set(), []
        for token in DATE_SEPARATORS.split(text.strip()):
            if token:
                day = parse_day(token)
                if day is None:
                    invalid.append(token)
                else:
                    days.add(day)
        if invalid:
            raise ValidationError(
                _("Not a date (use YYYY-MM-DD): %(values)s"),
                code="invalid", params={"values": ", ".join(invalid)},
            )
        return [day.isoformat() for day in sorted(days)]

    def has_changed(self, initial, data):
        try:
            return self.to_python(initial or []) != self.to_python(data)
        except ValidationError:
            return True


class WorkCalendarForm(forms.ModelForm):
    weekend_days = forms.TypedMultipleChoiceField(
        label=_("weekend days"), choices=WEEKDAY_CHOICES, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Days of the week that are not worked."),
    )
    holidays = DateListField(label=_("holidays"))
    extra_workdays = DateListField(
        label=_("make-up working days"),
        help_text=_(
            "Weekend dates worked in exchange for a holiday (调休), one per line or "
            "comma-separated."
        ),
    )

    class Meta:
        model = WorkCalendar
        fields = ("name", "is_default", "weekend_days", "holidays", "extra_workdays")

    def clean_weekend_days(self):
        days = sorted(set(self.cleaned_data["weekend_days"]))
        if len(days) == len(WEEKDAY_CHOICES):
            raise ValidationError(_("At least one day of the week must be a working day."))
        return days

    def clean(self):
        cleaned = super().clean()
        weekend = cleaned.get("weekend_days")
        holidays = cleaned.get("holidays") or []
        extra = cleaned.get("extra_workdays")
        if weekend is None or extra is None:
            return cleaned
        not_weekend = [
            day for day in extra if datetime.date.fromisoformat(day).weekday() not in weekend
        ]
        if not_weekend:
            self.add_error("extra_workdays", ValidationError(
                _("A make-up working day must fall on a weekend day: %(values)s"),
                code="not_weekend", params={"values": ", ".join(not_weekend)},
            ))
        both = sorted(set(extra) & set(holidays))
        if both:
            self.add_error("extra_workdays", ValidationError(
                _("A day cannot be both a holiday and a make-up working day: %(values)s"),
                code="holiday_and_workday", params={"values": ", ".join(both)},
            ))
        return cleaned


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin):
    form = WorkCalendarForm
    list_display = ("name", "is_default", "weekend", "holiday_count", "extra_workday_count",
                    "version")
    list_filter = ("is_default",)
    search_fields = ("name",)
    readonly_fields = ("version",)

    @admin.display(description=_("weekend days"))
    def weekend(self, obj):
        return ", ".join(str(WEEKDAYS[day]) for day in sorted(obj.weekend_days or []))

    @admin.display(description=_("holidays"))
    def holiday_count(self, obj):
        count = len(obj.holidays or [])
        return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}

    @admin.display(description=_("make-up working days"))
    def extra_workday_count(self, obj):
        count = len(obj.extra_workdays or [])
        return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}

    def save_model(self, request, obj, form, change):
        # Dates move when the calendar does: re-schedule its projects in the same transaction.
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change:
                reschedule_calendar(calendar=obj)


@admin.register(PublishedReport)
class PublishedReportAdmin(admin.ModelAdmin):
    """Weekly reports as the client read them: a record, never edited (P2.1a, P4.3a)."""

    list_display = ("week", "project", "published_by", "published_at")
    list_filter = ("published_at",)
    list_select_related = ("project", "published_by")
    search_fields = ("week", "summary", "project__code", "project__name")
    fields = ("project", "week", "monday", "summary", "content", "published_by",
              "published_at")
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # The snapshot can be large; the list does not show it.
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            queryset = queryset.defer("content")
        return queryset

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
