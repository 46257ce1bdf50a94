"""People are found by any word of their name without regard to case or accents (F16): a folded
copy of the name, `search_key`. Add it empty, fill it from every name, then index it (on PostgreSQL
also with varchar_pattern_ops, which a LIKE 'abc%' needs under a non-"C" collation)."""

from django.db import migrations, models

from soms.people.search import search_text

BATCH = 2000


def backfill(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    # Staged rows of an unfinished import too: the base manager sees every row.
    rows = Person._base_manager.order_by("pk").values_list("pk", "name")
    batch = []
    for pk, name in rows.iterator(chunk_size=BATCH):
        batch.append(Person(pk=pk, search_key=search_text(name)))
        if len(batch) == BATCH:
            Person._base_manager.bulk_update(batch, ["search_key"])
            batch = []
    if batch:
        Person._base_manager.bulk_update(batch, ["search_key"])


def pattern_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS person_org_search_prefix "
            "ON people_person (organisation_id, search_key varchar_pattern_ops)"
        )


def drop_pattern_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS person_org_search_prefix")


class Migration(migrations.Migration):
    dependencies = [("people", "0009_invitations")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="search_key",
            field=models.CharField(default="", editable=False, max_length=400),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["organisation", "search_key", "id"], name="person_org_search"),
        ),
        migrations.RunPython(pattern_index, drop_pattern_index),
    ]
