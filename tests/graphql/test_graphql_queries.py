"""GraphQL reads: every object's list and single-record queries, filters (composite,
nested and/or/not, custom fields), ordering, cursor pagination both ways, and
relations traversed in both directions."""

from __future__ import annotations

import pytest
from graphql_client import data_of, gql

from crm.services.fields import create_custom_field
from crm.services.records import create_record, create_records


def names(connection):
    return [edge["node"]["name"]["firstName"] for edge in connection["edges"]]


@pytest.fixture
def people(workspace, actor):
    acme = create_record(workspace, "company", {"name": "Acme", "employees": 50}, actor)
    globex = create_record(workspace, "company", {"name": "Globex", "employees": 5}, actor)
    rows = [
        ("Ada", "Lovelace", "London", acme["id"], "ada@acme.com"),
        ("Grace", "Hopper", "Arlington", acme["id"], "grace@acme.com"),
        ("Alan", "Turing", "Paris", globex["id"], "alan@globex.com"),
        ("Linus", "Torvalds", "Portland", None, ""),
        ("Edsger", "Dijkstra", "", None, "edsger@example.com"),
    ]
    created = create_records(
        workspace,
        "person",
        [
            {
                "name": {"firstName": first, "lastName": last},
                "city": city,
                "companyId": company_id,
                "emails": {"primaryEmail": email},
                "position": index,
            }
            for index, (first, last, city, company_id, email) in enumerate(rows)
        ],
        actor,
    )
    return {"acme": acme, "globex": globex, "people": {p["name"]["firstName"]: p for p in created}}


SAMPLE_RECORDS = {
    "company": ("companies", {"name": "Northwind", "employees": 12}, "name employees"),
    "person": ("people", {"name": {"firstName": "Ada", "lastName": "Lovelace"}}, "name { firstName lastName }"),
    "opportunity": (
        "opportunities",
        {"name": "Pilot", "amount": {"amountMicros": 5_000_000_000, "currencyCode": "EUR"}, "stage": "MEETING"},
        "name amount { amountMicros currencyCode } stage",
    ),
    "note": ("notes", {"title": "Call", "body": "# Notes"}, "title body"),
    "task": ("tasks", {"title": "Send deck", "status": "TODO"}, "title status"),
}


@pytest.mark.parametrize("object_name", list(SAMPLE_RECORDS))
def test_every_object_can_be_listed_and_fetched_by_id(client, api_token, workspace, actor, object_name):
    plural, data, selection = SAMPLE_RECORDS[object_name]
    record = create_record(workspace, object_name, data, actor)

    listed = data_of(gql(client, api_token, f"{{ {plural} {{ totalCount edges {{ node {{ id {selection} }} }} }} }}"))
    one = data_of(
        gql(
            client,
            api_token,
            f"query($id: UUID!) {{ {object_name}(filter: {{id: {{eq: $id}}}}) {{ id {selection} createdAt }} }}",
            {"id": record["id"]},
        )
    )

    assert listed[plural]["totalCount"] == 1
    node = listed[plural]["edges"][0]["node"]
    assert node["id"] == record["id"]
    for key, value in data.items():
        assert node[key] == value
        assert one[object_name][key] == value
    assert one[object_name]["createdAt"] == record["createdAt"]


def test_connection_has_twenty_shape(client, api_token, people):
    data = data_of(
        gql(
            client,
            api_token,
            "{ people(first: 2) { edges { node { id } cursor }"
            " pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }",
        )
    )

    connection = data["people"]
    assert connection["totalCount"] == 5
    assert len(connection["edges"]) == 2
    assert connection["pageInfo"]["hasNextPage"] is True
    assert connection["pageInfo"]["hasPreviousPage"] is False
    assert connection["pageInfo"]["startCursor"] == connection["edges"][0]["cursor"]
    assert connection["pageInfo"]["endCursor"] == connection["edges"][1]["cursor"]


def test_composite_fields_come_back_as_objects(client, api_token, workspace, actor):
    create_record(
        workspace,
        "company",
        {
            "name": "Acme",
            "domainName": {"primaryLinkUrl": "https://acme.com", "primaryLinkLabel": "", "secondaryLinks": []},
            "address": {"addressCity": "Paris", "addressLat": 48.85},
            "annualRecurringRevenue": {"amountMicros": 12_000_000_000_000, "currencyCode": "USD"},
        },
        actor,
    )

    node = data_of(
        gql(
            client,
            api_token,
            "{ companies { edges { node { domainName { primaryLinkUrl secondaryLinks }"
            " address { addressCity addressLat } annualRecurringRevenue { amountMicros currencyCode }"
            " createdBy { source name workspaceMemberId } } } } }",
        )
    )["companies"]["edges"][0]["node"]

    assert node["domainName"] == {"primaryLinkUrl": "https://acme.com", "secondaryLinks": []}
    assert node["address"] == {"addressCity": "Paris", "addressLat": 48.85}
    assert node["annualRecurringRevenue"] == {"amountMicros": 12_000_000_000_000, "currencyCode": "USD"}
    assert node["createdBy"] == {"source": "MANUAL", "name": "Test suite", "workspaceMemberId": None}


def test_filter_on_composite_sub_field(client, api_token, people):
    data = data_of(
        gql(
            client,
            api_token,
            '{ people(filter: {name: {firstName: {eq: "Ada"}}}) { edges { node { name { firstName } } } } }',
        )
    )

    assert names(data["people"]) == ["Ada"]


def test_filter_with_ilike_startswith_and_in(client, api_token, people):
    ilike = data_of(
        gql(client, api_token, '{ people(filter: {city: {ilike: "%par%"}}) { edges { node { name { firstName } } } } }')
    )
    starts = data_of(
        gql(
            client,
            api_token,
            '{ people(filter: {city: {startsWith: "Lon"}}) { edges { node { name { firstName } } } } }',
        )
    )
    ids = [people["people"]["Ada"]["id"], people["people"]["Linus"]["id"]]
    listed = data_of(
        gql(
            client,
            api_token,
            "query($ids: [UUID!]) { people(filter: {id: {in: $ids}}) { edges { node { name { firstName } } } } }",
            {"ids": ids},
        )
    )

    assert names(ilike["people"]) == ["Alan"]
    assert names(starts["people"]) == ["Ada"]
    assert names(listed["people"]) == ["Ada", "Linus"]


def test_filter_on_relation_id_and_is_null(client, api_token, people):
    acme = data_of(
        gql(
            client,
            api_token,
            "query($id: UUID) { people(filter: {companyId: {eq: $id}}) { edges { node { name { firstName } } } } }",
            {"id": people["acme"]["id"]},
        )
    )
    without = data_of(
        gql(client, api_token, "{ people(filter: {companyId: {is: NULL}}) { edges { node { name { firstName } } } } }")
    )
    with_city = data_of(gql(client, api_token, "{ people(filter: {city: {is: NOT_NULL}}) { totalCount } }"))

    assert names(acme["people"]) == ["Ada", "Grace"]
    assert names(without["people"]) == ["Linus", "Edsger"]
    assert with_city["people"]["totalCount"] == 4  # an empty text is no value


def test_nested_and_or_not(client, api_token, people):
    query = """{ people(filter: {
        or: [
          {and: [{city: {startsWith: "L"}}, {not: {name: {lastName: {eq: "Lovelace"}}}}]},
          {name: {firstName: {in: ["Alan", "Edsger"]}}, emails: {primaryEmail: {like: "%globex%"}}}
        ]}) { edges { node { name { firstName } } } } }"""

    data = data_of(gql(client, api_token, query))

    assert names(data["people"]) == ["Alan"]


def test_numeric_comparisons(client, api_token, people):
    data = data_of(
        gql(client, api_token, "{ companies(filter: {employees: {gte: 10, lt: 100}}) { edges { node { name } } } }")
    )

    assert [e["node"]["name"] for e in data["companies"]["edges"]] == ["Acme"]


def test_select_fields_are_enums_and_filter_by_enum(client, api_token, workspace, actor):
    create_record(workspace, "opportunity", {"name": "Small", "stage": "NEW"}, actor)
    create_record(workspace, "opportunity", {"name": "Big", "stage": "PROPOSAL"}, actor)

    data = data_of(
        gql(
            client,
            api_token,
            "{ opportunities(filter: {stage: {in: [PROPOSAL, CUSTOMER]}}) { edges { node { name stage } } } }",
        )
    )
    typed = data_of(gql(client, api_token, '{ __type(name: "Opportunity") { fields { name type { name } } } }'))

    assert [e["node"] for e in data["opportunities"]["edges"]] == [{"name": "Big", "stage": "PROPOSAL"}]
    stage_type = next(f for f in typed["__type"]["fields"] if f["name"] == "stage")["type"]["name"]
    assert stage_type == "OpportunityStageEnum"


def test_order_by_scalar_and_composite(client, api_token, people):
    by_city = data_of(
        gql(client, api_token, "{ people(orderBy: [{city: DescNullsLast}]) { edges { node { name { firstName } } } } }")
    )
    by_last_name = data_of(
        gql(
            client,
            api_token,
            "{ people(orderBy: [{name: {lastName: AscNullsLast}}]) { edges { node { name { firstName } } } } }",
        )
    )

    assert names(by_city["people"]) == ["Linus", "Alan", "Ada", "Grace", "Edsger"]
    assert names(by_last_name["people"]) == ["Edsger", "Grace", "Ada", "Linus", "Alan"]


def test_several_order_entries_apply_in_list_order(client, api_token, workspace, actor):
    for first, last in [("B", "X"), ("A", "Y"), ("A", "X")]:
        create_record(workspace, "person", {"name": {"firstName": first, "lastName": last}}, actor)

    data = data_of(
        gql(
            client,
            api_token,
            "{ people(orderBy: [{name: {firstName: AscNullsFirst}}, {name: {lastName: DescNullsFirst}}])"
            " { edges { node { name { firstName lastName } } } } }",
        )
    )

    assert [(e["node"]["name"]["firstName"], e["node"]["name"]["lastName"]) for e in data["people"]["edges"]] == [
        ("A", "Y"),
        ("A", "X"),
        ("B", "X"),
    ]


PAGE_QUERY = """query($first: Int, $after: String, $last: Int, $before: String) {
  people(first: $first, after: $after, last: $last, before: $before, orderBy: [{name: {firstName: AscNullsFirst}}]) {
    edges { node { name { firstName } } cursor }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}"""


def test_forward_pagination_with_cursors_visits_every_record_once(client, api_token, people):
    seen, after = [], None
    for _ in range(5):
        page = data_of(gql(client, api_token, PAGE_QUERY, {"first": 2, "after": after}))["people"]
        seen += names(page)
        assert page["totalCount"] == 5
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == ["Ada", "Alan", "Edsger", "Grace", "Linus"]


def test_backward_pagination_with_last_and_before(client, api_token, people):
    last_page = data_of(gql(client, api_token, PAGE_QUERY, {"last": 2}))["people"]
    previous = data_of(gql(client, api_token, PAGE_QUERY, {"last": 2, "before": last_page["pageInfo"]["startCursor"]}))[
        "people"
    ]

    assert names(last_page) == ["Grace", "Linus"]
    assert last_page["pageInfo"]["hasPreviousPage"] is True
    assert names(previous) == ["Alan", "Edsger"]
    assert previous["pageInfo"]["hasNextPage"] is True


def test_relations_are_traversable_both_ways(client, api_token, people):
    data = data_of(
        gql(
            client,
            api_token,
            """{ people(filter: {name: {firstName: {eq: "Ada"}}}) { edges { node {
                 companyId company { id name people(orderBy: [{position: AscNullsFirst}]) {
                   totalCount edges { node { name { firstName } company { name } } } } } } } } }""",
        )
    )

    ada = data["people"]["edges"][0]["node"]
    assert ada["companyId"] == people["acme"]["id"]
    assert ada["company"]["id"] == people["acme"]["id"]
    colleagues = ada["company"]["people"]
    assert colleagues["totalCount"] == 2
    assert names(colleagues) == ["Ada", "Grace"]
    assert {e["node"]["company"]["name"] for e in colleagues["edges"]} == {"Acme"}


def test_nested_connection_has_its_own_filter_page_size_and_count(client, api_token, people):
    data = data_of(
        gql(
            client,
            api_token,
            """{ companies(orderBy: [{name: AscNullsFirst}]) { edges { node { name
                 first: people(first: 1, orderBy: [{name: {firstName: DescNullsFirst}}]) {
                   totalCount pageInfo { hasNextPage } edges { node { name { firstName } } } }
                 paris: people(filter: {city: {eq: "Paris"}}) { totalCount } } } } }""",
        )
    )

    acme, globex = (e["node"] for e in data["companies"]["edges"])
    assert names(acme["first"]) == ["Grace"]
    assert acme["first"]["totalCount"] == 2
    assert acme["first"]["pageInfo"]["hasNextPage"] is True
    assert acme["paris"]["totalCount"] == 0
    assert globex["paris"]["totalCount"] == 1
    assert globex["first"]["pageInfo"]["hasNextPage"] is False


def test_nested_connection_pages_with_cursors(client, api_token, people):
    query = """query($after: String) { company(filter: {name: {eq: "Acme"}}) {
      people(first: 1, after: $after, orderBy: [{name: {firstName: AscNullsFirst}}]) {
        edges { node { name { firstName } } } pageInfo { endCursor hasNextPage } } } }"""

    first = data_of(gql(client, api_token, query))["company"]["people"]
    second = data_of(gql(client, api_token, query, {"after": first["pageInfo"]["endCursor"]}))["company"]["people"]

    assert names(first) == ["Ada"]
    assert names(second) == ["Grace"]
    assert second["pageInfo"]["hasNextPage"] is False


def test_opportunity_point_of_contact_and_inverse(client, api_token, workspace, actor, people):
    ada = people["people"]["Ada"]
    create_record(
        workspace,
        "opportunity",
        {"name": "Deal", "pointOfContactId": ada["id"], "companyId": people["acme"]["id"]},
        actor,
    )

    data = data_of(
        gql(
            client,
            api_token,
            """{ opportunities { edges { node { name pointOfContact { name { firstName } }
                 company { opportunities { totalCount } } } } }
               person(filter: {name: {firstName: {eq: "Ada"}}}) {
                 pointOfContactForOpportunities { edges { node { name } } } } }""",
        )
    )

    deal = data["opportunities"]["edges"][0]["node"]
    assert deal["pointOfContact"]["name"]["firstName"] == "Ada"
    assert deal["company"]["opportunities"]["totalCount"] == 1
    assert data["person"]["pointOfContactForOpportunities"]["edges"][0]["node"]["name"] == "Deal"


def test_task_assignee_is_a_workspace_member(client, api_token, workspace, actor, admin_user):
    member = admin_user.memberships.get(workspace=workspace)
    create_record(workspace, "task", {"title": "Call", "assigneeId": str(member.id)}, actor)

    data = data_of(
        gql(
            client,
            api_token,
            "{ tasks { edges { node { assigneeId assignee { id name { firstName } userEmail } } } } }",
        )
    )

    node = data["tasks"]["edges"][0]["node"]
    assert node["assigneeId"] == str(member.id)
    assert node["assignee"] == {"id": str(member.id), "name": {"firstName": "Ada"}, "userEmail": admin_user.email}


def test_single_record_query_not_found_is_a_not_found_error(client, api_token, people):
    response = gql(client, api_token, '{ person(filter: {name: {firstName: {eq: "Nobody"}}}) { id } }')

    body = response.json()
    assert response.status_code == 200
    assert body["data"] == {"person": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["errors"][0]["path"] == ["person"]


def test_soft_deleted_records_are_not_listed(client, api_token, workspace, actor, people):
    from crm.services.records import delete_record

    delete_record(workspace, "person", people["people"]["Ada"]["id"], actor)

    data = data_of(gql(client, api_token, "{ people { totalCount } }"))

    assert data["people"]["totalCount"] == 4


def test_custom_fields_can_be_read_filtered_and_sorted(client, api_token, workspace, actor):
    create_custom_field(
        workspace,
        {
            "objectName": "person",
            "name": "tier",
            "label": "Tier",
            "type": "SELECT",
            "options": [{"value": "GOLD", "label": "Gold"}, {"value": "SILVER", "label": "Silver"}],
        },
    )
    create_custom_field(workspace, {"objectName": "person", "name": "score", "label": "Score", "type": "NUMBER"})
    create_custom_field(workspace, {"objectName": "person", "name": "home", "label": "Home", "type": "ADDRESS"})
    workspace.refresh_from_db()
    for first, tier, score, city in [
        ("Ada", "GOLD", 3, "Paris"),
        ("Bob", "SILVER", 9, "Oslo"),
        ("Cy", "GOLD", 7, "Rome"),
    ]:
        create_record(
            workspace,
            "person",
            {"name": {"firstName": first}, "tier": tier, "score": score, "home": {"addressCity": city}},
            actor,
        )

    data = data_of(
        gql(
            client,
            api_token,
            """{ people(filter: {tier: {eq: GOLD}, home: {addressCity: {neq: "Paris"}}},
                        orderBy: [{score: DescNullsLast}]) {
                 edges { node { name { firstName } tier score home { addressCity } } } }
               byScore: people(filter: {score: {gt: 5}}, orderBy: [{score: AscNullsLast}]) {
                 edges { node { name { firstName } } } } }""",
        )
    )

    assert [e["node"] for e in data["people"]["edges"]] == [
        {"name": {"firstName": "Cy"}, "tier": "GOLD", "score": 7, "home": {"addressCity": "Rome"}}
    ]
    assert names(data["byScore"]) == ["Cy", "Bob"]


def test_fragments_variables_and_aliases_work(client, api_token, people):
    query = """query Named($city: String) {
      londoners: people(filter: {city: {eq: $city}}) { ...Page }
      everyone: people { totalCount }
    }
    fragment Page on PersonConnection { totalCount edges { node { ...Who } } }
    fragment Who on Person { name { firstName } company { name } }"""

    response = client.post(
        "/graphql",
        {"query": query, "variables": {"city": "London"}, "operationName": "Named"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token}",
    )
    data = data_of(response)

    assert data["londoners"]["totalCount"] == 1
    assert data["londoners"]["edges"][0]["node"] == {"name": {"firstName": "Ada"}, "company": {"name": "Acme"}}
    assert data["everyone"]["totalCount"] == 5


def test_get_requests_run_queries(client, api_token, people):
    response = client.get("/graphql", {"query": "{ people { totalCount } }"}, HTTP_AUTHORIZATION=f"Bearer {api_token}")

    assert data_of(response) == {"people": {"totalCount": 5}}


def test_typename_and_introspection_work(client, api_token):
    data = data_of(
        gql(
            client,
            api_token,
            "{ __typename __schema { queryType { name } mutationType { name } types { name } } }",
        )
    )

    type_names = {t["name"] for t in data["__schema"]["types"]}
    assert data["__schema"]["queryType"]["name"] == "Query"
    for name in [
        "Person",
        "PersonConnection",
        "PersonEdge",
        "PersonFilterInput",
        "PersonOrderByInput",
        "PersonCreateInput",
        "PersonUpdateInput",
        "FullName",
        "Emails",
        "Links",
        "Currency",
        "Address",
        "Phones",
        "Actor",
        "OpportunityStageEnum",
        "PageInfo",
    ]:
        assert name in type_names


def test_reading_one_record_with_an_empty_filter_is_refused_as_in_twenty(client, api_token, people):
    body = gql(client, api_token, "{ person(filter: {}) { id } }").json()

    assert body["errors"][0]["message"] == "Missing filter argument"
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_ids_filter_by_range_as_in_twenty(client, api_token, workspace, actor):
    made = sorted(record["id"] for record in create_records(workspace, "person", [{}] * 4, actor))
    query = """query($a: UUID, $b: UUID) { people(filter: {and: [{id: {gt: $a}}, {id: {lte: $b}}]}) {
      edges { node { id } } } }"""

    found = data_of(gql(client, api_token, query, {"a": made[0], "b": made[2]}))["people"]["edges"]

    assert sorted(edge["node"]["id"] for edge in found) == made[1:3]
