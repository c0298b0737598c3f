"""People of Jindu: users with a system role, departments (P2) and client organisations."""
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    class Kind(models.TextChoices):
        MANAGEMENT = "management", _("Management")
        ADMINISTRATION = "administration", _("Administration")
        BUSINESS = "business", _("Business")
        TECHNICAL = "technical", _("Technical")
        OPERATIONS = "operations", _("Operations")
        MARKETING = "marketing", _("Marketing")
        CUSTOMER_SERVICE = "customer_service", _("Customer service")
        QUALITY = "quality", _("Quality assurance")
        FINANCE = "finance", _("Finance")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class Organization(models.Model):
    """A client firm; its users see only the portal of their own projects."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("client organisation")
        verbose_name_plural = _("client organisations")

    def __str__(self):
        return self.name


class User(AbstractUser):
    class SystemRole(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MANAGEMENT = "management", _("Management")
        SUPERVISOR = "supervisor", _("Supervision group")
        STAFF = "staff", _("Staff")
        CLIENT = "client", _("Client")

    class Language(models.TextChoices):
        EN = "en", "English"
        ZH_HANS = "zh-hans", "简体中文"

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    system_role = models.CharField(
        _("system role"), max_length=20, choices=SystemRole.choices, default=SystemRole.STAFF
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="users",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("client organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.EN
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(system_role="client") | Q(organization__isnull=False),
                name="client_user_has_organization",
                violation_error_message=_("A client user must belong to a client organisation."),
            ),
        ]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        # Django superusers are Jindu admins and Jindu admins use Django admin (API.md).
        if self.is_superuser:
            self.system_role = self.SystemRole.ADMIN
        if self.system_role == self.SystemRole.ADMIN:
            self.is_staff = self.is_superuser = True
        if not self.display_name:
            self.display_name = self.get_full_name() or self.username
        super().save(*args, **kwargs)

    @property
    def is_client(self):
        return self.system_role == self.SystemRole.CLIENT

    @property
    def sees_every_project(self):
        return self.system_role in (
            self.SystemRole.ADMIN, self.SystemRole.MANAGEMENT, self.SystemRole.SUPERVISOR
        )
