"""The core GraphQL schema of a workspace (``/graphql``), built from its metadata.

``get_core_schema(workspace)`` returns the schema for the workspace's current
metadata version, building it on first use; a custom field added through the
metadata APIs bumps the version, so the next request sees it. Schemas are cached
per (workspace id, metadata version) and never shared between workspaces.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import graphene

from crm.graphql import core_resolvers as resolvers
from crm.graphql.core_types import READ_FILTER_NOTE, CoreTypes, object_type
from crm.graphql.current_workspace import current_workspace_field
from crm.graphql.duplicates_resolvers import duplicates_query_fields
from crm.graphql.execution import PreparedSchema
from crm.graphql.group_by_resolvers import group_by_query_fields
from crm.graphql.merge_resolvers import merge_mutation_fields
from crm.graphql.scalars import UUID
from crm.graphql.search_resolvers import search_query_fields
from crm.metadata.schema import CompiledObject, WorkspaceSchema, get_workspace_schema
from crm.models import Workspace
from crm.services.upsert_matching import upsert_keys_note

# Each schema holds a few MB of type objects; workspaces beyond this are rebuilt on demand.
MAX_CACHED_SCHEMAS = 64

_cache: OrderedDict[tuple[str, int], PreparedSchema] = OrderedDict()
_lock = threading.Lock()


def get_core_schema(workspace: Workspace) -> PreparedSchema:
    key = (str(workspace.id), workspace.metadata_version)
    prepared = _cache.get(key)
    if prepared is not None:
        return prepared
    with _lock:
        prepared = _cache.get(key)
        if prepared is None:
            prepared = build_core_schema(get_workspace_schema(workspace))
            for old in [k for k in _cache if k[0] == key[0]]:
                del _cache[old]
            _cache[key] = prepared
            while len(_cache) > MAX_CACHED_SCHEMAS:
                _cache.popitem(last=False)
        return prepared


def build_core_schema(workspace_schema: WorkspaceSchema) -> PreparedSchema:
    """A fresh graphene schema for this compiled metadata."""
    types = CoreTypes(workspace_schema)
    query_fields: dict[str, graphene.Field] = {}
    mutation_fields: dict[str, graphene.Field] = {}
    for singular, obj in types.objects.items():
        query_fields.update(_query_fields(types, singular, obj))
        mutation_fields.update(_mutation_fields(types, singular, obj))
    # Some of Twenty's clients check their key with it here rather than on /metadata.
    query_fields["currentWorkspace"] = current_workspace_field()
    query_fields.update(group_by_query_fields(types))
    query_fields.update(duplicates_query_fields(types))
    query_fields.update(search_query_fields(types))
    mutation_fields.update(merge_mutation_fields(types))
    schema = graphene.Schema(
        query=object_type("Query", query_fields),
        mutation=object_type("Mutation", mutation_fields),
        auto_camelcase=False,
    )
    objects_by_type = {types.record_types[name]._meta.name: obj for name, obj in types.objects.items()}
    return PreparedSchema(schema.graphql_schema, workspace_schema=workspace_schema, objects_by_type=objects_by_type)


def _query_fields(types: CoreTypes, singular: str, obj: CompiledObject) -> dict[str, graphene.Field]:
    return {
        obj.name_plural: graphene.Field(
            types.connection_types[singular],
            args=types.connection_args(singular),
            required=True,
            resolver=resolvers.list_resolver(singular),
            description=f"{obj.label_plural}, a page at a time",
        ),
        singular: graphene.Field(
            types.record_types[singular],
            args={
                "filter": graphene.Argument(types.filter_inputs[singular], required=True, description=READ_FILTER_NOTE)
            },
            resolver=resolvers.one_resolver(singular),
            description=f"The first {obj.label_singular.lower()} matching the filter (NOT_FOUND when none does)",
        ),
    }


def _mutation_fields(types: CoreTypes, singular: str, obj: CompiledObject) -> dict[str, graphene.Field]:
    name, plural = obj.capitalized, obj.capitalized_plural
    record = types.record_types[singular]
    many = graphene.NonNull(graphene.List(graphene.NonNull(record)))
    id_arg = {"id": graphene.Argument(graphene.NonNull(UUID))}
    # Nullable as in Twenty: a missing filter gets the same BAD_USER_INPUT as an empty one.
    filter_arg = {"filter": graphene.Argument(types.filter_inputs[singular])}
    create = types.create_inputs[singular]
    update = types.update_inputs[singular]
    label = obj.label_singular.lower()
    labels = obj.label_plural.lower()
    upsert_arg = {
        "upsert": graphene.Argument(
            graphene.Boolean,
            description=f"Update the existing {label} instead when one has the same id{upsert_keys_note(obj)}",
        )
    }
    fields = {
        f"create{name}": graphene.Field(
            record,
            args={"data": graphene.Argument(create, required=True), **upsert_arg},
            resolver=resolvers.create_one(singular),
            description=f"Create a {label} (or, with upsert, update the one it matches)",
        ),
        f"create{plural}": graphene.Field(
            many,
            args={"data": graphene.Argument(graphene.List(graphene.NonNull(create)), required=True), **upsert_arg},
            resolver=resolvers.create_many(singular),
            description=f"Create up to 60 {labels}, all or none (or, with upsert, update those they match)",
        ),
        f"update{name}": graphene.Field(
            record,
            args={**id_arg, "data": graphene.Argument(update, required=True)},
            resolver=resolvers.update_one(singular),
            description=f"Change some fields of a {label}",
        ),
        f"update{plural}": graphene.Field(
            many,
            args={**filter_arg, "data": graphene.Argument(update, required=True)},
            resolver=resolvers.update_many(singular),
            description=f"Apply the same change to every {label} matching the filter (at most 200)",
        ),
    }
    verbs = {
        "delete": ("Soft-delete", "it can be restored"),
        "restore": ("Restore", "undoing a delete"),
        "destroy": ("Permanently delete", "whether or not it was soft-deleted"),
    }
    for action, (verb, note) in verbs.items():
        fields[f"{action}{name}"] = graphene.Field(
            record,
            args=id_arg,
            resolver=resolvers.action_one(singular, action),
            description=f"{verb} a {label}; {note}",
        )
        fields[f"{action}{plural}"] = graphene.Field(
            many,
            args=filter_arg,
            resolver=resolvers.action_many(singular, action),
            description=f"{verb} every {label} matching the filter (at most 200); {note}",
        )
    return fields
