"""The documentation is served by the app, to anyone, with a navigation sidebar."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from docs_site.pages import DOCS_DIR, PAGES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", sorted(PAGES))
def test_every_page_renders_without_logging_in(client: Client, slug: str) -> None:
    url = PAGES[slug].url
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert '<article class="docs-content">' in html
    # Every page lists every other page in the sidebar.
    for page in PAGES.values():
        assert f'href="{page.url}"' in html


def test_every_markdown_file_in_docs_is_a_page_in_the_navigation() -> None:
    files = {path.name for path in DOCS_DIR.glob("*.md")}
    assert files == {page.file for page in PAGES.values()}


def test_headings_get_anchors_and_permalinks(client: Client) -> None:
    html = client.get("/docs/api-and-webhooks").content.decode()
    assert '<h2 id="authentication">' in html
    assert 'class="headerlink" href="#authentication"' in html
    # The page's own sections are listed in the sidebar.
    assert 'class="docs-toc-link" href="#authentication"' in html


def test_code_blocks_are_highlighted_with_a_served_stylesheet(client: Client) -> None:
    html = client.get("/docs/api-and-webhooks").content.decode()
    assert '<div class="codehilite">' in html
    assert 'href="/docs/_assets/code.css"' in html
    css = client.get("/docs/_assets/code.css")
    assert css.status_code == 200
    assert css["Content-Type"].startswith("text/css")
    assert ".codehilite .k" in css.content.decode()


def test_tables_render(client: Client) -> None:
    html = client.get("/docs/self-hosting").content.decode()
    assert '<table class="docs-table">' in html
    assert "<code>DATABASE_URL</code>" in html


def test_links_between_markdown_files_point_at_the_served_pages(client: Client) -> None:
    html = client.get("/docs/").content.decode()
    assert 'href="/docs/quickstart"' in html
    assert 'href="quickstart.md"' not in html


def test_diagrams_are_served_as_svg_with_a_restrictive_policy(client: Client) -> None:
    html = client.get("/docs/api-and-webhooks").content.decode()
    sources = re.findall(r'<img[^>]* src="([^"]+)"', html)
    assert sources, "the API & Webhooks page shows diagrams"
    for src in sources:
        response = client.get(src)
        assert response.status_code == 200, src
        assert response["Content-Type"] == "image/svg+xml"
        assert "default-src 'none'" in response["Content-Security-Policy"]
        assert b"<svg" in b"".join(response.streaming_content)


def test_unknown_pages_and_assets_are_404(client: Client) -> None:
    assert client.get("/docs/no-such-page").status_code == 404
    assert client.get("/docs/no-such-diagram.svg").status_code == 404
    assert client.get("/docs/..%2Fconfig%2Fsettings.py").status_code == 404


def test_links_to_markdown_files_redirect_to_the_page(client: Client) -> None:
    response = client.get("/docs/quickstart.md")
    assert response.status_code == 301
    assert response["Location"] == "/docs/quickstart"
    assert client.get("/docs/README.md")["Location"] == "/docs/"


def test_a_trailing_slash_still_finds_the_page(client: Client) -> None:
    assert client.get("/docs/quickstart/").status_code == 200


def test_every_link_between_docs_pages_lands_on_an_existing_heading(client: Client) -> None:
    ids_by_url = {}
    links = []
    for page in PAGES.values():
        html = client.get(page.url).content.decode()
        ids_by_url[page.url] = set(re.findall(r' id="([^"]+)"', html))
        article = html[html.index('<article class="docs-content">') :]
        for href in re.findall(r'href="([^"]+)"', article):
            if href.startswith("#"):
                links.append((page.url, page.url, href[1:]))
            elif href.startswith("/docs/"):
                target, _, anchor = href.partition("#")
                links.append((page.url, target, anchor))
    assert links
    for source, target, anchor in links:
        assert target in ids_by_url, f"{source} links to {target}, which is not a docs page"
        if anchor:
            assert anchor in ids_by_url[target], f"{source} links to {target}#{anchor}, which has no such heading"


# Sections other pages link to (the settings pages, the README): renaming one of these
# headings breaks those links, so it needs the links updated too.
LINKED_SECTIONS = [
    "/docs/quickstart#create-an-api-key",
    "/docs/api-and-webhooks#the-playground",
    "/docs/api-and-webhooks#authentication",
    "/docs/api-and-webhooks#creating-a-key",
    "/docs/api-and-webhooks#read-only-keys",
    "/docs/api-and-webhooks#revoking-and-regenerating",
    "/docs/api-and-webhooks#endpoints",
    "/docs/api-and-webhooks#graphql",
    "/docs/api-and-webhooks#rate-limits",
    "/docs/api-and-webhooks#errors",
    "/docs/api-and-webhooks#metadata-api",
    "/docs/api-and-webhooks#webhooks",
    "/docs/api-and-webhooks#setting-up-an-endpoint",
    "/docs/api-and-webhooks#events",
    "/docs/api-and-webhooks#the-payload",
    "/docs/api-and-webhooks#verifying-signatures",
    "/docs/api-and-webhooks#retries",
    "/docs/api-and-webhooks#disabling",
    "/docs/api-and-webhooks#the-delivery-log",
    "/docs/api-and-webhooks#test-resend-and-recover",
    "/docs/api-and-webhooks#idempotency",
    "/docs/self-hosting#environment-variables",
]


def docs_links_in_the_app() -> list[tuple[str, str]]:
    """(file, link) for every /docs/ link in the app's templates and Python code."""
    from django.conf import settings

    root = settings.BASE_DIR
    found = []
    for path in [*(root / "templates").rglob("*.html"), *(root / "settings_ui").rglob("*.py"), root / "README.md"]:
        if "docs" in path.relative_to(root).parts[:2]:
            continue
        for link in re.findall(r"/docs/[A-Za-z0-9#/_-]*", path.read_text(encoding="utf-8")):
            found.append((str(path.relative_to(root)), link))
    return found


@pytest.mark.parametrize("link", LINKED_SECTIONS + sorted({link for _, link in docs_links_in_the_app()}))
def test_links_into_the_docs_land_on_an_existing_section(client: Client, link: str) -> None:
    url, _, anchor = link.partition("#")
    response = client.get(url)
    assert response.status_code == 200, link
    if anchor:
        assert f'id="{anchor}"' in response.content.decode(), f"{link}: no such section"
