"""The floor: the physical limit of each of the benchmark's requests, as a bare WSGI app.

Per request it does what no implementation can skip, and nothing more: count the request
against the key's rate limit and read the API keys' version (one Redis round trip, as the
product does), look the key up by its hash (one query) unless this process read it at
that version, and answer with one SQL statement that reads only the columns the request
asks for, joins its to-one relations and has PostgreSQL build the JSON. Python passes the
bytes through; it only adds the envelope and the cursors (the product's cursor format is
Python's). Its answers are the product's JSON; what the product costs above it is what
the product could still save.

Serves only the benchmark's requests (bench/documents.py):
  GET  /rest/people?limit=&depth=&order_by=createdAt[DescNullsLast]&filter=name.firstName[eq]:X
  GET  /rest/people/{id}
  POST /graphql   (the benchmark's documents: a page of people with or without
                   totalCount, one person by id)

Run with ``python -m config.web bench.floor:app`` and ``DATABASE_URL`` pointing at PostgreSQL
(``REDIS_URL`` for the rate-limit count; without it nothing is counted).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import orjson
import psycopg
import redis
from psycopg.adapt import Loader

from bench import documents

# --- SQL: each request's one statement -------------------------------------------


def _time(column: str) -> str:
    # The product's format: milliseconds, UTC, "Z" (the connection's time zone is UTC).
    return f"""to_char({column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


def _object(**fields: str) -> str:
    return "json_build_object(" + ", ".join(f"'{name}', {sql}" for name, sql in fields.items()) + ")"


def _links(prefix: str) -> str:
    return _object(
        primaryLinkUrl=f"{prefix}_primary_link_url",
        primaryLinkLabel=f"{prefix}_primary_link_label",
        secondaryLinks=f"{prefix}_secondary_links",
    )


def _record(t: str, **fields: str) -> str:
    """A record's JSON: the columns every object has, then its own."""
    return _object(
        id=f"{t}.id",
        createdAt=_time(f"{t}.created_at"),
        updatedAt=_time(f"{t}.updated_at"),
        deletedAt=_time(f"{t}.deleted_at"),
        position=f"{t}.position",
        createdBy=_object(
            source=f"{t}.created_by_source",
            workspaceMemberId=f"{t}.created_by_workspace_member_id",
            name=f"{t}.created_by_name",
        ),
        **fields,
    )


PERSON_FIELDS = {
    "name": _object(firstName="p.name_first_name", lastName="p.name_last_name"),
    "emails": _object(primaryEmail="p.emails_primary_email", additionalEmails="p.emails_additional_emails"),
    "phones": _object(
        primaryPhoneNumber="p.phones_primary_phone_number",
        primaryPhoneCountryCode="p.phones_primary_phone_country_code",
        primaryPhoneCallingCode="p.phones_primary_phone_calling_code",
        additionalPhones="p.phones_additional_phones",
    ),
    "jobTitle": "p.job_title",
    "city": "p.city",
    "avatarUrl": "p.avatar_url",
    "linkedinLink": _links("p.linkedin_link"),
    "xLink": _links("p.x_link"),
    "companyId": "p.company_id",
}
COMPANY_JSON = _record(
    "c",
    name="c.name",
    domainName=_links("c.domain_name"),
    employees="c.employees",
    linkedinLink=_links("c.linkedin_link"),
    xLink=_links("c.x_link"),
    annualRecurringRevenue=_object(
        amountMicros="c.annual_recurring_revenue_amount_micros",
        currencyCode="c.annual_recurring_revenue_currency_code",
    ),
    address=_object(
        addressStreet1="c.address_address_street1",
        addressStreet2="c.address_address_street2",
        addressCity="c.address_address_city",
        addressState="c.address_address_state",
        addressPostcode="c.address_address_postcode",
        addressCountry="c.address_address_country",
        addressLat="c.address_address_lat",
        addressLng="c.address_address_lng",
    ),
    idealCustomerProfile="c.ideal_customer_profile",
)
OPPORTUNITIES_JSON = (
    "(SELECT coalesce(json_agg("
    + _record(
        "o",
        name="o.name",
        amount=_object(amountMicros="o.amount_amount_micros", currencyCode="o.amount_currency_code"),
        closeDate=_time("o.close_date"),
        stage="o.stage",
        companyId="o.company_id",
        pointOfContactId="o.point_of_contact_id",
    )
    + " ORDER BY o.position, o.id), '[]') FROM crm_opportunity o"
    " WHERE o.workspace_id = %(workspace)s AND o.deleted_at IS NULL AND o.point_of_contact_id = p.id)"
)


def _targets_json(parent: str) -> str:
    """A person's note (or task) targets, as depth=1 embeds them."""
    t = f"{parent[0]}t"
    ends = {f"{parent}Id": f"{t}.{parent}_id", "personId": f"{t}.person_id"}
    ends |= {"companyId": f"{t}.company_id", "opportunityId": f"{t}.opportunity_id"}
    return (
        "(SELECT coalesce(json_agg("
        + _record(t, **ends)
        + f" ORDER BY {t}.position, {t}.id), '[]') FROM crm_{parent}target {t}"
        f" WHERE {t}.workspace_id = %(workspace)s AND {t}.deleted_at IS NULL AND {t}.person_id = p.id)"
    )


PERSON_JSON = _record("p", **PERSON_FIELDS)
PERSON_WITH_RELATIONS_JSON = _record(
    "p",
    **PERSON_FIELDS,
    company=f"CASE WHEN c.id IS NOT NULL THEN {COMPANY_JSON} END",
    pointOfContactForOpportunities=OPPORTUNITIES_JSON,
    noteTargets=_targets_json("note"),
    taskTargets=_targets_json("task"),
)
# The GraphQL list's node: only the fields the document selects.
NODE_JSON = _object(
    id="p.id",
    name=_object(firstName="p.name_first_name", lastName="p.name_last_name"),
    jobTitle="p.job_title",
    createdAt=_time("p.created_at"),
    company="CASE WHEN c.id IS NOT NULL THEN json_build_object('name', c.name) END",
)

LIVE_PEOPLE = "FROM crm_person p WHERE p.workspace_id = %(workspace)s AND p.deleted_at IS NULL"
COMPANY_JOIN = (
    "LEFT JOIN crm_company c ON c.id = p.company_id AND c.workspace_id = %(workspace)s AND c.deleted_at IS NULL"
)
FIRST_NAME_FILTER = " AND p.name_first_name = %(first_name)s"

# One row per person: its JSON, then the values its cursor is made of.
REST_PAGE_SQL = (
    f"SELECT {PERSON_WITH_RELATIONS_JSON}, p.created_at, p.id::text FROM crm_person p {COMPANY_JOIN}"
    " WHERE p.workspace_id = %(workspace)s AND p.deleted_at IS NULL{filter}"
    " ORDER BY p.created_at DESC NULLS FIRST, p.id DESC NULLS FIRST LIMIT %(limit)s"
)
REST_PAGE_DEPTH_0_SQL = REST_PAGE_SQL.replace(PERSON_WITH_RELATIONS_JSON, PERSON_JSON).replace(COMPANY_JOIN, "")
GRAPHQL_PAGE_SQL = (
    f"SELECT {NODE_JSON}, p.position, p.id::text FROM crm_person p {COMPANY_JOIN}"
    " WHERE p.workspace_id = %(workspace)s AND p.deleted_at IS NULL"
    " ORDER BY p.position ASC NULLS LAST, p.id ASC NULLS LAST LIMIT %(limit)s"
)
COUNT_SQL = "SELECT count(*) " + LIVE_PEOPLE + "{filter}"
# Every live person of the workspace: the number the database keeps (crm.query.live_counts).
LIVE_COUNT_SQL = (
    "SELECT coalesce(sum(live), 0) FROM crm_liverecordcount"
    " WHERE workspace_id = %(workspace)s AND object_key = 'crm_person'"
)
PERSON_SQL = f"SELECT {PERSON_JSON} {LIVE_PEOPLE} AND p.id = %(id)s"
# Only what deciding on the key needs.
KEY_SQL = "SELECT workspace_id, expires_at, revoked_at FROM crm_apikey WHERE token_hash = %s"
# The product's counter of API key changes (crm.services.api_key_cache), under its cache's key prefix.
KEYS_VERSION = ":1:api-keys-version"
# token hash -> (the keys' version it was read at, its row)
_kept_keys: dict[str, tuple[int, Any]] = {}

FIRST_NAME_EQ = re.compile(r"^name\.firstName\[eq\]:(.+)$")
ORDER = "createdAt[DescNullsLast]"
MAX_LIMIT = 200
WINDOW_SECONDS = 60


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class RawLoader(Loader):
    """Text and JSON columns as the bytes PostgreSQL sent: the floor passes them through."""

    def load(self, data: Any) -> bytes:
        return bytes(data)


# --- Connections (one each per thread, kept open as the product keeps its) ------

_local = threading.local()


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise RuntimeError("The floor needs DATABASE_URL pointing at PostgreSQL.")
    return url


def connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(database_url(), autocommit=True, options="-c TimeZone=UTC")
        for type_name in ("text", "json"):
            conn.adapters.register_loader(type_name, RawLoader)
        _local.conn = conn
    return conn


def redis_connection() -> Any:
    if not hasattr(_local, "redis"):
        url = os.environ.get("REDIS_URL")
        _local.redis = redis.Connection(**redis.ConnectionPool.from_url(url).connection_kwargs) if url else None
    return _local.redis


# --- Who is calling -----------------------------------------------------------------


def authenticate(conn: psycopg.Connection, header: str | None) -> uuid.UUID:
    """The key's workspace, as the product finds it: the rate-limit count and a read of
    the keys' version in one Redis round trip, then the key from this process's memory
    when it was read at that version, from the database otherwise."""
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith("crm_"):
        raise HttpError(401, "Missing API key: send it as 'Authorization: Bearer <key>'.")
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    counter = redis_connection()
    version = None
    if counter is not None:
        window_key = f"floor-rate:{token_hash}:{int(time.time() // WINDOW_SECONDS)}"
        counter.send_command("INCR", window_key)
        counter.send_command("INCRBY", KEYS_VERSION, 0)
        count = int(counter.read_response())
        version = int(counter.read_response())
        if count == 1:
            counter.send_command("EXPIRE", window_key, WINDOW_SECONDS + 5)
            counter.read_response()
        if count > int(os.environ.get("API_RATE_LIMIT_PER_MINUTE", "100")):
            raise HttpError(429, "Rate limit exceeded.")
    kept = _kept_keys.get(token_hash)
    if kept is not None and version is not None and kept[0] == version:
        row = kept[1]
    else:
        row = conn.execute(KEY_SQL, (token_hash,)).fetchone()
        if row is not None and version is not None:
            _kept_keys[token_hash] = (version, row)
    if row is None:
        raise HttpError(401, "Invalid API key.")
    workspace_id, expires_at, revoked_at = row
    if revoked_at is not None or (expires_at is not None and expires_at <= datetime.now(expires_at.tzinfo)):
        raise HttpError(401, "This API key has been revoked or has expired.")
    return workspace_id


# --- Answers (bytes) ----------------------------------------------------------------


def encode_cursor(values: list[Any]) -> bytes:
    raw = orjson.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def _json_cursor(value: Any) -> bytes:
    return b"null" if value is None else b'"' + encode_cursor(value) + b'"'


def _count(conn: psycopg.Connection, args: dict[str, Any], where: str) -> int:
    sql = COUNT_SQL.format(filter=where) if where else LIVE_COUNT_SQL
    return conn.execute(sql, args).fetchone()[0]


def rest_list(conn: psycopg.Connection, workspace_id: uuid.UUID, query: dict[str, list[str]]) -> bytes:
    limit = _int(query, "limit", 60, MAX_LIMIT)
    depth = _int(query, "depth", 0, 1)
    args: dict[str, Any] = {"workspace": workspace_id, "limit": limit + 1}
    where = ""
    if filter_text := _one(query, "filter"):
        if not (match := FIRST_NAME_EQ.match(filter_text)):
            raise HttpError(400, f"The floor does not serve filter={filter_text!r}.")
        where, args["first_name"] = FIRST_NAME_FILTER, match.group(1)
    if _one(query, "order_by") != ORDER or _one(query, "starting_after") or _one(query, "ending_before"):
        raise HttpError(400, "The floor serves the benchmark's order and no cursors.")
    sql = REST_PAGE_SQL if depth else REST_PAGE_DEPTH_0_SQL
    rows = conn.execute(sql.format(filter=where), args).fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    total = _count(conn, args, where) if has_more else len(rows)
    first, last = ([rows[0][1], rows[0][2].decode()], [rows[-1][1], rows[-1][2].decode()]) if rows else (None, None)
    return b"".join(
        [
            b'{"data":{"people":[',
            b",".join(row[0] for row in rows),
            b']},"pageInfo":{"hasNextPage":',
            b"true" if has_more else b"false",
            b',"hasPreviousPage":false,"startCursor":',
            _json_cursor(first),
            b',"endCursor":',
            _json_cursor(last),
            b'},"totalCount":%d}' % total,
        ]
    )


def person(conn: psycopg.Connection, workspace_id: uuid.UUID, raw_id: str) -> bytes:
    try:
        record_id = uuid.UUID(raw_id)
    except ValueError:
        raise HttpError(404, f"No person with id '{raw_id[:60]}'.") from None
    row = conn.execute(PERSON_SQL, {"workspace": workspace_id, "id": record_id}).fetchone()
    if row is None:
        raise HttpError(404, f"No person with id '{raw_id[:60]}'.")
    return b'{"data":{"person":' + row[0] + b"}}"


def graphql_page(conn: psycopg.Connection, workspace_id: uuid.UUID, first: int, with_count: bool) -> bytes:
    args: dict[str, Any] = {"workspace": workspace_id, "limit": min(first, MAX_LIMIT) + 1}
    rows = conn.execute(GRAPHQL_PAGE_SQL, args).fetchall()
    has_more = len(rows) > args["limit"] - 1
    rows = rows[: args["limit"] - 1]
    cursors = [encode_cursor([position, id_.decode()]) for _node, position, id_ in rows]
    edges = b",".join(
        b'{"node":' + row[0] + b',"cursor":"' + cursor + b'"}' for row, cursor in zip(rows, cursors, strict=True)
    )
    count = b""
    if with_count:
        count = b'"totalCount":%d,' % (_count(conn, args, "") if has_more else len(rows))
    return b"".join(
        [
            b'{"data":{"people":{',
            count,
            b'"pageInfo":{"hasNextPage":',
            b"true" if has_more else b"false",
            b',"endCursor":',
            b'"' + cursors[-1] + b'"' if cursors else b"null",
            b'},"edges":[',
            edges,
            b"]}}}",
        ]
    )


def graphql(conn: psycopg.Connection, workspace_id: uuid.UUID, body: bytes) -> bytes:
    """The benchmark's documents only, recognised by their text."""
    try:
        request = orjson.loads(body)
        query, variables = request["query"], request.get("variables") or {}
        if query == documents.GRAPHQL_GET:
            return person(conn, workspace_id, str(variables["id"]))
        if query in (documents.GRAPHQL_LIST, documents.GRAPHQL_LIST_NO_COUNT):
            return graphql_page(conn, workspace_id, int(variables["first"]), query == documents.GRAPHQL_LIST)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        pass
    raise HttpError(400, "The floor serves the benchmark's GraphQL documents only.")


def _one(query: dict[str, list[str]], name: str) -> str:
    return (query.get(name) or [""])[-1]


def _int(query: dict[str, list[str]], name: str, default: int, maximum: int) -> int:
    raw = _one(query, name)
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > maximum:
        raise HttpError(400, f"{name} must be a whole number from 0 to {maximum}.")
    return int(raw)


# --- WSGI -------------------------------------------------------------------------

PERSON_PATH = re.compile(r"^/rest/people/([^/]+)/?$")
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}


def route(environ: dict[str, Any]) -> bytes:
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
    conn = connection()
    workspace_id = authenticate(conn, environ.get("HTTP_AUTHORIZATION"))
    if method == "GET" and path.rstrip("/") == "/rest/people":
        return rest_list(conn, workspace_id, parse_qs(environ.get("QUERY_STRING", "")))
    if method == "GET" and (match := PERSON_PATH.match(path)):
        if _int(parse_qs(environ.get("QUERY_STRING", "")), "depth", 0, 0):
            raise HttpError(400, "The floor serves one person at depth 0 only.")
        return person(conn, workspace_id, match.group(1))
    if method == "POST" and path.rstrip("/") == "/graphql":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return graphql(conn, workspace_id, environ["wsgi.input"].read(length))
    raise HttpError(404, f"The floor does not serve {method} {path}.")


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    try:
        status, body = 200, route(environ)
    except HttpError as error:
        status, body = error.status, orjson.dumps({"statusCode": error.status, "messages": [str(error)]})
    except (psycopg.OperationalError, redis.ConnectionError):
        # A dropped connection: the next request reconnects.
        _local.__dict__.clear()
        raise
    start_response(
        f"{status} {REASONS.get(status, 'Error')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]
