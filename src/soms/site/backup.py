"""Backup and restore of one installation: every table's rows and every uploaded file, in one archive.

The archive is a zip file:

* ``manifest.json`` — format name and version, when, from which database, the applied migrations,
  and per table its row count; per file its size and SHA-256.
* ``tables/<app_label>.<model>.jsonl`` — one JSON array per row, the columns in ``manifest.columns``.
* ``media/<path>`` — the files under the media root, as they are.

The rows are read in one snapshot while the app keeps running: a ``REPEATABLE READ, READ ONLY``
transaction on PostgreSQL, a deferred (read) transaction on SQLite, which in WAL mode never blocks
writers. A restore goes into an installation with no data of its own (migrated, nothing else),
on SQLite or PostgreSQL whichever the backup came from, and resets PostgreSQL's sequences after.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import os
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "soms-backup"
FORMAT_VERSION = 1
BATCH = 500

# Rows that `migrate` itself writes into a new database; a restore replaces them with the backup's.
MIGRATE_MADE = ("contenttypes.contenttype", "auth.permission")

Progress = Callable[[str, int, int], None]  # (what, done, total)


class BackupError(Exception):
    """The archive cannot be made or restored, for a reason the operator can act on."""


def backed_up_models() -> list[type[models.Model]]:
    """Every table Django manages, many-to-many tables included, in a stable order."""
    found = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]
    return sorted(found, key=lambda m: m._meta.label_lower)


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields]


def _plain(value: Any) -> Any:
    """A column value as JSON; `_restore_value` turns it back with the field's own parser."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def _restore_value(field: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.BinaryField):
        return base64.b64decode(value)
    if isinstance(field, models.DurationField):
        return dt.timedelta(seconds=value)
    if isinstance(field, models.JSONField):
        return value
    if isinstance(
        field,
        models.DateTimeField | models.DateField | models.TimeField | models.UUIDField | models.DecimalField,
    ):
        return field.to_python(value)
    return value


@contextmanager
def read_snapshot() -> Iterator[None]:
    """One consistent view of every table for the duration of the block, without blocking writers."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        # Django opens SQLite transactions IMMEDIATE here (it takes the write lock); a plain BEGIN is a
        # read transaction, and in WAL mode it sees one snapshot while others keep writing.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    raise BackupError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")


def _migrations_applied() -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup_write(target: Path, *, progress: Progress | None = None) -> dict[str, Any]:
    """Write the archive to `target` (via a temporary file, so a failed backup leaves nothing)."""
    tmp = target.with_name(target.name + ".partial")
    report = progress or (lambda what, done, total: None)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": connection.vendor,
        "tables": {},
        "files": {},
    }
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            with read_snapshot():
                manifest["migrations"] = _migrations_applied()
                todo = [(m, m._default_manager.count()) for m in backed_up_models()]
                total = sum(n for _, n in todo)
                done = 0
                for model, count in todo:
                    cols = _columns(model)
                    label = model._meta.label_lower
                    manifest["tables"][label] = {"rows": count, "columns": [f.attname for f in cols]}
                    with archive.open(f"tables/{label}.jsonl", "w") as out:
                        rows = model._base_manager.order_by("pk").values_list(*[f.attname for f in cols])
                        for row in rows.iterator(chunk_size=2000):
                            out.write(
                                json.dumps([_plain(v) for v in row], ensure_ascii=False).encode() + b"\n"
                            )
                            done += 1
                            if done % 1000 == 0:
                                report("rows", done, total)
                    # The count was read in the same snapshot; a mismatch means the snapshot leaked.
                report("rows", done, total)
            files = _media_files()
            root = Path(settings.MEDIA_ROOT)
            for i, path in enumerate(files, 1):
                name = path.relative_to(root).as_posix()
                manifest["files"][name] = {"size": path.stat().st_size, "sha256": _sha256(path)}
                archive.write(path, f"media/{name}")
                report("files", i, len(files))
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return manifest


def _read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads(archive.read("manifest.json"))
    except KeyError:
        raise BackupError("this is not a SOMS backup: it has no manifest.json") from None
    if manifest.get("format") != FORMAT:
        raise BackupError("this is not a SOMS backup (the manifest names another format)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format version {manifest.get('format_version')} is not {FORMAT_VERSION}, the one this "
            "version of SOMS reads; restore it with the version of SOMS that made it"
        )
    return manifest


def installation_data_tables() -> list[str]:
    """Tables holding data of their own (beyond what `migrate` writes); empty means restorable."""
    busy = []
    for model in backed_up_models():
        label = model._meta.label_lower
        if label not in MIGRATE_MADE and model._base_manager.exists():
            busy.append(label)
    return busy


def restore_read(source: Path, *, progress: Progress | None = None) -> dict[str, Any]:
    """Load the archive into this (migrated, empty) installation, all tables in one transaction."""
    report = progress or (lambda what, done, total: None)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{source}: not a readable backup archive ({exc})") from None
    with archive:
        manifest = _read_manifest(archive)
        ours = _migrations_applied()
        if manifest["migrations"] != ours:
            theirs = {tuple(m) for m in manifest["migrations"]}
            mine = {tuple(m) for m in ours}
            missing = sorted(theirs - mine)[:3]
            extra = sorted(mine - theirs)[:3]
            raise BackupError(
                "the backup was made by a different version of SOMS (database migrations differ: "
                f"only in the backup {missing or 'none'}, only here {extra or 'none'}); restore it with the "
                "version that made it, then upgrade"
            )
        busy = installation_data_tables()
        if busy:
            raise BackupError(
                f"this installation already has data ({', '.join(busy[:5])}{' …' if len(busy) > 5 else ''}); "
                "restore into an empty one: a new SOMS_DATA_DIR or database, migrated (`soms migrate`) and "
                "nothing else"
            )
        by_label = {m._meta.label_lower: m for m in backed_up_models()}
        unknown = sorted(set(manifest["tables"]) - set(by_label))
        if unknown:
            raise BackupError(f"the backup has tables this version does not know: {', '.join(unknown[:5])}")
        total = sum(t["rows"] for t in manifest["tables"].values())
        done = 0
        with transaction.atomic():
            for label in MIGRATE_MADE:
                by_label[label]._base_manager.all().delete()
            for label, table in manifest["tables"].items():
                model = by_label[label]
                fields = {f.attname: f for f in _columns(model)}
                if set(table["columns"]) != set(fields):
                    raise BackupError(f"{label}: the backup's columns differ from this version's")
                cols = [fields[c] for c in table["columns"]]
                batch: list[models.Model] = []
                with archive.open(f"tables/{label}.jsonl") as rows:
                    for line in rows:
                        values = json.loads(line)
                        obj = model(
                            **{f.attname: _restore_value(f, v) for f, v in zip(cols, values, strict=True)}
                        )
                        batch.append(obj)
                        if len(batch) >= BATCH:
                            _insert(model, batch, cols)
                            done += len(batch)
                            batch = []
                            report("rows", done, total)
                if batch:
                    _insert(model, batch, cols)
                    done += len(batch)
                report("rows", done, total)
            _reset_sequences(list(by_label.values()))
        root = Path(settings.MEDIA_ROOT)
        for i, (name, meta) in enumerate(manifest["files"].items(), 1):
            target = (root / name).resolve()
            if root.resolve() not in target.parents:
                raise BackupError(f"the backup names a file outside the media root: {name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(f"media/{name}") as src, target.open("wb") as out:
                while chunk := src.read(1 << 20):
                    out.write(chunk)
            if _sha256(target) != meta["sha256"]:
                raise BackupError(f"{name}: the file in the backup is damaged (its checksum differs)")
            report("files", i, len(manifest["files"]))
    return manifest


def _insert(
    model: type[models.Model], objs: list[models.Model], fields: list[models.Field[Any, Any]]
) -> None:
    # raw=True: stored values go in as they are (no auto_now timestamps, no defaults recomputed).
    model._base_manager._insert(objs, fields=fields, raw=True)  # type: ignore[attr-defined]


def _reset_sequences(all_models: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), all_models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
