"""Writes for frameworks. A published version never changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db import IntegrityError, transaction
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
) -> FrameworkVersion:
    """Store a whole validated document as a new version (creating the framework if needed)."""
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
    statement_count = version_contents_write(version=version, document=document)
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


def version_contents_write(*, version: FrameworkVersion, document: FrameworkDocument) -> int:
    """Write the levels, elements, areas and statements of `document` into the empty `version`.

    The one write path for a version's contents: imports, built-ins and copies (new drafts, adapted
    frameworks) all come through here. In bulk: a handful of queries whatever the size. Returns the
    number of statements written. Callers hold the transaction and write the audit row.
    """
    levels = {
        lv.code: lv
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
    elements = {
        el.code: el
        for el in Element.objects.bulk_create(
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
    }
    areas = {
        a.code: a
        for a in Area.objects.bulk_create(
            [
                Area(
                    version=version,
                    code=d.code,
                    name=d.name,
                    element=elements[d.element] if d.element else None,
                    order=i,
                )
                for i, d in enumerate(document.areas)
            ]
        )
    }
    statement_rows: list[Statement] = []
    statement_areas: list[list[str]] = []
    for e in document.elements:
        for i, s in enumerate(e.statements):
            statement_rows.append(
                Statement(
                    version=version,
                    element=elements[e.code],
                    level=levels[s.level],
                    code=s.code,
                    text=s.text,
                    order=i,
                    item_type=s.item_type,
                    **_uuid_kw(s.uuid),
                )
            )
            statement_areas.append(s.areas)
    statements = Statement.objects.bulk_create(statement_rows)
    # Parents are other statements of the same version; set them once every row has a key.
    by_code = {st.code: st for st in statements}
    with_parent = []
    for e in document.elements:
        for s in e.statements:
            if s.parent is not None:
                child = by_code[s.code]
                child.parent = by_code[s.parent]
                with_parent.append(child)
    Statement.objects.bulk_update(with_parent, ["parent"])
    # Areas that are elements (rules.areas == "elements") are stored as Area rows on demand so a
    # statement can point at them like at any other area.
    through: list[Any] = []
    for st, codes in zip(statements, statement_areas, strict=True):
        for code in codes:
            area = areas.get(code)
            if area is None:
                el = elements[code]
                area = Area.objects.create(
                    version=version, code=code, name=el.name, element=el, order=len(areas)
                )
                areas[code] = area
            through.append(Statement.areas.through(statement_id=st.pk, area_id=area.pk))
    Statement.areas.through.objects.bulk_create(through)
    return len(statements)


def _uuid_kw(value: Any) -> dict[str, Any]:
    # Without a uuid in the document the model's default mints a fresh one.
    return {"uuid": value} if value is not None else {}


def load_builtin_document(filename: str) -> FrameworkDocument:
    """A shipped framework, with identifiers derived from its codes so that every installation
    exports the same CASE identifiers for it."""
    with (BUILTIN_DIR / filename).open(encoding="utf-8") as fh:
        return with_derived_ids(FrameworkDocument.model_validate(yaml.safe_load(fh)))


def _builtin_ids_align(*, version: FrameworkVersion, document: FrameworkDocument) -> None:
    """Give a built-in version loaded before identifiers were derived the derived ones."""
    if version.uuid == document.version.uuid:
        return
    version.uuid = document.version.uuid
    version.save(update_fields=["uuid"])
    wanted = {("level", d.code): d.uuid for d in document.levels}
    wanted |= {("element", d.code): d.uuid for d in document.elements}
    wanted |= {("statement", s.code): s.uuid for d in document.elements for s in d.statements}
    for kind, model in (("level", Level), ("element", Element), ("statement", Statement)):
        rows = list(model.objects.filter(version=version))  # type: ignore[attr-defined]
        for row in rows:
            row.uuid = wanted.get((kind, row.code), row.uuid)
        model.objects.bulk_update(rows, ["uuid"])  # type: ignore[attr-defined]


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
