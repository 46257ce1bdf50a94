"""Writes for frameworks. A published version never changes."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import yaml
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from soms.frameworks.document import FrameworkDocument, with_derived_ids
from soms.frameworks.models import (
    Area,
    Element,
    Framework,
    FrameworkVersion,
    Level,
    Statement,
    VersionStatus,
)
from soms.tenancy.models import Organisation
from soms.tenancy.services import audit_log_write

BUILTIN_DIR = Path(__file__).parent.parent / "builtin"


class FrameworkConflict(Exception):
    """The write would clash with what is stored (a label taken, a published version edited)."""


def version_label_taken(*, framework: Framework, label: str) -> bool:
    """The friendly pre-check; the unique constraint still decides when two requests race."""
    return bool(FrameworkVersion.objects.filter(framework=framework, label=label).exists())


@transaction.atomic
def framework_version_create_from_document(
    *,
    document: FrameworkDocument,
    organisation: Organisation | None,
    actor: Any,
    publish: bool,
    builtin: bool = False,
    prepared: PreparedContents | None = None,
) -> FrameworkVersion:
    """Store a whole validated document as a new version (creating the framework if needed).

    Give `prepared` (version_contents_prepare, called before the transaction) to keep the
    transaction to the writes alone."""
    head = document.framework
    framework, created = Framework.objects.get_or_create(
        organisation=organisation,
        code=head.code,
        defaults={
            "name": head.name,
            "description": head.description,
            "kind": head.kind,
            "is_builtin": builtin,
        },
    )
    label = document.version.label
    taken = FrameworkConflict(
        f"framework {head.code!r} already has a version {label!r}; choose another label"
    )
    if not created and version_label_taken(framework=framework, label=label):
        raise taken
    try:
        # A savepoint, so a label taken by another request since the check is the same conflict
        # (and not a server error), with the outer transaction still usable to say so.
        with transaction.atomic():
            version = FrameworkVersion.objects.create(
                framework=framework,
                label=label,
                attribution=document.version.attribution,
                notes=document.version.notes,
                rules=document.version.rules.model_dump(mode="json"),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                status=VersionStatus.PUBLISHED if publish else VersionStatus.DRAFT,
                published_at=timezone.now() if publish else None,
                external_associations=[a.model_dump(mode="json") for a in document.external_associations],
                source_meta=document.version.source_meta,
                **_uuid_kw(document.version.uuid),
            )
    except IntegrityError:
        if version_label_taken(framework=framework, label=label):
            raise taken from None
        raise
    statement_count = version_contents_write(version=version, document=document, prepared=prepared)
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="framework_version.create",
        obj=version,
        after={
            "framework": head.code,
            "label": version.label,
            "status": version.status,
            "statements": statement_count,
        },
    )
    return version


@dataclass(frozen=True)
class PreparedContents:
    """A document's rows, built before any transaction opens so that the write itself only sends
    them: building model instances and compiling SQL for 100,000 statements took seconds, all of
    it while SQLite's write lock was held and every other organisation's writes queued behind it."""

    document: FrameworkDocument
    # Per statement, in document order: (element code, level code, code, text, order, item_type,
    # uuid ready for the database).
    statements: list[tuple[str, str, str, str, int, str, Any]]
    # (statement index, parent statement code) for statements under another statement.
    parents: list[tuple[int, str]]
    # (statement index, area code) for every area a statement names.
    statement_areas: list[tuple[int, str]]
    # Codes of elements used as areas (rules.areas == "elements"), stored as Area rows on demand.
    element_areas: list[str]


def version_contents_prepare(document: FrameworkDocument) -> PreparedContents:
    uuid_field = Statement._meta.get_field("uuid")
    declared = {a.code for a in document.areas}
    statements: list[tuple[str, str, str, str, int, str, Any]] = []
    parents: list[tuple[int, str]] = []
    statement_areas: list[tuple[int, str]] = []
    element_areas: dict[str, None] = {}
    for e in document.elements:
        for i, s in enumerate(e.statements):
            index = len(statements)
            uuid = uuid_field.get_db_prep_value(s.uuid or uuid4(), connection, prepared=False)
            statements.append((e.code, s.level, s.code, s.text, i, s.item_type, uuid))
            if s.parent is not None:
                parents.append((index, s.parent))
            for code in s.areas:
                statement_areas.append((index, code))
                if code not in declared:
                    element_areas[code] = None
    return PreparedContents(
        document=document,
        statements=statements,
        parents=parents,
        statement_areas=statement_areas,
        element_areas=list(element_areas),
    )


def _columns(model: type[Model], *names: str) -> tuple[str, str]:
    """Quoted table name and column list of `model` for a hand-written INSERT."""
    quote = connection.ops.quote_name
    column_of = {f.name: f.column for f in model._meta.concrete_fields if f.column}
    columns = ", ".join(quote(column_of[n]) for n in names)
    return quote(model._meta.db_table), columns


def _insert_many(model: type[Model], names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    table, columns = _columns(model, *names)
    marks = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def version_contents_write(
    *, version: FrameworkVersion, document: FrameworkDocument, prepared: PreparedContents | None = None
) -> int:
    """Write the levels, elements, areas and statements of `document` into the empty `version`.

    The one write path for a version's contents: imports, built-ins and copies (new drafts, adapted
    frameworks) all come through here. In bulk: a handful of queries whatever the size; statements
    go as prepared rows through one executemany (the ORM's bulk_create spent ~8 s of Python on
    100,000 of them). Pass `prepared` (built outside the transaction) to keep the transaction short.
    Returns the number of statements written. Callers hold the transaction and write the audit row.
    """
    if prepared is None or prepared.document is not document:
        prepared = version_contents_prepare(document)
    levels = {
        lv.code: lv.pk
        for lv in Level.objects.bulk_create(
            [
                Level(
                    version=version,
                    code=d.code,
                    name=d.name,
                    rank=d.rank,
                    description=d.description,
                    validity_months=d.validity_months,
                    **_uuid_kw(d.uuid),
                )
                for d in document.levels
            ]
        )
    }
    element_rows = Element.objects.bulk_create(
        [
            Element(
                version=version,
                code=d.code,
                name=d.name,
                description=d.description,
                group=d.group,
                item_type=d.item_type,
                order=i,
                **_uuid_kw(d.uuid),
            )
            for i, d in enumerate(document.elements)
        ]
    )
    elements = {el.code: el for el in element_rows}
    # Areas that are elements (rules.areas == "elements") are stored as Area rows too, in the order
    # statements first name them, so a statement can point at them like at any other area.
    area_rows = [
        Area(
            version=version,
            code=d.code,
            name=d.name,
            element=elements[d.element] if d.element else None,
            order=i,
        )
        for i, d in enumerate(document.areas)
    ]
    area_rows += [
        Area(
            version=version,
            code=code,
            name=elements[code].name,
            element=elements[code],
            order=len(area_rows) + i,
        )
        for i, code in enumerate(prepared.element_areas)
    ]
    areas = {a.code: a.pk for a in Area.objects.bulk_create(area_rows)}
    _insert_many(
        Statement,
        ("version", "element", "level", "code", "text", "order", "item_type", "uuid"),
        [
            (version.pk, elements[el].pk, levels[lv], code, text, order, item_type, uuid)
            for el, lv, code, text, order, item_type, uuid in prepared.statements
        ],
    )
    if prepared.parents or prepared.statement_areas:
        # Parents and areas need the statements' keys: one query reads them back by code.
        ids = dict(Statement.objects.filter(version=version).values_list("code", "pk"))
        codes = [row[2] for row in prepared.statements]
        if prepared.parents:
            table, _ = _columns(Statement)
            quote = connection.ops.quote_name
            parent, pk = quote(Statement._meta.get_field("parent").column), quote("id")
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET {parent} = %s WHERE {pk} = %s",
                    [(ids[code], ids[codes[i]]) for i, code in prepared.parents],
                )
        through = Statement.areas.through
        _insert_many(
            through,
            ("statement", "area"),
            [(ids[codes[i]], areas[code]) for i, code in prepared.statement_areas],
        )
    return len(prepared.statements)


def _uuid_kw(value: Any) -> dict[str, Any]:
    # Without a uuid in the document the model's default mints a fresh one.
    return {"uuid": value} if value is not None else {}


def load_builtin_document(filename: str) -> FrameworkDocument:
    """A shipped framework, with identifiers derived from its codes so that every installation
    exports the same CASE identifiers for it. A copy each time: callers may change theirs."""
    return _builtin_document(filename).model_copy(deep=True)


@functools.cache
def _builtin_document(filename: str) -> FrameworkDocument:
    # Read once per process: the shipped files do not change while it runs, and PyYAML's pure-Python
    # reader takes a tenth of a second per file (the test suite loads the built-ins for each test).
    with (BUILTIN_DIR / filename).open(encoding="utf-8") as fh:
        return with_derived_ids(FrameworkDocument.model_validate(yaml.safe_load(fh)))


def _builtin_ids_align(*, version: FrameworkVersion, document: FrameworkDocument) -> None:
    """Give a built-in version loaded before identifiers were derived the derived ones."""
    if document.version.uuid is None or version.uuid == document.version.uuid:
        return
    version.uuid = document.version.uuid
    version.save(update_fields=["uuid"])
    wanted = {("level", d.code): d.uuid for d in document.levels}
    wanted |= {("element", d.code): d.uuid for d in document.elements}
    wanted |= {("statement", s.code): s.uuid for d in document.elements for s in d.statements}
    item_models: tuple[tuple[str, type[Any]], ...] = (
        ("level", Level),
        ("element", Element),
        ("statement", Statement),
    )
    for kind, model in item_models:
        rows = list(model.objects.filter(version=version))
        for row in rows:
            row.uuid = wanted.get((kind, row.code), row.uuid)
        model.objects.bulk_update(rows, ["uuid"])


def builtin_frameworks_load() -> list[FrameworkVersion]:
    """Load every built-in framework version that is not there yet. Safe to run at every start."""
    loaded = []
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        document = load_builtin_document(path.name)
        existing = FrameworkVersion.objects.filter(
            framework__organisation__isnull=True,
            framework__code=document.framework.code,
            label=document.version.label,
        ).first()
        if existing is not None:
            _builtin_ids_align(version=existing, document=document)
        else:
            loaded.append(
                framework_version_create_from_document(
                    document=document, organisation=None, actor=None, publish=True, builtin=True
                )
            )
    return loaded
