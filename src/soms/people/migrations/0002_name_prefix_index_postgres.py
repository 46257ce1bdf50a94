"""On PostgreSQL a LIKE 'abc%' prefix search can only use a B-tree index built with
varchar_pattern_ops (the database's collation is not "C"); SQLite needs no such index."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS person_org_name_prefix "
            "ON people_person (organisation_id, name_key varchar_pattern_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS person_org_name_prefix")


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
