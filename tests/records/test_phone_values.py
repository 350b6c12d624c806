"""Phone numbers are checked and completed as Twenty does it: the codes must exist and
agree with the number, the codes not sent are read off the number, and the number is
kept as its national number."""

from __future__ import annotations

import pytest
from graphql_client import ask
from rest_client import send

from crm.models import Person
from crm.services.phone_values import PhoneError, complete_phone
from crm.services.records import create_record, update_record

# (phone sent, phone stored)
COMPLETED = [
    ({"number": "+33 6 12 34 56 78"}, {"number": "612345678", "countryCode": "FR", "callingCode": "+33"}),
    (
        {"number": "06 12 34 56 78", "countryCode": "FR"},
        {"number": "612345678", "countryCode": "FR", "callingCode": "+33"},
    ),
    ({"number": "612345678", "callingCode": "+33"}, {"number": "612345678", "countryCode": "FR", "callingCode": "+33"}),
    ({"number": "+1 202 555 0123"}, {"number": "2025550123", "countryCode": "US", "callingCode": "+1"}),
    # A number no country's plan has keeps the codes sent, and gets no country.
    ({"number": "555 0100", "callingCode": "+1"}, {"number": "5550100", "callingCode": "+1"}),
    # Italian numbers keep their leading zero.
    ({"number": "+39 06 1234 5678"}, {"number": "0612345678", "countryCode": "IT", "callingCode": "+39"}),
    # Codes alone, or nothing, are kept as sent.
    ({"callingCode": "+44"}, {"callingCode": "+44"}),
    ({"number": "", "countryCode": "", "callingCode": ""}, {"number": "", "countryCode": "", "callingCode": ""}),
]

# (phone sent, Twenty's words, the part refused)
REFUSED = [
    ({"countryCode": "XX"}, "Invalid country code XX", "countryCode"),
    ({"countryCode": "fr"}, "Invalid country code fr", "countryCode"),
    ({"callingCode": "+999"}, "Invalid calling code +999", "callingCode"),
    ({"callingCode": "+800"}, "Invalid calling code +800", "callingCode"),  # no country's code
    (
        {"countryCode": "FR", "callingCode": "+1"},
        "Provided country code and calling code are conflicting",
        "callingCode",
    ),
    ({"number": "5550100"}, "Provided phone number is invalid 5550100", "number"),  # whose?
    ({"number": "call me", "countryCode": "FR"}, "Provided phone number is invalid call me", "number"),
    (
        {"number": "+33612345678", "countryCode": "US"},
        "Provided and inferred country code are conflicting",
        "countryCode",
    ),
    (
        {"number": "+33612345678", "callingCode": "+44"},
        "Provided and inferred calling code are conflicting",
        "callingCode",
    ),
]


@pytest.mark.parametrize(("sent", "stored"), COMPLETED)
def test_a_phone_is_completed_from_its_number(sent, stored):
    assert complete_phone(sent) == stored


@pytest.mark.parametrize(("sent", "message", "part"), REFUSED)
def test_a_phone_that_does_not_hold_together_is_refused_in_twentys_words(sent, message, part):
    with pytest.raises(PhoneError) as refused:
        complete_phone(sent)

    assert (str(refused.value), refused.value.part) == (message, part)


def test_rest_stores_the_completed_phones_and_refuses_a_bad_one(api):
    created = send(
        api,
        "post",
        "/rest/people",
        {
            "phones": {
                "primaryPhoneNumber": "+33 6 12 34 56 78",
                "additionalPhones": [{"number": "020 7946 0958", "countryCode": "GB"}],
            }
        },
    )
    refused = send(api, "post", "/rest/people", {"phones": {"primaryPhoneNumber": "5550100"}})

    assert created.status_code == 201
    assert created.json()["data"]["createPerson"]["phones"] == {
        "primaryPhoneNumber": "612345678",
        "primaryPhoneCountryCode": "FR",
        "primaryPhoneCallingCode": "+33",
        "additionalPhones": [{"number": "2079460958", "countryCode": "GB", "callingCode": "+44"}],
    }
    assert refused.status_code == 400
    assert refused.json()["messages"] == ["phones.primaryPhoneNumber: Provided phone number is invalid 5550100"]
    assert Person.objects.count() == 1


def test_an_update_completes_only_what_it_sends(workspace, actor):
    person = create_record(workspace, "person", {"phones": {"primaryPhoneNumber": "+33612345678"}}, actor)

    updated = update_record(workspace, "person", person["id"], {"phones": {"primaryPhoneCallingCode": "+33"}}, actor)

    assert updated["phones"]["primaryPhoneNumber"] == "612345678"
    assert updated["phones"]["primaryPhoneCountryCode"] == "FR"


def test_graphql_refuses_a_bad_phone_in_twentys_words(api):
    answer = ask(
        api,
        "mutation($data: PersonCreateInput!) { createPerson(data: $data) { id } }",
        {"data": {"phones": {"primaryPhoneNumber": "+33612345678", "primaryPhoneCountryCode": "US"}}},
    )

    (error,) = answer["errors"]
    assert error["message"] == "Provided and inferred country code are conflicting"
    assert error["extensions"]["userFriendlyMessage"] == "Provided and inferred country code are conflicting"
    assert error["extensions"]["fieldErrors"] == {
        "phones.primaryPhoneCountryCode": ["Provided and inferred country code are conflicting"]
    }
    assert not Person.objects.exists()
