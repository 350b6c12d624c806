"""Aggregates over a list, selected beside its edges, as Twenty's front end asks for them
under a table's columns (its generateAggregateQuery): counts of empty, filled and
distinct values, their shares, and sums, averages and extremes; and the same per group."""

from __future__ import annotations

import pytest
from graphql_client import ask

from crm.services.fields import create_custom_field
from crm.services.records import create_record, create_records, delete_record


@pytest.fixture
def people(workspace, actor) -> list[dict]:
    made = create_records(
        workspace,
        "person",
        [
            {"name": {"firstName": "Ada", "lastName": "Lovelace"}, "city": "London", "jobTitle": "Engineer"},
            {"name": {"firstName": "Grace", "lastName": "Hopper"}, "city": "New York"},
            {"name": {"firstName": "Alan"}, "city": "London"},
            {"city": ""},
        ],
        actor,
    )
    gone = create_record(workspace, "person", {"city": "Paris"}, actor)
    delete_record(workspace, "person", gone["id"], actor)
    return made


def test_twentys_aggregate_query_counts_what_the_filter_matches(api, people):
    body = ask(
        api,
        """query AggregateManyPeople($filter: PersonFilterInput) {
          people(filter: $filter) {
            totalCount countEmptyCity countNotEmptyCity countUniqueValuesCity
            percentageEmptyCity percentageNotEmptyCity countEmptyName countNotEmptyJobTitle
            minCreatedAt maxCreatedAt
          }
        }""",
        {"filter": {}},
    )
    assert "errors" not in body, body
    people_ = body["data"]["people"]
    assert people_["totalCount"] == 4  # the deleted person is not counted
    assert (people_["countEmptyCity"], people_["countNotEmptyCity"], people_["countUniqueValuesCity"]) == (1, 3, 2)
    assert people_["percentageEmptyCity"] == pytest.approx(0.25)
    assert people_["percentageNotEmptyCity"] == pytest.approx(0.75)
    assert people_["countEmptyName"] == 1 and people_["countNotEmptyJobTitle"] == 1
    assert people_["minCreatedAt"] <= people_["maxCreatedAt"]


def test_aggregates_follow_the_filter_and_come_beside_a_page(api, people):
    body = ask(
        api,
        """{ people(filter: {city: {eq: "London"}}, first: 1) {
              edges { node { id } } countNotEmptyJobTitle countUniqueValuesName percentageNotEmptyJobTitle
        } }""",
    )
    assert "errors" not in body, body
    london = body["data"]["people"]
    assert len(london["edges"]) == 1  # the page is cut, the aggregates are not
    assert london["countNotEmptyJobTitle"] == 1 and london["countUniqueValuesName"] == 2
    assert london["percentageNotEmptyJobTitle"] == pytest.approx(0.5)


def test_an_empty_list_has_no_share(api, people):
    body = ask(api, '{ people(filter: {city: {eq: "Nowhere"}}) { countEmptyCity percentageEmptyCity } }')
    assert body["data"]["people"] == {"countEmptyCity": 0, "percentageEmptyCity": None}


def test_currency_and_number_aggregates_and_custom_fields(api, workspace, actor):
    create_records(
        workspace,
        "opportunity",
        [
            {"name": "A", "amount": {"amountMicros": 1_000_000, "currencyCode": "USD"}},
            {"name": "B", "amount": {"amountMicros": 3_000_000, "currencyCode": "USD"}},
            {"name": "C"},
        ],
        actor,
    )
    body = ask(
        api,
        """{ opportunities { sumAmountAmountMicros avgAmountAmountMicros countEmptyAmount countNotEmptyCloseDate } }""",
    )
    assert body["data"]["opportunities"] == {
        "sumAmountAmountMicros": 4_000_000,
        "avgAmountAmountMicros": 2_000_000,
        "countEmptyAmount": 1,
        "countNotEmptyCloseDate": 0,
    }


def test_groups_have_the_same_counts(api, people):
    body = ask(
        api,
        """{ peopleGroupBy(groupBy: [{city: true}]) { groupByDimensionValues totalCount countNotEmptyJobTitle } }""",
    )
    groups = {tuple(g["groupByDimensionValues"]): g for g in body["data"]["peopleGroupBy"]}
    assert groups[("London",)]["totalCount"] == 2 and groups[("London",)]["countNotEmptyJobTitle"] == 1


def test_a_relations_connection_refuses_an_aggregate_rather_than_answer_null(api, workspace, actor):
    company = create_record(workspace, "company", {"name": "Acme"}, actor)
    create_record(workspace, "person", {"city": "Oslo", "companyId": company["id"]}, actor)
    body = ask(api, "{ companies { edges { node { people { totalCount countEmptyCity } } } } }")
    assert "root of the query" in body["errors"][0]["message"]


def test_boolean_fields_count_their_true_and_false_records(api, workspace, actor):
    create_custom_field(
        workspace, {"objectName": "company", "name": "isPartner", "label": "Partner", "type": "BOOLEAN"}
    )
    create_records(
        workspace,
        "company",
        [
            {"name": "A", "idealCustomerProfile": True, "isPartner": True},
            {"name": "B", "idealCustomerProfile": True, "isPartner": False},
            {"name": "C", "idealCustomerProfile": False},
        ],
        actor,
    )
    workspace.refresh_from_db()

    body = ask(
        api,
        """{ companies { countTrueIdealCustomerProfile countFalseIdealCustomerProfile
                         countTrueIsPartner countFalseIsPartner } }""",
    )
    grouped = ask(
        api,
        "{ companiesGroupBy(groupBy: [{idealCustomerProfile: true}]) { groupByDimensionValues countTrueIsPartner } }",
    )

    assert body["data"]["companies"] == {
        "countTrueIdealCustomerProfile": 2,
        "countFalseIdealCustomerProfile": 1,
        "countTrueIsPartner": 1,
        "countFalseIsPartner": 1,
    }
    groups = {tuple(g["groupByDimensionValues"]): g["countTrueIsPartner"] for g in grouped["data"]["companiesGroupBy"]}
    assert groups == {(True,): 1, (False,): 0}
