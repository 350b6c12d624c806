"""The API playground in a real browser: GraphiQL and Scalar running real requests.

Every test records each network request of its browser context and fails if one goes
anywhere but the live server: the playground must work on an offline machine.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from crm.models import Company, User, Workspace
from crm.services.actor import Actor
from crm.services.api_keys import create_api_key, revoke_api_key
from crm.services.records import create_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VENDOR = re.compile(r"/static/vendor/(react|graphiql|scalar)/")
PEOPLE = [("Zelda", "Quintero"), ("Ofelia", "Brandt"), ("Ignacio", "Varga")]
PEOPLE_QUERY = """{
  people(first: 5) {
    edges {
      node {
        name {
          firstName
          lastName
        }
      }
    }
  }
}"""


@pytest.fixture
def people(workspace: Workspace, actor: Actor) -> None:
    for first, last in PEOPLE:
        create_record(workspace, "person", {"name": {"firstName": first, "lastName": last}}, actor)


@pytest.fixture
def open_page(login_page: Callable[..., Page], admin_user: User, live_server) -> Iterator[Callable[[], Page]]:
    """open_page() -> the admin's page; every request it (or its frames) makes is recorded."""
    pages: list[Page] = []

    def open_one() -> Page:
        page = login_page(admin_user)
        page.requests = []
        page.console_errors = []
        page.context.on("request", lambda request: page.requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
        pages.append(page)
        return page

    yield open_one
    server = urlsplit(live_server.url).netloc
    for page in pages:
        elsewhere = [url for url in page.requests if url.startswith("http") and urlsplit(url).netloc != server]
        assert not elsewhere, f"requests left the server: {elsewhere}"
        assert not page.js_errors, page.js_errors
        # A refused key is an expected answer (the tests about bad keys provoke it); nothing else is.
        unexpected = [text for text in page.console_errors if "status of 401" not in text]
        assert not unexpected, unexpected


def vendor_requests(page: Page) -> set[str]:
    return {match.group(1) for url in page.requests if (match := VENDOR.search(url))}


def fill_key(page: Page, token: str) -> None:
    page.goto("/settings/apis")
    page.get_by_label("API key", exact=True).fill(token)


def launch(page: Page, api: str, schema: str = "Core") -> FrameLocator:
    page.get_by_role("radio", name=schema).check()
    page.get_by_role("button", name=api, exact=True).click()
    expect(page.locator("dialog.playground-dialog[data-state='ready']")).to_be_visible(timeout=20_000)
    return page.frame_locator("iframe.playground-frame")


def set_query(frame: FrameLocator, query: str) -> None:
    editor = frame.locator(".graphiql-query-editor .CodeMirror")
    editor.evaluate("(editor, query) => editor.CodeMirror.setValue(query)", query)


def put_cursor(frame: FrameLocator, column: int) -> None:
    """Focus the query editor with the cursor at `column` of its first line."""
    editor = frame.locator(".graphiql-query-editor .CodeMirror")
    editor.evaluate("(editor, ch) => { editor.CodeMirror.focus(); editor.CodeMirror.setCursor(0, ch); }", column)


def query_text(frame: FrameLocator) -> str:
    return frame.locator(".graphiql-query-editor .CodeMirror").evaluate("editor => editor.CodeMirror.getValue()")


def wait_for_schema(frame: FrameLocator, field: str = "companies") -> None:
    """The explorer lists root fields once GraphiQL has loaded the schema (autocompletion needs it)."""
    frame.get_by_role("button", name="Show GraphiQL Explorer").click()
    expect(frame.locator(".graphiql-explorer-root")).to_contain_text(field, timeout=10_000)


def headers_editor(frame: FrameLocator):
    """The editor of GraphiQL's Headers tab, when that tab is the one shown."""
    expect(frame.locator(".graphiql-editor-tools button.active")).to_have_text("Headers")
    return frame.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")


def run_query(frame: FrameLocator) -> None:
    frame.locator(".graphiql-execute-button").click()


def dialog(page: Page):
    return page.locator("dialog.playground-dialog")


def focused(page: Page, script: str) -> object:
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {script}; }})()")


def test_graphql_on_core_runs_queries_and_keeps_app_shortcuts_out(
    open_page, workspace, people, api_token, live_server, screenshot
):
    page = open_page()
    fill_key(page, api_token)
    assert not vendor_requests(page), "nothing of the playground loads before it is launched"
    screenshot(page, "card")

    frame = launch(page, "GraphQL")
    assert vendor_requests(page) == {"react", "graphiql"}
    assert page.url == f"{live_server.url}/settings/apis?playground=graphql&schema=core"
    expect(dialog(page)).to_have_attribute("aria-modal", "true")
    expect(page.get_by_role("heading", name="GraphQL · Core")).to_be_visible()
    expect(dialog(page).locator("header")).to_contain_text(f"Key {api_token[:10]}…")
    assert page.evaluate("getComputedStyle(document.documentElement).overflow") == "hidden"
    assert focused(page, "el.matches('iframe.playground-frame')"), "focus moves into the playground"
    expect(frame.locator(".graphiql-query-editor")).to_contain_text("people(first: 5)")

    set_query(frame, "{ people { totalCount } }")
    run_query(frame)
    expect(frame.locator(".graphiql-response")).to_contain_text('"totalCount": 3')

    set_query(frame, PEOPLE_QUERY)
    run_query(frame)
    expect(frame.locator(".graphiql-response")).to_contain_text('"lastName": "Quintero"')
    screenshot(page, "graphql-core")

    # Typing `g` then `c` in the editor types "gc" and stays in the playground.
    set_query(frame, "{  }")
    put_cursor(frame, 2)
    page.keyboard.type("gc")
    page.wait_for_timeout(300)
    assert query_text(frame) == "{ gc }"
    assert page.url.endswith("?playground=graphql&schema=core")
    expect(dialog(page)).to_be_visible()

    # Escape while the editor's autocomplete is open closes the list, not the playground;
    # the next Escape, still in the editor, closes the playground.
    wait_for_schema(frame)
    set_query(frame, "{ pe }")
    put_cursor(frame, 4)
    page.keyboard.press("Control+Space")
    expect(frame.locator(".CodeMirror-hints")).to_contain_text("people")
    page.keyboard.press("Escape")
    expect(frame.locator(".CodeMirror-hints")).to_have_count(0)
    page.wait_for_timeout(300)
    expect(dialog(page)).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog(page)).to_be_hidden()
    assert page.url == f"{live_server.url}/settings/apis"
    assert page.locator("iframe.playground-frame").count() == 0
    assert focused(page, "el.dataset.playgroundLaunch") == "graphql", "focus returns to the launch button"
    assert page.evaluate("getComputedStyle(document.documentElement).overflow") != "hidden"
    screenshot(page, "closed")

    page.keyboard.press("g")
    page.keyboard.press("c")
    page.wait_for_url("**/objects/companies/")


def test_escape_in_the_editor_right_after_launch_closes_the_playground(open_page, api_token, live_server):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "GraphQL")
    assert frame.locator(".graphiql-query-editor .CodeMirror-focused").count() == 1, "the editor has the focus"

    page.keyboard.press("Escape")
    expect(dialog(page)).to_be_hidden()
    assert page.url == f"{live_server.url}/settings/apis"
    assert focused(page, "el.dataset.playgroundLaunch") == "graphql", "focus returns to the launch button"


def test_escape_closes_graphiqls_own_dialog_before_the_playground(open_page, api_token):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "GraphQL")

    frame.get_by_role("button", name="Open settings dialog").click()
    expect(frame.get_by_role("dialog")).to_contain_text("Settings")
    page.keyboard.press("Escape")
    expect(frame.get_by_role("dialog")).to_have_count(0)
    page.wait_for_timeout(300)
    expect(dialog(page)).to_be_visible()

    page.keyboard.press("Escape")
    expect(dialog(page)).to_be_hidden()
    assert focused(page, "el.dataset.playgroundLaunch") == "graphql"


def test_graphiql_shows_the_authorization_header_it_sends(open_page, people, api_token):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "GraphQL")

    editor = headers_editor(frame)
    shown = json.loads(editor.evaluate("editor => editor.CodeMirror.getValue()"))
    assert shown == {"Authorization": f"Bearer {api_token}"}
    run_query(frame)
    expect(frame.locator(".graphiql-response")).to_contain_text('"lastName": "Quintero"')

    # What the tab shows is all that is sent: without the header, the API refuses the query.
    editor.evaluate("editor => editor.CodeMirror.setValue('{}')")
    run_query(frame)
    expect(frame.locator(".graphiql-response")).to_contain_text("Missing API key")


def test_the_explorer_starts_closed_so_the_starter_query_has_room(open_page, api_token):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "GraphQL")

    expect(frame.locator(".graphiql-query-editor")).to_contain_text("people(first: 5)")
    expect(frame.locator(".graphiql-explorer-root")).to_have_count(0)
    expect(frame.get_by_role("button", name="Show GraphiQL Explorer")).to_be_visible()


def test_graphql_on_metadata_lists_the_objects(open_page, api_token, screenshot):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "GraphQL", "Metadata")

    expect(page.get_by_role("heading", name="GraphQL · Metadata")).to_be_visible()
    assert page.url.endswith("?playground=graphql&schema=metadata")
    expect(frame.locator(".graphiql-query-editor")).to_contain_text("objects(paging")
    run_query(frame)
    response = frame.locator(".graphiql-response")
    # The response editor renders the lines in view: the first objects, in alphabetical order.
    for name in ("company", "note", "noteTarget", "opportunity"):
        expect(response).to_contain_text(f'"nameSingular": "{name}"')
    screenshot(page, "graphql-metadata")


def test_graphql_docs_and_autocompletion_come_from_the_schema(open_page, api_token):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "GraphQL")
    wait_for_schema(frame)

    set_query(frame, "{ compan }")
    put_cursor(frame, 8)
    page.keyboard.press("Control+Space")
    hints = frame.locator(".CodeMirror-hints")
    expect(hints).to_contain_text("companies")

    page.keyboard.press("Escape")
    frame.get_by_role("button", name="Show Documentation Explorer").click()
    frame.locator(".graphiql-doc-explorer").get_by_text("Query", exact=True).click()
    expect(frame.locator(".graphiql-doc-explorer")).to_contain_text("people")


def test_graphiql_opens_its_settings_and_short_keys_dialogs(open_page, api_token):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "GraphQL")

    for button, title in (("Open settings dialog", "Settings"), ("Open short keys dialog", "Short Keys")):
        frame.get_by_role("button", name=button).click()
        graphiql_dialog = frame.get_by_role("dialog")
        expect(graphiql_dialog).to_contain_text(title)
        graphiql_dialog.get_by_role("button", name="Close dialog").click()
        expect(graphiql_dialog).to_have_count(0)
    expect(dialog(page)).to_be_visible()


def test_graphql_runs_mutations_with_a_full_access_key(open_page, workspace, api_token):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "GraphQL")

    set_query(frame, 'mutation { createCompany(data: { name: "Playground Labs" }) { id name } }')
    run_query(frame)
    expect(frame.locator(".graphiql-response")).to_contain_text('"name": "Playground Labs"')
    assert Company.objects.filter(workspace=workspace, name="Playground Labs").exists()


def test_rest_on_core_tries_the_people_list(open_page, people, api_token, screenshot):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "REST")
    assert vendor_requests(page) == {"scalar"}
    expect(page.get_by_role("heading", name="REST · Core")).to_be_visible()
    assert page.url.endswith("?playground=rest&schema=core")

    frame.get_by_role("button", name=re.compile(r"^People")).first.click()
    expect(frame.get_by_role("button", name=re.compile(r"^List people"))).to_be_visible()
    expect(frame.get_by_role("button", name=re.compile(r"^Create a person"))).to_be_visible()
    frame.get_by_role("button", name=re.compile(r"^List people")).click()
    frame.get_by_role("button", name="Test Request (get /people)").click()
    frame.get_by_role("button", name=re.compile(r"^Send get request to .*\Wrest\Wpeople$")).click()

    expect(frame.get_by_text("200 OK")).to_be_visible()
    # The response viewer draws only the lines in view: one of the people, whichever comes first.
    expect(frame.locator("body")).to_contain_text(re.compile(r'"lastName": "(Quintero|Brandt|Varga)"'))
    screenshot(page, "rest-core")

    # The first Escape closes Scalar's request window, the second the playground.
    frame.get_by_role("button", name=re.compile(r"^Send get request")).focus()
    page.keyboard.press("Escape")
    expect(frame.get_by_role("button", name=re.compile(r"^Send get request"))).to_have_count(0)
    expect(dialog(page)).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog(page)).to_be_hidden()
    assert focused(page, "el.dataset.playgroundLaunch") == "rest"


def client_libraries_card(frame: FrameLocator):
    return frame.locator(".scalar-reference-intro-clients").first


def test_rest_client_libraries_show_snippets_that_run_with_the_key(open_page, people, api_token, live_server):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "REST")
    card = client_libraries_card(frame)
    url = f"{live_server.url}/rest/people?limit=5"

    for language in ("Shell", "Ruby", "Node.js", "PHP", "Python"):
        card.get_by_role("tab", name=language).click()
        expect(card.locator("pre")).to_contain_text(url)
        expect(card.locator("pre")).to_contain_text(f"Bearer {api_token}")
        expect(card).to_contain_text("The first five people of this workspace")

    # The snippets are real: the shell one, run as it is shown, lists the people.
    card.get_by_role("tab", name="Shell").click()
    shell = card.locator("pre").inner_text()
    assert "Authorization: Bearer" in shell
    output = subprocess.run(
        shlex.split(shell.replace("\\\n", " ")), capture_output=True, text=True, timeout=30, check=True
    ).stdout
    listed = json.loads(output)["data"]["people"]
    assert {person["name"]["lastName"] for person in listed} == {"Quintero", "Brandt", "Varga"}


def test_rest_reference_has_one_way_out(open_page, api_token):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "REST")
    expect(frame.locator("a[href*='scalar.com']:visible")).to_have_count(0)  # "Powered by Scalar"
    expect(frame.get_by_text("Open API Client")).to_have_count(0)

    frame.get_by_role("button", name="Test Request (get /companies)").click()
    request_window = frame.get_by_role("dialog", name="API Client")
    expect(request_window).to_be_visible()
    # The dialog's close button is the only one on screen.
    expect(frame.get_by_role("button", name="Close Client")).to_be_hidden()
    expect(page.get_by_role("button", name="Close playground")).to_be_visible()

    # A click beside the request window closes it, and only it.
    viewport = page.viewport_size
    page.mouse.click(viewport["width"] - 8, viewport["height"] - 8)
    expect(request_window).to_be_hidden()
    expect(dialog(page)).to_be_visible()


def test_rest_on_metadata_shows_the_metadata_endpoints(open_page, api_token, screenshot):
    page = open_page()
    fill_key(page, api_token)
    frame = launch(page, "REST", "Metadata")

    expect(page.get_by_role("heading", name="REST · Metadata")).to_be_visible()
    expect(frame.locator("body")).to_contain_text("/rest/metadata")
    screenshot(page, "rest-metadata")

    # Moving around the reference adds no history entry: Back still closes the playground.
    frame.get_by_role("button", name=re.compile(r"^Fields")).first.click()
    frame.get_by_role("button", name=re.compile(r"^Picklists")).first.click()
    page.go_back()
    expect(dialog(page)).to_be_hidden()
    assert page.url.endswith("/settings/apis")


def test_an_invalid_key_is_refused_before_launch(open_page, workspace):
    page = open_page()
    fill_key(page, "crm_p-this-is-not-a-key")
    page.get_by_role("button", name="GraphQL", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text("Invalid API key.")
    expect(dialog(page)).to_be_hidden()
    assert page.url.endswith("/settings/apis")
    assert focused(page, "el.id") == "playground-key"
    assert not vendor_requests(page)

    key, token = create_api_key(workspace, "Old")
    revoke_api_key(key)
    page.get_by_label("API key", exact=True).fill(token)
    page.get_by_role("button", name="REST", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Invalid API key. This API key has been revoked.")
    expect(dialog(page)).to_be_hidden()


def test_a_key_revoked_while_open_gets_401_inside_graphql(open_page, workspace, screenshot):
    key, token = create_api_key(workspace, "Soon revoked")
    page = open_page()
    fill_key(page, token)
    frame = launch(page, "GraphQL")

    revoke_api_key(key)
    set_query(frame, "{ people { totalCount } }")
    run_query(frame)
    expect(frame.locator(".graphiql-response")).to_contain_text("This API key has been revoked.")
    expect(frame.get_by_role("alert")).to_contain_text("401 Unauthorized")
    screenshot(page, "graphql-revoked")


def test_a_key_revoked_while_open_gets_401_inside_rest(open_page, workspace, screenshot):
    key, token = create_api_key(workspace, "Soon revoked")
    page = open_page()
    fill_key(page, token)
    frame = launch(page, "REST")

    revoke_api_key(key)
    frame.get_by_role("button", name=re.compile(r"^People")).first.click()
    frame.get_by_role("button", name=re.compile(r"^List people")).click()
    frame.get_by_role("button", name="Test Request (get /people)").click()
    frame.get_by_role("button", name=re.compile(r"^Send get request")).click()
    expect(frame.get_by_text("401 Unauthorized")).to_be_visible()
    expect(frame.locator("body")).to_contain_text("This API key has been revoked.")
    screenshot(page, "rest-revoked")


def test_the_address_keeps_the_open_playground(open_page, api_token, live_server):
    page = open_page()
    fill_key(page, api_token)
    launch(page, "GraphQL")

    page.go_back()
    expect(dialog(page)).to_be_hidden()
    assert page.url == f"{live_server.url}/settings/apis"

    page.go_forward()
    expect(page.get_by_role("heading", name="GraphQL · Core")).to_be_visible()

    page.reload()
    expect(page.get_by_role("heading", name="GraphQL · Core")).to_be_visible()
    expect(dialog(page)).to_have_attribute("data-state", "ready", timeout=20_000)
    page.get_by_role("button", name="Close playground").click()
    expect(dialog(page)).to_be_hidden()
    assert page.url == f"{live_server.url}/settings/apis"


def test_a_shared_link_without_a_key_asks_for_one(open_page, api_token):
    page = open_page()
    page.goto("/settings/apis?playground=rest&schema=metadata")

    expect(page.get_by_role("alert")).to_have_text("Paste an API key to open the REST playground.")
    expect(dialog(page)).to_be_hidden()
    assert focused(page, "el.id") == "playground-key"
    expect(page.get_by_role("radio", name="Metadata")).to_be_checked()

    page.get_by_label("API key", exact=True).fill(api_token)
    page.get_by_role("button", name="REST", exact=True).click()
    expect(page.get_by_role("heading", name="REST · Metadata")).to_be_visible()


def test_focus_stays_in_the_dialog_and_escape_outside_the_editor_closes_it(open_page, api_token):
    page = open_page()
    fill_key(page, api_token)
    launch(page, "GraphQL")

    close = page.get_by_role("button", name="Close playground")
    close.focus()
    page.keyboard.press("Shift+Tab")
    assert focused(page, "el.matches('iframe.playground-frame')"), "Shift+Tab from the first control wraps around"
    close.focus()
    page.keyboard.press("Escape")
    expect(dialog(page)).to_be_hidden()
    assert focused(page, "el.dataset.playgroundLaunch") == "graphql"

    # App shortcuts work again after closing.
    page.keyboard.press("g")
    page.keyboard.press("p")
    page.wait_for_url("**/objects/people/")


def test_a_playground_that_cannot_load_says_so(open_page, api_token, csp_violations, screenshot):
    page = open_page()
    fill_key(page, api_token)
    page.context.clear_cookies()  # the session ends: the framed page answers with the login page

    page.get_by_role("button", name="GraphQL", exact=True).click()
    expect(dialog(page).get_by_role("alert")).to_contain_text("The playground could not be loaded.")
    expect(dialog(page).locator("[data-playground-loading]")).to_be_hidden()
    screenshot(page, "failed")
    page.get_by_role("button", name="Close playground").click()
    expect(dialog(page)).to_be_hidden()
    # The login page refuses to be framed: the browser's report of that is the expected one here.
    refusals = csp_violations.take()
    assert refusals and all("frame-ancestors 'none'" in text for text in refusals), refusals
    assert all("frame-ancestors 'none'" in text for text in page.console_errors), page.console_errors
    page.console_errors.clear()
