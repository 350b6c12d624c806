"""A custom object is live at once in the core REST API: every field type written, read,
filtered and sorted; cursors, depth=1 in both directions of its relations, batches,
soft delete, restore and destroy; its records never mixed with another object's."""

from __future__ import annotations

import pytest
from custom_object_setup import *  # noqa: F403
from custom_object_setup import make_projects
from django.test import Client

from crm.services.records import create_record


def post(api: Client, path: str, body: object):
    response = api.post(path, body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["data"]


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["name"] for r in response.json()["data"]["projects"]]


FULL = {
    "name": "Apollo",
    "priority": 3,
    "isPublic": True,
    "startsOn": "2025-03-01",
    "kickoffAt": "2025-03-01T09:30:00Z",
    "stage": "ACTIVE",
    "tags": ["RED", "BLUE"],
    "budget": {"amountMicros": 5_000_000_000, "currencyCode": "EUR"},
    "website": {"primaryLinkUrl": "https://apollo.example.com", "primaryLinkLabel": "", "secondaryLinks": []},
    "contactEmails": {"primaryEmail": "apollo@example.com", "additionalEmails": ["b@example.com"]},
    "contactPhones": {
        "primaryPhoneNumber": "5550100",
        "primaryPhoneCountryCode": "US",
        "primaryPhoneCallingCode": "+1",
    },
    "sponsor": {"firstName": "Ada", "lastName": "Lovelace"},
    "site": {"addressCity": "Paris", "addressLat": 48.85},
    "summary": "To the moon",
}


def test_every_field_type_is_written_and_read_back(api, projects):
    created = post(api, "/rest/projects", FULL)["createProject"]

    fetched = api.get(f"/rest/projects/{created['id']}").json()["data"]["project"]
    assert fetched == created
    for key in ("name", "priority", "isPublic", "startsOn", "stage", "tags", "budget", "summary", "sponsor"):
        assert fetched[key] == FULL[key], key
    assert fetched["kickoffAt"].startswith("2025-03-01T09:30:00")
    assert fetched["site"]["addressCity"] == "Paris" and fetched["site"]["addressLat"] == 48.85
    assert fetched["createdBy"]["source"] == "API"
    assert fetched["position"] == 0.0 and fetched["deletedAt"] is None


def test_invalid_values_are_400s_naming_the_field(api, projects):
    response = api.post("/rest/projects", {"stage": "LOST", "priority": "high"}, content_type="application/json")
    assert response.status_code == 400
    messages = " ".join(response.json()["messages"])
    assert "stage: must be one of ACTIVE, DONE, PLANNED" in messages and "priority: must be a number" in messages


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("filter=name[eq]:Beta", ["Beta"]),
        ("filter=priority[gt]:1", ["Beta", "Gamma"]),
        ("filter=stage[in]:[PLANNED,DONE]", ["Alpha", "Gamma"]),
        ("filter=tags[containsAny]:[BLUE]", ["Beta"]),
        ("filter=budget.amountMicros[gte]:2000000", ["Beta", "Gamma"]),
        ("filter=isPublic[eq]:true", ["Alpha"]),
        ("filter=startsOn[lt]:2025-02-01", ["Alpha"]),
        ("filter=name[ilike]:%a", ["Alpha", "Beta", "Gamma"]),
        ("filter=not(stage[eq]:DONE)", ["Alpha", "Beta"]),
        ("filter=summary[is]:NULL", ["Beta", "Gamma"]),
        ("filter=sponsor.lastName[startsWith]:Lo", ["Gamma"]),
        ("filter=or(priority[eq]:1,name[eq]:Gamma)", ["Alpha", "Gamma"]),
        ("order_by=name[DescNullsLast]", ["Gamma", "Beta", "Alpha"]),
        ("order_by=priority[AscNullsFirst]", ["Alpha", "Beta", "Gamma"]),
        ("order_by=budget.amountMicros[DescNullsLast]", ["Gamma", "Beta", "Alpha"]),
    ],
)
def test_lists_filter_and_sort_on_every_kind_of_field(api, projects, query, expected):
    post(
        api,
        "/rest/projects",
        {
            "name": "Alpha",
            "priority": 1,
            "stage": "PLANNED",
            "isPublic": True,
            "startsOn": "2025-01-15",
            "tags": ["RED"],
            "summary": "first",
            "budget": {"amountMicros": 1_000_000, "currencyCode": "USD"},
        },
    )
    post(
        api,
        "/rest/projects",
        {
            "name": "Beta",
            "priority": 2,
            "stage": "ACTIVE",
            "startsOn": "2025-02-15",
            "tags": ["BLUE"],
            "budget": {"amountMicros": 2_000_000, "currencyCode": "USD"},
        },
    )
    post(
        api,
        "/rest/projects",
        {
            "name": "Gamma",
            "priority": 3,
            "stage": "DONE",
            "sponsor": {"firstName": "Ada", "lastName": "Lovelace"},
            "budget": {"amountMicros": 3_000_000, "currencyCode": "USD"},
        },
    )

    ordered = query if "order_by" in query else f"{query}&order_by=name"
    assert names(api.get(f"/rest/projects?{ordered}")) == expected


def test_cursors_walk_a_sorted_list_both_ways(api, projects):
    post(api, "/rest/batch/projects", [{"name": f"P{i:02d}", "priority": i % 3} for i in range(7)])
    seen, cursor = [], None
    while True:
        page = api.get(
            "/rest/projects?order_by=priority[AscNullsFirst],name[DescNullsLast]&limit=3"
            + (f"&starting_after={cursor}" if cursor else "")
        ).json()
        seen += [r["name"] for r in page["data"]["projects"]]
        assert page["totalCount"] == 7
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]
    assert seen == ["P06", "P03", "P00", "P04", "P01", "P05", "P02"]
    back = api.get(
        f"/rest/projects?order_by=priority[AscNullsFirst],name[DescNullsLast]&limit=2&ending_before={cursor}"
    ).json()
    assert [r["name"] for r in back["data"]["projects"]] == ["P04", "P01"]


def test_relations_filter_by_id_and_embed_at_depth_1_in_both_directions(api, projects, workspace, actor):
    acme = post(api, "/rest/companies", {"name": "Acme"})["createCompany"]
    apollo = post(api, "/rest/projects", {"name": "Apollo", "companyId": acme["id"]})["createProject"]
    post(api, "/rest/projects", {"name": "Orphan"})
    step = post(api, "/rest/milestones", {"name": "Launch", "projectId": apollo["id"]})["createMilestone"]

    assert apollo["companyId"] == acme["id"]
    assert names(api.get(f"/rest/projects?filter=companyId[eq]:{acme['id']}")) == ["Apollo"]
    assert names(api.get("/rest/projects?filter=companyId[is]:NULL")) == ["Orphan"]
    project = api.get(f"/rest/projects/{apollo['id']}?depth=1").json()["data"]["project"]
    assert project["company"]["name"] == "Acme"
    assert [m["name"] for m in project["milestones"]] == ["Launch"]
    company = api.get(f"/rest/companies/{acme['id']}?depth=1").json()["data"]["company"]
    assert [p["name"] for p in company["projects"]] == ["Apollo"]
    listed = api.get("/rest/milestones?depth=1").json()["data"]["milestones"]
    assert listed[0]["project"]["name"] == "Apollo" and listed[0]["id"] == step["id"]


def test_a_relation_must_point_at_a_live_record_of_the_workspace(api, projects, other_workspace, actor):
    stranger = create_record(other_workspace, "company", {"name": "Globex"}, actor)
    response = api.post("/rest/projects", {"companyId": stranger["id"]}, content_type="application/json")
    assert response.status_code == 400
    assert "companyId: no company with id" in response.json()["messages"][0]
    response = api.post("/rest/projects", {"company": {"name": "x"}}, content_type="application/json")
    assert "set companyId instead" in response.json()["messages"][0]


def test_batch_update_soft_delete_restore_and_destroy(api, projects):
    created = post(api, "/rest/batch/projects", [{"name": "One"}, {"name": "Two"}])["createProjects"]
    one, two = (p["id"] for p in created)

    updated = api.patch(f"/rest/projects/{one}", {"priority": 9}, content_type="application/json").json()
    assert updated["data"]["updateProject"]["priority"] == 9
    assert api.delete(f"/rest/projects/{one}?soft_delete=true").json()["data"]["deleteProject"] == {"id": one}
    assert names(api.get("/rest/projects")) == ["Two"]
    assert api.get(f"/rest/projects/{one}").status_code == 404
    restored = api.patch(f"/rest/restore/projects/{one}").json()["data"]["restoreProject"]
    assert restored["deletedAt"] is None
    assert api.delete(f"/rest/projects/{two}?soft_delete=false").status_code == 200
    assert api.patch(f"/rest/restore/projects/{two}").status_code == 404
    assert names(api.get("/rest/projects")) == ["One"]


def test_records_of_two_custom_objects_never_mix(api, projects):
    project = post(api, "/rest/projects", {"name": "Apollo"})["createProject"]
    milestone = post(api, "/rest/milestones", {"name": "Launch"})["createMilestone"]

    assert names(api.get("/rest/projects")) == ["Apollo"]
    assert api.get(f"/rest/projects/{milestone['id']}").status_code == 404
    assert (
        api.patch(f"/rest/milestones/{project['id']}", {"name": "x"}, content_type="application/json").status_code
        == 404
    )
    assert api.get("/rest/milestones").json()["totalCount"] == 1
    response = api.post("/rest/projects", {"id": milestone["id"]}, content_type="application/json")
    assert response.status_code == 400


def test_another_workspace_cannot_reach_the_records(api, projects, other_workspace, other_token):
    project = post(api, "/rest/projects", {"name": "Apollo"})["createProject"]
    make_projects(other_workspace)
    other = Client(HTTP_AUTHORIZATION=f"Bearer {other_token}")

    assert other.get("/rest/projects").json()["totalCount"] == 0
    assert other.get(f"/rest/projects/{project['id']}").status_code == 404
    assert other.delete(f"/rest/projects/{project['id']}").status_code == 404


def test_destroying_a_related_record_empties_the_relation_as_a_foreign_key_would(api, projects):
    acme = post(api, "/rest/companies", {"name": "Acme"})["createCompany"]
    apollo = post(api, "/rest/projects", {"name": "Apollo", "companyId": acme["id"]})["createProject"]

    api.delete(f"/rest/companies/{acme['id']}?soft_delete=true")  # soft: the link stays, as it does for people
    assert api.get(f"/rest/projects/{apollo['id']}").json()["data"]["project"]["companyId"] == acme["id"]
    api.patch(f"/rest/restore/companies/{acme['id']}")
    assert api.delete(f"/rest/companies/{acme['id']}?soft_delete=false").status_code == 200

    assert api.get(f"/rest/projects/{apollo['id']}").json()["data"]["project"]["companyId"] is None
    assert names(api.get("/rest/projects?filter=companyId[is]:NULL")) == ["Apollo"]
