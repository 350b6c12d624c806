"""API names are camelCase as lodash writes it, which is Twenty's test of a name
(crm/metadata/camel_case.py). The expected spellings are lodash.camelcase 4.3's own."""

from __future__ import annotations

import pytest

from crm.metadata.camel_case import lodash_camel_case, not_camel_case
from crm.services.metadata_rules import NAME_RULE, name_problem

SPELLINGS = {
    "project": "project",
    "myUrl": "myUrl",
    "myURL": "myUrl",
    "aBC": "aBc",
    "getHTTPResponse": "getHttpResponse",
    "field1": "field1",
    "address2Street": "address2Street",
    "line2b": "line2B",
    "abc2def": "abc2Def",
    "x1Y": "x1Y",
    "html5Parser": "html5Parser",
    "the4th": "the4Th",
    "xLink": "xLink",
    "idealCustomerProfile": "idealCustomerProfile",
}


@pytest.mark.parametrize(("name", "lodash"), SPELLINGS.items())
def test_names_are_spelled_as_lodash_spells_them(name, lodash):
    assert lodash_camel_case(name) == lodash


@pytest.mark.parametrize(("name", "lodash"), SPELLINGS.items())
def test_a_name_is_refused_when_lodash_would_spell_it_otherwise(name, lodash):
    refusal = not_camel_case(name)

    assert refusal == (None if name == lodash else f"Name should be in camelCase: {name}")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("tier", None),
        ("Tier", "Name should be in camelCase: Tier"),
        ("my_tier", "Name should be in camelCase: my_tier"),
        ("1tier", "Name should be in camelCase: 1tier"),
        ("name with spaces", "Name should be in camelCase: name with spaces"),
        ("tiër", NAME_RULE),
        ("a" * 64, NAME_RULE),
        (7, NAME_RULE),
    ],
)
def test_a_name_twenty_calls_not_camel_case_is_told_so_and_others_get_the_rule(name, problem):
    assert name_problem(name) == problem
