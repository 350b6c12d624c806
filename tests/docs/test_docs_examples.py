"""The examples in the docs work as shown: every curl command and Python script runs
against a live server with a real key and answers what the docs say it answers
(status, headers shown, envelope keys), and every signature-verification example
accepts a real delivery and rejects a tampered one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.management import call_command

from crm.models import Workspace
from crm.services.actor import Actor
from crm.services.api_keys import create_api_key
from crm.services.records import create_record, delete_record, destroy_record, restore_record, update_record
from docs_site import extract
from webhooks.models import Delivery, WebhookEndpoint
from webhooks.services.deliveries import send_test_event
from webhooks.services.delivering import deliver
from webhooks.services.endpoints import create_endpoint

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("webhook_broker", "private_networks_allowed"),
]

DOCS = {path.name: path for path in extract.markdown_files()}
API_PAGE = DOCS["api-and-webhooks.md"]
# Placeholder addresses the docs use for the reader's server.
BASE_URL_PLACEHOLDERS = ("https://<your-domain>", "http://127.0.0.1:8000")
ACTOR = Actor(source="MANUAL", name="Docs examples")


@dataclass
class Example:
    file: str
    heading: str
    code: str
    expected: str | None


def heading_before(text: str, offset: int) -> str:
    headings = re.findall(r"^#{1,4} (.+)$", text[:offset], re.M)
    return headings[-1] if headings else "(top)"


def curl_examples(path: Path) -> list[Example]:
    text = extract.read(path)
    blocks = extract.code_blocks(path)
    examples = []
    for index, block in enumerate(blocks):
        if block.language != "sh" or not re.search(r"^curl |\ncurl ", block.body):
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        expected = following.body if following is not None and following.language == "http" else None
        examples.append(Example(path.name, heading_before(text, block.offset), block.body, expected))
    return examples


def python_blocks(path: Path, marker: str) -> list[str]:
    return [b.body for b in extract.code_blocks(path) if b.language == "python" and marker in b.body]


def substitute(code: str, base_url: str) -> str:
    for placeholder in BASE_URL_PLACEHOLDERS:
        code = code.replace(placeholder, base_url)
    # "export CRM_API_KEY="crm_..."" tells the reader to paste their key; the test sets it.
    return re.sub(r'^export [A-Z_]+="[^"]*\.\.\."[^\n]*$', "", code, flags=re.M)


# --- The server side: data, a key, and the ids the examples use ---------------------------


@dataclass
class DocsWorld:
    base_url: str
    workspace: Workspace
    env: dict[str, str]


@pytest.fixture
def world(live_server: Any, receiver: Any) -> DocsWorld:  # noqa: F811 - the fixture imported above
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    workspace = Workspace.objects.get(slug="demo")
    _, token = create_api_key(workspace, "Docs examples")
    person = create_record(
        workspace, "person", {"name": {"firstName": "Grace", "lastName": "Hopper"}, "jobTitle": "Rear Admiral"}, ACTOR
    )
    endpoint = create_endpoint(workspace, target_url=receiver.url, operations=["person.*"])
    # A delivery already sent, for the examples that resend one.
    other = create_record(workspace, "person", {"name": {"firstName": "Ada", "lastName": "Lovelace"}}, ACTOR)
    sent = Delivery.objects.get(event__record_id=other["id"], endpoint=endpoint)
    assert deliver(sent.id).succeeded
    first_page = requests.get(
        f"{live_server.url}/rest/people",
        params={"limit": 2},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    company = create_record(workspace, "company", {"name": "Acme"}, ACTOR)
    env = {
        "CRM_API_KEY": token,
        "PERSON_ID": person["id"],
        "COMPANY_ID": company["id"],
        "WEBHOOK_ID": str(endpoint.id),
        "WEBHOOK_SECRET": endpoint.secret,
        "DELIVERY_ID": str(sent.id),
        "END_CURSOR": first_page["pageInfo"]["endCursor"],
    }
    return DocsWorld(live_server.url, workspace, env)


# --- Comparing an answer with what the docs show ----------------------------------------


@dataclass
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: Any


def parse_expected(block: str) -> HttpAnswer:
    head, _, body = block.partition("\n\n")
    lines = head.splitlines()
    status = int(lines[0].split()[1])
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return HttpAnswer(status, headers, json.loads(body) if body.strip() else None)


def parse_actual(header_dump: str, body: bytes) -> HttpAnswer:
    # With redirects there could be several header blocks; the docs' examples have none.
    lines = [line for line in header_dump.strip().splitlines() if line.strip()]
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return HttpAnswer(status, headers, json.loads(body) if body.strip() else None)


def compare_shape(shown: Any, actual: Any, where: str, problems: list[str], *, envelope: bool = False) -> None:
    """The answer has everything the docs show: the same keys at the envelope level,
    at least the shown keys deeper down, and values of the same kind."""
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            problems.append(f"{where}: the docs show an object, the API returned {type(actual).__name__}")
            return
        if envelope and set(shown) != set(actual):
            problems.append(f"{where}: keys {sorted(actual)} returned, the docs show {sorted(shown)}")
        missing = sorted(set(shown) - set(actual))
        if missing:
            problems.append(f"{where}: the docs show {missing}, which the API did not return")
        for key, value in shown.items():
            if key in actual:
                compare_shape(value, actual[key], f"{where}.{key}", problems, envelope=envelope and key == "data")
        return
    if isinstance(shown, list):
        if not isinstance(actual, list):
            problems.append(f"{where}: the docs show a list, the API returned {type(actual).__name__}")
        elif shown and not actual:
            problems.append(f"{where}: the docs show items, the API returned none")
        elif shown:
            compare_shape(shown[0], actual[0], f"{where}[0]", problems)
        return
    if shown is None or actual is None:
        return
    kinds = (bool, int | float, str)
    for kind in kinds:
        if isinstance(shown, kind) != isinstance(actual, kind):
            problems.append(f"{where}: the docs show {shown!r}, the API returned {actual!r}")
            return


def compare(expected: HttpAnswer, actual: HttpAnswer) -> list[str]:
    problems = []
    if expected.status != actual.status:
        problems.append(f"status {actual.status}, the docs show {expected.status} (body: {actual.body})")
        return problems
    for name, value in expected.headers.items():
        got = actual.headers.get(name.lower())
        if got is None:
            problems.append(f"header {name} missing")
        elif name.lower() in ("content-type", "www-authenticate") and not got.startswith(value):
            problems.append(f"header {name}: {got!r}, the docs show {value!r}")
    if expected.body is not None:
        compare_shape(expected.body, actual.body, "body", problems, envelope=True)
        if isinstance(expected.body, dict) and "statusCode" in expected.body:
            for key in ("statusCode", "error", "messages"):
                if expected.body.get(key) != actual.body.get(key):
                    problems.append(f"{key}: {actual.body.get(key)!r}, the docs show {expected.body.get(key)!r}")
    return problems


# --- Running the examples -------------------------------------------------------------------

CURL_WRAPPER = textwrap.dedent(
    """\
    set -euo pipefail
    curl() { command curl --silent --show-error --output "$ANSWER_BODY" --dump-header "$ANSWER_HEADERS" "$@"; }
    """
)


def run_curl(example: Example, world: DocsWorld, workdir: Path) -> HttpAnswer:
    body_file, header_file = workdir / "body", workdir / "headers"
    for leftover in (body_file, header_file):
        leftover.unlink(missing_ok=True)
    script = CURL_WRAPPER + substitute(example.code, world.base_url)
    env = {**os.environ, **world.env, "ANSWER_BODY": str(body_file), "ANSWER_HEADERS": str(header_file)}
    result = subprocess.run(["bash", "-c", script], env=env, cwd=workdir, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{example.heading}: the command failed: {result.stderr}"
    return parse_actual(header_file.read_text(), body_file.read_bytes())


@pytest.mark.parametrize("file", sorted(name for name, path in DOCS.items() if curl_examples(path)))
def test_every_curl_example_answers_what_the_docs_show(file: str, world: DocsWorld, tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    examples = curl_examples(DOCS[file])
    failures = []
    for example in examples:
        actual = run_curl(example, world, tmp_path)
        if example.expected is None:
            if not 200 <= actual.status < 300:
                failures.append(f"[{example.heading}] status {actual.status}: {actual.body}")
            continue
        failures += [f"[{example.heading}] {p}" for p in compare(parse_expected(example.expected), actual)]
    assert not failures, "\n".join(failures)


def test_the_api_page_has_curl_examples_with_answers_for_every_record_operation() -> None:
    headings = {e.heading for e in curl_examples(API_PAGE) if e.expected is not None}
    for heading in (
        "List records",
        "Get one record",
        "Create a record",
        "Create records in a batch",
        "Update a record",
        "Delete a record",
        "Restore a deleted record",
        "Errors",
    ):
        assert heading in headings


def test_every_python_api_example_runs(world: DocsWorld, tmp_path: Path) -> None:
    scripts = python_blocks(API_PAGE, "requests.")
    assert len(scripts) >= 2
    for index, code in enumerate(scripts):
        script = tmp_path / f"example_{index}.py"
        script.write_text(substitute(code, world.base_url))
        result = subprocess.run(
            [sys.executable, str(script)],
            env={**os.environ, **world.env},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, f"Python example {index} failed:\n{code}\n{result.stderr}"
        assert result.stdout.strip(), f"Python example {index} printed nothing"


def test_the_custom_objects_example_delivers_the_payload_it_shows(
    world: DocsWorld,
    receiver: Any,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    """Create the object, its field and relation, subscribe (to the local receiver) and
    create a record, as the "Custom objects" section does; the delivery has what it shows."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    section = [e for e in curl_examples(API_PAGE) if e.heading in CUSTOM_OBJECT_HEADINGS]
    subscribe = next(e for e in section if "/rest/webhooks" in e.code)
    order = [e for e in section if e is not subscribe and "/rest/projects" not in e.code]
    order += [subscribe] + [e for e in section if "-X POST" in e.code and "/rest/projects" in e.code]
    for example in order:
        example.code = example.code.replace("https://example.com/webhooks/projects", receiver.url)
        answer = run_curl(example, world, tmp_path)
        assert 200 <= answer.status < 300, f"[{example.heading}] {answer.status}: {answer.body}"
    delivery = Delivery.objects.get(event__name="project.created", endpoint__target_url=receiver.url)
    assert deliver(delivery.id).succeeded
    actual = json.loads(receiver.received()[-1].body)
    (shown,) = [example for example in payload_examples() if example["eventName"] == "project.created"]
    assert actual["eventName"] == "project.created" and set(shown) == set(actual)
    problems: list[str] = []
    compare_shape(shown, actual, "payload", problems)
    assert not problems, problems


CUSTOM_OBJECT_HEADINGS = (
    "Creating an object",
    "Fields and relations",
    "Records of a custom object",
    "Webhooks of a custom object",
)


# --- Signature verification, against a real delivery ---------------------------------------


@dataclass
class ReceivedDelivery:
    body: bytes
    headers: dict[str, str]
    secret: str


@pytest.fixture
def real_delivery(world: DocsWorld, receiver: Any) -> ReceivedDelivery:  # noqa: F811
    """A person.updated delivery, sent by the webhook code to a local receiver."""
    changes = {"jobTitle": "Computer scientist", "city": "Arlington"}
    update_record(world.workspace, "person", world.env["PERSON_ID"], changes, ACTOR)
    delivery = Delivery.objects.get(event__record_id=world.env["PERSON_ID"], event__action="updated")
    attempt = deliver(delivery.id)
    assert attempt is not None and attempt.succeeded
    request = receiver.received()[-1]
    return ReceivedDelivery(request.body, dict(request.headers), world.env["WEBHOOK_SECRET"])


def tampered(delivery: ReceivedDelivery) -> bytes:
    return delivery.body.replace(b"Computer scientist", b"Computer scientisT")


def payload_examples() -> list[dict[str, Any]]:
    return [json.loads(b.body) for b in extract.code_blocks(API_PAGE) if b.language == "json"]


def test_the_docs_show_the_body_of_every_kind_of_event() -> None:
    shown = {example["eventName"].partition(".")[2] for example in payload_examples()}
    assert shown == {"created", "updated", "deleted", "restored", "destroyed", "test"}


def test_every_payload_example_has_the_keys_of_a_real_delivery_of_its_event(
    world: DocsWorld,
    receiver: Any,  # noqa: F811
) -> None:
    endpoint = WebhookEndpoint.objects.get(id=world.env["WEBHOOK_ID"])
    person = create_record(world.workspace, "person", {"name": {"firstName": "Grace", "lastName": "Hopper"}}, ACTOR)
    update_record(world.workspace, "person", person["id"], {"jobTitle": "Computer scientist"}, ACTOR)
    delete_record(world.workspace, "person", person["id"], ACTOR)
    restore_record(world.workspace, "person", person["id"], ACTOR)
    destroy_record(world.workspace, "person", person["id"], ACTOR)
    deliveries = Delivery.objects.filter(event__record_id=person["id"])
    for delivery in deliveries.order_by("created_at"):
        deliver(delivery.id)  # the first one sends the others along with it
    assert set(deliveries.values_list("status", flat=True)) == {"succeeded"}
    assert send_test_event(endpoint).succeeded
    actual = {request.json()["eventName"]: request.json() for request in receiver.received()}

    problems: list[str] = []
    for example in payload_examples():
        name = example["eventName"]
        if name.startswith("project."):
            continue  # the custom objects example, checked by its own test below
        real = actual[name]
        if set(example) != set(real):
            problems.append(f"{name}: keys {sorted(real)} sent, the docs show {sorted(example)}")
        compare_shape(example, real, name, problems)
    assert not problems, problems


def test_the_python_library_example_verifies_a_real_delivery(
    real_delivery: ReceivedDelivery, monkeypatch: pytest.MonkeyPatch
) -> None:
    from standardwebhooks.webhooks import WebhookVerificationError

    (code,) = python_blocks(API_PAGE, "from standardwebhooks")
    monkeypatch.setenv("WEBHOOK_SECRET", real_delivery.secret)
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs-python-library-example", "exec"), namespace)  # noqa: S102
    event = namespace["verify"](real_delivery.body, real_delivery.headers)
    assert event["eventName"] == "person.updated"
    with pytest.raises(WebhookVerificationError):
        namespace["verify"](tampered(real_delivery), real_delivery.headers)


def test_the_python_by_hand_example_verifies_a_real_delivery(
    real_delivery: ReceivedDelivery, monkeypatch: pytest.MonkeyPatch
) -> None:
    (code,) = python_blocks(API_PAGE, "hmac.compare_digest")
    monkeypatch.setenv("WEBHOOK_SECRET", real_delivery.secret)
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs-python-by-hand-example", "exec"), namespace)  # noqa: S102
    verify = namespace["verify"]
    assert verify(real_delivery.body, real_delivery.headers) is True
    assert verify(tampered(real_delivery), real_delivery.headers) is False
    stale = {**real_delivery.headers, "webhook-timestamp": str(int(real_delivery.headers["webhook-timestamp"]) - 3600)}
    assert verify(real_delivery.body, stale) is False


@pytest.fixture(scope="session")
def node_standardwebhooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder with the npm standardwebhooks package installed, as the docs say to."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js is not installed: the Node example is not checked")
    folder = tmp_path_factory.mktemp("node-example")
    install = [line for b in extract.code_blocks(API_PAGE) for line in b.body.splitlines() if "npm install" in line]
    assert install == ["npm install standardwebhooks"]
    result = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "standardwebhooks"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if result.returncode != 0:
        pytest.skip(f"the npm registry is not reachable, so the Node example is not checked: {result.stderr[-300:]}")
    yield folder


def test_the_node_library_example_verifies_a_real_delivery(
    real_delivery: ReceivedDelivery, node_standardwebhooks: Path
) -> None:
    (code,) = [b.body for b in extract.code_blocks(API_PAGE) if b.language == "javascript"]
    harness = textwrap.dedent(
        """
        const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const event = verify(Buffer.from(input.body, "base64"), input.headers);
        let tamperedRejected = false;
        try {
          verify(Buffer.from(input.tampered, "base64"), input.headers);
        } catch (error) {
          tamperedRejected = error.name === "WebhookVerificationError";
        }
        console.log(JSON.stringify({ event: event.eventName, tamperedRejected }));
        """
    )
    script = node_standardwebhooks / "example.js"
    script.write_text(code + harness)
    import base64

    stdin = json.dumps(
        {
            "body": base64.b64encode(real_delivery.body).decode(),
            "tampered": base64.b64encode(tampered(real_delivery)).decode(),
            "headers": real_delivery.headers,
        }
    )
    result = subprocess.run(
        ["node", str(script)],
        input=stdin,
        env={**os.environ, "WEBHOOK_SECRET": real_delivery.secret},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=node_standardwebhooks,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"event": "person.updated", "tamperedRejected": True}


def test_the_create_api_key_commands_in_the_docs_print_a_working_key(world: DocsWorld) -> None:
    from child_processes import database_url
    from django.conf import settings

    from crm.services.api_keys import authenticate_token

    commands = [
        line
        for path in DOCS.values()
        for block in extract.code_blocks(path)
        if block.language == "sh"
        for line in block.body.splitlines()
        if "manage.py create_api_key" in line
    ]
    assert commands
    for command in commands:
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DATABASE_URL": database_url()},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, f"{command}\n{result.stderr}"
        token = result.stdout.strip()
        key = authenticate_token(token)
        assert key.workspace == world.workspace
