"""The floor: a bare WSGI app that does what the product does for the benchmark's
requests (authenticate the key with one query, run the same SQL, shape the same JSON)
with psycopg and orjson and nothing else. What the product costs above this is
framework and abstraction overhead.

Serves only the benchmark's requests:
  GET  /rest/people?limit=&depth=&order_by=createdAt[DescNullsLast]&filter=name.firstName[eq]:X
  GET  /rest/people/{id}[?depth=]
  POST /graphql   (the benchmark's people query; see ``bench.scenarios.reads``)

Run with ``gunicorn bench.floor:app`` and ``DATABASE_URL`` pointing at PostgreSQL.
The SQL below was written from the product's own queries (captured with
``CaptureQueriesContext``); keep them in step when the product's queries change.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import orjson
import psycopg
from psycopg.types.json import set_json_loads

set_json_loads(orjson.loads)

Row = tuple[Any, ...]
JSON = dict[str, Any]

RECORD_COLUMNS = [
    "custom",
    "id",
    "created_at",
    "updated_at",
    "deleted_at",
    "position",
    "created_by_source",
    "created_by_workspace_member_id",
    "created_by_name",
]
PERSON_COLUMNS = [
    *RECORD_COLUMNS,
    "name_first_name",
    "name_last_name",
    "emails_primary_email",
    "emails_additional_emails",
    "phones_primary_phone_number",
    "phones_primary_phone_country_code",
    "phones_primary_phone_calling_code",
    "phones_additional_phones",
    "job_title",
    "city",
    "avatar_url",
    "linkedin_link_primary_link_url",
    "linkedin_link_primary_link_label",
    "linkedin_link_secondary_links",
    "x_link_primary_link_url",
    "x_link_primary_link_label",
    "x_link_secondary_links",
    "company_id",
]
COMPANY_COLUMNS = [
    *RECORD_COLUMNS,
    "name",
    "domain_name_primary_link_url",
    "domain_name_primary_link_label",
    "domain_name_secondary_links",
    "employees",
    "linkedin_link_primary_link_url",
    "linkedin_link_primary_link_label",
    "linkedin_link_secondary_links",
    "x_link_primary_link_url",
    "x_link_primary_link_label",
    "x_link_secondary_links",
    "annual_recurring_revenue_amount_micros",
    "annual_recurring_revenue_currency_code",
    "address_address_street1",
    "address_address_street2",
    "address_address_city",
    "address_address_state",
    "address_address_postcode",
    "address_address_country",
    "address_address_lat",
    "address_address_lng",
    "ideal_customer_profile",
]
OPPORTUNITY_COLUMNS = [
    *RECORD_COLUMNS,
    "name",
    "amount_amount_micros",
    "amount_currency_code",
    "close_date",
    "stage",
    "company_id",
    "point_of_contact_id",
]


def _select(table: str, columns: list[str]) -> str:
    return f"SELECT {', '.join(f'{table}.{c}' for c in columns)} FROM {table}"


AUTH_SQL = (
    "SELECT k.id, k.workspace_id, k.read_only, k.expires_at, k.revoked_at, w.metadata_version"
    " FROM crm_apikey k JOIN crm_workspace w ON k.workspace_id = w.id WHERE k.token_hash = %s"
    " ORDER BY k.created_at DESC LIMIT 1"
)
LIVE = "workspace_id = %s AND deleted_at IS NULL"
PEOPLE_SQL = _select("crm_person", PERSON_COLUMNS) + f" WHERE {LIVE}{{filter}} ORDER BY {{order}} LIMIT %s"
PEOPLE_COUNT_SQL = f"SELECT COUNT(*) FROM crm_person WHERE {LIVE}{{filter}}"
PERSON_SQL = _select("crm_person", PERSON_COLUMNS) + f" WHERE {LIVE} AND id = %s LIMIT 1"
COMPANIES_SQL = _select("crm_company", COMPANY_COLUMNS) + f" WHERE {LIVE} AND id = ANY(%s) ORDER BY position, id"
OPPORTUNITIES_BY_CONTACT_SQL = (
    _select("crm_opportunity", OPPORTUNITY_COLUMNS)
    + f" WHERE {LIVE} AND point_of_contact_id = ANY(%s) ORDER BY position, id"
)
# What a note or task target links to, after its note (or task) id.
TARGET_END_COLUMNS = ["person_id", "company_id", "opportunity_id"]
TARGETS_BY_PERSON_SQL = {
    parent: _select(f"crm_{parent}target", [*RECORD_COLUMNS, f"{parent}_id", *TARGET_END_COLUMNS])
    + f" WHERE {LIVE} AND person_id = ANY(%s) ORDER BY position, id"
    for parent in ("note", "task")
}
# order_by -> (ORDER BY clause, cursor column); bench/sql_check.py compares these with the product's.
ORDERS = {
    "": ("position ASC NULLS LAST, id ASC NULLS LAST", "position"),
    "createdAt[DescNullsLast]": ("created_at DESC NULLS FIRST, id DESC NULLS FIRST", "created_at"),
}
FIRST_NAME_EQ = re.compile(r"^name\.firstName\[eq\]:(.+)$")
MAX_LIMIT = 200


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# --- JSON shapes (the REST API's depth-0 shape) ---------------------------------


def _dt(value: datetime | None) -> str | None:
    # The connection's time zone is UTC, so this is Twenty's "...T12:00:00.000Z".
    return None if value is None else value.isoformat(timespec="milliseconds")[:23] + "Z"


def _id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _links(url: str, label: str, more: Any) -> JSON:
    return {"primaryLinkUrl": url, "primaryLinkLabel": label, "secondaryLinks": more}


def _record_head(row: Row) -> JSON:
    _custom, id_, created, updated, deleted, position, source, member, name = row[:9]
    return {
        "id": str(id_),
        "createdAt": _dt(created),
        "updatedAt": _dt(updated),
        "deletedAt": _dt(deleted),
        "position": position,
        "createdBy": {"source": source, "workspaceMemberId": _id(member), "name": name},
    }


def person_json(row: Row) -> JSON:
    (
        first,
        last,
        email,
        more_emails,
        phone,
        phone_country,
        phone_calling,
        more_phones,
        job_title,
        city,
        avatar,
        li_url,
        li_label,
        li_more,
        x_url,
        x_label,
        x_more,
        company_id,
    ) = row[9:]
    data = _record_head(row)
    data["name"] = {"firstName": first, "lastName": last}
    data["emails"] = {"primaryEmail": email, "additionalEmails": more_emails}
    data["phones"] = {
        "primaryPhoneNumber": phone,
        "primaryPhoneCountryCode": phone_country,
        "primaryPhoneCallingCode": phone_calling,
        "additionalPhones": more_phones,
    }
    data["jobTitle"] = job_title
    data["city"] = city
    data["avatarUrl"] = avatar
    data["linkedinLink"] = _links(li_url, li_label, li_more)
    data["xLink"] = _links(x_url, x_label, x_more)
    data["companyId"] = _id(company_id)
    return data


def company_json(row: Row) -> JSON:
    (
        name,
        domain_url,
        domain_label,
        domain_more,
        employees,
        li_url,
        li_label,
        li_more,
        x_url,
        x_label,
        x_more,
        arr_micros,
        arr_currency,
        street1,
        street2,
        city,
        state,
        postcode,
        country,
        lat,
        lng,
        icp,
    ) = row[9:]
    data = _record_head(row)
    data["name"] = name
    data["domainName"] = _links(domain_url, domain_label, domain_more)
    data["employees"] = employees
    data["linkedinLink"] = _links(li_url, li_label, li_more)
    data["xLink"] = _links(x_url, x_label, x_more)
    data["annualRecurringRevenue"] = {"amountMicros": arr_micros, "currencyCode": arr_currency}
    data["address"] = {
        "addressStreet1": street1,
        "addressStreet2": street2,
        "addressCity": city,
        "addressState": state,
        "addressPostcode": postcode,
        "addressCountry": country,
        "addressLat": lat,
        "addressLng": lng,
    }
    data["idealCustomerProfile"] = icp
    return data


def opportunity_json(row: Row) -> JSON:
    name, micros, currency, close_date, stage, company_id, contact_id = row[9:]
    data = _record_head(row)
    data["name"] = name
    data["amount"] = {"amountMicros": micros, "currencyCode": currency}
    data["closeDate"] = _dt(close_date)
    data["stage"] = stage
    data["companyId"] = _id(company_id)
    data["pointOfContactId"] = _id(contact_id)
    return data


def target_json(parent: str, row: Row) -> JSON:
    parent_id, person_id, company_id, opportunity_id = row[9:]
    data = _record_head(row)
    data[f"{parent}Id"] = _id(parent_id)
    data["personId"] = _id(person_id)
    data["companyId"] = _id(company_id)
    data["opportunityId"] = _id(opportunity_id)
    return data


def encode_cursor(values: list[Any]) -> str:
    raw = orjson.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --- Database -------------------------------------------------------------------

_local = threading.local()


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise RuntimeError("The floor needs DATABASE_URL pointing at PostgreSQL.")
    return url


def connection() -> psycopg.Connection:
    """One connection per thread, kept open, as the product keeps its (CONN_MAX_AGE)."""
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(database_url(), autocommit=True, options="-c TimeZone=UTC")
        _local.conn = conn
    return conn


def authenticate(conn: psycopg.Connection, header: str | None) -> uuid.UUID:
    """The key's workspace id, in one query on the token's hash."""
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.startswith("crm_"):
        raise HttpError(401, "Missing API key: send it as 'Authorization: Bearer <key>'.")
    row = conn.execute(AUTH_SQL, (hashlib.sha256(token.strip().encode()).hexdigest(),)).fetchone()
    if row is None:
        raise HttpError(401, "Invalid API key.")
    _key_id, workspace_id, _read_only, expires_at, revoked_at, _version = row
    if revoked_at is not None or (expires_at is not None and expires_at <= datetime.now(expires_at.tzinfo)):
        raise HttpError(401, "This API key has been revoked or has expired.")
    return workspace_id


# --- Reads ------------------------------------------------------------------------


def list_people(
    conn: psycopg.Connection, workspace_id: uuid.UUID, *, limit: int, order: str, first_name: str | None, depth: int
) -> tuple[list[JSON], list[str], bool, int]:
    """Rows, cursors, whether there are more, and the total (counted only when needed)."""
    if order not in ORDERS:
        raise HttpError(400, f"The floor does not serve order_by={order!r}.")
    order_sql, key_column = ORDERS[order]
    key_index = PERSON_COLUMNS.index(key_column)
    where, args = ("", [workspace_id])
    if first_name is not None:
        where, args = " AND name_first_name = %s", [workspace_id, first_name]
    rows = conn.execute(PEOPLE_SQL.format(filter=where, order=order_sql), [*args, limit + 1]).fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursors = [encode_cursor([row[key_index], str(row[1])]) for row in rows]
    total = len(rows) if not has_more else conn.execute(PEOPLE_COUNT_SQL.format(filter=where), args).fetchone()[0]
    people = [person_json(row) for row in rows]
    if depth:
        embed_person_relations(conn, workspace_id, people)
    return people, cursors, has_more, total


def companies_by_id(conn: psycopg.Connection, workspace_id: uuid.UUID, ids: Iterable[str]) -> dict[str, JSON]:
    wanted = list({uuid.UUID(i) for i in ids})
    if not wanted:
        return {}
    return {str(row[1]): company_json(row) for row in conn.execute(COMPANIES_SQL, (workspace_id, wanted))}


def embed_person_relations(conn: psycopg.Connection, workspace_id: uuid.UUID, people: list[JSON]) -> None:
    companies = companies_by_id(conn, workspace_id, (p["companyId"] for p in people if p["companyId"]))
    person_ids = [uuid.UUID(p["id"]) for p in people]
    by_contact: dict[str, list[JSON]] = {}
    for row in conn.execute(OPPORTUNITIES_BY_CONTACT_SQL, (workspace_id, person_ids)):
        by_contact.setdefault(str(row[-1]), []).append(opportunity_json(row))
    targets: dict[str, dict[str, list[JSON]]] = {}
    for parent, sql in TARGETS_BY_PERSON_SQL.items():
        by_person = targets[f"{parent}Targets"] = {}
        for row in conn.execute(sql, (workspace_id, person_ids)):
            by_person.setdefault(str(row[10]), []).append(target_json(parent, row))
    for person in people:
        person["company"] = companies.get(person["companyId"]) if person["companyId"] else None
        person["pointOfContactForOpportunities"] = by_contact.get(person["id"], [])
        for key, by_person in targets.items():
            person[key] = by_person.get(person["id"], [])


def rest_list(conn: psycopg.Connection, workspace_id: uuid.UUID, query: dict[str, list[str]]) -> JSON:
    limit = _int(query, "limit", 60, MAX_LIMIT)
    depth = _int(query, "depth", 0, 1)
    first_name = None
    filter_text = _one(query, "filter")
    if filter_text:
        match = FIRST_NAME_EQ.match(filter_text)
        if not match:
            raise HttpError(400, f"The floor does not serve filter={filter_text!r}.")
        first_name = match.group(1)
    if _one(query, "starting_after") or _one(query, "ending_before"):
        raise HttpError(400, "The floor does not serve cursors.")
    people, cursors, has_more, total = list_people(
        conn, workspace_id, limit=limit, order=_one(query, "order_by"), first_name=first_name, depth=depth
    )
    return {
        "data": {"people": people},
        "pageInfo": {
            "hasNextPage": has_more,
            "hasPreviousPage": False,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
        "totalCount": total,
    }


def rest_get(conn: psycopg.Connection, workspace_id: uuid.UUID, raw_id: str, query: dict[str, list[str]]) -> JSON:
    try:
        record_id = uuid.UUID(raw_id)
    except ValueError:
        raise HttpError(404, f"No person with id '{raw_id[:60]}'.") from None
    row = conn.execute(PERSON_SQL, (workspace_id, record_id)).fetchone()
    if row is None:
        raise HttpError(404, f"No person with id '{raw_id[:60]}'.")
    person = person_json(row)
    if _int(query, "depth", 0, 1):
        embed_person_relations(conn, workspace_id, [person])
    return {"data": {"person": person}}


GRAPHQL_FIRST = re.compile(r"people\s*\(\s*first\s*:\s*(\d+)\s*\)")


def graphql_people(conn: psycopg.Connection, workspace_id: uuid.UUID, body: bytes) -> JSON:
    """The benchmark's query only: ``people(first: N)`` with totalCount, a few scalar
    fields and ``company { name }`` of each person (see ``bench.scenarios.reads``)."""
    try:
        request = orjson.loads(body)
        first = int((request.get("variables") or {}).get("first") or GRAPHQL_FIRST.search(request["query"]).group(1))
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
        raise HttpError(400, "The floor serves the benchmark's people query only.") from None
    people, cursors, has_more, total = list_people(
        conn, workspace_id, limit=min(first, MAX_LIMIT), order="", first_name=None, depth=0
    )
    companies = companies_by_id(conn, workspace_id, (p["companyId"] for p in people if p["companyId"]))
    edges = [
        {
            "node": {
                "id": p["id"],
                "name": p["name"],
                "jobTitle": p["jobTitle"],
                "createdAt": p["createdAt"],
                "company": {"name": companies[p["companyId"]]["name"]} if p["companyId"] in companies else None,
            },
            "cursor": cursor,
        }
        for p, cursor in zip(people, cursors, strict=True)
    ]
    return {
        "data": {
            "people": {
                "totalCount": total,
                "pageInfo": {"hasNextPage": has_more, "endCursor": cursors[-1] if cursors else None},
                "edges": edges,
            }
        }
    }


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


def route(environ: dict[str, Any]) -> JSON:
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
    conn = connection()
    workspace_id = authenticate(conn, environ.get("HTTP_AUTHORIZATION"))
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if method == "GET" and path.rstrip("/") == "/rest/people":
        return rest_list(conn, workspace_id, query)
    if method == "GET" and (match := PERSON_PATH.match(path)):
        return rest_get(conn, workspace_id, match.group(1), query)
    if method == "POST" and path.rstrip("/") == "/graphql":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return graphql_people(conn, workspace_id, environ["wsgi.input"].read(length))
    raise HttpError(404, f"The floor does not serve {method} {path}.")


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    try:
        status, body = 200, orjson.dumps(route(environ))
    except HttpError as error:
        status, body = error.status, orjson.dumps({"statusCode": error.status, "messages": [str(error)]})
    except psycopg.OperationalError:
        # A dropped connection: the next request reconnects.
        _local.conn = None
        raise
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}.get(status, "Error")
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
