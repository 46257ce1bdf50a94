"""One person: required vs attained vs self-assessed per element, the gaps, what blocks the next
required level, and their development plan."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from soms.assessments.models import ElementAttainment
from soms.assessments.services.attainment import evaluate_self, stored_detail, version_index
from soms.charts import RadarSeries, radar_chart
from soms.frameworks.models import FrameworkVersion, Level
from soms.insights.models import ActionStatus, DevelopmentAction
from soms.insights.selectors.overview import PHONE_SCALED
from soms.insights.services.plans import is_overdue, suggestions
from soms.people.models import Person, RoleProfile, RoleRequirement
from soms.tenancy.models import Membership


class _Stored(NamedTuple):
    level: Level | None
    status: str
    since: date | None
    refresh_due_on: date | None
    expires_on: date | None
    detail: dict[str, Any] | None


def _day(value: Any) -> date | None:
    """A date column read raw: a date (PostgreSQL) or its ISO text (SQLite)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _stored_and_required(
    person_id: int, version_id: int, level_of: dict[int, Level]
) -> tuple[dict[int, _Stored], dict[int, Level]]:
    """The person's stored attainment per element and, per element, the highest level their role
    profiles on the version require: one plain query (no model instances, nothing for the ORM to
    compile), the levels taken from the version's kept index."""
    qn = connection.ops.quote_name
    att = qn(ElementAttainment._meta.db_table)
    holds = qn(Person.role_profiles.through._meta.db_table)
    profiles, reqs = qn(RoleProfile._meta.db_table), qn(RoleRequirement._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 0, a.element_id, a.level_id, a.status, a.since, a.refresh_due_on, a.expires_on, a.detail "
            f"FROM {att} a WHERE a.person_id = %s AND a.version_id = %s UNION ALL "
            "SELECT 1, r.element_id, r.level_id, NULL, NULL, NULL, NULL, NULL "
            f"FROM {holds} h CROSS JOIN {profiles} p CROSS JOIN {reqs} r "
            "WHERE h.person_id = %s AND p.id = h.roleprofile_id AND p.version_id = %s "
            "AND r.profile_id = h.roleprofile_id",
            [person_id, version_id, person_id, version_id],
        )
        found = cursor.fetchall()
    stored: dict[int, _Stored] = {}
    required: dict[int, Level] = {}
    for kind, eid, lid, status, since, due, expires, detail in found:
        if kind == 0:
            stored[eid] = _Stored(
                level_of.get(lid) if lid is not None else None,
                status,
                _day(since),
                _day(due),
                _day(expires),
                json.loads(detail) if isinstance(detail, str | bytes) else detail,
            )
            continue
        lv = level_of.get(lid) or Level.objects.get(pk=lid)
        if eid not in required or lv.rank > required[eid].rank:
            required[eid] = lv
    return stored, required


def person_view(
    membership: Membership, person: Person, version: FrameworkVersion, *, charts: bool = True
) -> dict[str, Any]:
    """Everything the person's page, API answer and report show; `charts=False` leaves the radar
    drawings out ("" both), for readers that do not draw them."""
    today = timezone.localdate()
    # The version's elements and levels, compiled once per process for a published version.
    index = version_index(version)
    elements, levels = list(index.element_rows), list(index.level_rows)
    pos = {lv.code: k + 1 for k, lv in enumerate(levels)}
    names = {lv.code: lv.name for lv in levels}
    stored, required = _stored_and_required(person.pk, version.pk, {lv.pk: lv for lv in levels})
    # The self line: what the person's own judgements would give if validated today.
    mine, has_self = evaluate_self(person.pk, person.organisation_id, version, today)
    rows: list[dict[str, Any]] = []
    for e in elements:
        a = stored.get(e.pk)
        attained = a.level.code if a and a.level else None
        need = required.get(e.pk)
        gap = max((pos[need.code] if need else 0) - (pos[attained] if attained else 0), 0)
        detail = (
            stored_detail(
                a.detail,
                element=e.code,
                level=attained,
                status=a.status,
                since=a.since,
                refresh_due_on=a.refresh_due_on,
                expires_on=a.expires_on,
            )
            if a
            else {}
        )
        own = mine.element(e.code).level
        rows.append(
            {
                "element": e.code,
                "name": e.name,
                "required": need.code if need else None,
                "required_name": need.name if need else "",
                "attained": attained,
                "attained_name": names.get(attained or "", ""),
                "self": own,
                "self_name": names.get(own or "", ""),
                "gap": gap,
                "status": a.status if a else "none",
                "since": a.since if a else None,
                "refresh_due_on": a.refresh_due_on if a else None,
                "expires_on": a.expires_on if a else None,
                "refresh_due": bool(a and a.status == "refresh_due"),
                "expired": bool(a and a.status == "expired"),
                "lapsed": detail.get("lapsed_level"),
                "missing": detail.get("missing"),
                "next_level": detail.get("next_level"),
                "computed": a is not None,
            }
        )
    series = [
        RadarSeries("Required", [pos[str(r["required"])] if r["required"] else 0 for r in rows]),
        RadarSeries(
            "Attained (validated)",
            [pos[str(r["attained"])] if r["attained"] else 0 for r in rows],
            filled=True,
        ),
    ]
    if has_self:
        series.append(RadarSeries("Self-assessed", [pos[str(r["self"])] if r["self"] else 0 for r in rows]))
    radar = radar_phone = ""
    if charts and len(elements) >= 3:
        args = ([e.name for e in elements], series, [lv.name for lv in levels])
        title = f"{person.name}: levels per element"
        radar = radar_chart(*args, title=title)
        # The page's phone drawing (the PDF takes the wide one): its text stays 11 px or more.
        radar_phone = radar_chart(*args, title=title, width=PHONE_SCALED, ident="radar-phone")
    actions = list(
        DevelopmentAction.objects.filter(person=person, version=version).select_related(
            "element", "statement", "owner"
        )
    )
    for act in actions:
        act.overdue = is_overdue(act, today)  # type: ignore[attr-defined]
    open_pairs = {
        (act.element.code, act.kind)
        for act in actions
        if act.status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
    }
    done = sum(1 for act in actions if act.status == ActionStatus.DONE)
    counted = sum(1 for act in actions if act.status != ActionStatus.CANCELLED)
    return {
        "rows": rows,
        "radar": radar,
        "radar_phone": radar_phone,
        "has_self": has_self,
        "actions": actions,
        "suggestions": suggestions(gaps=rows, level_names=names, planned=open_pairs),
        "progress": {
            "done": done,
            "total": counted,
            "percent": round(100 * done / counted) if counted else None,
        },
        "gaps_total": sum(r["gap"] for r in rows),
        "elements": elements,
        "today": today,
    }
