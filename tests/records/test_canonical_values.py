"""Email addresses and link URLs are stored in one spelling, as Twenty stores them
(crm/services/canonical_values.py; link URLs in detail in test_link_values.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from crm.email_spelling import canonical_email


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("Ada@Example.COM", "ada@example.com"),
        ("ada@example.com", "ada@example.com"),
        ("REST-CANONICAL@💩。LA.", "rest-canonical@💩.la"),
        ("other@München．DE.", "other@münchen.de"),
        ("ascii@xn--mnchen-3ya.de", "ascii@münchen.de"),
        ("broken@xn--zz.example", "broken@xn--zz.example"),
    ],
)
def test_an_email_address_is_stored_in_one_spelling(sent, stored):
    assert canonical_email(sent) == stored


@pytest.fixture
def api(api_token: str, settings) -> Client:
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


def test_writes_store_the_canonical_spelling_and_filters_find_it(api):
    person = {"emails": {"primaryEmail": "Person-X@ExAmPlE.COM.", "additionalEmails": ["Other@Example.com"]}}
    created = api.post("/rest/people", person, content_type="application/json").json()["data"]["createPerson"]
    assert created["emails"] == {"primaryEmail": "person-x@example.com", "additionalEmails": ["other@example.com"]}
    found = api.get('/rest/people?filter=emails.primaryEmail[eq]:"person-x@example.com"').json()["data"]["people"]
    assert [p["id"] for p in found] == [created["id"]]

    company = {
        "domainName": {
            "primaryLinkUrl": "https://Test.com/",
            "secondaryLinks": [{"url": "https://b.com/", "label": "B"}],
        }
    }
    made = api.post("/rest/companies", company, content_type="application/json").json()["data"]["createCompany"]
    assert made["domainName"]["primaryLinkUrl"] == "https://test.com"
    assert made["domainName"]["secondaryLinks"] == [{"url": "https://b.com", "label": "B"}]
    changed = api.patch(
        f"/rest/companies/{made['id']}",
        {"domainName": {"primaryLinkUrl": "https://Other.com/"}},
        content_type="application/json",
    ).json()["data"]["updateCompany"]
    assert changed["domainName"]["primaryLinkUrl"] == "https://other.com"


@pytest.mark.parametrize(
    ("condition", "found"),
    [
        ('emails.primaryEmail[eq]:"Ada@Example.COM"', ["ada"]),
        ('emails.primaryEmail[in]:["GRACE@example.com","nobody@example.com"]', ["grace"]),
        ('emails.primaryEmail[neq]:"ADA@EXAMPLE.COM."', ["grace"]),
    ],
)
def test_an_exact_email_filter_finds_the_address_however_it_is_written(api, condition, found):
    for name in ("ada", "grace"):
        api.post("/rest/people", {"emails": {"primaryEmail": f"{name}@example.com"}}, content_type="application/json")

    people = api.get("/rest/people", {"filter": condition}).json()["data"]["people"]

    assert sorted(p["emails"]["primaryEmail"].split("@")[0] for p in people) == found


def test_graphql_filters_find_an_email_however_it_is_written(api):
    api.post("/rest/people", {"emails": {"primaryEmail": "ada@example.com"}}, content_type="application/json")

    answer = api.post(
        "/graphql",
        {"query": '{ people(filter: {emails: {primaryEmail: {eq: "Ada@EXAMPLE.com"}}}) { edges { node { id } } } }'},
        content_type="application/json",
    ).json()

    assert len(answer["data"]["people"]["edges"]) == 1
