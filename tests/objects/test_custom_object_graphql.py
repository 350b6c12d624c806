"""A custom object is live at once in the workspace's GraphQL schema: connections with
filters, orders and cursors; one record by filter; create, update, delete, restore and
destroy of one and of many; its relations selected in both directions."""

from __future__ import annotations

from custom_object_setup import *  # noqa: F403
from django.test import Client


def gql(api: Client, query: str, variables: dict | None = None) -> dict:
    body = api.post("/graphql", {"query": query, "variables": variables or {}}, content_type="application/json").json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def test_find_many_filters_orders_pages_and_selects_relations(api, projects):
    acme = gql(api, 'mutation { createCompany(data: {name: "Acme"}) { id } }')["createCompany"]
    created = gql(
        api,
        """mutation($data: [ProjectCreateInput!]!) { createProjects(data: $data) { id name stage } }""",
        {
            "data": [
                {"name": "Apollo", "stage": "ACTIVE", "priority": 2, "companyId": acme["id"]},
                {"name": "Gemini", "stage": "PLANNED", "priority": 1, "companyId": acme["id"]},
                {"name": "Mercury", "stage": "DONE", "priority": 3},
            ]
        },
    )["createProjects"]
    apollo = created[0]
    gql(
        api, 'mutation($p: UUID) { createMilestone(data: {name: "Launch", projectId: $p}) { id } }', {"p": apollo["id"]}
    )

    data = gql(
        api,
        """{ projects(filter: {stage: {in: [ACTIVE, DONE]}}, orderBy: [{priority: DescNullsLast}], first: 1) {
              totalCount pageInfo { hasNextPage endCursor }
              edges { node { name stage budget { amountMicros } company { name }
                             milestones { totalCount edges { node { name } } } } } } }""",
    )["projects"]
    assert data["totalCount"] == 2 and data["pageInfo"]["hasNextPage"]
    assert data["edges"][0]["node"]["name"] == "Mercury"
    assert data["edges"][0]["node"]["company"] is None
    after = gql(
        api,
        """query($after: String) { projects(filter: {stage: {in: [ACTIVE, DONE]}},
             orderBy: [{priority: DescNullsLast}], first: 5, after: $after) {
             edges { node { name company { name } milestones { edges { node { name } } } } } } }""",
        {"after": data["pageInfo"]["endCursor"]},
    )["projects"]["edges"]
    assert [e["node"]["name"] for e in after] == ["Apollo"]
    assert after[0]["node"]["company"] == {"name": "Acme"}
    assert after[0]["node"]["milestones"]["edges"] == [{"node": {"name": "Launch"}}]

    company = gql(
        api,
        """query($id: UUID) { company(filter: {id: {eq: $id}}) {
             projects(orderBy: [{name: AscNullsFirst}], first: 1) { totalCount edges { node { name } } } } }""",
        {"id": acme["id"]},
    )["company"]
    assert company["projects"]["totalCount"] == 2
    assert company["projects"]["edges"] == [{"node": {"name": "Apollo"}}]
    by_company = gql(
        api, "query($id: UUID) { projects(filter: {companyId: {eq: $id}}) { totalCount } }", {"id": acme["id"]}
    )
    assert by_company["projects"]["totalCount"] == 2


def test_one_record_by_filter_and_every_write_of_one_and_many(api, projects):
    one = gql(api, 'mutation { createProject(data: {name: "Apollo", tags: [RED]}) { id tags } }')["createProject"]
    assert one["tags"] == ["RED"]
    found = gql(api, "query($id: UUID) { project(filter: {id: {eq: $id}}) { name } }", {"id": one["id"]})
    assert found["project"] == {"name": "Apollo"}

    updated = gql(
        api, "mutation($id: UUID!) { updateProject(id: $id, data: {priority: 7}) { priority } }", {"id": one["id"]}
    )
    assert updated["updateProject"]["priority"] == 7
    gql(api, 'mutation { createProject(data: {name: "Gemini"}) { id } }')
    many = gql(api, "mutation { updateProjects(filter: {priority: {is: NULL}}, data: {stage: DONE}) { name stage } }")
    assert many["updateProjects"] == [{"name": "Gemini", "stage": "DONE"}]

    deleted = gql(api, "mutation($id: UUID!) { deleteProject(id: $id) { deletedAt } }", {"id": one["id"]})
    assert deleted["deleteProject"]["deletedAt"] is not None
    assert gql(api, "{ projects { totalCount } }")["projects"]["totalCount"] == 1
    gql(api, "mutation($id: UUID!) { restoreProject(id: $id) { id } }", {"id": one["id"]})
    gql(api, 'mutation { deleteProjects(filter: {name: {eq: "Gemini"}}) { id } }')
    restored = gql(api, 'mutation { restoreProjects(filter: {name: {eq: "Gemini"}}) { name } }')
    assert restored["restoreProjects"] == [{"name": "Gemini"}]
    gql(api, "mutation($id: UUID!) { destroyProject(id: $id) { id } }", {"id": one["id"]})
    gql(api, 'mutation { destroyProjects(filter: {name: {eq: "Gemini"}}) { id } }')
    assert gql(api, "{ projects { totalCount } }")["projects"]["totalCount"] == 0


def test_bulk_writes_still_need_a_filter(api, projects):
    body = api.post(
        "/graphql", {"query": "mutation { deleteProjects(filter: {}) { id } }"}, content_type="application/json"
    ).json()
    assert body["errors"][0]["message"] == "A non-empty filter is required"


def test_the_schema_describes_the_object_for_introspection(api, projects):
    data = gql(
        api,
        """{ project: __type(name: "Project") { fields { name } }
             create: __type(name: "ProjectCreateInput") { inputFields { name } }
             stage: __type(name: "ProjectStageEnum") { enumValues { name } } }""",
    )
    fields = {f["name"] for f in data["project"]["fields"]}
    assert {"id", "name", "budget", "company", "companyId", "milestones", "createdBy"} <= fields
    assert "companyId" in {f["name"] for f in data["create"]["inputFields"]}
    assert [v["name"] for v in data["stage"]["enumValues"]] == ["PLANNED", "ACTIVE", "DONE"]
