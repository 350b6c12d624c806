"""Linking records by what names the other, as Twenty's relation-connect integration
tests write it: ``company: {connect: {where: {domainName: {primaryLinkUrl: ...}}}}``."""

from __future__ import annotations

import pytest
from graphql_client import ask

from crm.models import Person
from crm.services.records import create_records

COMPANY_1 = "20202020-0000-4000-8000-000000000001"
COMPANY_2 = "20202020-0000-4000-8000-000000000002"
PERSON_1 = "20202020-0000-4000-8000-000000000011"
PERSON_2 = "20202020-0000-4000-8000-000000000012"


@pytest.fixture
def companies(workspace, actor):
    return create_records(
        workspace,
        "company",
        [
            {"id": COMPANY_1, "name": "One", "domainName": {"primaryLinkUrl": "company1.com"}},
            {"id": COMPANY_2, "name": "Two", "domainName": {"primaryLinkUrl": "company2.com"}},
        ],
        actor,
    )


def by_domain(domain):
    return {"connect": {"where": {"domainName": {"primaryLinkUrl": domain}}}}


def create_person(api, data):
    query = "mutation($data: PersonCreateInput!) { createPerson(data: $data) { id company { id } } }"
    return ask(api, query, {"data": data})


def test_create_one_connects_a_company_by_its_domain(api, companies):
    answer = create_person(api, {"id": PERSON_1, "company": by_domain("company1.com")})

    assert answer["data"]["createPerson"] == {"id": PERSON_1, "company": {"id": COMPANY_1}}


def test_create_many_connects_each_record(api, companies):
    query = "mutation($data: [PersonCreateInput!]!) { createPeople(data: $data) { id company { id } } }"
    data = [
        {"id": PERSON_1, "company": by_domain("company1.com")},
        {"id": PERSON_2, "company": by_domain("COMPANY2.com/")},
    ]

    answer = ask(api, query, {"data": data})

    assert [p["company"]["id"] for p in answer["data"]["createPeople"]] == [COMPANY_1, COMPANY_2]


def test_an_update_connects_and_disconnects(api, companies):
    create_person(api, {"id": PERSON_1})
    query = """mutation($id: UUID!, $data: PersonUpdateInput!) {
      updatePerson(id: $id, data: $data) { company { id } } }"""

    connected = ask(api, query, {"id": PERSON_1, "data": {"company": {"connect": {"where": {"id": COMPANY_2}}}}})
    disconnected = ask(api, query, {"id": PERSON_1, "data": {"company": {"disconnect": True}}})

    assert connected["data"]["updatePerson"]["company"] == {"id": COMPANY_2}
    assert disconnected["data"]["updatePerson"]["company"] is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"companyId": COMPANY_1, "company": by_domain("company1.com")},
            "company and companyId cannot be both provided.",
        ),
        ({"company": by_domain("not-existing-company")}, "Expected 1 record to connect to company, but found 0."),
        (
            {"company": {"connect": {"where": {"domainName": {"primaryLinkUrl": "company1.com"}, "id": COMPANY_1}}}},
            "Too many fields provided for connect field 'company'. Only fields from one unique constraint are allowed.",
        ),
    ],
)
def test_refusals_are_worded_as_twenty_words_them(api, companies, data, message):
    answer = create_person(api, {"id": PERSON_1, **data})

    assert answer["errors"][0]["message"] == message
    assert not Person.objects.filter(id=PERSON_1).exists()


def test_a_field_that_names_no_record_is_not_part_of_the_input(api, companies):
    answer = create_person(api, {"id": PERSON_1, "company": {"connect": {"where": {"name": "company1"}}}})

    assert "Field 'name' is not defined by type 'CompanyWhereUniqueInput'" in answer["errors"][0]["message"]


def test_the_same_constraint_is_used_across_a_batch(api, companies):
    query = "mutation($data: [PersonCreateInput!]!) { createPeople(data: $data) { id } }"
    data = [
        {"id": PERSON_1, "company": by_domain("company1.com")},
        {"id": PERSON_2, "company": {"connect": {"where": {"id": COMPANY_2}}}},
    ]

    answer = ask(api, query, {"data": data})

    assert answer["errors"][0]["message"] == (
        "Expected the same constraint fields to be used consistently across all operations for company."
    )
    assert not Person.objects.exists()


def test_rest_writes_connect_too(api, companies):
    created = api.post("/rest/people", {"company": by_domain("company2.com")}, content_type="application/json")
    assert created.status_code == 201, created.json()
    person = created.json()["data"]["createPerson"]
    assert person["companyId"] == COMPANY_2

    unknown = {"company": {"connect": {"where": {"name": "One"}}}}
    refused = api.patch(f"/rest/people/{person['id']}", unknown, content_type="application/json")
    assert refused.status_code == 400
    assert 'Field "name" is not defined by type "CompanyWhereUniqueInput".' in refused.json()["messages"][0]

    emptied = api.patch(
        f"/rest/people/{person['id']}", {"company": {"disconnect": True}}, content_type="application/json"
    )
    assert emptied.json()["data"]["updatePerson"]["companyId"] is None
