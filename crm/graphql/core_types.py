"""The GraphQL types of one workspace, generated from its compiled metadata.

Every build makes a fresh set of graphene classes, so two workspaces (or two
versions of one workspace's metadata) never share a type that carries fields of
the other. Names follow Twenty: ``Person``, ``PersonConnection``, ``PersonEdge``,
``PersonFilterInput``, ``PersonOrderByInput``, ``PersonCreateInput``,
``PersonUpdateInput``; composite values are ``FullName``, ``Emails``, ``Links``,
``Currency``, ``Address``, ``Phones``, ``Actor``; SELECT fields are enums named
``{Object}{Field}Enum`` (``OpportunityStageEnum``).

Output fields read the dicts produced by the compiled serializer with a plain
getter each, so resolving a record costs no per-field graphene machinery.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from enum import Enum as PyEnum
from typing import Any

import graphene

from crm.graphql import scalars
from crm.graphql.errors import UserInputError
from crm.graphql.prefetch import resolve_relation
from crm.metadata.composite_types import COMPOSITE_TYPES, SubFieldSpec
from crm.metadata.schema import CompiledField, CompiledObject, WorkspaceSchema
from crm.query.ast import IS_VALUES, ORDER_DIRECTIONS
from crm.services.aggregates import TOTAL_COUNT, Aggregate, object_aggregates
from crm.services.record_input import CREATE_ONLY_FIELDS, READ_ONLY_FIELDS
from crm.services.upsert_matching import unique_fields

logger = logging.getLogger(__name__)

GRAPHQL_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
RESERVED_FILTER_KEYS = frozenset({"and", "or", "not"})

COMPOSITE_NAMES = {
    "FULL_NAME": "FullName",
    "EMAILS": "Emails",
    "PHONES": "Phones",
    "LINKS": "Links",
    "CURRENCY": "Currency",
    "ADDRESS": "Address",
    "ACTOR": "Actor",
    "RICH_TEXT_V2": "RichTextV2",
}

COMPARISONS = ("eq", "neq", "in", "gt", "gte", "lt", "lte", "is")
TEXT_OPERATORS = (*COMPARISONS, "startsWith", "endsWith", "like", "ilike")
EQUALITY_OPERATORS = ("eq", "neq", "in", "is")
LIST_OPERATORS = ("containsAny", "is")
# A list of strings or a JSON sub-field also takes a LIKE pattern over its JSON text, as in Twenty.
ARRAY_OPERATORS = ("containsAny", "like", "is")

Resolver = Callable[..., Any]

READ_FILTER_NOTE = "Which records; soft-deleted ones only when the filter names deletedAt (a trash view)"

# Field type -> (GraphQL scalar, filter input name, filter operators). INT is NUMBER with dataType int.
SCALAR_TYPES: dict[str, tuple[Any, str, tuple[str, ...]]] = {
    "TEXT": (graphene.String, "StringFilter", TEXT_OPERATORS),
    "SELECT": (graphene.String, "StringFilter", TEXT_OPERATORS),  # a select without options
    "INT": (graphene.Int, "IntFilter", COMPARISONS),
    "NUMBER": (graphene.Float, "FloatFilter", COMPARISONS),
    "POSITION": (graphene.Float, "FloatFilter", COMPARISONS),
    "BOOLEAN": (graphene.Boolean, "BooleanFilter", EQUALITY_OPERATORS),
    "DATE_TIME": (scalars.DateTime, "DateTimeFilter", COMPARISONS),
    "DATE": (scalars.Date, "DateFilter", COMPARISONS),
    "UUID": (scalars.UUID, "UUIDFilter", COMPARISONS),  # ranges of ids too, as in Twenty
}


def getter(name: str) -> Resolver:
    def resolve(root: dict[str, Any], _info: Any) -> Any:
        return root.get(name)

    # Lets the fast execution path read the key without calling the resolver.
    resolve.dict_key = name  # type: ignore[attr-defined]
    return resolve


def aggregate_scalar(aggregate: Aggregate) -> Any:
    """The GraphQL type of an aggregate's value, as Twenty types it."""
    if aggregate.returns_datetime:
        return scalars.DateTime
    return graphene.Int if aggregate.kind == "count" else graphene.Float


def list_aggregate_getter(name: str) -> Resolver:
    """An aggregate over a list: the list resolver computed it when it was selected. A
    relation's connection (a company's people) has none."""

    def resolve(root: dict[str, Any], _info: Any) -> Any:
        if name not in root:
            raise UserInputError(f"{name} is computed on a list at the root of the query only.")
        return root[name]

    return resolve


def _meta(name: str, description: str = "") -> type:
    return type("Meta", (), {"name": name, "description": description or None})


def object_type(name: str, fields: dict[str, Any], description: str = "") -> type[graphene.ObjectType]:
    return type(name, (graphene.ObjectType,), {**fields, "Meta": _meta(name, description)})


def input_type(name: str, fields: dict[str, Any], description: str = "") -> type[graphene.InputObjectType]:
    return type(name, (graphene.InputObjectType,), {**fields, "Meta": _meta(name, description)})


def enum_type(name: str, values: list[tuple[str, str]], description: str = "") -> type[graphene.Enum]:
    return graphene.Enum.from_enum(PyEnum(name, values), description=description or f"Values of {name}")


def enum_member_name(value: str, taken: set[str]) -> str:
    """A GraphQL enum value name for an option value (they are usually already valid)."""
    name = re.sub(r"[^_0-9A-Za-z]", "_", value) or "_"
    if name[0].isdigit() or name in ("true", "false", "null"):
        name = f"_{name}"
    base, suffix = name, 2
    while name in taken:
        name, suffix = f"{base}_{suffix}", suffix + 1
    taken.add(name)
    return name


def valid_name(name: str) -> bool:
    return bool(GRAPHQL_NAME.match(name)) and not name.startswith("__")


def capitalize(name: str) -> str:
    return name[0].upper() + name[1:]


class CoreTypes:
    """All types of one build. Create one per schema build, never reuse."""

    def __init__(self, workspace_schema: WorkspaceSchema) -> None:
        self.workspace_schema = workspace_schema
        self.objects: dict[str, CompiledObject] = {
            name: obj for name, obj in workspace_schema.objects.items() if valid_name(obj.capitalized)
        }
        self.order_direction = enum_type(
            "OrderByDirection",
            [(d, d) for d in sorted(ORDER_DIRECTIONS)],
            "Sort direction and where empty values go",
        )
        self.filter_is = enum_type("FilterIs", [(v, v) for v in sorted(IS_VALUES)], "Test for an empty value")
        self.page_info = object_type(
            "PageInfo",
            {
                "hasNextPage": graphene.Boolean(required=True, resolver=getter("hasNextPage")),
                "hasPreviousPage": graphene.Boolean(required=True, resolver=getter("hasPreviousPage")),
                "startCursor": graphene.String(resolver=getter("startCursor")),
                "endCursor": graphene.String(resolver=getter("endCursor")),
            },
            "Where this page sits in the whole list",
        )
        self._scalar_filters: dict[str, type[graphene.InputObjectType]] = {}
        self._composites: dict[str, dict[str, Any]] = {}
        self._relation_inputs: dict[str, type[graphene.InputObjectType]] = {}
        self._enums: dict[int, type[graphene.Enum] | None] = {}
        self._enum_filters: dict[tuple[int, bool], type[graphene.InputObjectType]] = {}
        self.record_types: dict[str, type[graphene.ObjectType]] = {}
        self.edge_types: dict[str, type[graphene.ObjectType]] = {}
        self.connection_types: dict[str, type[graphene.ObjectType]] = {}
        self.filter_inputs: dict[str, type[graphene.InputObjectType]] = {}
        self.order_inputs: dict[str, type[graphene.InputObjectType]] = {}
        self.create_inputs: dict[str, type[graphene.InputObjectType]] = {}
        self.update_inputs: dict[str, type[graphene.InputObjectType]] = {}
        self.workspace_member = object_type(
            "WorkspaceMember",
            {
                "id": graphene.Field(scalars.UUID, required=True, resolver=getter("id")),
                "name": graphene.Field(lambda: self.composite("FULL_NAME")["output"], resolver=getter("name")),
                "userEmail": graphene.String(resolver=getter("userEmail")),
            },
            "A member of the workspace",
        )
        for obj in self.objects.values():
            self._build_object(obj)

    # --- scalars and composites -------------------------------------------------------

    def scalar_filter(self, name: str, scalar: Any, operators: tuple[str, ...]) -> type[graphene.InputObjectType]:
        if name not in self._scalar_filters:
            self._scalar_filters[name] = input_type(
                name, self._operator_fields(scalar, operators), "Conditions on one value; several are combined with AND"
            )
        return self._scalar_filters[name]

    def _operator_fields(self, scalar: Any, operators: tuple[str, ...]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for op in operators:
            if op == "is":
                fields[op] = graphene.InputField(self.filter_is)
            elif op in ("in", "containsAny"):
                fields[op] = graphene.InputField(graphene.List(graphene.NonNull(scalar)))
            else:
                fields[op] = graphene.InputField(scalar)
        return fields

    def sub_field_types(self, spec: SubFieldSpec) -> tuple[Any, type[graphene.InputObjectType] | None]:
        """Output scalar and filter input of a composite sub-field."""
        if spec.kind == "text":
            return graphene.String, self.scalar_filter("StringFilter", graphene.String, TEXT_OPERATORS)
        if spec.kind == "bigint":
            return scalars.BigFloat, self.scalar_filter("BigFloatFilter", scalars.BigFloat, COMPARISONS)
        if spec.kind == "float":
            return graphene.Float, self.scalar_filter("FloatFilter", graphene.Float, COMPARISONS)
        if spec.kind == "uuid":
            return scalars.UUID, self.scalar_filter("UUIDFilter", scalars.UUID, COMPARISONS)
        return scalars.RawJSONScalar, self.scalar_filter("ArrayFilter", graphene.String, ARRAY_OPERATORS)

    def composite(self, field_type: str) -> dict[str, Any]:
        """Output, create/update input, filter and order input of a composite type."""
        if field_type not in self._composites:
            base = COMPOSITE_NAMES[field_type]
            specs = COMPOSITE_TYPES[field_type]
            outputs, inputs, filters, orders = {}, {}, {}, {}
            for spec in specs:
                scalar, filter_input = self.sub_field_types(spec)
                outputs[spec.name] = graphene.Field(scalar, resolver=getter(spec.name))
                inputs[spec.name] = graphene.InputField(scalar)
                filters[spec.name] = graphene.InputField(filter_input)
                if spec.kind != "list":
                    orders[spec.name] = graphene.InputField(self.order_direction)
            if field_type == "ACTOR":
                # Twenty's actors carry a context, which its clients select and send; none
                # is stored here, so it reads as null and only an empty one may be written.
                outputs["context"] = graphene.Field(
                    scalars.RawJSONScalar, resolver=getter("context"), description="Not stored: always null"
                )
                inputs["context"] = graphene.InputField(scalars.RawJSONScalar, description="Only {} or null")
            self._composites[field_type] = {
                "output": object_type(base, outputs),
                "create": input_type(f"{base}CreateInput", inputs),
                "update": input_type(f"{base}UpdateInput", dict(inputs)),
                "filter": input_type(f"{base}Filter", filters),
                "order": input_type(f"{base}OrderByInput", orders),
            }
        return self._composites[field_type]

    def enum(self, obj: CompiledObject, field: CompiledField) -> type[graphene.Enum] | None:
        if id(field) not in self._enums:
            taken: set[str] = set()
            values = [(enum_member_name(str(o["value"]), taken), str(o["value"])) for o in field.options]
            name = f"{obj.capitalized}{capitalize(field.name)}Enum"
            description = f"Options of {obj.label_singular} {field.label}"
            self._enums[id(field)] = enum_type(name, values, description) if values else None
        return self._enums[id(field)]

    def enum_filter(self, obj: CompiledObject, field: CompiledField, *, multi: bool) -> type[graphene.InputObjectType]:
        key = (id(field), multi)
        if key not in self._enum_filters:
            enum = self.enum(obj, field)
            name = f"{enum._meta.name}{'MultiSelect' if multi else ''}Filter"  # type: ignore[union-attr]
            operators = LIST_OPERATORS if multi else EQUALITY_OPERATORS
            self._enum_filters[key] = input_type(name, self._operator_fields(enum, operators))
        return self._enum_filters[key]

    # --- one field --------------------------------------------------------------------

    def value_types(self, obj: CompiledObject, field: CompiledField) -> tuple[Any, Any, Any, Any, Any]:
        """(output type, create input, update input, filter input, order input) of a stored field."""
        kind = field.type
        if field.is_composite and kind in COMPOSITE_NAMES:
            types = self.composite(kind)
            return types["output"], types["create"], types["update"], types["filter"], types["order"]
        order = self.order_direction
        if kind in ("SELECT", "MULTI_SELECT") and self.enum(obj, field) is not None:
            enum = self.enum(obj, field)
            if kind == "SELECT":
                return enum, enum, enum, self.enum_filter(obj, field, multi=False), order
            listed = graphene.List(graphene.NonNull(enum))
            return listed, listed, listed, self.enum_filter(obj, field, multi=True), None
        if kind == "MULTI_SELECT":  # without options: plain strings
            listed = graphene.List(graphene.NonNull(graphene.String))
            return listed, listed, listed, self.scalar_filter("ArrayFilter", graphene.String, ARRAY_OPERATORS), None
        scalar_kind = "INT" if kind == "NUMBER" and field.settings.get("dataType") == "int" else kind
        if scalar_kind in SCALAR_TYPES:
            scalar, filter_name, operators = SCALAR_TYPES[scalar_kind]
            # A position is read as a number and written as one, or as "first" / "last", as in Twenty.
            written = scalars.Position if kind == "POSITION" else scalar
            return scalar, written, written, self.scalar_filter(filter_name, scalar, operators), order
        logger.warning("No GraphQL type for field %s.%s of type %s", obj.name_singular, field.name, kind)
        return scalars.RawJSONScalar, None, None, None, None

    def connection_args(self, singular: str) -> dict[str, Any]:
        return {
            "filter": graphene.Argument(lambda: self.filter_inputs[singular], description=READ_FILTER_NOTE),
            # Items nullable, as Twenty declares it, so its clients' [XOrderByInput] variables fit.
            "orderBy": graphene.Argument(graphene.List(lambda: self.order_inputs[singular])),
            "first": graphene.Argument(graphene.Int, description="Page size going forward (at most 200)"),
            "offset": graphene.Argument(
                graphene.Int, description="Records to skip first, in the direction of the page (with first or last)"
            ),
            "after": graphene.Argument(graphene.String, description="Cursor of the record to start after"),
            "last": graphene.Argument(graphene.Int, description="Page size going backward (at most 200)"),
            "before": graphene.Argument(graphene.String, description="Cursor of the record to end before"),
        }

    # --- one object -------------------------------------------------------------------

    def _build_object(self, obj: CompiledObject) -> None:
        singular, name = obj.name_singular, obj.capitalized
        outputs: dict[str, Any] = {}
        creates: dict[str, Any] = {}
        updates: dict[str, Any] = {}
        filters: dict[str, Any] = {}
        orders: dict[str, Any] = {}
        for field in obj.fields.values():
            if not valid_name(field.name):
                logger.warning("Field %s.%s is not a valid GraphQL name; left out", singular, field.name)
                continue
            description = field.description or None
            if field.relation is not None:
                if field.relation.target in self.objects or field.relation.target == "workspaceMember":
                    outputs[field.name] = self._relation_field(field, description)
                if field.relation.kind == "MANY_TO_ONE" and field.relation.target in self.objects:
                    # Link by what names the other record (crm/services/relation_connect.py).
                    target = field.relation.target
                    creates[field.name] = updates[field.name] = graphene.InputField(
                        lambda target=target: self.relation_input(target)
                    )
                continue
            output, create, update, filter_input, order = self.value_types(obj, field)
            outputs[field.name] = graphene.Field(
                output, required=field.name == "id", description=description, resolver=getter(field.name)
            )
            if field.name not in READ_ONLY_FIELDS and create is not None:
                creates[field.name] = graphene.InputField(create, description=description)
                if field.name not in CREATE_ONLY_FIELDS:
                    # id included: an update may repeat the record's own id (and only that).
                    updates[field.name] = graphene.InputField(update, description=description)
            if filter_input is not None and field.name not in RESERVED_FILTER_KEYS:
                filters[field.name] = graphene.InputField(filter_input)
            if order is not None:
                orders[field.name] = graphene.InputField(order)
        # Twenty's records carry the search vector it keeps for its own search; documents
        # written for Twenty select it. Search here needs none, so it reads as null.
        outputs.setdefault("searchVector", graphene.Field(scalars.TSVector, resolver=lambda _root, _info: None))
        filters["and"] = graphene.InputField(graphene.List(graphene.NonNull(lambda: self.filter_inputs[singular])))
        filters["or"] = graphene.InputField(graphene.List(graphene.NonNull(lambda: self.filter_inputs[singular])))
        filters["not"] = graphene.InputField(lambda: self.filter_inputs[singular])
        self.record_types[singular] = object_type(name, outputs, obj.description)
        self.edge_types[singular] = object_type(
            f"{name}Edge",
            {
                "node": graphene.Field(self.record_types[singular], required=True, resolver=getter("node")),
                "cursor": graphene.String(required=True, resolver=getter("cursor")),
            },
        )
        self.connection_types[singular] = object_type(
            f"{name}Connection",
            {
                "edges": graphene.List(
                    graphene.NonNull(self.edge_types[singular]), required=True, resolver=getter("edges")
                ),
                "pageInfo": graphene.Field(self.page_info, required=True, resolver=getter("pageInfo")),
                "totalCount": graphene.Int(required=True, resolver=getter("totalCount")),
                **{
                    name: graphene.Field(aggregate_scalar(aggregate), resolver=list_aggregate_getter(name))
                    for name, aggregate in object_aggregates(obj).items()
                    if name != TOTAL_COUNT
                },
            },
            f"A page of {obj.label_plural.lower()}, and aggregates over every one the filter matches",
        )
        self.filter_inputs[singular] = input_type(
            f"{name}FilterInput", filters, "Entries are combined with AND; use and/or/not to combine filters"
        )
        self.order_inputs[singular] = input_type(
            f"{name}OrderByInput", orders, "One field per entry; list entries in priority order"
        )
        self.create_inputs[singular] = input_type(f"{name}CreateInput", creates)
        self.update_inputs[singular] = input_type(f"{name}UpdateInput", updates)

    def relation_input(self, singular: str) -> type[graphene.InputObjectType]:
        """``CompanyRelationInput``: connect a record by its id or a value that names one
        (``where``), or disconnect it, as Twenty's inputs are typed."""
        if singular not in self._relation_inputs:
            obj = self.objects[singular]
            name = obj.capitalized
            where: dict[str, Any] = {"id": graphene.InputField(scalars.UUID)}
            for field, sub in unique_fields(singular):
                sub_input = input_type(f"{name}{field[0].upper()}{field[1:]}WhereInput", {sub: graphene.String()})
                where[field] = graphene.InputField(sub_input)
            unique = input_type(f"{name}WhereUniqueInput", where, f"A {singular} named by one of these values")
            connect = input_type(f"{name}ConnectInput", {"where": graphene.InputField(unique)})
            self._relation_inputs[singular] = input_type(
                f"{name}RelationInput",
                {"connect": graphene.InputField(connect), "disconnect": graphene.Boolean()},
                f"Link a {singular} by what names it, or unlink it",
            )
        return self._relation_inputs[singular]

    def _relation_field(self, field: CompiledField, description: str | None) -> graphene.Field:
        relation = field.relation
        assert relation is not None
        if relation.kind == "MANY_TO_ONE":
            if relation.target == "workspaceMember":
                return graphene.Field(self.workspace_member, description=description, resolver=resolve_relation)
            return graphene.Field(
                lambda: self.record_types[relation.target], description=description, resolver=resolve_relation
            )
        return graphene.Field(
            lambda: self.connection_types[relation.target],
            args=self.connection_args(relation.target),
            required=True,
            description=description,
            resolver=resolve_relation,
        )
