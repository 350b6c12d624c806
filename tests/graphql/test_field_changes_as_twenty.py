"""Changing a picklist's options and a field's default as Twenty's metadata integration
tests do: records follow a renamed or removed option, and defaults are spelled as Twenty
spells them (text in single quotes, ``now`` bare)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from graphql_client import ask
from metadata_client import data_of, meta

from crm.models import FieldMetadata

CREATE_OBJECT = """mutation($input: CreateOneObjectInput!) { createOneObject(input: $input) { id } }"""
CREATE_FIELD = """mutation($input: CreateOneFieldMetadataInput!) {
  createOneField(input: $input) { id options defaultValue } }"""
UPDATE_FIELD = """mutation($input: UpdateOneFieldMetadataInput!) {
  updateOneField(input: $input) { id options defaultValue } }"""
THREE_OPTIONS = [
    {"label": "Option 1", "value": "OPTION_1", "color": "green", "position": 0},
    {"label": "Option 2", "value": "OPTION_2", "color": "blue", "position": 1},
    {"label": "Option 3", "value": "OPTION_3", "color": "red", "position": 2},
]


@pytest.fixture
def object_id(api, api_token):
    labels = {"labelSingular": "Test Select Object", "labelPlural": "Test Select Objects"}
    names = {"nameSingular": "testSelectObject", "namePlural": "testSelectObjects"}
    created = meta(api, api_token, CREATE_OBJECT, {"input": {"object": {**names, **labels, "icon": "IconTestPipe"}}})
    return data_of(created)["createOneObject"]["id"]


def create_field(api, token, object_id, **field):
    payload = {"objectMetadataId": object_id, "isLabelSyncedWithName": False, **field}
    return data_of(meta(api, token, CREATE_FIELD, {"input": {"field": payload}}))["createOneField"]


def update_field(api, token, field_id, **changes):
    return data_of(meta(api, token, UPDATE_FIELD, {"input": {"id": field_id, "update": changes}}))["updateOneField"]


def record(api, document):
    answer = ask(api, document)
    assert "errors" not in answer, answer
    return next(iter(answer["data"].values()))


def option_ids(field):
    return {option["value"]: option["id"] for option in field["options"]}


def test_records_follow_a_renamed_option_and_a_new_default_applies_only_to_new_records(api, api_token, object_id):
    """Twenty's successful-update-default-value-option-value-and-side-effect-on-records."""
    field = create_field(
        api, api_token, object_id, type="SELECT", name="statusField", label="Status", options=THREE_OPTIONS,
        defaultValue="'OPTION_1'",
    )  # fmt: skip
    assert field["defaultValue"] == "'OPTION_1'"
    first = record(api, "mutation { createTestSelectObject(data: {}) { id statusField } }")
    assert first["statusField"] == "OPTION_1"

    ids = option_ids(field)
    renamed = [{**THREE_OPTIONS[0], "value": "OPTION_1_MODIFIED"}, *THREE_OPTIONS[1:]]
    updated = update_field(
        api, api_token, field["id"], defaultValue="'OPTION_1_MODIFIED'",
        options=[{**option, "id": ids[old["value"]]} for option, old in zip(renamed, THREE_OPTIONS, strict=True)],
    )  # fmt: skip

    assert updated["defaultValue"] == "'OPTION_1_MODIFIED'"
    found = record(api, f'{{ testSelectObject(filter: {{id: {{eq: "{first["id"]}"}}}}) {{ statusField }} }}')
    assert found["statusField"] == "OPTION_1_MODIFIED"

    assert update_field(api, api_token, field["id"], defaultValue="'OPTION_2'")["defaultValue"] == "'OPTION_2'"
    second = record(api, "mutation { createTestSelectObject(data: {}) { statusField } }")
    found = record(api, f'{{ testSelectObject(filter: {{id: {{eq: "{first["id"]}"}}}}) {{ statusField }} }}')
    assert (second["statusField"], found["statusField"]) == ("OPTION_2", "OPTION_1_MODIFIED")


def test_a_removed_multi_select_option_leaves_the_records_that_held_it(api, api_token, object_id):
    """Twenty's successful-remove-multi-select-option-side-effect-on-records."""
    field = create_field(api, api_token, object_id, type="MULTI_SELECT", name="tagField", label="Tags",
                         options=THREE_OPTIONS)  # fmt: skip
    made = {
        tags: record(api, f"mutation {{ createTestSelectObject(data: {{tagField: [{tags}]}}) {{ id }} }}")["id"]
        for tags in ("OPTION_1, OPTION_2", "OPTION_2", "OPTION_1, OPTION_3")
    }
    ids = option_ids(field)
    kept = [{**THREE_OPTIONS[0], "id": ids["OPTION_1"]}, {**THREE_OPTIONS[2], "id": ids["OPTION_3"], "position": 1}]

    assert len(update_field(api, api_token, field["id"], options=kept)["options"]) == 2

    listed = record(api, "{ testSelectObjects { edges { node { id tagField } } } }")["edges"]
    after = {edge["node"]["id"]: edge["node"]["tagField"] for edge in listed}
    assert after[made["OPTION_1, OPTION_2"]] == ["OPTION_1"]
    assert not after[made["OPTION_2"]]
    assert after[made["OPTION_1, OPTION_3"]] == ["OPTION_1", "OPTION_3"]


def test_a_removed_select_option_empties_the_records_and_the_default_that_held_it(api, api_token, object_id):
    field = create_field(api, api_token, object_id, type="SELECT", name="statusField", label="Status",
                         options=THREE_OPTIONS, defaultValue="OPTION_2")  # fmt: skip
    held = record(api, "mutation { createTestSelectObject(data: {}) { id } }")["id"]
    other = record(api, "mutation { createTestSelectObject(data: {statusField: OPTION_3}) { id } }")["id"]
    ids = option_ids(field)

    updated = update_field(
        api, api_token, field["id"], options=[{**o, "id": ids[o["value"]]} for o in THREE_OPTIONS[::2]]
    )

    assert updated["defaultValue"] is None
    listed = record(api, "{ testSelectObjects { edges { node { id statusField } } } }")["edges"]
    assert {edge["node"]["id"]: edge["node"]["statusField"] for edge in listed} == {held: None, other: "OPTION_3"}
    rest = api.get("/rest/testSelectObjects?filter=statusField[eq]:OPTION_3").json()["data"]["testSelectObjects"]
    assert [r["id"] for r in rest] == [other]


def test_options_sent_again_without_their_ids_keep_the_records_values(api, api_token, object_id):
    field = create_field(api, api_token, object_id, type="SELECT", name="statusField", label="Status",
                         options=THREE_OPTIONS)  # fmt: skip
    held = record(api, "mutation { createTestSelectObject(data: {statusField: OPTION_3}) { id } }")["id"]

    update_field(api, api_token, field["id"], options=[{**o, "label": o["label"].upper()} for o in THREE_OPTIONS])

    found = record(api, f'{{ testSelectObject(filter: {{id: {{eq: "{held}"}}}}) {{ statusField }} }}')
    assert found["statusField"] == "OPTION_3"


@pytest.mark.parametrize(
    ("field", "sent", "read_back", "record_value"),
    [
        ({"type": "TEXT"}, "'hello'", "'hello'", "hello"),
        ({"type": "TEXT"}, "hello", "'hello'", "hello"),
        ({"type": "NUMBER"}, 7, 7, 7),
        ({"type": "BOOLEAN"}, True, True, True),
        ({"type": "SELECT", "options": THREE_OPTIONS}, "'OPTION_1'", "'OPTION_1'", "OPTION_1"),
        ({"type": "MULTI_SELECT", "options": THREE_OPTIONS}, ["'OPTION_1'", "'OPTION_2'"], ["'OPTION_1'", "'OPTION_2'"],
         ["OPTION_1", "OPTION_2"]),
        ({"type": "CURRENCY"}, {"amountMicros": "'1000000'", "currencyCode": "'USD'"},
         {"amountMicros": "'1000000'", "currencyCode": "'USD'"}, {"amountMicros": 1000000, "currencyCode": "USD"}),
        ({"type": "CURRENCY"}, {"amountMicros": None, "currencyCode": "'GBP'"},
         {"amountMicros": None, "currencyCode": "'GBP'"}, {"amountMicros": None, "currencyCode": "GBP"}),
        ({"type": "FULL_NAME"}, {"firstName": "'Ada'", "lastName": "''"}, {"firstName": "'Ada'", "lastName": "''"},
         {"firstName": "Ada", "lastName": ""}),
    ],
)  # fmt: skip
def test_defaults_in_twentys_spelling_are_read_back_so_and_given_to_new_records(
    api, api_token, object_id, field, sent, read_back, record_value
):
    created = create_field(api, api_token, object_id, name="probe", label="Probe", defaultValue=sent, **field)

    assert created["defaultValue"] == read_back
    made = api.post("/rest/testSelectObjects", {}, content_type="application/json")
    assert made.status_code == 201, made.json()
    value = made.json()["data"]["createTestSelectObject"]["probe"]
    if isinstance(record_value, dict):
        value = {key: value[key] for key in record_value}
    assert value == record_value


@pytest.mark.parametrize("field_type", ["DATE_TIME", "DATE"])
def test_a_date_defaulting_to_now_is_the_moment_each_record_is_made(api, api_token, object_id, field_type):
    created = create_field(api, api_token, object_id, name="probe", label="Probe", type=field_type, defaultValue="now")
    before = datetime.now(UTC)

    made = api.post("/rest/testSelectObjects", {}, content_type="application/json").json()

    assert created["defaultValue"] == "now"
    value = made["data"]["createTestSelectObject"]["probe"]
    if field_type == "DATE":
        assert value == before.date().isoformat()
    else:
        assert abs((datetime.fromisoformat(value.replace("Z", "+00:00")) - before).total_seconds()) < 60


def test_standard_defaults_read_as_twenty_spells_them(api, api_token, workspace):
    fields = data_of(meta(api, api_token, "{ fields(paging: {first: 1000}) { edges { node { name defaultValue } } } }"))
    by_name = {edge["node"]["name"]: edge["node"]["defaultValue"] for edge in fields["fields"]["edges"]}
    stage = FieldMetadata.objects.get(workspace=workspace, object__name_singular="opportunity", name="stage")

    assert (by_name["id"], by_name["createdAt"]) == ("uuid", "now")
    assert api.get(f"/rest/metadata/fields/{stage.id}").json()["data"]["field"]["defaultValue"] == "'NEW'"


def test_a_field_names_its_object_and_its_standard_overrides(api, api_token, object_id):
    create_field(api, api_token, object_id, type="TEXT", name="probe", label="Probe")
    query = """query($id: UUID!) { fields(paging: {first: 100}, filter: {objectMetadataId: {eq: $id}}) {
      edges { node { name standardOverrides object { id nameSingular labelPlural } } } } }"""

    nodes = [edge["node"] for edge in data_of(meta(api, api_token, query, {"id": object_id}))["fields"]["edges"]]

    assert {node["object"]["nameSingular"] for node in nodes} == {"testSelectObject"}
    assert nodes[0]["object"] == {
        "id": object_id,
        "nameSingular": "testSelectObject",
        "labelPlural": "Test Select Objects",
    }
    assert all(node["standardOverrides"] is None for node in nodes)


UPDATE_OBJECT = """mutation($input: UpdateOneObjectInput!) {
  updateOneObject(input: $input) { labelIdentifierFieldMetadataId imageIdentifierFieldMetadataId } }"""


def test_an_object_takes_the_fields_that_name_and_picture_its_records(api, api_token, object_id):
    named = create_field(api, api_token, object_id, type="TEXT", name="displayName", label="Display name")
    picture = create_field(api, api_token, object_id, type="LINKS", name="avatar", label="Avatar")
    ids = {"labelIdentifierFieldMetadataId": named["id"], "imageIdentifierFieldMetadataId": picture["id"]}

    updated = data_of(meta(api, api_token, UPDATE_OBJECT, {"input": {"id": object_id, "update": ids}}))

    assert updated["updateOneObject"] == ids
    described = api.get(f"/rest/metadata/objects/{object_id}").json()["data"]["object"]
    assert (described["labelIdentifierFieldMetadataId"], described["labelIdentifierFieldName"]) == (
        named["id"],
        "displayName",
    )
    reset = {"labelIdentifierFieldMetadataId": None}
    back = data_of(meta(api, api_token, UPDATE_OBJECT, {"input": {"id": object_id, "update": reset}}))
    name_field = FieldMetadata.objects.get(object_id=object_id, name="name")
    assert back["updateOneObject"]["labelIdentifierFieldMetadataId"] == str(name_field.id)


@pytest.mark.parametrize(
    ("key", "field_name", "message"),
    [
        ("labelIdentifierFieldMetadataId", "avatar", "a record is named by a field of type"),
        ("labelIdentifierFieldMetadataId", None, "has no field with id"),
        ("imageIdentifierFieldMetadataId", None, "has no field with id"),
    ],
)
def test_an_identifier_field_must_be_one_of_the_objects_own(api, api_token, object_id, workspace, key, field_name,
                                                            message):  # fmt: skip
    create_field(api, api_token, object_id, type="LINKS", name="avatar", label="Avatar")
    other = FieldMetadata.objects.get(workspace=workspace, object__name_singular="person", name="city")
    field_id = str(FieldMetadata.objects.get(object_id=object_id, name=field_name).id) if field_name else str(other.id)

    answer = meta(api, api_token, UPDATE_OBJECT, {"input": {"id": object_id, "update": {key: field_id}}}).json()

    assert message in str(answer["errors"][0]), answer


def option(**changes):
    return {"label": "Option 1", "value": "OPTION_1", "color": "green", "position": 1, **changes}


# Twenty's select-and-multi-select-operation-agnostic failing cases.
REFUSED_OPTIONS = {
    "invalid option id": [option(id="not a uuid")],
    "blank option id": [option(id="          ")],
    "empty options": [],
    "invalid value format": [option(value="Option 1 and some other things, /")],
    "comma in label": [option(label="Option ,1")],
    "duplicated values": [option(position=0), option()],
    "duplicated ids": [option(id="fd1f11fd-3f05-4a33-bddf-800c3412ce98"),
                       option(value="OPTION_2", position=2, id="fd1f11fd-3f05-4a33-bddf-800c3412ce98")],
    "duplicated positions": [option(), option(value="OPTION_2", label="Option 2")],
    "duplicated trimmed values": [option(value="         OPTION_1      "), option(value="   OPTION_1  ", position=2)],
    "undefined value": [option(value=None)],
}  # fmt: skip


@pytest.mark.parametrize("field_type", ["SELECT", "MULTI_SELECT"])
@pytest.mark.parametrize("options", REFUSED_OPTIONS.values(), ids=REFUSED_OPTIONS.keys())
def test_options_twenty_refuses_are_refused(api, api_token, object_id, field_type, options):
    payload = {"objectMetadataId": object_id, "type": field_type, "name": "probe", "label": "Probe", "options": options}

    answer = meta(api, api_token, CREATE_FIELD, {"input": {"field": payload}}).json()

    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", answer
    assert not FieldMetadata.objects.filter(name="probe").exists()


def test_option_values_and_labels_are_trimmed_as_in_twenty(api, api_token, object_id):
    padded = option(label="       Option        1       ", value="        OPTION_1        ")

    created = create_field(api, api_token, object_id, type="SELECT", name="probe", label="Probe", options=[padded])

    assert [(o["label"], o["value"]) for o in created["options"]] == [("Option 1", "OPTION_1")]


@pytest.mark.parametrize("name", ["type", "address", "event", "index", "user", "links", "aggregate"])
def test_names_twenty_reserves_are_not_available_for_fields(api, api_token, object_id, name):
    payload = {"objectMetadataId": object_id, "type": "TEXT", "name": name, "label": "Probe"}

    answer = meta(api, api_token, CREATE_FIELD, {"input": {"field": payload}}).json()

    assert answer["errors"][0]["extensions"]["fieldErrors"] == {"name": [f'The name "{name}" is not available']}


def test_a_rating_field_has_twentys_five_options_and_works_as_a_select(api, api_token, object_id):
    created = create_field(api, api_token, object_id, type="RATING", name="score", label="Score",
                           defaultValue="'RATING_3'")  # fmt: skip

    assert [(o["value"], o["label"], o["position"]) for o in created["options"]] == [
        (f"RATING_{n}", str(n), n - 1) for n in range(1, 6)
    ]
    assert created["defaultValue"] == "'RATING_3'"
    made = record(api, "mutation { createTestSelectObject(data: {}) { id score } }")
    rated = record(api, "mutation { createTestSelectObject(data: {score: RATING_5}) { id score } }")
    assert (made["score"], rated["score"]) == ("RATING_3", "RATING_5")
    found = record(api, "{ testSelectObjects(filter: {score: {in: [RATING_5]}}) { edges { node { id } } } }")
    assert [edge["node"]["id"] for edge in found["edges"]] == [rated["id"]]
    refused = api.post("/rest/testSelectObjects", {"score": "RATING_6"}, content_type="application/json")
    assert refused.status_code == 400
    described = api.get(f"/rest/metadata/fields/{created['id']}").json()["data"]["field"]
    assert described["type"] == "RATING"


def test_a_rating_takes_only_its_own_options(api, api_token, object_id):
    payload = {"objectMetadataId": object_id, "type": "RATING", "name": "score", "label": "Score",
               "options": [option(value="STARS_1")]}  # fmt: skip

    answer = meta(api, api_token, CREATE_FIELD, {"input": {"field": payload}}).json()

    assert "RATING_1, RATING_2" in str(answer["errors"][0]["extensions"]["fieldErrors"]["options"])


@pytest.mark.parametrize("name", ["myURL", "line2b", "vATNumber"])
def test_names_lodash_would_write_otherwise_are_refused_in_twentys_words(api, api_token, object_id, name):
    payload = {"objectMetadataId": object_id, "type": "TEXT", "name": name, "label": "Probe"}

    answer = meta(api, api_token, CREATE_FIELD, {"input": {"field": payload}}).json()

    assert answer["errors"][0]["extensions"]["fieldErrors"] == {"name": [f"Name should be in camelCase: {name}"]}
    assert not FieldMetadata.objects.filter(name=name).exists()


def test_camel_case_names_with_digits_and_short_words_are_taken(api, api_token, object_id):
    create_field(api, api_token, object_id, type="TEXT", name="address2Street", label="Street")

    assert FieldMetadata.objects.filter(name="address2Street").exists()
