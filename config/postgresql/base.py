"""Django's PostgreSQL backend, for parameters bound by the server (config/settings.py
turns that on, so PostgreSQL prepares the API's statements once per connection).

PostgreSQL takes at most 65,535 parameters in a statement it binds. Django's backend
assumes no limit, as its default, client-side binding writes the values into the SQL
text: deleting a workspace or an object with more records than that asks for their
related rows, or empties their references, with one ``IN`` list of every id, and
PostgreSQL refuses the statement. Such a statement is bound here as Django's default
binds every one, its values written into the SQL, and the rest keep the server's binding.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base
from psycopg import ClientCursor

# The most parameters PostgreSQL's protocol carries in one statement (a 16-bit count).
MAX_PARAMETERS = 2**16 - 1


class ServerBindingCursor(base.ServerBindingCursor):
    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        if params is not None and len(params) > MAX_PARAMETERS:
            query, params = ClientCursor(self.connection).mogrify(query, params), None
        return super().execute(query, params, **options)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if params.get("cursor_factory") is base.ServerBindingCursor:
            params["cursor_factory"] = ServerBindingCursor
        return params
