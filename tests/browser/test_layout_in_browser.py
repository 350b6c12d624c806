"""Every page at the widths people use: a phone (390 px), a tablet (768), a small laptop
(1024) and a desktop (1440). Nothing scrolls the page sideways or sticks out of it, the
controls a person reaches for do not overlap, tables scroll inside their card, and on
narrow screens the left menu folds away behind a button.

Layout is checked by measuring the page, not by comparing screenshots.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from crm.models import Person, User, Workspace
from crm.services.actor import Actor
from crm.services.api_keys import create_api_key, revoke_api_key
from crm.services.records import create_record
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import create_endpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [390, 768, 1024, 1440]
# Below 860 px the menu folds away (static/css/app.css).
NARROW = {390, 768}
HEIGHT = 800
LONG_URL = "https://hooks.example.com/services/crm/a-rather-long-path/that-goes-on-and-on?token=abcdef0123456789"

# Elements reaching past the left or right edge of the window, leaving out those inside
# something that scrolls or clips sideways (a table in its card scrolls there, by design).
OUTSIDE_THE_WINDOW = """() => {
  const width = window.innerWidth;
  const insideAScroller = (element) => {
    for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
      if (getComputedStyle(parent).overflowX !== "visible") return true;
    }
    return false;
  };
  const found = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    if ((box.left < -1 || box.right > width + 1) && !insideAScroller(element)) {
      const name = `<${element.tagName.toLowerCase()} class="${element.className}">`;
      found.push(`${name} ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return found;
}"""


@pytest.fixture
def filled_workspace(workspace: Workspace, actor: Actor) -> dict[str, str]:
    """A workspace with something on every page: keys (one revoked), a webhook with a long
    URL and deliveries, people and a company. -> the addresses of its detail pages."""
    key, _ = create_api_key(workspace, "Nightly sync of the sales pipeline to the data warehouse")
    revoke_api_key(create_api_key(workspace, "Old Zapier integration")[0])
    endpoint = create_endpoint(
        workspace, target_url=LONG_URL, operations=["*.*"], description="Mirror to the warehouse"
    )
    create_record(workspace, "company", {"name": "Globex Corporation International Holdings"}, actor)
    for first, last in (("Ada", "Lovelace"), ("Grace", "Hopper"), ("Katherine", "Johnson-Goble")):
        create_record(workspace, "person", {"name": {"firstName": first, "lastName": last}}, actor)
    person = Person.objects.filter(workspace=workspace).first()
    return {
        "key": f"/settings/apis/keys/{key.id}",
        "webhook": f"/settings/webhooks/{endpoint.id}",
        "webhook_edit": f"/settings/webhooks/{endpoint.id}/edit",
        "person": f"/objects/people/{person.id}/",
    }


@pytest.fixture
def page_at(login_page: Callable[..., Page], admin_user: User) -> Callable[[int], Page]:
    """page_at(width) -> the admin's page, its window that wide."""

    def open_at(width: int) -> Page:
        page = login_page(admin_user)
        page.set_viewport_size({"width": width, "height": HEIGHT})
        return page

    return open_at


def assert_fits_the_window(page: Page) -> None:
    where = f"{page.url} at {page.viewport_size['width']} px"
    scroll_width, width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= width, f"{where}: the page scrolls sideways ({scroll_width} > {width})"
    outside = page.evaluate(OUTSIDE_THE_WINDOW)
    assert not outside, f"{where}: elements reach past the window: {outside[:5]}"


def box(locator: Locator) -> dict[str, float]:
    expect(locator).to_be_visible()
    found = locator.bounding_box()
    assert found, locator
    return found


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"] - 0.5
        and b["x"] < a["x"] + a["width"] - 0.5
        and a["y"] < b["y"] + b["height"] - 0.5
        and b["y"] < a["y"] + a["height"] - 0.5
    )


def assert_apart(*locators: Locator) -> None:
    boxes = [(locator, box(locator)) for locator in locators]
    for i, (first, first_box) in enumerate(boxes):
        for second, second_box in boxes[i + 1 :]:
            assert not overlap(first_box, second_box), f"{first} overlaps {second}: {first_box} {second_box}"


def assert_inside(outer: Locator, *inners: Locator) -> None:
    frame = box(outer)
    for inner in inners:
        inside = box(inner)
        assert (
            inside["x"] >= frame["x"] - 0.5
            and inside["y"] >= frame["y"] - 0.5
            and inside["x"] + inside["width"] <= frame["x"] + frame["width"] + 0.5
            and inside["y"] + inside["height"] <= frame["y"] + frame["height"] + 0.5
        ), f"{inner} sticks out of {outer}: {inside} {frame}"


def assert_title_clear_of(page: Page, *actions: Locator) -> None:
    """The page's title and its action buttons are all apart."""
    assert_apart(page.get_by_role("heading", level=1), *actions)


def card(page: Page, title: str) -> Locator:
    return page.locator("section.card").filter(has=page.get_by_role("heading", name=title, exact=True))


@pytest.mark.parametrize("width", WIDTHS)
def test_settings_pages_fit_and_their_controls_do_not_overlap(page_at, filled_workspace, width):
    page = page_at(width)

    page.goto("/settings/apis")
    assert_fits_the_window(page)
    playground = card(page, "API playground")
    launch = [page.get_by_role("button", name=name, exact=True) for name in ("GraphQL", "REST")]
    assert_inside(playground, *launch, page.get_by_label("API key", exact=True))
    assert_apart(*launch, page.get_by_label("API key", exact=True), page.get_by_role("radio", name="Metadata"))
    keys = card(page, "API keys")
    keys_controls = [
        keys.get_by_role("heading", name="API keys"),
        keys.get_by_role("switch", name="Show revoked and expired"),
        keys.get_by_role("link", name="Create API key"),
    ]
    assert_inside(keys, *keys_controls)
    assert_apart(*keys_controls)
    # The table stays inside its card, scrolling there when it is wider.
    assert_inside(keys, keys.locator(".table-wrap"))

    page.goto(filled_workspace["key"])
    assert_fits_the_window(page)
    assert_title_clear_of(
        page, page.get_by_role("button", name="Regenerate"), page.get_by_role("button", name="Revoke")
    )

    page.goto("/settings/apis/keys/new")
    assert_fits_the_window(page)

    page.goto("/settings/webhooks")
    assert_fits_the_window(page)
    endpoints = card(page, "Endpoints")
    assert_inside(endpoints, endpoints.get_by_role("heading", name="Endpoints"), endpoints.locator(".table-wrap"))
    assert_apart(
        endpoints.get_by_role("heading", name="Endpoints"), endpoints.get_by_role("link", name="Create webhook")
    )

    page.goto(filled_workspace["webhook"])
    assert_fits_the_window(page)
    actions = [
        page.get_by_role("link", name="Edit"),
        *(page.get_by_role("button", name=n) for n in ("Disable", "Delete")),
    ]
    assert_title_clear_of(page, *actions)
    test_event = card(page, "Send a test event")
    assert_inside(test_event, test_event.get_by_role("button", name="Send test event"))
    assert_apart(test_event.get_by_role("heading"), test_event.get_by_role("button", name="Send test event"))
    page.locator("details.delivery summary").first.click()
    assert_fits_the_window(page)

    for path in ("/settings/webhooks/new", filled_workspace["webhook_edit"]):
        page.goto(path)
        assert_fits_the_window(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_record_pages_fit_the_window(page_at, filled_workspace, width):
    page = page_at(width)
    for path in ("/objects/people/", "/objects/companies/", filled_workspace["person"]):
        page.goto(path)
        assert_fits_the_window(page)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto("/objects/people/")
    assert_inside(page.locator("section.card"), page.locator(".table-wrap"))


@pytest.mark.parametrize("width", WIDTHS)
def test_the_docs_fit_the_window(browser, live_server, width):
    context = browser.new_context(viewport={"width": width, "height": HEIGHT}, base_url=live_server.url)
    page = context.new_page()
    for path in ("/docs/", "/docs/quickstart", "/docs/api-and-webhooks", "/docs/self-hosting"):
        page.goto(path)
        assert_fits_the_window(page)
    navigation = page.get_by_role("navigation", name="Documentation")
    if width in NARROW:
        expect(navigation).to_be_hidden()
        page.get_by_role("button", name="Menu").click()
    expect(navigation.get_by_role("link", name="Quickstart")).to_be_visible()
    # A link to a section of the page leaves the menu out of the way of that section.
    navigation.get_by_role("link", name="Environment variables").click()
    expect(page.get_by_role("heading", name="Environment variables")).to_be_in_viewport()
    if width in NARROW:
        expect(navigation).to_be_hidden()
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_menu_folds_behind_a_button_on_narrow_screens(page_at, filled_workspace, width):
    page = page_at(width)
    page.goto("/settings/apis")
    menu = page.get_by_role("button", name="Menu")
    navigation = page.get_by_role("navigation", name="Main")
    if width not in NARROW:
        expect(menu).to_be_hidden()
        expect(navigation.get_by_role("link", name="Webhooks")).to_be_visible()
        return

    expect(navigation).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(navigation.get_by_role("link", name="Webhooks")).to_be_visible()
    assert_fits_the_window(page)
    assert_apart(menu, navigation)

    page.keyboard.press("Escape")
    expect(navigation).to_be_hidden()
    assert page.evaluate("document.activeElement.dataset.menuToggle") == "", "focus returns to the Menu button"

    menu.click()
    navigation.get_by_role("link", name="Webhooks").click()
    page.wait_for_url("**/settings/webhooks")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_playground_fits_the_window(page_at, api_token, width):
    page = page_at(width)
    page.goto("/settings/apis")
    page.get_by_label("API key", exact=True).fill(api_token)
    dialog = page.locator("dialog.playground-dialog")
    for api, title in (("GraphQL", "GraphQL · Core"), ("REST", "REST · Core")):
        page.get_by_role("button", name=api, exact=True).click()
        expect(page.locator("dialog.playground-dialog[data-state='ready']")).to_be_visible(timeout=20_000)
        close = page.get_by_role("button", name="Close playground")
        assert_inside(dialog, page.get_by_role("heading", name=title), close)
        assert_apart(page.get_by_role("heading", name=title), dialog.locator("[data-playground-endpoint]"), close)
        frame = page.locator("iframe.playground-frame")
        assert box(frame)["width"] == pytest.approx(width, abs=1)
        frame_width = frame.content_frame.locator("html").evaluate("html => [html.scrollWidth, window.innerWidth]")
        assert frame_width[0] <= frame_width[1], f"the {api} playground scrolls sideways"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        close.click()
        expect(dialog).to_be_hidden()


def test_create_sits_in_the_header_of_its_list_on_apis_and_webhooks(page_at, filled_workspace):
    page = page_at(1440)
    assert WebhookEndpoint.objects.exists()
    for path, list_title, create in (
        ("/settings/apis", "API keys", "Create API key"),
        ("/settings/webhooks", "Endpoints", "Create webhook"),
    ):
        page.goto(path)
        expect(page.get_by_role("link", name=create)).to_have_count(1)
        header = card(page, list_title).locator(".card-header")
        expect(header.get_by_role("link", name=create)).to_be_visible()
        expect(page.locator(".page-header").get_by_role("link", name=create)).to_have_count(0)
