"""Public documentation pages: no login, so people can read them before having an account."""

from __future__ import annotations

from csp.constants import NONE, UNSAFE_INLINE
from csp.decorators import csp
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from docs_site.pages import PAGES, SECTIONS, asset_path, pygments_css, render_page


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, "")


@require_safe
def page(request: HttpRequest, slug: str) -> HttpResponse:
    slug = slug.strip("/")
    if slug.endswith(".md"):
        # Links copied from the Markdown sources (``quickstart.md``) still land on the page.
        slug = slug.removesuffix(".md")
        if slug == "README":
            return redirect("docs:index", permanent=True)
        if slug in PAGES:
            return redirect("docs:page", slug, permanent=True)
    return _page(request, slug)


def _page(request: HttpRequest, slug: str) -> HttpResponse:
    found = PAGES.get(slug)
    if found is None or not found.path.is_file():
        raise Http404("No such documentation page.")
    rendered = render_page(found)
    return render(request, "docs/page.html", {"doc": rendered, "sections": SECTIONS, "current": found})


# A diagram is drawing only: opened on its own, it may not run or fetch anything an edited
# SVG might carry. Its styles are inline, in the file.
DIAGRAM_POLICY = {"default-src": [NONE], "style-src": [UNSAFE_INLINE], "frame-ancestors": [NONE]}


@require_safe
@cache_control(max_age=3600, public=True)
@csp(DIAGRAM_POLICY)
def asset(request: HttpRequest, name: str) -> FileResponse:
    path = asset_path(name)
    if path is None:
        raise Http404("No such diagram.")
    return FileResponse(path.open("rb"), content_type="image/svg+xml")


@require_safe
@cache_control(max_age=3600, public=True)
def code_css(request: HttpRequest) -> HttpResponse:
    return HttpResponse(pygments_css(), content_type="text/css; charset=utf-8")
