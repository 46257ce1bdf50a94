"""The database cache table (rate-limit counters), made by `migrate` like every other table, so a
fresh install, `soms start` and the test databases all have it. With Redis as the cache
(SOMS_CACHE_URL) createcachetable has nothing to do."""

from typing import Any, ClassVar

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies: ClassVar[list[tuple[str, str]]] = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
