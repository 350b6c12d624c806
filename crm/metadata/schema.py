"""The compiled form of a workspace's metadata.

Metadata rows are read once per (workspace, metadata version) and turned into
plain objects that know where each field is stored, so the request path never
re-reads metadata and a new custom field is picked up by the next request.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from crm.metadata.composite_types import COMPOSITE_TYPES, SubFieldSpec
from crm.metadata.standard_objects import STANDARD_OBJECTS_BY_NAME
from crm.models import CustomRecord, FieldMetadata, ObjectMetadata, Workspace

_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")


def snake_case(name: str) -> str:
    return _CAMEL_BOUNDARY.sub("_", name).lower()


@dataclass(frozen=True)
class SubField:
    name: str
    kind: str
    # ORM lookup path: a column for standard fields, ``custom__<field>__<sub>`` for custom ones.
    path: str
    max_length: int | None = None


@dataclass(frozen=True)
class Relation:
    kind: str  # MANY_TO_ONE | ONE_TO_MANY
    target: str  # singular name of the target object
    inverse: str
    # MANY_TO_ONE: the id field clients read and write (``companyId``) and its column.
    join_field: str | None = None
    join_column: str | None = None
    # ONE_TO_MANY: the reverse accessor on the model (``people``) and the FK column on the target.
    accessor: str | None = None
    target_fk_column: str | None = None


# eq=False: compiled fields and objects are hashed by identity, so derived
# functions (serializers, query compilers) can be cached per compiled object.
@dataclass(frozen=True, eq=False)
class CompiledField:
    id: str
    name: str
    label: str
    type: str
    description: str
    is_custom: bool
    is_system: bool
    is_nullable: bool
    options: tuple[dict[str, Any], ...]
    settings: dict[str, Any]
    default_value: Any
    # Scalar fields: the ORM path of the value. Composite fields use ``subfields``.
    path: str | None = None
    subfields: tuple[SubField, ...] = ()
    relation: Relation | None = None

    @property
    def is_composite(self) -> bool:
        return bool(self.subfields)

    @property
    def option_values(self) -> frozenset[str]:
        return frozenset(option["value"] for option in self.options)

    def subfield(self, name: str) -> SubField | None:
        return next((sub for sub in self.subfields if sub.name == name), None)


@dataclass(frozen=True, eq=False)
class CompiledObject:
    id: str
    name_singular: str
    name_plural: str
    label_singular: str
    label_plural: str
    description: str
    model: type[models.Model]
    # Every field by name, including relation id fields such as ``companyId``.
    fields: dict[str, CompiledField]
    # Custom objects share the CustomRecord table; their rows are those with object_id = id
    # (see crm/query/object_scope.py).
    is_custom: bool = False
    icon: str = ""
    # The field that names a record, where the object says which (Twenty's label identifier).
    label_identifier: str | None = None

    @property
    def value_fields(self) -> list[CompiledField]:
        """Fields with a stored value (everything but relations)."""
        return [f for f in self.fields.values() if f.type != "RELATION"]

    @property
    def relations(self) -> list[CompiledField]:
        return [f for f in self.fields.values() if f.type == "RELATION"]

    @property
    def capitalized(self) -> str:
        return self.name_singular[0].upper() + self.name_singular[1:]

    @property
    def capitalized_plural(self) -> str:
        return self.name_plural[0].upper() + self.name_plural[1:]


@dataclass
class WorkspaceSchema:
    workspace_id: str
    version: int
    objects: dict[str, CompiledObject] = field(default_factory=dict)

    def by_plural(self, plural: str) -> CompiledObject | None:
        return next((o for o in self.objects.values() if o.name_plural == plural), None)

    def by_singular(self, singular: str) -> CompiledObject | None:
        return self.objects.get(singular)


_cache: dict[tuple[str, int], WorkspaceSchema] = {}
_cache_lock = threading.Lock()


def get_workspace_schema(workspace: Workspace) -> WorkspaceSchema:
    key = (str(workspace.id), workspace.metadata_version)
    schema = _cache.get(key)
    if schema is None:
        schema = compile_workspace_schema(workspace)
        with _cache_lock:
            # Keep only the newest version of each workspace.
            for old in [k for k in _cache if k[0] == key[0]]:
                del _cache[old]
            _cache[key] = schema
    return schema


def compile_workspace_schema(workspace: Workspace) -> WorkspaceSchema:
    schema = WorkspaceSchema(workspace_id=str(workspace.id), version=workspace.metadata_version)
    objects = list(ObjectMetadata.objects.filter(workspace=workspace, is_active=True))
    active = {obj.name_singular for obj in objects}
    fields_by_object: dict[Any, list[FieldMetadata]] = {}
    for row in FieldMetadata.objects.filter(workspace=workspace, is_active=True).order_by("position", "name"):
        fields_by_object.setdefault(row.object_id, []).append(row)
    for obj in objects:
        model = model_of(obj)
        compiled: dict[str, CompiledField] = {}
        for row in fields_by_object.get(obj.id, []):
            if row.type == "RELATION" and row.settings.get("targetObject") not in active | {"workspaceMember"}:
                continue  # its other side is an inactive object
            for compiled_field in _compile_field(row, model, in_custom_object=obj.is_custom):
                compiled[compiled_field.name] = compiled_field
        schema.objects[obj.name_singular] = CompiledObject(
            id=str(obj.id),
            name_singular=obj.name_singular,
            name_plural=obj.name_plural,
            label_singular=obj.label_singular,
            label_plural=obj.label_plural,
            description=obj.description,
            model=model,
            fields=compiled,
            is_custom=obj.is_custom,
            icon=obj.icon,
            label_identifier=next(
                (row.name for row in fields_by_object.get(obj.id, []) if row.id == obj.label_identifier_field_id), None
            ),
        )
    return schema


def model_of(obj: ObjectMetadata) -> type[models.Model]:
    """The table an object's records live in."""
    return CustomRecord if obj.is_custom else STANDARD_OBJECTS_BY_NAME[obj.name_singular].model


def _compile_field(
    row: FieldMetadata, model: type[models.Model], *, in_custom_object: bool = False
) -> list[CompiledField]:
    """``in_custom_object``: every value but the system columns is stored in ``custom``,
    so the fields compile as custom ones (``name`` of a custom object included)."""
    base = {
        "id": str(row.id),
        "name": row.name,
        "label": row.label,
        # A rating is read, written and filtered as the select it is (its options are fixed).
        "type": "SELECT" if row.type == "RATING" else row.type,
        "description": row.description,
        "is_custom": row.is_custom or (in_custom_object and not row.is_system),
        "is_system": row.is_system,
        "is_nullable": row.is_nullable,
        "options": tuple(row.options or ()),
        "settings": row.settings or {},
        "default_value": row.default_value,
    }
    if row.type == "RELATION":
        return _compile_relation(row, model, base)
    specs: tuple[SubFieldSpec, ...] = COMPOSITE_TYPES.get(row.type, ())
    if base["is_custom"]:
        if specs:
            subs = tuple(SubField(s.name, s.kind, f"custom__{row.name}__{s.name}", s.max_length) for s in specs)
            return [CompiledField(**base, subfields=subs)]
        return [CompiledField(**base, path=f"custom__{row.name}")]
    if specs:
        subs = tuple(
            SubField(s.name, s.kind, f"{snake_case(row.name)}_{snake_case(s.name)}", s.max_length) for s in specs
        )
        return [CompiledField(**base, subfields=subs)]
    return [CompiledField(**base, path=snake_case(row.name))]


def _compile_relation(row: FieldMetadata, model: type[models.Model], base: dict[str, Any]) -> list[CompiledField]:
    settings = row.settings
    # Custom relations keep the related id in ``custom`` under the join field's name.
    in_json = base["is_custom"]
    if settings["relationType"] == "MANY_TO_ONE":
        join_field = settings["joinColumnName"]
        column = f"custom__{join_field}" if in_json else f"{snake_case(row.name)}_id"
        relation = Relation(
            kind="MANY_TO_ONE",
            target=settings["targetObject"],
            inverse=settings["inverseField"],
            join_field=join_field,
            join_column=column,
        )
        id_field = CompiledField(
            **{
                **base,
                "id": f"{base['id']}:join",
                "name": join_field,
                "label": f"{row.label} id",
                "type": "UUID",
                "description": f"Id of the related {settings['targetObject']}",
            },
            path=column,
        )
        return [CompiledField(**base, relation=relation), id_field]
    accessor = snake_case(row.name)
    if in_json:
        relation = Relation(
            kind="ONE_TO_MANY",
            target=settings["targetObject"],
            inverse=settings["inverseField"],
            target_fk_column=f"custom__{settings['inverseField']}Id",
        )
        return [CompiledField(**base, relation=relation)]
    target_fk_column = f"{snake_case(settings['inverseField'])}_id"
    # The reverse accessor is declared on the target model's ForeignKey (related_name).
    related_names = {rel.get_accessor_name(): rel for rel in model._meta.related_objects}
    if accessor not in related_names:
        accessor = next(
            (name for name, rel in related_names.items() if rel.field.name == snake_case(settings["inverseField"])),
            accessor,
        )
    relation = Relation(
        kind="ONE_TO_MANY",
        target=settings["targetObject"],
        inverse=settings["inverseField"],
        accessor=accessor,
        target_fk_column=target_fk_column,
    )
    return [CompiledField(**base, relation=relation)]
