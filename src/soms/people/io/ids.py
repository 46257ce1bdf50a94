"""Reserve primary keys before writing, so the rows of an import are complete before its transaction.

PostgreSQL hands out ids from the table's sequence (never rolled back, never given twice). SQLite
tables made by Django use AUTOINCREMENT: a new row gets one more than the larger of the highest id
and `sqlite_sequence.seq`, so raising `seq` past a block reserves the block. That takes the write
lock for a moment (two statements), not for the import. An import that then fails leaves a gap in
the ids, as a rolled-back insert does on PostgreSQL.
"""

from __future__ import annotations

from django.db import connection, models, transaction


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` ids no other row has or will be given, in ascending order."""
    if count <= 0:
        return []
    table = model._meta.db_table
    column = str(model._meta.pk.column)
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [qn(table), column, count],
            )
            return sorted(int(row[0]) for row in cursor.fetchall())
    if connection.vendor != "sqlite":
        raise NotImplementedError(f"reserving ids on {connection.vendor}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        cursor.execute(f"SELECT COALESCE(MAX({qn(column)}), 0) FROM {qn(table)}")
        start = max(int(row[0]) if row else 0, int(cursor.fetchone()[0]))
        if row is None:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start + count])
        else:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [start + count, table])
    return list(range(start + 1, start + count + 1))
