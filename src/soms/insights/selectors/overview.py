"""What the Insights pages, the API and the reports show, computed once from a `Picture`.

Plain data (dicts, lists, numbers) so that a page, a JSON answer and an export read the same
numbers; charts are drawn by `charts()` from the same data.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Q, QuerySet

from soms.assessments.models import ElementAttainment
from soms.charts import PHONE_WIDTH, LevelCell, bar_chart, for_screens, heatmap, level_grid
from soms.core.gaps import (
    CapabilityCover,
    CapabilityExpectation,
    CoverageState,
    capability_cover,
    expectation_from_data,
    specialisation_matrix,
)
from soms.frameworks.models import FrameworkVersion
from soms.insights import rollups
from soms.insights.selectors.picture import Filters, Picture, people_for, picture
from soms.people.access import me_person
from soms.people.models import ID_WIDTH, OrgUnit, Person, under_q
from soms.people.permissions import ADMINS
from soms.tenancy.models import Membership, Role

# One row per person is drawn up to this many people; beyond it the page shows units × elements.
GRID_PEOPLE = 200
# How specialised a person is: the share of their level points in this many strongest capabilities.
TOP_CAPABILITIES = 3
# Why the SOMS framework (and any framework without capability expectations) has no specialisation.
NO_SPECIALISATION = (
    "This framework asks every role for a rounded set of levels (the overall standing needs every "
    "element), not for specialists and back-ups, so how specialised each person is is not a measure "
    "here; the capability models (such as the service management office model, rated 1 to 5) show it."
)


def _short(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
    return "".join(w[0].upper() for w in words)[:3] or name[:2]


@dataclass
class Overview:
    picture: Picture
    data: dict[str, Any]
    from_rollups: bool = False
    # The unit rows counted, when read whole for the organisation or a unit subtree (an owner's or
    # admin's view): the request's cover against the units' targets counts from them (`cover_groups`).
    tallies: rollups.UnitTallies | None = None
    # Counted from the per-person shares the rollups keep (a filter within units, many people).
    from_shares: bool = False


def overview(
    pic: Picture,
    targets: list[tuple[Any, Any]] | None = None,
    *,
    group_units: bool = False,
    scope: OrgUnit | None = None,
) -> Overview:
    """Everything the pages show, from the per-person picture (every person of the scope)."""
    h = pic.holdings
    n_levels = len(pic.levels)
    total = rollups.tally(
        h.rank, h.refresh_due, h.expired, pic.required, np.zeros(len(h.people), dtype=np.intp), 1, n_levels
    )[0]
    names = {str(p["id"]): p["name"] for p in pic.people}

    def sole_holders(needs: dict[int, int]) -> dict[int, int]:
        out = {}
        for j, pos in needs.items():
            held = np.flatnonzero(h.rank[:, j] >= pos)
            out[j] = int(h.people[int(held[0])])
        return out

    data = _summary(pic, total, len(pic.people), targets, sole_holders, names)
    expectations = (pic.version.rules or {}).get("expectations")
    if expectations:
        element_name = {e.code: e.name for e in pic.elements}
        data["capabilities"] = [
            {
                "element": c.capability,
                "name": element_name[c.capability],
                "specialists": [names.get(p, p) for p in c.specialists],
                "backups": [names.get(p, p) for p in c.backups],
                "specialists_short": c.specialists_short,
                "backups_short": c.backups_short,
                "state": c.state,
            }
            for c in capability_cover(h, expectation_from_data(expectations))
        ]
    data["rows"] = person_rows(pic, 0, GRID_PEOPLE)
    data["truncated"] = pic.truncated or len(data["rows"]) < len(pic.people)
    set_specialisation(pic, data)
    if group_units or len(pic.people) > GRID_PEOPLE:
        unit_ids = [p["unit_id"] for p in pic.people]
        units = sorted({u for u in unit_ids if u is not None}) + ([None] if None in unit_ids else [])
        index = {u: g for g, u in enumerate(units)}
        group = np.fromiter((index[u] for u in unit_ids), dtype=np.intp, count=len(unit_ids))
        per_unit = rollups.tally(h.rank, h.refresh_due, h.expired, pic.required, group, len(units), n_levels)
        heads = np.bincount(group, minlength=len(units))
        data["units"], data["child_units"] = _both_units(
            units, heads, per_unit, pic, scope, pic.organisation_id
        )
    return Overview(pic, data)


def rollups_apply(membership: Membership, filters: Filters) -> bool:
    """Whether the rollups can answer: with no filter that picks people within units (team, role
    profile, location, manager), for a member who sees the whole organisation (owner, admin: the
    unit rows of the organisation or of a unit subtree) or a manager (see `_manager_parts`)."""
    return (
        membership.role in (*ADMINS, Role.MANAGER)
        and filters.team is None
        and filters.role_profile is None
        and not filters.location
        and filters.manager is None
    )


def _manager_parts(membership: Membership, filters: Filters) -> tuple[list[str], QuerySet[Person]]:
    """A manager's people are the units they manage (with the units under them: counted whole by
    the unit rows) and the people reporting to them elsewhere (and themself), counted from their
    per-person shares. Answers the managed units' paths (the outermost ones) and the query of those
    other people, both narrowed by the filters."""
    me = me_person(membership)
    paths = (
        sorted(OrgUnit.objects.filter(manager=me).values_list("path", flat=True)) if me is not None else []
    )
    outer: list[str] = []
    for path in paths:
        if not any(path.startswith(o) for o in outer):
            outer.append(path)
    others = people_for(membership, filters)
    for path in outer:
        others = others.exclude(under_q("unit__path", path))
    return outer, others


def overview_for(
    membership: Membership,
    version: FrameworkVersion,
    filters: Filters,
    targets: list[tuple[Any, Any]] | None = None,
    *,
    group_units: bool = False,
    offset: int = 0,
    limit: int = GRID_PEOPLE,
) -> Overview:
    """What the dashboard and the API show: from the unit rollups when they can answer (see
    `rollups_apply`), else from the people's own shares (`overview_from_people`); the numbers are
    the same either way. `data["rows"]` holds the people `offset` .. `offset + limit` by name."""
    # The grid's people only: a page by name, with their per-person rows.
    pic = picture(membership, version, filters, offset=offset, limit=limit)
    if rollups_apply(membership, filters):
        ov = _from_rollups(membership, version, filters, pic, targets, group_units, limit)
        if ov is not None:
            return ov
    return overview_from_people(
        membership, version, filters, targets, group_units=group_units, offset=offset, limit=limit, page=pic
    )


def overview_from_people(
    membership: Membership,
    version: FrameworkVersion,
    filters: Filters,
    targets: list[tuple[Any, Any]] | None = None,
    *,
    group_units: bool = False,
    offset: int = 0,
    limit: int = GRID_PEOPLE,
    page: Picture | None = None,
) -> Overview:
    """The same figures as `overview_for`, counted from the people the filters pick (what a filter
    within units — a team, role profile, location or manager — reads, and any role the unit rows do
    not answer). When the page of people (`page`, read here when not given) is all of them, from
    their per-person picture; else from the per-person shares the rollups keep (one row per person,
    `rollups.read_scope`) instead of every attainment row of thousands of people, with the single
    points' and the specialists' names read for the few elements that need them. Only when the
    rollups are not kept for this version does it read everyone's attainment rows."""
    pic = page or picture(membership, version, filters, offset=offset, limit=limit)
    if offset or pic.truncated:
        elements, levels = pic.elements, pic.levels
        t = rollups.read_scope(
            membership.organisation_id,
            version,
            len(elements),
            len(levels),
            unit_paths=[],
            within=None,
            others=people_for(membership, filters),
        )
        if t is not None:
            in_scope = _scope_q(membership) & Q(
                person__in=people_for(membership, filters).order_by().values("pk")
            )
            ov = _from_tallies(membership, version, filters, pic, t, in_scope, targets, group_units, limit)
            ov.from_shares = True
            return ov
        pic = picture(membership, version, filters)
    ov = overview(pic, targets, group_units=group_units, scope=filters.unit)
    if (offset, limit) != (0, GRID_PEOPLE):
        ov.data["rows"] = person_rows(ov.picture, offset, limit)
        set_specialisation(ov.picture, ov.data)
    ov.data["truncated"] = len(ov.data["rows"]) < ov.data["people"]
    return ov


def _scope_q(membership: Membership) -> Q:
    """The attainment rows of the organisation's counted people (active, not erased)."""
    return Q(
        organisation_id=membership.organisation_id,
        person__active=True,
        person__erased_at__isnull=True,
    )


def _from_rollups(
    membership: Membership,
    version: FrameworkVersion,
    filters: Filters,
    pic: Picture,
    targets: list[tuple[Any, Any]] | None,
    group_units: bool,
    limit: int,
) -> Overview | None:
    elements, levels = pic.elements, pic.levels
    in_scope = _scope_q(membership)
    if membership.role in ADMINS:
        t = rollups.read(membership.organisation_id, version, len(elements), len(levels), filters.unit)
        if filters.unit is not None:
            in_scope &= filters.unit.subtree_q("person__unit__path")
    else:
        paths, others = _manager_parts(membership, filters)
        t = rollups.read_scope(
            membership.organisation_id,
            version,
            len(elements),
            len(levels),
            unit_paths=paths,
            within=filters.unit,
            others=others,
        )
        in_scope &= Q(person__in=people_for(membership, filters).order_by().values("pk"))
    if t is None:
        return None
    ov = _from_tallies(membership, version, filters, pic, t, in_scope, targets, group_units, limit)
    ov.from_rollups = True
    ov.tallies = t if membership.role in ADMINS else None
    return ov


def _from_tallies(
    membership: Membership,
    version: FrameworkVersion,
    filters: Filters,
    pic: Picture,
    t: rollups.UnitTallies,
    in_scope: Q,
    targets: list[tuple[Any, Any]] | None,
    group_units: bool,
    limit: int,
) -> Overview:
    """The overview from the view's tallies per unit (`t`) and the page of people (`pic`); `in_scope`
    picks the view's attainment rows, of which the few that name people are read (the sole holders,
    the specialists and back-ups)."""
    elements, levels = pic.elements, pic.levels
    in_scope &= Q(version=version)
    total = rollups.combine(t.tallies, len(elements), len(levels))
    people = int(t.people.sum())
    names = {str(p["id"]): p["name"] for p in pic.people}

    def sole_holders(needs: dict[int, int]) -> dict[int, int]:
        if not needs:
            return {}
        which = Q(pk__in=[])
        for j, pos in needs.items():
            which |= Q(element_id=elements[j].pk, rank__gte=levels[pos - 1].rank)
        column = {e.pk: j for j, e in enumerate(elements)}
        out = {}
        for eid, pid, name in ElementAttainment.objects.filter(in_scope & which).values_list(
            "element_id", "person_id", "person__name"
        ):
            out[column[eid]] = pid
            names[str(pid)] = name
        return out

    data = _summary(pic, total, people, targets, sole_holders, names)
    expectations = (version.rules or {}).get("expectations")
    if expectations:
        data["capabilities"] = _capabilities(pic, expectation_from_data(expectations), in_scope)
    data["rows"] = person_rows(pic, 0, limit)
    data["truncated"] = len(data["rows"]) < people
    set_specialisation(pic, data)
    if group_units or people > GRID_PEOPLE:
        data["units"], data["child_units"] = _both_units(
            t.units, t.people, t.tallies, pic, filters.unit, membership.organisation_id, digest=t.digest
        )
    return Overview(pic, data)


def set_specialisation(pic: Picture, data: dict[str, Any]) -> None:
    """`data["specialisation"]`: how specialised each person of `data["rows"]` (the people listed,
    a page) is, for a framework whose rules expect specialists and back-ups (a capability model);
    else None, with `data["specialisation_note"]` saying why."""
    if not (pic.version.rules or {}).get("expectations"):
        data["specialisation"] = None
        data["specialisation_note"] = NO_SPECIALISATION
        return
    data["specialisation"] = specialisation_of(pic, [str(r["person"]) for r in data["rows"]])
    data["specialisation_note"] = ""


def specialisation_of(pic: Picture, people: list[str]) -> dict[str, Any]:
    """Breadth (capabilities held at any level), depth (the highest level held) and the share of a
    person's level points in their TOP_CAPABILITIES strongest capabilities, for these people of the
    picture; and how many of them hold each highest level × breadth (the chart's cells)."""
    h = pic.holdings.select(people)
    m = specialisation_matrix(h, TOP_CAPABILITIES)
    levels, elements = pic.levels, pic.elements
    n = len(elements)
    highest = h.rank.max(axis=1) if n else np.zeros(len(people), dtype=np.int16)
    names = {str(p["id"]): p["name"] for p in pic.people}
    spec = (pic.version.rules or {}).get("expectations", {}).get("specialist_min_level")
    spec_pos = next((k + 1 for k, lv in enumerate(levels) if lv.code == spec), len(levels))
    rows = []
    grid = np.zeros((len(levels), n + 1), dtype=np.int64)  # highest position - 1 × breadth
    for i, pid in enumerate(h.people):
        points, breadth, top = int(m.points[i]), int(m.breadth[i]), int(highest[i])
        share = None if not points else round(100 * float(m.top_share[i]))
        if not points:
            kind = "holds nothing yet"
        elif top >= spec_pos and share is not None and share >= 75:
            kind = "specialist"
        elif share is not None and share < 50:
            kind = "broad"
        else:
            kind = "in between"
        if top:
            grid[top - 1, breadth] += 1
        rows.append(
            {
                "person": int(pid),
                "name": names.get(pid, pid),
                "breadth": breadth,
                "highest": levels[top - 1].name if top else None,
                "highest_rank": top,
                "points": points,
                "top_share": share,
                "strongest": [
                    {
                        "element": elements[int(j)].code,
                        "name": elements[int(j)].name,
                        "level": levels[int(h.rank[i, int(j)]) - 1].name,
                    }
                    for j in m.strongest[i]
                    if h.rank[i, int(j)] > 0
                ],
                "kind": kind,
            }
        )
    return {
        "top": TOP_CAPABILITIES,
        "capabilities": n,
        "people": rows,
        "by_depth_and_breadth": [
            {"highest": levels[k].name, "people_by_breadth": [int(x) for x in grid[k]]}
            for k in range(len(levels) - 1, -1, -1)
        ],
    }


def _capabilities(pic: Picture, exp: CapabilityExpectation, in_scope: Q) -> list[dict[str, Any]]:
    """Specialists and back-ups of each capability, strongest first, then by name (as
    `capability_cover` orders them), read in one query of the people at the back-up level or above."""
    position = {lv.code: k + 1 for k, lv in enumerate(pic.levels)}
    spec = position[exp.specialist_min_level]
    backup = position[exp.backup_min_level] if exp.backup_min_level else None
    lowest = pic.levels[min(spec, backup or spec) - 1].rank
    rank_pos = {lv.rank: k + 1 for k, lv in enumerate(pic.levels)}
    found: dict[int, tuple[list[str], list[str]]] = {e.pk: ([], []) for e in pic.elements}
    for eid, rank, name in (
        ElementAttainment.objects.filter(in_scope, rank__gte=lowest)
        .order_by("element_id", "-rank", "person__name_key", "person_id")
        .values_list("element_id", "rank", "person__name")
    ):
        if eid not in found:
            continue
        pos = rank_pos[rank]
        if pos >= spec:
            found[eid][0].append(name)
        elif backup is not None and pos >= backup:
            found[eid][1].append(name)
    out = []
    for e in pic.elements:
        specialists, backups = found[e.pk]
        extra = max(len(specialists) - exp.specialists_wanted, 0)
        c = CapabilityCover(
            e.code,
            tuple(specialists),
            tuple(backups),
            max(exp.specialists_wanted - len(specialists), 0),
            max(exp.backups_wanted - len(backups) - extra, 0),
        )
        out.append(
            {
                "element": e.code,
                "name": e.name,
                "specialists": specialists,
                "backups": backups,
                "specialists_short": c.specialists_short,
                "backups_short": c.backups_short,
                "state": c.state,
            }
        )
    return out


def _summary(
    pic: Picture,
    total: Any,
    people: int,
    targets: list[tuple[Any, Any]] | None,
    sole_holders: Callable[[dict[int, int]], dict[int, int]],
    names: dict[str, str],
) -> dict[str, Any]:
    """The figures of the scope from its tally (elements × `rollups.width`), the same whether the
    tally was counted from the people or summed from the unit rollups. `sole_holders` names the one
    person holding each element (column → position) that exactly one person holds."""
    elements, levels = pic.elements, pic.levels
    n = len(levels)
    ranks = n + 1
    counts, refresh_due = total[:, 0:ranks], total[:, ranks : 2 * ranks]
    by_gap, expired = total[:, 2 * ranks : 3 * ranks], total[:, 3 * ranks]
    top = rollups.top_required(total, n)
    level_code = {lv.code: lv for lv in levels}
    position = {lv.code: k + 1 for k, lv in enumerate(levels)}
    column = {e.code: j for j, e in enumerate(elements)}
    data: dict[str, Any] = {
        "version": {
            "id": pic.version.pk,
            "framework": pic.version.framework.name,
            "label": pic.version.label,
        },
        "as_of": pic.as_of.isoformat(),
        "people": people,
        # Levels held in all (people × elements): 0 when nobody here is assessed on the framework yet.
        "levels_held": int(counts[:, 1:].sum()),
        "truncated": pic.truncated,
        "elements": [{"code": e.code, "name": e.name} for e in elements],
        "levels": [{"code": lv.code, "name": lv.name, "rank": k + 1} for k, lv in enumerate(levels)],
    }
    data["gaps"] = []
    for j, e in enumerate(elements):
        hist = by_gap[j]
        with_req = int(hist.sum())
        data["gaps"].append(
            {
                "element": e.code,
                "name": e.name,
                "with_requirement": with_req,
                "short": int(hist[1:].sum()),
                "steps_short": int((hist * np.arange(ranks)).sum()),
                "by_gap": [int(x) for x in hist] if with_req else [0],
            }
        )
    data["distribution"] = [
        {
            "element": e.code,
            "name": e.name,
            "none": int(counts[j, 0]),
            "levels": [
                {"level": lv.code, "name": lv.name, "people": int(counts[j, k + 1])}
                for k, lv in enumerate(levels)
            ],
            "refresh_due": int(refresh_due[j].sum()),
            "expired": int(expired[j]),
        }
        for j, e in enumerate(elements)
    ]
    data["coverage"] = []
    for model, t in targets or []:
        j, pos = column[t.element], position[t.level]
        if t.minimum < 0:
            raise ValueError("a coverage target's minimum must not be negative")
        warn = int(refresh_due[j, pos:].sum())
        covered = int(counts[j, pos:].sum()) - warn
        if covered >= t.minimum:
            state = CoverageState.MET
        elif covered + warn >= t.minimum:
            state = CoverageState.AT_RISK
        else:
            state = CoverageState.SHORT
        data["coverage"].append(
            {
                "target_id": model.pk,
                "element": t.element,
                "name": elements[j].name,
                "level": level_code[t.level].name,
                "minimum": t.minimum,
                "covered": covered,
                "refresh_due": warn,
                "missing": max(t.minimum - covered - warn, 0),
                "state": state.value,
                "note": model.note,
            }
        )
    # Single points of failure at the level the unit's targets ask for, or else the highest level
    # anyone here is required to hold. Refresh due counts as cover here; coverage() warns.
    spof: dict[str, str] = {
        e.code: levels[int(top[j]) - 1].code for j, e in enumerate(elements) if top[j] > 0
    }
    for _, t in targets or []:
        spof[t.element] = t.level
    holders = {
        j: int(counts[j, position[spof[e.code]] :].sum()) for j, e in enumerate(elements) if e.code in spof
    }
    alone = sole_holders({j: position[spof[elements[j].code]] for j, k in holders.items() if k == 1})
    sole = [(elements[j].code, str(alone[j])) for j in sorted(alone)]
    per_person: dict[str, list[str]] = {}
    for code, p in sole:
        per_person.setdefault(p, []).append(code)
    element_name = {e.code: e.name for e in elements}
    data["single_points"] = {
        "levels": {e: level_code[lv].name for e, lv in spof.items()},
        "uncovered": [
            {
                "element": elements[j].code,
                "name": elements[j].name,
                "level": level_code[spof[elements[j].code]].name,
            }
            for j in sorted(holders)
            if holders[j] == 0
        ],
        "sole": [
            {
                "element": e,
                "name": element_name[e],
                "level": level_code[spof[e]].name,
                "person": int(p),
                "person_name": names.get(p, p),
            }
            for e, p in sole
        ],
        "sole_cover": [
            {"person": int(p), "person_name": names.get(p, p), "elements": [element_name[e] for e in es]}
            for p, es in sorted(per_person.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            if len(es) > 1
        ],
    }
    return data


def _unit_paths(
    units: list[int | None], organisation_id: int, scope: OrgUnit | None
) -> tuple[dict[int, str], dict[int, str]]:
    """The units' paths and the names of every unit on them, in one query of the organisation's
    units (the scope's subtree and its ancestors when there is a scope) instead of two lists of
    thousands of ids: at 2,000 units building those lists cost more than the rows."""
    known = [u for u in units if u is not None]
    if not known:
        return {}, {}
    rows = OrgUnit.objects.filter(organisation_id=organisation_id)
    if scope is not None:
        above = [int(scope.path[i : i + ID_WIDTH]) for i in range(0, len(scope.path), ID_WIDTH)]
        rows = rows.filter(scope.subtree_q("path") | Q(pk__in=above))
    found = list(rows.values_list("pk", "path", "name"))
    all_path = {pk: path for pk, path, _ in found}
    path_of = {u: all_path[u] for u in known if u in all_path}
    if len(path_of) < len(known):
        # A unit outside the scope (a manager's reports sit anywhere): read them by id.
        path_of = dict(OrgUnit.objects.filter(pk__in=known).values_list("pk", "path"))
        ids = {int(p[i : i + ID_WIDTH]) for p in path_of.values() for i in range(0, len(p), ID_WIDTH)}
        names = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
        return path_of, names
    return path_of, {pk: name for pk, _, name in found}


def _both_units(
    units: list[int | None],
    people: Any,
    tallies: Any,
    pic: Picture,
    scope: OrgUnit | None,
    organisation_id: int,
    *,
    digest: bytes | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """`digest`: of `units`, `people` and `tallies` as read (`rollups.UnitTallies.digest`), when
    known; else they are hashed here."""
    path_of, names = _unit_paths(units, organisation_id, scope)
    # The rows are a function of what was just read (the units' tallies, paths and names, the
    # layout), so the same inputs give the same rows: kept by a digest of them, a dashboard read
    # again before the next rollup refresh or unit rename skips building 2,000 × 7 cells (the rows
    # are shared between readers, who copy before adding to them, as the page does).
    hashed = hashlib.blake2b(digest_size=20)
    if digest is not None:
        hashed.update(b"rows|" + digest)
    else:
        for part in (
            np.asarray([-1 if u is None else u for u in units], dtype=np.int64),
            np.ascontiguousarray(people, dtype=np.int64),
            np.ascontiguousarray(tallies, dtype=np.int64),
        ):
            hashed.update(part.tobytes())
            hashed.update(b"|")
    hashed.update(repr((path_of, names)).encode())
    key = (
        organisation_id,
        scope.path if scope is not None else None,
        tuple(e.code for e in pic.elements),
        len(pic.levels),
        hashed.digest(),
    )
    found = _UNIT_ROWS.get(key)
    if found is None:
        found = (
            _units(units, people, tallies, pic, path_of, names),
            _child_units(units, people, tallies, pic, scope, path_of, names),
        )
        with _UNIT_ROWS_LOCK:
            _UNIT_ROWS[key] = found
            while len(_UNIT_ROWS) > UNIT_ROWS_KEPT:
                _UNIT_ROWS.pop(next(iter(_UNIT_ROWS)))
    return found


# Unit rows kept per process (see `_both_units`): a few scopes' worth, oldest dropped first.
UNIT_ROWS_KEPT = 16
_UNIT_ROWS: dict[tuple[Any, ...], tuple[list[dict[str, Any]], dict[str, Any]]] = {}
_UNIT_ROWS_LOCK = threading.Lock()


def _grouped(keys: list[Any], people: Any, tallies: Any) -> tuple[list[Any], Any, Any]:
    """Units' head counts and tallies summed by key (first-seen order of the keys)."""
    index: dict[Any, int] = {}
    group = np.fromiter((index.setdefault(k, len(index)) for k in keys), dtype=np.intp, count=len(keys))
    n = len(index)
    heads = np.bincount(group, weights=np.asarray(people, dtype=np.float64), minlength=n).astype(np.int64)
    if n == len(keys):  # every key once: the groups are the units, in their order
        summed = np.asarray(tallies)
    else:
        summed = np.zeros((n, *np.shape(tallies)[1:]), dtype=np.int64)
        np.add.at(summed, group, tallies)
    return list(index), heads, summed


def _units(
    units: list[int | None],
    people: Any,
    tallies: Any,
    pic: Picture,
    path_of: dict[int, str],
    names: dict[int, str],
) -> list[dict[str, Any]]:
    """Units × elements: people per unit, and per element how many meet their requirement. Units
    are named by their path; two units with the same path name are counted as one."""
    paths = {
        u: "/".join(names.get(int(p[i : i + ID_WIDTH]), "?") for i in range(0, len(p), ID_WIDTH))
        for u, p in path_of.items()
    }
    keys = [paths.get(u, "No unit") if u is not None else "No unit" for u in units]
    found, heads, summed = _grouped(keys, people, tallies)
    rows = _unit_rows(found, [None] * len(found), heads, summed, pic)
    order = sorted(range(len(found)), key=lambda g: found[g])
    return [rows[g] for g in order]


def _child_units(
    units: list[int | None],
    people: Any,
    tallies: Any,
    pic: Picture,
    scope: OrgUnit | None,
    path_of: dict[int, str],
    names: dict[int, str],
) -> dict[str, Any]:
    """Units × elements one level under the scope (its child units, each counting its whole
    subtree), so that a view of 2,000 units reads as a handful of rows to drill into. Where every
    person sits under one child, the grouping goes one level further down. People directly in the
    scope's unit and people with no unit keep a row of their own."""
    base = scope.path if scope is not None else ""
    while True:
        keys = {
            path_of[u][: len(base) + ID_WIDTH]
            if u is not None and len(path_of.get(u, "")) > len(base)
            else None
            for u in units
        }
        if len(keys) != 1 or None in keys:
            break
        base = next(iter(keys))  # type: ignore[assignment]
    group_keys: list[str | None] = []
    for u in units:
        path = path_of.get(u, "") if u is not None else None
        group_keys.append(
            None if path is None else (path[: len(base) + ID_WIDTH] if len(path) > len(base) else base)
        )
    found, heads, summed = _grouped(group_keys, people, tallies)
    base_id = int(base[-ID_WIDTH:]) if base else None
    labels: list[str] = []
    ids: list[int | None] = []
    sort_keys: list[tuple[int, str]] = []
    for key in found:
        if key is None:
            labels.append("No unit")
            ids.append(None)
            sort_keys.append((2, ""))
        elif key == base:
            labels.append(f"Directly in {names.get(base_id or 0, 'this unit')}")
            ids.append(None)
            sort_keys.append((0, ""))
        else:
            uid = int(key[-ID_WIDTH:])
            name = names.get(uid, "?")
            labels.append(name)
            ids.append(uid)
            sort_keys.append((1, name.casefold()))
    rows = _unit_rows(labels, ids, heads, summed, pic)
    order = sorted(range(len(found)), key=lambda g: sort_keys[g])
    return {
        "parent": names.get(base_id) if base_id else None,
        "parent_id": base_id,
        "rows": [rows[g] for g in order],
    }


def _unit_rows(
    names: list[str], unit_ids: list[int | None], heads: Any, tallies: Any, pic: Picture
) -> list[dict[str, Any]]:
    """One heatmap row per group (name, unit id, head count, tally elements × width), the figures
    counted for all groups at once: per cell the people with a requirement, those short of it,
    refresh due, expired, and the share meeting it."""
    ranks = len(pic.levels) + 1
    t = np.asarray(tallies)
    codes = [e.code for e in pic.elements]
    if len(names) == 0:
        return []
    with_req = t[:, :, 2 * ranks : 3 * ranks].sum(axis=2).tolist()
    short = t[:, :, 2 * ranks + 1 : 3 * ranks].sum(axis=2).tolist()
    refresh_due = t[:, :, ranks : 2 * ranks].sum(axis=2).tolist()
    expired = t[:, :, 3 * ranks].tolist()
    out = []
    for g, name in enumerate(names):
        w, s, r, x = with_req[g], short[g], refresh_due[g], expired[g]
        out.append(
            {
                "unit": name,
                "unit_id": unit_ids[g],
                "people": int(heads[g]),
                "elements": [
                    {
                        "element": code,
                        "with_requirement": w[j],
                        "short": s[j],
                        "refresh_due": r[j],
                        "expired": x[j],
                        "meeting": None if w[j] == 0 else round(100 * (w[j] - s[j]) / w[j], 1),
                    }
                    for j, code in enumerate(codes)
                ],
            }
        )
    return out


def person_rows(pic: Picture, offset: int, limit: int) -> list[dict[str, Any]]:
    """One row per person (by name), with level, requirement, gap and warnings per element.

    A cell is a function of its element, the level held and required and the two warnings: a grid
    holds a few dozen kinds of cell, not people × elements. Each kind's dict is made once and the
    rows take theirs by a number per cell (worked out for the page at once with NumPy), so a team of
    200 builds about as many dicts as kinds instead of 1,400. The rows share those dicts: read them,
    never change them (a reader that adds to a cell copies it first)."""
    h, req, elements, levels = pic.holdings, pic.required, pic.elements, pic.levels
    end = min(offset + limit, len(pic.people))
    if end <= offset:
        return []
    page = slice(offset, end)
    held, need = h.rank[page].astype(np.int64), req[page].astype(np.int64)
    ranks = len(levels) + 1
    # Kind of cell: element, then level held, level required, refresh due, expired.
    kind = (
        ((np.arange(len(elements), dtype=np.int64) * ranks + held) * ranks + need) * 2 + h.refresh_due[page]
    ) * 2 + h.expired[page]
    found = np.unique(kind)
    cells = np.empty(len(elements) * ranks * ranks * 4, dtype=object)
    codes = [None, *(lv.code for lv in levels)]
    for k in found.tolist():
        rest, ex = divmod(k, 2)
        rest, rd = divmod(rest, 2)
        rest, rq = divmod(rest, ranks)
        j, lv = divmod(rest, ranks)
        cells[k] = {
            "element": elements[j].code,
            "level": codes[lv],
            "required": codes[rq],
            "gap": max(rq - lv, 0),
            "refresh_due": bool(rd),
            "expired": bool(ex),
        }
    return [
        {"person": p["id"], "name": p["name"], "cells": row}
        for p, row in zip(pic.people[page], cells[kind].tolist(), strict=True)
    ]


def units_heatmap(
    units: list[dict[str, Any]],
    element_names: list[str],
    *,
    title: str,
    ident: str | None = None,
    width: float = 960,
    stacked: bool = False,
) -> str:
    """Units × elements: the share of each unit's people with a requirement who meet it."""
    return heatmap(
        [[c["meeting"] for c in u["elements"]] for u in units],
        [f"{u['unit']} ({u['people']})" for u in units],
        element_names,
        title=f"{title}: people meeting their requirement, by unit",
        value_label="% meeting requirement",
        value_format="{:.0f}%",
        missing_label="no requirement",
        every_column=True,
        ident=ident,
        width=width,
        stacked=stacked,
    )


# A phone's drawing of the people × elements grid: shown at its own size (text at 11-12 px) and
# scrolled sideways inside its card where it is wider than the screen (.chart-scroll in the
# stylesheet): a grid has as many columns as the framework has elements, each a level's short name.
PHONE_GRID = {"width": PHONE_WIDTH}
# Charts that scale to their card: on a 390 px screen the card's drawing area is about 300 px wide
# (the page's and the card's padding), so drawn 300 wide their 12-unit text shows at about 12 px.
PHONE_SCALED = 300.0
# A heatmap (units × elements, how specialised) fits the phone's card as well: each row's name on
# its own line above its cells, which then share the whole width (a 560-wide drawing that scrolled
# in its card showed a phone two columns and half its title).
PHONE_HEATMAP: dict[str, Any] = {"width": PHONE_SCALED, "stacked": True}


def charts(
    ov: Overview,
    *,
    title: str,
    units: list[dict[str, Any]] | None = None,
    screens: bool = False,
    scope: str = "",
) -> dict[str, str]:
    """The page's charts from `ov.data`; `units` are the rows of the units × elements heatmap
    (the child units on the dashboard), none drawn when None. With `screens` each chart comes
    drawn twice, wide and for a phone (`soms.charts.for_screens`); reports take the one drawing."""
    pic, data = ov.picture, ov.data
    out: dict[str, str] = {}

    def draw(fn: Callable[..., str], *args: Any, ident: str, phone: dict[str, Any], **kwargs: Any) -> str:
        if screens:
            return for_screens(fn, *args, ident=ident, phone=phone, **kwargs)
        return fn(*args, ident=ident, **kwargs)

    level_names = pic.level_names
    short = [_short(n) for n in level_names]
    if data["rows"]:
        position = {lv.code: k + 1 for k, lv in enumerate(pic.levels)}
        element_names = pic.element_names
        # What a cell says after "name, element: " depends only on its level, requirement and
        # warnings (a few kinds in a grid): worked out once per kind, not once per cell.
        kinds: dict[tuple[Any, Any, bool, bool], tuple[int, str, int | None, str, str]] = {}
        cells = []
        for row in data["rows"]:
            line = []
            name = row["name"]
            for j, c in enumerate(row["cells"]):
                kind = (c["level"], c["required"], c["refresh_due"], c["expired"])
                spec = kinds.get(kind)
                if spec is None:
                    rank = position.get(c["level"], 0)
                    req = position.get(c["required"])
                    words = [level_names[rank - 1] if rank else "no level"]
                    if req:
                        words.append(f"requires {level_names[req - 1]}")
                    if c["refresh_due"]:
                        words.append("refresh due")
                    if c["expired"]:
                        words.append("a higher level expired")
                    state = "expired" if c["expired"] else ("refresh_due" if c["refresh_due"] else "")
                    spec = kinds[kind] = (rank, short[rank - 1] if rank else "", req, state, "; ".join(words))
                rank, text, req, state, said = spec
                line.append(LevelCell(rank, text, req, state, f"{name}, {element_names[j]}: {said}"))
            cells.append(line)
        out["grid"] = draw(
            level_grid,
            cells,
            [r["name"] for r in data["rows"]],
            pic.element_names,
            level_names,
            title=title,
            ident="levels-grid",
            phone=PHONE_GRID,
        )
    if units is not None:
        out["units"] = (
            draw(
                units_heatmap,
                units,
                pic.element_names,
                title=scope or title,
                ident="units-heatmap",
                phone=PHONE_HEATMAP,
            )
            if units
            else ""
        )
    spec = data.get("specialisation")
    if spec and any(p["points"] for p in spec["people"]):
        cols = list(range(1, spec["capabilities"] + 1))
        out["specialisation"] = draw(
            heatmap,
            [[row["people_by_breadth"][b] or None for b in cols] for row in spec["by_depth_and_breadth"]],
            [row["highest"] for row in spec["by_depth_and_breadth"]],
            [str(b) for b in cols],
            title=f"How specialised: {len(spec['people'])} "
            f"{'person' if len(spec['people']) == 1 else 'people'} by highest level (rows) and "
            "capabilities held (columns)",
            value_label="people",
            value_format="{:.0f}",
            missing_label="nobody",
            every_column=True,
            ident="specialisation",
            phone=PHONE_HEATMAP,
        )
    if data["coverage"]:
        out["coverage"] = draw(
            bar_chart,
            [f"{c['name']} ({c['level']})" for c in data["coverage"]],
            [c["covered"] + c["refresh_due"] for c in data["coverage"]],
            title="Cover against the targets",
            value_name="people holding the level",
            highlight=[c["state"] != "met" for c in data["coverage"]],
            highlight_name="target not safely met",
            y_label="people",
            height=300,
            categories=True,
            ident="coverage-bars",
            phone={"width": PHONE_SCALED, "height": 320},
        )
    return out
