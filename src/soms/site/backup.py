"""Backup and restore of one installation: every table's rows and every uploaded file, in one archive.

The archive is a zip file:

* ``manifest.json`` — format name and version, when, from which database, the applied migrations,
  and per table its row count; per file its size and SHA-256.
* ``tables/<app_label>.<model>.jsonl`` — one JSON array per row, the columns in ``manifest.columns``.
* ``media/<path>`` — the files under the media root, as they are.

The rows are read in one snapshot while the app keeps running: a ``REPEATABLE READ, READ ONLY``
transaction on PostgreSQL, a deferred (read) transaction on SQLite, which in WAL mode never blocks
writers.

A restore goes into an installation with no data of its own, on SQLite or PostgreSQL whichever the
backup came from, in two steps. `restore_check` reads the whole archive and writes nothing: its
layout, the manifest, every row (each value as the column it goes into takes it) and every file
(its checksum), within bounds (`soms.limits`) that keep a damaged or hostile archive from costing
more than a real one; every problem is named by member, line and column. Only then `restore_write`
migrates the database and writes the rows and files, all in one transaction — DDL is transactional
on both databases — so that a failure at any point leaves the database as it was.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import hashlib
import json
import math
import os
import shutil
import struct
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Annotated, Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from soms import limits
from soms.core.problems import Invalid, Problem, path_text
from soms.core.safeload import check_data, json_loads

FORMAT = "soms-backup"
FORMAT_VERSION = 1
BATCH = 500
MANIFEST = "manifest.json"
MiB = 1024 * 1024
# Row problems reported before the check stops reading: enough to see a pattern, not a flood.
MAX_PROBLEMS = 50

# Rows that `migrate` itself writes into a new database; a restore replaces them with the backup's.
MIGRATE_MADE = ("contenttypes.contenttype", "auth.permission")

Progress = Callable[[str, int, int], None]  # (what, done, total)


class BackupError(Exception):
    """The archive cannot be made or restored, for a reason the operator can act on."""


def max_row_bytes() -> int:
    """The longest table row an archive may hold: an upload kept in a row (base64) must fit."""
    return max(limits.MAX_BACKUP_ROW_BYTES, 2 * int(settings.SOMS_MAX_UPLOAD_BYTES))


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
    """A column value as JSON; `converter` turns it back as the column takes it."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


# --- one column's values: checked and converted by the same function, in the check and the write ---

_INTEGERS = BaseDatabaseOperations.integer_field_ranges  # the portable ranges, the same on both databases
_TEXTS = {
    "CharField",
    "TextField",
    "SlugField",
    "EmailField",
    "URLField",
    "FileField",
    "FilePathField",
    "ImageField",
    "GenericIPAddressField",
}
_TEMPORAL = {"DateTimeField", "DateField", "TimeField", "UUIDField"}


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def converter(column: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """The function that takes a JSON value of this column to what the database stores, raising
    ValueError (a reason for people) for a value the column would refuse or silently mangle: the
    wrong type (SQLite would store text in an integer column), a NUL character (PostgreSQL refuses
    it), text longer than the column, a number outside it."""
    target = column
    while isinstance(target, models.ForeignKey):  # a key is typed like what it points at
        target = target.target_field
    kind = target.get_internal_type()
    nullable = column.null

    def take(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def convert(value: Any) -> Any:
            if value is None:
                if nullable:
                    return None
                raise ValueError("must have a value (this column is never empty), not null")
            return check(value)

        return convert

    if kind in _INTEGERS or kind in {"AutoField", "BigAutoField", "SmallAutoField"}:
        low, high = _INTEGERS.get(kind, (None, None))

        def integer(v: Any) -> Any:
            if type(v) is not int:
                raise ValueError(f"must be a whole number, not {_kind(v)}")
            if (low is not None and v < low) or (high is not None and v > high):
                raise ValueError(f"{v} is outside this column's range ({low} to {high})")
            return v

        return take(integer)
    if kind == "BooleanField":

        def boolean(v: Any) -> Any:
            if type(v) is not bool:
                raise ValueError(f"must be true or false, not {_kind(v)}")
            return v

        return take(boolean)
    if kind in {"FloatField", "DurationField"}:

        def number(v: Any) -> Any:
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ValueError(f"must be a number, not {_kind(v)}")
            if not math.isfinite(v):
                raise ValueError("must be a finite number")
            return dt.timedelta(seconds=v) if kind == "DurationField" else v

        return take(number)
    if kind in _TEXTS:
        length = target.max_length

        def text(v: Any) -> Any:
            if not isinstance(v, str):
                raise ValueError(f"must be text, not {_kind(v)}")
            if "\x00" in v:
                raise ValueError("holds a NUL character (\\u0000), which no text column takes")
            if length is not None and len(v) > length:
                raise ValueError(f"is {len(v):,} characters long; this column holds at most {length:,}")
            return v

        return take(text)
    if kind in _TEMPORAL or kind == "DecimalField":

        def parsed(v: Any) -> Any:
            if not isinstance(v, str):
                raise ValueError(f"must be text, not {_kind(v)}")
            try:
                out = target.to_python(v)
                if kind == "DecimalField":
                    for validator in target.validators:
                        validator(out)
            except ValidationError as exc:
                raise ValueError(
                    f"{v[:40]!r} is not a valid {kind.removesuffix('Field').lower()}: {exc.messages[0]}"
                ) from None
            if out is None:
                raise ValueError(f"{v[:40]!r} is not a valid {kind.removesuffix('Field').lower()}")
            return out

        return take(parsed)
    if kind == "BinaryField":

        def binary(v: Any) -> Any:
            if not isinstance(v, str):
                raise ValueError(f"must be base64 text, not {_kind(v)}")
            try:
                return base64.b64decode(v, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("is not valid base64") from None

        return take(binary)
    if kind == "JSONField":

        def document(v: Any) -> Any:
            try:
                check_data(v)
            except Invalid as exc:
                raise ValueError(str(exc.problems[0])) from None
            return v

        return take(document)
    raise BackupError(f"{column.model._meta.label_lower}.{column.attname}: no restore rule for {kind}")


# --- backup ---------------------------------------------------------------------------------------


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


def _migrations_pending() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _ in plan]


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(MiB), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup_target_problem(target: Path, *, force: bool) -> str | None:
    """Why `target` cannot take a backup, or None: checked before any row is read."""
    if target.is_dir():
        return f"{target} is a folder; name the archive to write, e.g. {target / 'soms-backup.zip'}"
    if target.exists() and not force:
        return f"{target} exists; choose another name or pass --force to replace it"
    if not target.parent.exists():
        return f"the folder {target.parent} does not exist"
    if not target.parent.is_dir():
        return f"{target.parent} is not a folder"
    media = Path(settings.MEDIA_ROOT).resolve()
    where = target.parent.resolve()
    if where == media or media in where.parents:
        return f"{target} is inside the media folder {media}, which the backup copies: write it elsewhere"
    return None


def backup_write(target: Path, *, progress: Progress | None = None) -> dict[str, Any]:
    """Write the archive to `target` via a temporary file beside it (readable by its owner only: the
    archive holds password hashes and sessions), so that a failed backup leaves nothing."""
    report = progress or (lambda what, done, total: None)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": connection.vendor,
        "tables": {},
        "files": {},
    }
    longest = max_row_bytes()
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    except OSError as exc:
        raise BackupError(f"cannot write in {target.parent}: {exc.strerror}") from None
    tmp = Path(name)
    try:
        pending = _migrations_pending()
        if pending:
            raise BackupError(
                f"the database is not migrated ({len(pending)} migrations to apply, first {pending[0]}): "
                "run `soms migrate`, then back up"
            )
        with (
            os.fdopen(fd, "wb") as raw,
            zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
        ):
            with read_snapshot():
                manifest["migrations"] = _migrations_applied()
                # The base manager: a default manager that hides rows would make the counts lie.
                todo = [(m, m._base_manager.count()) for m in backed_up_models()]
                total = sum(n for _, n in todo)
                done = 0
                report("rows", 0, total)
                for model, count in todo:
                    cols = _columns(model)
                    label = model._meta.label_lower
                    manifest["tables"][label] = {"rows": count, "columns": [f.attname for f in cols]}
                    with archive.open(f"tables/{label}.jsonl", "w", force_zip64=True) as out:
                        rows = model._base_manager.order_by("pk").values_list(*[f.attname for f in cols])
                        for row in rows.iterator(chunk_size=2000):
                            line = json.dumps([_plain(v) for v in row], ensure_ascii=False).encode() + b"\n"
                            if len(line) > longest:
                                raise BackupError(
                                    f"{label} row {row[0]!r} is {len(line):,} bytes, more than a restore reads "
                                    f"({longest:,}, MAX_BACKUP_ROW_BYTES)"
                                )
                            out.write(line)
                            done += 1
                            if done % 1000 == 0:
                                report("rows", done, total)
                report("rows", done, total)
            files = _media_files()
            if len(files) + len(manifest["tables"]) + 1 > limits.MAX_BACKUP_MEMBERS:
                raise BackupError(
                    f"{len(files):,} media files: a restore reads at most {limits.MAX_BACKUP_MEMBERS:,} "
                    "members (MAX_BACKUP_MEMBERS)"
                )
            root = Path(settings.MEDIA_ROOT)
            for i, path in enumerate(files, 1):
                rel = path.relative_to(root).as_posix()
                entry = _archive_file(archive, path, f"media/{rel}")
                if entry is not None:  # None: deleted since it was listed (a job's file cleared by cron)
                    manifest["files"][rel] = entry
                report("files", i, len(files))
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
        if target.exists() and target.is_dir():
            raise BackupError(f"{target} is a folder")
        os.replace(tmp, target)
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return manifest


def _archive_file(archive: zipfile.ZipFile, path: Path, name: str) -> dict[str, Any] | None:
    """Copy one file into the archive, hashing what was copied (one read: a file rewritten meanwhile
    still matches its checksum)."""
    digest = hashlib.sha256()
    size = 0
    try:
        src = path.open("rb")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BackupError(f"cannot read the media file {path}: {exc.strerror}") from None
    with src, archive.open(name, "w", force_zip64=True) as out:
        while True:
            try:
                chunk = src.read(MiB)
            except OSError as exc:
                raise BackupError(f"cannot read the media file {path}: {exc.strerror}") from None
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


# --- restore: the check ---------------------------------------------------------------------------


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    rows: int = Field(ge=0)
    columns: list[str] = Field(min_length=1)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    format: str
    format_version: int
    created_at: str
    database: str
    migrations: list[Annotated[list[str], Field(min_length=2, max_length=2)]]
    tables: dict[str, _Table]
    files: dict[str, _File]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())


@dataclass
class Checked:
    """An archive that `restore_check` read through without a problem, open for `restore_write`
    (the same open file: replacing the path meanwhile changes nothing)."""

    archive: zipfile.ZipFile
    manifest: Manifest


def _refuse(member: str, msg: str, place: str = "", type: str = "backup_invalid") -> Invalid:
    """One problem at a member of the archive ("" for the archive file itself), or a place in it."""
    return Invalid([Problem(tuple(p for p in (member, place) if p), msg, type)])


# Leading bytes of files people pass by mistake, for a refusal that says what the file is.
_NOT_ZIP = (
    (b"SQLite format 3\x00", "an SQLite database file, not a backup archive (`soms backup` writes one)"),
    (b"\x1f\x8b", "a gzip file (a .tar.gz?), not a SOMS backup archive (a zip file)"),
    (b"%PDF", "a PDF document, not a SOMS backup archive"),
    (
        b"{",
        "JSON text, not a SOMS backup archive (a framework export is imported with `soms framework import`)",
    ),
    (b"[", "JSON text, not a SOMS backup archive"),
)


def _declared_directory(f: IO[bytes]) -> tuple[int, int] | None:
    """(members, bytes) the archive's central directory declares, read from its end record before
    zipfile reads the directory into memory; None where no end record is found (zipfile says so)."""
    f.seek(0, os.SEEK_END)
    size = f.tell()
    tail_at = max(0, size - (22 + 0xFFFF))
    f.seek(tail_at)
    tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    _, _, _, _, members, cd_bytes, _, _ = struct.unpack("<4s4H2LH", tail[at : at + 22])
    if (
        (members == 0xFFFF or cd_bytes == 0xFFFFFFFF)
        and at >= 20
        and tail[at - 20 : at - 16] == b"PK\x06\x07"
    ):
        (_, _, zip64_at, _) = struct.unpack("<4sLQL", tail[at - 20 : at])
        f.seek(zip64_at)
        record = f.read(56)
        if len(record) == 56 and record[:4] == b"PK\x06\x06":
            _, _, _, _, _, _, _, members, cd_bytes, _ = struct.unpack("<4sQ2H2L4Q", record)
    return members, cd_bytes


def _open(source: Path) -> zipfile.ZipFile:
    try:
        with source.open("rb") as f:
            head = f.read(16)
            declared = _declared_directory(f) if head.startswith(b"PK") else None
    except OSError as exc:
        raise _refuse("", f"cannot be read: {exc.strerror}") from None
    if not head:
        raise _refuse("", "is empty, not a SOMS backup archive")
    if not head.startswith(b"PK"):
        what = next((w for magic, w in _NOT_ZIP if head.startswith(magic)), None)
        raise _refuse("", f"is {what}" if what else "is not a zip file, so not a SOMS backup archive")
    if declared is not None:
        members, cd_bytes = declared
        if members > limits.MAX_BACKUP_MEMBERS:
            raise _refuse(
                "",
                limits.over("members", members, limits.MAX_BACKUP_MEMBERS, "MAX_BACKUP_MEMBERS"),
                type="too_large",
            )
        if cd_bytes > limits.MAX_BACKUP_MEMBERS * 1024:
            raise _refuse(
                "",
                f"its listing of members is {cd_bytes:,} bytes, more than {limits.MAX_BACKUP_MEMBERS:,} "
                "members need (MAX_BACKUP_MEMBERS)",
                type="too_large",
            )
    try:
        return zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        raise _refuse("", f"is not a readable zip archive: it is cut short or damaged ({exc})") from None
    except OSError as exc:
        raise _refuse("", f"cannot be read: {exc.strerror or exc}") from None


def _check_layout(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Members by name, refusing what no archive `soms backup` writes can hold: a name twice, members
    whose data overlap (how a small zip bomb unpacks to terabytes), encryption."""
    infos = [i for i in archive.infolist() if not i.is_dir()]
    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if info.filename in by_name:
            raise _refuse(info.filename, "appears twice in the archive; a SOMS backup holds each member once")
        if info.flag_bits & 0x1:
            raise _refuse(info.filename, "is encrypted; a SOMS backup is not")
        by_name[info.filename] = info
    spans = sorted(infos, key=lambda i: i.header_offset)
    end = getattr(archive, "start_dir", None)
    for here, after in zip(spans, [*spans[1:], None], strict=True):
        limit = after.header_offset if after is not None else end
        if limit is not None and here.header_offset + 30 + here.compress_size > limit:
            raise _refuse(
                here.filename,
                f"overlaps the data of {after.filename if after is not None else 'the archive listing'}, "
                "as zip bombs do; no SOMS backup is made so",
                type="zip_bomb",
            )
    return by_name


def _check_packing(info: zipfile.ZipInfo) -> None:
    if info.file_size > MiB and info.file_size > limits.MAX_BACKUP_PACKING_RATIO * max(info.compress_size, 1):
        raise _refuse(
            info.filename,
            f"unpacks to {info.file_size:,} bytes from {info.compress_size:,}, more than "
            f"{limits.MAX_BACKUP_PACKING_RATIO} times its size (MAX_BACKUP_PACKING_RATIO): a zip bomb, "
            "not a SOMS backup",
            type="zip_bomb",
        )


def _read_error(member: str, exc: BaseException) -> Invalid:
    return _refuse(member, f"cannot be unpacked: the archive is damaged or cut short ({exc})")


_UNPACK_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


def _read_manifest(archive: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo]) -> Manifest:
    info = by_name.get(MANIFEST)
    if info is None:
        office = "[Content_Types].xml" in by_name
        raise _refuse(
            MANIFEST,
            "is missing: this is "
            + ("an Office document (XLSX, DOCX), not a SOMS backup" if office else "not a SOMS backup"),
        )
    if info.file_size > limits.MAX_BACKUP_MANIFEST_BYTES:
        raise _refuse(
            MANIFEST,
            f"is {info.file_size:,} bytes; a backup's manifest is at most "
            f"{limits.MAX_BACKUP_MANIFEST_BYTES:,} (MAX_BACKUP_MANIFEST_BYTES)",
            type="too_large",
        )
    _check_packing(info)
    try:
        with archive.open(info) as f:
            text = f.read(limits.MAX_BACKUP_MANIFEST_BYTES + 1)
    except _UNPACK_ERRORS as exc:
        raise _read_error(MANIFEST, exc) from None
    try:
        data = json_loads(text)
    except Invalid as exc:
        raise exc.within(MANIFEST) from None
    if not isinstance(data, dict):
        raise _refuse(MANIFEST, f"holds {_kind(data)}, not an object: this is not a SOMS backup")
    if data.get("format") != FORMAT:
        named = f"names the format {str(data['format'])[:40]!r}" if "format" in data else "names no format"
        raise _refuse(MANIFEST, f"{named}, not {FORMAT!r}: this is not a SOMS backup")
    version = data.get("format_version")
    if type(version) is not int:
        raise _refuse(MANIFEST, f"must be a whole number, not {_kind(version)}", "format_version")
    if version > FORMAT_VERSION:
        raise _refuse(
            MANIFEST,
            f"the backup is in format version {version}, made by a newer SOMS than this one, which reads "
            f"version {FORMAT_VERSION}: restore it with the version of SOMS that made it (or a newer one)",
            type="backup_newer",
        )
    if version < FORMAT_VERSION:
        raise _refuse(
            MANIFEST,
            f"the backup is in format version {version}; this version of SOMS reads {FORMAT_VERSION}",
        )
    try:
        return Manifest.model_validate(data)
    except PydanticError as exc:
        raise Invalid(
            Problem((MANIFEST, path_text(e["loc"])), e["msg"], "backup_invalid")
            for e in exc.errors()[:MAX_PROBLEMS]
        ) from None


def code_migrations() -> set[tuple[str, str]]:
    """The migrations `migrate` records in a new database with this code (replaced ones included)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known: set[tuple[str, str]] = set()
    for key, migration in loader.graph.nodes.items():
        known.add(key)
        known.update(migration.replaces)
    return known


def _check_schema(manifest: Manifest) -> None:
    theirs = {(a, n) for a, n in manifest.migrations}
    ours = code_migrations()
    newer = sorted(theirs - ours)
    if newer:
        raise _refuse(
            MANIFEST,
            f"the backup was made by a newer version of SOMS: its database has {_count(len(newer), 'migration')} this "
            f"code does not know ({', '.join('.'.join(m) for m in newer[:3])}{' …' if len(newer) > 3 else ''}); "
            "restore it with the version that made it, or upgrade SOMS first",
            "migrations",
            type="backup_newer",
        )
    older = sorted(ours - theirs)
    if older:
        raise _refuse(
            MANIFEST,
            f"the backup was made by an older version of SOMS: it lacks {_count(len(older), 'migration')} of this one "
            f"({', '.join('.'.join(m) for m in older[:3])}{' …' if len(older) > 3 else ''}); restore it with "
            "the version that made it, then upgrade",
            "migrations",
            type="backup_older",
        )
    by_label = {m._meta.label_lower: m for m in backed_up_models()}
    unknown = sorted(set(manifest.tables) - set(by_label))
    missing = sorted(set(by_label) - set(manifest.tables))
    if unknown or missing:
        raise _refuse(
            MANIFEST,
            "its tables differ from this version's: "
            + "; ".join(
                part
                for part in (
                    f"unknown here: {', '.join(unknown[:5])}" if unknown else "",
                    f"missing from the backup: {', '.join(missing[:5])}" if missing else "",
                )
                if part
            ),
            "tables",
        )
    for label, table in manifest.tables.items():
        mine = {f.attname for f in _columns(by_label[label])}
        if len(set(table.columns)) != len(table.columns) or set(table.columns) != mine:
            raise _refuse(
                MANIFEST,
                f"the columns differ from this version's (only in the backup: "
                f"{sorted(set(table.columns) - mine) or 'none'}, only here: {sorted(mine - set(table.columns)) or 'none'}"
                f"{', or one named twice' if len(set(table.columns)) != len(table.columns) else ''})",
                f"tables.{label}.columns",
            )


def _safe_media_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(
        name
        and "\\" not in name
        and "\x00" not in name
        and not path.is_absolute()
        and not (len(path.parts) and ":" in path.parts[0])
        and all(part not in {"", ".", ".."} for part in name.split("/"))
    )


def _check_members(manifest: Manifest, by_name: dict[str, zipfile.ZipInfo]) -> None:
    expected = {MANIFEST} | {f"tables/{label}.jsonl" for label in manifest.tables}
    for name, meta in manifest.files.items():
        if not _safe_media_name(name):
            raise _refuse(MANIFEST, f"names a file outside the media folder: {name!r}", f"files.{name}")
        member = f"media/{name}"
        expected.add(member)
        info = by_name.get(member)
        if info is None:
            raise _refuse(member, "is missing from the archive, though the manifest lists it")
        if info.file_size != meta.size:
            raise _refuse(
                member,
                f"is {info.file_size:,} bytes; the manifest says {meta.size:,}: the archive was altered",
            )
    for label in manifest.tables:
        if f"tables/{label}.jsonl" not in by_name:
            raise _refuse(
                f"tables/{label}.jsonl", "is missing from the archive, though the manifest lists it"
            )
        _check_packing(by_name[f"tables/{label}.jsonl"])
    extra = sorted(set(by_name) - expected)
    if extra:
        raise _refuse(
            extra[0],
            "is not part of a SOMS backup (the manifest does not list it"
            + (f"; nor {len(extra) - 1} more" if len(extra) > 1 else "")
            + ")",
        )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _rows(
    archive: zipfile.ZipFile, label: str, table: _Table, problems: list[Problem]
) -> Iterator[list[Any]]:
    """The table's rows, each value converted for its column; a problem stops at the first bad line
    of a damaged member and otherwise is noted (in `problems`) and the row skipped."""
    member = f"tables/{label}.jsonl"
    model = apps.get_model(label)
    fields = {f.attname: f for f in _columns(model)}
    converts = [(name, converter(fields[name])) for name in table.columns]
    longest = max_row_bytes()
    line_no = 0
    try:
        with archive.open(member) as f:
            while len(problems) < MAX_PROBLEMS:
                line = f.readline(longest + 1)
                if not line:
                    break
                line_no += 1
                where = f"line {line_no}"
                if len(line) > longest:
                    problems.append(
                        Problem(
                            (member, where),
                            f"is longer than {longest:,} bytes, which no row SOMS writes is (MAX_BACKUP_ROW_BYTES)",
                            "too_large",
                        )
                    )
                    return
                if line_no > table.rows:
                    problems.append(
                        Problem(
                            (member, where),
                            f"is past the {table.rows:,} rows the manifest lists",
                            "backup_invalid",
                        )
                    )
                    return
                if not line.endswith(b"\n"):
                    problems.append(
                        Problem(
                            (member, where), "is cut short (the member ends inside a row)", "backup_invalid"
                        )
                    )
                    return
                if b"\x00" in line:
                    problems.append(Problem((member, where), "holds a NUL byte", "string_nul"))
                    continue
                try:
                    values = json.loads(line.decode("utf-8"), parse_constant=_no_constant)
                except UnicodeDecodeError as exc:
                    problems.append(
                        Problem((member, where), f"is not UTF-8 text (byte {exc.start})", "unicode_invalid")
                    )
                    continue
                except RecursionError:
                    problems.append(Problem((member, where), "is nested too deeply to read", "json_invalid"))
                    continue
                except ValueError as exc:
                    problems.append(Problem((member, where), f"is not a JSON row: {exc}", "json_invalid"))
                    continue
                if not isinstance(values, list) or len(values) != len(converts):
                    got = f"{len(values)} values" if isinstance(values, list) else _kind(values)
                    problems.append(
                        Problem(
                            (member, where),
                            f"holds {got}; a row of this table is a list of {len(converts)} values",
                            "backup_invalid",
                        )
                    )
                    continue
                out: list[Any] = []
                ok = True
                for (name, convert), value in zip(converts, values, strict=True):
                    try:
                        out.append(convert(value))
                    except ValueError as exc:
                        problems.append(
                            Problem((member, f"{where}, column {name}"), str(exc), "backup_invalid")
                        )
                        ok = False
                        break
                if ok:
                    yield out
    except _UNPACK_ERRORS as exc:
        problems.extend(_read_error(member, exc).problems)
        return
    if line_no < table.rows and len(problems) < MAX_PROBLEMS:
        problems.append(
            Problem(
                (member,),
                f"holds {line_no:,} rows; the manifest says {table.rows:,}: the member is cut short",
                "backup_invalid",
            )
        )


def _check_file(archive: zipfile.ZipFile, name: str, sha256: str) -> Problem | None:
    member = f"media/{name}"
    digest = hashlib.sha256()
    try:
        with archive.open(member) as f:
            while chunk := f.read(MiB):
                digest.update(chunk)
    except _UNPACK_ERRORS as exc:
        return _read_error(member, exc).problems[0]
    if digest.hexdigest() != sha256:
        return Problem((member,), "is damaged: its checksum differs from the manifest's", "backup_invalid")
    return None


def restore_check(source: Path, *, progress: Progress | None = None) -> Checked:
    """Read the whole archive, writing nothing, and return it open with its manifest; raise Invalid
    naming every problem found (up to MAX_PROBLEMS) by member, line and column."""
    report = progress or (lambda what, done, total: None)
    archive = _open(source)
    try:
        by_name = _check_layout(archive)
        manifest = _read_manifest(archive, by_name)
        _check_schema(manifest)
        _check_members(manifest, by_name)
        problems: list[Problem] = []
        done, total = 0, manifest.rows
        report("checking rows", 0, total)
        for label, table in manifest.tables.items():
            for _ in _rows(archive, label, table, problems):
                done += 1
                if done % 1000 == 0:
                    report("checking rows", done, total)
            if len(problems) >= MAX_PROBLEMS:
                break
        report("checking rows", done, total)
        if not problems:
            for i, (name, meta) in enumerate(manifest.files.items(), 1):
                found = _check_file(archive, name, meta.sha256)
                if found is not None:
                    problems.append(found)
                    if len(problems) >= MAX_PROBLEMS:
                        break
                report("checking files", i, len(manifest.files))
        if problems:
            raise Invalid(problems)
        return Checked(archive=archive, manifest=manifest)
    except BaseException:
        archive.close()
        raise


def installation_problems(manifest: Manifest) -> list[str]:
    """Why this installation cannot take the backup (it has data of its own, or files where the backup
    puts its own, or too little room for them), read without writing; empty means restorable."""
    found = []
    busy = installation_data_tables()
    if busy:
        found.append(
            f"this installation already has data ({', '.join(busy[:5])}{' …' if len(busy) > 5 else ''}); "
            "restore into an empty one: a new SOMS_DATA_DIR or database"
        )
    root = Path(settings.MEDIA_ROOT)
    clash = [name for name in manifest.files if (root / name).exists()]
    if clash:
        found.append(
            f"the media folder {root} already holds files the backup restores ({', '.join(clash[:3])}"
            f"{' …' if len(clash) > 3 else ''}); restore into an empty one"
        )
    need = sum(f.size for f in manifest.files.values())
    room = shutil.disk_usage(_existing_parent(root)).free
    if need > room:
        found.append(f"the backup's files need {need:,} bytes; {root} has {room:,} free")
    return found


def _existing_parent(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def installation_data_tables() -> list[str]:
    """Tables holding data of their own (beyond what `migrate` writes); empty means restorable. Read
    before `migrate` too: a table that does not exist yet holds nothing."""
    existing = set(connection.introspection.table_names())
    busy = []
    for model in backed_up_models():
        label = model._meta.label_lower
        if label in MIGRATE_MADE or model._meta.db_table not in existing:
            continue
        if model._base_manager.exists():
            busy.append(label)
    return busy


# --- restore: the write ---------------------------------------------------------------------------


def restore_write(checked: Checked, *, progress: Progress | None = None) -> None:
    """Migrate this installation and load the checked archive into it, in one transaction: the schema,
    the rows and (removed again should the transaction fail) the files."""
    report = progress or (lambda what, done, total: None)
    manifest, archive = checked.manifest, checked.archive
    sqlite = connection.vendor == "sqlite"
    # SQLite's schema editor works inside a transaction only with foreign key checks off (they cannot
    # be switched in one); they are checked once, over every row, before the commit.
    if sqlite and not connection.disable_constraint_checking():
        raise BackupError("SQLite's foreign key checks cannot be turned off for the restore")
    written: list[Path] = []
    made: list[Path] = []
    try:
        with transaction.atomic():
            report("migrating", 0, 1)
            call_command("migrate", interactive=False, verbosity=0)
            report("migrating", 1, 1)
            if connection.vendor == "postgresql":
                # Some migrations set every constraint IMMEDIATE for the rest of the transaction; rows
                # go in table by table, so their keys are checked once all are in (check_constraints).
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            if _migrations_applied() != sorted(manifest.migrations):
                raise BackupError(
                    "after `migrate` the database's migrations differ from the backup's: this database "
                    "holds migrations of another version of SOMS; restore into a new database"
                )
            refused = installation_problems(manifest)
            if refused:
                raise BackupError(refused[0])
            by_label = {m._meta.label_lower: m for m in backed_up_models()}
            for label in MIGRATE_MADE:
                by_label[label]._base_manager.all().delete()
            done, total = 0, manifest.rows
            for label, table in manifest.tables.items():
                done = _write_table(archive, by_label[label], label, table, done, total, report)
            _reset_sequences(list(by_label.values()))
            try:
                connection.check_constraints()
            except DatabaseError as exc:
                raise BackupError(f"rows of the backup refer to rows it does not hold: {exc}") from None
            root = Path(settings.MEDIA_ROOT)
            for i, (name, meta) in enumerate(manifest.files.items(), 1):
                _write_file(archive, name, meta.sha256, root, written, made)
                report("writing files", i, len(manifest.files))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        for folder in reversed(made):
            with suppress(OSError):
                folder.rmdir()
        raise
    finally:
        if sqlite:
            connection.enable_constraint_checking()
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def _write_table(
    archive: zipfile.ZipFile,
    model: type[models.Model],
    label: str,
    table: _Table,
    done: int,
    total: int,
    report: Progress,
) -> int:
    fields = {f.attname: f for f in _columns(model)}
    cols = [fields[c] for c in table.columns]
    problems: list[Problem] = []
    batch: list[models.Model] = []
    try:
        for values in _rows(archive, label, table, problems):
            batch.append(model(**{f.attname: v for f, v in zip(cols, values, strict=True)}))
            if len(batch) >= BATCH:
                _insert(model, batch, cols)
                done += len(batch)
                batch = []
                report("writing rows", done, total)
        if problems:  # the archive changed since it was checked
            raise BackupError(str(problems[0]))
        if batch:
            _insert(model, batch, cols)
            done += len(batch)
    except DatabaseError as exc:
        raise BackupError(f"tables/{label}.jsonl: the database refused a row: {exc}") from None
    report("writing rows", done, total)
    return done


def _write_file(
    archive: zipfile.ZipFile, name: str, sha256: str, root: Path, written: list[Path], made: list[Path]
) -> None:
    target = root / name
    if not _safe_media_name(name):  # checked already; a write never leaves the media folder
        raise BackupError(f"media/{name}: names a file outside the media folder")
    digest = hashlib.sha256()
    try:
        missing = [p for p in [target.parent, *target.parent.parents] if not p.exists()]
        for folder in reversed(missing):
            folder.mkdir()
            made.append(folder)
        with archive.open(f"media/{name}") as src, target.open("xb") as out:
            written.append(target)
            while chunk := src.read(MiB):
                digest.update(chunk)
                out.write(chunk)
    except OSError as exc:
        raise BackupError(f"media/{name}: cannot be written to {target}: {exc.strerror or exc}") from None
    except _UNPACK_ERRORS as exc:
        raise BackupError(f"media/{name}: cannot be unpacked ({exc})") from None
    if digest.hexdigest() != sha256:
        raise BackupError(f"media/{name}: damaged (its checksum differs from the manifest's)")


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
