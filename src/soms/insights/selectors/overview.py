"""What the Insights pages, the API and the reports show, computed once from a `Picture`.

Plain data (dicts, lists, numbers) so that a page, a JSON answer and an export read the same
numbers; charts are drawn by `charts()` from the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from soms.charts import LevelCell, bar_chart, heatmap, level_grid
from soms.core.gaps import (
    capability_cover,
    coverage,
    distribution,
    expectation_from_data,
    gap_summary,
    rollup,
    single_points_of_failure,
)
from soms.insights.selectors.picture import Picture
from soms.people.models import OrgUnit
from soms.people.selectors.people import unit_path_names

# One row per person is drawn up to this many people; beyond it the page shows units × elements.
GRID_PEOPLE = 200


def _short(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
    return "".join(w[0].upper() for w in words)[:3] or name[:2]


def _level_name(level_code: dict[str, Any], code: str) -> str:
    return str(level_code[code].name) if code in level_code else code


@dataclass
class Overview:
    picture: Picture
    data: dict[str, Any]


def overview(
    pic: Picture, targets: list[tuple[Any, Any]] | None = None, *, group_units: bool = False
) -> Overview:
    h, req = pic.holdings, pic.required
    elements, levels = pic.elements, pic.levels
    names = {str(p["id"]): p["name"] for p in pic.people}
    level_code = {lv.code: lv for lv in levels}
    element_name = {e.code: e.name for e in elements}
    data: dict[str, Any] = {
        "version": {
            "id": pic.version.pk,
            "framework": pic.version.framework.name,
            "label": pic.version.label,
        },
        "as_of": pic.as_of.isoformat(),
        "people": len(pic.people),
        "truncated": pic.truncated,
        "elements": [{"code": e.code, "name": e.name} for e in elements],
        "levels": [{"code": lv.code, "name": lv.name, "rank": k + 1} for k, lv in enumerate(levels)],
    }
    gaps = gap_summary(h, req)
    data["gaps"] = [
        {
            "element": g.element,
            "name": element_name[g.element],
            "with_requirement": g.people,
            "short": g.short,
            "steps_short": g.steps_short,
            "by_gap": list(g.by_gap),
        }
        for g in gaps
    ]
    data["distribution"] = [
        {
            "element": d.element,
            "name": element_name[d.element],
            "none": d.counts.get(None, 0),
            "levels": [
                {"level": code, "name": level_code[code].name, "people": d.counts.get(code, 0)}
                for code in h.levels
            ],
            "refresh_due": d.refresh_due,
            "expired": d.expired,
        }
        for d in distribution(h)
    ]
    data["coverage"] = [
        {
            "target_id": model.pk,
            "element": c.target.element,
            "name": element_name.get(c.target.element, c.target.element),
            "level": level_code[c.target.level].name if c.target.level in level_code else c.target.level,
            "minimum": c.target.minimum,
            "covered": c.covered,
            "refresh_due": c.refresh_due,
            "missing": c.missing,
            "state": c.state.value,
            "note": model.note,
        }
        for (model, _), c in zip(targets or [], coverage(h, [t for _, t in targets or []]), strict=True)
    ]
    # Single points of failure at the level the unit's targets ask for, or else the highest level
    # anyone here is required to hold.
    spof_levels = pic.required_map()
    for _, t in targets or []:
        spof_levels[t.element] = t.level
    sp = single_points_of_failure(h, spof_levels)
    data["single_points"] = {
        "levels": {e: level_code[lv].name for e, lv in spof_levels.items() if lv in level_code},
        "uncovered": [
            {"element": e, "name": element_name[e], "level": _level_name(level_code, spof_levels[e])}
            for e in sp.uncovered
        ],
        "sole": [
            {
                "element": e,
                "name": element_name[e],
                "level": _level_name(level_code, spof_levels[e]),
                "person": int(p),
                "person_name": names.get(p, p),
            }
            for e, p in sp.sole
        ],
        "sole_cover": [
            {"person": int(p), "person_name": names.get(p, p), "elements": [element_name[e] for e in es]}
            for p, es in sp.sole_cover
            if len(es) > 1
        ],
    }
    expectations = (pic.version.rules or {}).get("expectations")
    if expectations:
        exp = expectation_from_data(expectations)
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
            for c in capability_cover(h, exp)
        ]
    data["rows"] = person_rows(pic, 0, GRID_PEOPLE)
    if group_units or len(pic.people) > GRID_PEOPLE:
        data["units"] = _unit_rollup(pic)
    return Overview(pic, data)


def person_rows(pic: Picture, offset: int, limit: int) -> list[dict[str, Any]]:
    """One row per person (by name), with level, requirement, gap and warnings per element."""
    h, req, elements, levels = pic.holdings, pic.required, pic.elements, pic.levels
    gap = np.clip(req - h.rank, 0, None)
    rows = []
    for i in range(offset, min(offset + limit, len(pic.people))):
        p = pic.people[i]
        rows.append(
            {
                "person": p["id"],
                "name": p["name"],
                "cells": [
                    {
                        "element": elements[j].code,
                        "level": levels[int(h.rank[i, j]) - 1].code if h.rank[i, j] else None,
                        "required": levels[int(req[i, j]) - 1].code if req[i, j] else None,
                        "gap": int(gap[i, j]),
                        "refresh_due": bool(h.refresh_due[i, j]),
                        "expired": bool(h.expired[i, j]),
                    }
                    for j in range(len(elements))
                ],
            }
        )
    return rows


def _unit_rollup(pic: Picture) -> list[dict[str, Any]]:
    """Units × elements: people per unit, and per element how many meet their requirement."""
    unit_ids = sorted({p["unit_id"] for p in pic.people if p["unit_id"]})
    paths = unit_path_names(OrgUnit.objects.filter(pk__in=unit_ids)) if unit_ids else {}
    group_of = [paths.get(p["unit_id"], "No unit") if p["unit_id"] else "No unit" for p in pic.people]
    if not group_of:
        return []
    r = rollup(pic.holdings, group_of, pic.required)
    with_req = _per_group(group_of, r.groups, pic.required > 0)
    out = []
    for g, name in enumerate(r.groups):
        out.append(
            {
                "unit": name,
                "people": int(r.people[g]),
                "elements": [
                    {
                        "element": e,
                        "with_requirement": int(with_req[g, j]),
                        "short": int(r.short[g, j]),
                        "refresh_due": int(r.refresh_due[g, j]),
                        "expired": int(r.expired[g, j]),
                        "meeting": None
                        if with_req[g, j] == 0
                        else round(100 * (with_req[g, j] - r.short[g, j]) / with_req[g, j], 1),
                    }
                    for j, e in enumerate(r.elements)
                ],
            }
        )
    out.sort(key=lambda u: str(u["unit"]))
    return out


def _per_group(group_of: list[str], groups: tuple[str, ...], mask: Any) -> Any:
    index = {g: i for i, g in enumerate(groups)}
    g = np.fromiter((index[x] for x in group_of), dtype=np.intp, count=len(group_of))
    out = np.zeros((len(groups), mask.shape[1]), dtype=np.int64)
    np.add.at(out, g, mask.astype(np.int64))
    return out


def charts(ov: Overview, *, title: str) -> dict[str, str]:
    pic, data = ov.picture, ov.data
    out: dict[str, str] = {}
    level_names = pic.level_names
    short = [_short(n) for n in level_names]
    if data["rows"]:
        cells = []
        for row in data["rows"]:
            line = []
            for j, c in enumerate(row["cells"]):
                rank = next((k + 1 for k, lv in enumerate(pic.levels) if lv.code == c["level"]), 0)
                req = next((k + 1 for k, lv in enumerate(pic.levels) if lv.code == c["required"]), None)
                words = [
                    f"{row['name']}, {pic.elements[j].name}: {level_names[rank - 1] if rank else 'no level'}"
                ]
                if req:
                    words.append(f"requires {level_names[req - 1]}")
                if c["refresh_due"]:
                    words.append("refresh due")
                if c["expired"]:
                    words.append("a higher level expired")
                line.append(
                    LevelCell(
                        rank,
                        short[rank - 1] if rank else "",
                        required=req,
                        state="expired" if c["expired"] else ("refresh_due" if c["refresh_due"] else ""),
                        detail="; ".join(words),
                    )
                )
            cells.append(line)
        out["grid"] = level_grid(
            cells, [r["name"] for r in data["rows"]], pic.element_names, level_names, title=title
        )
    if data.get("units"):
        units = data["units"]
        matrix = [[c["meeting"] for c in u["elements"]] for u in units]
        out["units"] = heatmap(
            matrix,
            [f"{u['unit']} ({u['people']})" for u in units],
            pic.element_names,
            title=f"{title}: people meeting their requirement, by unit",
            value_label="% meeting requirement",
            value_format="{:.0f}%",
            missing_label="no requirement",
            every_column=True,
        )
    if data["coverage"]:
        out["coverage"] = bar_chart(
            [f"{c['name']} ({c['level']})" for c in data["coverage"]],
            [c["covered"] + c["refresh_due"] for c in data["coverage"]],
            title="Cover against the targets",
            value_name="people holding the level",
            highlight=[c["state"] != "met" for c in data["coverage"]],
            highlight_name="target not safely met",
            y_label="people",
            height=300,
        )
    return out
