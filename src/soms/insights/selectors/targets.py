"""Coverage targets of every unit and team in a view, each met or not by the view's people.

A target says how many people *its* unit (with the units under it) or team wants at a level, so a
parent unit's view, and the organisation's, show the targets of the units and teams beneath, each
counted over its own people, grouped by where it is set. In a fixed number of queries whatever the
number of targets, units or teams: the targets (one), the attainment of the view's people counted
by unit, team, element, level and refresh state (one), the paths of those units (one) and the
names of the units on the targets' paths (one).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q

from soms.assessments.models import AttainmentStatus, ElementAttainment
from soms.core.gaps import CoverageState
from soms.frameworks.models import FrameworkVersion
from soms.insights.selectors.picture import Filters, people_for
from soms.people.access import unit_scope
from soms.people.models import ID_WIDTH, CoverageTarget, OrgUnit
from soms.people.permissions import ADMINS
from soms.tenancy.models import Membership

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


def cover_groups(membership: Membership, version: FrameworkVersion, filters: Filters) -> dict[str, Any]:
    """Every target set on a unit or team in the view (the team's own for a team view; the unit's
    and those of the units and teams under it for a unit; all for the organisation), grouped by
    unit or team, each counted over the people of the view in that unit's subtree or that team. A
    refresh-due level counts as a warning, an expired one not at all (as on the targets card)."""
    targets = _targets_in_view(membership, version, filters)
    out: dict[str, Any] = {
        "targets": len(targets),
        "places": 0,
        "met": 0,
        "at_risk": 0,
        "short": 0,
        "not_met": 0,
        "groups": [],
    }
    if not targets:
        return out
    unit_paths = {t["unit__path"] for t in targets if t["unit_id"]}
    team_ids = {t["team_id"] for t in targets if t["team_id"]}
    lowest = min(t["level__rank"] for t in targets)
    # Counted by the person's unit id (no join for the path); each unit's path is read once below.
    rows = list(
        ElementAttainment.objects.filter(
            version=version,
            element_id__in={t["element_id"] for t in targets},
            rank__gte=lowest,
            person__in=people_for(membership, filters).order_by().values("pk"),
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
    names = _path_names(unit_paths | {t["team__unit__path"] for t in targets if t["team__unit__path"]})
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    for t in targets:
        held: Any
        if t["unit_id"]:
            gkey, held, place = ("unit", t["unit_id"]), by_unit, t["unit__path"]
            where = {
                "kind": "unit",
                "id": t["unit_id"],
                "name": t["unit__name"],
                "path": names.get(t["unit__path"], ""),
            }
            sort = (t["unit__path"], "")
        else:
            gkey, held, place = ("team", t["team_id"]), by_team, t["team_id"]
            unit_path = t["team__unit__path"] or ""
            where = {
                "kind": "team",
                "id": t["team_id"],
                "name": t["team__name"],
                "path": names.get(unit_path, ""),
            }
            sort = (unit_path + "~", t["team__name"].casefold())
        at_least = [r for r in ranks if r >= t["level__rank"]]
        warn = sum(held.get((place, t["element_id"], r, True), 0) for r in at_least)
        covered = sum(held.get((place, t["element_id"], r, False), 0) for r in at_least)
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


def _path_names(paths: set[str]) -> dict[str, str]:
    """Each path written out with its units' names ("Operations / Claims / North"), in one query."""
    ids = {int(p[i : i + ID_WIDTH]) for p in paths for i in range(0, len(p), ID_WIDTH)}
    if not ids:
        return {}
    name = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {
        p: " / ".join(name.get(int(p[i : i + ID_WIDTH]), "?") for i in range(0, len(p), ID_WIDTH))
        for p in paths
    }
