"""Records built as JSON by the database (crm.query.json_record) read exactly as the
record serializer writes them, field for field, on whichever database the suite runs:
standard columns of every type, composites, custom values of every type, and related
records (live ones of the same workspace only)."""

from __future__ import annotations

import orjson
import pytest
from django.db import connection

from crm.metadata.schema import get_workspace_schema
from crm.query.json_record import (
    Composite,
    Constant,
    RecordJson,
    Related,
    Shape,
    Value,
    full_shape,
    shape_with_relations,
)
from crm.query.listing import embed_relations
from crm.query.record_queries import records
from crm.query.serialize import compile_serializer
from crm.services.fields import create_custom_field
from crm.services.records import create_record, delete_record

OPTIONS = [{"value": "GOLD", "label": "Gold"}, {"value": "SILVER", "label": "Silver"}]
CUSTOM_FIELDS = [
    ("tierText", "TEXT", {}, 'hello "quoted" \\ é'),
    ("score", "NUMBER", {}, 4.5),
    ("vip", "BOOLEAN", {}, True),
    ("renewsAt", "DATE_TIME", {}, "2025-03-01T10:00:00+02:00"),
    ("signedOn", "DATE", {}, "2025-03-01"),
    ("tier", "SELECT", {"options": OPTIONS}, "GOLD"),
    ("tiers", "MULTI_SELECT", {"options": OPTIONS}, ["GOLD", "SILVER"]),
    ("budget", "CURRENCY", {}, {"amountMicros": 12_000_000, "currencyCode": "EUR"}),
    ("contacts", "EMAILS", {}, {"primaryEmail": "a@b.co", "additionalEmails": ["c@d.co"]}),
]


@pytest.fixture
def data(workspace, actor):
    for name, field_type, extra, _value in CUSTOM_FIELDS:
        create_custom_field(
            workspace, {"objectName": "company", "name": name, "label": name, "type": field_type, **extra}
        )
    workspace.refresh_from_db()
    full = create_record(
        workspace,
        "company",
        {
            "name": "Acme",
            "domainName": {"primaryLinkUrl": "https://acme.example.com", "secondaryLinks": [{"url": "x.example.com"}]},
            "employees": 12,
            "annualRecurringRevenue": {"amountMicros": 5_000_000_000, "currencyCode": "USD"},
            "address": {"addressCity": "Paris", "addressLat": 48.85},
            "idealCustomerProfile": True,
            **{name: value for name, _type, _extra, value in CUSTOM_FIELDS},
        },
        actor,
    )
    empty = create_record(workspace, "company", {}, actor)
    gone = create_record(workspace, "company", {"name": "Gone"}, actor)
    people = [
        create_record(
            workspace,
            "person",
            {
                "name": {"firstName": "Ada", "lastName": "Lovelace"},
                "emails": {"primaryEmail": f"ada{index}@example.com", "additionalEmails": ["a@x.co"]},
                "companyId": company_id,
            },
            actor,
        )
        for index, company_id in enumerate((full["id"], empty["id"], gone["id"], None))
    ]
    delete_record(workspace, "company", gone["id"], actor)
    return full, empty, people


def built(workspace, name, shape):
    obj = get_workspace_schema(workspace).objects[name]
    rows = records(workspace, obj).annotate(_json=RecordJson(obj, shape)).order_by("position", "id")
    return {str(row["id"]): orjson.loads(row["_json"]) for row in rows.values("id", "_json")}


def serialized(workspace, name):
    obj = get_workspace_schema(workspace).objects[name]
    columns, serialize = compile_serializer(obj)
    return {str(row["id"]): serialize(row) for row in records(workspace, obj).values(*columns)}


@pytest.mark.parametrize("name", ["company", "person", "opportunity", "note", "task"])
def test_every_field_reads_as_the_serializer_writes_it(workspace, data, name):
    obj = get_workspace_schema(workspace).objects[name]

    assert built(workspace, name, full_shape(obj)) == serialized(workspace, name)


def test_a_company_with_every_kind_of_value_is_rebuilt_exactly(workspace, data):
    full, _empty, _people = data
    obj = get_workspace_schema(workspace).objects["company"]

    answer = built(workspace, "company", full_shape(obj))

    assert list(answer[full["id"]]) == [f.name for f in obj.value_fields]
    assert answer[full["id"]] == full
    assert answer[full["id"]]["renewsAt"] == "2025-03-01T08:00:00.000Z"


def test_related_records_are_the_live_ones_of_the_same_workspace(workspace, data):
    full, empty, people = data
    schema = get_workspace_schema(workspace)
    person, company = schema.objects["person"], schema.objects["company"]
    shape = Shape(
        (
            Value("id", person.fields["id"]),
            Composite("fullName", person.fields["name"], (("first", person.fields["name"].subfield("firstName")),)),
            Related(
                "employer",
                person.fields["company"],
                company,
                Shape((Value("name", company.fields["name"]), Constant("__typename", "Company"))),
            ),
        )
    )

    answer = built(workspace, "person", shape)

    assert [answer[p["id"]] for p in people] == [
        {"id": people[0]["id"], "fullName": {"first": "Ada"}, "employer": {"name": "Acme", "__typename": "Company"}},
        {"id": people[1]["id"], "fullName": {"first": "Ada"}, "employer": {"name": "", "__typename": "Company"}},
        {"id": people[2]["id"], "fullName": {"first": "Ada"}, "employer": None},  # soft-deleted
        {"id": people[3]["id"], "fullName": {"first": "Ada"}, "employer": None},
    ]
    assert full["id"] != empty["id"]


def test_milliseconds_are_cut_not_rounded(workspace, actor):
    create_record(workspace, "task", {"title": "t", "dueAt": "2025-01-02T03:04:05.999999Z"}, actor)
    obj = get_workspace_schema(workspace).objects["task"]

    (answer,) = built(workspace, "task", Shape((Value("dueAt", obj.fields["dueAt"]),))).values()

    assert answer == {"dueAt": "2025-01-02T03:04:05.999Z"}
    assert connection.vendor in ("postgresql", "sqlite")


@pytest.mark.parametrize("name", ["company", "person", "opportunity", "note"])
def test_depth_1_built_by_the_database_reads_as_the_relations_embedded_one_by_one(workspace, data, actor, name):
    full, _empty, people = data
    deal = {"name": "Deal", "companyId": full["id"], "pointOfContactId": people[0]["id"]}
    create_record(workspace, "opportunity", deal, actor)
    note = create_record(workspace, "note", {"title": "Met"}, actor)
    create_record(workspace, "noteTarget", {"noteId": note["id"], "personId": people[0]["id"]}, actor)
    create_record(workspace, "noteTarget", {"noteId": note["id"], "companyId": full["id"]}, actor)
    schema = get_workspace_schema(workspace)
    obj = schema.objects[name]
    shape = shape_with_relations(obj, schema.objects)
    assert shape is not None, "each relation of these objects is built by the database"

    by_database = built(workspace, name, shape)
    one_by_one = serialized(workspace, name)
    embed_relations(workspace, obj, list(one_by_one.values()))

    assert by_database == one_by_one
    # Keys in the same order too: the answers read the same.
    assert [list(record) for record in by_database.values()] == [list(one_by_one[key]) for key in by_database]


def test_a_relation_to_workspace_members_leaves_depth_1_to_embedding(workspace):
    schema = get_workspace_schema(workspace)

    # A task's assignee is a workspace member, not a record: embed_relations reads it.
    assert shape_with_relations(schema.objects["task"], schema.objects) is None
