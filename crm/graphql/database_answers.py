"""Answering plain record queries with JSON the database builds.

Most documents clients send read pages of records: ``people(first: 60) { edges { node {
id name { firstName } company { name } } } totalCount }``. For those, resolving every
field of every record through graphql-core costs far more than the database's work.
When every root field of a query is a record list or a record looked up by filter, and
every field selected on the records is a stored value, a composite, ``__typename`` or a
to-one relation selected the same way, the query is answered here instead: each root
field is one SQL statement that selects only the fields asked for and builds each
record's JSON (crm.query.json_record), plus a count when ``totalCount`` is selected.

Anything else (a to-many relation, a member, an argument or field this does not know, a
value the general path would refuse) makes ``answer`` return None, and graphql-core
answers the document as it always has, errors and all. The answers are the same either
way: tests run documents through both.
"""

from __future__ import annotations

import logging
import threading
import uuid
import weakref
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    ObjectValueNode,
    OperationType,
    StringValueNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.collect_fields import collect_fields, collect_sub_fields
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.utilities import get_operation_ast

from crm.graphql.errors import UserInputError
from crm.graphql.execution import PreparedSchema
from crm.graphql.filters import filter_node, order_nodes
from crm.graphql.page_arguments import page_arguments
from crm.metadata.schema import CompiledObject
from crm.models import Workspace
from crm.query.ast import Condition, Node
from crm.query.compile import filter_to_q
from crm.query.json_record import (
    Composite,
    Constant,
    Part,
    RecordJson,
    Related,
    Shape,
    ShapeNotSupported,
    Value,
    plain_link,
)
from crm.query.listing import RecordPage, list_records, record_json
from crm.query.record_queries import records
from crm.query.trash import reaches_deleted

logger = logging.getLogger(__name__)
LIST_ARGUMENTS = frozenset({"filter", "orderBy", "first", "after", "last", "before", "offset"})
PAGE_INFO_FIELDS = {
    "hasNextPage": "has_next_page",
    "hasPreviousPage": "has_previous_page",
    "startCursor": "start_cursor",
    "endCursor": "end_cursor",
}


class NotAnswerable(Exception):
    """This document is for the general path."""


@dataclass(frozen=True)
class Context:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    objects_by_type: dict[str, CompiledObject]
    shapes: dict[Any, Shape] | None


# Per document (by its id, for as long as it lives): whether a directive reads a
# variable, and the shapes worked out for it. Not a WeakKeyDictionary: that compares the
# document it is asked for with the one it holds, and a document's == walks both trees,
# node by node; that walk was an eighth of a GraphQL get-one's time in the web process.
_shapes_by_document: dict[int, tuple[weakref.ref[DocumentNode], bool, dict[Any, Shape]]] = {}
_shapes_lock = threading.Lock()


def answer(
    prepared: PreparedSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    workspace: Workspace,
) -> dict[str, Any] | None:
    """The ``data`` of the query, or None when the general path must answer it."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation != OperationType.QUERY:
        return None
    coerced = get_variable_values(prepared.schema, operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return None  # the general path reports the variables' errors
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    context = Context(prepared.schema, fragments, coerced, prepared.objects_by_type, _shapes_of(document))
    query_type = prepared.schema.query_type
    assert query_type is not None
    try:
        roots = collect_fields(prepared.schema, fragments, coerced, query_type, operation.selection_set)
        return {key: _root(context, workspace, query_type, nodes) for key, nodes in roots.items()}
    except (NotAnswerable, ShapeNotSupported):
        return None
    except Exception:  # noqa: BLE001 - whatever went wrong, the general path answers it properly
        # Not expected: a bug here would otherwise show only as slowness (the general path
        # answers, after this attempt), so it is logged for whoever runs the server.
        logger.warning("A query fell back to the general GraphQL path after an error", exc_info=True)
        return None


def _root(context: Context, workspace: Workspace, query_type: GraphQLObjectType, nodes: list[FieldNode]) -> Any:
    name = nodes[0].name.value
    if name == "__typename":
        return query_type.name
    field_def = query_type.fields.get(name)
    reads = getattr(field_def.resolve, "reads", None) if field_def is not None else None
    if reads is None:
        raise NotAnswerable(name)
    kind, singular = reads
    record_type = _named(field_def.type)
    if kind != "one":
        return _list(
            context, workspace, record_type, nodes, get_argument_values(field_def, nodes[0], context.variables)
        )
    record_id = _id_read_from_document(nodes[0], context.variables)
    if record_id is not None:
        return _one_by_id(context, workspace, record_type, nodes, record_id)
    return _one(context, workspace, record_type, nodes, get_argument_values(field_def, nodes[0], context.variables))


def _id_read_from_document(field: FieldNode, variables: dict[str, Any]) -> uuid.UUID | None:
    """The id of ``(filter: {id: {eq: $id}})`` (or a string in place of ``$id``), read off
    the document and the coerced variables: the usual way to read one record, spared
    graphql-core building the whole filter input object (a tenth of such a request).
    None for any other argument, which ``get_argument_values`` then reads."""
    if len(field.arguments) != 1 or field.arguments[0].name.value != "filter":
        return None
    value = field.arguments[0].value
    for name in ("id", "eq"):
        if not isinstance(value, ObjectValueNode) or len(value.fields) != 1 or value.fields[0].name.value != name:
            return None
        value = value.fields[0].value
    if isinstance(value, VariableNode):
        return _as_id(variables.get(value.name.value))
    if isinstance(value, StringValueNode):
        return _as_id(value.value)
    return None


def _one(
    context: Context, workspace: Workspace, record_type: Any, nodes: list[FieldNode], arguments: dict[str, Any]
) -> Any:
    obj = context.objects_by_type[record_type.name]
    node = filter_node(obj, arguments.get("filter"))
    if node is None:
        raise NotAnswerable("no filter")  # the general path refuses it
    record_id = _id_looked_up(node)
    if record_id is not None:
        return _one_by_id(context, workspace, record_type, nodes, record_id)
    shape = _cached_shape(context, obj, record_type, nodes)
    queryset = records(workspace, obj, include_deleted=reaches_deleted(node)).filter(filter_to_q(obj, node))
    return _found(queryset.annotate(_json=RecordJson(obj, shape)).values_list("_json", flat=True).first())


def _one_by_id(
    context: Context, workspace: Workspace, record_type: Any, nodes: list[FieldNode], record_id: uuid.UUID
) -> Any:
    obj = context.objects_by_type[record_type.name]
    return _found(record_json(workspace, obj, record_id, _cached_shape(context, obj, record_type, nodes)))


def _found(record: str | None) -> Any:
    if record is None:
        raise NotAnswerable("not found")  # the general path raises NOT_FOUND with its message
    return orjson.Fragment(record)


def _id_looked_up(node: Node | None) -> uuid.UUID | None:
    """The id of ``filter: {id: {eq: $id}}``, the usual way to read one record."""
    if isinstance(node, Condition) and node.path == ("id",) and node.op == "eq":
        return _as_id(node.value)
    return None


def _as_id(value: Any) -> uuid.UUID | None:
    """A record id given as a UUID or its text; None for anything else."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None  # the general path says what is wrong with it


def _list(
    context: Context, workspace: Workspace, connection_type: Any, nodes: list[FieldNode], arguments: dict[str, Any]
) -> dict[str, Any]:
    if any(value is not None for key, value in arguments.items() if key not in LIST_ARGUMENTS):
        raise NotAnswerable("an argument this path does not read")
    layout = _sub_fields(context, connection_type, nodes)
    edge_type = _named(connection_type.fields["edges"].type)
    record_type = _named(edge_type.fields["node"].type)
    obj = context.objects_by_type[record_type.name]
    node_nodes: list[FieldNode] = []
    for key, field_nodes in layout.items():
        name = field_nodes[0].name.value
        if name == "edges":
            for edge_nodes in _sub_fields(context, edge_type, field_nodes).values():
                if edge_nodes[0].name.value == "node":
                    node_nodes += edge_nodes
        elif name not in ("pageInfo", "totalCount", "__typename"):
            raise NotAnswerable(key)
    shape = _cached_shape(context, obj, record_type, node_nodes) if node_nodes else Shape(())
    try:
        paging = page_arguments(arguments)
    except UserInputError:
        raise NotAnswerable("paging") from None  # the general path reports it
    page = list_records(
        workspace,
        obj,
        filter=filter_node(obj, arguments.get("filter")),
        order_by=order_nodes(obj, arguments.get("orderBy")),
        **paging,
        offset=arguments.get("offset"),
        count=any(nodes[0].name.value == "totalCount" for nodes in layout.values()),
        shape=shape,
        passthrough=True,
    )
    return _connection(context, connection_type, edge_type, layout, page)


def _connection(
    context: Context, connection_type: Any, edge_type: Any, layout: dict[str, list[FieldNode]], page: RecordPage
) -> dict[str, Any]:
    answer_: dict[str, Any] = {}
    for key, field_nodes in layout.items():
        name = field_nodes[0].name.value
        if name == "totalCount":
            answer_[key] = page.total_count
        elif name == "__typename":
            answer_[key] = connection_type.name
        elif name == "pageInfo":
            info_type = _named(connection_type.fields["pageInfo"].type)
            answer_[key] = {
                info_key: (
                    info_type.name
                    if info_nodes[0].name.value == "__typename"
                    else getattr(page.page_info, PAGE_INFO_FIELDS[info_nodes[0].name.value])
                )
                for info_key, info_nodes in _sub_fields(context, info_type, field_nodes).items()
            }
        else:  # edges
            edge_layout = [
                (edge_key, edge_nodes[0].name.value)
                for edge_key, edge_nodes in _sub_fields(context, edge_type, field_nodes).items()
            ]
            answer_[key] = [
                {
                    edge_key: record if what == "node" else cursor if what == "cursor" else edge_type.name
                    for edge_key, what in edge_layout
                }
                for record, cursor in zip(page.records, page.cursors, strict=True)
            ]
    return answer_


def _cached_shape(context: Context, obj: CompiledObject, record_type: Any, nodes: list[FieldNode]) -> Shape:
    """The shape of the records these nodes select, worked out once per document when no
    directive in it reads a variable (the selection is then the same for every request)."""
    if context.shapes is None:
        return _shape(context, obj, record_type, nodes)
    key = (obj, tuple(id(node) for node in nodes))
    shape = context.shapes.get(key)
    if shape is None:
        shape = context.shapes[key] = _shape(context, obj, record_type, nodes)
    return shape


def _shapes_of(document: DocumentNode) -> dict[Any, Shape] | None:
    """The document's shapes, kept as long as the document (the node ids in their keys
    stay its nodes'); None when a directive reads a variable."""
    key = id(document)
    found = _shapes_by_document.get(key)
    if found is None or found[0]() is not document:
        with _shapes_lock:
            found = _shapes_by_document.get(key)
            if found is None or found[0]() is not document:
                # Dropped as the document goes, before its id can be another document's.
                kept = weakref.ref(document, lambda _gone: _shapes_by_document.pop(key, None))
                found = (kept, _reads_variables_in_directives(document), {})
                _shapes_by_document[key] = found
    return None if found[1] else found[2]


def _reads_variables_in_directives(document: DocumentNode) -> bool:
    reads = False

    class Finder(Visitor):
        def enter_directive(self, node: Any, *_: Any) -> None:
            nonlocal reads
            reads = reads or any(isinstance(argument.value, VariableNode) for argument in node.arguments or ())

    visit(document, Finder())
    return reads


def _shape(context: Context, obj: CompiledObject, record_type: Any, nodes: list[FieldNode]) -> Shape:
    parts: list[Part] = []
    for key, field_nodes in _sub_fields(context, record_type, nodes).items():
        name = field_nodes[0].name.value
        if name == "__typename":
            parts.append(Constant(key, record_type.name))
            continue
        field = obj.fields.get(name)
        graphql_field = record_type.fields.get(name)
        if field is None or graphql_field is None or field_nodes[0].arguments:
            raise NotAnswerable(name)
        _check_enum(graphql_field.type)
        if field.relation is not None:
            target_type = _named(graphql_field.type)
            target = context.objects_by_type.get(target_type.name)
            if field.relation.kind != "MANY_TO_ONE" or target is None or not plain_link(field.relation):
                raise NotAnswerable(name)  # to-many relations and members take the general path
            parts.append(Related(key, field, target, _shape(context, target, target_type, field_nodes)))
        elif field.is_composite:
            parts.append(_composite(context, key, field, _named(graphql_field.type), field_nodes))
        else:
            parts.append(Value(key, field))
    return Shape(tuple(parts))


def _composite(context: Context, key: str, field: Any, composite_type: Any, nodes: list[FieldNode]) -> Composite:
    subfields, constants = [], []
    for sub_key, sub_nodes in _sub_fields(context, composite_type, nodes).items():
        name = sub_nodes[0].name.value
        if name == "__typename":
            constants.append((sub_key, composite_type.name))
            continue
        sub = field.subfield(name)
        if sub is None:
            raise NotAnswerable(name)
        subfields.append((sub_key, sub))
    if constants and subfields:
        raise NotAnswerable("__typename among sub-fields")  # keeps the key order simple
    return Composite(key, field, tuple(subfields), tuple(constants))


def _check_enum(field_type: Any) -> None:
    """Enum values are written as their names; where a name differs from its stored value,
    the general path translates it."""
    named = _named(field_type)
    if isinstance(named, GraphQLEnumType) and any(name != value.value for name, value in named.values.items()):
        raise NotAnswerable(named.name)


def _sub_fields(context: Context, parent_type: Any, nodes: list[FieldNode]) -> dict[str, list[FieldNode]]:
    return collect_sub_fields(context.schema, context.fragments, context.variables, parent_type, nodes)


def _named(field_type: Any) -> Any:
    while isinstance(field_type, GraphQLNonNull | GraphQLList):
        field_type = field_type.of_type
    return field_type
