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
from soms.charts import Line, for_screens, line_chart
from soms.core.gaps import rollup
from soms.frameworks.models import FrameworkVersion
from soms.insights.models import PersonSnapshot, Snapshot
from soms.insights.selectors.overview import PHONE_SCALED
from soms.insights.selectors.picture import Filters, people_for, picture
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
    person_rows: list[PersonSnapshot] = []
    for version in FrameworkVersion.objects.filter(pk__in=list(version_ids)).order_by("pk"):
        pic = picture(membership, version, as_of=as_of)
        if not pic.people or not pic.elements:
            continue
        group_of = []
        for p in pic.people:
            path = unit_paths.get(p["unit_id"], "") if p["unit_id"] else ""
            root = roots.get(path[:ID_WIDTH]) if path else None
            group_of.append(str(root) if root is not None else "")
        # Each person's standing this month, for the trend of any filter (see `filtered_trend`).
        cells = np.stack(
            [pic.holdings.rank, pic.holdings.refresh_due, pic.holdings.expired, pic.required], axis=2
        )
        packed = cells.astype(np.int8)
        person_rows += [
            PersonSnapshot(
                organisation_id=organisation_id,
                month=month,
                version=version,
                person_id=p["id"],
                cells=packed[i].tobytes(),
            )
            for i, p in enumerate(pic.people)
        ]
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
        PersonSnapshot.objects.filter(organisation_id=organisation_id, month=month).delete()
        Snapshot.objects.bulk_create(rows, batch_size=1000)
        PersonSnapshot.objects.bulk_create(person_rows, batch_size=2000)
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
        "people_today": False,
    }


def trend_for(membership: Membership, version: FrameworkVersion, filters: Filters) -> dict[str, Any] | None:
    """The trend of what a view shows. The whole organisation and a top-level unit, for a member
    who sees everyone, read the unit snapshots; every other view (a deeper unit, a team, a role
    profile, a location, a manager's people, and anything a manager sees) sums its people's
    monthly rows (`filtered_trend`), so a manager's trend never counts anyone beyond their scope."""
    narrowed = bool(filters.team or filters.role_profile or filters.location or filters.manager)
    sees_everyone = not people_scope(membership, "person.view")  # Q() is empty only when nothing narrows it
    if sees_everyone and not narrowed and (filters.unit is None or filters.unit.parent_id is None):
        return trend(membership.organisation_id, version, filters.unit)
    return filtered_trend(membership, version, filters)


def filtered_trend(
    membership: Membership, version: FrameworkVersion, filters: Filters
) -> dict[str, Any] | None:
    """The trend of the people the view holds today, month by month as each of them stood then
    (someone who joined last month counts from last month), from their monthly rows: one query for
    the months, one for the rows. None unless two months hold any of them."""
    org = membership.organisation_id
    months = sorted(
        set(
            Snapshot.objects.filter(organisation_id=org, version=version, unit__isnull=True)
            .values_list("month", flat=True)
            .distinct()
        )
    )[-TREND_MONTHS:]
    if len(months) < 2:
        return None
    from soms.frameworks.models import Element, Level

    elements = list(Element.objects.filter(version=version).order_by("order", "id"))
    levels = [lv.name for lv in Level.objects.filter(version=version).order_by("rank")]
    n, ranks = len(elements), len(levels) + 1
    m_index = {m: i for i, m in enumerate(months)}
    counts = np.zeros((len(months), n, ranks), dtype=np.int64)
    short = np.zeros((len(months), n), dtype=np.int64)
    with_req = np.zeros((len(months), n), dtype=np.int64)
    heads = np.zeros(len(months), dtype=np.int64)
    people = people_for(membership, filters).order_by().values("pk")
    found = PersonSnapshot.objects.filter(
        organisation_id=org, version=version, month__in=months, person_id__in=people
    ).values_list("month", "cells")
    by_month: dict[int, list[bytes]] = {}
    for month, blob in found.iterator(chunk_size=5000):
        by_month.setdefault(m_index[month], []).append(bytes(blob))
    for i, blobs in by_month.items():
        flat = np.frombuffer(b"".join(blobs), dtype=np.int8)
        if n == 0 or flat.size != len(blobs) * n * 4:
            continue  # rows of another shape (the version changed since): not comparable
        c = flat.reshape(len(blobs), n, 4).astype(np.int64)
        rank, required = np.clip(c[:, :, 0], 0, ranks - 1), c[:, :, 3]
        heads[i] = len(blobs)
        for j in range(n):
            counts[i, j] = np.bincount(rank[:, j], minlength=ranks)[:ranks]
        with_req[i] = (required > 0).sum(axis=0)
        short[i] = ((required > 0) & (rank < required)).sum(axis=0)
    kept = [i for i in range(len(months)) if heads[i]]
    if len(kept) < 2:
        return None

    def per_month(values: Any, j: int) -> list[Any]:
        return [int(values[i, j]) if heads[i] else None for i in range(len(months))]

    out_elements = []
    for j, e in enumerate(elements):
        meeting = [
            round(100 * (int(with_req[i, j]) - int(short[i, j])) / int(with_req[i, j]), 1)
            if heads[i] and with_req[i, j]
            else None
            for i in range(len(months))
        ]
        out_elements.append(
            {
                "element": e.code,
                "name": e.name,
                "meeting": meeting,
                "short": per_month(short, j),
                "people": [int(heads[i]) if heads[i] else None for i in range(len(months))],
                "levels": [
                    [int(counts[i, j, k]) if heads[i] else None for i in range(len(months))]
                    for k in range(ranks)
                ],
            }
        )
    return {
        "months": [m.isoformat()[:7] for m in months],
        "level_names": ["No level", *levels],
        "elements": out_elements,
        "people_today": True,
    }


def trend_chart(data: dict[str, Any], *, title: str) -> str:
    shown = [e for e in data["elements"] if any(v is not None for v in e["meeting"])]
    # Every other line dashed, so that neighbouring lines differ by more than their colour.
    lines = [Line(e["name"], e["meeting"], dashed=k % 2 == 1) for k, e in enumerate(shown)]
    if not lines:
        return ""
    return for_screens(
        line_chart,
        data["months"],
        lines,
        title=title,
        y_label="% meeting requirement",
        x_label="month",
        ident="trend-lines",
        phone={"width": PHONE_SCALED, "height": 360},
    )
