"""REST list queries: filter, order_by, limit, cursors and depth, on standard,
composite and custom fields."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from crm.services.fields import create_custom_field
from crm.services.records import create_records


@pytest.fixture
def api(api_token: str, settings) -> Client:
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


@pytest.fixture
def companies(workspace, actor):
    create_custom_field(
        workspace,
        {
            "objectName": "company",
            "name": "tier",
            "label": "Tier",
            "type": "SELECT",
            "options": [{"value": "GOLD"}, {"value": "SILVER"}],
        },
    )
    create_custom_field(
        workspace,
        {
            "objectName": "company",
            "name": "tags",
            "label": "Tags",
            "type": "MULTI_SELECT",
            "options": [{"value": "B2B"}, {"value": "SAAS"}, {"value": "RETAIL"}],
        },
    )
    create_custom_field(workspace, {"objectName": "company", "name": "score", "label": "Score", "type": "NUMBER"})
    create_custom_field(workspace, {"objectName": "company", "name": "budget", "label": "Budget", "type": "CURRENCY"})
    create_custom_field(workspace, {"objectName": "company", "name": "motto", "label": "Motto", "type": "TEXT"})
    rows = [
        {
            "name": "Acme",
            "employees": 100,
            "tier": "GOLD",
            "tags": ["B2B", "SAAS"],
            "score": 9.5,
            "budget": {"amountMicros": 5_000_000, "currencyCode": "USD"},
            "motto": "Fast",
            "address": {"addressCity": "Paris"},
            "idealCustomerProfile": True,
        },
        {
            "name": "Globex",
            "employees": 20,
            "tier": "SILVER",
            "tags": ["RETAIL"],
            "score": 3,
            "budget": {"amountMicros": 1_000_000, "currencyCode": "EUR"},
            "address": {"addressCity": "Rome"},
        },
        {
            "name": "Initech",
            "employees": None,
            "tags": [],
            "score": 7,
            "motto": "Slow",
            "address": {"addressCity": "paris"},
        },
        {"name": "Umbrella (EU), Ltd", "employees": 20, "tier": "GOLD", "tags": ["B2B"]},
        {"name": "acme labs", "employees": 5000, "tier": "SILVER"},
    ]
    return create_records(workspace, "company", rows, actor)


def names(api: Client, **params: str) -> list[str]:
    response = api.get("/rest/companies?" + urlencode(params))
    assert response.status_code == 200, response.content
    return sorted(c["name"] for c in response.json()["data"]["companies"])


def error(api: Client, **params: str) -> str:
    response = api.get("/rest/companies?" + urlencode(params))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "BadRequestException"
    return body["messages"][0]


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ("name[eq]:Acme", ["Acme"]),
        ("name[neq]:Acme", ["Globex", "Initech", "Umbrella (EU), Ltd", "acme labs"]),
        ("name[in]:[Acme,Globex]", ["Acme", "Globex"]),
        ('name[eq]:"Umbrella (EU), Ltd"', ["Umbrella (EU), Ltd"]),
        ("employees[gt]:20", ["Acme", "acme labs"]),
        ("employees[gte]:20", ["Acme", "Globex", "Umbrella (EU), Ltd", "acme labs"]),
        ("employees[lt]:100", ["Globex", "Umbrella (EU), Ltd"]),
        ("employees[lte]:100", ["Acme", "Globex", "Umbrella (EU), Ltd"]),
        ("employees[is]:NULL", ["Initech"]),
        ("employees[is]:NOT_NULL", ["Acme", "Globex", "Umbrella (EU), Ltd", "acme labs"]),
        ("name[startsWith]:Gl", ["Globex"]),
        ("name[like]:%cme%", ["Acme", "acme labs"]),
        ("name[like]:A_me", ["Acme"]),
        ("name[ilike]:acme%", ["Acme", "acme labs"]),
        ("idealCustomerProfile[eq]:true", ["Acme"]),
    ],
)
def test_every_operator_on_standard_fields(api, companies, filter_text, expected):
    assert names(api, filter=filter_text) == expected


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ("address.addressCity[eq]:Paris", ["Acme"]),
        ("address.addressCity[ilike]:paris", ["Acme", "Initech"]),
        ("address.addressCity[is]:NULL", ["Umbrella (EU), Ltd", "acme labs"]),
    ],
)
def test_filters_on_composite_sub_fields(api, companies, filter_text, expected):
    assert names(api, filter=filter_text) == expected


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ("tier[eq]:GOLD", ["Acme", "Umbrella (EU), Ltd"]),
        ("tier[in]:[GOLD,SILVER]", ["Acme", "Globex", "Umbrella (EU), Ltd", "acme labs"]),
        ("tier[is]:NULL", ["Initech"]),
        ("tags[containsAny]:[SAAS,RETAIL]", ["Acme", "Globex"]),
        ("tags[containsAny]:[B2B]", ["Acme", "Umbrella (EU), Ltd"]),
        ("score[gt]:5", ["Acme", "Initech"]),
        ("score[lte]:3", ["Globex"]),
        ("score[is]:NULL", ["Umbrella (EU), Ltd", "acme labs"]),
        ("budget.amountMicros[gte]:2000000", ["Acme"]),
        ("budget.currencyCode[eq]:EUR", ["Globex"]),
        ("motto[startsWith]:Fa", ["Acme"]),
        ("motto[is]:NOT_NULL", ["Acme", "Initech"]),
    ],
)
def test_filters_on_custom_fields(api, companies, filter_text, expected):
    assert names(api, filter=filter_text) == expected


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ("employees[gte]:20,tier[eq]:GOLD", ["Acme", "Umbrella (EU), Ltd"]),
        ("or(name[eq]:Acme,name[eq]:Globex)", ["Acme", "Globex"]),
        ("and(tier[eq]:GOLD,not(name[eq]:Acme))", ["Umbrella (EU), Ltd"]),
        ("or(and(tier[eq]:SILVER,employees[lt]:100),employees[is]:NULL)", ["Globex", "Initech"]),
    ],
)
def test_nested_and_or_not(api, companies, filter_text, expected):
    assert names(api, filter=filter_text) == expected


def ordered(api: Client, order_by: str) -> list[str]:
    response = api.get("/rest/companies?" + urlencode({"order_by": order_by}))
    assert response.status_code == 200, response.content
    return [c["name"] for c in response.json()["data"]["companies"]]


def test_order_by_places_nulls_as_asked(api, companies):
    assert ordered(api, "employees[AscNullsFirst],name")[0] == "Initech"
    assert ordered(api, "employees[AscNullsLast],name") == [
        "Globex",
        "Umbrella (EU), Ltd",
        "Acme",
        "acme labs",
        "Initech",
    ]
    assert ordered(api, "employees[DescNullsFirst],name") == [
        "Initech",
        "acme labs",
        "Acme",
        "Globex",
        "Umbrella (EU), Ltd",
    ]
    assert ordered(api, "employees[DescNullsLast],name")[-1] == "Initech"


def test_order_by_custom_and_composite_fields(api, companies):
    assert ordered(api, "score[DescNullsLast]")[:3] == ["Acme", "Initech", "Globex"]
    assert ordered(api, "budget.amountMicros[DescNullsLast]")[:2] == ["Acme", "Globex"]


def walk_forward(api: Client, params: dict[str, str]) -> list[dict]:
    seen: list[dict] = []
    cursor = None
    pages = 0
    while True:
        query = dict(params, **({"starting_after": cursor} if cursor else {}))
        body = api.get("/rest/people?" + urlencode(query)).json()
        seen.extend(body["data"]["people"])
        pages += 1
        assert body["pageInfo"]["hasPreviousPage"] is (cursor is not None)
        if not body["pageInfo"]["hasNextPage"]:
            return seen
        cursor = body["pageInfo"]["endCursor"]
        assert pages < 50


@pytest.fixture
def people(workspace, actor):
    create_custom_field(workspace, {"objectName": "person", "name": "rank", "label": "Rank", "type": "NUMBER"})
    rows = [
        {
            "name": {"firstName": f"P{i:02d}", "lastName": "Same" if i % 3 else ""},
            "city": ["Oslo", "Rome", "", "Paris"][i % 4],
            **({} if i % 5 == 0 else {"rank": i % 4}),
        }
        for i in range(23)
    ]
    return create_records(workspace, "person", rows, actor)


@pytest.mark.parametrize(
    "order_by",
    [
        "",
        "city[AscNullsFirst]",
        "city[DescNullsLast],name.firstName[DescNullsFirst]",
        "rank[AscNullsLast]",
        "rank[DescNullsFirst]",
        "name.lastName[AscNullsLast]",
        "createdAt[DescNullsLast]",
    ],
)
def test_cursors_walk_forward_and_back_without_missing_or_repeating_rows(api, people, order_by):
    params = {"limit": "4", "order_by": order_by}
    everything = api.get("/rest/people?" + urlencode({"limit": "200", "order_by": order_by})).json()
    expected = [p["id"] for p in everything["data"]["people"]]
    assert len(expected) == 23

    forward = walk_forward(api, params)
    assert [p["id"] for p in forward] == expected

    # From the last page, walk back with ending_before.
    last_page = api.get("/rest/people?" + urlencode(dict(params, starting_after=_cursor_before_last(api, params))))
    body = last_page.json()
    backward = list(body["data"]["people"])
    cursor = body["pageInfo"]["startCursor"]
    while True:
        body = api.get("/rest/people?" + urlencode(dict(params, ending_before=cursor))).json()
        assert body["pageInfo"]["hasNextPage"] is True
        backward = body["data"]["people"] + backward
        if not body["pageInfo"]["hasPreviousPage"]:
            break
        cursor = body["pageInfo"]["startCursor"]
    assert [p["id"] for p in backward] == expected


def _cursor_before_last(api: Client, params: dict[str, str]) -> str:
    """The endCursor of the second-to-last page."""
    cursor = None
    previous = None
    while True:
        query = dict(params, **({"starting_after": cursor} if cursor else {}))
        body = api.get("/rest/people?" + urlencode(query)).json()
        if not body["pageInfo"]["hasNextPage"]:
            return previous
        previous, cursor = cursor, body["pageInfo"]["endCursor"]
        previous = cursor


def test_cursor_pages_combine_with_a_filter_and_keep_the_total(api, people):
    forward = walk_forward(api, {"limit": "3", "filter": "city[eq]:Oslo"})
    assert len(forward) == 6
    assert {p["city"] for p in forward} == {"Oslo"}
    body = api.get("/rest/people?" + urlencode({"limit": "3", "filter": "city[eq]:Oslo"})).json()
    assert body["totalCount"] == 6


def test_limit_defaults_to_60_and_caps_at_200(api, workspace, actor):
    create_records(workspace, "note", [{"title": str(i)} for i in range(60)], actor)
    create_records(workspace, "note", [{"title": str(i)} for i in range(15)], actor)
    body = api.get("/rest/notes").json()
    assert len(body["data"]["notes"]) == 60 and body["totalCount"] == 75
    assert body["pageInfo"]["hasNextPage"] is True
    assert len(api.get("/rest/notes?limit=200").json()["data"]["notes"]) == 75


@pytest.mark.parametrize("limit", ["201", "1000000", "99999999999999999999"])
def test_a_limit_above_200_reads_200_as_in_twenty(api, workspace, actor, limit):
    for batch in range(4):
        create_records(workspace, "note", [{"title": f"{batch}-{i}"} for i in range(55)], actor)
    body = api.get(f"/rest/notes?limit={limit}").json()
    assert len(body["data"]["notes"]) == 200 and body["totalCount"] == 220
    assert body["pageInfo"]["hasNextPage"] is True


def test_limit_zero_returns_only_the_count(api, companies):
    body = api.get("/rest/companies?limit=0").json()
    assert body["data"]["companies"] == [] and body["totalCount"] == 5


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", " "])
def test_a_bad_limit_is_a_400(api, companies, bad):
    assert "limit" in error(api, limit=bad)


@pytest.mark.parametrize("bad", ["2", "-1", "one", "true"])
def test_a_bad_depth_is_a_400(api, companies, bad):
    assert "depth" in error(api, depth=bad)


def test_a_malformed_cursor_is_a_400(api, companies):
    assert "cursor" in error(api, starting_after="not-a-cursor").lower()
    assert "cursor" in error(api, ending_before="W10").lower()


def test_a_cursor_from_another_ordering_is_a_400(api, companies):
    cursor = api.get("/rest/companies?limit=1").json()["pageInfo"]["endCursor"]
    assert "cursor" in error(api, starting_after=cursor, order_by="name,employees").lower()


def test_both_cursors_at_once_is_a_400(api, companies):
    assert "either" in error(api, starting_after="a", ending_before="b")


def test_a_malformed_filter_says_where(api, companies):
    message = error(api, filter="name[eq:Acme")
    assert message.startswith("Invalid filter:") and "position" in message


def test_unknown_fields_in_filter_and_order_are_400s(api, companies):
    assert "nope" in error(api, filter="nope[eq]:1")
    assert "nope" in error(api, order_by="nope")
    assert "Unknown sub-field" in error(api, filter="address.planet[eq]:Mars")


def test_values_of_the_wrong_type_are_400s(api, companies):
    assert "employees" in error(api, filter="employees[gt]:many")
    assert "tier" in error(api, filter="tier[eq]:PLATINUM")
    assert "createdAt" in error(api, filter="createdAt[gt]:yesterday")


def test_a_bad_order_direction_is_a_400(api, companies):
    assert error(api, order_by="name[Sideways]").startswith("'order_by' direction 'Sideways' invalid.")


def test_a_custom_value_set_to_null_counts_as_null(api, companies, workspace, actor):
    create_records(workspace, "company", [{"name": "Nulled", "score": None}], actor)
    assert "Nulled" in names(api, filter="score[is]:NULL")
    assert "Nulled" not in names(api, filter="score[lte]:3")
    assert ordered(api, "score[DescNullsLast]")[0] == "Acme"


def test_not_and_neq_leave_out_records_without_the_value_as_twentys_sql_does(api, companies):
    """Initech has neither employees nor a tier: it is neither equal nor unequal to any."""
    assert "Initech" not in names(api, filter="not(employees[eq]:20)")
    assert "Initech" not in names(api, filter="employees[neq]:20")
    assert names(api, filter="not(or(tier[eq]:GOLD,tier[eq]:SILVER))") == []
    assert names(api, filter="not(tier[eq]:GOLD)") == names(api, filter="tier[neq]:GOLD") != []
    assert "Initech" in names(api, filter="or(employees[neq]:20,employees[is]:NULL)")
    assert "Initech" in names(api, filter="not(employees[is]:NOT_NULL)")
    assert "Initech" in names(api, filter="not(not(name[eq]:Initech))")


def test_neq_on_a_relation_leaves_out_records_without_one(api, workspace, actor):
    acme, other = create_records(workspace, "company", [{"name": "Acme"}, {"name": "Other"}], actor)
    create_records(workspace, "person", [{"city": "In", "companyId": other["id"]}, {"city": "Out"}], actor)

    people = api.get(f"/rest/people?filter=companyId[neq]:{acme['id']}").json()["data"]["people"]

    assert [p["city"] for p in people] == ["In"]


def test_cursors_over_a_custom_field_holding_nulls(api, workspace, actor):
    create_custom_field(workspace, {"objectName": "person", "name": "rank", "label": "Rank", "type": "NUMBER"})
    create_records(workspace, "person", [{"rank": None if i % 3 == 0 else i % 4} for i in range(11)], actor)
    expected = [p["id"] for p in api.get("/rest/people?order_by=rank[DescNullsFirst]").json()["data"]["people"]]
    assert [p["id"] for p in walk_forward(api, {"limit": "3", "order_by": "rank[DescNullsFirst]"})] == expected


def test_depth_1_on_lists_embeds_relations(api, workspace, actor):
    company = create_records(workspace, "company", [{"name": "Acme"}], actor)[0]
    create_records(workspace, "person", [{"companyId": company["id"]}, {}], actor)
    people = api.get("/rest/people?depth=1&order_by=companyId[AscNullsLast]").json()["data"]["people"]
    assert people[0]["company"]["name"] == "Acme"
    assert people[1]["company"] is None


@pytest.mark.parametrize("order_by", ["city[AscNullsFirst]", "nickname[AscNullsLast]", "nickname[DescNullsFirst]"])
def test_text_sorts_without_regard_to_case_as_in_twenty(api, workspace, actor, order_by):
    create_custom_field(workspace, {"objectName": "person", "name": "nickname", "label": "Nickname", "type": "TEXT"})
    cities = ["apple", "Banana", "cherry", "Apricot", "banana", None, "CHERRY", "apple"]
    create_records(workspace, "person", [{"city": c or "", **({"nickname": c} if c else {})} for c in cities], actor)
    field = order_by.split("[")[0]

    listed = api.get("/rest/people?" + urlencode({"order_by": order_by})).json()["data"]["people"]

    words = [p[field].lower() for p in listed if p.get(field)]
    assert words == sorted(words, reverse="Desc" in order_by)
    params = {"limit": "3", "order_by": order_by}
    assert [p["id"] for p in walk_forward(api, params)] == [p["id"] for p in listed]
    body = api.get("/rest/people?" + urlencode(dict(params, ending_before=_cursor_of_last(api, params)))).json()
    backward = body["data"]["people"]
    while body["pageInfo"]["hasPreviousPage"]:
        cursor = body["pageInfo"]["startCursor"]
        body = api.get("/rest/people?" + urlencode(dict(params, ending_before=cursor))).json()
        backward = body["data"]["people"] + backward
    assert [p["id"] for p in backward] == [p["id"] for p in listed[:-1]]


def _cursor_of_last(api: Client, params: dict[str, str]) -> str:
    records = walk_forward(api, params)
    last_page = api.get("/rest/people?" + urlencode(dict(params, limit="200"))).json()
    assert last_page["data"]["people"][-1]["id"] == records[-1]["id"]
    return last_page["pageInfo"]["endCursor"]
