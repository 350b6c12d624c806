"""The object writes of the metadata OpenAPI document: creating, changing and deleting
custom objects (``/objects``), and the relation payload of a RELATION field."""

from __future__ import annotations

from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.types import OpenApiTypes

from crm.rest.openapi.common import (
    UUID,
    Schema,
    basic,
    error_responses,
    json_content,
    json_response,
    nullable,
    obj,
    ref,
)
from crm.services.metadata_rules import MAX_DESCRIPTION, MAX_LABEL
from crm.services.relation_fields import RELATION_TYPES

STRING = OpenApiTypes.STR
NAME = {**basic(STRING), "pattern": "^[a-z][a-zA-Z0-9]{0,62}$"}
LABEL = {**basic(STRING), "minLength": 1, "maxLength": MAX_LABEL, "pattern": r"\S"}
EXAMPLE_OBJECT = {
    "nameSingular": "project",
    "namePlural": "projects",
    "labelSingular": "Project",
    "labelPlural": "Projects",
    "description": "Work we deliver",
    "icon": "IconBriefcase",
}


def _presentation() -> Schema:
    return {
        "description": nullable({**basic(STRING), "maxLength": MAX_DESCRIPTION}),
        "icon": nullable({**basic(STRING), "maxLength": 63}),
        "shortcut": {**nullable(basic(STRING)), "description": "Accepted for Twenty's clients; not used."},
        "isLabelSyncedWithName": {
            **nullable(basic(OpenApiTypes.BOOL)),
            "description": "Accepted for Twenty's clients; not used.",
        },
    }


def object_create_schema() -> Schema:
    return obj(
        {
            "nameSingular": {**NAME, "description": "camelCase; names one record in the APIs (createProject)."},
            "namePlural": {**NAME, "description": "camelCase, differs from nameSingular; the REST path (/projects)."},
            "labelSingular": LABEL,
            "labelPlural": LABEL,
            **_presentation(),
        },
        required=["nameSingular", "namePlural", "labelSingular", "labelPlural"],
        additionalProperties=False,
    )


def object_update_schema() -> Schema:
    return obj(
        {
            "nameSingular": {**NAME, "description": "Renames a custom object (relations and webhooks follow)."},
            "namePlural": NAME,
            "labelSingular": LABEL,
            "labelPlural": LABEL,
            "isActive": {
                **basic(OpenApiTypes.BOOL),
                "description": "false takes a custom object out of the APIs; its records are kept.",
            },
            "labelIdentifierFieldMetadataId": {
                **nullable(basic(UUID)),
                "description": "The field that names a record (TEXT, FULL_NAME, NUMBER or UUID); null: name or title.",
            },
            "imageIdentifierFieldMetadataId": {
                **nullable(basic(UUID)),
                "description": "The field that pictures a record.",
            },
            **_presentation(),
        },
        additionalProperties=False,
        description="Standard objects accept labels, description, icon and identifier fields only.",
    )


def relation_payload_schema() -> Schema:
    return {
        **nullable(
            obj(
                {
                    "targetObjectMetadataId": {**basic(STRING), "description": "The related object's id or name."},
                    "type": {
                        **basic(STRING),
                        "enum": list(RELATION_TYPES),
                        "description": "MANY_TO_ONE: each record of this object points to one target record.",
                    },
                    "targetFieldLabel": nullable(LABEL),
                    "targetFieldName": nullable(NAME),
                    "targetFieldIcon": nullable({**basic(STRING), "maxLength": 63}),
                },
                required=["targetObjectMetadataId", "type"],
                additionalProperties=False,
            )
        ),
        "description": "RELATION fields only: the other side, created with the field.",
    }


def add_object_writes(paths: dict[str, Schema], schemas: dict[str, Schema]) -> None:
    """Add POST /objects, PATCH and DELETE /objects/{idOrName} to the metadata document."""
    schemas["ObjectForCreate"] = object_create_schema()
    schemas["ObjectForUpdate"] = object_update_schema()
    writes = error_responses(400, 401, 403, 404, 413, 415, 429)
    paths["/objects"]["post"] = {
        "operationId": "createOneObject",
        "summary": "Create a custom object",
        "description": "It starts with the fields id, name, position, createdAt, updatedAt, deletedAt and "
        "createdBy, with noteTargets and taskTargets (notes and tasks may be about its records), and is usable "
        "at once in the core API, GraphQL, OpenAPI and webhooks.",
        "tags": ["Objects"],
        "requestBody": {"required": True, "content": json_content(ref("ObjectForCreate"), {"project": EXAMPLE_OBJECT})},
        "responses": {
            "201": json_response("The created object.", _envelope("createOneObject", ref("Object"))),
            **writes,
        },
    }
    update = {
        "operationId": "updateOneObject",
        "summary": "Update an object",
        "tags": ["Objects"],
        "requestBody": {
            "required": True,
            "content": json_content(ref("ObjectForUpdate"), {"relabel": {"labelPlural": "Engagements"}}),
        },
        "responses": {
            "200": json_response("The updated object.", _envelope("updateOneObject", ref("Object"))),
            **writes,
        },
    }
    force = build_parameter_type(
        "force",
        {**basic(OpenApiTypes.BOOL), "default": False},
        "query",
        description="Required (true) to delete an object that still has records: they are deleted with it.",
    )
    paths["/objects/{idOrName}"].update(
        {
            "patch": update,
            "put": {**update, "operationId": "updateOneObjectPut", "summary": "Update an object (as PATCH)"},
            "delete": {
                "operationId": "deleteOneObject",
                "summary": "Delete a custom object",
                "description": "Deletes its fields, the relations pointing to it, its records and the webhook "
                "operations naming it, in one transaction. Standard objects cannot be deleted (400).",
                "tags": ["Objects"],
                "parameters": [force],
                "responses": {
                    "200": json_response(
                        "The deleted object's id.",
                        _envelope("deleteOneObject", obj({"id": basic(UUID)}, required=["id"])),
                    ),
                    **error_responses(400, 401, 403, 404, 429),
                },
            },
        }
    )


def _envelope(key: str, schema: Schema) -> Schema:
    return obj({"data": obj({key: schema}, required=[key])}, required=["data"])
