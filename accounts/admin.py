"""Django admin for people: users with their system role, departments, client organisations."""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import Department, Organization, User

admin.site.site_header = _("Jindu administration")
admin.site.site_title = _("Jindu administration")
admin.site.index_title = _("Configuration and data")

JINDU_FIELDS = ("display_name", "system_role", "department", "organization", "language")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Jindu"), {"fields": JINDU_FIELDS}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Permissions"), {
            "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
            "classes": ("collapse",),
        }),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {
            "classes": ("wide",),
            "fields": ("username", "usable_password", "password1", "password2"),
        }),
        (_("Jindu"), {"classes": ("wide",), "fields": (*JINDU_FIELDS, "email")}),
    )
    list_display = (
        "username", "display_name", "system_role", "department", "organization", "email",
        "is_active", "is_staff",
    )
    list_filter = ("system_role", "department", "organization", "is_active", "is_staff")
    list_select_related = ("department", "organization")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    autocomplete_fields = ("department", "organization")
    ordering = ("username",)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "user_count")
    list_filter = ("kind",)
    search_fields = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(user_count=Count("users"))

    @admin.display(description=_("users"), ordering="user_count")
    def user_count(self, obj):
        return obj.user_count


class OrganizationUserInline(admin.TabularInline):
    """The organisation's users; new users are added in the user admin, where a password is set."""

    model = User
    fk_name = "organization"
    fields = ("username", "display_name", "email", "system_role", "is_active")
    readonly_fields = ("username", "system_role")
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("user")
    verbose_name_plural = _("users")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "contact_name", "contact_phone", "contact_email", "is_active",
                    "user_count")
    list_filter = ("is_active",)
    search_fields = ("name", "contact_name", "contact_email")
    inlines = [OrganizationUserInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(user_count=Count("users"))

    @admin.display(description=_("users"), ordering="user_count")
    def user_count(self, obj):
        return obj.user_count
