"""REST and GraphQL return the same data for the same records: every stored field,
composite and custom ones included, related records, and the same filters."""

from __future__ import annotations

import pytest

from crm.metadata.schema import get_workspace_schema
from crm.services.fields import create_custom_field
from crm.services.records import create_record


@pytest.fixture
def api(client, api_token, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000
    return client, {"HTTP_AUTHORIZATION": f"Bearer {api_token}"}


def selection(workspace, singular):
    """Every stored field of the object, composite ones with all their sub-fields."""
    obj = get_workspace_schema(workspace).objects[singular]
    parts = []
    for field in obj.value_fields:
        if field.is_composite:
            parts.append(f"{field.name} {{ {' '.join(sub.name for sub in field.subfields)} }}")
        else:
            parts.append(field.name)
    return " ".join(parts)


def graphql(api, query):
    client, headers = api
    response = client.post("/graphql", {"query": query}, content_type="application/json", **headers)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


def rest(api, path):
    client, headers = api
    response = client.get(path, **headers)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def rich(workspace, actor):
    create_custom_field(
        workspace,
        {
            "objectName": "person",
            "name": "tier",
            "label": "Tier",
            "type": "SELECT",
            "options": [{"value": "GOLD"}, {"value": "SILVER"}],
        },
    )
    create_custom_field(
        workspace,
        {
            "objectName": "person",
            "name": "langs",
            "label": "Languages",
            "type": "MULTI_SELECT",
            "options": [{"value": "EN"}, {"value": "FR"}],
        },
    )
    create_custom_field(workspace, {"objectName": "person", "name": "score", "label": "Score", "type": "NUMBER"})
    create_custom_field(workspace, {"objectName": "person", "name": "vip", "label": "VIP", "type": "BOOLEAN"})
    create_custom_field(workspace, {"objectName": "person", "name": "met", "label": "Met", "type": "DATE_TIME"})
    create_custom_field(workspace, {"objectName": "person", "name": "born", "label": "Born", "type": "DATE"})
    create_custom_field(workspace, {"objectName": "person", "name": "home", "label": "Home", "type": "ADDRESS"})
    create_custom_field(workspace, {"objectName": "person", "name": "budget", "label": "Budget", "type": "CURRENCY"})
    create_custom_field(workspace, {"objectName": "person", "name": "nickname", "label": "Nickname", "type": "TEXT"})
    company = create_record(
        workspace,
        "company",
        {
            "name": "Acme",
            "employees": 42,
            "domainName": {
                "primaryLinkUrl": "https://acme.com",
                "primaryLinkLabel": "Acme",
                "secondaryLinks": [{"url": "https://acme.fr", "label": "FR"}],
            },
            "address": {
                "addressStreet1": "1 Main St",
                "addressCity": "Paris",
                "addressLat": 48.8566,
                "addressLng": 2.35,
            },
            "annualRecurringRevenue": {"amountMicros": 1_500_000_000_000, "currencyCode": "EUR"},
            "idealCustomerProfile": True,
        },
        actor,
    )
    person = create_record(
        workspace,
        "person",
        {
            "name": {"firstName": "Ada", "lastName": "Lovelace"},
            "emails": {"primaryEmail": "ada@acme.com", "additionalEmails": ["ada@home.org"]},
            "phones": {
                "primaryPhoneNumber": "612345678",
                "primaryPhoneCountryCode": "FR",
                "primaryPhoneCallingCode": "+33",
            },
            "jobTitle": "Engineer",
            "city": "Paris",
            "linkedinLink": {"primaryLinkUrl": "https://linkedin.com/in/ada"},
            "companyId": company["id"],
            "tier": "GOLD",
            "langs": ["EN", "FR"],
            "score": 7.5,
            "vip": True,
            "met": "2025-02-03T04:05:06Z",
            "born": "1815-12-10",
            "home": {"addressCity": "London"},
            "budget": {"amountMicros": 2_000_000, "currencyCode": "GBP"},
            "nickname": None,
        },
        actor,
    )
    opportunity = create_record(
        workspace,
        "opportunity",
        {
            "name": "Pilot",
            "stage": "PROPOSAL",
            "closeDate": "2025-06-30T00:00:00Z",
            "amount": {"amountMicros": 9_000_000, "currencyCode": "USD"},
            "companyId": company["id"],
            "pointOfContactId": person["id"],
        },
        actor,
    )
    note = create_record(workspace, "note", {"title": "Call", "body": "# Notes\n- one"}, actor)
    task = create_record(
        workspace, "task", {"title": "Send deck", "status": "IN_PROGRESS", "dueAt": "2025-07-01T09:00:00Z"}, actor
    )
    return {"company": company, "person": person, "opportunity": opportunity, "note": note, "task": task}


@pytest.mark.parametrize(
    ("singular", "plural"),
    [
        ("person", "people"),
        ("company", "companies"),
        ("opportunity", "opportunities"),
        ("note", "notes"),
        ("task", "tasks"),
    ],
)
def test_rest_and_graphql_return_the_same_record(api, workspace, rich, singular, plural):
    record_id = rich[singular]["id"]

    from_rest = rest(api, f"/rest/{plural}/{record_id}")["data"][singular]
    from_graphql = graphql(
        api, f'{{ {singular}(filter: {{id: {{eq: "{record_id}"}}}}) {{ {selection(workspace, singular)} }} }}'
    )[singular]

    assert from_graphql == from_rest


def test_related_records_match_rest_depth_1(api, workspace, rich):
    person_id = rich["person"]["id"]

    from_rest = rest(api, f"/rest/people/{person_id}?depth=1")["data"]["person"]
    from_graphql = graphql(
        api,
        f'{{ person(filter: {{id: {{eq: "{person_id}"}}}}) {{ company {{ {selection(workspace, "company")} }}'
        f" pointOfContactForOpportunities {{ edges {{ node {{ {selection(workspace, 'opportunity')} }} }} }} }} }}",
    )["person"]

    assert from_graphql["company"] == from_rest["company"]
    assert [e["node"] for e in from_graphql["pointOfContactForOpportunities"]["edges"]] == from_rest[
        "pointOfContactForOpportunities"
    ]


def test_the_same_filter_finds_the_same_records(api, workspace, rich, actor):
    for first, city in [("Bob", "Paris"), ("Cy", "Oslo"), ("Di", "")]:
        create_record(workspace, "person", {"name": {"firstName": first}, "city": city}, actor)

    from_rest = rest(
        api, "/rest/people?filter=or(city[eq]:Oslo,name.firstName[startsWith]:A)&order_by=createdAt[AscNullsFirst]"
    )
    from_graphql = graphql(
        api,
        '{ people(filter: {or: [{city: {eq: "Oslo"}}, {name: {firstName: {startsWith: "A"}}}]},'
        " orderBy: [{createdAt: AscNullsFirst}]) { totalCount edges { node { id } cursor } pageInfo { endCursor } } }",
    )["people"]

    assert [p["id"] for p in from_rest["data"]["people"]] == [e["node"]["id"] for e in from_graphql["edges"]]
    assert from_rest["totalCount"] == from_graphql["totalCount"] == 2
    assert from_rest["pageInfo"]["endCursor"] == from_graphql["pageInfo"]["endCursor"]
