"""Record pages: a sortable, paginated table per object and a read-only page per record."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from crm.models import Company
from crm.services.fields import create_custom_field
from crm.services.records import create_record, create_records, delete_record

pytestmark = pytest.mark.django_db

PLURALS = ("people", "companies", "opportunities", "tasks", "notes")


@pytest.fixture
def member_client(client: Client, member_user) -> Client:
    client.force_login(member_user)
    return client


@pytest.fixture
def acme(workspace, actor) -> dict:
    company = create_record(
        workspace,
        "company",
        {
            "name": "Acme Corp",
            "domainName": {"primaryLinkUrl": "https://acme.example.com", "primaryLinkLabel": ""},
            "employees": 1200,
            "annualRecurringRevenue": {"amountMicros": 2_500_000_000_000, "currencyCode": "USD"},
        },
        actor,
    )
    person = create_record(
        workspace,
        "person",
        {
            "name": {"firstName": "Ada", "lastName": "Lovelace"},
            "emails": {"primaryEmail": "ada@acme.example.com", "additionalEmails": ["ada@home.example.com"]},
            "jobTitle": "Engineer",
            "companyId": company["id"],
        },
        actor,
    )
    opportunity = create_record(
        workspace,
        "opportunity",
        {"name": "Big deal", "stage": "PROPOSAL", "companyId": company["id"], "pointOfContactId": person["id"]},
        actor,
    )
    note = create_record(workspace, "note", {"title": "Kickoff call", "body": "Went well"}, actor)
    task = create_record(workspace, "task", {"title": "Send the contract"}, actor)
    create_records(
        workspace,
        "noteTarget",
        [
            {"noteId": note["id"], "personId": person["id"]},
            {"noteId": note["id"], "companyId": company["id"]},
            {"noteId": note["id"], "opportunityId": opportunity["id"]},
        ],
        actor,
    )
    create_records(
        workspace,
        "taskTarget",
        [{"taskId": task["id"], "personId": person["id"]}, {"taskId": task["id"], "opportunityId": opportunity["id"]}],
        actor,
    )
    return {"company": company, "person": person, "opportunity": opportunity, "note": note, "task": task}


def test_record_pages_redirect_anonymous_visitors_to_login(client, acme):
    urls = [reverse("records:list", args=[p]) for p in PLURALS]
    urls.append(reverse("records:detail", args=["people", acme["person"]["id"]]))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_members_can_read_every_list(member_client, acme):
    for plural in PLURALS:
        response = member_client.get(reverse("records:list", args=[plural]))
        assert response.status_code == 200, plural


def test_an_unknown_object_is_404(member_client):
    assert member_client.get("/objects/widgets/").status_code == 404


def test_people_list_shows_names_emails_and_company_links(member_client, acme):
    page = member_client.get(reverse("records:list", args=["people"])).content.decode()
    assert "Ada Lovelace" in page
    assert 'href="mailto:ada@acme.example.com"' in page
    assert f'href="/objects/companies/{acme["company"]["id"]}/"' in page
    assert "Acme Corp" in page


def test_companies_list_formats_links_numbers_and_money(member_client, acme):
    page = member_client.get(reverse("records:list", args=["companies"])).content.decode()
    assert 'href="https://acme.example.com"' in page and 'rel="noopener noreferrer"' in page
    assert "1,200" in page
    assert "$2,500,000" in page


def test_opportunity_stage_is_a_badge(member_client, acme):
    page = member_client.get(reverse("records:list", args=["opportunities"])).content.decode()
    assert "Proposal</span>" in page


def test_lists_sort_by_a_column_both_ways(member_client, workspace, actor):
    create_records(
        workspace,
        "company",
        [{"name": name, "employees": n} for name, n in (("Beta", 5), ("Alpha", 50), ("Gamma", None))],
        actor,
    )
    url = reverse("records:list", args=["companies"])

    def order(query: dict) -> list[str]:
        rows = member_client.get(url, query).context["listing"].rows
        return [row.title for row in rows]

    assert order({"sort": "name"}) == ["Alpha", "Beta", "Gamma"]
    assert order({"sort": "name", "dir": "desc"}) == ["Gamma", "Beta", "Alpha"]
    # Empty values go last either way.
    assert order({"sort": "employees"}) == ["Beta", "Alpha", "Gamma"]
    assert order({"sort": "employees", "dir": "desc"}) == ["Alpha", "Beta", "Gamma"]
    page = member_client.get(url, {"sort": "name"}).content.decode()
    assert 'aria-sort="ascending"' in page
    assert "?sort=name&amp;dir=desc" in page


def test_an_unknown_sort_is_ignored(member_client, acme):
    response = member_client.get(reverse("records:list", args=["companies"]), {"sort": "nope", "dir": "sideways"})
    assert response.status_code == 200
    assert response.context["listing"].sort is None


def test_lists_are_paginated(member_client, workspace, actor):
    create_records(workspace, "company", [{"name": f"Company {i:03d}"} for i in range(55)], actor)
    url = reverse("records:list", args=["companies"])
    first = member_client.get(url, {"sort": "name"})
    assert len(first.context["listing"].rows) == 50
    assert "1–50 of 55" in first.content.decode()
    second = member_client.get(url, {"sort": "name", "page": 2})
    assert [row.title for row in second.context["listing"].rows] == [f"Company {i:03d}" for i in range(50, 55)]
    # A page past the end shows the last page rather than an error.
    assert member_client.get(url, {"page": 99}).status_code == 200
    assert member_client.get(url, {"page": "x"}).status_code == 200


def test_lists_skip_deleted_records_and_other_workspaces(member_client, workspace, other_workspace, actor):
    kept = create_record(workspace, "company", {"name": "Kept"}, actor)
    gone = create_record(workspace, "company", {"name": "Gone"}, actor)
    delete_record(workspace, "company", gone["id"], actor)
    create_record(other_workspace, "company", {"name": "Elsewhere"}, actor)
    rows = member_client.get(reverse("records:list", args=["companies"])).context["listing"].rows
    assert [row.id for row in rows] == [kept["id"]]


def test_an_empty_list_shows_an_empty_state(member_client):
    page = member_client.get(reverse("records:list", args=["tasks"])).content.decode()
    assert "No tasks yet" in page
    assert "empty-state" in page


def test_person_page_shows_every_field_and_related_records(member_client, acme):
    person = acme["person"]
    page = member_client.get(reverse("records:detail", args=["people", person["id"]])).content.decode()
    assert "Ada Lovelace" in page
    assert "ada@home.example.com" in page
    assert "Engineer" in page
    assert person["id"] in page  # system fields
    assert f"/objects/companies/{acme['company']['id']}/" in page
    assert f"/objects/opportunities/{acme['opportunity']['id']}/" in page
    assert f"/objects/notes/{acme['note']['id']}/" in page and "Kickoff call" in page


def test_company_page_lists_its_people_and_opportunities(member_client, acme):
    page = member_client.get(reverse("records:detail", args=["companies", acme["company"]["id"]])).content.decode()
    assert "Ada Lovelace" in page and "Big deal" in page


def related_lists(client: Client, plural: str, record_id: str) -> dict[str, list[str]]:
    detail = client.get(reverse("records:detail", args=[plural, record_id])).context["record"]
    return {related.label: [cell.text for cell in related.items] for related in detail.related}


@pytest.mark.parametrize("kind", ["person", "company", "opportunity"])
def test_people_companies_and_opportunities_list_their_notes_and_tasks(member_client, acme, kind):
    plural = {"person": "people", "company": "companies", "opportunity": "opportunities"}[kind]
    lists = related_lists(member_client, plural, acme[kind]["id"])
    assert lists["Notes"] == ["Kickoff call"]
    assert lists["Tasks"] == ([] if kind == "company" else ["Send the contract"])
    page = member_client.get(reverse("records:detail", args=[plural, acme[kind]["id"]])).content.decode()
    assert f'href="/objects/notes/{acme["note"]["id"]}/"' in page


def test_note_page_shows_what_it_is_attached_to(member_client, acme):
    page = member_client.get(reverse("records:detail", args=["notes", acme["note"]["id"]])).content.decode()
    assert "Attached to" in page and "Went well" in page
    assert related_lists(member_client, "notes", acme["note"]["id"])["Attached to"] == [
        "Ada Lovelace",
        "Acme Corp",
        "Big deal",
    ]
    assert f'href="/objects/opportunities/{acme["opportunity"]["id"]}/"' in page


def test_task_page_shows_what_it_is_attached_to(member_client, acme):
    attached = related_lists(member_client, "tasks", acme["task"]["id"])["Attached to"]
    assert attached == ["Ada Lovelace", "Big deal"]


def test_a_deleted_target_no_longer_attaches(member_client, workspace, actor, acme):
    from crm.query.record_queries import get_object, records

    link = records(workspace, get_object(workspace, "noteTarget")).get(person_id=acme["person"]["id"])
    delete_record(workspace, "noteTarget", link.id, actor)
    assert related_lists(member_client, "people", acme["person"]["id"])["Notes"] == []
    assert related_lists(member_client, "notes", acme["note"]["id"])["Attached to"] == ["Acme Corp", "Big deal"]


def test_custom_fields_show_in_lists_and_on_record_pages(member_client, workspace, actor):
    create_custom_field(workspace, {"objectName": "company", "name": "tier", "label": "Tier", "type": "TEXT"})
    workspace.refresh_from_db()
    company = create_record(workspace, "company", {"name": "Tiered", "tier": "Gold"}, actor)
    page = member_client.get(reverse("records:list", args=["companies"])).content.decode()
    assert ">Tier<" in page and "Gold" in page
    detail = member_client.get(reverse("records:detail", args=["companies", company["id"]]))
    assert [entry.label for entry in detail.context["record"].custom_fields] == ["Tier"]
    assert "Gold" in detail.content.decode()


def test_custom_fields_sort(member_client, workspace, actor):
    create_custom_field(workspace, {"objectName": "company", "name": "score", "label": "Score", "type": "NUMBER"})
    workspace.refresh_from_db()
    create_records(workspace, "company", [{"name": "Low", "score": 1}, {"name": "High", "score": 9}], actor)
    rows = member_client.get(reverse("records:list", args=["companies"]), {"sort": "score", "dir": "desc"})
    assert [row.title for row in rows.context["listing"].rows] == ["High", "Low"]


def test_another_workspaces_record_is_404(client, other_admin_user, acme):
    client.force_login(other_admin_user)
    assert client.get(reverse("records:detail", args=["people", acme["person"]["id"]])).status_code == 404


def test_a_deleted_record_is_404(member_client, workspace, actor, acme):
    delete_record(workspace, "person", acme["person"]["id"], actor)
    assert member_client.get(reverse("records:detail", args=["people", acme["person"]["id"]])).status_code == 404


def test_a_record_page_under_the_wrong_object_is_404(member_client, acme):
    assert member_client.get(reverse("records:detail", args=["companies", acme["person"]["id"]])).status_code == 404


def test_a_link_with_a_script_scheme_is_not_clickable(member_client, workspace, actor):
    # The API refuses such a link (tests/records/test_link_values.py); one stored before
    # it did, or written to the database by other means, must still not be clickable.
    sneaky = create_record(workspace, "company", {"name": "Sneaky"}, actor)
    Company.objects.filter(id=sneaky["id"]).update(domain_name_primary_link_url="javascript:alert(1)")
    page = member_client.get(reverse("records:list", args=["companies"])).content.decode()
    assert 'href="javascript:' not in page


def test_a_user_without_a_workspace_gets_403(client, db):
    from crm.models import User

    user = User.objects.create_user("lonely@example.com", "pw")
    client.force_login(user)
    assert client.get(reverse("records:list", args=["people"])).status_code == 403


def test_the_start_page_sends_members_to_people_and_admins_to_settings(client, member_user, admin_user):
    client.force_login(member_user)
    assert client.get("/")["Location"] == reverse("records:list", args=["people"])
    client.force_login(admin_user)
    assert client.get("/")["Location"] == reverse("settings_ui:apis")


def test_a_forbidden_page_explains_itself_inside_the_app(member_client):
    response = member_client.get(reverse("settings_ui:apis"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only workspace admins can manage developer settings." in page
    assert 'class="sidebar"' in page
