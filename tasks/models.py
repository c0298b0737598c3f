"""Plan and execution: working calendars (tasks, dependencies and baselines follow)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


def default_weekend_days():
    return [5, 6]


class WorkCalendar(models.Model):
    """Which days are worked: weekend days, public holidays and make-up working days (调休)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    weekend_days = models.JSONField(
        _("weekend days"), default=default_weekend_days,
        help_text=_("Weekday numbers that are not worked, 0 = Monday."),
    )
    holidays = models.JSONField(
        _("holidays"), default=list, blank=True, help_text=_("Dates (YYYY-MM-DD) not worked.")
    )
    extra_workdays = models.JSONField(
        _("make-up working days"), default=list, blank=True,
        help_text=_("Weekend dates (YYYY-MM-DD) that are worked in exchange for a holiday."),
    )
    is_default = models.BooleanField(_("default calendar"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True),
                name="one_default_calendar",
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.pk:
            self.version += 1
        super().save(*args, **kwargs)

    @classmethod
    def get_default(cls):
        calendar = cls.objects.filter(is_default=True).first()
        if calendar is None:
            calendar, _created = cls.objects.get_or_create(
                name="Mon–Fri", defaults={"is_default": True}
            )
        return calendar
