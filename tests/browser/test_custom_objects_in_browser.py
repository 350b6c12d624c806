"""A custom object made through the metadata API shows up at once in the browser: in the
playground (GraphQL's schema and autocompletion, the REST reference and its "try it"),
in the left menu and on its record pages."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect
from test_playground import fill_key, launch, put_cursor, run_query, set_query, wait_for_schema
from test_playground import open_page as open_page_fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
open_page = open_page_fixture  # the playground tests' page, which checks every request stayed on the server

PROJECT = {"nameSingular": "project", "namePlural": "projects", "labelSingular": "Project", "labelPlural": "Projects"}
RELATION = {
    "objectName": "project",
    "name": "company",
    "label": "Company",
    "type": "RELATION",
    "relationCreationPayload": {
        "targetObjectMetadataId": "company",
        "type": "MANY_TO_ONE",
        "targetFieldLabel": "Projects",
    },
}


@pytest.fixture
def projects(live_server, api_token) -> dict:
    """The object, a relation to companies and one record, made over HTTP as a client would."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {api_token}"

    def post(path: str, body: dict) -> dict:
        response = session.post(f"{live_server.url}{path}", json=body, timeout=30)
        assert response.status_code == 201, response.text
        return response.json()["data"]

    post("/rest/metadata/objects", PROJECT)
    post("/rest/metadata/fields", RELATION)
    company = post("/rest/companies", {"name": "Initech"})["createCompany"]
    return post("/rest/projects", {"name": "Apollo", "companyId": company["id"]})["createProject"]


def test_graphql_playground_knows_the_new_object(open_page, projects, api_token, screenshot):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "GraphQL")
    wait_for_schema(frame, "projects")

    set_query(frame, "{ proj }")
    put_cursor(frame, 6)
    page.keyboard.press("Control+Space")
    expect(frame.locator(".CodeMirror-hints")).to_contain_text("projects")
    page.keyboard.press("Escape")

    set_query(frame, "{ projects { totalCount edges { node { name company { name } } } } }")
    run_query(frame)
    response = frame.locator(".graphiql-response")
    expect(response).to_contain_text('"name": "Apollo"')
    expect(response).to_contain_text('"name": "Initech"')
    screenshot(page, "graphql-custom-object")


def test_rest_playground_tries_the_new_object(open_page, projects, api_token, screenshot):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "REST")

    frame.get_by_role("button", name=re.compile(r"^Projects")).first.click()
    frame.get_by_role("button", name=re.compile(r"^List projects")).click()
    frame.get_by_role("button", name="Test Request (get /projects)").click()
    frame.get_by_role("button", name=re.compile(r"^Send get request to .*\Wrest\Wprojects$")).click()

    expect(frame.get_by_text("200 OK")).to_be_visible()
    expect(frame.locator("body")).to_contain_text('"name": "Apollo"')
    screenshot(page, "rest-custom-object")


def test_the_menu_and_record_pages_show_the_new_object(open_page, projects, screenshot):
    page = open_page()
    page.goto("/objects/people/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    page.wait_for_url("**/objects/projects/")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    page.get_by_role("link", name="Apollo").click()
    expect(page.get_by_role("heading", name="Apollo")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Initech")
    screenshot(page, "custom-object-record")
