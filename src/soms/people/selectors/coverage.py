"""Coverage targets as the gap core reads them (`soms.core.gaps.coverage`).

A unit or team may hold targets in several frameworks (SOMS and the capability model, or two
versions of one framework). Element and level codes only mean something inside one framework
version, and the core compares them against one `Holdings` matrix built for that version, so
targets are always handed over one version at a time.

Other apps (insights, dashboards) call these with a unit or team they have already looked up
through `soms.people.access`; the functions add the organisation to every filter all the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import QuerySet

from soms.people.models import CoverageTarget, OrgUnit, Team

if TYPE_CHECKING:
    from soms.core import gaps
    from soms.frameworks.models import FrameworkVersion


@dataclass(frozen=True)
class VersionTargets:
    """One framework version's targets for one unit or team, with what a `Holdings` needs."""

    version_id: int
    elements: tuple[str, ...]  # the version's element codes, in the framework's order
    levels: tuple[str, ...]  # the version's level codes, lowest first
    targets: tuple[gaps.CoverageTarget, ...]


def _targets(where: OrgUnit | Team) -> QuerySet[CoverageTarget]:
    qs = CoverageTarget.objects.filter(organisation_id=where.organisation_id)
    qs = qs.filter(unit=where) if isinstance(where, OrgUnit) else qs.filter(team=where)
    # Stable order: by element as the framework orders them, then the higher level first.
    return qs.select_related("element", "level").order_by(
        "element__version_id", "element__order", "element_id", "-level__rank", "id"
    )


def _core(target: CoverageTarget) -> gaps.CoverageTarget:
    # The core module loads NumPy: import it only when a target is actually converted.
    from soms.core.gaps import CoverageTarget as Core

    return Core(element=target.element.code, level=target.level.code, minimum=target.minimum)


def coverage_targets_for(
    where: OrgUnit | Team, *, version: FrameworkVersion | int
) -> list[gaps.CoverageTarget]:
    """The targets of `where` (a unit's own, or a team's) in one framework version, as core targets."""
    return [core for _, core in coverage_target_rows(where, version=version)]


def coverage_target_rows(
    where: OrgUnit | Team, *, version: FrameworkVersion | int
) -> list[tuple[CoverageTarget, gaps.CoverageTarget]]:
    """Each stored target of `where` in one version beside its core form, for views that show the
    row (its note, its id) next to the core's answer.

    What `_targets` reads, written here as plain SQL: every team view asks for its targets, and
    compiling that query (three tables, five orderings) cost a team of 200 more than reading its
    attainment. The targets come with their element and level (code, name, version; order or rank),
    as `select_related` gave them; what is left unread (when the target was made, the descriptions)
    loads when asked for."""
    from soms.frameworks.models import Element, Level

    version_id = version if isinstance(version, int) else version.pk
    qn = connection.ops.quote_name
    target, element, level = (qn(m._meta.db_table) for m in (CoverageTarget, Element, Level))
    where_column = "unit_id" if isinstance(where, OrgUnit) else "team_id"
    sql = (
        "SELECT t.id, t.organisation_id, t.unit_id, t.team_id, t.element_id, t.level_id, t.minimum, "
        f"t.note, t.revision, e.version_id, e.code, e.name, e.{qn('order')}, l.version_id, l.code, "
        f"l.name, l.rank FROM {target} t INNER JOIN {element} e ON e.id = t.element_id INNER JOIN "
        f"{level} l ON l.id = t.level_id WHERE t.organisation_id = %s AND t.{where_column} = %s AND "
        f"e.version_id = %s ORDER BY e.version_id, e.{qn('order')}, t.element_id, l.rank DESC, t.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [where.organisation_id, where.pk, version_id])
        rows = cursor.fetchall()
    db = connection.alias
    out = []
    for *own, e_version, e_code, e_name, e_order, l_version, l_code, l_name, l_rank in rows:
        t = CoverageTarget.from_db(db, _TARGET_FIELDS, own)
        t.element = Element.from_db(
            db,
            ("id", "version_id", "code", "name", "order"),
            (t.element_id, e_version, e_code, e_name, e_order),
        )
        t.level = Level.from_db(
            db, ("id", "version_id", "code", "name", "rank"), (t.level_id, l_version, l_code, l_name, l_rank)
        )
        out.append((t, _core(t)))
    return out


# The target's columns `coverage_target_rows` reads, in its query's order.
_TARGET_FIELDS = (
    "id",
    "organisation_id",
    "unit_id",
    "team_id",
    "element_id",
    "level_id",
    "minimum",
    "note",
    "revision",
)


def coverage_targets_by_version(where: OrgUnit | Team) -> list[VersionTargets]:
    """Every version `where` has targets in, each with its targets and its elements and levels."""
    from soms.frameworks.models import Element, Level

    grouped: dict[int, list[gaps.CoverageTarget]] = {}
    for target in _targets(where):
        grouped.setdefault(target.element.version_id, []).append(_core(target))
    if not grouped:
        return []
    elements: dict[int, list[str]] = {v: [] for v in grouped}
    for version_id, code in (
        Element.objects.filter(version_id__in=grouped)
        .order_by("version_id", "order", "id")
        .values_list("version_id", "code")
    ):
        elements[version_id].append(code)
    levels: dict[int, list[str]] = {v: [] for v in grouped}
    for version_id, code in (
        Level.objects.filter(version_id__in=grouped)
        .order_by("version_id", "rank")
        .values_list("version_id", "code")
    ):
        levels[version_id].append(code)
    return [
        VersionTargets(
            version_id=v, elements=tuple(elements[v]), levels=tuple(levels[v]), targets=tuple(grouped[v])
        )
        for v in sorted(grouped)
    ]
