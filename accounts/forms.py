"""Account forms, and the Bootstrap styling every page form shares."""
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from .models import User


class BootstrapBoundField(forms.BoundField):
    """Mark a field with errors `is-invalid` so Bootstrap shows its message beside it."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.errors and not isinstance(widget, forms.CheckboxSelectMultiple):
            attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        return attrs


def widget_css(widget):
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


class BootstrapFormMixin:
    """Give every widget the Bootstrap class it needs."""

    bound_field_class = BootstrapBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()

    def style_fields(self):
        for form_field in self.fields.values():
            widget = form_field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            css = widget_css(widget)
            classes = widget.attrs.get("class", "").split()
            if css not in classes:
                widget.attrs["class"] = " ".join([*classes, css])


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    pass


class JinduPasswordChangeForm(BootstrapFormMixin, PasswordChangeForm):
    pass


class ProfileForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "email", "language"]
