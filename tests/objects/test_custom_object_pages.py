"""A custom object has record pages and a place in the left menu as soon as it exists,
and its events a row on the webhook form's grid; another workspace sees none of it."""

from __future__ import annotations

import pytest
from custom_object_setup import make_projects
from django.test import Client

from crm.services.objects import update_object
from crm.services.records import create_record
from webhooks.services.endpoints import create_endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(client: Client, member_user) -> Client:
    client.force_login(member_user)
    return client


def test_the_left_menu_lists_custom_objects_after_the_standard_ones(member_client, workspace):
    make_projects(workspace)
    update_object(workspace, "project", {"icon": "IconBriefcase"})  # not served here: a box stands in

    page = member_client.get("/objects/people/").content.decode()

    menu = page[page.index('aria-labelledby="nav-records"') : page.index("</ul>", page.index("nav-records"))]
    labels = [part.split("</span>")[0] for part in menu.split("<span>")[1:]]
    assert labels == ["People", "Companies", "Opportunities", "Tasks", "Notes", "Milestones", "Projects"]
    assert 'href="/objects/projects/"' in menu


def test_a_custom_object_has_a_list_and_a_record_page(member_client, workspace, actor):
    make_projects(workspace)
    acme = create_record(workspace, "company", {"name": "Acme"}, actor)
    apollo = create_record(
        workspace, "project", {"name": "Apollo", "stage": "ACTIVE", "priority": 2, "companyId": acme["id"]}, actor
    )
    create_record(workspace, "milestone", {"name": "Launch", "projectId": apollo["id"]}, actor)

    listing = member_client.get("/objects/projects/?sort=priority&dir=desc")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Apollo" in html and f"/objects/projects/{apollo['id']}/" in html and "Acme" in html

    detail = member_client.get(f"/objects/projects/{apollo['id']}/").content.decode()
    assert "Apollo" in detail and "Launch" in detail and f"/objects/companies/{acme['id']}/" in detail
    assert "Custom fields" not in detail  # every field of a custom object is its own
    company = member_client.get(f"/objects/companies/{acme['id']}/").content.decode()
    assert f"/objects/projects/{apollo['id']}/" in company


def test_pages_of_an_inactive_or_unknown_object_are_404s(member_client, workspace):
    make_projects(workspace)
    update_object(workspace, "project", {"isActive": False})
    assert member_client.get("/objects/projects/").status_code == 404
    assert member_client.get("/objects/project/").status_code == 404
    assert "Projects" not in member_client.get("/objects/people/").content.decode()


def test_another_workspace_has_no_page_for_the_object(client, workspace, other_admin_user):
    make_projects(workspace)
    client.force_login(other_admin_user)
    assert client.get("/objects/projects/").status_code == 404
    assert "Projects" not in client.get("/objects/people/").content.decode()


def test_the_webhook_form_offers_and_keeps_custom_object_events(client, admin_user, workspace):
    make_projects(workspace)
    endpoint = create_endpoint(workspace, target_url="https://example.com/hook", operations=["project.created"])
    client.force_login(admin_user)

    form = client.get(f"/settings/webhooks/{endpoint.id}/edit").content.decode()
    assert 'value="project.created" aria-label="Projects: created" data-row-action checked' in form
    assert 'value="milestone.deleted" aria-label="Milestones: deleted" data-row-action>' in form
    response = client.post(
        f"/settings/webhooks/{endpoint.id}/edit",
        {"target_url": "https://example.com/hook", "events": ["project.created", "milestone.deleted"]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.operations == ["milestone.deleted", "project.created"]
