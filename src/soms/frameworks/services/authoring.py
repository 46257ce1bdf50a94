"""Writes for framework authoring: new frameworks, drafts, edits of a draft, publishing, mappings.

Every edit of a draft is checked against the revision the author's form or API call was based on;
the version row is locked while it is compared and bumped, so of two concurrent writers the second
is told, never silently overwritten. A published version refuses every edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.utils import timezone

from soms import limits
from soms.core.framework_check import ElementInfo, LevelInfo, StatementInfo, publish_problems
from soms.core.problems import Invalid, Problem
from soms.frameworks.document import without_ids
from soms.frameworks.models import (
    Area,
    Element,
    Framework,
    FrameworkVersion,
    Level,
    Statement,
    StatementMapping,
    VersionStatus,
)
from soms.frameworks.rules import FrameworkRules
from soms.frameworks.selectors.versions import version_document
from soms.frameworks.services.versions import FrameworkConflict, version_contents_write, version_label_taken
from soms.tenancy.models import Organisation
from soms.tenancy.services import audit_log_write


class VersionPublished(FrameworkConflict):
    """The version is published (or built in) and can no longer change."""


class StaleRevision(FrameworkConflict):
    """The draft changed since the author's form or API call read it."""


class InvalidField(Invalid):
    """Input that is well-formed but clashes with the stored version (a code taken, a foreign level)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__([Problem(tuple(field.split(".")) if field else (), message)])
        self.field = field
        self.message = message


class LimitReached(InvalidField):
    """A content limit of soms/limits.py: the draft already holds the most items of a kind one
    version may (no field), or a text is longer than an import would accept (its field)."""


class ItemInUse(FrameworkConflict):
    """The item is named elsewhere in the draft (a level by the rules) and cannot go yet."""


class PublishBlocked(Invalid):
    """What stops a draft from being published, every problem with its place."""


# What an author edits inside a draft, with the fields a service may change on it.
# The four kinds of item differ in fields; code that handles any of them reads them generically.
ITEM_MODELS: dict[str, type[Any]] = {
    "levels": Level,
    "elements": Element,
    "areas": Area,
    "statements": Statement,
}
EDITABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "levels": ("code", "name", "rank", "description", "validity_months"),
    "elements": ("code", "name", "description", "group"),
    "areas": ("code", "name", "element"),
    "statements": ("code", "text", "element", "level"),
}


# The per-version content limits an author can reach one item at a time (an import is checked whole,
# in soms.frameworks.io): kind -> the name of its limit in soms.limits.
COUNT_LIMITS: dict[str, str] = {
    "levels": "MAX_LEVELS",
    "elements": "MAX_ELEMENTS",
    "areas": "MAX_AREAS",
    "statements": "MAX_STATEMENTS",
}
# Long texts an author types, held to the lengths an import accepts (an export re-imports): the
# forms and API schemas refuse them first; the service holds every other caller to them too.
LONG_TEXT_LIMITS: dict[str, str] = {"text": "MAX_STATEMENT_LENGTH", "description": "MAX_TEXT_LENGTH"}


def _actor_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _lock_draft(version: FrameworkVersion, expected_revision: int | None) -> FrameworkVersion:
    """Lock the version row, refuse published ones and stale revisions (None skips the revision
    check, for the service that compares contents first and returns early)."""
    locked = FrameworkVersion.objects.select_for_update().select_related("framework").get(pk=version.pk)
    if locked.status == VersionStatus.PUBLISHED or locked.framework.organisation_id is None:
        raise VersionPublished(
            f"{locked} is published and never changes; start a new draft from it to make changes."
        )
    if expected_revision is not None and locked.revision != expected_revision:
        raise StaleRevision(
            f"This draft was changed by someone else since you opened it (you had revision "
            f"{expected_revision}, it is now at {locked.revision})."
        )
    return locked


def _bump(version: FrameworkVersion, locked: FrameworkVersion) -> None:
    # Compare-and-set as well as the row lock: databases that ignore SELECT ... FOR UPDATE (SQLite)
    # still let only one of two writers with the same revision through; the other rolls back.
    updated = FrameworkVersion.objects.filter(pk=locked.pk, revision=locked.revision).update(
        revision=locked.revision + 1
    )
    if updated != 1:
        raise StaleRevision("This draft was changed by someone else while you were saving.")
    locked.revision += 1
    # The caller's object reflects the new revision, so the page or API answer can carry it on.
    version.revision = locked.revision


def _audit(
    *,
    version: FrameworkVersion,
    actor: Any,
    action: str,
    obj: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit_log_write(
        actor=_actor_or_none(actor),
        organisation=version.framework.organisation,
        action=action,
        obj=obj,
        before=before,
        after={**(after or {}), "version": version.pk, "revision": version.revision},
    )


def _plain(value: Any) -> Any:
    return value.code if isinstance(value, Model) and hasattr(value, "code") else value


# --- copying ---------------------------------------------------------------------------------------


def _copy_contents(*, source: FrameworkVersion, target: FrameworkVersion) -> int:
    """Copy levels, elements, areas and statements (with their areas and parents) into `target`.

    Through the version's document and the one contents write path; the copy gets exchange
    identifiers of its own, since it is a new version (or a new framework) of its own.
    """
    document = version_document(version=source)
    return version_contents_write(version=target, document=without_ids(document))


def _require_publishable_base(base: FrameworkVersion | None) -> None:
    if base is not None and not base.is_published:
        raise InvalidField("base", "only a published version can be the base of a new draft")


def framework_code_taken(*, organisation: Organisation, code: str) -> bool:
    """The friendly pre-check; the unique constraint still decides when two requests race."""
    return bool(Framework.objects.filter(organisation=organisation, code=code).exists())


@transaction.atomic
def framework_create(
    *,
    organisation: Organisation,
    actor: Any,
    code: str,
    name: str,
    description: str,
    kind: str,
    label: str,
    base: FrameworkVersion | None = None,
) -> FrameworkVersion:
    """A new framework of `organisation` with its first draft: empty, or a copy of `base` (a
    built-in or one of the organisation's published versions: "adapt a framework")."""
    _require_publishable_base(base)
    taken = InvalidField("code", f"your organisation already has a framework with code {code!r}")
    if framework_code_taken(organisation=organisation, code=code):
        raise taken
    try:
        # A savepoint: a request that took the code since the check above makes this insert fail,
        # and the outer transaction must stay usable to answer with the same conflict.
        with transaction.atomic():
            framework = Framework.objects.create(
                organisation=organisation, code=code, name=name, description=description, kind=kind
            )
    except IntegrityError:
        if framework_code_taken(organisation=organisation, code=code):
            raise taken from None
        raise
    version = FrameworkVersion.objects.create(
        framework=framework,
        label=label,
        rules=base.rules if base else FrameworkRules().model_dump(mode="json"),
        # An adapted framework still derives from the original: its attribution travels with it.
        attribution=base.attribution if base else "",
        based_on=base,
        created_by=_actor_or_none(actor),
    )
    copied = _copy_contents(source=base, target=version) if base else 0
    audit_log_write(
        actor=_actor_or_none(actor),
        organisation=organisation,
        action="framework.create",
        obj=framework,
        after={"code": code, "label": label, "based_on": base.pk if base else None, "statements": copied},
    )
    return version


@transaction.atomic
def framework_version_draft_create(
    *, framework: Framework, base: FrameworkVersion, label: str, actor: Any
) -> FrameworkVersion:
    """A new draft of `framework`, starting as a copy of its published version `base`."""
    if framework.organisation_id is None:
        raise VersionPublished("Built-in frameworks are read-only; adapt one into your organisation instead.")
    if base.framework_id != framework.pk:
        raise InvalidField("base", "the base must be a version of the same framework")
    _require_publishable_base(base)
    taken = InvalidField("label", f"{framework.name} already has a version labelled {label!r}")
    if version_label_taken(framework=framework, label=label):
        raise taken
    try:
        # A savepoint, so a label taken by another request since the check is the same conflict.
        with transaction.atomic():
            version = FrameworkVersion.objects.create(
                framework=framework,
                label=label,
                rules=base.rules,
                attribution=base.attribution,
                notes=base.notes,
                based_on=base,
                created_by=_actor_or_none(actor),
            )
    except IntegrityError:
        if version_label_taken(framework=framework, label=label):
            raise taken from None
        raise
    copied = _copy_contents(source=base, target=version)
    _audit(
        version=version,
        actor=actor,
        action="framework_version.draft",
        obj=version,
        after={"label": label, "based_on": base.pk, "statements": copied},
    )
    return version


# --- editing a draft -----------------------------------------------------------------------------


def _code_taken(model: type[Any], version: FrameworkVersion, code: str, exclude: Any = None) -> bool:
    qs = model._default_manager.filter(version=version, code=code)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return bool(qs.exists())


def _check_room(kind: str, version: FrameworkVersion) -> None:
    """Refuse an item beyond its kind's limit, counted under the draft's row lock."""
    name = COUNT_LIMITS[kind]
    limit = getattr(limits, name)
    count = ITEM_MODELS[kind]._default_manager.filter(version=version).count()
    if count >= limit:
        raise LimitReached(
            "",
            f"This version already holds {count:,} {kind}, the most one version may have "
            f"(at most {limit:,}, limit {name}); delete one to add another.",
        )


def _check_item_values(kind: str, version: FrameworkVersion, values: Mapping[str, Any], item: Any) -> None:
    model = ITEM_MODELS[kind]
    for field, name in LONG_TEXT_LIMITS.items():
        value, limit = values.get(field), getattr(limits, name)
        if isinstance(value, str) and len(value) > limit:
            raise LimitReached(
                field, f"{len(value):,} characters: at most {limit:,} are accepted (limit {name})"
            )
    if "code" in values and _code_taken(model, version, values["code"], exclude=item):
        raise InvalidField("code", f"{values['code']!r} is already used in this version")
    if kind == "levels" and "rank" in values:
        clash = Level.objects.filter(version=version, rank=values["rank"])
        if item is not None:
            clash = clash.exclude(pk=item.pk)
        if clash.exists():
            raise InvalidField("rank", f"another level already has rank {values['rank']}")
    for field in ("element", "level"):
        related = values.get(field)
        if related is not None and related.version_id != version.pk:
            raise InvalidField(field, f"that {field} is not part of this version")
    for area in values.get("areas") or []:
        if area.version_id != version.pk:
            raise InvalidField("areas", "an area is not part of this version")


@transaction.atomic
def version_item_create(
    *, version: FrameworkVersion, kind: str, values: Mapping[str, Any], expected_revision: int, actor: Any
) -> Any:
    """Add a level, element, area or statement to a draft. `values` were validated at the edge;
    statements may carry `areas` (a list of the version's areas)."""
    locked = _lock_draft(version, expected_revision)
    _check_item_values(kind, locked, values, None)
    _check_room(kind, locked)
    model = ITEM_MODELS[kind]
    fields = {k: v for k, v in values.items() if k in EDITABLE_FIELDS[kind]}
    if kind == "statements":
        # New statements go to the end of their cell.
        last = Statement.objects.filter(
            version=locked, element=values["element"], level=values["level"]
        ).aggregate(m=Max("order"))["m"]
        fields["order"] = (last if last is not None else -1) + 1
    elif kind in ("elements", "areas"):
        last = model._default_manager.filter(version=locked).aggregate(m=Max("order"))["m"]
        fields["order"] = (last if last is not None else -1) + 1
    item = model._default_manager.create(version=locked, **fields)
    if kind == "statements" and values.get("areas"):
        item.areas.set(values["areas"])
    _bump(version, locked)
    _audit(
        version=version,
        actor=actor,
        action=f"framework_{kind[:-1]}.create",
        obj=item,
        after={k: _plain(v) for k, v in fields.items()},
    )
    return item


@transaction.atomic
def version_item_update(
    *,
    version: FrameworkVersion,
    kind: str,
    item: Any,
    values: Mapping[str, Any],
    expected_revision: int,
    actor: Any,
) -> Any:
    """Change fields of an item of a draft; nothing is written when nothing differs.

    A stale revision is a conflict even then: a client relies on 409 to learn that it must read
    the draft again, whatever its write would have changed.
    """
    locked = _lock_draft(version, expected_revision)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field in EDITABLE_FIELDS[kind]:
        if field in values and getattr(item, field) != values[field]:
            before[field] = _plain(getattr(item, field))
            after[field] = _plain(values[field])
    new_areas = None
    if kind == "statements" and "areas" in values:
        current = {a.pk for a in item.areas.all()}
        wanted = {a.pk for a in values["areas"]}
        if current != wanted:
            new_areas = values["areas"]
            before["areas"] = sorted(a.code for a in item.areas.all())
            after["areas"] = sorted(a.code for a in new_areas)
    if not after:
        return item
    _check_item_values(kind, locked, {k: values[k] for k in after if k in values}, item)
    if kind == "statements" and "element" in after:
        _check_statement_move(item)
    if "code" in after:
        # What names the item by its code follows the new code, so the draft stays one whole
        # document (readable, exportable, publishable) after a rename.
        after.update(_rename_references(locked, version, kind, before["code"], after["code"]))
    for field in EDITABLE_FIELDS[kind]:
        if field in after:
            setattr(item, field, values[field])
    item.save()
    if new_areas is not None:
        item.areas.set(new_areas)
    _bump(version, locked)
    _audit(
        version=version,
        actor=actor,
        action=f"framework_{kind[:-1]}.update",
        obj=item,
        before=before,
        after=after,
    )
    return item


@transaction.atomic
def version_item_delete(
    *, version: FrameworkVersion, kind: str, item: Any, expected_revision: int, actor: Any
) -> None:
    """Remove an item from a draft. Removing a level or an element removes its statements too, and
    removing an element or a statement removes the external associations that start from it.

    A level the rules name is refused (ItemInUse, naming the rule) rather than taken out of the
    rules: dropping a standing step or the change-project rule would quietly change what the
    framework means. Change the rules first, or rename the level (the rules follow a rename)."""
    locked = _lock_draft(version, expected_revision)
    if kind == "levels":
        uses = FrameworkRules.model_validate(locked.rules).level_references(item.code)
        if uses:
            raise ItemInUse(
                f"Level {item.name!r} ({item.code}) is named by {', '.join(uses)}; change the rules "
                "before deleting it (renaming the level renames it in the rules too)."
            )
    description = {"code": item.code, "name": getattr(item, "name", "") or getattr(item, "text", "")}
    if kind in ("levels", "elements"):
        description["statements_removed"] = item.statements.count()
    if kind in ("elements", "statements"):
        dropped = _drop_associations(locked, version, _codes_removed_with(kind, item))
        if dropped:
            description["external_associations_removed"] = dropped
    _bump(version, locked)
    # Written before the row goes, so the log names what was deleted and its id.
    _audit(version=version, actor=actor, action=f"framework_{kind[:-1]}.delete", obj=item, before=description)
    item.delete()


def _check_statement_move(statement: Statement) -> None:
    # A statement's parent is a statement of the same element; moving one end alone would break that.
    if statement.parent_id is not None or statement.children.exists():
        raise InvalidField(
            "element",
            "this statement sits in a tree of statements (it has a parent or sub-statements); "
            "a statement of a tree stays in its element",
        )


def _rename_references(
    locked: FrameworkVersion, version: FrameworkVersion, kind: str, old: str, new: str
) -> dict[str, Any]:
    """Make what names an item by `old` name `new`: the rules (levels), external associations
    (elements and statements). Answers what changed, for the audit log."""
    changed: dict[str, Any] = {}
    if kind == "levels":
        rules = FrameworkRules.model_validate(locked.rules)
        uses = rules.level_references(old)
        if uses:
            new_rules = rules.with_level_renamed(old, new).model_dump(mode="json")
            FrameworkVersion.objects.filter(pk=locked.pk).update(rules=new_rules)
            locked.rules = version.rules = new_rules
            changed["rules_renamed"] = uses
    elif kind in ("elements", "statements"):
        # Origins are codes of elements or statements; when the other kind has an item with the same
        # code the origin may be that one, and it is left alone.
        other = Statement if kind == "elements" else Element
        if not other.objects.filter(version=locked, code=old).exists():
            associations = [dict(a) for a in locked.external_associations]
            renamed = 0
            for assoc in associations:
                if assoc.get("origin") == old:
                    assoc["origin"] = new
                    renamed += 1
            if renamed:
                _store_associations(locked, version, associations)
                changed["external_associations_renamed"] = renamed
    return changed


def _codes_removed_with(kind: str, item: Any) -> set[str]:
    """Codes of the element or statement and of every statement deleted with it."""
    if kind == "elements":
        return {item.code, *item.statements.values_list("code", flat=True)}
    codes, frontier = {item.code}, [item.pk]
    while frontier:
        children = list(Statement.objects.filter(parent_id__in=frontier).values_list("pk", "code"))
        codes |= {code for _, code in children}
        frontier = [pk for pk, _ in children]
    return codes


def _drop_associations(locked: FrameworkVersion, version: FrameworkVersion, codes: set[str]) -> int:
    kept = [a for a in locked.external_associations if a.get("origin") not in codes]
    dropped = len(locked.external_associations) - len(kept)
    if dropped:
        _store_associations(locked, version, kept)
    return dropped


def _store_associations(locked: FrameworkVersion, version: FrameworkVersion, rows: list[Any]) -> None:
    FrameworkVersion.objects.filter(pk=locked.pk).update(external_associations=rows)
    locked.external_associations = version.external_associations = rows


@transaction.atomic
def version_items_reorder(
    *, version: FrameworkVersion, kind: str, ids: Sequence[int], expected_revision: int, actor: Any
) -> None:
    """Put items in the given order. Levels, elements and areas need the whole list (a level's
    place is its rank); statements are ordered inside one cell of the grid."""
    locked = _lock_draft(version, expected_revision)
    model = ITEM_MODELS[kind]
    items = {obj.pk: obj for obj in model._default_manager.filter(version=locked)}
    if len(set(ids)) != len(ids) or not set(ids) <= set(items):
        raise InvalidField("ids", "list each item of this version once")
    if kind == "statements":
        cells = {(items[i].element_id, items[i].level_id) for i in ids}
        if len(cells) > 1:
            raise InvalidField("ids", "statements are ordered inside one element and level at a time")
    elif set(ids) != set(items):
        raise InvalidField("ids", f"list all {len(items)} {kind} of this version")
    field = "rank" if kind == "levels" else "order"
    start = 1 if kind == "levels" else 0
    current = [i for i in sorted(ids, key=lambda pk: (getattr(items[pk], field), pk))]
    if current == list(ids):
        return
    if kind == "levels":
        # Ranks are unique: move them out of the way first, then into place.
        offset = max(lv.rank for lv in items.values()) + len(items) + 1
        for n, pk in enumerate(ids):
            Level.objects.filter(pk=pk).update(rank=offset + n)
    for n, pk in enumerate(ids):
        model._default_manager.filter(pk=pk).update(**{field: start + n})
    _bump(version, locked)
    _audit(
        version=version,
        actor=actor,
        action=f"framework_{kind[:-1]}.reorder",
        obj=locked,
        before={"order": [items[pk].code for pk in current]},
        after={"order": [items[pk].code for pk in ids]},
    )


def rules_level_problems(*, version: FrameworkVersion, rules: FrameworkRules) -> list[tuple[str, str]]:
    """(field path, message) for every level the rules name that the version does not have."""
    codes = set(version.levels.values_list("code", flat=True))
    out: list[tuple[str, str]] = []
    if rules.change_project and rules.change_project.level not in codes:
        out.append(("rules.change_project.level", f"no level {rules.change_project.level!r}"))
    for i, step in enumerate(rules.standing):
        if step.level not in codes:
            out.append((f"rules.standing.{i}.level", f"no level {step.level!r}"))
    if rules.expectations:
        ex = rules.expectations
        if ex.specialist_min_level not in codes:
            out.append(("rules.expectations.specialist_min_level", f"no level {ex.specialist_min_level!r}"))
        if ex.backup_min_level and ex.backup_min_level not in codes:
            out.append(("rules.expectations.backup_min_level", f"no level {ex.backup_min_level!r}"))
    return out


@transaction.atomic
def version_rules_set(
    *, version: FrameworkVersion, rules: FrameworkRules, expected_revision: int, actor: Any
) -> FrameworkVersion:
    locked = _lock_draft(version, None)
    new = rules.model_dump(mode="json")
    if new == locked.rules:
        return version
    _lock_draft(version, expected_revision)
    problems = rules_level_problems(version=locked, rules=rules)
    if problems:
        raise InvalidField(*problems[0])
    before = locked.rules
    FrameworkVersion.objects.filter(pk=locked.pk).update(rules=new)
    version.rules = new
    _bump(version, locked)
    _audit(
        version=version, actor=actor, action="framework_version.rules", obj=locked, before=before, after=new
    )
    return version


def version_publish_problems(*, version: FrameworkVersion) -> list[Any]:
    rules = FrameworkRules.model_validate(version.rules)
    return publish_problems(
        levels=[LevelInfo(lv.code, lv.name, lv.rank) for lv in version.levels.all()],
        elements=[ElementInfo(el.code, el.name) for el in version.elements.all()],
        statements=[
            StatementInfo(code, element, level)
            for code, element, level in version.statements.values_list("code", "element__code", "level__code")
        ],
        rule_levels=rules.level_codes_used(),
        areas_mode=rules.areas,
        declared_areas=version.areas.count(),
    )


@transaction.atomic
def version_publish(*, version: FrameworkVersion, expected_revision: int, actor: Any) -> FrameworkVersion:
    """Freeze a draft: from now on assessments may be made against it and it never changes."""
    locked = _lock_draft(version, expected_revision)
    problems = version_publish_problems(version=locked)
    if problems:
        raise PublishBlocked(problems)
    now = timezone.now()
    FrameworkVersion.objects.filter(pk=locked.pk).update(status=VersionStatus.PUBLISHED, published_at=now)
    version.status, version.published_at = VersionStatus.PUBLISHED, now
    _bump(version, locked)
    _audit(
        version=version,
        actor=actor,
        action="framework_version.publish",
        obj=locked,
        after={"label": locked.label, "status": VersionStatus.PUBLISHED},
    )
    return version


# --- mappings --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MappingEntry:
    from_statement: Statement
    to_statement: Statement | None
    kind: str


@transaction.atomic
def statement_mappings_set(
    *,
    version: FrameworkVersion,
    base: FrameworkVersion,
    entries: Sequence[MappingEntry],
    expected_revision: int,
    actor: Any,
) -> list[StatementMapping]:
    """Replace the mappings from statements of `base` onto the draft `version`.

    Mappings are how attainment will carry over when an organisation moves its people to a new
    version: a validated judgement of a `from_statement` counts for its `to_statement` when the
    kind is same, reworded or moved (the person showed the same thing); split carries it to every
    successor; merged needs every predecessor held; removed (no successor) carries nothing. They
    are part of the draft, so they are fixed when the version is published.
    """
    locked = _lock_draft(version, None)
    existing = StatementMapping.objects.filter(to_version=locked, from_statement__version=base)
    current = {(m.from_statement_id, m.to_statement_id, m.kind) for m in existing}
    wanted = {(e.from_statement.pk, e.to_statement.pk if e.to_statement else None, e.kind) for e in entries}
    if current == wanted:
        return list(existing)
    _lock_draft(version, expected_revision)
    existing.delete()
    created = StatementMapping.objects.bulk_create(
        [
            StatementMapping(
                to_version=locked,
                from_statement=e.from_statement,
                to_statement=e.to_statement,
                kind=e.kind,
                created_by=_actor_or_none(actor),
            )
            for e in entries
        ]
    )
    _bump(version, locked)
    _audit(
        version=version,
        actor=actor,
        action="framework_version.mappings",
        obj=locked,
        before={"count": len(current)},
        after={"base": base.pk, "count": len(created)},
    )
    return created
