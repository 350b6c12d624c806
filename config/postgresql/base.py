"""Django's PostgreSQL backend, for parameters bound by the server (config/settings.py
turns that on, so PostgreSQL prepares the API's statements once per connection), with
psycopg keeping the conversion of long statements too.

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
from psycopg import ClientCursor, _queries

# The most parameters PostgreSQL's protocol carries in one statement (a 16-bit count).
MAX_PARAMETERS = 2**16 - 1

# psycopg rewrites a statement's %s placeholders as PostgreSQL's $1, $2, ... before each
# execute, and keeps the rewrite only for statements of up to 4 KiB and 50 parameters.
# A REST page of people with their companies reads in one statement of about 7 KiB with
# 116 parameters, so it was rewritten on every request: 170 µs, a tenth of the request.
# With the server binding the values, a statement's text depends on its structure only
# and the same few come again and again, so larger ones are kept too: psycopg keeps 128
# at most, a few MB at these bounds. Batch inserts (thousands of parameters, a statement
# per batch size) still are not. tests/platform/test_postgresql_parameters.py checks
# that psycopg still reads these.
_queries.MAX_CACHED_STATEMENT_LENGTH = 64 * 1024
_queries.MAX_CACHED_STATEMENT_PARAMS = 500


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
