"""Forms of the API keys pages."""

from __future__ import annotations

from typing import Any

from django import forms

from crm.services.api_key_input import MAX_NAME_LENGTH, NAME_REQUIRED, ApiKeyValidationError, api_key_values
from crm.services.api_keys import LIFETIME_CHOICES

NEVER = "never"
ACCESS_CHOICES = [
    ("full", "Full access"),
    ("read_only", "Read only"),
]


def _lifetime_value(days: int | None) -> str:
    return NEVER if days is None else str(days)


LIFETIME_FORM_CHOICES = [(_lifetime_value(days), label) for label, days in LIFETIME_CHOICES.items()]


# The declaration's own words for what the browser-side field checks first.
NAME_ERRORS = {"required": NAME_REQUIRED, "max_length": f"Use at most {MAX_NAME_LENGTH} characters."}


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        max_length=MAX_NAME_LENGTH,
        error_messages=NAME_ERRORS,
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

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if {"name", "expiration", "access"} <= cleaned.keys():
            _validate(self, {"name": cleaned["name"], "lifetimeDays": self.lifetime_days, "readOnly": self.read_only})
        return cleaned

    @property
    def lifetime_days(self) -> int | None:
        value = self.cleaned_data["expiration"]
        return None if value == NEVER else int(value)

    @property
    def read_only(self) -> bool:
        return self.cleaned_data["access"] == "read_only"


class ApiKeyRenameForm(forms.Form):
    name = forms.CharField(
        max_length=MAX_NAME_LENGTH, error_messages=NAME_ERRORS, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "name" in cleaned:
            _validate(self, {"name": cleaned["name"]}, partial=True)
        return cleaned


# The form field that shows each input field's errors.
FORM_FIELDS = {"name": "name", "lifetimeDays": "expiration", "readOnly": "access", "": None}


def _validate(form: forms.Form, data: dict[str, Any], *, partial: bool = False) -> None:
    """The key's own rules (crm.services.api_key_input), their errors on the form's fields."""
    try:
        values = api_key_values(data, partial=partial)
    except ApiKeyValidationError as error:
        for name, messages in error.errors.items():
            for message in messages:
                form.add_error(FORM_FIELDS.get(name), message)
        return
    form.cleaned_data["name"] = values["name"]


def lifetime_label(days: int | None) -> str:
    """How a key's lifetime is offered in the form, e.g. "90 days", "Never"."""
    for label, value in LIFETIME_CHOICES.items():
        if value == days:
            return label
    return f"{days} days"
