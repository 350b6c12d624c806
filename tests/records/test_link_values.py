"""Links are checked, cleaned up and spelled as Twenty does it: a link without a URL is
dropped, every URL left must be a web address, an http(s) URL is written as the
browser's URL class writes it, and a write of the whole field fills an empty primary
link from the secondary ones (crm/services/link_values.py)."""

from __future__ import annotations

import pytest
from graphql_client import ask
from rest_client import send

from crm.models import Company, ObjectMetadata
from crm.services.fields import create_custom_field
from crm.services.link_values import LinkError, clean_links, is_valid_link_url, link_url_spelling
from crm.services.records import create_record, update_record

VALID = [
    "https://www.example.com",
    "http://192.168.2.0:3000",
    "http://localhost",
    "http://localhost:3000",
    "http://subdomain.example.com",
    "https://www.example.com/path/path2?query=123",
    "example.com",
    "www.subdomain.example.com",
    "192.168.2.0",
    "3.com",
    "  https://padded.example.com  ",
    "bücher.de/katalog",
]
INVALID = [
    "?o",
    "",
    "\\",
    "wwwexamplecom",
    "wikipedia",
    "lydia,com",
    "2/toto",
    "2",
    "http://",
    "https://[::1]/",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("url", VALID)
def test_a_web_address_is_a_valid_link(url):
    assert is_valid_link_url(url)


@pytest.mark.parametrize("url", INVALID)
def test_anything_else_is_not_a_valid_link(url):
    assert not is_valid_link_url(url)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("https://test.com/", "https://test.com"),
        ("HTTPS://Acme.COM/Careers/", "https://acme.com/Careers"),
        ("https://acme.com/?Ref=A", "https://acme.com/?Ref=A"),
        ("http://acme.com:8080/", "http://acme.com:8080"),
        ("https://acme.com:443/jobs", "https://acme.com/jobs"),
        ("https://user:secret@acme.com/", "https://acme.com"),
        ("https://Bücher.de/", "https://xn--bcher-kva.de"),
        ("https://test.test/john-döe-22219837", "https://test.test/john-d%C3%B6e-22219837"),
        ("https://test.test/john-d%C3%B6e-22219837", "https://test.test/john-d%C3%B6e-22219837"),
        ("https://example.com/path?name=José", "https://example.com/path?name=Jos%C3%A9"),
        ("https://example.com/test%2520name", "https://example.com/test%2520name"),
        ("https://example.com/test%E0%A4%A", "https://example.com/test%E0%A4%A"),
        ("https://example.com/path#frédéric", "https://example.com/path#fr%C3%A9d%C3%A9ric"),
        ("acme.com/", "acme.com/"),
        ("www.example.com", "www.example.com"),
        ("mailto:Ada@Example.com", "mailto:Ada@Example.com"),
    ],
)
def test_a_link_url_is_written_as_the_browser_writes_it(sent, stored):
    assert link_url_spelling(sent) == stored


# (sub-values sent, sub-values stored; None is an empty sub-field)
CLEANED = [
    # All three sent: the first link with a URL is the primary one.
    (
        {"primaryLinkUrl": "HTTPS://EXAMPLE.COM/", "primaryLinkLabel": "Example", "secondaryLinks": None},
        {"primaryLinkUrl": "https://example.com", "primaryLinkLabel": "Example", "secondaryLinks": []},
    ),
    (
        {
            "primaryLinkUrl": "",
            "primaryLinkLabel": "Lost with its URL",
            "secondaryLinks": [
                {"url": "", "label": "Empty"},
                {"url": "https://B.com/", "label": "B"},
                {"url": "c.com"},
            ],
        },
        {"primaryLinkUrl": "https://b.com", "primaryLinkLabel": "B", "secondaryLinks": [{"url": "c.com"}]},
    ),
    (
        {"primaryLinkUrl": "", "primaryLinkLabel": "", "secondaryLinks": [{"url": "", "label": "Empty"}, "b.com"]},
        {"primaryLinkUrl": None, "primaryLinkLabel": None, "secondaryLinks": []},
    ),
    # Some sent: only those change, and nothing moves up.
    ({"primaryLinkLabel": "Example"}, {"primaryLinkLabel": "Example"}),
    ({"primaryLinkUrl": "HTTPS://EXAMPLE.COM/"}, {"primaryLinkUrl": "https://example.com"}),
    (
        {"secondaryLinks": [{"url": "https://docs.example.com", "label": "Docs"}]},
        {"secondaryLinks": [{"url": "https://docs.example.com", "label": "Docs"}]},
    ),
    ({"primaryLinkUrl": ""}, {"primaryLinkUrl": None, "primaryLinkLabel": None}),
    ({"primaryLinkUrl": "", "primaryLinkLabel": "Example"}, {"primaryLinkUrl": None, "primaryLinkLabel": None}),
    ({"secondaryLinks": [{"url": "", "label": "Empty"}]}, {"secondaryLinks": []}),
]


@pytest.mark.parametrize(("sent", "stored"), CLEANED)
def test_links_are_cleaned_up_as_twenty_cleans_them(sent, stored):
    assert clean_links(sent) == stored


@pytest.mark.parametrize(
    ("sent", "part"),
    [
        ({"primaryLinkUrl": "lydia,com"}, "primaryLinkUrl"),
        ({"secondaryLinks": [{"url": "wikipedia"}]}, "secondaryLinks"),
        ({"primaryLinkUrl": "", "primaryLinkLabel": "", "secondaryLinks": [{"url": "wikipedia"}]}, "secondaryLinks"),
    ],
)
def test_a_link_that_is_not_a_web_address_is_refused_in_twentys_words(sent, part):
    with pytest.raises(LinkError) as refused:
        clean_links(sent)

    assert (str(refused.value), refused.value.part) == ("The URL of the link is not valid", part)


def test_rest_stores_the_cleaned_links_and_refuses_a_bad_one(api):
    created = send(
        api,
        "post",
        "/rest/companies",
        {
            "name": "Acme",
            "domainName": {
                "primaryLinkUrl": "",
                "primaryLinkLabel": "",
                "secondaryLinks": [{"url": "https://Acme.com:443/", "label": "Site"}, {"url": ""}],
            },
        },
    )
    refused = send(api, "post", "/rest/companies", {"name": "Lydia", "domainName": {"primaryLinkUrl": "lydia,com"}})

    assert created.status_code == 201
    assert created.json()["data"]["createCompany"]["domainName"] == {
        "primaryLinkUrl": "https://acme.com",
        "primaryLinkLabel": "Site",
        "secondaryLinks": [],
    }
    assert refused.status_code == 400
    assert refused.json()["messages"] == ["domainName.primaryLinkUrl: The URL of the link is not valid"]
    assert list(Company.objects.values_list("name", flat=True)) == ["Acme"]


@pytest.mark.parametrize(
    ("document", "data"),
    [
        (
            "mutation($data: CompanyCreateInput!) { createCompany(data: $data) { id } }",
            {"name": "Wiki", "domainName": {"secondaryLinks": [{"url": "wikipedia", "label": "Wiki"}]}},
        ),
        (
            "mutation($data: [CompanyCreateInput!]!) { createCompanies(data: $data) { id } }",
            [
                {"name": "Fine", "domainName": {"primaryLinkUrl": "fine.com"}},
                {"name": "Lydia", "linkedinLink": {"primaryLinkUrl": "lydia,com"}},
            ],
        ),
    ],
)
def test_graphql_refuses_a_bad_link_in_twentys_words(api, document, data):
    answer = ask(api, document, {"data": data})

    (error,) = answer["errors"]
    assert error["message"] == "The URL of the link is not valid"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["userFriendlyMessage"] == "Invalid URL format."
    assert not Company.objects.exists()


def test_emptying_the_primary_url_clears_its_label_and_keeps_the_secondary_links(workspace, actor):
    company = create_record(
        workspace,
        "company",
        {
            "name": "Acme",
            "domainName": {
                "primaryLinkUrl": "acme.com",
                "primaryLinkLabel": "Home",
                "secondaryLinks": [{"url": "https://docs.acme.com", "label": "Docs"}],
            },
        },
        actor,
    )

    updated = update_record(workspace, "company", company["id"], {"domainName": {"primaryLinkUrl": None}}, actor)

    assert updated["domainName"] == {
        "primaryLinkUrl": "",
        "primaryLinkLabel": "",
        "secondaryLinks": [{"url": "https://docs.acme.com", "label": "Docs"}],
    }


def test_a_custom_links_field_is_cleaned_up_the_same_way(workspace, actor):
    person = ObjectMetadata.objects.get(workspace=workspace, name_singular="person")
    create_custom_field(
        workspace, {"objectMetadataId": str(person.id), "name": "profiles", "label": "Profiles", "type": "LINKS"}
    )

    created = create_record(
        workspace,
        "person",
        {
            "profiles": {
                "primaryLinkUrl": None,
                "primaryLinkLabel": None,
                "secondaryLinks": [{"url": "HTTPS://GitHub.com/ada/", "label": "GitHub"}],
            }
        },
        actor,
    )

    assert created["profiles"] == {
        "primaryLinkUrl": "https://github.com/ada",
        "primaryLinkLabel": "GitHub",
        "secondaryLinks": [],
    }
