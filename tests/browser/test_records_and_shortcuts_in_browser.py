"""Record pages and keyboard shortcuts in a real browser."""

from __future__ import annotations

import pytest

from crm.services.records import create_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def records(workspace, actor) -> dict:
    companies = []
    for index, (name, domain) in enumerate((("Acme Corp", "acme.example.com"), ("Globex", "globex.example.com"))):
        companies.append(
            create_record(
                workspace,
                "company",
                {
                    "name": name,
                    "domainName": {"primaryLinkUrl": f"https://{domain}"},
                    "employees": 120 * (index + 1),
                    "annualRecurringRevenue": {"amountMicros": (index + 1) * 250_000_000_000, "currencyCode": "USD"},
                    "address": {"addressCity": ("Paris", "Berlin")[index]},
                    "idealCustomerProfile": index == 0,
                },
                actor,
            )
        )
    people = [
        create_record(
            workspace,
            "person",
            {
                "name": {"firstName": first, "lastName": last},
                "emails": {"primaryEmail": f"{first.lower()}@example.com"},
                "jobTitle": title,
                "city": "London",
                "companyId": companies[index % 2]["id"],
            },
            actor,
        )
        for index, (first, last, title) in enumerate(
            (("Ada", "Lovelace", "CTO"), ("Grace", "Hopper", "Engineer"), ("Alan", "Turing", "Researcher"))
        )
    ]
    create_record(
        workspace,
        "opportunity",
        {
            "name": "Acme renewal",
            "stage": "PROPOSAL",
            "amount": {"amountMicros": 48_000_000_000, "currencyCode": "USD"},
            "companyId": companies[0]["id"],
            "pointOfContactId": people[0]["id"],
        },
        actor,
    )
    return {"companies": companies, "people": people}


def test_g_then_c_goes_to_companies(login_page, member_user, records, live_server, screenshot):
    page = login_page(member_user)
    page.goto("/objects/people/")
    assert page.get_by_role("link", name="Ada Lovelace").is_visible()
    screenshot(page, "people")
    page.keyboard.press("g")
    page.keyboard.press("c")
    page.wait_for_url("**/objects/companies/")
    assert page.get_by_role("heading", name="Companies").is_visible()
    screenshot(page, "companies")

    page.get_by_role("link", name="Name").click()  # sort by name
    page.wait_for_url("**sort=name**")
    assert page.locator("tbody tr").first.inner_text().startswith("Acme Corp")
    page.get_by_role("link", name="Name").click()
    page.wait_for_url("**dir=desc**")
    assert page.locator("tbody tr").first.inner_text().startswith("Globex")

    page.get_by_role("link", name="Globex", exact=True).click()
    assert page.get_by_role("heading", name="Globex").is_visible()
    assert page.get_by_role("link", name="Grace Hopper").is_visible()
    screenshot(page, "company-page")
    assert not page.js_errors


def test_question_mark_lists_the_shortcuts(login_page, admin_user, screenshot):
    page = login_page(admin_user)
    page.goto("/objects/tasks/")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    assert dialog.is_visible()
    for text in ("Go to people", "Go to companies", "Go to settings", "Show keyboard shortcuts"):
        assert text in dialog.inner_text()
    screenshot(page, "shortcuts-help")
    # Shortcuts of the page behind stay quiet while the help is open.
    page.keyboard.press("g")
    page.keyboard.press("p")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.url.endswith("/objects/tasks/")
    page.keyboard.press("g")
    page.keyboard.press("s")
    page.wait_for_url("**/settings/apis")


def test_shortcuts_never_fire_while_typing(login_page, admin_user):
    page = login_page(admin_user)
    page.goto("/settings/apis/keys/new")
    page.get_by_label("Name").click()
    page.keyboard.type("gc?")
    assert page.get_by_label("Name").input_value() == "gc?"
    assert page.url.endswith("/settings/apis/keys/new")
    assert not page.get_by_role("dialog", name="Keyboard shortcuts").is_visible()


def test_a_pushed_scope_silences_app_shortcuts_until_popped(login_page, admin_user):
    page = login_page(admin_user)
    page.goto("/settings/apis")
    assert page.evaluate("window.shortcuts.currentScope()") == "app"
    page.evaluate("window.shortcuts.pushScope('playground')")
    page.keyboard.press("g")
    page.keyboard.press("c")
    page.wait_for_timeout(300)
    assert page.url.endswith("/settings/apis")
    page.evaluate("window.shortcuts.popScope('playground')")
    page.keyboard.press("g")
    page.keyboard.press("c")
    page.wait_for_url("**/objects/companies/")


def test_members_have_no_settings_shortcut_target(login_page, member_user):
    page = login_page(member_user)
    page.goto("/objects/people/")
    page.keyboard.press("g")
    page.keyboard.press("s")
    page.wait_for_timeout(300)
    assert page.url.endswith("/objects/people/")


def test_a_note_renders_its_markdown_and_runs_nothing_it_carries(
    login_page, member_user, workspace, actor, records, screenshot
):
    ada = records["people"][0]
    markdown = (
        "## Kickoff\n\n- Budget approved\n- Next call on **Monday**\n\n"
        "<script>document.title = 'pwned'</script>\n\n"
        "<img src=x onerror=\"document.title='pwned'\">"
    )
    note = create_record(workspace, "note", {"title": "Kickoff call", "bodyV2": {"markdown": markdown}}, actor)
    create_record(workspace, "noteTarget", {"noteId": note["id"], "personId": ada["id"]}, actor)
    page = login_page(member_user)
    page.goto(f"/objects/people/{ada['id']}/")
    page.get_by_role("link", name="Kickoff call").click()
    page.wait_for_url(f"**/objects/notes/{note['id']}/")
    assert page.get_by_role("heading", name="Kickoff", exact=True).is_visible()
    assert page.locator(".rich-text li").all_inner_texts() == ["Budget approved", "Next call on Monday"]
    assert "<script>document.title = 'pwned'</script>" in page.locator(".rich-text").inner_text()
    assert page.locator(".rich-text img, .rich-text script").count() == 0
    assert page.title() != "pwned"
    assert page.get_by_role("link", name="Ada Lovelace").is_visible()  # what the note is about
    screenshot(page, "note-page")
    assert not page.js_errors
