"""The ``search`` query, as Twenty's clients send it: records of every object whose name,
email, phone, domain or title holds the text, each with its object and label
(crm/services/search.py)."""

from __future__ import annotations

import pytest
from graphql_client import ask

from crm.services.fields import create_custom_field
from crm.services.objects import ObjectMetadataError, create_object, update_object
from crm.services.records import create_record, delete_record

# As Twenty's front end and integrations write it.
SEARCH = """query Search($searchInput: String!, $limit: Int!, $after: String,
    $excludedObjectNameSingulars: [String!], $includedObjectNameSingulars: [String!],
    $filter: ObjectRecordFilterInput) {
  search(searchInput: $searchInput, limit: $limit, after: $after,
    excludedObjectNameSingulars: $excludedObjectNameSingulars,
    includedObjectNameSingulars: $includedObjectNameSingulars, filter: $filter) {
    edges { node { recordId objectNameSingular objectLabelSingular label imageUrl tsRankCD tsRank } cursor }
    pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture
def crm(workspace, actor) -> dict[str, dict]:
    acme = create_record(
        workspace, "company", {"name": "Acme", "domainName": {"primaryLinkUrl": "https://acme.com"}}, actor
    )
    return {
        "acme": acme,
        "acme labs": create_record(workspace, "company", {"name": "Acme Labs"}, actor),
        "ada": create_record(
            workspace,
            "person",
            {
                "name": {"firstName": "Ada", "lastName": "Lovelace"},
                "emails": {"primaryEmail": "ada@acme.com"},
                "avatarUrl": "https://img.example/ada.png",
            },
            actor,
        ),
        "deal": create_record(workspace, "opportunity", {"name": "Acme renewal"}, actor),
        "gone": create_record(workspace, "company", {"name": "Acme Gone"}, actor),
    }


def search(api, text: str, **variables) -> dict:
    body = ask(api, SEARCH, {"searchInput": text, "limit": 10, **variables})
    assert "errors" not in body, body
    return body["data"]["search"]


def test_search_finds_records_of_every_object_best_match_first(api, workspace, actor, crm):
    delete_record(workspace, "company", crm["gone"]["id"], actor)

    found = search(api, "acme")

    hits = [(edge["node"]["objectNameSingular"], edge["node"]["label"]) for edge in found["edges"]]
    assert hits == [
        ("company", "Acme"),
        ("company", "Acme Labs"),
        ("opportunity", "Acme renewal"),
        ("person", "Ada Lovelace"),  # by her email
    ]
    first = found["edges"][0]["node"]
    assert first["recordId"] == crm["acme"]["id"] and first["objectLabelSingular"] == "Company"
    assert first["tsRank"] > found["edges"][-1]["node"]["tsRank"]
    assert found["pageInfo"]["hasNextPage"] is False


def test_every_word_must_be_found_and_a_person_comes_with_her_picture(api, crm):
    (edge,) = search(api, "ada LOVELACE")["edges"]

    assert edge["node"]["recordId"] == crm["ada"]["id"]
    assert edge["node"]["imageUrl"] == "https://img.example/ada.png"


def test_search_is_limited_to_the_objects_named_and_filtered(api, crm):
    companies = search(api, "acme", includedObjectNameSingulars=["company"])
    not_companies = search(api, "acme", excludedObjectNameSingulars=["company"])
    one = search(api, "acme", filter={"id": {"eq": crm["deal"]["id"]}})

    assert {e["node"]["objectNameSingular"] for e in companies["edges"]} == {"company"}
    assert {e["node"]["objectNameSingular"] for e in not_companies["edges"]} == {"opportunity", "person"}
    assert [e["node"]["recordId"] for e in one["edges"]] == [crm["deal"]["id"]]


def test_pages_follow_one_another_with_the_end_cursor(api, crm):
    first = search(api, "acme", limit=2)
    second = search(api, "acme", limit=2, after=first["pageInfo"]["endCursor"])
    third = search(api, "acme", limit=2, after=second["pageInfo"]["endCursor"])

    labels = [e["node"]["label"] for page in (first, second, third) for e in page["edges"]]
    assert labels == ["Acme", "Acme Gone", "Acme Labs", "Acme renewal", "Ada Lovelace"]
    assert (first["pageInfo"]["hasNextPage"], third["pageInfo"]["hasNextPage"]) == (True, False)


def test_a_custom_object_is_searched_by_its_name(api, workspace, actor):
    create_object(
        workspace,
        {"nameSingular": "project", "namePlural": "projects", "labelSingular": "Project", "labelPlural": "Projects"},
    )
    workspace.refresh_from_db()
    project = create_record(workspace, "project", {"name": "Apollo"}, actor)

    (edge,) = search(api, "apol")["edges"]

    assert (edge["node"]["recordId"], edge["node"]["label"]) == (project["id"], "Apollo")


def test_a_record_is_named_by_the_field_its_object_names_it_by(api, workspace, actor):
    project = create_object(
        workspace,
        {"nameSingular": "project", "namePlural": "projects", "labelSingular": "Project", "labelPlural": "Projects"},
    )
    code = create_custom_field(workspace, {"objectName": "project", "name": "code", "label": "Code", "type": "TEXT"})
    update_object(workspace, "project", {"labelIdentifierFieldMetadataId": str(code.id)})
    workspace.refresh_from_db()
    made = create_record(workspace, "project", {"name": "Apollo", "code": "AP-11"}, actor)

    (edge,) = search(api, "ap-11")["edges"]

    assert (edge["node"]["recordId"], edge["node"]["label"]) == (made["id"], "AP-11")
    assert project.name_singular == edge["node"]["objectNameSingular"]


def test_a_cursor_that_is_not_one_is_a_bad_user_input(api):
    body = ask(api, SEARCH, {"searchInput": "x", "limit": 5, "after": "nonsense"})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("name", ["search", "searchResult", "objectRecord"])
def test_an_object_may_not_take_the_names_search_uses(workspace, name):
    with pytest.raises(ObjectMetadataError):
        create_object(
            workspace,
            {"nameSingular": name, "namePlural": f"{name}Items", "labelSingular": "Thing", "labelPlural": "Things"},
        )
