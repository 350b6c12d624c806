"""Property-based run of both OpenAPI documents against the app (Schemathesis over WSGI):
every operation (records, metadata and webhooks), valid and invalid inputs, no 5xx, and
every response as documented."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from receiver import Receiver
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm.services.fields import create_custom_field
from crm.services.records import create_record
from webhooks.models import Delivery
from webhooks.services.deliveries import send_test_event
from webhooks.services.endpoints import create_endpoint

# Examples per operation and mode; raise it locally for a deeper run.
MAX_EXAMPLES = int(os.environ.get("REST_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    # As Django's test client does: keep the test's database connection open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_workspace(workspace, actor, settings) -> dict[str, str]:
    """A workspace with custom fields of several kinds and one record per object."""
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000_000
    tier = create_custom_field(
        workspace,
        {"objectName": "person", "name": "tier", "label": "Tier", "type": "SELECT", "options": [{"value": "GOLD"}]},
    )
    create_custom_field(workspace, {"objectName": "company", "name": "budget", "label": "Budget", "type": "CURRENCY"})
    create_custom_field(workspace, {"objectName": "company", "name": "rating", "label": "Rating", "type": "NUMBER"})
    create_custom_field(
        workspace,
        {
            "objectName": "task",
            "name": "labels",
            "label": "Labels",
            "type": "MULTI_SELECT",
            "options": [{"value": "A"}, {"value": "B"}],
        },
    )
    workspace.refresh_from_db()
    ids = {plural: create_record(workspace, singular, {}, actor)["id"] for singular, plural in PLURALS.items()}
    ids["field"] = str(tier.id)
    return ids


PLURALS = {
    "person": "people",
    "company": "companies",
    "opportunity": "opportunities",
    "note": "notes",
    "task": "tasks",
    "noteTarget": "noteTargets",
    "taskTarget": "taskTargets",
}


@pytest.fixture
def webhook_receiver(settings) -> Iterator[Receiver]:
    """Where fuzzed webhooks point, so test events get a real answer on 127.0.0.1."""
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def new_webhook(workspace, actor, webhook_receiver) -> Callable[[], dict[str, str]]:
    """A fresh webhook per operation (the fuzzer may change or delete it) with a failed
    delivery to resend and a test delivery with an attempt in its log."""

    def create() -> dict[str, str]:
        endpoint = create_endpoint(workspace, target_url=webhook_receiver.url)
        create_record(workspace, "note", {}, actor)
        delivery = Delivery.objects.get(endpoint=endpoint)
        Delivery.objects.filter(id=delivery.id).update(status=Delivery.Status.FAILED)
        send_test_event(endpoint, actor)
        return {"id": str(endpoint.id), "deliveryId": str(delivery.id)}

    return create


def run_operation(operation: Any, token: str, **strategy_kwargs: Any) -> str | None:
    @given(case=operation.as_strategy(**strategy_kwargs))
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    try:
        check()
    except Exception as failure:  # noqa: BLE001 - collected and reported together below
        return f"{operation.label} {strategy_kwargs}: {failure}"
    return None


def real_id(path: str, ids: dict[str, str], new_webhook: Callable[[], dict[str, str]]) -> dict[str, str] | None:
    if path.startswith("/webhooks/{id}"):
        webhook = new_webhook()
        return webhook if "{deliveryId}" in path else {"id": webhook["id"]}
    if "{idOrName}" in path:
        return {"idOrName": "person"}
    if "/fields/{id}" in path:
        return {"id": ids["field"]}
    for plural in PLURALS.values():
        if f"/{plural}/{{id}}" in path:
            return {"id": ids[plural]}
    return None


def fuzz(
    document: str, app: Any, token: str, ids: dict[str, str], new_webhook: Callable[[], dict[str, str]]
) -> tuple[int, list[str]]:
    schema = schemathesis.openapi.from_wsgi(document, app, headers={"Authorization": f"Bearer {token}"})
    failures: list[str] = []
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        count += 1
        runs: list[dict[str, Any]] = [
            {"generation_mode": GenerationMode.POSITIVE},
            {"generation_mode": GenerationMode.NEGATIVE},
        ]
        existing = real_id(operation.path, ids, new_webhook)
        if existing:
            runs.append({"generation_mode": GenerationMode.POSITIVE, "path_parameters": existing})
        for kwargs in runs:
            failure = run_operation(operation, token, **kwargs)
            if failure:
                failures.append(failure)
    return count, failures


@pytest.mark.slow
def test_the_core_api_matches_its_openapi_document(wsgi_app, fuzz_workspace, api_token, new_webhook):
    count, failures = fuzz("/rest/open-api/core", wsgi_app, api_token, fuzz_workspace, new_webhook)
    # 15 operations for each of the 7 objects (PUT, the bulk routes, groupBy and merge
    # included), duplicate search for people and companies, 10 for webhooks.
    assert count == 117
    assert not failures, "\n\n".join(failures)


@pytest.mark.slow
def test_the_metadata_api_matches_its_openapi_document(wsgi_app, fuzz_workspace, api_token, new_webhook):
    count, failures = fuzz("/rest/open-api/metadata", wsgi_app, api_token, fuzz_workspace, new_webhook)
    assert count == 12
    assert not failures, "\n\n".join(failures)
