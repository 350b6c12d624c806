"""A faster way to complete the plain parts of a result.

graphql-core resolves every field of every record through the general machinery
(resolve info, argument coercion, awaitable checks, type dispatch): a page of 60
people with a dozen fields each is hundreds of such calls. Most of our object
types are plain, though: each field reads a key of the dict the compiled
serializer produced, or a relation the look-ahead already loaded. For those,
this execution context compiles the selection once per request into small
closures that build the result directly from the dicts.

Anything out of the ordinary (a value that does not serialize, a null in a
non-null field, a relation not loaded ahead) abandons the fast path for that
object, and graphql-core's own code completes it, errors and all, exactly as it
would have without this class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    ExecutionContext,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    Undefined,
)
from graphql.pyutils import Path

from crm.graphql.prefetch import resolve_relation

Complete = Callable[[Any], Any]
_MISSING = object()
_UNPLANNABLE = object()


class _Fallback(Exception):
    """Leave the fast path: graphql-core completes this object instead."""


def dict_getter_key(resolver: Any) -> str | None:
    return getattr(resolver, "dict_key", None)


def _leaf(field_type: GraphQLScalarType | GraphQLEnumType) -> Complete:
    if isinstance(field_type, GraphQLEnumType):
        enum = getattr(getattr(field_type, "graphene_type", None), "_meta", None)
        python_enum = getattr(enum, "enum", None)
        if python_enum is not None:
            names = {member.value: name for name, member in python_enum.__members__.items()}

            def complete_enum(value: Any) -> Any:
                name = names.get(value)
                if name is None:
                    raise _Fallback
                return name

            return complete_enum
    serialize = field_type.serialize
    if getattr(serialize, "passes_through", False):
        return lambda value: value

    def complete_leaf(value: Any) -> Any:
        serialized = serialize(value)
        if serialized is None or serialized is Undefined:
            raise _Fallback
        return serialized

    return complete_leaf


class FastExecutionContext(ExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[Any, Any] = {}

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_nodes: list[FieldNode],
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
    ) -> Any:
        plan = self._object_plan(return_type, field_nodes)
        if plan is not None:
            try:
                return plan(result)
            except (_Fallback, GraphQLError, TypeError, ValueError, KeyError, AttributeError):
                return super().complete_object_value(return_type, field_nodes, info, path, result)
        return super().complete_object_value(return_type, field_nodes, info, path, result)

    def _object_plan(self, object_type: GraphQLObjectType, field_nodes: list[FieldNode]) -> Complete | None:
        key = (object_type, *map(id, field_nodes))
        plan = self._plans.get(key)
        if plan is None:
            # Mark first: selections are finite, but be safe against re-entry.
            self._plans[key] = _UNPLANNABLE
            plan = self._build_object_plan(object_type, field_nodes) or _UNPLANNABLE
            self._plans[key] = plan
        return None if plan is _UNPLANNABLE else plan

    def _build_object_plan(self, object_type: GraphQLObjectType, field_nodes: list[FieldNode]) -> Complete | None:
        if object_type.is_type_of is not None:
            return None
        entries: list[tuple[str, Any, bool, Complete]] = []
        for response_key, nodes in self.collect_subfields(object_type, field_nodes).items():
            name = nodes[0].name.value
            if name == "__typename":
                type_name = object_type.name
                entries.append((response_key, None, False, lambda _value, type_name=type_name: type_name))
                continue
            field = object_type.fields.get(name)
            if field is None:
                return None
            dict_key = dict_getter_key(field.resolve)
            if dict_key is not None:
                read_key, must_exist = dict_key, False
            elif field.resolve is resolve_relation:
                # Where the look-ahead stored the relation (see crm.graphql.prefetch).
                read_key, must_exist = id(nodes[0]), True
            else:
                return None
            complete = self._value_plan(field.type, nodes)
            if complete is None:
                return None
            entries.append((response_key, read_key, must_exist, complete))

        def complete_object(source: Any) -> dict[str, Any]:
            if not isinstance(source, dict):
                raise _Fallback
            result = {}
            for response_key, read_key, must_exist, complete in entries:
                value = source.get(read_key, _MISSING)
                if value is _MISSING:
                    if must_exist:
                        raise _Fallback
                    value = None
                result[response_key] = complete(value)
            return result

        return complete_object

    def _value_plan(self, field_type: Any, nodes: list[FieldNode]) -> Complete | None:
        if isinstance(field_type, GraphQLNonNull):
            inner = self._value_plan(field_type.of_type, nodes)
            if inner is None:
                return None

            def complete_non_null(value: Any) -> Any:
                if value is None:
                    raise _Fallback
                completed = inner(value)
                if completed is None:
                    raise _Fallback
                return completed

            return complete_non_null
        if isinstance(field_type, GraphQLList):
            item = self._value_plan(field_type.of_type, nodes)
            if item is None:
                return None

            def complete_list(value: Any) -> Any:
                if value is None:
                    return None
                if not isinstance(value, list | tuple):
                    raise _Fallback
                return [item(entry) for entry in value]

            return complete_list
        if isinstance(field_type, GraphQLScalarType | GraphQLEnumType):
            leaf = _leaf(field_type)
            return lambda value: None if value is None else leaf(value)
        if isinstance(field_type, GraphQLObjectType):
            plan = self._object_plan(field_type, nodes)
            if plan is None:
                return None
            return lambda value: None if value is None else plan(value)
        return None
