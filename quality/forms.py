"""Forms of the client-feedback pages (P2.3b, P5.1b); the services do the writes."""
from django import forms
from django.utils.translation import gettext_lazy as _

from projects.forms_changes import VersionedForm

from .models import ClientFeedback


class AssignForm(VersionedForm):
    """Hand the feedback to someone on the project team (the pm or customer service)."""

    comment = forms.CharField(
        label=_("Note to the assignee"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.users = {str(m.user_id): m.user for m in members}
        choices = [("", "---------")]
        for m in members:
            role = m.get_team_display() if m.team else m.get_role_display()
            choices.append((str(m.user_id), f"{m.user} · {role}"))
        self.fields["assignee"] = forms.ChoiceField(label=_("Assign to"), choices=choices)
        self.style_fields()
        self.order_fields(["assignee", "comment", "version"])
        instance = kwargs.get("instance")
        if not self.is_bound and instance is not None and instance.assignee_id:
            self.initial["assignee"] = str(instance.assignee_id)

    def clean_assignee(self):
        return self.users.get(self.cleaned_data["assignee"])


class AnswerForm(VersionedForm):
    answer = forms.CharField(
        label=_("Answer to the client"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The result of the investigation; the client reads it in the portal and "
                    "confirms it or reopens the feedback."),
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        if instance is not None and not self.is_bound and instance.answer:
            self.initial["answer"] = instance.answer


class FeedbackNotesForm(VersionedForm):
    internal_notes = forms.CharField(
        label=_("Internal notes"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=ClientFeedback._meta.get_field("internal_notes").help_text,
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        if instance is not None and not self.is_bound:
            self.initial["internal_notes"] = instance.internal_notes
