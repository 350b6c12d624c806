"""The pages framed by the API playground on /settings/apis.

The APIs page opens each playground in an iframe pointing here, so React and GraphiQL,
or Scalar, load only when a playground is launched and never mix their globals and
global styles with the app page; closing the playground drops the frame and all of it.
The API key never reaches these views: the framed page reads it from the browser's
storage and sends it only as the Bearer header of its API requests.
"""

from __future__ import annotations

from dataclasses import dataclass

from csp.constants import NONCE, SELF, UNSAFE_INLINE
from csp.decorators import csp_replace, csp_update
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from settings_ui.decorators import workspace_admin_required


@dataclass(frozen=True)
class PlaygroundSchema:
    name: str
    label: str
    graphql_path: str
    openapi_path: str
    starter_query: str
    # The request the REST reference's code snippets send (under its server URL), and what it returns.
    sample_path: str
    sample_summary: str


# More to try, shown as comments under the core starter query (each runs as it is).
CORE_EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "Opportunities per stage, with their total amount",
        "{ opportunitiesGroupBy(groupBy: [{stage: true}]) "
        "{ groupByDimensionValues totalCount sumAmountAmountMicros } }",
    ),
    (
        "People who may be the same person as Ada Lovelace",
        '{ personDuplicates(data: [{name: {firstName: "Ada", lastName: "Lovelace"}}]) '
        "{ totalCount edges { node { id emails { primaryEmail } } } } }",
    ),
    (
        "What notes are about",
        "{ notes(first: 5) { edges { node { title bodyV2 { markdown } "
        "noteTargets { edges { node { person { name { firstName } } company { name } } } } } } } }",
    ),
)


def _commented(examples: tuple[tuple[str, str], ...]) -> str:
    lines = ["", "# More to try: replace the query above with one of these."]
    for title, query in examples:
        lines += [f"#   {title}:", f"#   {query}"]
    return "\n".join(lines) + "\n"


SCHEMAS: dict[str, PlaygroundSchema] = {
    "core": PlaygroundSchema(
        name="core",
        label="Core",
        graphql_path="/graphql",
        openapi_path="/rest/open-api/core",
        starter_query=(
            "# The first five people of this workspace.\n"
            "# Run it with Ctrl-Enter; Ctrl-Space suggests fields.\n"
            "{\n"
            "  people(first: 5) {\n"
            "    totalCount\n"
            "    edges {\n"
            "      node {\n"
            "        id\n"
            "        name {\n"
            "          firstName\n"
            "          lastName\n"
            "        }\n"
            "      }\n"
            "    }\n"
            "  }\n"
            "}\n" + _commented(CORE_EXAMPLES)
        ),
        sample_path="/people?limit=5",
        sample_summary="The first five people of this workspace",
    ),
    "metadata": PlaygroundSchema(
        name="metadata",
        label="Metadata",
        graphql_path="/metadata",
        openapi_path="/rest/open-api/metadata",
        starter_query=(
            "# The objects of this workspace.\n"
            "# Run it with Ctrl-Enter; Ctrl-Space suggests fields.\n"
            "{\n"
            "  objects(paging: { first: 100 }) {\n"
            "    totalCount\n"
            "    edges {\n"
            "      node {\n"
            "        id\n"
            "        nameSingular\n"
            "        namePlural\n"
            "        labelPlural\n"
            "        isCustom\n"
            "      }\n"
            "    }\n"
            "  }\n"
            "}\n"
        ),
        sample_path="/objects",
        sample_summary="The objects of this workspace",
    ),
}


def _schema(request: HttpRequest) -> PlaygroundSchema:
    schema = SCHEMAS.get(request.GET.get("schema", "core"))
    if schema is None:
        raise Http404("Unknown schema: use core or metadata.")
    return schema


# Same origin only: the frames exist to be shown inside the APIs page, nowhere else.
FRAMED_BY_THE_APIS_PAGE = {"frame-ancestors": [SELF]}
# GraphiQL's dialogs (settings, short keys) add one <style> element while open, to keep
# the page behind from scrolling; it carries the nonce the page's module hands over.
GRAPHIQL_DIALOG_STYLE = {"style-src": [NONCE]}
# Scalar's build puts its stylesheet, its theme and its measurements into <style> elements
# and style attributes it creates while running, none of which can carry a nonce. Styles
# only: scripts stay 'self', so nothing injected into this frame can run.
SCALAR_INLINE_STYLES = {"style-src": [UNSAFE_INLINE]}


@require_GET
@never_cache
@xframe_options_sameorigin
@csp_replace(FRAMED_BY_THE_APIS_PAGE)
@csp_update(GRAPHIQL_DIALOG_STYLE)
@workspace_admin_required
def graphql_frame(request: HttpRequest) -> HttpResponse:
    schema = _schema(request)
    config = {
        "schema": schema.name,
        "endpoint": schema.graphql_path,
        "starterQuery": schema.starter_query,
        "styleNonce": str(request.csp_nonce),  # type: ignore[attr-defined]
    }
    return render(request, "settings/playground/graphql.html", {"schema": schema, "config": config})


@require_GET
@never_cache
@xframe_options_sameorigin
@csp_replace(FRAMED_BY_THE_APIS_PAGE)
@csp_update(SCALAR_INLINE_STYLES)
@workspace_admin_required
def rest_frame(request: HttpRequest) -> HttpResponse:
    schema = _schema(request)
    config = {
        "schema": schema.name,
        "documentUrl": schema.openapi_path,
        "sampleRequest": {"path": schema.sample_path, "summary": schema.sample_summary},
    }
    return render(request, "settings/playground/rest.html", {"schema": schema, "config": config})
