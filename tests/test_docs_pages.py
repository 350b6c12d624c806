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
