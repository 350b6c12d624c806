"""Root query and mutation resolvers of the core schema, made per object.

Reads go through the shared listing (crm.query.listing), writes through the record
service (crm.services.records); both return the REST depth-0 dicts that the
GraphQL types read. Every resolver that returns records prefetches the relations
the query selects on them (crm.graphql.prefetch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfo, get_named_type

from crm.graphql.context import RequestContext
from crm.graphql.errors import ForbiddenError, UserInputError
from crm.graphql.filters import filter_node, order_nodes, plain
from crm.graphql.page_arguments import page_arguments
from crm.graphql.prefetch import (
    connection_dict,
    prefetch_connection,
    prefetch_records,
    selected_connection_fields,
)
from crm.metadata.schema import CompiledObject
from crm.query.compile import filter_to_q
from crm.query.listing import list_records
from crm.query.record_queries import RecordNotFoundError, records
from crm.query.serialize import compile_serializer
from crm.query.trash import reaches_deleted
from crm.services import records as record_service
from crm.services.aggregates import TOTAL_COUNT, aggregate_records, object_aggregates
from crm.services.bulk_writes import Action, act_on_matching, update_matching

Resolver = Callable[..., Any]


def _context(info: GraphQLResolveInfo) -> RequestContext:
    return info.context


def _writable_context(info: GraphQLResolveInfo) -> RequestContext:
    context = info.context
    if context.api_key.read_only:
        raise ForbiddenError("This API key is read-only: it can run queries but not mutations.")
    return context


def _record_type(info: GraphQLResolveInfo) -> GraphQLObjectType:
    return get_named_type(info.return_type)  # type: ignore[return-value]


def _with_relations(info: GraphQLResolveInfo, obj: CompiledObject, data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    prefetch_records(info, obj, _record_type(info), data, info.field_nodes)
    return data


def list_resolver(singular: str) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        context = _context(info)
        obj = context.object(singular)
        node = filter_node(obj, args.get("filter"))
        selected = selected_connection_fields(info)
        page = list_records(
            context.workspace,
            obj,
            filter=node,
            order_by=order_nodes(obj, args.get("orderBy")),
            **page_arguments(args),
            offset=args.get("offset"),
            count=TOTAL_COUNT in selected,  # counting costs a query
        )
        connection = connection_dict(page)
        offered = object_aggregates(obj)
        aggregates = [name for name in selected if name in offered and name != TOTAL_COUNT]
        if aggregates:
            connection.update(aggregate_records(context.workspace, obj, node, aggregates))
        prefetch_connection(info, obj, _record_type(info), [connection], info.field_nodes)
        return connection

    # What the field reads, for crm.graphql.database_answers.
    resolve.reads = ("list", singular)  # type: ignore[attr-defined]
    return resolve


def one_resolver(singular: str) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        context = _context(info)
        obj = context.object(singular)
        columns, serialize = compile_serializer(obj)
        node = filter_node(obj, args.get("filter"))
        if node is None:
            # Twenty's words: any record would do, which is never what the client meant.
            raise UserInputError("Missing filter argument")
        queryset = records(context.workspace, obj, include_deleted=reaches_deleted(node))
        row = queryset.filter(filter_to_q(obj, node)).values(*columns).first()
        if row is None:
            raise RecordNotFoundError(f"No {obj.name_singular} matches this filter.")
        return _with_relations(info, obj, [serialize(row)])[0]

    resolve.reads = ("one", singular)  # type: ignore[attr-defined]
    return resolve


def create_one(singular: str) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, data: Any, upsert: bool | None = None) -> dict[str, Any]:
        context = _writable_context(info)
        created = record_service.create_record(
            context.workspace, singular, plain(data), context.actor, upsert=bool(upsert)
        )
        return _with_relations(info, context.object(singular), [created])[0]

    return resolve


def create_many(singular: str) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, data: Any, upsert: bool | None = None) -> list[dict[str, Any]]:
        context = _writable_context(info)
        created = record_service.create_records(
            context.workspace, singular, plain(data), context.actor, upsert=bool(upsert)
        )
        return _with_relations(info, context.object(singular), created)

    return resolve


def update_one(singular: str) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, id: str, data: Any) -> dict[str, Any]:  # noqa: A002
        context = _writable_context(info)
        updated = record_service.update_record(context.workspace, singular, id, plain(data), context.actor)
        return _with_relations(info, context.object(singular), [updated])[0]

    return resolve


def update_many(singular: str) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, data: Any, **args: Any) -> list[dict[str, Any]]:
        context = _writable_context(info)
        obj = context.object(singular)
        node = filter_node(obj, args.get("filter"))
        updated = update_matching(context.workspace, singular, node, plain(data), context.actor)
        return _with_relations(info, obj, updated)

    return resolve


ONE_ACTIONS: dict[str, Callable[..., dict[str, Any]]] = {
    "delete": record_service.delete_record,
    "restore": record_service.restore_record,
    "destroy": record_service.destroy_record,
}


def action_one(singular: str, action: str) -> Resolver:
    perform = ONE_ACTIONS[action]

    def resolve(_root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:  # noqa: A002
        context = _writable_context(info)
        result = perform(context.workspace, singular, id, context.actor)
        return _with_relations(info, context.object(singular), [result])[0]

    return resolve


def action_many(singular: str, action: Action) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> list[dict[str, Any]]:
        context = _writable_context(info)
        obj = context.object(singular)
        node = filter_node(obj, args.get("filter"))
        results = act_on_matching(context.workspace, singular, action, node, context.actor)
        return _with_relations(info, obj, results)

    return resolve
