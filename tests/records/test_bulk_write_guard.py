"""A filter-based write with a missing or empty filter is refused and changes nothing:
``updatePeople(filter: {})`` must never mean "every person in the workspace"."""

from __future__ import annotations

import pytest
from graphql_client import gql

from crm.query.record_queries import get_object
from crm.services.records import create_record, delete_record
from webhooks.models import Event

# object -> (capitalized plural, data for create, data for update)
OBJECTS = {
    "person": ("People", {"name": {"firstName": "Ada", "lastName": "Lovelace"}}, {"jobTitle": "Wiped"}),
    "company": ("Companies", {"name": "Northwind"}, {"name": "Wiped"}),
    "opportunity": ("Opportunities", {"name": "Pilot"}, {"name": "Wiped"}),
    "note": ("Notes", {"title": "Call"}, {"title": "Wiped"}),
    "task": ("Tasks", {"title": "Send deck"}, {"title": "Wiped"}),
}

EMPTY_FILTERS = {
    "missing": None,
    "empty object": {},
    "empty and": {"and": []},
    "empty or": {"or": []},
    "or of an empty filter": {"or": [{}]},
    "not of an empty filter": {"not": {}},
    "nested empties": {"and": [{}, {"or": []}], "not": {"and": []}},
}


def mutation(operation, plural, object_name, with_filter):
    type_name = f"{object_name[0].upper()}{object_name[1:]}"
    variables, arguments = [], []
    if with_filter:
        variables.append(f"$filter: {type_name}FilterInput")
        arguments.append("filter: $filter")
    if operation == "update":
        variables.append(f"$data: {type_name}UpdateInput!")
        arguments.append("data: $data")
    declared = f"({', '.join(variables)})" if variables else ""
    passed = f"({', '.join(arguments)})" if arguments else ""
    return f"mutation{declared} {{ {operation}{plural}{passed} {{ id }} }}"


def snapshot(workspace, object_name):
    model = get_object(workspace, object_name).model
    return sorted(model.objects.filter(workspace=workspace).values_list("id", "updated_at", "deleted_at"))


def three_live_and_one_deleted(workspace, actor, object_name, data):
    """Records of every state a bulk write could reach; what they look like and the event count."""
    for _ in range(3):
        create_record(workspace, object_name, data, actor)
    deleted = create_record(workspace, object_name, data, actor)
    delete_record(workspace, object_name, deleted["id"], actor)
    return snapshot(workspace, object_name), Event.objects.count()


@pytest.mark.parametrize("object_name", list(OBJECTS))
@pytest.mark.parametrize("operation", ["update", "delete", "restore", "destroy"])
@pytest.mark.parametrize("empty", list(EMPTY_FILTERS))
def test_bulk_write_with_an_empty_filter_is_refused_and_changes_nothing(
    client, workspace, api_token, actor, object_name, operation, empty
):
    plural, data, change = OBJECTS[object_name]
    before, events_before = three_live_and_one_deleted(workspace, actor, object_name, data)

    filter_value = EMPTY_FILTERS[empty]
    variables = {"data": change} if operation == "update" else {}
    if filter_value is not None:
        variables["filter"] = filter_value
    body = gql(client, api_token, mutation(operation, plural, object_name, filter_value is not None), variables).json()

    assert body["data"] is None or body["data"][f"{operation}{plural}"] is None
    # Twenty's words and extensions, as its own test snapshots them.
    twentys_extensions = {
        "code": "BAD_USER_INPUT",
        "subCode": "INVALID_QUERY_INPUT",
        "userFriendlyMessage": "An error occurred.",
    }
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        ("A non-empty filter is required", twentys_extensions)
    ]
    assert snapshot(workspace, object_name) == before
    assert Event.objects.count() == events_before


def test_a_real_filter_still_reaches_the_records_it_names(client, workspace, api_token, actor):
    kept = create_record(workspace, "person", {"jobTitle": "Engineer"}, actor)
    changed = create_record(workspace, "person", {"jobTitle": "Intern"}, actor)

    body = gql(
        client,
        api_token,
        mutation("update", "People", "person", True),
        {"filter": {"and": [{}, {"jobTitle": {"eq": "Intern"}}]}, "data": {"jobTitle": "Analyst"}},
    ).json()

    assert body.get("errors") is None
    assert [r["id"] for r in body["data"]["updatePeople"]] == [changed["id"]]
    model = get_object(workspace, "person").model
    assert model.objects.get(id=kept["id"]).job_title == "Engineer"
    assert model.objects.get(id=changed["id"]).job_title == "Analyst"


# -- REST ----------------------------------------------------------------------------

EMPTY_REST_FILTERS = {"missing": "", "blank": "?filter=", "only spaces": "?filter=%20%20"}

# operation -> (method, path under /rest, whether it sends a body)
REST_BULK_ROUTES = {
    "update": ("patch", "/rest/{plural}", True),
    "update with PUT": ("put", "/rest/{plural}", True),
    "delete": ("delete", "/rest/{plural}?soft_delete=true", False),
    "destroy": ("delete", "/rest/{plural}", False),
    "destroy, said": ("delete", "/rest/{plural}?soft_delete=false", False),
    "restore": ("patch", "/rest/{plural}/restore", False),
    "restore, Twenty's path": ("patch", "/rest/restore/{plural}", False),
}
# Twenty's REST API words the refusal of a bulk delete its own way.
REST_REFUSALS = {
    "delete": "Filters are mandatory for bulk delete operations. Please provide at least one filter to prevent "
    "accidental deletion of all records.",
    "destroy": "Filters are mandatory for bulk destroy operations. Please provide at least one filter to prevent "
    "accidental deletion of all records.",
}
REST_REFUSALS["destroy, said"] = REST_REFUSALS["destroy"]


def rest_path(template, plural, query):
    path = template.format(plural=plural)
    if not query:
        return path
    return path + ("&" if "?" in path else "?") + query.lstrip("?")


@pytest.mark.parametrize("object_name", list(OBJECTS))
@pytest.mark.parametrize("operation", list(REST_BULK_ROUTES))
@pytest.mark.parametrize("empty", list(EMPTY_REST_FILTERS))
def test_rest_bulk_route_with_an_empty_filter_is_refused_and_changes_nothing(
    client, workspace, api_token, actor, object_name, operation, empty
):
    _, data, change = OBJECTS[object_name]
    before, events_before = three_live_and_one_deleted(workspace, actor, object_name, data)
    plural = get_object(workspace, object_name).name_plural

    method, template, sends_body = REST_BULK_ROUTES[operation]
    path = rest_path(template, plural, EMPTY_REST_FILTERS[empty])
    body = {"content_type": "application/json", "data": change} if sends_body else {}
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {api_token}", **body)

    assert response.status_code == 400, response.content
    assert response.json() == {
        "statusCode": 400,
        "error": "BadRequestException",
        "messages": [REST_REFUSALS.get(operation, "A non-empty filter is required")],
    }
    assert snapshot(workspace, object_name) == before
    assert Event.objects.count() == events_before
