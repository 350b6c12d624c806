"""docs/webhook-delivery.md describes the delivery state machine the code runs: every
state, column and function it names exists, the function it gives for each transition
writes the state that transition leads to, each lease's row names every function that
writes or reads that lease, its numbers are the code's, and what it says a state holds
is what a delivery holds at each step of its life."""

from __future__ import annotations

import importlib
import inspect
import re
from datetime import timedelta
from pathlib import Path
from types import FunctionType, ModuleType

import pytest
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from receiver import Reply

from crm.services.records import create_record
from docs_site import extract
from webhooks.models import Delivery, WebhookEndpoint
from webhooks.services import claims, delivering, nudges, outcomes, slow_receivers
from webhooks.services.deliveries import resend_delivery, send_test_event
from webhooks.services.delivering import send_batch
from webhooks.services.endpoints import create_endpoint, disable_endpoint
from webhooks.services.sweeper import sweep

PAGE = next(path for path in extract.markdown_files() if path.name == "webhook-delivery.md")
TEXT = extract.read(PAGE)
PROSE = " ".join(TEXT.split())
SERVICES = Path(settings.BASE_DIR) / "webhooks" / "services"
STATUSES = set(Delivery.Status.values)
SNAKE_CASE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")
FUNCTION_OR_FILE = re.compile(r"^([a-z_]+)\.([a-z_]+)$")


def codes(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def service_module(name: str) -> ModuleType:
    assert (SERVICES / f"{name}.py").is_file(), f"the page names webhooks/services/{name}.py, which does not exist"
    return importlib.import_module(f"webhooks.services.{name}")


def functions_of(module: ModuleType) -> dict[str, FunctionType]:
    return {
        name: value
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__
    }


def function_named(dotted: str) -> FunctionType:
    module_name, name = dotted.split(".")
    function = functions_of(service_module(module_name)).get(name)
    assert function is not None, f"the page names {dotted}, which webhooks/services/{module_name}.py does not define"
    return function


def with_helpers(function: FunctionType) -> set[FunctionType]:
    """The function and every function of its module it calls, directly or not."""
    local = functions_of(inspect.getmodule(function))
    found: set[FunctionType] = set()
    todo = [function]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo += [local[name] for name in re.findall(r"\b(\w+)\(", inspect.getsource(current)) if name in local]
    return found


def source_with_helpers(function: FunctionType) -> str:
    return "\n".join(inspect.getsource(f) for f in with_helpers(function))


def every_service_function() -> list[FunctionType]:
    modules = [service_module(path.stem) for path in sorted(SERVICES.glob("*.py")) if path.stem != "__init__"]
    return [function for module in modules for function in functions_of(module).values()]


def state_table() -> dict[str, str]:
    return {codes(row[0])[0]: row[2] for row in extract.table_rows(TEXT, "State")}


def lease_fields_by_state() -> dict[str, set[str]]:
    """What the page says each lease field is held in: the states whose row names it."""
    held: dict[str, set[str]] = {}
    for state, holds in state_table().items():
        for name in codes(holds):
            held.setdefault(name, set()).add(state)
    return held


def test_the_states_on_the_page_are_the_delivery_statuses():
    assert set(state_table()) == STATUSES
    diagram = extract.code_blocks(PAGE)[0]
    assert diagram.language == "text"
    for status in STATUSES:
        assert re.search(rf"\|\s+{status}\s+\|", diagram.body), f"the diagram has no box for {status}"


def test_every_column_named_is_a_field_of_a_delivery_or_an_endpoint():
    fields = {f.name for model in (Delivery, WebhookEndpoint) for f in model._meta.concrete_fields}
    tables = {Delivery._meta.db_table, WebhookEndpoint._meta.db_table}
    named = {code for code in extract.inline_code(TEXT) if SNAKE_CASE.match(code)}

    assert {"queued_until", "sending_until", "claim_token", "next_attempt_at", "is_active"} <= named
    assert named - fields <= tables, f"not columns: {sorted(named - fields - tables)}"
    assert tables <= named


def test_every_function_and_file_named_exists():
    named = [code for code in extract.inline_code(TEXT) if FUNCTION_OR_FILE.match(code)]
    assert len(set(named)) >= 20
    for code in named:
        module_name, name = code.split(".")
        if name == "py":
            service_module(module_name)
        else:
            function_named(code)


def transitions() -> list[tuple[int, list[str], list[str], list[str]]]:
    """(number, from states, to states, functions) of each item of the numbered list."""
    section = TEXT.split("The transitions, by number", 1)[1].split("\n\n", 1)[1].split("\n\n", 1)[0]
    found = []
    for number, heading, rest in re.findall(r"^(\d+)\. \*\*(.+?)\*\*(.*?)(?=^\d+\. |\Z)", section, re.M | re.S):
        before, after = heading.split(" → ")
        assert codes(before) or before == "new", heading
        functions = [code for code in codes(rest) if FUNCTION_OR_FILE.match(code)]
        found.append((int(number), codes(before), codes(after), functions))
    return found


def test_each_transition_is_written_by_the_functions_the_page_gives():
    rows = transitions()
    assert [number for number, *_ in rows] == list(range(1, 12))
    diagram = extract.code_blocks(PAGE)[0].body
    for number, before, after, functions in rows:
        assert f"({number})" in diagram, f"transition {number} is not on the diagram"
        assert set(before) <= STATUSES and after and set(after) <= STATUSES, number
        assert functions, f"transition {number} names no function"
        for dotted in functions:
            source = source_with_helpers(function_named(dotted))
            for status in after:
                written = rf"(?:Status\.|\b_){status.upper()}\b"
                assert re.search(written, source), f"({number}) {dotted} never names the status {status}"


LEASE_WRITE = r"\b{field}\s*=(?!=)"
LEASE_READ = r"\b{field}(?:__\w+|\s*[<>])"


def lease_sections() -> dict[str, dict[str, list[str]]]:
    """Each lease's field, with the names in its "Held while", "Set by"... list."""
    found = {}
    for field, body in re.findall(r"^### The \w+ lease: `(\w+)`.*?\n(.*?)(?=^### |\Z)", TEXT, re.M | re.S):
        entries = re.findall(r"^- ([A-Z][a-z ]+): (.*?)(?=^- |^$)", body, re.M | re.S)
        found[field] = {label: codes(value) for label, value in entries}
    return found


@pytest.mark.parametrize("field", ["queued_until", "sending_until"])
def test_each_lease_names_every_function_that_writes_or_reads_it(field):
    lease = lease_sections()[field]
    assert set(lease) == {"Held while", "Set by", "Cleared by", "Read by"}
    assert set(lease["Held while"]) == lease_fields_by_state()[field]
    writers = [function_named(dotted) for dotted in lease["Set by"] + lease["Cleared by"]]
    readers = [function_named(dotted) for dotted in lease["Read by"]]
    for function in writers + readers:
        assert re.search(rf"\b{field}(?:__|\b)", source_with_helpers(function)), (
            f"{function.__name__} never names {field}"
        )

    covered_writes = set().union(*(with_helpers(function) for function in writers))
    covered_reads = set().union(*(with_helpers(function) for function in readers))
    for function in every_service_function():
        source = inspect.getsource(function)
        if re.search(LEASE_WRITE.format(field=field), source):
            assert function in covered_writes, f"{function.__qualname__} writes {field}; the page does not say so"
        if re.search(LEASE_READ.format(field=field), source):
            assert function in covered_reads, f"{function.__qualname__} reads {field}; the page does not say so"


def test_the_numbers_on_the_page_are_the_codes():
    assert f"up to {claims.BATCH_SIZE} in a claim" in PROSE
    assert f"together up to {claims.BATCH_SIZE}" in PROSE
    assert claims.MAX_FAILURES_IN_A_ROW == 3 and "three failures in a row" in PROSE
    assert slow_receivers.SLOW_ANSWER_SECONDS == 0.5 and "more than half a second" in PROSE
    assert slow_receivers.SLOW_FOR_SECONDS == 60 and "after the others, for a minute" in PROSE
    assert slow_receivers.BATCH_SECONDS == 2 and "in about two seconds" in PROSE
    assert delivering.LEASE_MARGIN_SECONDS == 1 and "a second's margin" in PROSE
    assert outcomes.SUCCESS_STAMP_INTERVAL == timedelta(minutes=1) and "at most once a minute" in PROSE
    days = settings.WEBHOOK_DISABLE_AFTER.days
    assert f"failing for {days} days" in PROSE and f"failed for {days} days" in extract.code_blocks(PAGE)[1].body
    assert f"`{nudges.KEY_PREFIX}<endpoint id>`" in PROSE


# --- What the page says a state holds, through a delivery's life ----------------------------


def assert_each_lease_is_held_only_in_its_states() -> None:
    held = lease_fields_by_state()
    assert set(held) == {"queued_until", "sending_until", "claim_token"}
    for field, states in held.items():
        elsewhere = Delivery.objects.exclude(status__in=states).filter(Q(**{f"{field}__isnull": False}))
        assert not elsewhere.exists(), f"{field} set in {set(elsewhere.values_list('status', flat=True))}"


@pytest.mark.usefixtures("private_networks_allowed")
@pytest.mark.usefixtures("webhook_broker")
def test_a_delivery_holds_each_lease_only_in_the_state_the_page_gives_it(workspace, actor, receiver):
    answers = iter([500, 200, 200, 200])
    receiver.respond = lambda request: Reply(next(answers))
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)  # (1)
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.queued_until is not None
    assert_each_lease_is_held_only_in_its_states()

    claim = claims.claim_one(endpoint.id, enforce_limit=True)  # (3)
    assert Delivery.objects.get().sending_until is not None
    assert_each_lease_is_held_only_in_its_states()
    outcomes.record([claim])  # (7): never posted
    assert_each_lease_is_held_only_in_its_states()

    claims.claim_one(endpoint.id, enforce_limit=True)  # (3)
    Delivery.objects.update(sending_until=timezone.now() - timedelta(seconds=1))  # its worker died
    sweep()  # (8), and its endpoint queued again
    assert Delivery.objects.get().queued_until is not None
    assert_each_lease_is_held_only_in_its_states()

    send_batch(endpoint.id)  # (3), (5): the receiver answers 500
    assert Delivery.objects.get().status == "pending"
    assert_each_lease_is_held_only_in_its_states()

    Delivery.objects.update(next_attempt_at=timezone.now())
    send_batch(endpoint.id)  # (3), (4)
    assert Delivery.objects.get().status == "succeeded"
    assert_each_lease_is_held_only_in_its_states()

    resend_delivery(Delivery.objects.get())  # (11)
    assert_each_lease_is_held_only_in_its_states()
    disable_endpoint(endpoint)  # (9)
    assert Delivery.objects.get().status == "failed"
    assert_each_lease_is_held_only_in_its_states()

    send_test_event(endpoint)  # (2), (3), (4)
    assert_each_lease_is_held_only_in_its_states()
    assert list(Delivery.objects.values_list("status", flat=True)) == ["succeeded", "failed"]
