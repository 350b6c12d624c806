"""Dates and date-times are read as Twenty reads them: ISO 8601, and the month-first and
written-out forms spreadsheets and forms send, as UTC when they carry no offset
(crm/date_input.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from graphql_client import ask
from rest_client import send

from crm.date_input import parse_date, parse_datetime

READ = [
    ("2025-01-31T09:30:00Z", datetime(2025, 1, 31, 9, 30, tzinfo=UTC)),
    ("2025-01-31T10:30:00+01:00", datetime(2025, 1, 31, 9, 30, tzinfo=UTC)),
    ("2025-01-31", datetime(2025, 1, 31, tzinfo=UTC)),
    ("01/31/2025", datetime(2025, 1, 31, tzinfo=UTC)),
    ("1/5/2025 13:45", datetime(2025, 1, 5, 13, 45, tzinfo=UTC)),
    ("2025/01/31 13:45:30", datetime(2025, 1, 31, 13, 45, 30, tzinfo=UTC)),
    ("January 31, 2025", datetime(2025, 1, 31, tzinfo=UTC)),
    ("Jan 31, 2025 08:00", datetime(2025, 1, 31, 8, tzinfo=UTC)),
    ("31 January 2025", datetime(2025, 1, 31, tzinfo=UTC)),
    (" 31 Jan 2025 ", datetime(2025, 1, 31, tzinfo=UTC)),
]
REFUSED = ["31/01/2025", "01/31", "5", "next tuesday", "2025-13-01", "January 32, 2025", ""]


@pytest.mark.parametrize(("sent", "read"), READ)
def test_a_date_time_is_read_in_each_form_twenty_takes(sent, read):
    assert parse_datetime(sent) == read


@pytest.mark.parametrize("sent", REFUSED)
def test_anything_else_is_not_guessed_at(sent):
    with pytest.raises(ValueError):
        parse_datetime(sent)
    with pytest.raises(ValueError):
        parse_date(sent)


def test_a_date_takes_the_same_forms():
    assert parse_date("01/31/2025") == parse_date("January 31, 2025") == date(2025, 1, 31)


def test_rest_and_graphql_store_a_month_first_date_and_filter_by_one(api):
    created = send(api, "post", "/rest/tasks", {"title": "Renewal", "dueAt": "01/31/2025 13:45"})
    opportunity = ask(
        api,
        "mutation($data: OpportunityCreateInput!) { createOpportunity(data: $data) { closeDate } }",
        {"data": {"name": "Deal", "closeDate": "January 31, 2025"}},
    )
    found = api.get("/rest/tasks", {"filter": 'dueAt[gte]:"01/31/2025"'}).json()["data"]["tasks"]

    assert created.status_code == 201, created.json()
    assert created.json()["data"]["createTask"]["dueAt"] == "2025-01-31T13:45:00.000Z"
    assert opportunity["data"]["createOpportunity"]["closeDate"].startswith("2025-01-31T00:00:00")
    assert [task["title"] for task in found] == ["Renewal"]


def test_a_date_time_that_is_none_of_the_forms_is_a_400(api):
    refused = send(api, "post", "/rest/tasks", {"title": "Someday", "dueAt": "31/01/2025"})

    assert refused.status_code == 400
    assert refused.json()["messages"] == [
        "dueAt: '31/01/2025' is not a date-time such as 2025-01-31T09:30:00Z (ISO 8601) or 01/31/2025"
    ]
