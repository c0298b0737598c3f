"""Plan and execution: working calendars, the WBS, dependencies and baselines."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models import Versioned


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


class Task(Versioned):
    """A WBS element: a phase (summary, with children), a task, or a milestone (0 days)."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        BLOCKED = "blocked", _("Blocked")
        CANCELLED = "cancelled", _("Cancelled")

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="tasks",
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    wbs = models.CharField(_("WBS"), max_length=50, blank=True)
    sort_key = models.CharField(max_length=400, blank=True, editable=False)
    name = models.CharField(_("name"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="tasks",
    )
    duration_days = models.PositiveIntegerField(_("duration (working days)"), default=1)
    start_no_earlier_than = models.DateField(_("start no earlier than"), null=True, blank=True)
    is_summary = models.BooleanField(_("summary"), default=False, editable=False)
    # Scheduled values, written by the scheduler in the same transaction as every plan change.
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned finish"), null=True, blank=True)
    late_start = models.DateField(_("late start"), null=True, blank=True)
    late_finish = models.DateField(_("late finish"), null=True, blank=True)
    total_float = models.IntegerField(_("total float"), null=True, blank=True)
    free_float = models.IntegerField(_("free float"), null=True, blank=True)
    is_critical = models.BooleanField(_("critical"), default=False)
    # Execution.
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_finish = models.DateField(_("actual finish"), null=True, blank=True)
    percent_complete = models.DecimalField(
        _("% complete"), max_digits=5, decimal_places=2, default=0
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED,
        db_index=True,
    )
    client_visible = models.BooleanField(_("visible to the client"), default=False)
    estimate_hours = models.DecimalField(
        _("estimated hours"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    planned_cost = models.DecimalField(
        _("planned cost"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    has_open_problem = models.BooleanField(_("open problem"), default=False)
    history = HistoricalRecords(excluded_fields=[
        "sort_key", "late_start", "late_finish", "total_float", "free_float",
    ])

    class Meta:
        ordering = ["project", "sort_key", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["project", "sort_key"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_complete__gte=0) & Q(percent_complete__lte=100),
                name="task_percent_between_0_and_100",
            ),
            models.CheckConstraint(
                condition=Q(actual_finish__isnull=True) | Q(actual_start__isnull=True)
                | Q(actual_finish__gte=F("actual_start")),
                name="task_actual_finish_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.wbs} {self.name}".strip()

    @property
    def is_milestone(self):
        return self.duration_days == 0 and not self.is_summary


class Dependency(models.Model):
    class Type(models.TextChoices):
        FS = "FS", _("Finish-to-start")
        SS = "SS", _("Start-to-start")
        FF = "FF", _("Finish-to-finish")
        SF = "SF", _("Start-to-finish")

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="dependencies"
    )
    predecessor = models.ForeignKey(
        Task, verbose_name=_("predecessor"), on_delete=models.CASCADE,
        related_name="successor_links",
    )
    successor = models.ForeignKey(
        Task, verbose_name=_("successor"), on_delete=models.CASCADE,
        related_name="predecessor_links",
    )
    type = models.CharField(_("type"), max_length=2, choices=Type.choices, default=Type.FS)
    lag_days = models.IntegerField(_("lag (working days)"), default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="one_link_per_task_pair"
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")), name="no_self_link"
            ),
        ]

    def __str__(self):
        lag = f"{self.lag_days:+d}" if self.lag_days else ""
        return f"{self.predecessor_id}{self.type}{lag} → {self.successor_id}"


class Baseline(models.Model):
    """A frozen copy of the plan: taken when planning ends and on approved changes."""

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="baselines",
    )
    number = models.PositiveIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=200)
    project_start = models.DateField(_("planned start"), null=True)
    project_finish = models.DateField(_("planned finish"), null=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("taken by"), on_delete=models.PROTECT,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True)

    class Meta:
        ordering = ["project", "-number"]
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="baseline_number_unique")
        ]

    def __str__(self):
        return f"#{self.number} {self.name}"


class BaselineTask(models.Model):
    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="tasks")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="baseline_rows")
    planned_start = models.DateField(null=True)
    planned_end = models.DateField(null=True)
    duration_days = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["baseline", "task"], name="baseline_task_unique")
        ]

    def __str__(self):
        return f"{self.baseline_id}:{self.task_id}"


class ProgressEntry(models.Model):
    """A progress report on one task (P3.2a): % complete, hours, a note, problems met."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="progress_entries"
    )
    date = models.DateField(_("date"))
    percent_complete = models.DecimalField(_("% complete"), max_digits=5, decimal_places=2)
    hours = models.DecimalField(
        _("hours"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("progress note"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    problem_resolved_at = models.DateTimeField(_("problem resolved"), null=True, blank=True)
    problem_resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT,
        related_name="progress_entries",
    )
    from_sheet = models.BooleanField(_("from the progress tracking sheet"), default=False)
    # Problems and their solutions the pm or assistant chose to report to the client (P4.3a).
    solution = models.TextField(_("solution"), blank=True)
    shared_with_client = models.BooleanField(_("reported to the client"), default=False)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("progress entry")
        verbose_name_plural = _("progress entries")
        indexes = [models.Index(fields=["task", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_complete__gte=0) & Q(percent_complete__lte=100),
                name="progress_percent_between_0_and_100",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=0),
                name="progress_hours_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.task_id} {self.date} {self.percent_complete}%"

    @property
    def has_open_problem(self):
        return bool(self.problems.strip()) and self.problem_resolved_at is None


class PublishedReport(models.Model):
    """A weekly status report the pm published to the client portal (P2.1a, P4.3a).

    `content` is a frozen, client-safe snapshot (only client-visible tasks and shared problems),
    so what the client read stays as it was published; the portal keeps every one.
    """

    view_action = "report.view"

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="published_reports",
    )
    week = models.CharField(_("week"), max_length=8)
    monday = models.DateField(_("week starting"))
    summary = models.TextField(_("message to the client"), blank=True)
    content = models.JSONField(_("report"), default=dict)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("published status report")
        verbose_name_plural = _("published status reports")
        indexes = [models.Index(fields=["project", "-published_at"])]

    def __str__(self):
        return f"{self.project_id} {self.week}"

    def get_portal_url(self):
        from django.urls import reverse

        return reverse("portal:report_detail", args=[self.pk])
