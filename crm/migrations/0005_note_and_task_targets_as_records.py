"""Note and task targets become records like the others (workspace, timestamps, soft
delete, position, custom values), so the APIs can list, create and delete them.

The old link tables had integer ids; each link is copied to a new row with a UUID and
its note's (or task's) workspace, then the old tables are dropped. Every existing
workspace gets the new objects and fields in its metadata.
"""

import uuid

import django.db.models.deletion
from django.db import migrations, models

from crm.services.standard_metadata import sync_every_workspace


RECORD_FIELDS = [
    ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
    ("created_at", models.DateTimeField(db_index=True)),
    ("updated_at", models.DateTimeField()),
    ("deleted_at", models.DateTimeField(blank=True, null=True)),
    ("position", models.FloatField(default=0)),
    ("created_by_source", models.CharField(default="MANUAL", max_length=20)),
    ("created_by_workspace_member_id", models.UUIDField(blank=True, null=True)),
    ("created_by_name", models.CharField(blank=True, default="", max_length=200)),
    ("custom", models.JSONField(blank=True, default=dict)),
]


def target_model(name: str, parent: str, related_name: str) -> migrations.CreateModel:
    def link(to: str) -> models.ForeignKey:
        return models.ForeignKey(
            blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name=related_name, to=to
        )

    return migrations.CreateModel(
        name=name,
        fields=[
            *[(field_name, field.clone()) for field_name, field in RECORD_FIELDS],
            (
                "workspace",
                models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="crm.workspace"),
            ),
            (parent, link(f"crm.{parent}")),
            ("person", link("crm.person")),
            ("company", link("crm.company")),
            ("opportunity", link("crm.opportunity")),
        ],
        options={
            "ordering": ["position", "id"],
            "abstract": False,
            "indexes": [
                models.Index(
                    condition=models.Q(deleted_at__isnull=True),
                    fields=["workspace", "position", "id"],
                    name=f"{name.lower()}_ws_position",
                )
            ],
        },
    )


def copy_links(apps, schema_editor):  # noqa: ANN001 - RunPython's signature
    for legacy_name, name, parent in (
        ("LegacyNoteTarget", "NoteTarget", "note"),
        ("LegacyTaskTarget", "TaskTarget", "task"),
    ):
        legacy, model = apps.get_model("crm", legacy_name), apps.get_model("crm", name)
        rows = []
        for position, link in enumerate(legacy.objects.select_related(parent).order_by("id").iterator()):
            owner = getattr(link, parent)
            rows.append(
                model(
                    id=uuid.uuid4(),
                    workspace_id=owner.workspace_id,
                    # The link existed since at least its note (or task) did.
                    created_at=owner.created_at,
                    updated_at=owner.updated_at,
                    position=position,
                    created_by_source=owner.created_by_source,
                    created_by_workspace_member_id=owner.created_by_workspace_member_id,
                    created_by_name=owner.created_by_name,
                    custom={},
                    **{f"{parent}_id": owner.id},
                    person_id=link.person_id,
                    company_id=link.company_id,
                    opportunity_id=link.opportunity_id,
                )
            )
            if len(rows) >= 500:
                model.objects.bulk_create(rows)
                rows = []
        model.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0004_live_record_indexes"),
    ]

    operations = [
        migrations.RenameModel("NoteTarget", "LegacyNoteTarget"),
        migrations.RenameModel("TaskTarget", "LegacyTaskTarget"),
        # The new models take over the reverse names on notes, tasks, people, ...
        *[
            migrations.AlterField(
                model_name=legacy,
                name=field_name,
                field=models.ForeignKey(
                    blank=nullable,
                    null=nullable,
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="+",
                    to=f"crm.{field_name}",
                ),
            )
            for legacy, parent in (("legacynotetarget", "note"), ("legacytasktarget", "task"))
            for field_name, nullable in ((parent, False), ("person", True), ("company", True), ("opportunity", True))
        ],
        target_model("NoteTarget", "note", "note_targets"),
        target_model("TaskTarget", "task", "task_targets"),
        migrations.RunPython(copy_links, migrations.RunPython.noop),
        migrations.DeleteModel("LegacyNoteTarget"),
        migrations.DeleteModel("LegacyTaskTarget"),
        migrations.RunPython(sync_every_workspace, migrations.RunPython.noop),
    ]
