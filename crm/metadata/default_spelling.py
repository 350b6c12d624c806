"""Field default values as Twenty spells them.

Twenty writes a field's ``defaultValue`` as the SQL literal it becomes: text in single
quotes (``"'OPTION_1'"``, ``{"currencyCode": "'USD'"}``, ``["'A'", "'B'"]``), numbers,
booleans and JSON as they are, and the functions ``now`` and ``uuid`` bare. Its front
end sends defaults that way and its tests read them back so. Here a default is stored
as the value a new record gets; it is unquoted when a field is written (a default sent
without quotes, as this API has always taken them, is kept as sent) and quoted when a
field is read.
"""

from __future__ import annotations

from typing import Any

# Sub-fields whose numbers Twenty keeps as text (a currency's micros, a NUMERIC column),
# and so quotes.
NUMBERS_AS_TEXT = frozenset({"amountMicros"})
# Defaults computed for each new record rather than copied into it.
FUNCTIONS = {"DATE_TIME": frozenset({"now"}), "DATE": frozenset({"now"}), "UUID": frozenset({"uuid"})}


def unquoted(value: Any) -> Any:
    """A default as sent, with Twenty's quotes taken off its text: at the top, in a list
    of option values, and in a composite value's sub-fields."""
    if isinstance(value, list):
        return [_unquoted_text(item) for item in value]
    if isinstance(value, dict):
        return {key: _unquoted_text(sub) for key, sub in value.items()}
    return _unquoted_text(value)


def quoted(field_type: str, value: Any) -> Any:
    """A stored default in Twenty's spelling."""
    if is_function(field_type, value):
        return value
    if isinstance(value, list):
        return [_quoted_text(item) for item in value]
    if isinstance(value, dict):
        return {
            key: _quoted_text(f"{sub}" if key in NUMBERS_AS_TEXT and sub is not None else sub)
            for key, sub in value.items()
        }
    return _quoted_text(value)


def is_function(field_type: str, value: Any) -> bool:
    """Whether ``value`` names a default computed for each record (``now``, ``uuid``)."""
    return isinstance(value, str) and value in FUNCTIONS.get(field_type, ())


def _unquoted_text(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    return value


def _quoted_text(value: Any) -> Any:
    return f"'{value}'" if isinstance(value, str) else value
