"""Reads for framework authoring: the editable version, its items, the diff and the mappings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from soms.core.framework_diff import (
    MappingSuggestion,
    NamedRef,
    StatementRef,
    VersionDiff,
    diff_versions,
    suggest_mappings,
)
from soms.frameworks.models import FrameworkVersion, Statement, StatementMapping, VersionStatus
from soms.frameworks.services.authoring import InvalidField, MappingEntry
from soms.tenancy.access import get_or_not_found
from soms.tenancy.models import Organisation


def base_candidates(*, organisation: Organisation | None) -> list[FrameworkVersion]:
    """Published versions an organisation may adapt: the built-in ones and its own."""
    return list(
        FrameworkVersion.objects.filter(
            Q(framework__organisation__isnull=True) | Q(framework__organisation=organisation),
            status="published",
        )
        .select_related("framework")
        .order_by("framework__name", "-published_at")
    )


def statement_refs(version: FrameworkVersion) -> list[StatementRef]:
    return [
        StatementRef(code=code, element=element, level=level, text=text)
        for code, element, level, text in version.statements.order_by(
            "element__order", "level__rank", "order", "id"
        ).values_list("code", "element__code", "level__code", "text")
    ]


def versions_diff(*, version: FrameworkVersion, base: FrameworkVersion) -> VersionDiff:
    """`version` compared with `base`; both must be versions of one framework."""
    if version.framework_id != base.framework_id:
        raise InvalidField("base", "only versions of the same framework can be compared")
    return diff_versions(
        statement_refs(base),
        statement_refs(version),
        old_elements=[NamedRef(c, n) for c, n in base.elements.values_list("code", "name")],
        new_elements=[NamedRef(c, n) for c, n in version.elements.values_list("code", "name")],
        old_levels=[NamedRef(c, n) for c, n in base.levels.values_list("code", "name")],
        new_levels=[NamedRef(c, n) for c, n in version.levels.values_list("code", "name")],
    )


def default_base(version: FrameworkVersion) -> FrameworkVersion | None:
    """What a version is naturally compared with: the version it was started from, else the one
    made just before it."""
    if version.based_on is not None and version.based_on.framework_id == version.framework_id:
        return version.based_on
    return (
        version.framework.versions.filter(created_at__lt=version.created_at).order_by("-created_at").first()
        or version.framework.versions.exclude(pk=version.pk).order_by("-created_at").first()
    )


def base_for(*, version: FrameworkVersion, base_id: Any, drafts: bool = True) -> FrameworkVersion:
    """Another version of the same framework, named by id (422 on the `base` field otherwise);
    without `drafts` (a member who may not read drafts) a draft is not found either."""
    # Looked up among the versions this organisation can see, so another organisation's version
    # answers exactly like a missing one.
    visible = Q(framework__organisation__isnull=True) | Q(
        framework__organisation=version.framework.organisation_id
    )
    if not drafts:
        visible &= Q(status=VersionStatus.PUBLISHED)
    base = get_or_not_found(
        FrameworkVersion.objects.select_related("framework"),
        visible,
        pk=base_id,
        missing=InvalidField("base", f"no version {base_id} of this framework"),
    )
    if base.framework_id != version.framework_id:
        raise InvalidField("base", "only versions of the same framework can be compared or mapped")
    if base.pk == version.pk:
        raise InvalidField("base", "choose another version than this one")
    return base


@dataclass
class MappingRow:
    """One statement of the base version with its stored mappings, or the suggestion when none."""

    statement: Statement
    targets: list[tuple[str | None, str]]  # (to code or None, kind)
    suggested: bool


def mapping_rows(*, version: FrameworkVersion, base: FrameworkVersion) -> list[MappingRow]:
    stored: dict[int, list[tuple[str | None, str]]] = {}
    for m in StatementMapping.objects.filter(to_version=version, from_statement__version=base).select_related(
        "to_statement"
    ):
        stored.setdefault(m.from_statement_id, []).append(
            (m.to_statement.code if m.to_statement else None, m.kind)
        )
    suggestions: dict[str, MappingSuggestion] = {
        s.from_code: s for s in suggest_mappings(versions_diff(version=version, base=base))
    }
    rows = []
    for st in base.statements.select_related("element", "level").order_by(
        "element__order", "level__rank", "order", "id"
    ):
        if st.pk in stored:
            rows.append(MappingRow(statement=st, targets=stored[st.pk], suggested=False))
        else:
            s = suggestions[st.code]
            rows.append(MappingRow(statement=st, targets=[(s.to_code, s.kind.value)], suggested=True))
    return rows


def mapping_entries_resolve(
    *, version: FrameworkVersion, base: FrameworkVersion, raw: Sequence[tuple[str, str | None, str]]
) -> list[MappingEntry]:
    """Turn (from code, to code or None, kind) triples into entries, naming the first bad one."""
    old = {s.code: s for s in base.statements.all()}
    new = {s.code: s for s in version.statements.all()}
    seen: set[tuple[str, str | None]] = set()
    out: list[MappingEntry] = []
    for i, (from_code, to_code, kind) in enumerate(raw):
        if from_code not in old:
            raise InvalidField(f"mappings.{i}.from_code", f"{from_code!r} is not a statement of {base.label}")
        if to_code is not None and to_code not in new:
            raise InvalidField(f"mappings.{i}.to_code", f"{to_code!r} is not a statement of {version.label}")
        if (to_code is None) != (kind == "removed"):
            raise InvalidField(
                f"mappings.{i}.kind", "use 'removed' exactly when the statement has no successor"
            )
        if (from_code, to_code) in seen:
            raise InvalidField(f"mappings.{i}", f"{from_code!r} → {to_code!r} is listed twice")
        seen.add((from_code, to_code))
        out.append(MappingEntry(old[from_code], new[to_code] if to_code else None, kind))
    return out
