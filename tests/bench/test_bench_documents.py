"""The peer's GraphQL documents ask for the same data as the product's requests they are
measured against, in PostGraphile's naming (flat columns, ``rowId``, ``companyByCompanyId``)."""

from __future__ import annotations

import re

from bench import documents

# PostGraphile's names for what the product names otherwise.
PEER_NAMES = {"id": "rowId", "company": "companyByCompanyId"}


def selected_fields(selection: str) -> set[str]:
    """The leaf fields of a selection set, composite ones flattened as the peer names
    its columns (``name { firstName }`` -> ``nameFirstName``)."""
    fields: list[str] = []
    stack: list[str] = []
    for token in re.findall(r"\w+|[{}]", selection):
        if token == "{":
            # The field just named is a composite: its sub-fields are the leaves.
            stack.append(fields.pop().removeprefix(flat(stack)) if stack else fields.pop())
        elif token == "}":
            stack.pop()
        else:
            fields.append(flat([*stack, token]))
    return set(fields)


def flat(path: list[str]) -> str:
    if path and path[0] in PEER_NAMES:
        path = [PEER_NAMES[path[0]], *path[1:]]
    return path[0] + "".join(part[0].upper() + part[1:] for part in path[1:])


def node_selection(document: str) -> str:
    """What a list document selects of each node (up to the brace that closes it)."""
    rest, depth = document.split("node {", 1)[1], 1
    for index, char in enumerate(rest):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return rest[:index]
    raise AssertionError("unbalanced braces")


def test_the_peer_gets_every_field_the_product_returns_for_one_person():
    assert selected_fields(documents.PERSON_FIELDS) == selected_fields(documents.PEER_PERSON_FIELDS)


def test_the_peer_lists_the_same_fields_and_company_name_as_the_product():
    product = selected_fields(node_selection(documents.GRAPHQL_LIST))
    assert "companyByCompanyIdName" in product
    assert product == selected_fields(node_selection(documents.PEER_LIST))


def test_lists_without_total_count_ask_for_everything_else():
    for with_count, without in [
        (documents.GRAPHQL_LIST, documents.GRAPHQL_LIST_NO_COUNT),
        (documents.PEER_LIST, documents.PEER_LIST_NO_COUNT),
    ]:
        assert "totalCount" in with_count and "totalCount" not in without
        assert with_count.replace(" totalCount", "") == without


def test_creates_on_both_sides_write_the_same_person():
    rest = documents.rest_create("crm_token", 7)
    peer = documents.peer_create("crm_token", 7)
    first, last, email = documents.new_person(7)
    for request in (rest, peer):
        assert request.headers["Authorization"] == "Bearer crm_token"
        for value in (first, last, email):
            assert value.encode() in request.body
