"""Text columns without a length limit, as Twenty's: names, titles, job titles, cities,
address parts and link labels were at most 255 characters. The API now takes up to
10,000, as for custom text fields (crm/services/record_input.py).

On PostgreSQL, varchar to text rewrites no row. SQLite rebuilds each table whose column
changes, and a rebuilt table has lost its triggers (the live counts of migration 0008),
so they are installed again on the tables this migration rebuilt.
"""

from importlib import import_module

from django.db import migrations, models

live_counts = import_module("crm.migrations.0008_live_record_counts")
REBUILT_TABLES = ("crm_company", "crm_person", "crm_note", "crm_opportunity", "crm_task")


def reinstall_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        live_counts.install_triggers(schema_editor, REBUILT_TABLES)


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0011_system_field_defaults'),
    ]

    operations = [
        # Last when reversed: the tables rebuilt back to varchar get their triggers again.
        migrations.RunPython(migrations.RunPython.noop, reinstall_sqlite_triggers),
        migrations.AlterField(
            model_name='company',
            name='address_address_city',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='company',
            name='address_address_country',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='company',
            name='address_address_postcode',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='company',
            name='address_address_state',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='company',
            name='address_address_street1',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='company',
            name='address_address_street2',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='company',
            name='domain_name_primary_link_label',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='company',
            name='linkedin_link_primary_link_label',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='company',
            name='name',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='company',
            name='x_link_primary_link_label',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='note',
            name='title',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='opportunity',
            name='name',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='person',
            name='city',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='person',
            name='job_title',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='person',
            name='linkedin_link_primary_link_label',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='person',
            name='name_first_name',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='person',
            name='name_last_name',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='person',
            name='x_link_primary_link_label',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='task',
            name='title',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.RunPython(reinstall_sqlite_triggers, migrations.RunPython.noop),
    ]
