"""What a change to a picklist's options does to the values records hold, as in Twenty.

Options are matched by ``id``, then by value: an option that keeps its id under a new
value is renamed, and every record holding the old value takes the new one; an option
that is gone is removed from the records (a SELECT record is left empty, a MULTI_SELECT
record keeps its other values). The field's own default follows the same way, unless
the change sets a new one.
"""

from __future__ import annotations

from typing import Any

from crm.models import FieldMetadata, Workspace
from crm.services.stored_custom_values import rewrite_custom_values

# An old value -> its new value, or None where its option was removed.
ValueChanges = dict[str, str | None]


def value_changes(old_options: list[dict[str, Any]] | None, new_options: list[dict[str, Any]]) -> ValueChanges:
    """The values that change or go when ``old_options`` become ``new_options``."""
    new_value_by_id = {option["id"]: option["value"] for option in new_options}
    new_values = {option["value"] for option in new_options}
    changes: ValueChanges = {}
    for option in old_options or []:
        old = option["value"]
        new = new_value_by_id.get(option.get("id"))
        if new is None and old in new_values:
            new = old  # sent again without its id
        if new != old:
            changes[old] = new
    return changes


def changed_value(field_type: str, value: Any, changes: ValueChanges) -> Any:
    """A SELECT or MULTI_SELECT value after ``changes``; None when nothing is left."""
    if field_type == "MULTI_SELECT" and isinstance(value, list):
        kept = [changes.get(item, item) for item in value]
        return list(dict.fromkeys(item for item in kept if item is not None)) or None
    if isinstance(value, str):
        return changes.get(value, value)
    return value


def apply_to_records(workspace: Workspace, field: FieldMetadata, changes: ValueChanges) -> None:
    """Rewrite the field's value in every record of its object that holds a changed value."""
    if not changes:
        return

    def rewrite(custom: dict[str, Any]) -> bool:
        old = custom[field.name]
        value = changed_value(field.type, old, changes)
        if value is None:
            del custom[field.name]  # an empty custom value is a missing key
        else:
            custom[field.name] = value
        return value != old

    rewrite_custom_values(workspace, field.object, field.name, rewrite)
