"""Task page forms: a row of the planning table, a new task, a baseline, a progress report,
an uploaded progress sheet. Services do the writes."""
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from accounts.forms import BootstrapFormMixin
from projects.forms import DATE_WIDGET, UserChoiceField

from .models import Baseline, Task
from .progress import MAX_TEXT
from .services import MAX_WORKING_DAYS

# Service error keys → the field of the row form that shows them.
SERVICE_FIELDS = {
    "name": "name",
    "owner": "owner",
    "duration_days": "duration_days",
    "start_no_earlier_than": "start",
    "planned_start": "start",
    "planned_end": "finish",
    "predecessors": "predecessors",
    "predecessor": "predecessors",
    "successor": "predecessors",
    "type": "predecessors",
    "lag_days": "predecessors",
}


def add_service_errors(form, error):
    """Put a service's ValidationError beside the fields it names, or above the row."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        name = SERVICE_FIELDS.get(key)
        form.add_error(name if name in form.fields and key != NON_FIELD_ERRORS else None,
                       messages)


def _duration_field(**kwargs):
    return forms.IntegerField(
        label=_("Duration"), min_value=0, max_value=MAX_WORKING_DAYS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}), **kwargs,
    )


def _predecessors_field():
    return forms.CharField(
        label=_("Predecessors"), required=False, max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "3FS+2, 5SS", "autocomplete": "off",
                                      "spellcheck": "false"}),
        help_text=_("Row IDs, optionally with a type (FS, SS, FF, SF) and a lag: 3, 5SS+2."),
    )


class TaskRowForm(BootstrapFormMixin, forms.Form):
    """One row of the planning table as the project manager edits it in place.

    Start is the scheduled start shown in the row: changing it pins the task to start no
    earlier than that date, clearing it removes the pin. Changing the finish sets start and
    finish together (the duration follows). Summary rows take their dates from their children,
    so only their name and owner are edited here.
    """

    name = forms.CharField(label=_("Name"), max_length=Task._meta.get_field("name").max_length)
    duration_days = _duration_field(required=False)
    start = forms.DateField(label=_("Start"), required=False, widget=DATE_WIDGET)
    finish = forms.DateField(label=_("Finish"), required=False, widget=DATE_WIDGET)
    predecessors = _predecessors_field()
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, task, users, predecessors="", **kwargs):
        self.task = task
        initial = {
            "name": task.name, "duration_days": task.duration_days,
            "start": task.planned_start, "finish": task.planned_end,
            "predecessors": predecessors, "owner": task.owner_id, "version": task.version,
        }
        # Ids unique on a page that also holds the add and baseline forms.
        kwargs.setdefault("auto_id", f"row{task.pk}_%s")
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["owner"] = UserChoiceField(users=users, label=_("Owner"), required=False)
        self.style_fields()
        self.order_fields(["name", "duration_days", "start", "finish", "predecessors", "owner"])
        if task.is_summary:
            for name in ("duration_days", "start", "finish", "predecessors"):
                self.fields[name].disabled = True
        # Every input lives in its own table cell and joins the row's form by its id.
        for field in self.fields.values():
            field.widget.attrs["form"] = self.form_id
            field.widget.attrs["aria-label"] = field.label
            # No room for help text in a table cell: it becomes the field's tooltip.
            if field.help_text:
                field.widget.attrs["title"] = field.help_text
                field.help_text = ""

    @property
    def form_id(self):
        return f"row-form-{self.task.pk}"

    def clean(self):
        cleaned = super().clean()
        task = self.task
        if task.is_summary:
            return cleaned
        start, finish = cleaned.get("start"), cleaned.get("finish")
        if cleaned.get("duration_days") is None and "duration_days" not in self.errors:
            self.add_error("duration_days", _("Enter the duration in working days (0 for a "
                                              "milestone)."))
        # An unchanged finish follows the start and the duration; a new one is checked.
        if not finish or finish == task.planned_end:
            return cleaned
        if finish < (start or task.planned_start or finish):
            self.add_error("finish", _("The finish cannot be before the start."))
        elif cleaned.get("duration_days") not in (None, task.duration_days):
            self.add_error("finish", _("Change the duration or the finish, not both."))
        return cleaned

    def changes(self):
        """The task fields this form changes, as update_task takes them."""
        data, task = self.cleaned_data, self.task
        fields = {}
        if data["name"] != task.name:
            fields["name"] = data["name"]
        owner = data["owner"]
        if (owner.pk if owner else None) != task.owner_id:
            fields["owner"] = owner
        if task.is_summary:
            return fields
        start, finish = data["start"], data["finish"]
        if finish and finish != task.planned_end:
            fields["planned_start"] = start or task.planned_start
            fields["planned_end"] = finish
            return fields
        if data["duration_days"] != task.duration_days:
            fields["duration_days"] = data["duration_days"]
        if start != task.planned_start and (start or task.start_no_earlier_than):
            fields["start_no_earlier_than"] = start
        return fields


class AddTaskForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=Task._meta.get_field("name").max_length)
    duration_days = _duration_field(initial=1, help_text=_("Working days; 0 makes a milestone."))
    parent_row = forms.IntegerField(
        label=_("Under row"), required=False, min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("The ID of the summary row to put it under; empty for the top level."),
    )
    predecessors = _predecessors_field()

    def __init__(self, *args, users, **kwargs):
        kwargs.setdefault("auto_id", "add_%s")
        super().__init__(*args, **kwargs)
        self.fields["owner"] = UserChoiceField(users=users, label=_("Owner"), required=False)
        self.style_fields()
        self.fields["name"].widget.attrs["placeholder"] = _("e.g. Site survey")


class BaselineForm(BootstrapFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "baseline_%s")
        super().__init__(*args, **kwargs)

    name = forms.CharField(
        label=_("Baseline name"), required=False,
        max_length=Baseline._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Plan approved")}),
    )


# --- Progress (P3.2a, P3.2b) ------------------------------------------------------------------

def plain_number(value):
    """A decimal as a person types it: 50, 12.5; empty for None."""
    if value is None:
        return ""
    return f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)


class ProgressForm(BootstrapFormMixin, forms.Form):
    """A quick progress report on one task: % complete, hours, a note, problems met."""

    percent_complete = forms.DecimalField(
        label=_("% complete"), min_value=0, max_value=100, decimal_places=2, max_digits=5,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )
    hours = forms.DecimalField(
        label=_("Hours"), required=False, min_value=0, decimal_places=2, max_digits=7,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )
    note = forms.CharField(label=_("Progress note"), required=False, max_length=MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": 2}))
    problems = forms.CharField(
        label=_("Problems"), required=False, max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Problems met flag the task for the project manager until solved."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    # The buttons beside % complete that fill it in and save at once.
    QUICK = ("25", "50", "75", "100")

    def __init__(self, data=None, *, task, **kwargs):
        kwargs.setdefault("auto_id", f"progress{task.pk}_%s")
        kwargs.setdefault("initial", {
            "percent_complete": plain_number(task.percent_complete), "version": task.version,
        })
        self.task = task
        super().__init__(data, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs["class"] += " form-control-sm"

    def add_service_errors(self, error):
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for key, messages in error.message_dict.items():
            self.add_error(key if key in self.fields else None, messages)


class SheetUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
        help_text=_("The progress tracking sheet downloaded for this week, filled in."),
    )
