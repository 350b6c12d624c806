"""Forms of the API keys pages."""

from __future__ import annotations

from django import forms

from crm.services.api_keys import LIFETIME_CHOICES

NEVER = "never"
ACCESS_CHOICES = [
    ("full", "Full access"),
    ("read_only", "Read only"),
]


def _lifetime_value(days: int | None) -> str:
    return NEVER if days is None else str(days)


LIFETIME_FORM_CHOICES = [(_lifetime_value(days), label) for label, days in LIFETIME_CHOICES.items()]


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="Say what uses it, e.g. “Zapier” or “Nightly sync”.",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "placeholder": "Zapier"}),
    )
    expiration = forms.ChoiceField(
        choices=LIFETIME_FORM_CHOICES,
        initial="90",
        help_text="After this the key stops working; regenerate it to get a new one with the same settings.",
    )
    access = forms.ChoiceField(
        choices=ACCESS_CHOICES,
        initial="full",
        widget=forms.RadioSelect,
        help_text="Read-only keys can list and read records but not create, change or delete them.",
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the key a name.")
        return name

    @property
    def lifetime_days(self) -> int | None:
        value = self.cleaned_data["expiration"]
        return None if value == NEVER else int(value)

    @property
    def read_only(self) -> bool:
        return self.cleaned_data["access"] == "read_only"


class ApiKeyRenameForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the key a name.")
        return name


def lifetime_label(days: int | None) -> str:
    """How a key's lifetime is offered in the form, e.g. "90 days", "Never"."""
    for label, value in LIFETIME_CHOICES.items():
        if value == days:
            return label
    return f"{days} days"
