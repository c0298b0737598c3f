"""Initiation and team (P3.1a, P3.1b, P3.2c): requests, projects, memberships, meetings."""
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Versioned(models.Model):
    """An integer `version`, bumped on every save, for optimistic concurrency (API.md)."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)

    def locked(self, expected_version=None):
        """This row re-read under a lock (SELECT … FOR UPDATE) for a change; a StaleVersion
        carrying the fresh row when `expected_version` was sent and is no longer current."""
        from config.errors import StaleVersion

        fresh = type(self)._default_manager.select_for_update().get(pk=self.pk)
        if expected_version is not None and expected_version != fresh.version:
            raise StaleVersion(_("This object was changed by someone else."), current=fresh)
        return fresh


class InitiationRequest(Versioned):
    """立项申请表: a business department asks management to start a project."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for changes")

    title = models.CharField(_("project name"), max_length=200)
    background = models.TextField(_("background"))
    goals = models.TextField(_("goals"))
    scope = models.TextField(_("scope"))
    expected_benefits = models.TextField(_("expected benefits"))
    proposed_pm = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed project manager"),
        on_delete=models.PROTECT, related_name="proposed_initiations",
    )
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    client_organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("client"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="initiations",
    )
    calendar = models.ForeignKey(
        "tasks.WorkCalendar", verbose_name=_("working calendar"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT,
        related_name="initiations",
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="initiations",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("initiation request")
        verbose_name_plural = _("initiation requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")),
                name="initiation_end_after_start",
                violation_error_message=_("The planned end cannot be before the planned start."),
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="initiation_budget_not_negative",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("projects:initiation_detail", args=[self.pk])

    @property
    def is_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class InitiationTransition(models.Model):
    """Who moved a request from one state to another, when, and why."""

    request = models.ForeignKey(
        InitiationRequest, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=InitiationRequest.Status.choices
    )
    to_status = models.CharField(
        _("to"), max_length=20, choices=InitiationRequest.Status.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("initiation transition")
        verbose_name_plural = _("initiation transitions")

    def __str__(self):
        return f"{self.request} {self.from_status} → {self.to_status}"


class Project(Versioned):
    class Status(models.TextChoices):
        INITIATING = "initiating", _("Initiating")
        PLANNING = "planning", _("Planning")
        EXECUTING = "executing", _("Executing")
        CLOSING = "closing", _("Closing")
        CLOSED = "closed", _("Closed")
        ON_HOLD = "on_hold", _("On hold")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.INITIATING, Status.PLANNING, Status.EXECUTING, Status.CLOSING)

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNING,
        db_index=True,
    )
    initiation = models.OneToOneField(
        InitiationRequest, verbose_name=_("initiation request"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="project",
    )
    client_organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("client"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="projects",
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="projects",
    )
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    calendar = models.ForeignKey(
        "tasks.WorkCalendar", verbose_name=_("working calendar"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="projects",
    )
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    percent_complete = models.DecimalField(
        # xgettext:no-python-format
        _("% complete"), max_digits=5, decimal_places=2, default=0
    )
    internal_notes = models.TextField(_("internal notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")),
                name="project_end_after_start",
                violation_error_message=_("The planned end cannot be before the planned start."),
            ),
            models.CheckConstraint(
                condition=Q(percent_complete__gte=0) & Q(percent_complete__lte=100),
                name="project_percent_between_0_and_100",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="project_budget_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("projects:detail", args=[self.pk])

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


class Membership(Versioned):
    class Role(models.TextChoices):
        PM = "pm", _("Project manager")
        ASSISTANT = "assistant", _("Project assistant")
        MEMBER = "member", _("Team member")
        QA = "qa", _("Quality assurance")
        FINANCE = "finance", _("Finance")
        CLIENT = "client", _("Client")
        OBSERVER = "observer", _("Observer")

    class Team(models.TextChoices):
        TECHNICAL = "technical", _("Technical team")
        OPERATIONS = "operations", _("Operations team")
        MARKETING = "marketing", _("Marketing team")
        CUSTOMER_SERVICE = "customer_service", _("Customer-service team")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    team = models.CharField(_("team"), max_length=20, choices=Team.choices, blank=True)
    duties = models.TextField(_("duties"), blank=True)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "role", "id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"], name="one_membership_per_user",
                violation_error_message=_("This person is already on the team."),
            ),
            models.UniqueConstraint(
                fields=["project"], condition=Q(role="pm"), name="one_pm_per_project",
                violation_error_message=_("The project already has a project manager."),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


class Meeting(Versioned):
    """Kick-off and regular project meetings with minutes, decisions and action items."""

    class Kind(models.TextChoices):
        KICKOFF = "kickoff", _("Kick-off meeting")
        REGULAR = "regular", _("Regular meeting")
        REVIEW = "review", _("Review meeting")
        OTHER = "other", _("Other")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="meetings"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    title = models.CharField(_("title"), max_length=200)
    held_at = models.DateTimeField(_("held at"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), related_name="meetings", blank=True
    )
    minutes = models.TextField(_("minutes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[attendees])

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("projects:meeting_detail", args=[self.project_id, self.pk])


class ActionItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="action_items"
    )
    description = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
        related_name="action_items",
    )
    due_date = models.DateField(_("due date"))
    is_done = models.BooleanField(_("done"), default=False)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self):
        return self.description


class ChangeRequest(Versioned):
    """需求变更: a client (or the PM) asks for a change; its impact is assessed and decided (P4.3b).

    submitted → assessed (schedule days, cost, quality) → approved | rejected → implemented, the
    last with a new baseline. Every step is a `ChangeRequestTransition` the client can follow.
    """

    view_action = "change_request.view"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ASSESSED = "assessed", _("Assessed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        IMPLEMENTED = "implemented", _("Implemented")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="change_requests",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description of the change"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT,
        related_name="change_requests",
    )
    # Impact assessment (the pm).
    schedule_impact_days = models.IntegerField(
        _("schedule impact (working days)"), null=True, blank=True,
        help_text=_("Working days the change adds to the schedule; negative when it saves time."),
    )
    cost_impact = models.DecimalField(
        _("cost impact"), max_digits=14, decimal_places=2, null=True, blank=True,
        help_text=_("Extra cost of the change; negative when it saves money."),
    )
    quality_impact = models.TextField(_("quality impact"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    # Decision (management or the pm).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    # Implementation (the pm): the plan changes and the baseline they end in.
    implemented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("implemented by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    implemented_at = models.DateTimeField(_("implemented"), null=True, blank=True)
    changed_tasks = models.ManyToManyField(
        "tasks.Task", verbose_name=_("tasks changed"), blank=True, related_name="change_requests",
    )
    previous_baseline = models.ForeignKey(
        "tasks.Baseline", verbose_name=_("baseline before the change"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    baseline = models.ForeignKey(
        "tasks.Baseline", verbose_name=_("baseline after the change"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="change_requests",
    )
    internal_notes = models.TextField(
        _("internal notes"), blank=True, help_text=_("Never shown to the client."),
    )
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["internal_notes"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("projects:change_detail", args=[self.project_id, self.pk])

    @property
    def reference(self):
        return f"CR-{self.pk:04d}" if self.pk else "CR"

    def get_portal_url(self):
        return reverse("portal:change_detail", args=[self.pk])


class ChangeRequestTransition(models.Model):
    """One step of a change request: who moved it, when, and what they said (client-visible)."""

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=ChangeRequest.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=ChangeRequest.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("change request step")
        verbose_name_plural = _("change request steps")

    def __str__(self):
        return f"{self.change_request_id} {self.from_status} → {self.to_status}"


def attachment_path(instance, filename):
    """Stored under MEDIA_ROOT (never the static root) by a random name: no user path parts."""
    import uuid

    return f"attachments/{instance.project_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file attached to a change request, client feedback or a published report.

    Files live under MEDIA_ROOT, which no URL serves: the only way to read one is the
    permission-checked download view, which asks the owner's `view_action` of the permission
    module whether the caller may see the owner.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="attachments"
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    owner = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    mime_type = models.CharField(_("type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("projects:attachment", args=[self.pk])
