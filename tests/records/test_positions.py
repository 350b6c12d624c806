"""``position: "first"`` and ``"last"``, as Twenty's front end sends them: before or after
every live record of the object, over REST and GraphQL, on create and update."""

from __future__ import annotations

import pytest
from graphql_client import ask
from rest_client import send

from crm.services.record_input import RecordValidationError
from crm.services.records import create_record, create_records, delete_record, update_record


def positions(workspace, actor, *places):
    return [create_record(workspace, "company", {"name": str(p), "position": p}, actor)["position"] for p in places]


@pytest.mark.parametrize(
    ("places", "expected"),
    [
        (["first"], [1]),  # the first of its object
        (["last"], [1]),
        ([5, "first", "first"], [5, 4, 3]),
        ([5, "last", 2, "last"], [5, 6, 2, 7]),
    ],
)
def test_first_and_last_go_before_or_after_every_live_record(workspace, actor, places, expected):
    assert positions(workspace, actor, *places) == expected


def test_deleted_records_do_not_count(workspace, actor):
    gone = create_record(workspace, "company", {"name": "Gone", "position": -50}, actor)
    delete_record(workspace, "company", gone["id"], actor)

    assert positions(workspace, actor, 3, "first") == [3, 2]


def test_a_batch_keeps_the_order_it_was_sent_in(workspace, actor):
    create_record(workspace, "company", {"name": "A", "position": 10}, actor)

    created = create_records(
        workspace, "company", [{"name": "B", "position": "first"}, {"name": "C", "position": "first"}], actor
    )

    assert [c["position"] for c in created] == [9, 8]


def test_an_update_moves_a_record_last(workspace, actor):
    one, _two = (
        create_record(workspace, "company", {"name": n, "position": p}, actor) for n, p in (("1", 1), ("2", 2))
    )

    assert update_record(workspace, "company", one["id"], {"position": "last"}, actor)["position"] == 3


def test_rest_and_graphql_take_first_and_last(api, workspace, actor):
    create_record(workspace, "company", {"name": "A", "position": 4}, actor)

    rest = send(api, "post", "/rest/companies", {"name": "R", "position": "first"})
    literal = ask(api, 'mutation { createCompany(data: {name: "L", position: "last"}) { position } }')
    variable = ask(
        api,
        "mutation($data: CompanyCreateInput!) { createCompany(data: $data) { position } }",
        {"data": {"name": "V", "position": "first"}},
    )

    assert rest.status_code == 201 and rest.json()["data"]["createCompany"]["position"] == 3
    assert literal["data"]["createCompany"]["position"] == 5
    assert variable["data"]["createCompany"]["position"] == 2


def test_any_other_word_is_refused(api, workspace, actor):
    with pytest.raises(RecordValidationError) as refused:
        create_record(workspace, "company", {"name": "X", "position": "middle"}, actor)
    graphql = ask(api, 'mutation { createCompany(data: {name: "X", position: "middle"}) { id } }')

    assert refused.value.errors == {"position": ['must be a number, "first" or "last"']}
    assert graphql["errors"][0]["message"].startswith('Position must be a number, "first" or "last".')
