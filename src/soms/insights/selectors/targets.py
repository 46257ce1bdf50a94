"""Coverage targets of every unit and team in a view, each met or not by the view's people.

A target says how many people *its* unit (with the units under it) or team wants at a level, so a
parent unit's view, and the organisation's, show the targets of the units and teams beneath, each
counted over its own people, grouped by where it is set. In a fixed number of queries whatever the
number of targets, units or teams. Where the unit rollups answer (an owner's or admin's view of the
organisation or of a unit subtree), the units' targets are summed from the unit rows the heatmap
reads, and only the teams' targets read their people's attainment rows; otherwise (a manager, a
filter within units) the attainment of the view's people is counted by unit, team, element, level
and refresh state in one query. Either way the targets are one query and the names of the units on
their paths one more.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import replace
from typing import Any

import numpy as np
from django.db.models import Count, Q

from soms.assessments.models import AttainmentStatus, ElementAttainment
from soms.assessments.services.attainment import version_index
from soms.core.gaps import CoverageState
from soms.frameworks.models import FrameworkVersion
from soms.insights import rollups
from soms.insights.selectors.overview import rollups_apply
from soms.insights.selectors.picture import Filters, people_for
from soms.people.access import people_in_scope, unit_scope
from soms.people.models import (
    ID_WIDTH,
    CoverageTarget,
    OrgUnit,
    Person,
    RoleProfile,
    prefix_range,
    under_q,
)
from soms.people.permissions import ADMINS
from soms.tenancy.models import Membership, Role

# Groups the page lists (those with a target not met first); the API and the workbook list all.
PAGE_GROUPS = 40
_ORDER = {CoverageState.SHORT.value: 0, CoverageState.AT_RISK.value: 1, CoverageState.MET.value: 2}


_FIELDS = (
    "pk",
    "unit_id",
    "unit__path",
    "unit__name",
    "team_id",
    "team__name",
    "team__unit__path",
    "element_id",
    "element__code",
    "element__name",
    "level__rank",
    "level__name",
    "minimum",
    "note",
)


def _targets_in_view(
    membership: Membership, version: FrameworkVersion, filters: Filters
) -> list[dict[str, Any]]:
    qs = CoverageTarget.objects.filter(
        organisation_id=membership.organisation_id, element__version_id=version.pk
    )
    if filters.team is not None:
        qs = qs.filter(team=filters.team)
    elif filters.unit is not None:
        qs = qs.filter(filters.unit.subtree_q("unit__path") | filters.unit.subtree_q("team__unit__path"))
    if membership.role not in ADMINS:
        # Only the units and teams the member may see are named.
        seen = OrgUnit.objects.filter(Q(organisation_id=membership.organisation_id) & unit_scope(membership))
        qs = qs.filter(Q(unit__in=seen) | Q(team__unit__in=seen))
    # Plain rows: a model instance per target and per related row costs more than the counting.
    return list(qs.order_by("element__order", "element_id", "-level__rank", "id").values(*_FIELDS))


def _state(covered: int, warn: int, minimum: int) -> CoverageState:
    if covered >= minimum:
        return CoverageState.MET
    if covered + warn >= minimum:
        return CoverageState.AT_RISK
    return CoverageState.SHORT


# What `cover_groups` answers before any target is counted (and, in a view that counts none, after).
NO_COVER: dict[str, Any] = {
    "targets": 0,
    "places": 0,
    "met": 0,
    "at_risk": 0,
    "short": 0,
    "not_met": 0,
    "held_back": 0,
    "held_back_note": "",
    # Whether the view's filter picks people within units (manager, role profile, location), and
    # what the targets are then counted over (`narrowed_note`).
    "narrowed": False,
    "narrowed_note": "",
}


def narrows(filters: Filters) -> bool:
    """Whether the filter picks some of the people of a unit or team (who reports to a manager, has
    a role profile, works at a location), rather than whole units and teams."""
    return filters.manager is not None or filters.role_profile is not None or bool(filters.location)


def whole_places(filters: Filters) -> Filters:
    """The view's units and teams, whole: the filter without what picks people within them."""
    return replace(filters, manager=None, role_profile=None, location="")


def narrowed_note(filters: Filters) -> str:
    """What a narrowed view counts its targets over, in words for the page, the API and the files."""
    picked = []
    if filters.manager is not None:
        picked.append(f"report to {filters.manager.name}")
    if filters.role_profile is not None:
        name = RoleProfile.objects.filter(pk=filters.role_profile).values_list("name", flat=True).first()
        picked.append(f"hold the role profile {name or filters.role_profile}")
    if filters.location:
        picked.append(f"work at {filters.location}")
    return (
        f"Each target counts everyone in its unit (with the units under it) or team, not only the "
        f"people shown here, who {' and '.join(picked)}: a unit's target is for the whole unit. "
        "Listed are the targets of the units and teams the people shown belong to."
    )


def _where_people_sit(
    membership: Membership, filters: Filters, targets: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The targets that the view's people count towards: those of their teams, and of their units
    and the units above them. One query (their distinct units and teams)."""
    places = set(people_for(membership, filters).order_by().values_list("unit__path", "team_id").distinct())
    prefixes = {path[:end] for path, _ in places if path for end in range(ID_WIDTH, len(path) + 1, ID_WIDTH)}
    teams = {team for _, team in places if team is not None}
    return [t for t in targets if (t["unit__path"] in prefixes if t["unit_id"] else t["team_id"] in teams)]


HELD_BACK_NOTE = (
    "{n} coverage target{s} of units and teams you do not manage {are} not counted here: each counts "
    "everyone in its unit or team, and only some of their people are yours, so it would look short "
    "when it is not. Their managers and your organisation's administrators see how they are met."
)


def not_whole(membership: Membership, targets: list[dict[str, Any]]) -> set[int]:
    """The targets, in a manager's view, of a unit (with the units under it) or team that holds an
    active person the manager may not see: a report of theirs sits there, so the unit is named, but
    counted over their people alone its target would come out short when the unit meets it. A unit
    they manage is theirs whole; one where everybody reports to them too. One query."""
    if membership.role != Role.MANAGER or not targets:
        return set()
    where = Q(team_id__in={t["team_id"] for t in targets if t["team_id"]})
    for path in {t["unit__path"] for t in targets if t["unit_id"]}:
        where |= under_q("unit__path", path)
    outside = set(
        Person.objects.filter(where, organisation_id=membership.organisation_id, active=True)
        .filter(erased_at__isnull=True)
        .exclude(pk__in=people_in_scope(membership, "person.view").order_by().values("pk"))
        .order_by()
        .values_list("unit__path", "team_id")
        .distinct()
    )
    return {
        t["pk"]
        for t in targets
        if (t["unit_id"] and any(path and path.startswith(t["unit__path"]) for path, _ in outside))
        or (t["team_id"] and any(team == t["team_id"] for _, team in outside))
    }


def cover_groups(
    membership: Membership,
    version: FrameworkVersion,
    filters: Filters,
    *,
    tallies: rollups.UnitTallies | None = None,
) -> dict[str, Any]:
    """Every target set on a unit or team in the view (the team's own for a team view; the unit's
    and those of the units and teams under it for a unit; all for the organisation), grouped by
    unit or team, each counted over the people of the view in that unit's subtree or that team. A
    refresh-due level counts as a warning, an expired one not at all (as on the targets card).
    `tallies`: the view's unit rows as the request's overview read them (`Overview.tallies`), so
    the page counts both from one read.

    A filter that picks people within units (a manager's reports, a role profile, a location)
    chooses which targets are listed, those of the units and teams its people belong to, but not
    whom they count: a target is its unit's or team's, and counted over the filtered people alone a
    unit that meets it would look short. Each is counted as its unit's or team's own view counts it
    (`narrowed` and `narrowed_note` say so)."""
    picked = filters
    targets = _targets_in_view(membership, version, filters)
    if narrows(picked):
        targets = _where_people_sit(membership, picked, targets)
        filters, tallies = whole_places(picked), None  # the request's tallies are the filtered people's
    held = not_whole(membership, targets)
    targets = [t for t in targets if t["pk"] not in held]
    out = {**NO_COVER, "targets": len(targets), "groups": []}
    if narrows(picked):
        out["narrowed"], out["narrowed_note"] = True, narrowed_note(picked)
    if held:
        n = len(held)
        out["held_back"] = n
        out["held_back_note"] = HELD_BACK_NOTE.format(
            n=n, s="" if n == 1 else "s", are="is" if n == 1 else "are"
        )
    if not targets:
        return out
    found = _from_rollups(membership, version, filters, targets, tallies)
    counted, unit_names = (
        found if found is not None else (_per_person(membership, version, filters, targets), None)
    )
    unit_paths = {t["unit__path"] for t in targets if t["unit_id"]}
    names = _path_names(
        unit_paths | {t["team__unit__path"] for t in targets if t["team__unit__path"]}, unit_names
    )
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    for t in targets:
        gkey: tuple[str, int]
        if t["unit_id"]:
            gkey = ("unit", t["unit_id"])
            where = {
                "kind": "unit",
                "id": t["unit_id"],
                "name": t["unit__name"],
                "path": names.get(t["unit__path"], ""),
            }
            sort = (t["unit__path"], "")
        else:
            gkey = ("team", t["team_id"])
            unit_path = t["team__unit__path"] or ""
            where = {
                "kind": "team",
                "id": t["team_id"],
                "name": t["team__name"],
                "path": names.get(unit_path, ""),
            }
            sort = (unit_path + "~", t["team__name"].casefold())
        covered, warn = counted[t["pk"]]
        state = _state(covered, warn, t["minimum"])
        out[state.value] += 1
        g = groups.setdefault(gkey, {**where, "sort": sort, "targets": [], "met": 0, "not_met": 0})
        g["met" if state == CoverageState.MET else "not_met"] += 1
        g["targets"].append(
            {
                "target_id": t["pk"],
                "element": t["element__code"],
                "name": t["element__name"],
                "level": t["level__name"],
                "minimum": t["minimum"],
                "covered": covered,
                "refresh_due": warn,
                "missing": max(t["minimum"] - covered - warn, 0),
                "state": state.value,
                "note": t["note"],
            }
        )
    for g in groups.values():
        g["state"] = min((r["state"] for r in g["targets"]), key=_ORDER.__getitem__)
    ordered = sorted(groups.values(), key=lambda g: (_ORDER[g["state"]], g["sort"]))
    for g in ordered:
        del g["sort"]
    out["groups"] = ordered
    out["places"] = len(ordered)
    out["not_met"] = out["at_risk"] + out["short"]
    return out


def _per_person(
    membership: Membership, version: FrameworkVersion, filters: Filters, targets: list[dict[str, Any]]
) -> dict[int, tuple[int, int]]:
    """Target id → (covered, refresh due), counted from the attainment rows of the view's people in
    the targets' units and teams: one query of those rows counted by unit, team, element, level and
    refresh state, and one of the units' paths. Only the teams' people when no target is a unit's."""
    unit_paths = {t["unit__path"] for t in targets if t["unit_id"]}
    team_ids = {t["team_id"] for t in targets if t["team_id"]}
    lowest = min(t["level__rank"] for t in targets)
    people = people_for(membership, filters)
    if not unit_paths:
        people = people.filter(team_id__in=team_ids)
    # Counted by the person's unit id (no join for the path); each unit's path is read once below.
    rows = list(
        ElementAttainment.objects.filter(
            version=version,
            element_id__in={t["element_id"] for t in targets},
            rank__gte=lowest,
            person__in=people.order_by().values("pk"),
        )
        .values_list("person__unit_id", "person__team_id", "element_id", "rank", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    unit_ids = {r[0] for r in rows if r[0] is not None}
    path_of: dict[int, str] = (
        dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "path"))
        if unit_paths and unit_ids
        else {}
    )
    # Per unit id, the target units on its path (itself and its ancestors that hold a target).
    covers: dict[int, list[str]] = {}
    for uid, path in path_of.items():
        covers[uid] = [
            path[:end] for end in range(ID_WIDTH, len(path) + 1, ID_WIDTH) if path[:end] in unit_paths
        ]
    # (unit path or team id, element, rank, refresh due) -> people, flat: the cheapest to add to.
    by_unit: defaultdict[tuple[str, int, int, bool], int] = defaultdict(int)
    by_team: defaultdict[tuple[int, int, int, bool], int] = defaultdict(int)
    ranks: set[int] = set()
    due = AttainmentStatus.REFRESH_DUE
    for unit_id, team_id, element_id, rank, status, n in rows:
        is_due = status == due
        ranks.add(rank)
        for prefix in covers.get(unit_id, ()) if unit_id is not None else ():
            by_unit[prefix, element_id, rank, is_due] += n
        if team_id in team_ids:
            by_team[team_id, element_id, rank, is_due] += n
    out = {}
    for t in targets:
        held: Any
        held, place = (by_unit, t["unit__path"]) if t["unit_id"] else (by_team, t["team_id"])
        at_least = [r for r in ranks if r >= t["level__rank"]]
        warn = sum(held.get((place, t["element_id"], r, True), 0) for r in at_least)
        covered = sum(held.get((place, t["element_id"], r, False), 0) for r in at_least)
        out[t["pk"]] = (covered, warn)
    return out


def _from_rollups(
    membership: Membership,
    version: FrameworkVersion,
    filters: Filters,
    targets: list[dict[str, Any]],
    tallies: rollups.UnitTallies | None = None,
) -> tuple[dict[int, tuple[int, int]], dict[int, str] | None] | None:
    """Target id → (covered, refresh due) with the units' targets summed from the unit rollups of
    the view (the organisation's or a unit subtree's, as the heatmap reads them) and only the teams'
    targets counted from their people's shares (`_teams_from_shares`), so that the organisation's
    targets never read its 350,000 attainment rows; and the names of the view's units (and of the
    units above it). Queries: the rollups' state and rows (two), the units (one) and, with team
    targets, the state and the teams' people's shares (two). None where the rollups cannot answer: a member who does not see
    the whole organisation, a filter within units, rollups not kept for this version."""
    if membership.role not in ADMINS or not rollups_apply(membership, filters):
        return None
    out: dict[int, tuple[int, int]] = {}
    names: dict[int, str] | None = None
    unit_targets = [t for t in targets if t["unit_id"]]
    if unit_targets:
        index = version_index(version)
        elements, levels = index.element_rows, index.level_rows
        read = (
            tallies
            if tallies is not None
            else rollups.read(membership.organisation_id, version, len(elements), len(levels), filters.unit)
        )
        if read is None:
            return None
        units = OrgUnit.objects.filter(organisation_id=membership.organisation_id)
        if filters.unit is not None:
            scope = filters.unit.path
            above = [int(scope[i : i + ID_WIDTH]) for i in range(0, len(scope), ID_WIDTH)]
            units = units.filter(filters.unit.subtree_q("path") | Q(pk__in=above))
        found = list(units.values_list("pk", "path", "name"))
        names = {pk: name for pk, _, name in found}
        column = {e.pk: j for j, e in enumerate(elements)}
        position = {lv.rank: k + 1 for k, lv in enumerate(levels)}
        held, due, paths = _at_least_by_path(read, {pk: path for pk, path, _ in found}, len(levels))
        for t in unit_targets:
            low, high = prefix_range(t["unit__path"])
            a, b = bisect_left(paths, low), bisect_left(paths, high)
            j, pos = column[t["element_id"]], position[t["level__rank"]]
            warn = int(due[b, j, pos] - due[a, j, pos])
            out[t["pk"]] = (int(held[b, j, pos] - held[a, j, pos]) - warn, warn)
    team_targets = [t for t in targets if t["team_id"]]
    if team_targets:
        teams = _teams_from_shares(membership, version, filters, team_targets)
        if teams is None:
            return None
        out.update(teams)
    return out, names


def _teams_from_shares(
    membership: Membership, version: FrameworkVersion, filters: Filters, targets: list[dict[str, Any]]
) -> dict[int, tuple[int, int]] | None:
    """Target id → (covered, refresh due) of teams' targets, from the per-person shares the rollups
    keep (`rollups.read_shares`: one row per person of those teams, not one per person and
    element). None when the rollups are not kept for this version."""
    index = version_index(version)
    elements, levels = index.element_rows, index.level_rows
    team_ids = sorted({t["team_id"] for t in targets})
    people = people_for(membership, filters).filter(team_id__in=team_ids)
    found = rollups.read_shares(
        membership.organisation_id, version, len(elements), len(levels), people, "team_id"
    )
    if found is None:
        return None
    keys, cells = found
    ranks = len(levels) + 1
    where = {team: g for g, team in enumerate(team_ids)}
    group = np.fromiter((where.get(k, -1) for k in keys), dtype=np.intp, count=len(keys))
    keep = group >= 0
    group, rank, due = group[keep], cells[keep, :, 0].astype(np.intp), cells[keep, :, 1].astype(bool)
    # Per team, element and position: the people holding it, and of them refresh due.
    cell = (group[:, None] * len(elements) + np.arange(len(elements))[None, :]) * ranks + rank
    size = len(team_ids) * len(elements) * ranks
    shape = (len(team_ids), len(elements), ranks)
    held = np.bincount(cell.ravel(), minlength=size).reshape(shape)
    warned = np.bincount(cell.ravel(), weights=due.ravel(), minlength=size).astype(np.int64).reshape(shape)
    column = {e.pk: j for j, e in enumerate(elements)}
    position = {lv.rank: k + 1 for k, lv in enumerate(levels)}
    out = {}
    for t in targets:
        g, j, pos = where[t["team_id"]], column[t["element_id"]], position[t["level__rank"]]
        warn = int(warned[g, j, pos:].sum())
        out[t["pk"]] = (int(held[g, j, pos:].sum()) - warn, warn)
    return out


def _at_least_by_path(
    read: rollups.UnitTallies, path_of: dict[int, str], levels: int
) -> tuple[Any, Any, list[str]]:
    """The units of `read` in path order (those with a path), and per element and position the
    people at that position or above and of them refresh due, summed over the units up to each
    one (row 0 is nobody): a subtree is a run of units in path order, so its sum is a difference
    of two rows."""
    ranks = levels + 1
    kept = [g for g, u in enumerate(read.units) if u is not None and u in path_of]
    kept.sort(key=lambda g: path_of[read.units[g]])  # type: ignore[index]
    paths = [path_of[read.units[g]] for g in kept]  # type: ignore[index]
    tallies = read.tallies[kept] if kept else np.zeros((0, *read.tallies.shape[1:]), dtype=np.int64)
    held = np.flip(np.cumsum(np.flip(tallies[:, :, 0:ranks], axis=2), axis=2), axis=2)
    due = np.flip(np.cumsum(np.flip(tallies[:, :, ranks : 2 * ranks], axis=2), axis=2), axis=2)
    zero = np.zeros((1, *held.shape[1:]), dtype=np.int64)
    return (
        np.concatenate([zero, np.cumsum(held, axis=0)]),
        np.concatenate([zero, np.cumsum(due, axis=0)]),
        paths,
    )


def _path_names(paths: set[str], known: dict[int, str] | None = None) -> dict[str, str]:
    """Each path written out with its units' names ("Operations / Claims / North"), in one query
    (none when the names of every unit on them are `known`)."""
    ids = {int(p[i : i + ID_WIDTH]) for p in paths for i in range(0, len(p), ID_WIDTH)}
    if not ids:
        return {}
    if known is not None and ids <= known.keys():
        name = known
    else:
        name = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {
        p: " / ".join(name.get(int(p[i : i + ID_WIDTH]), "?") for i in range(0, len(p), ID_WIDTH))
        for p in paths
    }
