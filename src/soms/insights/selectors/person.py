"""One person: required vs attained vs self-assessed per element, the gaps, what blocks the next
required level, and their development plan."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from soms.assessments.models import (
    Assessment,
    ChangeProject,
    ElementAttainment,
    ProjectMember,
    SelfLine,
    Status,
    ValidityOverride,
)
from soms.assessments.models import Kind as AssessmentKind
from soms.assessments.services.attainment import (
    VersionIndex,
    self_line,
    self_line_inputs,
    store_self_line,
    stored_missing,
    stored_self_line,
    version_index,
)
from soms.charts import RadarSeries, radar_chart
from soms.frameworks.models import Element, FrameworkVersion, Level, Statement, VersionStatus
from soms.insights.models import ActionKind, ActionSource, ActionStatus, DevelopmentAction
from soms.insights.selectors.overview import PHONE_SCALED
from soms.insights.services.plans import suggestions
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


_rows_sql: dict[str, str] = {}
_SELF, _VALIDATED = str(AssessmentKind.SELF), str(Status.VALIDATED)


def _write_rows_sql() -> str:
    """`_person_rows`' query, written once per process and database (quoting its tables took longer
    than running it)."""
    qn = connection.ops.quote_name
    att = qn(ElementAttainment._meta.db_table)
    holds = qn(Person.role_profiles.through._meta.db_table)
    profiles, reqs = qn(RoleProfile._meta.db_table), qn(RoleRequirement._meta.db_table)
    overrides, levels = qn(ValidityOverride._meta.db_table), qn(Level._meta.db_table)
    lines, assessments = qn(SelfLine._meta.db_table), qn(Assessment._meta.db_table)
    projects, members = qn(ChangeProject._meta.db_table), qn(ProjectMember._meta.db_table)
    sql = _rows_sql[connection.vendor] = (
        "SELECT 0, a.element_id, a.level_id, a.status, a.since, a.refresh_due_on, a.expires_on, a.detail "
        f"FROM {att} a WHERE a.person_id = %s AND a.version_id = %s UNION ALL "
        "SELECT 1, r.element_id, r.level_id, NULL, NULL, NULL, NULL, NULL "
        f"FROM {holds} h CROSS JOIN {profiles} p CROSS JOIN {reqs} r "
        "WHERE h.person_id = %s AND p.id = h.roleprofile_id AND p.version_id = %s "
        "AND r.profile_id = h.roleprofile_id UNION ALL "
        # (The months ride in the element's column: both are integers.)
        "SELECT 2, o.validity_months, o.level_id, NULL, NULL, NULL, NULL, NULL "
        f"FROM {overrides} o JOIN {levels} l ON l.id = o.level_id "
        "WHERE o.organisation_id = %s AND l.version_id = %s UNION ALL "
        # The stored self line, and what its fingerprint is made of (see `SelfLine`).
        f"SELECT 3, NULL, NULL, NULL, NULL, NULL, NULL, s.line FROM {lines} s "
        "WHERE s.person_id = %s AND s.version_id = %s UNION ALL "
        "SELECT 4, a.id, a.revision, a.status, a.validated_on, NULL, NULL, NULL "
        f"FROM {assessments} a WHERE a.person_id = %s AND a.version_id = %s AND a.kind = %s UNION ALL "
        "SELECT 5, p.id, p.revision, p.status, p.completed_on, p.validated_on, NULL, NULL "
        f"FROM {projects} p WHERE p.version_id = %s AND p.review_status = %s AND (p.owner_id = %s "
        f"OR p.id IN (SELECT m.project_id FROM {members} m WHERE m.person_id = %s))"
    )
    return sql


class _SelfRows(NamedTuple):
    """What the person's page reads of their self line: the stored one, if any, and the rows of
    what it would be computed from now (`self_line_inputs`)."""

    line: Any
    assessments: list[tuple[Any, ...]]
    projects: list[tuple[Any, ...]]


def _person_rows(
    person_id: int, organisation_id: int, version_id: int, level_of: dict[int, Level]
) -> tuple[dict[int, _Stored], dict[int, Level], dict[str, int | None], _SelfRows]:
    """The person's stored attainment per element; per element, the highest level their role
    profiles on the version require; the organisation's validity overrides of the version's levels
    (what `overrides_for` reads, for the self line's engine); and their stored self line with what
    tells whether it still holds: one plain query (no model instances, nothing for the ORM to
    compile), the levels taken from the version's kept index."""
    sql = _rows_sql.get(connection.vendor) or _write_rows_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                person_id,
                version_id,
                person_id,
                version_id,
                organisation_id,
                version_id,
                person_id,
                version_id,
                person_id,
                version_id,
                _SELF,
                version_id,
                _VALIDATED,
                person_id,
                person_id,
            ],
        )
        found = cursor.fetchall()
    stored: dict[int, _Stored] = {}
    required: dict[int, Level] = {}
    validity: dict[str, int | None] = {}
    own = _SelfRows(None, [], [])
    for kind, eid, lid, status, since, due, expires, detail in found:
        if kind >= 3:
            if kind == 3:
                own = own._replace(line=detail)
            elif kind == 4:
                own.assessments.append((eid, lid, status, _day(since)))
            else:
                own.projects.append((eid, lid, status, _day(since), _day(due)))
            continue
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
        if kind == 2:
            validity[lv.code] = eid
        elif eid not in required or lv.rank > required[eid].rank:
            required[eid] = lv
    return stored, required, validity, own


_KIND_NAMES = dict(ActionKind.choices)
_STATUS_NAMES = dict(ActionStatus.choices)
_SOURCE_NAMES = dict(ActionSource.choices)


class PlanAction(NamedTuple):
    """One action of a person's plan as their page, API answer and PDF read it: the action's columns
    a reader shows, its element and statement (the version's kept rows), its owner's login name and
    whether it is overdue today. Read-only: a change goes through `plans` by id and revision. (A
    model instance per action, its owner's login another, cost a person's page more than its
    queries did.)"""

    pk: int
    person_id: int
    version_id: int
    element: Element
    statement: Statement | None
    kind: str
    title: str
    notes: str
    owner_name: str | None
    due_on: date | None
    status: str
    source: str
    revision: int
    overdue: bool

    def get_kind_display(self) -> str:
        return str(_KIND_NAMES.get(self.kind, self.kind))

    def get_status_display(self) -> str:
        return str(_STATUS_NAMES.get(self.status, self.status))

    def get_source_display(self) -> str:
        return str(_SOURCE_NAMES.get(self.source, self.source))


_plan_sql: dict[str, str] = {}
_OPEN = (ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value)


def _write_plan_sql() -> str:
    """`_plan`'s query, written once per process and database, in the model's own ordering."""
    qn = connection.ops.quote_name
    opts, user = DevelopmentAction._meta, get_user_model()._meta
    column = {f.name: f"a.{qn(str(f.column))}" for f in opts.concrete_fields}
    names = ("id", "person", "version", "element", "statement", "kind", "title", "notes")
    tail = ("due_on", "status", "source", "revision")
    login = next(qn(str(f.column)) for f in user.concrete_fields if f.name == get_user_model().USERNAME_FIELD)
    order = ", ".join(
        column[str(name).lstrip("-")] + (" DESC" if str(name).startswith("-") else "")
        for name in opts.ordering or ()
    )
    sql = _plan_sql[connection.vendor] = (
        f"SELECT {', '.join(column[n] for n in names)}, u.{login}, {', '.join(column[n] for n in tail)} "
        f"FROM {qn(opts.db_table)} a LEFT JOIN {qn(user.db_table)} u "
        f"ON u.{qn(str(user.pk.column))} = {column['owner']} "
        f"WHERE {column['person']} = %s AND {column['version']} = %s ORDER BY {order}"
    )
    return sql


def _plan(person_id: int, version_id: int, index: VersionIndex, today: date) -> list[PlanAction]:
    """The person's development actions on the version, in the model's ordering, from one plain
    query; the element and statement are the version's kept rows (a published version's never
    change; shared, never modified)."""
    sql = _plan_sql.get(connection.vendor) or _write_plan_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id, version_id])
        found = cursor.fetchall()
    if not found:
        return []
    elements = {e.pk: e for e in index.element_rows}
    statements = index.statement_rows
    out = []
    for pk, pid, vid, eid, sid, kind, title, notes, owner, due, status, source, revision in found:
        due_on = _day(due)
        out.append(
            PlanAction(
                pk,
                pid,
                vid,
                elements.get(eid) or Element.objects.get(pk=eid),
                None if sid is None else (statements.get(sid) or Statement.objects.get(pk=sid)),
                kind,
                title,
                notes,
                owner,
                due_on,
                status,
                source,
                revision,
                status in _OPEN and due_on is not None and due_on < today,
            )
        )
    return out


def _own_line(
    person: Person,
    version: FrameworkVersion,
    today: date,
    overrides: dict[str, int | None],
    rows: _SelfRows,
    *,
    keep: bool = True,
) -> tuple[dict[str, str | None], bool]:
    """The self line (what the person's own judgements would give if validated today) and whether
    they judged anything themselves: the stored line while its inputs are what they were and its
    day has not come; else computed, and stored for the next reader (a published version's only:
    a draft's statements and rules change under it)."""
    inputs = self_line_inputs(version.revision, overrides, rows.assessments, rows.projects)
    published = version.status == VersionStatus.PUBLISHED
    if published:
        kept = stored_self_line(rows.line, inputs, today)
        if kept is not None:
            return kept
    levels, judged, until = self_line(person.pk, person.organisation_id, version, today, overrides=overrides)
    if published and keep:
        store_self_line(person.organisation_id, person.pk, version.pk, inputs, levels, judged, until)
    return levels, judged


def person_view(
    membership: Membership,
    person: Person,
    version: FrameworkVersion,
    *,
    charts: bool = True,
    keep_self_line: bool = True,
) -> dict[str, Any]:
    """Everything the person's page, API answer and report show; `charts=False` leaves the radar
    drawings out ("" both), for readers that do not draw them. `keep_self_line=False` stores no self
    line it had to compute (a refused form's page, drawn again, writes nothing)."""
    today = timezone.localdate()
    # The version's elements and levels, compiled once per process for a published version.
    index = version_index(version)
    elements, levels = list(index.element_rows), list(index.level_rows)
    pos = {lv.code: k + 1 for k, lv in enumerate(levels)}
    names = {lv.code: lv.name for lv in levels}
    stored, required, overrides, own_rows = _person_rows(
        person.pk, person.organisation_id, version.pk, {lv.pk: lv for lv in levels}
    )
    own_levels, has_self = _own_line(person, version, today, overrides, own_rows, keep=keep_self_line)
    rows: list[dict[str, Any]] = []
    for e in elements:
        a, need, own = stored.get(e.pk), required.get(e.pk), own_levels.get(e.code)
        required_code = need.code if need else None
        if a is None:
            rows.append(
                {
                    "element": e.code,
                    "name": e.name,
                    "required": required_code,
                    "required_name": need.name if need else "",
                    "attained": None,
                    "attained_name": "",
                    "self": own,
                    "self_name": names.get(own or "", ""),
                    "gap": pos[required_code] if required_code else 0,
                    "status": "none",
                    "since": None,
                    "refresh_due_on": None,
                    "expires_on": None,
                    "refresh_due": False,
                    "expired": False,
                    "lapsed": None,
                    "missing": None,
                    "next_level": None,
                    "computed": False,
                }
            )
            continue
        attained = a.level.code if a.level else None
        # The stored detail's keys as `stored_detail` gives them back.
        detail = a.detail or {}
        rows.append(
            {
                "element": e.code,
                "name": e.name,
                "required": required_code,
                "required_name": need.name if need else "",
                "attained": attained,
                "attained_name": names.get(attained or "", ""),
                "self": own,
                "self_name": names.get(own or "", ""),
                "gap": max(
                    (pos[required_code] if required_code else 0) - (pos[attained] if attained else 0), 0
                ),
                "status": a.status,
                "since": a.since,
                "refresh_due_on": a.refresh_due_on,
                "expires_on": a.expires_on,
                "refresh_due": a.status == "refresh_due",
                "expired": a.status == "expired",
                "lapsed": detail.get("lapsed_level"),
                "missing": stored_missing(detail.get("missing")),
                "next_level": detail.get("next_level"),
                "computed": True,
            }
        )
    radar = radar_phone = ""
    if charts and len(elements) >= 3:
        series = [
            RadarSeries("Required", [pos[str(r["required"])] if r["required"] else 0 for r in rows]),
            RadarSeries(
                "Attained (validated)",
                [pos[str(r["attained"])] if r["attained"] else 0 for r in rows],
                filled=True,
            ),
        ]
        if has_self:
            series.append(
                RadarSeries("Self-assessed", [pos[str(r["self"])] if r["self"] else 0 for r in rows])
            )
        args = ([e.name for e in elements], series, [lv.name for lv in levels])
        title = f"{person.name}: levels per element"
        radar = radar_chart(*args, title=title)
        # The page's phone drawing (the PDF takes the wide one): its text stays 11 px or more.
        radar_phone = radar_chart(*args, title=title, width=PHONE_SCALED, ident="radar-phone")
    actions = _plan(person.pk, version.pk, index, today)
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
