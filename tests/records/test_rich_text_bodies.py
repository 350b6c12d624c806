"""bodyV2 on notes and tasks: Twenty's rich text, ``{blocknote, markdown}``, stored as
sent (either part alone is fine), filterable, described by the metadata and OpenAPI,
and shown on record pages as rendered Markdown that cannot carry markup of its own."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from crm.metadata.composite_types import RICH_TEXT_MARKDOWN_MAX
from crm.services.records import create_record

BLOCKNOTE = json.dumps(
    [{"id": "1", "type": "paragraph", "props": {}, "content": [{"type": "text", "text": "Call went well"}]}]
)
HOSTILE = (
    "## Plan\n\n- ship it\n\n"
    "<script>document.title = 'pwned'</script>\n\n"
    "Look <img src=x onerror=\"document.title='pwned'\"> here, [click](javascript:alert(1)) "
    "or [the site](https://example.com)."
)


@pytest.fixture
def api(api_token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


def send(api: Client, method: str, path: str, body: object):
    return getattr(api, method)(path, body, content_type="application/json")


@pytest.mark.parametrize("plural, singular", [("notes", "Note"), ("tasks", "Task")])
def test_either_part_may_be_sent_alone_and_the_record_keeps_what_was_sent(api, plural, singular):
    created = send(api, "post", f"/rest/{plural}", {"title": "Call", "bodyV2": {"markdown": "**Went well**"}})
    assert created.status_code == 201, created.content
    record = created.json()["data"][f"create{singular}"]
    assert record["bodyV2"] == {"blocknote": "", "markdown": "**Went well**"}

    updated = send(api, "patch", f"/rest/{plural}/{record['id']}", {"bodyV2": {"blocknote": BLOCKNOTE}})
    both = {"blocknote": BLOCKNOTE, "markdown": "**Went well**"}
    assert updated.json()["data"][f"update{singular}"]["bodyV2"] == both
    assert api.get(f"/rest/{plural}/{record['id']}").json()["data"][singular.lower()]["bodyV2"] == both


def test_graphql_writes_and_reads_both_parts(api):
    response = send(
        api,
        "post",
        "/graphql",
        {
            "query": """mutation($data: NoteCreateInput!) {
              createNote(data: $data) { id bodyV2 { blocknote markdown } }
            }""",
            "variables": {"data": {"title": "Call", "bodyV2": {"blocknote": BLOCKNOTE, "markdown": "Call went well"}}},
        },
    )
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["createNote"]["bodyV2"] == {"blocknote": BLOCKNOTE, "markdown": "Call went well"}


def test_notes_are_filtered_on_their_markdown(api, workspace, actor):
    create_record(workspace, "note", {"title": "A", "bodyV2": {"markdown": "pricing questions"}}, actor)
    create_record(workspace, "note", {"title": "B", "bodyV2": {"markdown": "security review"}}, actor)
    found = api.get("/rest/notes?filter=bodyV2.markdown[ilike]:%25PRICING%25").json()["data"]["notes"]
    assert [note["title"] for note in found] == ["A"]


def test_a_body_beyond_the_limit_or_of_the_wrong_type_is_refused(api):
    too_long = send(api, "post", "/rest/notes", {"bodyV2": {"markdown": "x" * (RICH_TEXT_MARKDOWN_MAX + 1)}})
    assert too_long.status_code == 400
    assert "bodyV2.markdown" in json.dumps(too_long.json()["messages"])
    wrong = send(api, "post", "/rest/notes", {"bodyV2": {"blocknote": [{"type": "paragraph"}]}})
    assert wrong.status_code == 400


def test_the_metadata_and_openapi_describe_bodyV2(api):
    objects = {o["nameSingular"]: o for o in api.get("/rest/metadata/objects").json()["data"]["objects"]}
    field = {f["name"]: f for f in objects["task"]["fields"]}["bodyV2"]
    assert field["type"] == "RICH_TEXT_V2"
    assert [sub["name"] for sub in field["subFields"]] == ["blocknote", "markdown"]
    schemas = api.get("/rest/open-api/core").json()["components"]["schemas"]
    write = schemas["NoteForCreate"]["properties"]["bodyV2"]
    assert write["properties"]["markdown"]["maxLength"] == RICH_TEXT_MARKDOWN_MAX
    assert set(schemas["Note"]["properties"]["bodyV2"]["properties"]) == {"blocknote", "markdown"}


@pytest.fixture
def member_client(client: Client, member_user) -> Client:
    client.force_login(member_user)
    return client


def test_the_record_page_renders_the_markdown(member_client, workspace, actor):
    note = create_record(workspace, "note", {"title": "Call", "bodyV2": {"markdown": HOSTILE}}, actor)
    page = member_client.get(reverse("records:detail", args=["notes", note["id"]])).content.decode()
    assert "<h2>Plan</h2>" in page and "<li>ship it</li>" in page
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow" target="_blank">the site</a>' in page


def test_html_in_the_markdown_is_shown_as_text_and_never_runs(member_client, workspace, actor):
    note = create_record(workspace, "note", {"title": "Call", "bodyV2": {"markdown": HOSTILE}}, actor)
    page = member_client.get(reverse("records:detail", args=["notes", note["id"]])).content.decode()
    assert "<script>document.title" not in page
    assert "&lt;script&gt;document.title" in page
    assert "&lt;img src=x onerror=" in page
    # No element of the page carries the handler: it is only ever text.
    assert not re.search(r"<[a-z][^<>]*\sonerror=", page)
    assert 'href="javascript:' not in page


def test_the_list_shows_the_markdown_as_text(member_client, workspace, actor):
    create_record(workspace, "task", {"title": "Call", "bodyV2": {"markdown": "## Plan"}}, actor)
    page = member_client.get(reverse("records:list", args=["tasks"])).content.decode()
    assert "## Plan" in page and "<h2>Plan</h2>" not in page


def test_a_body_sent_as_an_editor_document_only_shows_its_words(member_client, workspace, actor):
    note = create_record(workspace, "note", {"title": "Call", "bodyV2": {"blocknote": BLOCKNOTE}}, actor)
    page = member_client.get(reverse("records:detail", args=["notes", note["id"]])).content.decode()
    assert "Call went well" in page and '"type"' not in page
