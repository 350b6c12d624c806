"""``createOneObject``, ``updateOneObject`` and ``deleteOneObject`` on ``/metadata``, with
Twenty's inputs::

    createOneObject(input: {object: {nameSingular, namePlural, labelSingular, labelPlural,
                                     description, icon}})
    updateOneObject(input: {id, update: {labelSingular, ..., isActive}})
    deleteOneObject(input: {id, force})

They call the same object service as REST (crm.services.objects). The mutations are a
mixin made for the metadata schema's own ``Object`` type, which it passes in, so this
module does not import the schema that includes it.
"""

from __future__ import annotations

from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from crm.graphql.errors import ForbiddenError
from crm.graphql.filters import plain
from crm.graphql.scalars import UUID
from crm.models import Workspace
from crm.rest import metadata_shapes as shapes
from crm.services import objects as object_service
from crm.services.api_access import FULL_ACCESS_NEEDED, may_see_sensitive
from crm.services.metadata_rules import get_object_metadata


class CreateObjectInput(graphene.InputObjectType):
    nameSingular = graphene.String(required=True, description="camelCase, e.g. project")  # noqa: N815
    namePlural = graphene.String(required=True, description="camelCase, e.g. projects")  # noqa: N815
    labelSingular = graphene.String(required=True)  # noqa: N815
    labelPlural = graphene.String(required=True)  # noqa: N815
    description = graphene.String()
    icon = graphene.String()
    shortcut = graphene.String(description="Accepted for Twenty's clients; not used")
    isLabelSyncedWithName = graphene.Boolean(description="Accepted for Twenty's clients; not used")  # noqa: N815


class CreateOneObjectInput(graphene.InputObjectType):
    object = graphene.InputField(CreateObjectInput, required=True, description="The object to create")


class UpdateObjectPayload(graphene.InputObjectType):
    nameSingular = graphene.String(description="Custom objects only")  # noqa: N815
    namePlural = graphene.String(description="Custom objects only")  # noqa: N815
    labelSingular = graphene.String()  # noqa: N815
    labelPlural = graphene.String()  # noqa: N815
    description = graphene.String()
    icon = graphene.String()
    isActive = graphene.Boolean(description="false: the object leaves the APIs, its records are kept")  # noqa: N815
    labelIdentifierFieldMetadataId = graphene.InputField(  # noqa: N815
        UUID, description="The field that names a record (TEXT, FULL_NAME, NUMBER or UUID); null: name or title"
    )
    imageIdentifierFieldMetadataId = graphene.InputField(UUID, description="The field that pictures a record")  # noqa: N815
    shortcut = graphene.String(description="Accepted for Twenty's clients; not used")
    isLabelSyncedWithName = graphene.Boolean(description="Accepted for Twenty's clients; not used")  # noqa: N815


class UpdateOneObjectInput(graphene.InputObjectType):
    id = graphene.InputField(UUID, required=True)
    update = graphene.InputField(UpdateObjectPayload, required=True)


class DeleteOneObjectInput(graphene.InputObjectType):
    id = graphene.InputField(UUID, required=True)
    force = graphene.Boolean(description="Required to delete an object that still has records (they are deleted)")


def _workspace(info: GraphQLResolveInfo) -> Workspace:
    context = info.context
    if not may_see_sensitive(context.api_key):
        raise ForbiddenError(FULL_ACCESS_NEEDED)
    return context.workspace


def _describe(workspace: Workspace, obj: Any) -> dict[str, Any]:
    return shapes.describe_objects(workspace, [obj])[0]


def create_one_object(_root: Any, info: GraphQLResolveInfo, input: Any) -> dict[str, Any]:  # noqa: A002
    workspace = _workspace(info)
    return _describe(workspace, object_service.create_object(workspace, plain(input["object"])))


def update_one_object(_root: Any, info: GraphQLResolveInfo, input: Any) -> dict[str, Any]:  # noqa: A002
    workspace = _workspace(info)
    return _describe(workspace, object_service.update_object(workspace, str(input["id"]), plain(input["update"])))


def delete_one_object(_root: Any, info: GraphQLResolveInfo, input: Any) -> dict[str, Any]:  # noqa: A002
    workspace = _workspace(info)
    obj = get_object_metadata(workspace, str(input["id"]))
    described = _describe(workspace, obj)
    object_service.delete_object(workspace, str(obj.id), force=bool(input.get("force")))
    return described


def object_mutations(object_type: type[graphene.ObjectType]) -> type[graphene.ObjectType]:
    """A mixin of the three mutations, answering with ``object_type``."""
    return type(
        "ObjectMutations",
        (graphene.ObjectType,),
        {
            "createOneObject": graphene.Field(
                graphene.NonNull(object_type),
                input=graphene.Argument(CreateOneObjectInput, required=True),
                resolver=create_one_object,
                description="Create a custom object, with its default fields",
            ),
            "updateOneObject": graphene.Field(
                graphene.NonNull(object_type),
                input=graphene.Argument(UpdateOneObjectInput, required=True),
                resolver=update_one_object,
                description="Rename, relabel, deactivate or reactivate an object",
            ),
            "deleteOneObject": graphene.Field(
                graphene.NonNull(object_type),
                input=graphene.Argument(DeleteOneObjectInput, required=True),
                resolver=delete_one_object,
                description="Delete a custom object with its fields, relations and records",
            ),
        },
    )
