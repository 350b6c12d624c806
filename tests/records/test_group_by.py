"""groupBy with aggregates: GraphQL's ``opportunitiesGroupBy`` and REST's
``/rest/opportunities/groupBy``, grouped by select, text, relation id, composite
sub-field and date (truncated or by day of the week), with totalCount and
sum/avg/min/max per group, honouring the filter, computed by the database in one
statement, and agreeing with SQL written by hand."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.services.fields import create_custom_field
from crm.services.records import create_record, create_records, delete_record

MICROS = 1_000_000


@pytest.fixture
def api(api_token: str, settings) -> Client:
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


def graphql(api: Client, query: str, variables: dict | None = None):
    return api.post("/graphql", {"query": query, "variables": variables or {}}, content_type="application/json")


def graphql_data(api: Client, query: str, variables: dict | None = None) -> dict:
    body = graphql(api, query, variables).json()
    assert "errors" not in body, body
    return body["data"]


def group_by(api: Client, plural: str, **params: object):
    encoded = {key: json.dumps(value) if isinstance(value, list | dict) else value for key, value in params.items()}
    return api.get(f"/rest/{plural}/groupBy?{urlencode(encoded)}")


def by_values(groups: list[dict]) -> dict[tuple, dict]:
    return {tuple(group["groupByDimensionValues"]): group for group in groups}


@pytest.fixture
def deals(workspace, actor) -> dict:
    """Four deals of two companies: NEW on a Wednesday, two NEW and one SCREENING on a Thursday."""
    one, two = create_records(
        workspace, "company", [{"name": "Company 1", "employees": 10}, {"name": "Company 2", "employees": 20}], actor
    )
    rows = [
        ("Opportunity 1", "NEW", 1000, one, "2025-02-05T08:00:00Z"),
        ("Opportunity 2", "NEW", 2000, one, "2025-02-06T08:00:00Z"),
        ("Opportunity 3", "NEW", 3000, two, "2025-02-06T08:00:00Z"),
        ("Opportunity 4", "SCREENING", 4000, two, "2025-02-06T23:30:00Z"),
    ]
    opportunities = create_records(
        workspace,
        "opportunity",
        [
            {
                "name": name,
                "stage": stage,
                "amount": {"amountMicros": amount * MICROS, "currencyCode": "USD"},
                "companyId": company["id"],
                "closeDate": close,
            }
            for name, stage, amount, company, close in rows
        ],
        actor,
    )
    return {"companies": (one, two), "opportunities": opportunities}


def test_rest_groups_by_day_of_the_week_and_stage_with_aggregates_and_records(api, deals):
    response = group_by(
        api,
        "opportunities",
        group_by=[{"closeDate": {"granularity": "DAY_OF_THE_WEEK"}}, {"stage": True}],
        aggregate=["maxAmountAmountMicros", "sumAmountAmountMicros"],
        include_records_sample="true",
        order_by_for_records="name[AscNullsFirst]",
    )
    assert response.status_code == 200, response.content
    groups = by_values(response.json())
    assert set(groups) == {("Wednesday", "NEW"), ("Thursday", "NEW"), ("Thursday", "SCREENING")}
    thursday_new = groups[("Thursday", "NEW")]
    assert thursday_new["totalCount"] == 2
    assert thursday_new["maxAmountAmountMicros"] == 3000 * MICROS
    assert thursday_new["sumAmountAmountMicros"] == 5000 * MICROS
    assert [r["name"] for r in thursday_new["records"]] == ["Opportunity 2", "Opportunity 3"]
    assert thursday_new["records"][0]["companyId"] == deals["companies"][0]["id"]


def test_rest_group_by_honours_the_filter_and_leaves_records_out_unless_asked(api, deals):
    response = group_by(
        api,
        "opportunities",
        group_by=[{"closeDate": {"granularity": "DAY_OF_THE_WEEK"}}, {"stage": True}],
        filter="stage[eq]:NEW",
    )
    groups = response.json()
    assert sorted(g["groupByDimensionValues"] for g in groups) == [["Thursday", "NEW"], ["Wednesday", "NEW"]]
    assert all("records" not in group for group in groups)


def test_graphql_group_by_has_twentys_shape(api, deals):
    data = graphql_data(
        api,
        """query($groupBy: [OpportunityGroupByInput!]!, $filter: OpportunityFilterInput) {
          opportunitiesGroupBy(groupBy: $groupBy, filter: $filter, orderByForRecords: [{name: AscNullsFirst}]) {
            groupByDimensionValues totalCount sumAmountAmountMicros avgAmountAmountMicros minCloseDate
            edges { node { name amount { amountMicros } company { name employees } } }
          }
        }""",
        {
            "groupBy": [{"closeDate": {"granularity": "DAY_OF_THE_WEEK"}}, {"stage": True}],
            "filter": {"amount": {"amountMicros": {"gte": 1500 * MICROS}}},
        },
    )
    groups = by_values(data["opportunitiesGroupBy"])
    assert set(groups) == {("Thursday", "NEW"), ("Thursday", "SCREENING")}
    thursday_new = groups[("Thursday", "NEW")]
    assert thursday_new["totalCount"] == 2
    assert thursday_new["sumAmountAmountMicros"] == 5000 * MICROS
    assert thursday_new["avgAmountAmountMicros"] == 2500 * MICROS
    assert thursday_new["minCloseDate"] == "2025-02-06T08:00:00.000Z"
    nodes = [edge["node"] for edge in thursday_new["edges"]]
    assert [n["name"] for n in nodes] == ["Opportunity 2", "Opportunity 3"]
    assert [n["company"] for n in nodes] == [
        {"name": "Company 1", "employees": 10},
        {"name": "Company 2", "employees": 20},
    ]


def test_twentys_front_end_group_by_document_runs_as_it_is(api, deals):
    """Twenty's front end declares and sends viewId, and its tests ask for 300 groups."""
    data = graphql_data(
        api,
        """query OpportunitiesGroupBy($groupBy: [OpportunityGroupByInput!]!, $filter: OpportunityFilterInput,
            $orderBy: [OpportunityOrderByWithGroupByInput!], $viewId: UUID, $limit: Int) {
          opportunitiesGroupBy(groupBy: $groupBy, filter: $filter, orderBy: $orderBy, viewId: $viewId, limit: $limit) {
            groupByDimensionValues totalCount
          }
        }""",
        {"groupBy": [{"stage": True}], "filter": {}, "orderBy": [], "viewId": None, "limit": 300},
    )
    by_stage = {tuple(group["groupByDimensionValues"]): group["totalCount"] for group in data["opportunitiesGroupBy"]}
    assert by_stage == {("NEW",): 3, ("SCREENING",): 1}


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"granularity": "DAY"}, {"2025-02-05": 1, "2025-02-06": 3}),
        # 23:30 UTC on the 6th is already the 7th in Paris.
        ({"granularity": "DAY", "timeZone": "Europe/Paris"}, {"2025-02-05": 1, "2025-02-06": 2, "2025-02-07": 1}),
        ({"granularity": "WEEK"}, {"2025-02-03": 4}),
        ({"granularity": "WEEK", "weekStartDay": "SUNDAY"}, {"2025-02-02": 4}),
        ({"granularity": "MONTH"}, {"2025-02-01": 4}),
        ({"granularity": "QUARTER"}, {"2025-01-01": 4}),
        ({"granularity": "YEAR"}, {"2025-01-01": 4}),
        ({"granularity": "MONTH_OF_THE_YEAR"}, {"February": 4}),
        ({"granularity": "QUARTER_OF_THE_YEAR"}, {"Q1": 4}),
    ],
)
def test_dates_are_grouped_at_every_granularity(api, deals, options, expected):
    response = group_by(api, "opportunities", group_by=[{"closeDate": options}], include_records_sample="true")
    groups = response.json()
    assert {g["groupByDimensionValues"][0]: g["totalCount"] for g in groups} == expected
    # Each group's records are exactly those the group counts.
    assert all(len(g["records"]) == g["totalCount"] for g in groups)


def test_groups_by_relation_id_and_composite_sub_field(api, deals, workspace, actor):
    one, two = deals["companies"]
    by_company = by_values(
        group_by(api, "opportunities", group_by=[{"companyId": True}], aggregate=["sumAmountAmountMicros"]).json()
    )
    assert by_company[(one["id"],)]["sumAmountAmountMicros"] == 3000 * MICROS
    assert by_company[(two["id"],)]["sumAmountAmountMicros"] == 7000 * MICROS
    create_record(
        workspace, "company", {"name": "Company 3", "employees": 30, "address": {"addressCity": "Oslo"}}, actor
    )
    cities = group_by(api, "companies", group_by=[{"address": {"addressCity": True}}], aggregate=["avgEmployees"])
    assert {tuple(g["groupByDimensionValues"]): g["avgEmployees"] for g in cities.json()} == {("",): 15, ("Oslo",): 30}


def test_groups_are_ordered_by_dimension_or_aggregate(api, deals):
    chronological = graphql_data(
        api,
        """{ opportunitiesGroupBy(
              groupBy: [{closeDate: {granularity: DAY_OF_THE_WEEK}}],
              orderBy: [{closeDate: {granularity: DAY_OF_THE_WEEK, orderBy: DescNullsLast}}]) {
            groupByDimensionValues } }""",
    )["opportunitiesGroupBy"]
    assert [g["groupByDimensionValues"] for g in chronological] == [["Thursday"], ["Wednesday"]]
    by_sum = graphql_data(
        api,
        """{ opportunitiesGroupBy(groupBy: [{companyId: true}],
              orderBy: [{aggregate: {sumAmountAmountMicros: DescNullsLast}}]) { totalCount } }""",
    )["opportunitiesGroupBy"]
    assert [g["totalCount"] for g in by_sum] == [2, 2]
    by_count = group_by(
        api,
        "opportunities",
        group_by=[{"stage": True}],
        order_by=[{"aggregate": {"totalCount": "AscNullsFirst"}}],
        limit="1",
    ).json()
    assert [g["groupByDimensionValues"] for g in by_count] == [["SCREENING"]]


def test_deleted_records_and_other_workspaces_are_not_counted(api, deals, workspace, other_workspace, actor):
    delete_record(workspace, "opportunity", deals["opportunities"][3]["id"], actor)
    create_record(other_workspace, "opportunity", {"name": "Elsewhere", "stage": "SCREENING"}, actor)
    groups = group_by(api, "opportunities", group_by=[{"stage": True}]).json()
    assert [(g["groupByDimensionValues"], g["totalCount"]) for g in groups] == [(["NEW"], 3)]


def test_custom_fields_are_grouped_and_aggregated(api, workspace, actor):
    create_custom_field(
        workspace,
        {"objectName": "company", "name": "tier", "label": "Tier", "type": "SELECT", "options": [{"value": "GOLD"}]},
    )
    create_custom_field(workspace, {"objectName": "company", "name": "score", "label": "Score", "type": "NUMBER"})
    workspace.refresh_from_db()
    create_records(
        workspace,
        "company",
        [{"tier": "GOLD", "score": 2}, {"tier": "GOLD", "score": 4.5}, {"score": 10}],
        actor,
    )
    groups = group_by(api, "companies", group_by=[{"tier": True}], aggregate=["sumScore", "maxScore"]).json()
    assert {tuple(g["groupByDimensionValues"]): (g["totalCount"], g["sumScore"], g["maxScore"]) for g in groups} == {
        ("GOLD",): (2, 6.5, 4.5),
        (None,): (1, 10.0, 10.0),
    }


@pytest.mark.parametrize(
    "params, message",
    [
        ({"group_by": [{"nope": True}]}, "Unknown field 'nope'"),
        ({"group_by": [{"company": True}]}, "group by companyId"),
        ({"group_by": [{"amount": True}]}, "composite field"),
        ({"group_by": [{"stage": True, "name": True}]}, "names one field"),
        ({"group_by": [{"closeDate": {"granularity": "FORTNIGHT"}}]}, "granularity must be one of"),
        ({"group_by": [{"closeDate": {"granularity": "DAY", "timeZone": "Mars/Olympus"}}]}, "unknown timeZone"),
        ({"group_by": [{"stage": True}], "aggregate": ["sumNothing"]}, "Unknown aggregate 'sumNothing'"),
        (
            {"group_by": [{"stage": True}], "order_by": [{"name": "AscNullsFirst"}]},
            "Cannot order by a field that is not an aggregate nor in groupBy criteria: name.",
        ),
        (
            {
                "group_by": [{"stage": True}],
                "order_by": [{"aggregate": {"avgAmountAmountMicros": "AscNullsFirst", "countId": "AscNullsFirst"}}],
            },
            "Please provide aggregate criteria one by one in orderBy array",
        ),
        (
            {"group_by": [{"stage": True}], "order_by": [{"stage": "AscNullsFirst", "name": "AscNullsFirst"}]},
            "Please provide orderBy field criteria one by one in orderBy array",
        ),
        (
            {"group_by": [{"stage": True}], "order_by": [{"aggregate": {"sumNothing": "AscNullsFirst"}}]},
            "Unknown aggregate field: sumNothing",
        ),
        (
            {"group_by": [{"stage": True}], "order_by": [{"nope": "AscNullsFirst"}]},
            "Cannot orderBy unknown field: nope.",
        ),
        (
            {
                "group_by": [{"stage": True}],
                "order_by": [{"closeDate": {"granularity": "DAY", "orderBy": "AscNullsFirst"}}],
            },
            "Cannot order by a date granularity that is not in groupBy criteria: DAY",
        ),
        (
            {
                "group_by": [{"amount": {"currencyCode": True}}],
                "order_by": [{"amount": {"amountMicros": "AscNullsFirst"}}],
            },
            "Cannot order by a field that is not in groupBy or that is not an aggregate field: amountMicros",
        ),
        ({"group_by": "[{stage"}, "group_by must be JSON"),
        ({}, "group_by is required"),
        ({"group_by": [{"stage": True}], "limit": "0"}, "limit"),
    ],
)
def test_a_group_by_that_cannot_run_is_a_400_that_says_why(api, params, message):
    if isinstance(params.get("group_by"), str):
        response = api.get(f"/rest/opportunities/groupBy?{urlencode(params)}")
    else:
        response = group_by(api, "opportunities", **params)
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["messages"])


def test_graphql_refuses_a_bad_group_by_as_bad_user_input(api):
    body = graphql(api, "{ peopleGroupBy(groupBy: [{company: true}]) { totalCount } }").json()
    assert body["errors"][0]["extensions"]["code"] in ("GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT")
    body = graphql(api, "{ peopleGroupBy(groupBy: [{name: {firstName: true, lastName: true}}]) { totalCount } }").json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_the_groups_are_computed_in_one_statement(api, deals):
    group_by(api, "opportunities", group_by=[{"stage": True}])  # the key's first use records last_used_at
    with CaptureQueriesContext(connection) as captured:
        response = group_by(
            api,
            "opportunities",
            group_by=[{"closeDate": {"granularity": "MONTH"}}, {"stage": True}],
            aggregate=["sumAmountAmountMicros", "avgAmountAmountMicros", "minAmountAmountMicros"],
        )
    assert response.status_code == 200
    on_opportunities = [q["sql"] for q in captured.captured_queries if "crm_opportunity" in q["sql"]]
    assert len(on_opportunities) == 1 and "GROUP BY" in on_opportunities[0]


def test_the_answers_agree_with_sql_written_by_hand(api, deals, workspace, actor):
    create_record(workspace, "opportunity", {"name": "No amount", "stage": "NEW"}, actor)
    if connection.vendor == "postgresql":
        month = "to_char(date_trunc('month', close_date AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
    else:
        month = "strftime('%Y-%m-01', close_date)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT stage, company_id, {month}, COUNT(*), SUM(amount_amount_micros), AVG(amount_amount_micros),"  # noqa: S608
            " MIN(amount_amount_micros), MAX(amount_amount_micros)"
            " FROM crm_opportunity WHERE workspace_id = %s AND deleted_at IS NULL GROUP BY 1, 2, 3",
            [workspace.id.hex if connection.vendor == "sqlite" else workspace.id],
        )
        expected = {
            (stage, str(company).replace("-", "") if company else None, day): (
                count,
                None if total is None else int(total),
                None if average is None else float(average),
                low,
                high,
            )
            for stage, company, day, count, total, average, low, high in cursor.fetchall()
        }
    response = group_by(
        api,
        "opportunities",
        group_by=[{"stage": True}, {"companyId": True}, {"closeDate": {"granularity": "MONTH"}}],
        aggregate=["sumAmountAmountMicros", "avgAmountAmountMicros", "minAmountAmountMicros", "maxAmountAmountMicros"],
    )
    answered = {
        (stage, company.replace("-", "") if company else None, day): (
            g["totalCount"],
            g["sumAmountAmountMicros"],
            g["avgAmountAmountMicros"],
            g["minAmountAmountMicros"],
            g["maxAmountAmountMicros"],
        )
        for g in response.json()
        for stage, company, day in [g["groupByDimensionValues"]]
    }
    assert answered == expected
    assert len(answered) == 4


def test_groups_with_records_and_their_relations_cost_the_same_statements_for_few_or_many(api, workspace, actor):
    companies = create_records(workspace, "company", [{"name": f"Company {i}"} for i in range(5)], actor)
    for start in (0, 60):
        create_records(
            workspace,
            "opportunity",
            [{"name": f"Deal {i % 40}", "companyId": companies[i % 5]["id"]} for i in range(start, start + 60)],
            actor,
        )
    query = """query($limit: Int) { opportunitiesGroupBy(groupBy: [{name: true}], limit: $limit) {
      groupByDimensionValues totalCount sumAmountAmountMicros edges { node { name company { name } } }
    } }"""

    def statements(limit: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            groups = graphql_data(api, query, {"limit": limit})["opportunitiesGroupBy"]
        assert len(groups) == limit and all(len(g["edges"]) == g["totalCount"] == 3 for g in groups)
        return len(captured)

    statements(1)  # the key's first use records last_used_at
    assert statements(2) == statements(40)
