"""The metadata GraphQL schema (``/metadata``), in Twenty's shapes.

Objects and their fields as connections::

    { objects { edges { node { id nameSingular namePlural labelSingular
        fields { edges { node { id name type label options isCustom } } } } } } }

custom fields managed with ``createOneField(input: {field: {...}})``,
``updateOneField(input: {id, update: {...}})`` and ``deleteOneField(input: {id})``
through the same field service as REST (crm.services.fields), and the workspace's
API keys for full-access keys; other apps add their own root fields (webhooks, see
crm.graphql.metadata_extensions). One static schema serves every workspace:
resolvers read the key's workspace from the context.
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from crm.graphql.context import RequestContext
from crm.graphql.core_types import getter
from crm.graphql.current_workspace import current_workspace_field
from crm.graphql.execution import PreparedSchema
from crm.graphql.filters import plain
from crm.graphql.metadata_extensions import mutation_extensions, query_extensions
from crm.graphql.metadata_filters import CursorPaging, filter_type, matches, page
from crm.graphql.object_mutations import object_mutations
from crm.graphql.scalars import JSON, UUID, ConnectionCursor, DateTime
from crm.models import ApiKey, FieldType, ObjectMetadata, Workspace
from crm.query.record_queries import RecordNotFoundError
from crm.query.serialize import format_datetime
from crm.rest import metadata_shapes as shapes
from crm.services import fields as field_service

FieldMetadataType = graphene.Enum(
    "FieldMetadataType", [(value, value) for value in FieldType.values], description="Type of a field"
)
RelationType = graphene.Enum(
    "RelationType", [("MANY_TO_ONE", "MANY_TO_ONE"), ("ONE_TO_MANY", "ONE_TO_MANY")], description="Kind of relation"
)


def _fields(names: dict[str, Any]) -> dict[str, Any]:
    """Output fields in the order given; bare types become fields reading the same key of a dict."""
    fields = {}
    for name, kind in names.items():
        if isinstance(kind, graphene.Field):
            kind.reset_counter()  # graphene orders fields by creation
            fields[name] = kind
        else:
            fields[name] = graphene.Field(kind, resolver=getter(name))
    return fields


class PageInfo(graphene.ObjectType):
    hasNextPage = graphene.Boolean(required=True, resolver=getter("hasNextPage"))
    hasPreviousPage = graphene.Boolean(required=True, resolver=getter("hasPreviousPage"))
    startCursor = graphene.String(resolver=getter("startCursor"))
    endCursor = graphene.String(resolver=getter("endCursor"))


def _typed(name: str, attrs: dict[str, Any], description: str = "") -> type[graphene.ObjectType]:
    meta = type("Meta", (), {"name": name, "description": description or None})
    return type(name, (graphene.ObjectType,), {**_fields(attrs), "Meta": meta})


def _edges(name: str, node: Any) -> tuple[type[graphene.ObjectType], type[graphene.ObjectType]]:
    edge = _typed(
        f"{name}Edge",
        {
            "node": graphene.Field(node, required=True, resolver=getter("node")),
            "cursor": graphene.Field(graphene.NonNull(ConnectionCursor), resolver=getter("cursor")),
        },
    )
    connection = _typed(
        f"{name}Connection",
        {
            "edges": graphene.Field(graphene.NonNull(graphene.List(graphene.NonNull(edge))), resolver=getter("edges")),
            "pageInfo": graphene.Field(PageInfo, required=True, resolver=getter("pageInfo")),
            "totalCount": graphene.Field(graphene.Int, required=True, resolver=getter("totalCount")),
        },
    )
    return edge, connection


ObjectReference = _typed(
    "RelationObjectReference", {"id": UUID, "nameSingular": graphene.String, "namePlural": graphene.String}
)
FieldReference = _typed("RelationFieldReference", {"id": UUID, "name": graphene.String})
Relation = _typed(
    "Relation",
    {
        "type": RelationType,
        "sourceObjectMetadata": ObjectReference,
        "targetObjectMetadata": ObjectReference,
        "sourceFieldMetadata": FieldReference,
        "targetFieldMetadata": FieldReference,
        "targetFieldName": graphene.String,
        "joinColumnName": graphene.String,
    },
    "How a RELATION field links two objects",
)
SubField = _typed("SubField", {"name": graphene.String, "kind": graphene.String}, "A sub-field of a composite type")


def resolve_field_object(root: dict[str, Any], info: GraphQLResolveInfo) -> dict[str, Any]:
    """The field's object, described in full, once per request however many fields ask."""
    context = _context(info)
    described = context.described_objects
    object_id = root["objectMetadataId"]
    if object_id not in described:
        obj = ObjectMetadata.objects.get(workspace=context.workspace, id=object_id)
        described[object_id] = shapes.describe_objects(context.workspace, [obj])[0]
    return described[object_id]


MetaField = _typed(
    "Field",
    {
        "id": graphene.Field(UUID, required=True, resolver=getter("id")),
        "objectMetadataId": UUID,
        "type": FieldMetadataType,
        "name": graphene.String,
        "label": graphene.String,
        "description": graphene.String,
        "icon": graphene.String,
        "isCustom": graphene.Boolean,
        "isActive": graphene.Boolean,
        "isSystem": graphene.Boolean,
        "isNullable": graphene.Boolean,
        "isUnique": graphene.Boolean,
        "isLabelSyncedWithName": graphene.Boolean,
        "defaultValue": JSON,
        "options": JSON,
        "settings": JSON,
        "subFields": graphene.List(graphene.NonNull(SubField)),
        "relation": Relation,
        "object": graphene.Field(lambda: MetaObject, required=True, resolver=resolve_field_object),
        # Twenty's overrides of a standard field's label and icon: none here, labels change in place.
        "standardOverrides": JSON,
        "isUIReadOnly": graphene.Boolean,
        "applicationId": UUID,
        "universalIdentifier": UUID,
        "morphId": UUID,
        "morphRelations": graphene.Field(
            graphene.NonNull(graphene.List(graphene.NonNull(Relation))), resolver=getter("morphRelations")
        ),
        "createdAt": DateTime,
        "updatedAt": DateTime,
    },
    "A field of an object",
)
FieldEdge, FieldConnection = _edges("Field", MetaField)


FieldFilter = filter_type("FieldFilter", ["id", "objectMetadataId"], ["isActive", "isCustom", "isSystem"])


def _list_and_connection(list_name: str, connection_name: str, node: Any, connection: Any) -> dict[str, Any]:
    """The same items twice, as Twenty offers them: a plain list (its newer clients) and
    a paged connection (its older ones)."""

    def resolve_page(root: dict[str, Any], _info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        return page(root[list_name], args.get("paging"))

    return {
        list_name: graphene.Field(graphene.NonNull(graphene.List(graphene.NonNull(node))), resolver=getter(list_name)),
        connection_name: graphene.Field(
            graphene.NonNull(connection), paging=graphene.Argument(CursorPaging), resolver=resolve_page
        ),
    }


IndexField = _typed(
    "IndexFieldMetadata",
    {
        "id": graphene.Field(UUID, required=True, resolver=getter("id")),
        "fieldMetadataId": UUID,
        "order": graphene.Int,
        "createdAt": DateTime,
        "updatedAt": DateTime,
    },
)
IndexFieldEdge, IndexFieldConnection = _edges("IndexField", IndexField)
Index = _typed(
    "IndexMetadata",
    {
        "id": graphene.Field(UUID, required=True, resolver=getter("id")),
        "name": graphene.String,
        "indexWhereClause": graphene.String,
        "indexType": graphene.String,
        "isUnique": graphene.Boolean,
        "isCustom": graphene.Boolean,
        "createdAt": DateTime,
        "updatedAt": DateTime,
        **_list_and_connection("indexFieldMetadataList", "indexFieldMetadatas", IndexField, IndexFieldConnection),
    },
    "A unique index of an object: the values it keeps to one live record",
)
IndexEdge, IndexConnection = _edges("Index", Index)


def resolve_object_fields(root: dict[str, Any], _info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    fields = [f for f in root["fields"] if matches(f, plain(args.get("filter")))]
    return page(fields, args.get("paging"))


MetaObject = _typed(
    "Object",
    {
        "id": graphene.Field(UUID, required=True, resolver=getter("id")),
        "nameSingular": graphene.String,
        "namePlural": graphene.String,
        "labelSingular": graphene.String,
        "labelPlural": graphene.String,
        "description": graphene.String,
        "icon": graphene.String,
        "isCustom": graphene.Boolean,
        "isActive": graphene.Boolean,
        "isSystem": graphene.Boolean,
        "isRemote": graphene.Boolean,
        "isSearchable": graphene.Boolean,
        "isUIReadOnly": graphene.Boolean,
        "isLabelSyncedWithName": graphene.Boolean,
        "shortcut": graphene.String,
        "labelIdentifierFieldMetadataId": UUID,
        "imageIdentifierFieldMetadataId": UUID,
        "labelIdentifierFieldName": graphene.String,
        "dataSourceId": graphene.String,
        "applicationId": UUID,
        "universalIdentifier": UUID,
        "duplicateCriteria": JSON,
        **_list_and_connection("indexMetadataList", "indexMetadatas", Index, IndexConnection),
        "createdAt": DateTime,
        "updatedAt": DateTime,
        "fields": graphene.Field(
            graphene.NonNull(FieldConnection),
            paging=graphene.Argument(CursorPaging),
            filter=graphene.Argument(FieldFilter),
            resolver=resolve_object_fields,
        ),
        # Every field as a plain list, as Twenty's newer clients (its Zapier app) read them.
        "fieldsList": graphene.Field(
            graphene.NonNull(graphene.List(graphene.NonNull(MetaField))), resolver=getter("fields")
        ),
    },
    "An object (a kind of record) and its fields",
)
ObjectEdge, ObjectConnection = _edges("Object", MetaObject)


ObjectFilter = filter_type(
    "ObjectFilter", ["id"], ["isActive", "isCustom", "isRemote", "isSearchable", "isSystem", "isUIReadOnly"]
)


ApiKeyType = _typed(
    "ApiKey",
    {
        "id": graphene.Field(UUID, required=True, resolver=getter("id")),
        "name": graphene.String,
        "tokenPrefix": graphene.String,
        "readOnly": graphene.Boolean,
        "status": graphene.String,
        "expiresAt": DateTime,
        "revokedAt": DateTime,
        "lastUsedAt": DateTime,
        "createdAt": DateTime,
    },
    "An API key of the workspace (never its token)",
)


def _context(info: GraphQLResolveInfo) -> RequestContext:
    return info.context


def _full_access(info: GraphQLResolveInfo) -> RequestContext:
    return _context(info).require_full_access()


def _objects(workspace: Workspace, wanted: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [o for o in shapes.describe_objects(workspace) if matches(o, wanted)]


def _describe_field(workspace: Workspace, field: Any) -> dict[str, Any]:
    return shapes.describe_field(field, field.object, shapes.object_refs(workspace))


def _api_key(key: ApiKey) -> dict[str, Any]:
    return {
        "id": str(key.id),
        "name": key.name,
        "tokenPrefix": key.token_prefix,
        "readOnly": key.read_only,
        "status": key.status,
        "expiresAt": format_datetime(key.expires_at),
        "revokedAt": format_datetime(key.revoked_at),
        "lastUsedAt": format_datetime(key.last_used_at),
        "createdAt": format_datetime(key.created_at),
    }


def _uuid_or_not_found(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise RecordNotFoundError(f"No {what} with id '{str(value)[:60]}'") from None


class Query(graphene.ObjectType):
    objects = graphene.Field(
        graphene.NonNull(ObjectConnection),
        paging=graphene.Argument(CursorPaging),
        filter=graphene.Argument(ObjectFilter),
    )
    object = graphene.Field(MetaObject, id=graphene.Argument(UUID, required=True))
    fields = graphene.Field(
        graphene.NonNull(FieldConnection), paging=graphene.Argument(CursorPaging), filter=graphene.Argument(FieldFilter)
    )
    field = graphene.Field(MetaField, id=graphene.Argument(UUID, required=True))
    apiKeys = graphene.Field(graphene.NonNull(graphene.List(graphene.NonNull(ApiKeyType))))  # noqa: N815
    currentWorkspace = current_workspace_field()  # noqa: N815
    apiKey = graphene.Field(ApiKeyType, id=graphene.Argument(UUID, required=True))  # noqa: N815

    @staticmethod
    def resolve_objects(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        return page(_objects(_context(info).workspace, plain(args.get("filter"))), args.get("paging"))

    @staticmethod
    def resolve_object(_root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:  # noqa: A002
        found = _objects(_context(info).workspace, {"id": {"eq": id}})
        if not found:
            raise RecordNotFoundError(f"No object with id '{id}'")
        return found[0]

    @staticmethod
    def resolve_fields(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        wanted = plain(args.get("filter"))
        fields = [f for o in _objects(_context(info).workspace) for f in o["fields"] if matches(f, wanted)]
        return page(fields, args.get("paging"))

    @staticmethod
    def resolve_field(_root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:  # noqa: A002
        workspace = _context(info).workspace
        return _describe_field(workspace, field_service.get_field(workspace, id))

    @staticmethod
    def resolve_apiKeys(_root: Any, info: GraphQLResolveInfo) -> list[dict[str, Any]]:  # noqa: N802
        workspace = _full_access(info).workspace
        return [_api_key(key) for key in ApiKey.objects.filter(workspace=workspace).order_by("-created_at")]

    @staticmethod
    def resolve_apiKey(_root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:  # noqa: A002, N802
        workspace = _full_access(info).workspace
        key = ApiKey.objects.filter(workspace=workspace, id=_uuid_or_not_found(id, "API key")).first()
        if key is None:
            raise RecordNotFoundError(f"No API key with id '{id}'")
        return _api_key(key)


class CreateFieldInput(graphene.InputObjectType):
    objectMetadataId = graphene.InputField(UUID, description="The object to add the field to")  # noqa: N815
    objectName = graphene.String(description="Or the object's singular name, e.g. person")  # noqa: N815
    name = graphene.String(required=True, description="camelCase, e.g. tier")
    label = graphene.String(required=True)
    type = graphene.InputField(FieldMetadataType, required=True)
    description = graphene.String()
    icon = graphene.String()
    options = graphene.InputField(JSON, description="SELECT / MULTI_SELECT: [{value, label, color?}]")
    isNullable = graphene.Boolean()  # noqa: N815
    defaultValue = graphene.InputField(JSON)  # noqa: N815
    settings = graphene.InputField(JSON, description="Type-specific settings, e.g. NUMBER: {dataType: int}")
    isActive = graphene.Boolean()  # noqa: N815
    isCustom = graphene.Boolean(description="Always true for a field created here")  # noqa: N815
    isSystem = graphene.Boolean(description="Always false for a field created here")  # noqa: N815
    isUnique = graphene.Boolean(description="Custom fields cannot be unique: only false is accepted")  # noqa: N815
    isLabelSyncedWithName = graphene.Boolean(  # noqa: N815
        description="Accepted as Twenty's clients send it; labels and names are not synced here"
    )
    isRemoteCreation = graphene.Boolean(description="Accepted and ignored: there are no remote objects")  # noqa: N815
    relationCreationPayload = graphene.InputField(JSON, description="RELATION: {targetObjectMetadataId, type}")  # noqa: N815


class CreateOneFieldMetadataInput(graphene.InputObjectType):
    field = graphene.InputField(CreateFieldInput, required=True)


class UpdateFieldInput(graphene.InputObjectType):
    name = graphene.String()
    label = graphene.String()
    description = graphene.String()
    icon = graphene.String()
    options = graphene.InputField(JSON)
    isNullable = graphene.Boolean()  # noqa: N815
    defaultValue = graphene.InputField(JSON)  # noqa: N815
    isActive = graphene.Boolean()  # noqa: N815
    settings = graphene.InputField(JSON)
    isSystem = graphene.Boolean()  # noqa: N815
    isUnique = graphene.Boolean()  # noqa: N815
    isLabelSyncedWithName = graphene.Boolean()  # noqa: N815


class UpdateOneFieldMetadataInput(graphene.InputObjectType):
    id = graphene.InputField(UUID, required=True)
    update = graphene.InputField(UpdateFieldInput, required=True)


class DeleteOneFieldInput(graphene.InputObjectType):
    id = graphene.InputField(UUID, required=True)


class Mutation(object_mutations(MetaObject), graphene.ObjectType):
    createOneField = graphene.Field(  # noqa: N815
        graphene.NonNull(MetaField), input=graphene.Argument(CreateOneFieldMetadataInput, required=True)
    )
    updateOneField = graphene.Field(  # noqa: N815
        graphene.NonNull(MetaField), input=graphene.Argument(UpdateOneFieldMetadataInput, required=True)
    )
    deleteOneField = graphene.Field(  # noqa: N815
        graphene.NonNull(MetaField), input=graphene.Argument(DeleteOneFieldInput, required=True)
    )

    @staticmethod
    def resolve_createOneField(_root: Any, info: GraphQLResolveInfo, input: Any) -> dict[str, Any]:  # noqa: A002, N802
        workspace = _full_access(info).workspace
        field = field_service.create_custom_field(workspace, plain(input["field"]))
        return _describe_field(workspace, field)

    @staticmethod
    def resolve_updateOneField(_root: Any, info: GraphQLResolveInfo, input: Any) -> dict[str, Any]:  # noqa: A002, N802
        workspace = _full_access(info).workspace
        field = field_service.update_custom_field(workspace, input["id"], plain(input["update"]))
        return _describe_field(workspace, field)

    @staticmethod
    def resolve_deleteOneField(_root: Any, info: GraphQLResolveInfo, input: Any) -> dict[str, Any]:  # noqa: A002, N802
        workspace = _full_access(info).workspace
        field = field_service.get_field(workspace, input["id"])
        described = _describe_field(workspace, field)
        field_service.delete_custom_field(workspace, field.id)
        return described


@cache
def get_metadata_schema() -> PreparedSchema:
    # The root types with the fields other apps registered (webhooks), built once.
    query = type("Query", (*query_extensions(), Query), {})
    mutation = type("Mutation", (*mutation_extensions(), Mutation), {})
    schema = graphene.Schema(query=query, mutation=mutation, auto_camelcase=False)
    return PreparedSchema(schema.graphql_schema, boolean_answers=frozenset({"deleteWebhook"}))


def metadata_schema_for(_workspace: Workspace) -> PreparedSchema:
    return get_metadata_schema()
