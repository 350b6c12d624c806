"""The docs name only things that exist: every URL resolves, every query parameter is
read by the code, every header is sent or read, every event and environment variable
is real, and the facts the docs state (limits, schedules, error names) match the code.

Everything is extracted from docs/*.md with regexes (docs_site/extract.py), so the
docs cannot drift from the code without a test failing.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve

from crm.metadata.standard_objects import STANDARD_OBJECTS_BY_NAME
from crm.models.metadata import FieldType
from crm.query.ast import IS_VALUES, OPERATORS, ORDER_DIRECTIONS
from crm.rest.errors import ERROR_NAMES
from crm.services.bulk_targets import TOO_MANY
from crm.services.fields import RATING_VALUES
from crm.services.group_by import GRANULARITIES, WEEK_START_DAYS
from docs_site import extract
from webhooks.models.endpoint import ACTIONS
from webhooks.models.event import TEST_EVENT_NAME

ROOT = Path(settings.BASE_DIR)
DOCS = {path.name: path for path in extract.markdown_files()}
API_PAGE = DOCS["api-and-webhooks.md"]
SELF_HOSTING = DOCS["self-hosting.md"]


def documented_custom_objects() -> list[dict]:
    """The custom objects the API page's examples create (REST and GraphQL)."""
    found = []
    for block in extract.code_blocks(API_PAGE):
        if "/rest/metadata/objects" in block.body and "-X POST" in block.body:
            found.append(json.loads(block.body.split("-d '", 1)[1].rsplit("'", 1)[0]))
        for match in re.finditer(r'nameSingular: \\"(\w+)\\", namePlural: \\"(\w+)\\"', block.body):
            found.append({"nameSingular": match.group(1), "namePlural": match.group(2)})
    return found


CUSTOM_OBJECTS = documented_custom_objects()
OBJECT_PLURALS = {spec.name_plural for spec in STANDARD_OBJECTS_BY_NAME.values()} | {
    o["namePlural"] for o in CUSTOM_OBJECTS
}
OBJECT_SINGULARS = set(STANDARD_OBJECTS_BY_NAME) | {o["nameSingular"] for o in CUSTOM_OBJECTS}

# Shell variables the reader sets for the examples (the examples test sets each one);
# they are not settings of the server.
EXAMPLE_VARIABLES = {
    "CRM_API_KEY",
    "WEBHOOK_SECRET",
    "PERSON_ID",
    "COMPANY_ID",
    "WEBHOOK_ID",
    "DELIVERY_ID",
    "END_CURSOR",
}
# Upper-case words the docs use that are values, not environment variables.
VOCABULARY = (
    set(FieldType.values)
    | set(IS_VALUES)
    | set(GRANULARITIES)
    | set(WEEK_START_DAYS)
    | {"BAD_USER_INPUT", "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "TOO_MANY_REQUESTS", "INTERNAL_SERVER_ERROR"}
    | {"METADATA_VALIDATION_FAILED"}  # Twenty's code, named where the docs say how it differs
    | {"MANY_TO_ONE", "ONE_TO_MANY"}
    | set(RATING_VALUES)
    | {sub_code for sub_code, _ in TOO_MANY.values()}
)
# Code that answers HTTP requests or sends webhooks: where headers and parameters live.
PRODUCT_SOURCES = ["crm", "webhooks", "settings_ui", "config"]
UUID_PLACEHOLDER = "6f1c2d3e-4b5a-4978-8a6b-5c4d3e2f1a0b"


def product_source_text() -> str:
    texts = []
    for folder in PRODUCT_SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                texts.append(path.read_text(encoding="utf-8"))
    texts += [path.read_text(encoding="utf-8") for path in (ROOT / "static" / "js").rglob("*.js")]
    return "\n".join(texts)


def concrete(path: str) -> str:
    """A documented path with its placeholders filled in."""
    path = path.replace("{object}", "people").replace("{idOrName}", "person")
    path = re.sub(r"\{[A-Za-z]*\}", UUID_PLACEHOLDER, path)
    path = re.sub(r"\$\{?[A-Z][A-Z0-9_]*\}?", UUID_PLACEHOLDER, path)
    return path


def documented_urls() -> list[tuple[str, str]]:
    """(file, url) for every app URL named anywhere in the docs, code blocks included."""
    return [(name, url) for name, path in DOCS.items() for url in extract.url_mentions(extract.read(path))]


def test_the_docs_name_the_urls_of_every_part_of_the_product() -> None:
    paths = {extract.split_url(url)[0] for _, url in documented_urls()}
    for expected in ("/graphql", "/metadata", "/settings/apis", "/settings/webhooks", "/rest/people"):
        assert expected in paths


@pytest.mark.parametrize(("file", "url"), sorted(set(documented_urls())))
def test_every_documented_url_resolves(file: str, url: str) -> None:
    path, _ = extract.split_url(url)
    if path.endswith("/...") or path.endswith("/"):
        # A base URL ("/rest/", "/rest/metadata/..."): some documented URL must live under it.
        prefix = path.removesuffix("...")
        if prefix != "/docs/":
            under = [p for _, u in documented_urls() if (p := extract.split_url(u)[0]).startswith(prefix) and p != path]
            assert under, f"{file}: nothing documented under {path}"
            return
    try:
        match = resolve(concrete(path))
    except Resolver404:
        pytest.fail(f"{file} names {path}, which no URL pattern matches")
    assert match.url_name != "rest-not-found", f"{file} names {path}, which only the API's 404 route matches"
    plural = match.kwargs.get("plural")
    assert plural is None or plural in OBJECT_PLURALS, (
        f"{file} names {path}, which reaches the generic record view as object '{plural}'"
    )


def view_module_source(path: str) -> str:
    func = resolve(concrete(path)).func
    view = getattr(func, "view_class", None) or getattr(func, "cls", None) or func
    sources = [inspect.getsource(inspect.getmodule(view))]
    # Shared parsing helpers of the REST views.
    sources.append((ROOT / "crm" / "rest" / "base.py").read_text(encoding="utf-8"))
    return "\n".join(sources)


def page_script_source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "static" / "js").rglob("*.js"))


def reads_parameter(source: str, name: str) -> bool:
    return re.search(rf"[\"']{re.escape(name)}[\"']", source) is not None


@pytest.mark.parametrize(
    ("file", "url"), sorted({(f, u) for f, u in documented_urls() if "?" in u and extract.split_url(u)[1]})
)
def test_every_query_parameter_in_a_documented_url_is_read_by_the_code(file: str, url: str) -> None:
    path, names = extract.split_url(url)
    source = view_module_source(path)
    if path.startswith("/settings/"):
        source += page_script_source()
    for name in names:
        assert reads_parameter(source, name), f"{file}: {url} sends '{name}', which the code never reads"


def test_every_query_parameter_in_the_examples_and_tables_is_read_by_the_rest_views() -> None:
    names = set(extract.documented_query_parameters(extract.read(API_PAGE)))
    for block in extract.code_blocks(API_PAGE):
        names.update(extract.query_parameters_in_code(block.body))
    assert {"filter", "order_by", "limit", "starting_after", "ending_before", "depth"} <= names
    # The record views, and those of the operations on a whole object (group-by, duplicates).
    routes = ("/rest/people", "/rest/people/groupBy", "/rest/people/duplicates", "/rest/people/merge")
    source = "\n".join(view_module_source(route) for route in routes)
    unknown = sorted(name for name in names if not reads_parameter(source, name))
    assert not unknown, f"the docs name query parameters the REST views never read: {unknown}"


def test_the_soft_delete_parameter_is_read_by_the_record_views() -> None:
    assert "soft_delete=true" in extract.read(API_PAGE)
    assert reads_parameter(view_module_source("/rest/people/{id}"), "soft_delete")


@pytest.mark.parametrize("file", sorted(DOCS))
def test_every_documented_header_is_sent_or_read_by_the_code(file: str) -> None:
    source = product_source_text().lower()
    for name in sorted(extract.header_mentions(DOCS[file])):
        meta_name = "http_" + name.lower().replace("-", "_")
        assert name.lower() in source or meta_name in source, f"{file} names the header {name}, which no code uses"


def test_the_webhook_headers_table_lists_every_header_a_delivery_carries() -> None:
    from webhooks.signing import build_headers, generate_secret

    sent = set(build_headers(msg_id="msg", body=b"{}", secrets=[generate_secret()]))
    documented = {code for row in extract.table_rows(extract.read(API_PAGE), "Header") for code in [row[0].strip("`")]}
    assert sent <= documented, f"headers sent but not documented: {sorted(sent - documented)}"


def test_the_rate_limit_headers_are_the_ones_the_api_sends() -> None:
    from crm.services.rate_limit import RateLimitStatus

    allowed = RateLimitStatus(limit=100, remaining=99, reset_in=10, allowed=True).headers()
    refused = RateLimitStatus(limit=100, remaining=0, reset_in=10, allowed=False).headers()
    documented = {row[0].strip("`") for row in extract.table_rows(extract.read(API_PAGE), "Header")}
    assert set(allowed) | set(refused) <= documented


def test_every_event_name_the_docs_use_exists() -> None:
    events = extract.event_mentions(extract.read(API_PAGE), OBJECT_SINGULARS)
    assert "person.created" in events and TEST_EVENT_NAME in events
    for event in sorted(events):
        object_name, action = event.split(".")
        if object_name == "webhook":
            assert event == TEST_EVENT_NAME
            continue
        assert object_name == "*" or object_name in OBJECT_SINGULARS, event
        assert action == "*" or action in ACTIONS, f"{event}: the webhooks know no action '{action}'"


def test_the_events_table_lists_every_action() -> None:
    rows = extract.table_rows(extract.read(API_PAGE), "Event")
    documented = {row[0].strip("`") for row in rows}
    assert {f"person.{action}" for action in ACTIONS} | {TEST_EVENT_NAME} == documented


def test_the_objects_table_matches_the_standard_objects() -> None:
    rows = extract.table_rows(extract.read(API_PAGE), "Object")
    documented = {tuple(re.findall(r"`([^`]+)`", row[1] + " " + row[2])) for row in rows}
    expected = {(spec.name_plural, name, spec.name_plural) for name, spec in STANDARD_OBJECTS_BY_NAME.items()}
    assert documented == expected


def test_every_filter_operator_and_order_direction_is_documented_and_real() -> None:
    rows = extract.table_rows(extract.read(API_PAGE), "Operator")
    documented = {code for row in rows for code in re.findall(r"`([^`]+)`", row[0])}
    assert documented == set(OPERATORS)
    text = extract.read(API_PAGE)
    directions = set(re.findall(r"\b(?:Asc|Desc)Nulls(?:First|Last)\b", text))
    assert directions == set(ORDER_DIRECTIONS)


def test_the_error_table_uses_the_error_names_the_api_returns() -> None:
    rows = extract.table_rows(extract.read(API_PAGE), "Status")
    assert rows
    for row in rows:
        status, name = int(row[0]), row[1].strip("`")
        assert ERROR_NAMES[status] == name, f"{status} is answered as {ERROR_NAMES[status]}, not {name}"


def test_the_field_types_named_are_the_real_ones() -> None:
    from crm.services.fields import CUSTOM_FIELD_TYPES

    text = extract.read(API_PAGE)
    paragraph = text[text.index("Each field has a `type`") :].split("\n\n", 1)[0]
    custom_part, _, standard_part = paragraph.partition("for standard fields also")
    assert set(re.findall(r"`([A-Z_]+)`", custom_part)) == set(CUSTOM_FIELD_TYPES)
    assert set(re.findall(r"`([A-Z][A-Z0-9_]*)`", paragraph)) == set(FieldType.values)


# --- Environment variables ----------------------------------------------------------------


# Where the environment is read: Django's settings, and the web server's for its size.
ENVIRONMENT_READERS = [ROOT / "config" / "settings.py", ROOT / "config" / "web.py"]


def settings_env_vars() -> set[str]:
    source = "\n".join(path.read_text(encoding="utf-8") for path in ENVIRONMENT_READERS)
    names = set(re.findall(r"env(?:\(\))?(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    names |= set(re.findall(r"Env\(\)\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    declared = re.search(r"environ\.Env\((.*?)\n\)", source, re.S)
    if declared:
        names |= set(re.findall(r"^\s*([A-Z][A-Z0-9_]*)=", declared.group(1), re.M))
    return names


def test_settings_env_vars_are_found() -> None:
    # Guards the regexes above: if settings.py changes style, this fails loudly.
    assert {
        "DATABASE_URL",
        "DEBUG",
        "SECRET_KEY",
        "API_RATE_LIMIT_PER_MINUTE",
        "VAR_DIR",
        "LOG_LEVEL",
        "WEB_WORKERS",
    } <= (settings_env_vars())


@pytest.mark.parametrize("file", sorted(DOCS))
def test_every_environment_variable_named_exists_in_settings(file: str) -> None:
    mentioned = extract.env_var_mentions(DOCS[file]) - EXAMPLE_VARIABLES - VOCABULARY
    unknown = sorted(mentioned - settings_env_vars())
    assert not unknown, f"{file} names environment variables the settings never read: {unknown}"


def test_self_hosting_documents_every_environment_variable_the_settings_read() -> None:
    documented = {row[0].strip("`") for row in extract.table_rows(extract.read(SELF_HOSTING), "Variable")}
    missing = sorted(settings_env_vars() - documented)
    assert not missing, f"the settings read environment variables self-hosting.md does not list: {missing}"


def test_the_readme_and_self_hosting_list_the_same_main_variables() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    readme_vars = {row[0].strip("`") for row in extract.table_rows(readme, "Variable")}
    documented = {row[0].strip("`") for row in extract.table_rows(extract.read(SELF_HOSTING), "Variable")}
    assert readme_vars <= documented


def default_settings() -> dict[str, object]:
    """Settings as an empty environment makes them (the defaults), read in a fresh process."""
    names = [
        "API_RATE_LIMIT_PER_MINUTE",
        "WEBHOOK_TIMEOUT_SECONDS",
        "WEBHOOK_RETENTION_DAYS",
        "WEBHOOK_SWEEP_INTERVAL_SECONDS",
        "WEBHOOK_QUEUE_LEASE_SECONDS",
        "WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT",
        "WEBHOOK_DRAIN_SECONDS",
        "CELERY_TASK_DEFAULT_QUEUE",
        "DEBUG",
        "TRUSTED_PROXY_COUNT",
    ]
    script = (
        "import json, django\nfrom django.conf import settings\ndjango.setup()\n"
        f"values = {{n: getattr(settings, n) for n in {names!r}}}\n"
        "values['WEBHOOK_RETRY_SCHEDULE_SECONDS'] = [d.total_seconds() for d in settings.WEBHOOK_RETRY_SCHEDULE]\n"
        "values['WEBHOOK_DISABLE_AFTER_DAYS'] = settings.WEBHOOK_DISABLE_AFTER.total_seconds() / 86400\n"
        "values['LOGIN_FAILURE_LIMIT'] = settings.AXES_FAILURE_LIMIT\n"
        "values['LOGIN_LOCKOUT_MINUTES'] = settings.AXES_COOLOFF_TIME.total_seconds() / 60\n"
        "print(json.dumps(values))\n"
    )
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(ROOT / "var"))
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_documented_defaults_match_the_settings() -> None:
    defaults = default_settings()
    rows = {row[0].strip("`"): row[1] for row in extract.table_rows(extract.read(SELF_HOSTING), "Variable")}
    compared = 0
    for name, value in defaults.items():
        shown = re.match(r"`([^`]+)`", rows[name])
        if shown is None:
            continue
        literal = shown.group(1)
        if isinstance(value, bool):
            assert literal == str(value).lower(), name
        elif isinstance(value, list):
            assert [float(v) for v in literal.split(",")] == value, name
        elif isinstance(value, int | float):
            assert float(literal) == float(value), name
        else:
            assert literal == value, name
        compared += 1
    assert compared >= 8


def test_the_documented_web_server_size_is_the_web_servers_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEB_WORKERS", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    config = runpy.run_path(str(ROOT / "config" / "web.py"))
    for file in (SELF_HOSTING, ROOT / "README.md"):
        rows = {row[0].strip("`"): row[1] for row in extract.table_rows(extract.read(file), "Variable")}
        assert rows["WEB_WORKERS"].startswith(f"`{config['workers']}`"), file
        assert rows["WEB_THREADS"].startswith(f"`{config['threads']}`"), file


def test_the_sign_in_limits_in_prose_match_the_documented_defaults() -> None:
    text = extract.read(SELF_HOSTING)
    rows = {row[0].strip("`"): row[1] for row in extract.table_rows(text, "Variable")}
    limit = re.match(r"`(\d+)`", rows["LOGIN_FAILURE_LIMIT"]).group(1)
    minutes = re.match(r"`(\d+)`", rows["LOGIN_LOCKOUT_MINUTES"]).group(1)
    prose = " ".join(text.split())
    assert f"After {limit} failures (`LOGIN_FAILURE_LIMIT`)" in prose
    assert f"locked out for {minutes} minutes (`LOGIN_LOCKOUT_MINUTES`)" in prose
    assert f'"Too many failed sign-in attempts. Try again in {minutes} minutes."' in prose


def test_the_retry_schedule_in_prose_matches_the_settings() -> None:
    text = extract.read(API_PAGE)
    sentence = re.search(r"A failed delivery is tried again after (.*?): (\w+) attempts", text, re.S)
    assert sentence, "the Retries section states the schedule"
    units = {"second": 1, "seconds": 1, "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600}
    delays = [int(n) * units[u] for n, u in re.findall(r"(\d+) (seconds?|minutes?|hours?)", sentence.group(1))]
    default = [
        float(s)
        for s in re.search(r"`WEBHOOK_RETRY_SCHEDULE_SECONDS` \| `([^`]+)`", extract.read(SELF_HOSTING))
        .group(1)
        .split(",")
    ]
    assert delays == default
    numbers = {"seven": 7, "eight": 8, "nine": 9}
    assert numbers[sentence.group(2)] == len(default) + 1
    for hours in re.findall(r"about (\d+) hours", text):
        assert int(hours) == round(sum(default) / 3600)


def test_stated_limits_match_the_code() -> None:
    from crm.query.listing import DEFAULT_LIMIT, MAX_LIMIT
    from crm.rest.errors import MAX_BODY_BYTES
    from crm.services.records import MAX_BATCH as MAX_BATCH_SIZE
    from webhooks.services.endpoints import PREVIOUS_SECRET_GRACE

    text = extract.read(API_PAGE)
    assert f"`limit` | `20` | Records per page: {DEFAULT_LIMIT} by default, at most {MAX_LIMIT} (a larger" in text
    assert f"Create up to {MAX_BATCH_SIZE} people at once" in text
    assert f"up to {MAX_BODY_BYTES // (1024 * 1024)} MiB" in text
    assert f"for {int(PREVIOUS_SECRET_GRACE.total_seconds() // 3600)} hours" in text
    disable_days = settings.WEBHOOK_DISABLE_AFTER.days
    assert f"has failed for {disable_days} days" in text


def test_the_api_key_lifetimes_offered_are_the_documented_ones() -> None:
    from crm.services.api_keys import LIFETIME_CHOICES, TOKEN_PREFIX

    text = extract.read(API_PAGE)
    assert "15 days, 30 days, 90 days (the default), 1 year, 2 years or never" in text
    assert [label.lower() for label in LIFETIME_CHOICES] == [
        "15 days",
        "30 days",
        "90 days",
        "1 year",
        "2 years",
        "never",
    ]
    assert f"It starts with `{TOKEN_PREFIX}`" in text


# How the docs spell the syntax itself, not an example of it.
SYNTAX_TEMPLATES = {"field[operator]:value", "field[Direction]"}


def documented_filters() -> list[str]:
    """Every `field[op]:value` expression in the API page's inline code, and/or/not groups
    included, and the filter= values of documented URLs."""
    codes = extract.inline_code(extract.read(API_PAGE))
    found = []
    for code in codes:
        if "filter=" in code:
            code = code.split("filter=", 1)[1]
        if re.search(r"\w\[[A-Za-z]+\]:", code) and code not in SYNTAX_TEMPLATES:
            found.append(code)
    return found


def create_documented_custom_fields(workspace: object) -> None:
    """The custom objects and fields the docs' examples create, so filters on them can be checked."""
    from crm.services.fields import create_custom_field
    from crm.services.objects import create_object

    for custom_object in CUSTOM_OBJECTS:
        label = custom_object["nameSingular"].capitalize()
        create_object(workspace, {"labelSingular": label, "labelPlural": f"{label}s", **custom_object})

    for block in extract.code_blocks(API_PAGE):
        if "/rest/metadata/fields" in block.body and "-d '" in block.body:
            create_custom_field(workspace, json.loads(block.body.split("-d '", 1)[1].rsplit("'", 1)[0]))


@pytest.mark.django_db
@pytest.mark.parametrize("expression", sorted(set(documented_filters())))
def test_every_documented_filter_parses_and_applies_to_a_real_object(workspace: object, expression: str) -> None:
    from crm.metadata.schema import get_workspace_schema
    from crm.query.compile import QueryValueError, filter_to_q
    from crm.query.rest_parser import parse_filter

    create_documented_custom_fields(workspace)
    node = parse_filter(expression)
    schema = get_workspace_schema(workspace)
    applies = []
    for obj in schema.objects.values():
        try:
            filter_to_q(obj, node)
        except QueryValueError:
            continue
        applies.append(obj.name_singular)
    assert applies, f"{expression} applies to no object"


@pytest.mark.django_db
def test_every_documented_order_by_parses_and_applies_to_people(workspace: object) -> None:
    from crm.metadata.schema import get_workspace_schema
    from crm.query.compile import sort_keys
    from crm.query.rest_parser import parse_order_by

    text = extract.read(API_PAGE)
    orders = set(re.findall(r"order_by=([^\"'`\s&]+)", text))
    orders |= {c for c in extract.inline_code(text) if re.fullmatch(r"\w+(\.\w+)?\[(Asc|Desc)\w+\](,.*)?", c)}
    orders -= SYNTAX_TEMPLATES
    assert orders
    person = get_workspace_schema(workspace).objects["person"]
    for order in orders:
        sort_keys(person, parse_order_by(order))


def test_the_graphql_limits_stated_are_the_enforced_ones() -> None:
    from crm.graphql.limits import MAX_ALIASES, MAX_DEPTH, MAX_FIELDS, MAX_PAGE_SIZE
    from crm.query.listing import DEFAULT_LIMIT

    text = " ".join(extract.read(API_PAGE).split())
    assert (
        f"A page holds {DEFAULT_LIMIT} records unless you ask for another `first` or `last`, up to {MAX_PAGE_SIZE}"
        in text
    )
    assert (
        f"nest fields at most {MAX_DEPTH} deep and hold at most {MAX_ALIASES} aliases and {MAX_FIELDS} fields" in text
    )
