"""Forms of the webhook pages.

Events are chosen per object and action on a grid, or all at once; they are stored as
the operations the API uses ("*.*", "person.*", "person.created"). What is typed is
judged by webhooks.inputs.WebhookInput, through the endpoint service, as API input is:
these fields only carry it there, and the service's errors are shown on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from crm.metadata.schema import get_workspace_schema
from crm.models import Workspace
from webhooks.inputs import MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH, WebhookValidationError
from webhooks.operations import ACTIONS, operation_matches

# The standard objects offered on the grid, in menu order; a workspace's custom objects follow.
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
EventObjects = tuple[tuple[str, str], ...]


def event_objects(workspace: Workspace) -> EventObjects:
    """(singular name, plural label) of the workspace's objects: the standard ones, then its custom objects."""
    custom = sorted(
        (obj.label_plural, obj.name_singular)
        for obj in get_workspace_schema(workspace).objects.values()
        if obj.is_custom
    )
    return EVENT_OBJECTS + tuple((name, label) for label, name in custom)


def event_choices(objects: EventObjects) -> list[tuple[str, str]]:
    return [
        *((f"{name}.*", f"All {label.lower()} events") for name, label in objects),
        *((f"{name}.{action}", f"{name}.{action}") for name, _ in objects for action in ACTIONS),
    ]


EVENT_CHOICES = event_choices(EVENT_OBJECTS)
# The service's error keys (API names) to form fields.
SERVICE_FIELDS = {"targetUrl": "target_url", "operations": "events", "description": "description"}


class TypedText(forms.CharField):
    """Text passed on as typed: WebhookInput says what is required, too long or refused,
    in the same words as to API clients. The browser still gets its hints."""

    def __init__(self, *, max_length: int, required: bool = False, **kwargs: Any) -> None:
        super().__init__(required=False, strip=False, **kwargs)
        self.validators = []  # no NUL or length check of Django's own, with other words
        self.widget.attrs["maxlength"] = str(max_length)
        if required:
            self.widget.attrs["required"] = True


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


def expand_operations(operations: list[str], objects: EventObjects = EVENT_OBJECTS) -> set[tuple[str, str]]:
    """Every (object, action) pair the operations cover, for the grid's objects."""
    pairs = set()
    for operation in operations:
        for name, _label in objects:
            for action in ACTIONS:
                if operation_matches(operation, name, action):
                    pairs.add((name, action))
    return pairs


def compact_operations(pairs: set[tuple[str, str]], objects: EventObjects = EVENT_OBJECTS) -> list[str]:
    """The shortest operations for the chosen pairs: "*.*", then "person.*", then single events."""
    if len(pairs) == len(objects) * len(ACTIONS):
        return [ALL_EVENTS]
    operations = []
    for name, _label in objects:
        chosen = [action for action in ACTIONS if (name, action) in pairs]
        if len(chosen) == len(ACTIONS):
            operations.append(f"{name}.*")
        else:
            operations.extend(f"{name}.{action}" for action in chosen)
    return operations


class WebhookForm(forms.Form):
    target_url = TypedText(
        label="Endpoint URL",
        max_length=MAX_URL_LENGTH,
        required=True,
        help_text="We POST a signed JSON body to this URL for every event you choose.",
        widget=forms.URLInput(
            attrs={"placeholder": "https://example.com/webhooks/crm", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    description = TypedText(
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

    def __init__(self, *args: object, objects: EventObjects = EVENT_OBJECTS, **kwargs: object) -> None:
        """``objects``: the rows of the grid (see ``event_objects``)."""
        super().__init__(*args, **kwargs)
        self.objects = objects
        self.fields["events"].choices = event_choices(objects)

    @classmethod
    def for_endpoint(
        cls, operations: list[str], objects: EventObjects = EVENT_OBJECTS, **kwargs: object
    ) -> WebhookForm:
        """An unbound form showing an endpoint's operations on the grid."""
        if ALL_EVENTS in operations:
            return cls(initial={"all_events": True, "events": []}, objects=objects, **kwargs)
        pairs = expand_operations(operations, objects)
        events = [f"{name}.{action}" for name, action in sorted(pairs)]
        events += [f"{name}.*" for name, _ in objects if all((name, a) in pairs for a in ACTIONS)]
        return cls(initial={"all_events": False, "events": events}, objects=objects, **kwargs)

    @property
    def operations(self) -> list[str]:
        if self.cleaned_data.get("all_events"):
            return [ALL_EVENTS]
        return compact_operations(expand_operations(self.cleaned_data.get("events") or [], self.objects), self.objects)

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
            for name, label in self.objects
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

    def __init__(self, *args: object, objects: EventObjects = EVENT_OBJECTS, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        groups: list = [("", "Any event"), ("webhook.test", "webhook.test")]
        for name, label in objects:
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
