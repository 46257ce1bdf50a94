"""Monthly snapshots: per organisation, version, top-level unit (and the whole organisation as
unit=None) and element, how many people held each level, were refresh due or expired, fell short
of their requirement, and had one. Trend lines read these rows, never the assessment history.

A month is written once by the daily job (`soms.insights.periodic`); writing it again (a forced
run) deletes that organisation's month and inserts it afresh in one transaction, so the rows of a
month always come from one reading of the attainment table.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from django.db import transaction

from soms.assessments.models import ElementAttainment
from soms.charts import Line, line_chart
from soms.core.gaps import rollup
from soms.frameworks.models import FrameworkVersion
from soms.insights.models import Snapshot
from soms.insights.selectors.picture import Filters, picture
from soms.people.access import people_scope
from soms.people.models import ID_WIDTH, OrgUnit
from soms.tenancy.models import Membership, Organisation, Role

WHOLE = "__whole__"
TREND_MONTHS = 24


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def _whole_organisation(organisation_id: int) -> Membership:
    # An unsaved owner membership: the picture of everyone in the organisation, as its owner sees it.
    return Membership(organisation_id=organisation_id, role=Role.OWNER)


def month_written(organisation_id: int, month: date) -> bool:
    return Snapshot.objects.filter(organisation_id=organisation_id, month=month).exists()


def snapshot_organisation(organisation_id: int, month: date, *, as_of: date | None = None) -> int:
    """Write (or rewrite) the organisation's snapshot of `month`; returns the rows written."""
    month = first_of_month(month)
    as_of = as_of or month
    membership = _whole_organisation(organisation_id)
    roots = {
        path[:ID_WIDTH]: pk
        for pk, path in OrgUnit.objects.filter(organisation_id=organisation_id, parent=None).values_list(
            "pk", "path"
        )
    }
    unit_paths = dict(OrgUnit.objects.filter(organisation_id=organisation_id).values_list("pk", "path"))
    version_ids = (
        ElementAttainment.objects.filter(organisation_id=organisation_id)
        .values_list("version_id", flat=True)
        .distinct()
    )
    rows: list[Snapshot] = []
    for version in FrameworkVersion.objects.filter(pk__in=list(version_ids)).order_by("pk"):
        pic = picture(membership, version, as_of=as_of)
        if not pic.people or not pic.elements:
            continue
        group_of = []
        for p in pic.people:
            path = unit_paths.get(p["unit_id"], "") if p["unit_id"] else ""
            root = roots.get(path[:ID_WIDTH]) if path else None
            group_of.append(str(root) if root is not None else "")
        with_req = pic.required > 0
        for groups in (group_of, [WHOLE] * len(group_of)):
            r = rollup(pic.holdings, groups, pic.required)
            index = {g: i for i, g in enumerate(r.groups)}
            gi = np.fromiter((index[x] for x in groups), dtype=np.intp, count=len(groups))
            required = np.zeros((len(r.groups), len(pic.elements)), dtype=np.int64)
            np.add.at(required, gi, with_req.astype(np.int64))
            for g, name in enumerate(r.groups):
                if name == "":  # people without a unit count in the whole organisation only
                    continue
                unit_id = None if name == WHOLE else int(name)
                for j, element in enumerate(pic.elements):
                    rows.append(
                        Snapshot(
                            organisation_id=organisation_id,
                            month=month,
                            version=version,
                            unit_id=unit_id,
                            element=element,
                            people=int(r.people[g]),
                            counts=[int(c) for c in r.counts[g, j]],
                            refresh_due=int(r.refresh_due[g, j]),
                            expired=int(r.expired[g, j]),
                            short=int(r.short[g, j]),
                            with_requirement=int(required[g, j]),
                        )
                    )
    with transaction.atomic():
        Snapshot.objects.filter(organisation_id=organisation_id, month=month).delete()
        Snapshot.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def snapshot_due(today: date, *, force: bool = False) -> tuple[int, int]:
    """Write this month's snapshot of every organisation that has none yet (every one with
    `force`). Returns (organisations written, rows)."""
    month = first_of_month(today)
    written = rows = 0
    for org_id in Organisation.objects.order_by("pk").values_list("pk", flat=True):
        if not force and month_written(org_id, month):
            continue
        if not ElementAttainment.objects.filter(organisation_id=org_id).exists():
            continue
        rows += snapshot_organisation(org_id, month, as_of=today)
        written += 1
    return written, rows


def trend(organisation_id: int, version: FrameworkVersion, unit: OrgUnit | None) -> dict[str, Any] | None:
    """Per element, the share of people meeting their requirement and the people at each level,
    month by month (the last TREND_MONTHS). None unless at least two months are kept."""
    qs = Snapshot.objects.filter(organisation_id=organisation_id, version=version)
    qs = qs.filter(unit=unit) if unit is not None else qs.filter(unit__isnull=True)
    months = sorted(set(qs.values_list("month", flat=True)))[-TREND_MONTHS:]
    if len(months) < 2:
        return None
    m_index = {m: i for i, m in enumerate(months)}
    from soms.frameworks.models import Element, Level

    elements = list(Element.objects.filter(version=version).order_by("order", "id"))
    levels = [lv.name for lv in Level.objects.filter(version=version).order_by("rank")]
    per: dict[int, dict[str, Any]] = {
        e.pk: {
            "element": e.code,
            "name": e.name,
            "meeting": [None] * len(months),
            "short": [None] * len(months),
            "people": [None] * len(months),
            "levels": [[None] * len(months) for _ in range(len(levels) + 1)],
        }
        for e in elements
    }
    for s in qs.filter(month__in=months).values(
        "month", "element_id", "people", "counts", "short", "with_requirement"
    ):
        e = per.get(s["element_id"])
        if e is None:
            continue
        i = m_index[s["month"]]
        e["people"][i] = s["people"]
        e["short"][i] = s["short"]
        if s["with_requirement"]:
            e["meeting"][i] = round(100 * (s["with_requirement"] - s["short"]) / s["with_requirement"], 1)
        for k, c in enumerate(list(s["counts"])[: len(levels) + 1]):
            e["levels"][k][i] = c
    return {
        "months": [m.isoformat()[:7] for m in months],
        "level_names": ["No level", *levels],
        "elements": [per[e.pk] for e in elements],
    }


def trend_for(membership: Membership, version: FrameworkVersion, filters: Filters) -> dict[str, Any] | None:
    """The trend of what a view shows, when snapshots keep it: the whole organisation (no filter)
    or one top-level unit (only that filter). Only for members who see everyone, so that a
    manager's dashboard never shows numbers from beyond their subtree."""
    if people_scope(membership, "person.view"):  # Q() is empty (falsy) only when nothing narrows it
        return None
    if filters.team or filters.role_profile or filters.location or filters.manager:
        return None
    if filters.unit is not None and filters.unit.parent_id is not None:
        return None
    return trend(membership.organisation_id, version, filters.unit)


def trend_chart(data: dict[str, Any], *, title: str) -> str:
    shown = [e for e in data["elements"] if any(v is not None for v in e["meeting"])]
    # Every other line dashed, so that neighbouring lines differ by more than their colour.
    lines = [Line(e["name"], e["meeting"], dashed=k % 2 == 1) for k, e in enumerate(shown)]
    if not lines:
        return ""
    return line_chart(data["months"], lines, title=title, y_label="% meeting requirement", x_label="month")
