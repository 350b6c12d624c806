"""Documents written for Twenty run here as they are: the find-many query Twenty's front
end builds from the workspace's metadata (``[XOrderByInput]`` variables with nullable
items, ``__typename`` everywhere, actors with their ``context``, relations and their
connections), ``offset`` next to ``first``, and ``upsert`` on every create."""

from __future__ import annotations

import pytest
from graphql_client import ask

from crm.services.records import create_record, create_records

FRONT_END_PAGE_SIZE = 60


def capitalized(name: str) -> str:
    return name[0].upper() + name[1:]


# The sub-fields Twenty's front end selects for each composite type (its own list, not ours).
COMPOSITE_SELECTIONS = {
    "LINKS": "primaryLinkUrl primaryLinkLabel secondaryLinks",
    "CURRENCY": "amountMicros currencyCode",
    "FULL_NAME": "firstName lastName",
    "ADDRESS": (
        "addressStreet1 addressStreet2 addressCity addressState addressCountry addressPostcode addressLat addressLng"
    ),
    "ACTOR": "source workspaceMemberId name context",
    "EMAILS": "primaryEmail additionalEmails",
    "PHONES": "primaryPhoneNumber primaryPhoneCountryCode primaryPhoneCallingCode additionalPhones",
    "RICH_TEXT_V2": "blocknote markdown",
}


def record_selection(objects: dict[str, dict], obj: dict, relations: tuple[str, ...] = ()) -> str:
    """A record's selection as Twenty's front end writes it from metadata: every active
    field in name order plus the join columns, composites with their sub-fields, and the
    relations asked for, a to-many one as a connection of edges."""
    selections = []
    fields = [f for f in obj["fields"] if f["isActive"]]
    named = [(f["name"], f) for f in fields] + [
        (f["relation"]["joinColumnName"], None) for f in fields if f["relation"] and f["relation"]["joinColumnName"]
    ]
    for name, field in sorted(named, key=lambda pair: pair[0]):
        if field is None or field["type"] not in COMPOSITE_SELECTIONS | {"RELATION": ""}:
            selections.append(name)
        elif field["type"] in COMPOSITE_SELECTIONS:
            selections.append(f"{name} {{ {COMPOSITE_SELECTIONS[field['type']]} }}")
        elif name in relations:
            target = objects.get(field["relation"]["targetObjectMetadata"]["nameSingular"])
            if target is None:
                continue  # not an object of the metadata (workspace members): left out, as the front end does
            nested = record_selection(objects, target)
            many = field["relation"]["type"] == "ONE_TO_MANY"
            selections.append(f"{name} {{ edges {{ node {nested} }} }}" if many else f"{name} {nested}")
    return "{\n__typename\n" + "\n".join(selections) + "\n}"


def find_many_document(objects: dict[str, dict], singular: str, relations: tuple[str, ...], direction: str) -> str:
    obj = objects[singular]
    plural, type_name = obj["namePlural"], capitalized(singular)
    paging = "last: $limit, before: $lastCursor" if direction == "before" else "first: $limit, after: $lastCursor"
    variables = (
        f"$filter: {type_name}FilterInput, $orderBy: [{type_name}OrderByInput], $lastCursor: String, $limit: Int"
    )
    return f"""query FindMany{capitalized(plural)}({variables}) {{
  {plural}(filter: $filter, orderBy: $orderBy, {paging} ){{
    edges {{
      node {record_selection(objects, obj, relations)}
      cursor
    }}
    pageInfo {{
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }}
    totalCount
  }}
}}"""


@pytest.fixture
def objects(api) -> dict[str, dict]:
    listed = api.get("/rest/metadata/objects").json()["data"]["objects"]
    return {obj["nameSingular"]: obj for obj in listed}


@pytest.fixture
def acme(workspace, actor) -> dict:
    company = create_record(
        workspace, "company", {"name": "Acme", "domainName": {"primaryLinkUrl": "https://acme.example"}}, actor
    )
    people = create_records(
        workspace,
        "person",
        [{"name": {"firstName": f"P{i}", "lastName": "Doe"}, "companyId": company["id"]} for i in range(3)],
        actor,
    )
    create_record(workspace, "opportunity", {"name": "Pilot", "companyId": company["id"]}, actor)
    return {"company": company, "people": people}


@pytest.mark.parametrize(
    ("singular", "relations"),
    [
        ("person", ("company", "pointOfContactForOpportunities")),
        ("company", ("people", "opportunities")),
        ("opportunity", ("company", "pointOfContact")),
        ("task", ("assignee",)),
    ],
)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_the_front_ends_find_many_query_runs_as_it_is(api, objects, acme, singular, relations, direction):
    document = find_many_document(objects, singular, relations, direction)
    variables = {
        "filter": {},
        "orderBy": [{"position": "AscNullsFirst"}, None],
        "lastCursor": None,
        "limit": FRONT_END_PAGE_SIZE,
    }

    body = ask(api, document, variables)

    assert body.get("errors") is None, body["errors"]
    connection = body["data"][objects[singular]["namePlural"]]
    assert connection["totalCount"] == len(connection["edges"])
    if singular == "company":
        (edge,) = connection["edges"]
        node = edge["node"]
        assert node["__typename"] == "Company" and node["createdBy"]["context"] is None
        assert len(node["people"]["edges"]) == 3 and node["people"]["edges"][0]["node"]["__typename"] == "Person"
    if singular == "person":
        assert {edge["node"]["company"]["name"] for edge in connection["edges"]} == {"Acme"}


def test_the_find_many_query_pages_with_its_cursor_variable(api, objects, acme):
    document = find_many_document(objects, "person", (), "after")
    first = ask(api, document, {"limit": 2, "orderBy": [{"name": {"firstName": "AscNullsFirst"}}]})["data"]["people"]
    cursor = first["pageInfo"]["endCursor"]

    rest = ask(api, document, {"limit": 2, "lastCursor": cursor, "orderBy": [{"name": {"firstName": "AscNullsFirst"}}]})

    names = [e["node"]["name"]["firstName"] for e in first["edges"] + rest["data"]["people"]["edges"]]
    assert names == ["P0", "P1", "P2"]


def test_the_declared_argument_types_are_twentys(api, workspace):
    body = ask(
        api,
        """{ __schema { queryType { fields { name args { name type { kind name ofType { kind name } } } } }
                        mutationType { fields { name args { name type { name } } } } } }""",
    )
    queries = {
        f["name"]: {a["name"]: a["type"] for a in f["args"]} for f in body["data"]["__schema"]["queryType"]["fields"]
    }
    mutations = {
        f["name"]: {a["name"]: a["type"]["name"] for a in f["args"]}
        for f in body["data"]["__schema"]["mutationType"]["fields"]
    }

    for plural, type_name in (("people", "Person"), ("companies", "Company"), ("notes", "Note")):
        args = queries[plural]
        assert args["orderBy"] == {
            "kind": "LIST",
            "name": None,
            "ofType": {"kind": "INPUT_OBJECT", "name": f"{type_name}OrderByInput"},
        }
        assert args["offset"]["name"] == "Int" and args["first"]["name"] == "Int"
    for name in ("createPerson", "createPeople", "createCompany", "createCompanies", "createTask", "createTasks"):
        assert mutations[name]["upsert"] == "Boolean"


# -- offset ---------------------------------------------------------------------------


def test_offset_skips_records_before_the_page(api, acme):
    body = ask(
        api,
        """{ people(orderBy: [{name: {firstName: AscNullsFirst}}], first: 1, offset: 1) {
            totalCount pageInfo { hasPreviousPage hasNextPage } edges { node { name { firstName } } } } }""",
    )

    people = body["data"]["people"]
    assert [e["node"]["name"]["firstName"] for e in people["edges"]] == ["P1"]
    assert people["pageInfo"] == {"hasPreviousPage": True, "hasNextPage": True}
    assert people["totalCount"] == 3


def test_offset_counts_from_the_end_going_backwards(api, acme):
    body = ask(
        api,
        """{ people(orderBy: [{name: {firstName: AscNullsFirst}}], last: 1, offset: 1) {
            edges { node { name { firstName } } } } }""",
    )

    assert [e["node"]["name"]["firstName"] for e in body["data"]["people"]["edges"]] == ["P1"]


def test_offset_works_on_nested_connections(api, acme):
    body = ask(
        api,
        """{ companies { edges { node {
            people(orderBy: [{name: {firstName: DescNullsLast}}], first: 5, offset: 2) {
                totalCount edges { node { name { firstName } } } }
        } } } }""",
    )

    people = body["data"]["companies"]["edges"][0]["node"]["people"]
    assert [e["node"]["name"]["firstName"] for e in people["edges"]] == ["P0"]
    assert people["totalCount"] == 3


def test_a_negative_offset_is_bad_input(api, acme):
    body = ask(api, "{ people(offset: -1) { totalCount } }")

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "offset" in body["errors"][0]["message"]


# The fields Twenty's own integration tests select on a person (its PERSON_GQL_FIELDS),
# less the custom fields of Twenty's seeded test workspace (intro, whatsapp).
TWENTYS_PERSON_FIELDS = """
    id city jobTitle avatarUrl searchVector name { firstName lastName }
    emails { primaryEmail additionalEmails }
    phones { primaryPhoneNumber primaryPhoneCountryCode primaryPhoneCallingCode additionalPhones }
    createdAt deletedAt
"""


def test_twentys_person_fields_with_the_search_vector_run_as_they_are(api, acme):
    people = ask(api, f"{{ people {{ edges {{ node {{ {TWENTYS_PERSON_FIELDS} }} }} }} }}")
    assert "errors" not in people, people
    nodes = [edge["node"] for edge in people["data"]["people"]["edges"]]
    assert nodes and all(node["searchVector"] is None for node in nodes)
    one = ask(api, f'{{ person(filter: {{id: {{eq: "{nodes[0]["id"]}"}}}}) {{ {TWENTYS_PERSON_FIELDS} }} }}')
    assert one["data"]["person"]["id"] == nodes[0]["id"] and one["data"]["person"]["searchVector"] is None
