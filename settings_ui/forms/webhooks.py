"""Forms of the webhook pages.

Events are chosen per object and action on a grid, or all at once; they are stored as
the operations the API uses ("*.*", "person.*", "person.created").
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django import forms

from webhooks.models.endpoint import ACTIONS
from webhooks.services.endpoints import MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH, WebhookValidationError

# The objects offered on the grid, in menu order.
EVENT_OBJECTS = (
    ("person", "People"),
    ("company", "Companies"),
    ("opportunity", "Opportunities"),
    ("note", "Notes"),
    ("task", "Tasks"),
    ("noteTarget", "Note targets"),
    ("taskTarget", "Task targets"),
)
ALL_EVENTS = "*.*"
EVENT_CHOICES = [
    *((f"{name}.*", f"All {label.lower()} events") for name, label in EVENT_OBJECTS),
    *((f"{name}.{action}", f"{name}.{action}") for name, _ in EVENT_OBJECTS for action in ACTIONS),
]
# The service's error keys (API names) to form fields.
SERVICE_FIELDS = {"targetUrl": "target_url", "operations": "events", "description": "description"}


@dataclass(frozen=True)
class EventBox:
    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class EventRow:
    label: str
    all: EventBox
    actions: list[EventBox]


def expand_operations(operations: list[str]) -> set[tuple[str, str]]:
    """Every (object, action) pair the operations cover, for the grid's objects."""
    pairs = set()
    for operation in operations:
        wanted_object, _, wanted_action = operation.partition(".")
        for name, _label in EVENT_OBJECTS:
            for action in ACTIONS:
                if wanted_object in ("*", name) and wanted_action in ("*", action):
                    pairs.add((name, action))
    return pairs


def compact_operations(pairs: set[tuple[str, str]]) -> list[str]:
    """The shortest operations for the chosen pairs: "*.*", then "person.*", then single events."""
    if len(pairs) == len(EVENT_OBJECTS) * len(ACTIONS):
        return [ALL_EVENTS]
    operations = []
    for name, _label in EVENT_OBJECTS:
        chosen = [action for action in ACTIONS if (name, action) in pairs]
        if len(chosen) == len(ACTIONS):
            operations.append(f"{name}.*")
        else:
            operations.extend(f"{name}.{action}" for action in chosen)
    return operations


class WebhookForm(forms.Form):
    target_url = forms.CharField(
        label="Endpoint URL",
        max_length=MAX_URL_LENGTH,
        help_text="We POST a signed JSON body to this URL for every event you choose.",
        widget=forms.URLInput(
            attrs={"placeholder": "https://example.com/webhooks/crm", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    description = forms.CharField(
        required=False,
        max_length=MAX_DESCRIPTION_LENGTH,
        help_text="What receives these events, so your team knows what breaks if it is removed.",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Sync new deals to the billing service"}),
    )
    all_events = forms.BooleanField(
        required=False,
        label="All events",
        help_text="Every change to every object, including objects and actions added later.",
    )
    events = forms.MultipleChoiceField(required=False, choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple)

    @classmethod
    def for_endpoint(cls, operations: list[str], **kwargs: object) -> WebhookForm:
        """An unbound form showing an endpoint's operations on the grid."""
        if ALL_EVENTS in operations:
            return cls(initial={"all_events": True, "events": []}, **kwargs)
        pairs = expand_operations(operations)
        events = [f"{name}.{action}" for name, action in sorted(pairs)]
        events += [f"{name}.*" for name, _ in EVENT_OBJECTS if all((name, a) in pairs for a in ACTIONS)]
        return cls(initial={"all_events": False, "events": events}, **kwargs)

    def clean_target_url(self) -> str:
        url = self.cleaned_data["target_url"].strip()
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise forms.ValidationError("Enter a full http:// or https:// URL, such as https://example.com/webhooks.")
        return url

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("all_events") and not cleaned.get("events") and "events" not in self.errors:
            self.add_error("events", "Choose at least one event, or all events.")
        return cleaned

    @property
    def operations(self) -> list[str]:
        if self.cleaned_data.get("all_events"):
            return [ALL_EVENTS]
        return compact_operations(expand_operations(self.cleaned_data.get("events") or []))

    def add_service_errors(self, error: WebhookValidationError) -> None:
        """Show the service's validation errors on the matching fields."""
        for key, messages in error.errors.items():
            field = SERVICE_FIELDS.get(key)
            for message in messages:
                self.add_error(field, message)

    def event_rows(self) -> list[EventRow]:
        selected = set(self["events"].value() or [])
        return [
            EventRow(
                label,
                EventBox(f"{name}.*", f"All {label.lower()} events", f"{name}.*" in selected),
                [
                    EventBox(f"{name}.{action}", f"{label}: {action}", f"{name}.{action}" in selected)
                    for action in ACTIONS
                ],
            )
            for name, label in EVENT_OBJECTS
        ]

    @property
    def actions(self) -> tuple[str, ...]:
        return ACTIONS


class DeliveryFilterForm(forms.Form):
    """The delivery log's filters (a GET form)."""

    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any status"),
            ("succeeded", "Succeeded"),
            ("failed", "Failed"),
            ("pending", "Pending"),
            ("delivering", "Delivering"),
        ],
    )
    event = forms.ChoiceField(required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        groups: list = [("", "Any event"), ("webhook.test", "webhook.test")]
        for name, label in EVENT_OBJECTS:
            groups.append(
                (
                    label,
                    [(f"{name}.*", f"All {label.lower()} events")]
                    + [(f"{name}.{action}", f"{name}.{action}") for action in ACTIONS],
                )
            )
        groups.append(("By action", [(f"*.{action}", f"Any object {action}") for action in ACTIONS]))
        self.fields["event"].choices = groups

    def value(self, name: str) -> str | None:
        if not self.is_valid():
            return None
        return self.cleaned_data.get(name) or None
