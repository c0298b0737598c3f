"""Page forms for initiation, team and meetings; they validate input, services do the writes."""
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from accounts.forms import BootstrapFormMixin
from accounts.models import Organization, User
from tasks.models import WorkCalendar

from .models import InitiationRequest, Meeting, Membership

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UserChoiceField(forms.ChoiceField):
    """A user among a list already loaded, so rendering many of them costs no query."""

    def __init__(self, *, users=(), **kwargs):
        self.users = {str(u.pk): u for u in users}
        choices = [("", "---------"), *((str(u.pk), str(u)) for u in users)]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.users.get(str(value)) if value else None


class UserMultipleChoiceField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, users=(), **kwargs):
        self.users = {str(u.pk): u for u in users}
        super().__init__(choices=[(str(u.pk), str(u)) for u in users], **kwargs)

    def clean(self, value):
        return [self.users[str(v)] for v in super().clean(value)]

    def prepare_value(self, value):
        return [str(getattr(v, "pk", v)) for v in value or ()]


def add_service_errors(form, error):
    """Show a service's ValidationError beside the fields it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            target = name if name in form.fields else None
            if name == NON_FIELD_ERRORS:
                target = None
            form.add_error(target, messages)
    else:
        form.add_error(None, error.messages)


def _check_dates(form, cleaned):
    start, end = cleaned.get("planned_start"), cleaned.get("planned_end")
    if start and end and end < start:
        form.add_error("planned_end", _("The planned end cannot be before the planned start."))


class InitiationForm(BootstrapFormMixin, forms.ModelForm):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = InitiationRequest
        fields = [
            "title", "background", "goals", "scope", "expected_benefits", "proposed_pm",
            "planned_start", "planned_end", "budget", "client_organization", "calendar",
        ]
        widgets = {
            "background": forms.Textarea(attrs={"rows": 3}),
            "goals": forms.Textarea(attrs={"rows": 3}),
            "scope": forms.Textarea(attrs={"rows": 3}),
            "expected_benefits": forms.Textarea(attrs={"rows": 3}),
            "planned_start": DATE_WIDGET,
            "planned_end": DATE_WIDGET,
            "budget": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposed_pm"].queryset = User.objects.filter(is_active=True).exclude(
            system_role=User.SystemRole.CLIENT
        ).order_by("display_name", "username")
        self.fields["client_organization"].queryset = Organization.objects.filter(is_active=True)
        self.fields["calendar"].queryset = WorkCalendar.objects.all()
        self.fields["budget"].validators.append(MinValueValidator(0))
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def clean(self):
        cleaned = super().clean()
        _check_dates(self, cleaned)
        return cleaned

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class DecisionForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional when approving; required when rejecting or returning."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class MemberForm(BootstrapFormMixin, forms.ModelForm):
    """Add someone to the team (pm only); the client-member rule is checked by the service."""

    class Meta:
        model = Membership
        fields = ["user", "role", "team", "duties"]
        widgets = {"duties": forms.Textarea(attrs={"rows": 1})}

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, instance=Membership(project=project), **kwargs)
        from accounts.selectors import assignable_users

        self.fields["user"].queryset = (
            assignable_users(project=project)
            .exclude(memberships__project=project).order_by("display_name", "username")
        )
        self.fields["user"].help_text = _(
            "Client users join only with the Client role, and only users of the project's "
            "client organisation."
        )


class MemberEditForm(BootstrapFormMixin, forms.ModelForm):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Membership
        fields = ["role", "team", "duties"]
        widgets = {"duties": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version


class MeetingForm(BootstrapFormMixin, forms.ModelForm):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Meeting
        fields = ["kind", "title", "held_at", "location", "minutes", "decisions"]
        widgets = {
            "held_at": forms.DateTimeInput(attrs={"type": "datetime-local"},
                                           format="%Y-%m-%dT%H:%M"),
            "minutes": forms.Textarea(attrs={"rows": 5}),
            "decisions": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"] = UserMultipleChoiceField(
            users=users, required=False, label=_("Attendees"),
        )
        self.style_fields()
        if self.instance.pk and not self.is_bound:
            self.initial["attendees"] = [str(u.pk) for u in self.instance.attendees.all()]
            self.initial["version"] = self.instance.version

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ActionItemForm(BootstrapFormMixin, forms.Form):
    description = forms.CharField(label=_("Action"), max_length=300)
    due_date = forms.DateField(label=_("Due date"), widget=DATE_WIDGET)
    is_done = forms.BooleanField(label=_("Done"), required=False)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = UserChoiceField(users=users, label=_("Owner"))
        self.style_fields()
        self.order_fields(["description", "owner", "due_date", "is_done"])


class BaseActionItemFormSet(forms.BaseFormSet):
    def action_items(self):
        return [
            {name: form.cleaned_data[name] for name in ("description", "owner", "due_date",
                                                        "is_done")}
            for form in self.forms
            if form.has_changed() and form.cleaned_data
            and not form.cleaned_data.get("DELETE")
        ]


ActionItemFormSet = forms.formset_factory(
    ActionItemForm, formset=BaseActionItemFormSet, extra=1, can_delete=True
)


def action_item_initial(meeting):
    return [
        {"description": item.description, "owner": str(item.owner_id),
         "due_date": item.due_date, "is_done": item.is_done}
        for item in meeting.action_items.all()
    ]
