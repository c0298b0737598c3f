"""Users, client organisations, departments and working calendars as the API shows them."""
from datetime import date

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Department, Organization, User
from tasks.models import WorkCalendar, default_weekend_days


class UserSerializer(serializers.ModelSerializer):
    """`users/me` and the user pickers; a user changes only their name, e-mail and language."""

    class Meta:
        model = User
        fields = [
            "id", "username", "display_name", "email", "system_role", "department",
            "organization", "language",
        ]
        read_only_fields = ["id", "username", "system_role", "department", "organization"]


class UserCreateSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )

    class Meta:
        model = User
        fields = [
            "id", "username", "password", "display_name", "email", "system_role", "department",
            "organization", "language",
        ]
        read_only_fields = ["id"]
        extra_kwargs = {
            "display_name": {"required": True, "allow_blank": False},
            "email": {"required": True, "allow_blank": False},
            "system_role": {"required": True},
        }

    def validate(self, attrs):
        errors = {}
        is_client = attrs["system_role"] == User.SystemRole.CLIENT
        if is_client and attrs.get("organization") is None:
            errors["organization"] = [_("A client user must belong to a client organisation.")]
        elif not is_client and attrs.get("organization") is not None:
            errors["organization"] = [_("Only client users belong to a client organisation.")]
        candidate = User(**{k: v for k, v in attrs.items() if k != "password"})
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            errors["password"] = list(exc.messages)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        password = validated_data.pop("password")
        user = User(**validated_data)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        return user


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "contact_name", "contact_phone", "contact_email", "is_active"]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "kind"]


class WorkCalendarSerializer(serializers.ModelSerializer):
    weekend_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False,
        help_text=_("Weekday numbers that are not worked, 0 = Monday (default [5, 6])."),
    )
    holidays = serializers.ListField(
        child=serializers.DateField(), required=False,
        help_text=_("Dates that are not worked."),
    )
    extra_workdays = serializers.ListField(
        child=serializers.DateField(), required=False,
        help_text=_("Weekend dates that are worked in exchange for a holiday (调休)."),
    )

    class Meta:
        model = WorkCalendar
        fields = ["id", "name", "weekend_days", "holidays", "extra_workdays", "is_default",
                  "version"]
        read_only_fields = ["id", "is_default", "version"]

    def validate_weekend_days(self, value):
        days = sorted(set(value))
        if len(days) == 7:
            raise serializers.ValidationError(_("A calendar needs at least one working weekday."))
        return days

    def validate(self, attrs):
        stored = self.instance
        weekend = set(attrs.get(
            "weekend_days", stored.weekend_days if stored else default_weekend_days()
        ))
        extra = attrs.get(
            "extra_workdays",
            [date.fromisoformat(day) for day in stored.extra_workdays] if stored else [],
        )
        not_weekend = [day for day in extra if day.weekday() not in weekend]
        if not_weekend:
            raise serializers.ValidationError({"extra_workdays": [
                _("%(date)s is a working day already; make-up working days are weekend dates.")
                % {"date": day.isoformat()} for day in not_weekend
            ]})
        for name in ("holidays", "extra_workdays"):
            if name in attrs:
                attrs[name] = [day.isoformat() for day in sorted(set(attrs[name]))]
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        calendar = WorkCalendar(**validated_data)
        calendar.full_clean()
        calendar.save()
        return calendar
