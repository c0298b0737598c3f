"""The e-mail preferences form: one choice per kind of notification."""
from django import forms

from .models import Delivery, Kind


class PreferencesForm(forms.Form):
    def __init__(self, *args, preferences, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=Delivery.choices, initial=preferences[kind],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )

    def choices(self):
        return {kind: self.cleaned_data[kind] for kind in Kind.values}
