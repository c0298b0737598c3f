"""Portal forms: a change request (P4.3b), feedback (P4.3c) and the client's reply to an answer.

Forms check the input and the files (type, size, content) so that every problem shows beside
its field; the services check everything again and do the writes.
"""
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import BootstrapFormMixin
from projects.forms_changes import attachments_field
from quality.models import ClientFeedback


class AttachmentsMixin:
    """An optional `attachments` field accepting the allowed types (settings decide which)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = attachments_field(_("Optional."))


class ChangeRequestForm(AttachmentsMixin, BootstrapFormMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200,
        help_text=_("A short name for the change, e.g. “Add a second uplink to building B”."),
    )
    description = forms.CharField(
        label=_("What should change"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Describe the change as precisely as you can: what, where, by when."),
    )
    reason = forms.CharField(
        label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The business reason: it helps us weigh the change against its impact."),
    )


class FeedbackForm(AttachmentsMixin, BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ClientFeedback.Kind.choices,
                             initial=ClientFeedback.Kind.QUALITY_ISSUE)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you noticed, where and when; what you expect from us."),
    )


class ConfirmForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("What is still not resolved?"), widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Tell us what is still not resolved.")},
    )
