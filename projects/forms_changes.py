"""Forms of the change-request pages (P4.3b); they validate input, the services do the writes."""
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.forms import BootstrapFormMixin

from .attachments import accept_attribute, allowed_extensions, validate_uploads
from .models import ChangeRequest


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one `<input type=file multiple>`, checked like any attachment (type,
    size, content, count) so that every problem shows beside the field."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": accept_attribute(), "class": "form-control"})

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        try:
            validate_uploads(files, field="attachments")
        except ValidationError as error:
            raise ValidationError(error.message_dict["attachments"]) from None
        return files


def _limits(help_text):
    limits = {
        "count": settings.ATTACHMENT_MAX_FILES,
        "size": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
        "types": ", ".join(allowed_extensions()),
    }
    if not help_text:
        return _("Up to %(count)s files of at most %(size)s each (%(types)s).") % limits
    return _("%(help)s Up to %(count)s files of at most %(size)s each (%(types)s).") % {
        "help": help_text, **limits}


def attachments_field(help_text=None):
    """The optional attachments field of every form that takes files; its help text states
    the limits in force (read when shown, so settings changes apply)."""
    return MultipleFileField(label=_("Attachments"), help_text=lazy(_limits, str)(help_text))


class VersionedForm(BootstrapFormMixin, forms.Form):
    """A form acting on one object: its version travels along to catch concurrent changes."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        if instance is not None and not self.is_bound:
            self.initial["version"] = instance.version


class ChangeRequestForm(BootstrapFormMixin, forms.Form):
    """The pm files a change on the client's behalf: what, why, and supporting documents."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description of the change"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What should be different: scope, deliverables, dates."),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the client needs the change."),
    )
    attachments = attachments_field(
        _("Documents, drawings or screenshots that explain the request.")
    )

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in ("title", "description", "reason",
                                                            "attachments")}


class AssessForm(VersionedForm):
    """影响评估: the pm's impact assessment on schedule, cost and quality."""

    schedule_impact_days = forms.IntegerField(
        label=_("Schedule impact (working days)"),
        min_value=-9999, max_value=9999,
        help_text=ChangeRequest._meta.get_field("schedule_impact_days").help_text,
    )
    cost_impact = forms.DecimalField(
        label=_("Cost impact (¥)"),
        max_digits=14, decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        help_text=ChangeRequest._meta.get_field("cost_impact").help_text,
    )
    quality_impact = forms.CharField(
        label=_("Quality impact"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to the client in the request's history."),
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        if instance is not None and not self.is_bound:
            for name in ("schedule_impact_days", "cost_impact", "quality_impact"):
                value = getattr(instance, name)
                if value not in (None, ""):
                    self.initial[name] = value


class ChangeDecisionForm(VersionedForm):
    comment = forms.CharField(
        label=_("Reasons for the decision"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional when approving; required when rejecting. The client reads them."),
    )


class TaskMultipleChoiceField(forms.MultipleChoiceField):
    """Tasks of the project loaded once, so a long plan renders without a query per task."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, tasks=(), **kwargs):
        self.tasks = {str(t.pk): t for t in tasks}
        choices = [(str(t.pk), f"{t.wbs} {t.name}".strip()) for t in tasks]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value):
        return [self.tasks[str(v)] for v in super().clean(value)]


class ImplementForm(VersionedForm):
    """The pm has changed the plan: which tasks the change touched; a new baseline follows."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was changed in the plan; shown to the client."),
    )

    def __init__(self, *args, tasks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["changed_tasks"] = TaskMultipleChoiceField(
            tasks=tasks, required=False, label=_("Tasks changed"),
            help_text=_("The tasks of the plan this change added or moved."),
        )
        self.style_fields()
        self.order_fields(["changed_tasks", "comment", "version"])


class ChangeNotesForm(VersionedForm):
    internal_notes = forms.CharField(
        label=_("Internal notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Never shown to the client."),
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        if instance is not None and not self.is_bound:
            self.initial["internal_notes"] = instance.internal_notes
