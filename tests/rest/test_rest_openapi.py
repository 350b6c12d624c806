"""The per-workspace OpenAPI documents: valid, complete, authenticated, and usable
from the playground (examples that the API accepts, the caller's own origin)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from jsonschema import Draft202012Validator
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from crm.models import Company, Person
from crm.services.fields import create_custom_field

OBJECTS = {
    "people": "Person",
    "companies": "Company",
    "opportunities": "Opportunity",
    "notes": "Note",
    "tasks": "Task",
    "noteTargets": "NoteTarget",
    "taskTargets": "TaskTarget",
}
METHODS = ("get", "post", "patch", "delete", "put")
WORKSPACE_STORE = Path(__file__).resolve().parents[2] / "node_modules" / "@scalar" / "workspace-store"
# Loads a document the way the REST playground does and prints the validation errors
# it would log to the browser console ("document validation errors").
SCALAR_CHECK = """
import { createWorkspaceStore } from "@scalar/workspace-store/client";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const errors = [];
// Timings go to console.info; the errors are the arrays passed to console.warn.
console.log = console.info = () => {};
console.warn = (...args) => {
  if (Array.isArray(args[0])) errors.push(...args[0].map((e) => ({ path: e.path, message: e.message })));
};
await createWorkspaceStore().addDocument({ name: "api", document: JSON.parse(input) });
process.stdout.write(JSON.stringify(errors));
"""


@pytest.fixture
def api(api_token: str, settings) -> Client:
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


@pytest.fixture
def core(api, workspace) -> dict:
    return api.get("/rest/open-api/core").json()


@pytest.fixture
def metadata(api, workspace) -> dict:
    return api.get("/rest/open-api/metadata").json()


def operations(document: dict):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def validator_for(document: dict, schema: dict) -> Draft202012Validator:
    # Embedding the components lets "#/components/..." references resolve.
    return Draft202012Validator({**schema, "components": document["components"]})


@pytest.mark.parametrize("kind", ["core", "metadata"])
def test_documents_are_valid_openapi_3_1(api, workspace, kind):
    document = api.get(f"/rest/open-api/{kind}").json()
    assert document["openapi"] == "3.1.0"
    errors = [error for error in OPENAPI_31_VALIDATOR.iter_errors(document)]
    assert not errors, errors[:3]
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("kind", ["core", "metadata"])
def subschemas(schema: dict, path: str):
    """Every schema nested in ``schema`` (itself included), with its location."""
    yield path, schema
    for key in ("properties", "patternProperties"):
        for name, sub in schema.get(key, {}).items():
            yield from subschemas(sub, f"{path}/{key}/{name}")
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for index, sub in enumerate(schema.get(key, [])):
            yield from subschemas(sub, f"{path}/{key}/{index}")
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            yield from subschemas(schema[key], f"{path}/{key}")


@pytest.mark.parametrize("kind", ["core", "metadata"])
def test_every_schema_states_its_type_and_none_uses_nullable(api, workspace, kind):
    create_custom_field(workspace, {"objectName": "company", "name": "budget", "label": "Budget", "type": "CURRENCY"})
    document = api.get(f"/rest/open-api/{kind}").json()
    for name, schema in document["components"]["schemas"].items():
        for path, sub in subschemas(schema, name):
            assert "nullable" not in sub, path
            if "$ref" in sub:
                assert set(sub) <= {"$ref", "description"}, path
            else:
                assert "type" in sub, (path, sub)


def test_a_nullable_relation_is_a_reference_or_null(core):
    company = core["components"]["schemas"]["Opportunity"]["properties"]["company"]
    assert company["type"] == ["object", "null"]
    assert company["anyOf"] == [{"$ref": "#/components/schemas/Company"}, {"type": "null"}]
    validator = validator_for(core, {"$ref": "#/components/schemas/Opportunity/properties/company"})
    assert validator.is_valid(None)
    assert not validator.is_valid("a company")


@pytest.mark.skipif(
    shutil.which("node") is None or not WORKSPACE_STORE.is_dir(),
    reason="needs node and node_modules/ (`make install`)",
)
@pytest.mark.parametrize("kind", ["core", "metadata"])
def test_the_playground_loads_the_documents_without_validation_errors(api, workspace, kind):
    create_custom_field(workspace, {"objectName": "company", "name": "budget", "label": "Budget", "type": "CURRENCY"})
    document = api.get(f"/rest/open-api/{kind}").content
    result = subprocess.run(
        ["node", "--input-type=module", "-e", SCALAR_CHECK],
        input=document,
        capture_output=True,
        cwd=WORKSPACE_STORE.parent.parent.parent,
        timeout=120,
        check=True,
    )
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize("kind", ["core", "metadata"])
def test_every_operation_is_named_secured_and_documents_its_errors(api, workspace, kind):
    document = api.get(f"/rest/open-api/{kind}").json()
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))
    assert document["security"] == [{"bearerAuth": []}]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "messages", "statusCode"]
    for path, method, operation in operations(document):
        assert "401" in operation["responses"] and "429" in operation["responses"], (path, method)
        # A duplicate search is sent with POST but writes nothing: read-only keys may run it.
        if method != "get" and not path.endswith("/duplicates"):
            assert "403" in operation["responses"], (path, method)


def test_the_core_document_has_every_route_of_every_object(core):
    for plural, schema in OBJECTS.items():
        assert set(core["paths"][f"/{plural}"]) == {"get", "post", "patch", "put", "delete"}
        assert set(core["paths"][f"/{plural}/restore"]) == {"patch"}
        assert set(core["paths"][f"/{plural}/{{id}}"]) == {"parameters", "get", "patch", "put", "delete"}
        assert set(core["paths"][f"/{plural}/{{id}}/restore"]) == {"parameters", "patch"}
        assert set(core["paths"][f"/batch/{plural}"]) == {"post"}
        assert set(core["paths"][f"/restore/{plural}/{{id}}"]) == {"parameters", "patch"}
        assert core["paths"][f"/{plural}/{{id}}"]["put"]["deprecated"] is True
        for suffix in ("", "ForCreate", "ForUpdate", "WebhookEvent"):
            assert f"{schema}{suffix}" in core["components"]["schemas"]
    names = {p["name"] for p in core["paths"]["/people"]["get"]["parameters"]}
    assert names == {"filter", "order_by", "limit", "starting_after", "ending_before", "depth", "fields"}
    assert core["paths"]["/people"]["get"]["operationId"] == "findManyPeople"
    assert core["paths"]["/people/{id}"]["delete"]["parameters"][0]["name"] == "soft_delete"
    bulk_delete = core["paths"]["/people"]["delete"]
    assert bulk_delete["operationId"] == "deleteManyPeople"
    assert [(p["name"], p.get("required", False)) for p in bulk_delete["parameters"]][:2] == [
        ("filter", True),
        ("soft_delete", False),
    ]
    for path, method in (("/people", "post"), ("/people/{id}", "patch"), ("/batch/people", "post")):
        assert {"depth", "fields"} <= {p["name"] for p in core["paths"][path][method]["parameters"]}


def test_schemas_follow_the_metadata(core):
    person = core["components"]["schemas"]["Person"]["properties"]
    assert person["name"]["properties"]["firstName"]["type"] == "string"
    assert person["companyId"]["format"] == "uuid"
    assert person["company"]["anyOf"][0] == {"$ref": "#/components/schemas/Company"}
    assert person["pointOfContactForOpportunities"]["items"] == {"$ref": "#/components/schemas/Opportunity"}
    create = core["components"]["schemas"]["PersonForCreate"]
    assert create["additionalProperties"] is False
    assert "updatedAt" not in create["properties"]
    where = create["properties"]["company"]["properties"]["connect"]["properties"]["where"]["properties"]
    assert set(where) == {"id", "domainName"} and set(where["domainName"]["properties"]) == {"primaryLinkUrl"}
    assert create["properties"]["createdAt"]["format"] == "date-time"
    assert "IMPORT" in create["properties"]["createdBy"]["properties"]["source"]["enum"]
    stage = core["components"]["schemas"]["OpportunityForCreate"]["properties"]["stage"]
    assert stage["enum"] == ["NEW", "SCREENING", "MEETING", "PROPOSAL", "CUSTOMER"]
    update = core["components"]["schemas"]["PersonForUpdate"]["properties"]
    assert "id" in update and "createdAt" not in update and "createdBy" not in update


def test_the_webhook_routes_are_in_the_core_document(core, metadata):
    paths = core["paths"]
    assert set(paths["/webhooks"]) == {"get", "post"}
    assert set(paths["/webhooks/{id}"]) == {"parameters", "get", "patch", "delete"}
    for action in ("rotate-secret", "test", "recover"):
        assert set(paths[f"/webhooks/{{id}}/{action}"]) == {"parameters", "post"}
    assert set(paths["/webhooks/{id}/deliveries"]) == {"parameters", "get"}
    resend = paths["/webhooks/{id}/deliveries/{deliveryId}/resend"]
    assert [p["name"] for p in resend["parameters"]] == ["id", "deliveryId"]
    assert set(resend["post"]["responses"]) >= {"202", "401", "403", "404", "409", "429"}
    deliveries = paths["/webhooks/{id}/deliveries"]["get"]
    assert {p["name"] for p in deliveries["parameters"]} == {"status", "event", "limit", "starting_after"}
    recover = paths["/webhooks/{id}/recover"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert recover["required"] == ["since"] and recover["properties"]["since"]["format"] == "date-time"
    assert {tag["name"] for tag in core["tags"]} >= {"Webhooks", "People"}
    assert not any(path.startswith("/webhooks") for path in metadata["paths"])


def test_webhook_schemas_match_what_the_routes_return(api, core):
    schemas = core["components"]["schemas"]
    created = api.post(
        "/rest/webhooks", {"targetUrl": "https://hooks.example.com/crm"}, content_type="application/json"
    ).json()
    listed = api.get("/rest/webhooks").json()[0]
    one = api.get(f"/rest/webhooks/{created['id']}").json()
    rotated = api.post(f"/rest/webhooks/{created['id']}/rotate-secret").json()["data"]["rotateWebhookSecret"]
    for value in (created, listed, one, rotated):
        errors = list(validator_for(core, {"$ref": "#/components/schemas/Webhook"}).iter_errors(value))
        assert not errors, errors[:2]
    assert set(schemas["Webhook"]["properties"]) == set(listed)
    deleted = api.delete(f"/rest/webhooks/{created['id']}").json()
    delete_schema = core["paths"]["/webhooks/{id}"]["delete"]["responses"]["200"]["content"]["application/json"]
    assert not list(validator_for(core, delete_schema["schema"]).iter_errors(deleted))


def test_the_webhook_payloads_are_documented(core):
    assert set(core["webhooks"]) == {"person", "company", "opportunity", "note", "task", "noteTarget", "taskTarget"}
    body = core["webhooks"]["person"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/PersonWebhookEvent"}
    event = core["components"]["schemas"]["PersonWebhookEvent"]
    assert event["properties"]["record"]["$ref"] == "#/components/schemas/Person"
    assert "person.updated" in event["properties"]["eventName"]["enum"]
    headers = {p["name"] for p in core["webhooks"]["person"]["post"]["parameters"]}
    assert headers == {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "X-Twenty-Webhook-Signature",
        "X-Twenty-Webhook-Timestamp",
        "X-Twenty-Webhook-Nonce",
    }


def test_custom_fields_appear_as_soon_as_they_are_created(api, workspace):
    before = api.get("/rest/open-api/core").json()
    assert "tier" not in before["components"]["schemas"]["Person"]["properties"]
    create_custom_field(
        workspace,
        {"objectName": "person", "name": "tier", "label": "Tier", "type": "SELECT", "options": [{"value": "GOLD"}]},
    )
    after = api.get("/rest/open-api/core").json()
    assert "tier" in after["components"]["schemas"]["Person"]["properties"]
    assert after["components"]["schemas"]["PersonForCreate"]["properties"]["tier"]["enum"] == ["GOLD", None]
    objects = api.get("/rest/open-api/metadata").json()["components"]["schemas"]["FieldForCreate"]
    assert "person" in objects["properties"]["objectName"]["enum"]


def test_group_by_duplicates_and_merge_are_documented_as_they_answer(api, workspace, actor, core):
    from crm.services.records import create_records

    for plural in OBJECTS:
        assert set(core["paths"][f"/{plural}/groupBy"]) == {"get"}
        assert set(core["paths"][f"/{plural}/merge"]) == {"patch"}
        assert (f"/{plural}/duplicates" in core["paths"]) is (plural in ("people", "companies"))
    group = core["components"]["schemas"]["OpportunityGroup"]["properties"]
    assert {"groupByDimensionValues", "totalCount", "sumAmountAmountMicros", "minCloseDate", "records"} <= set(group)
    parameters = {p["name"] for p in core["paths"]["/opportunities/groupBy"]["get"]["parameters"]}
    assert parameters == {
        "group_by",
        "aggregate",
        "filter",
        "order_by",
        "order_by_for_records",
        "include_records_sample",
        "limit",
    }

    people = create_records(workspace, "person", [{"name": {"firstName": "Ada", "lastName": "L"}}] * 2, actor)
    answers = {
        ("/people/groupBy", "get"): api.get(
            '/rest/people/groupBy?group_by=[{"city":true}]&include_records_sample=true'
        ),
        ("/people/duplicates", "post"): api.post(
            "/rest/people/duplicates", {"ids": [people[0]["id"]]}, content_type="application/json"
        ),
        ("/people/merge", "patch"): api.patch(
            "/rest/people/merge",
            {"ids": [p["id"] for p in people], "conflictPriorityIndex": 0},
            content_type="application/json",
        ),
    }
    for (path, method), response in answers.items():
        assert response.status_code == 200, (path, response.content)
        schema = core["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert not list(validator_for(core, schema).iter_errors(response.json())), path


def test_request_examples_match_their_schemas_and_are_accepted(api, workspace, core):
    create_custom_field(workspace, {"objectName": "company", "name": "budget", "label": "Budget", "type": "CURRENCY"})
    core = api.get("/rest/open-api/core").json()
    for path, method, operation in operations(core):
        if "requestBody" not in operation:
            continue
        media = operation["requestBody"]["content"]["application/json"]
        for example in media["examples"].values():
            errors = list(validator_for(core, media["schema"]).iter_errors(example["value"]))
            assert not errors, (path, errors[:2])
            if method == "post" and "{" not in path:
                # The examples of one object share its primary email or domain, which
                # names one record: each is tried on a workspace without them.
                Person.objects.all().delete()
                Company.objects.all().delete()
                response = api.post(f"/rest{path}", example["value"], content_type="application/json")
                success = next(code for code in operation["responses"] if code.startswith("2"))
                assert response.status_code == int(success), (path, response.content)


def test_metadata_request_examples_are_accepted(api, workspace, metadata):
    media = metadata["paths"]["/fields"]["post"]["requestBody"]["content"]["application/json"]
    example = next(iter(media["examples"].values()))["value"]
    assert not list(validator_for(metadata, media["schema"]).iter_errors(example))
    assert api.post("/rest/metadata/fields", example, content_type="application/json").status_code == 201


def test_servers_are_the_callers_own_origin(api_token, workspace, settings):
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}", HTTP_HOST="crm.example.com")
    assert client.get("/rest/open-api/core").json()["servers"][0]["url"] == "http://crm.example.com/rest"
    metadata = client.get("/rest/open-api/metadata", secure=True).json()
    assert metadata["servers"][0]["url"] == "https://crm.example.com/rest/metadata"


def test_documents_need_a_key(workspace, api_token):
    response = Client().get("/rest/open-api/core")
    assert response.status_code == 401
    assert response.json()["error"] == "UNAUTHENTICATED"
    assert Client().get("/rest/open-api/metadata?token=crm_wrong").status_code == 401


def test_a_key_in_the_query_string_is_never_read(workspace, api_token):
    """Keys in URLs end up in access logs, browser history and Referer headers: only the
    Authorization header authenticates, as in Twenty."""
    for path in ("/rest/open-api/core", "/rest/open-api/metadata", "/rest/people"):
        response = Client().get(f"{path}?token={api_token}")
        assert response.status_code == 401, path
        assert response.json()["messages"][0] == "Missing authentication token"
    graphql = Client().post(
        f"/graphql?token={api_token}", {"query": "{ people { totalCount } }"}, content_type="application/json"
    )
    assert graphql.json().get("data") is None


def test_read_only_keys_can_read_the_documents(workspace, read_only_token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {read_only_token}")
    assert client.get("/rest/open-api/core").status_code == 200


def test_each_workspace_gets_its_own_document(workspace, other_workspace, api_token, other_token):
    create_custom_field(workspace, {"objectName": "note", "name": "mood", "label": "Mood", "type": "TEXT"})
    mine = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}").get("/rest/open-api/core").json()
    theirs = Client(HTTP_AUTHORIZATION=f"Bearer {other_token}").get("/rest/open-api/core").json()
    assert "mood" in mine["components"]["schemas"]["Note"]["properties"]
    assert "mood" not in theirs["components"]["schemas"]["Note"]["properties"]
    assert "Acme" in mine["info"]["title"] and "Globex" in theirs["info"]["title"]
