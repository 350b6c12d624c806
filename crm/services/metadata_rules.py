"""What every change to the data model shares: how names, labels and flags are checked,
how problems are collected by key, how an object is found, and the version bump that
makes the change visible.

Custom fields (crm.services.fields), relations (crm.services.relation_fields) and
custom objects (crm.services.objects) all validate their input with these helpers, so
a name is judged the same way wherever it is given.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.db.models import F

from crm.metadata.camel_case import not_camel_case
from crm.metadata.schema import get_workspace_schema
from crm.models import FieldMetadata, ObjectMetadata, Workspace
from crm.query.record_queries import UnknownObjectError
from crm.services.api_key_cache import keys_changed

NAME_RE = re.compile(r"^[a-z][a-zA-Z0-9]{0,62}$")
NAME_RULE = "must be a camelCase identifier: a lowercase letter, then letters and digits (max 63)"
# Field names with a meaning elsewhere in the APIs or in storage.
# "aggregate" names the aggregates of a group-by answer.
RESERVED_NAMES = frozenset(
    {"custom", "workspace", "workspaceId", "objectMetadata", "edges", "node", "cursor", "aggregate"}
)
# Names Twenty keeps from every object and field (its RESERVED_METADATA_NAME_KEYWORDS):
# a name it refuses is refused here too, in its words.
TWENTY_RESERVED_NAMES = frozenset(
    {
        *("approvedAccessDomain", "approvedAccessDomains", "appToken", "appTokens"),
        *("billingCustomer", "billingCustomers", "billingEntitlement", "billingEntitlements"),
        *("billingMeter", "billingMeters", "billingProduct", "billingProducts"),
        *("billingSubscription", "billingSubscriptions", "billingSubscriptionItem", "billingSubscriptionItems"),
        *("featureFlag", "featureFlags", "job", "jobs", "keyValuePair", "keyValuePairs"),
        *("pageLayout", "pageLayouts", "pageLayoutTab", "pageLayoutTabs", "pageLayoutWidget", "pageLayoutWidgets"),
        *("postgresCredential", "postgresCredentials", "twoFactorMethod", "twoFactorMethods"),
        *("user", "users", "userWorkspace", "userWorkspaces", "workspace", "workspaces"),
        *("role", "roles", "userWorkspaceRole", "userWorkspaceRoles"),
        *("plan", "plans", "event", "events", "field", "fields", "link", "links", "currency", "currencies"),
        *("fullNames", "address", "addresses", "type", "types", "object", "objects", "index"),
        *("relation", "relations", "aggregate"),
    }
)
MAX_LABEL = 63
MAX_DESCRIPTION = 1000

Errors = dict[str, list[str]]


def add_error(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def unknown_keys(data: dict[str, Any], allowed: frozenset[str], errors: Errors) -> None:
    for key in data:
        if key not in allowed:
            add_error(errors, str(key)[:60], f"unknown property; expected {', '.join(sorted(allowed))}")


def clean_text(
    data: dict[str, Any], key: str, errors: Errors, *, required: bool = False, max_length: int
) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            add_error(errors, key, "required")
        return None
    if not isinstance(value, str):
        add_error(errors, key, "must be a string")
        return None
    value = value.strip()
    if required and not value:
        add_error(errors, key, "must not be blank")
    if len(value) > max_length:
        add_error(errors, key, f"is too long (at most {max_length} characters)")
    if "\x00" in value:
        add_error(errors, key, "must not contain NUL characters")
    return value


def clean_boolean(data: dict[str, Any], key: str, errors: Errors, *, default: bool) -> bool:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        add_error(errors, key, "must be true or false")
        return default
    return value


def apply_description_and_icon(target: ObjectMetadata | FieldMetadata, data: dict[str, Any], errors: Errors) -> None:
    """Set the ``description`` and ``icon`` of an object or a field, where ``data`` changes them."""
    if "description" in data:
        target.description = clean_text(data, "description", errors, max_length=MAX_DESCRIPTION) or ""
    if "icon" in data:
        target.icon = clean_text(data, "icon", errors, max_length=63) or ""


def get_object_metadata(workspace: Workspace, ref: Any) -> ObjectMetadata:
    """An object by id, singular or plural name (active or not)."""
    if not isinstance(ref, str) or not ref:
        raise UnknownObjectError("Unknown object")
    if "\x00" in ref:
        raise UnknownObjectError("Unknown object: a name or id holds no NUL characters")
    queryset = ObjectMetadata.objects.filter(workspace=workspace)
    try:
        found = queryset.filter(id=uuid.UUID(ref)).first()
    except ValueError:
        found = queryset.filter(name_singular=ref).first() or queryset.filter(name_plural=ref).first()
    if found is None:
        raise UnknownObjectError(f"Unknown object '{ref[:60]}'")
    return found


def check_field_name(
    workspace: Workspace, obj: ObjectMetadata, name: Any, errors: Errors, *, key: str = "name"
) -> None:
    """``name`` is a free field name on ``obj``; problems are added under ``key``."""
    if problem := name_problem(name):
        add_error(errors, key, problem)
        return
    if name in TWENTY_RESERVED_NAMES:
        add_error(errors, key, not_available(name))
        return
    compiled = get_workspace_schema(workspace).by_singular(obj.name_singular)
    taken = name in RESERVED_NAMES or (compiled is not None and name in compiled.fields)
    if taken or FieldMetadata.objects.filter(object=obj, name=name).exists():
        add_error(errors, key, f"'{name}' is already used on {obj.name_singular}")


def name_problem(name: Any) -> str | None:
    """Why ``name`` cannot be an API name, or None. As in Twenty, a name lodash would
    spell otherwise (``MyField``, ``my_field``, ``1field``) is told to be camelCase."""
    if not isinstance(name, str):
        return NAME_RULE
    # Only ASCII is spelled as lodash would: other letters are refused by NAME_RE.
    if name.isascii() and (refusal := not_camel_case(name)):
        return refusal
    return None if NAME_RE.match(name) else NAME_RULE


def not_available(name: str) -> str:
    """Twenty's refusal of a reserved name."""
    return f'The name "{name}" is not available'


def bump_metadata_version(workspace: Workspace) -> None:
    """Every process compares the version it compiled with the one on the workspace row,
    read with each request: after this commits, every process rebuilds its schemas."""
    Workspace.objects.filter(pk=workspace.pk).update(metadata_version=F("metadata_version") + 1)
    workspace.refresh_from_db(fields=["metadata_version"])
    keys_changed()  # processes keep each key's workspace, with its version (crm.services.api_key_cache)
