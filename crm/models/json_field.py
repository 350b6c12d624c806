"""A JSONField read, and written to PostgreSQL, with orjson."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from django.db import models
from django.db.backends.postgresql.psycopg_any import Jsonb

# orjson reads an integer beyond 64 bits as a float, losing digits; any run of 19 digits
# (an integer that may not fit, or a long fraction) is left to the standard library.
_LONG_DIGITS = re.compile(r"\d{19}")
# Types orjson would write but the standard library refuses: left to refuse as before.
_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def _dumps(value: Any) -> bytes | str:
    """orjson's JSON where it writes what the standard library would (an integer beyond
    64 bits, a non-string key or any other type it refuses goes to the standard library)."""
    try:
        return orjson.dumps(value, option=_PASSTHROUGH)
    except orjson.JSONEncodeError:
        return json.dumps(value)


class OrjsonJSONField(models.JSONField):
    """Django's JSONField, with values read by orjson instead of the standard library.

    A page of records carries hundreds of JSON values (emails, phones, links and custom
    fields of every row and of the records embedded in it), and parsing them was a large
    part of turning rows into API responses. What orjson would read differently (an
    integer beyond 64 bits, which PostgreSQL's jsonb keeps exactly) or refuses goes to
    Django's own reading, so every value reads as it did before.
    """

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        # Migrations see Django's JSONField: reading is no concern of the schema.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        # A dict or a list goes straight to get_db_prep_value: Django's checks on the way
        # are for None and SQL expressions (about 40 calls per create).
        if type(value) in (dict, list):
            return self.get_db_prep_value(value, connection, prepared=True)
        return super().get_db_prep_save(value, connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        # Every create writes several JSON values (the record's and its event's), and the
        # standard library's encoder was a visible part of it.
        if connection.vendor != "postgresql" or self.encoder is not None:
            return super().get_db_prep_value(value, connection, prepared)
        return Jsonb(value if prepared else self.get_prep_value(value), dumps=_dumps)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # None, a custom decoder, or a value some backend already turned into a number.
        if not isinstance(value, str) or self.decoder is not None or _LONG_DIGITS.search(value):
            return super().from_db_value(value, expression, connection)
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return super().from_db_value(value, expression, connection)
