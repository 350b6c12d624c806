"""Every query helper is scoped to one workspace."""

from __future__ import annotations

import pytest

from crm.query.listing import get_record_data, list_records, load_related
from crm.query.record_queries import RecordNotFoundError, get_object, get_record, records
from crm.services.records import create_record


@pytest.fixture
def two_workspaces_with_data(workspace, other_workspace, actor):
    mine = create_record(workspace, "company", {"name": "Mine"}, actor)
    theirs = create_record(other_workspace, "company", {"name": "Theirs"}, actor)
    create_record(other_workspace, "person", {"companyId": theirs["id"]}, actor)
    return mine, theirs


def test_records_lists_only_the_workspaces_own(workspace, two_workspaces_with_data):
    obj = get_object(workspace, "companies")
    assert list(records(workspace, obj).values_list("name", flat=True)) == ["Mine"]
    page = list_records(workspace, obj)
    assert [r["name"] for r in page.records] == ["Mine"] and page.total_count == 1


def test_another_workspaces_id_is_not_found(workspace, two_workspaces_with_data):
    _, theirs = two_workspaces_with_data
    obj = get_object(workspace, "company")
    with pytest.raises(RecordNotFoundError):
        get_record(workspace, obj, theirs["id"])
    with pytest.raises(RecordNotFoundError):
        get_record_data(workspace, obj, theirs["id"])


def test_related_records_are_loaded_from_the_same_workspace_only(workspace, two_workspaces_with_data):
    _, theirs = two_workspaces_with_data
    obj = get_object(workspace, "company")
    people_field = obj.fields["people"]
    assert load_related(workspace, obj, people_field, [{"id": theirs["id"]}]) == {}


def test_soft_deleted_records_leave_lists(workspace, actor):
    from crm.services.records import delete_record

    company = create_record(workspace, "company", {"name": "Gone"}, actor)
    delete_record(workspace, "company", company["id"], actor)
    assert list_records(workspace, get_object(workspace, "company")).total_count == 0


def test_creating_with_another_workspaces_id_does_not_confirm_that_it_exists(
    client, workspace, api_token, two_workspaces_with_data
):
    _, theirs = two_workspaces_with_data

    response = client.post(
        "/rest/companies",
        {"id": theirs["id"], "name": "Copy"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token}",
    )

    assert response.status_code == 400
    message = " ".join(response.json()["messages"])
    assert "exists" not in message and "cannot be used" in message
    assert [r["name"] for r in list_records(workspace, get_object(workspace, "company")).records] == ["Mine"]
