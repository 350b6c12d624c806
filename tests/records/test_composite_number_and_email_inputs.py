"""Composite values as Twenty's clients send them: numbers inside a composite may come as
strings (an empty one is no value), a currency code in any case, and every additional
email must be an email address."""

from __future__ import annotations

import pytest

from crm.services.record_input import RecordValidationError
from crm.services.records import create_record

# (object, input, (field, sub-field) read back, value read back)
ACCEPTED = [
    (
        "opportunity",
        {"amount": {"amountMicros": "5000000", "currencyCode": "USD"}},
        ("amount", "amountMicros"),
        5_000_000,
    ),
    ("opportunity", {"amount": {"amountMicros": "", "currencyCode": "USD"}}, ("amount", "amountMicros"), None),
    ("opportunity", {"amount": {"amountMicros": 1, "currencyCode": "usd"}}, ("amount", "currencyCode"), "USD"),
    ("company", {"address": {"addressLat": "48.85"}}, ("address", "addressLat"), 48.85),
    ("company", {"address": {"addressLng": "2"}}, ("address", "addressLng"), 2.0),
]

# (object, input, the field named in the refusal, its words)
REFUSED = [
    ("opportunity", {"amount": {"amountMicros": "five"}}, "amount.amountMicros", "must be a number"),
    ("opportunity", {"amount": {"currencyCode": "dollars"}}, "amount.currencyCode", "three-letter ISO 4217"),
    (
        "person",
        {"emails": {"additionalEmails": ["a@b.co", "nope"]}},
        "emails.additionalEmails",
        "'nope' is not an email",
    ),
    ("person", {"emails": {"additionalEmails": [""]}}, "emails.additionalEmails", "is not an email"),
]


@pytest.mark.parametrize(("object_name", "data", "field", "expected"), ACCEPTED)
def test_composite_numbers_and_codes_are_read_as_twenty_reads_them(
    workspace, actor, object_name, data, field, expected
):
    created = create_record(workspace, object_name, {"name": "X", **data}, actor)

    name, sub = field
    assert created[name][sub] == expected


@pytest.mark.parametrize(("object_name", "data", "field", "words"), REFUSED)
def test_a_composite_value_that_is_not_one_is_refused_naming_it(workspace, actor, object_name, data, field, words):
    if object_name != "person":
        data = {"name": "X", **data}
    with pytest.raises(RecordValidationError) as refused:
        create_record(workspace, object_name, data, actor)

    assert words in " ".join(refused.value.errors[field])
