"""The metadata OpenAPI document: objects, fields (custom-field management), picklists."""

from __future__ import annotations

from typing import Any

from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.types import OpenApiTypes

from crm.metadata.composite_types import COMPOSITE_TYPES
from crm.metadata.schema import WorkspaceSchema
from crm.models import FieldType
from crm.rest.metadata_pages import MAX_LIMIT as MAX_PAGE_SIZE
from crm.rest.openapi.common import (
    DATETIME,
    UUID,
    Schema,
    any_value,
    array,
    basic,
    document,
    error_responses,
    json_content,
    json_response,
    nullable,
    obj,
    rate_limit_note,
    ref,
    shared_components,
)
from crm.rest.openapi.object_writes import add_object_writes, relation_payload_schema
from crm.services.fields import CUSTOM_FIELD_TYPES, MAX_DESCRIPTION, MAX_LABEL, MAX_OPTIONS

STRING = OpenApiTypes.STR


def _option_schema(*, write: bool) -> Schema:
    properties = {
        "id": basic(STRING),
        "value": {**basic(STRING), "examples": ["IN_PROGRESS"]},
        "label": basic(STRING),
        "color": basic(STRING),
        "position": basic(OpenApiTypes.NUMBER),
    }
    if write:
        properties["id"] = {**basic(STRING), "maxLength": 63}
        properties["value"] = {**basic(STRING), "pattern": "^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$"}
        properties["label"] = {**basic(STRING), "minLength": 1, "maxLength": MAX_LABEL, "pattern": r"\S"}
        properties["color"] = {**basic(STRING), "maxLength": 20}
        return obj(properties, required=["value"], additionalProperties=False)
    return obj(properties, required=["id", "value", "label"])


def _object_ref() -> Schema:
    return obj(
        {"id": nullable(basic(UUID)), "nameSingular": basic(STRING), "namePlural": basic(STRING)},
        required=["id", "nameSingular", "namePlural"],
    )


def _field_ref() -> Schema:
    return obj({"id": nullable(basic(UUID)), "name": basic(STRING)}, required=["id", "name"])


def _index_schema() -> Schema:
    stamps = {"createdAt": basic(DATETIME), "updatedAt": basic(DATETIME)}
    index_field = obj(
        {"id": basic(UUID), "fieldMetadataId": basic(UUID), "order": basic(OpenApiTypes.INT), **stamps},
        required=["id", "fieldMetadataId", "order"],
    )
    return obj(
        {
            "id": basic(UUID),
            "name": basic(STRING),
            "indexWhereClause": nullable(basic(STRING)),
            "indexType": basic(STRING),
            "isUnique": basic(OpenApiTypes.BOOL),
            "isCustom": basic(OpenApiTypes.BOOL),
            **stamps,
            "indexFieldMetadataList": array(index_field),
        },
        required=["id", "name", "isUnique", "indexFieldMetadataList"],
    )


def _absent(kind: Any) -> Schema:
    """A property Twenty's newer clients read that has no counterpart here: always null."""
    return {**nullable(basic(kind)), "description": "Always null here (Twenty's default)."}


def field_schema() -> Schema:
    return obj(
        {
            "id": basic(UUID),
            "objectMetadataId": basic(UUID),
            "type": {**basic(STRING), "enum": list(FieldType.values)},
            "name": basic(STRING),
            "label": basic(STRING),
            "description": basic(STRING),
            "icon": basic(STRING),
            "isCustom": basic(OpenApiTypes.BOOL),
            "isActive": basic(OpenApiTypes.BOOL),
            "isSystem": basic(OpenApiTypes.BOOL),
            "isNullable": basic(OpenApiTypes.BOOL),
            "isUnique": {
                **basic(OpenApiTypes.BOOL),
                "description": "True for a person's emails and a company's domainName: each value names one record.",
            },
            "isLabelSyncedWithName": {
                **basic(OpenApiTypes.BOOL),
                "description": "Always false: labels and names are not synced.",
            },
            "defaultValue": any_value(
                description="Value given to new records when the field is not sent, spelled as Twenty spells "
                "defaults: text in single quotes (\"'GOLD'\"), numbers and booleans as they are, `now` bare."
            ),
            "options": nullable(array(ref("FieldOption"))),
            "settings": obj({}),
            "subFields": {
                **nullable(array(obj({"name": basic(STRING), "kind": basic(STRING)}, required=["name", "kind"]))),
                "description": "Sub-fields of composite types, e.g. name.firstName.",
            },
            "relation": nullable(
                obj(
                    {
                        "type": {**basic(STRING), "enum": ["MANY_TO_ONE", "ONE_TO_MANY"]},
                        "sourceObjectMetadata": _object_ref(),
                        "targetObjectMetadata": _object_ref(),
                        "sourceFieldMetadata": _field_ref(),
                        "targetFieldMetadata": nullable(_field_ref()),
                        "targetFieldName": nullable(basic(STRING)),
                        "joinColumnName": nullable(basic(STRING)),
                    },
                    required=["type", "sourceObjectMetadata", "targetObjectMetadata"],
                )
            ),
            "isUIReadOnly": basic(OpenApiTypes.BOOL),
            "applicationId": _absent(UUID),
            "universalIdentifier": _absent(UUID),
            "morphId": _absent(UUID),
            "morphRelations": {**array(obj({})), "description": "Always empty here: there are no morph relations."},
            "createdAt": basic(DATETIME),
            "updatedAt": basic(DATETIME),
        },
        required=["id", "objectMetadataId", "type", "name", "label", "isCustom", "isActive", "isNullable"],
    )


def object_schema() -> Schema:
    return obj(
        {
            "id": basic(UUID),
            "nameSingular": basic(STRING),
            "namePlural": basic(STRING),
            "labelSingular": basic(STRING),
            "labelPlural": basic(STRING),
            "description": basic(STRING),
            "icon": basic(STRING),
            "isCustom": basic(OpenApiTypes.BOOL),
            "isActive": basic(OpenApiTypes.BOOL),
            "isSystem": basic(OpenApiTypes.BOOL),
            "isRemote": basic(OpenApiTypes.BOOL),
            "isSearchable": basic(OpenApiTypes.BOOL),
            "isUIReadOnly": basic(OpenApiTypes.BOOL),
            "isLabelSyncedWithName": basic(OpenApiTypes.BOOL),
            "shortcut": nullable(basic(STRING)),
            "labelIdentifierFieldMetadataId": {
                **nullable(basic(UUID)),
                "description": "The field that names a record (name or title).",
            },
            "imageIdentifierFieldMetadataId": nullable(basic(UUID)),
            "labelIdentifierFieldName": nullable(basic(STRING)),
            "dataSourceId": _absent(STRING),
            "applicationId": _absent(UUID),
            "universalIdentifier": _absent(UUID),
            "duplicateCriteria": {
                **nullable(array(array(basic(STRING)))),
                "description": "The fields whose values make two records duplicates; each list must all match.",
            },
            "indexMetadataList": {
                **array(_index_schema()),
                "description": "Unique indexes: the values each keeps to one live record.",
            },
            "createdAt": basic(DATETIME),
            "updatedAt": basic(DATETIME),
            "fields": array(ref("Field")),
        },
        required=["id", "nameSingular", "namePlural", "labelSingular", "labelPlural", "fields"],
    )


def _common_write_properties() -> Schema:
    return {
        "label": {**basic(STRING), "minLength": 1, "maxLength": MAX_LABEL, "pattern": r"\S"},
        "description": nullable({**basic(STRING), "maxLength": MAX_DESCRIPTION}),
        "icon": nullable({**basic(STRING), "maxLength": 63}),
        "options": {
            **nullable(array(ref("FieldOptionInput"), minItems=1, maxItems=MAX_OPTIONS)),
            "description": "Required for SELECT and MULTI_SELECT, refused for other types.",
        },
        "isNullable": nullable(basic(OpenApiTypes.BOOL)),
        "defaultValue": any_value(
            description="Validated like a record value of the field's type; text may be sent in single quotes "
            "(\"'GOLD'\"), as Twenty's clients send it, or plain. `now` for a DATE or DATE_TIME."
        ),
        "settings": {
            **nullable(obj({})),
            "description": "Type-specific: NUMBER `dataType` (int or float), TEXT `maxLength`; display hints kept.",
        },
        "isLabelSyncedWithName": {
            **nullable(basic(OpenApiTypes.BOOL)),
            "description": "Accepted as Twenty's clients send it; labels and names are not synced.",
        },
        "isSystem": {**nullable(basic(OpenApiTypes.BOOL)), "description": "Only false is accepted."},
        "isUnique": {
            **nullable(basic(OpenApiTypes.BOOL)),
            "description": "Only false is accepted: custom fields cannot be unique.",
        },
    }


def field_create_schema(workspace_schema: WorkspaceSchema) -> Schema:
    names = sorted({n for o in workspace_schema.objects.values() for n in (o.name_singular, o.name_plural)})
    composite = ", ".join(sorted(t for t in CUSTOM_FIELD_TYPES if t in COMPOSITE_TYPES))
    return obj(
        {
            "objectMetadataId": {**basic(UUID), "description": "The object to add the field to..."},
            "objectName": {**basic(STRING), "enum": names, "description": "...or its name."},
            "name": {
                **basic(STRING),
                "pattern": "^[a-z][a-zA-Z0-9]{0,62}$",
                "description": "camelCase identifier, unique on the object; the key in records.",
            },
            "type": {
                **basic(STRING),
                "enum": list(CUSTOM_FIELD_TYPES),
                "description": f"Composite types ({composite}) take objects of sub-fields.",
            },
            **_common_write_properties(),
            "isActive": nullable(basic(OpenApiTypes.BOOL)),
            "isCustom": {**nullable(basic(OpenApiTypes.BOOL)), "description": "Only true is accepted."},
            "isRemoteCreation": {**nullable(basic(OpenApiTypes.BOOL)), "description": "Only false is accepted."},
            "relationCreationPayload": relation_payload_schema(),
        },
        required=["name", "label", "type"],
        additionalProperties=False,
        anyOf=[{"type": "object", "required": ["objectMetadataId"]}, {"type": "object", "required": ["objectName"]}],
    )


def field_update_schema() -> Schema:
    return obj(
        {
            "name": {
                **basic(STRING),
                "pattern": "^[a-z][a-zA-Z0-9]{0,62}$",
                "description": "Renames a custom field (stored values follow).",
            },
            **_common_write_properties(),
            "isActive": {**basic(OpenApiTypes.BOOL), "description": "Inactive custom fields are hidden."},
        },
        additionalProperties=False,
        description="Standard fields accept label, description and icon only.",
    )


def picklist_schema() -> Schema:
    return obj(
        {
            "objectMetadataId": basic(UUID),
            "objectNameSingular": basic(STRING),
            "objectNamePlural": basic(STRING),
            "fieldMetadataId": basic(UUID),
            "fieldName": basic(STRING),
            "fieldLabel": basic(STRING),
            "type": {**basic(STRING), "enum": ["SELECT", "MULTI_SELECT", "RATING"]},
            "isCustom": basic(OpenApiTypes.BOOL),
            "defaultValue": any_value(),
            "options": array(ref("FieldOption")),
        },
        required=["objectMetadataId", "objectNameSingular", "fieldMetadataId", "fieldName", "type", "options"],
    )


def _list_envelope(key: str, item: Schema) -> Schema:
    return obj(
        {
            "data": obj({key: array(item)}, required=[key]),
            "pageInfo": ref("PageInfo"),
            "totalCount": basic(OpenApiTypes.INT),
        },
        required=["data", "pageInfo", "totalCount"],
    )


def _paging_parameters() -> list[Schema]:
    return [
        build_parameter_type(
            "limit",
            {**basic(OpenApiTypes.INT), "minimum": 0, "maximum": MAX_PAGE_SIZE},
            "query",
            description=f"Items per page (default and at most {MAX_PAGE_SIZE}).",
        ),
        build_parameter_type(
            "starting_after",
            basic(UUID),
            "query",
            description="The page after this item (`pageInfo.endCursor`). Not with ending_before.",
        ),
        build_parameter_type(
            "ending_before",
            basic(UUID),
            "query",
            description="The page before this item (`pageInfo.startCursor`). Not with starting_after.",
        ),
    ]


def _envelope(key: str, schema: Schema) -> Schema:
    return obj({"data": obj({key: schema}, required=[key])}, required=["data"])


def build_metadata_document(workspace_schema: WorkspaceSchema, server_url: str, workspace_name: str) -> Schema:
    components = shared_components()
    components["schemas"].update(
        {
            "Object": object_schema(),
            "Field": field_schema(),
            "FieldOption": _option_schema(write=False),
            "FieldOptionInput": _option_schema(write=True),
            "FieldForCreate": field_create_schema(workspace_schema),
            "FieldForUpdate": field_update_schema(),
            "Picklist": picklist_schema(),
        }
    )
    field_id = build_parameter_type("id", basic(UUID), "path", description="Id of the field.", required=True)
    object_ref = build_parameter_type(
        "idOrName",
        basic(STRING),
        "path",
        description="The object's id, singular name (`person`) or plural name (`people`).",
        required=True,
    )
    reads = error_responses(401, 429)
    paged_reads = error_responses(400, 401, 429)
    writes = error_responses(400, 401, 403, 404, 413, 415, 429)
    example_field = {
        "objectName": "person",
        "name": "tier",
        "label": "Tier",
        "type": "SELECT",
        "options": [{"value": "GOLD", "label": "Gold", "color": "yellow"}, {"value": "SILVER", "label": "Silver"}],
    }
    paths = {
        "/objects": {
            "get": {
                "operationId": "findManyObjects",
                "summary": "List objects with their fields",
                "tags": ["Objects"],
                "parameters": _paging_parameters(),
                "responses": {
                    "200": json_response("A page of objects.", _list_envelope("objects", ref("Object"))),
                    **paged_reads,
                },
            }
        },
        "/objects/{idOrName}": {
            "parameters": [object_ref],
            "get": {
                "operationId": "findOneObject",
                "summary": "Get an object with its fields",
                "tags": ["Objects"],
                "responses": {
                    "200": json_response("The object.", _envelope("object", ref("Object"))),
                    **error_responses(401, 404, 429),
                },
            },
        },
        "/fields": {
            "get": {
                "operationId": "findManyFields",
                "summary": "List fields of every object",
                "tags": ["Fields"],
                "parameters": _paging_parameters(),
                "responses": {
                    "200": json_response("A page of fields.", _list_envelope("fields", ref("Field"))),
                    **paged_reads,
                },
            },
            "post": {
                "operationId": "createOneField",
                "summary": "Create a custom field",
                "description": "The field is usable at once in the core API, its filters and its OpenAPI document.",
                "tags": ["Fields"],
                "requestBody": {
                    "required": True,
                    "content": json_content(ref("FieldForCreate"), {"select": example_field}),
                },
                "responses": {
                    "201": json_response("The created field.", _envelope("createOneField", ref("Field"))),
                    **writes,
                },
            },
        },
        "/fields/{id}": {
            "parameters": [field_id],
            "get": {
                "operationId": "findOneField",
                "summary": "Get a field",
                "tags": ["Fields"],
                "responses": {
                    "200": json_response("The field.", _envelope("field", ref("Field"))),
                    **error_responses(400, 401, 404, 429),
                },
            },
            "patch": {
                "operationId": "updateOneField",
                "summary": "Update a field",
                "tags": ["Fields"],
                "requestBody": {
                    "required": True,
                    "content": json_content(ref("FieldForUpdate"), {"relabel": {"label": "Customer tier"}}),
                },
                "responses": {
                    "200": json_response("The updated field.", _envelope("updateOneField", ref("Field"))),
                    **writes,
                },
            },
            "delete": {
                "operationId": "deleteOneField",
                "summary": "Delete a custom field and its values",
                "description": "Standard fields cannot be deleted (400).",
                "tags": ["Fields"],
                "responses": {
                    "200": json_response(
                        "The deleted field's id.",
                        _envelope("deleteOneField", obj({"id": basic(UUID)}, required=["id"])),
                    ),
                    **error_responses(400, 401, 403, 404, 429),
                },
            },
        },
        "/picklists": {
            "get": {
                "operationId": "findManyPicklists",
                "summary": "List every SELECT and MULTI_SELECT field with its options",
                "tags": ["Picklists"],
                "responses": {
                    "200": json_response("Every picklist.", _envelope("picklists", array(ref("Picklist")))),
                    **reads,
                },
            }
        },
    }
    add_object_writes(paths, components["schemas"])
    description = (
        f"Objects and fields of the **{workspace_name}** workspace. Custom objects and fields created here "
        "appear immediately in the core API. Writes need a full-access API key. " + rate_limit_note()
    )
    return document(
        f"{workspace_name} — Metadata API",
        description,
        server_url,
        paths,
        components,
        tags=[
            {"name": "Objects", "description": "The objects of the workspace and their fields; custom objects."},
            {"name": "Fields", "description": "Create, change and delete custom fields."},
            {"name": "Picklists", "description": "Options of select fields."},
        ],
    )
