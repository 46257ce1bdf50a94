"""The picture behind every Insights view: people × elements of one framework version.

Read from the small derived tables only — `ElementAttainment` (written by the attainment service)
and the people's role-profile requirements — in a fixed number of queries, and turned into the
matrices of `soms.core.gaps` (`Holdings` plus a required-rank matrix) with NumPy, never row by row
in templates. Whose people are in it is decided by the member's scope (`soms.people.access`): a
manager's picture is their subtree, whatever filter they send.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from soms.assessments.models import AttainmentStatus, ElementAttainment
from soms.assessments.services.attainment import version_index
from soms.assessments.services.bulkwrite import ids_condition
from soms.core.gaps import CoverageTarget as CoreTarget
from soms.core.gaps import Holdings
from soms.frameworks.models import Element, FrameworkVersion, Level, VersionStatus
from soms.people.access import people_in_scope, people_scope
from soms.people.models import CoverageTarget, OrgUnit, Person, RoleProfile, RoleRequirement, Team
from soms.people.permissions import ADMINS
from soms.people.selectors.coverage import coverage_target_rows
from soms.tenancy.models import Membership

# Attainment rows read and set at a time.
CHUNK = 5000
# What the picture holds of each person, in this order.
PERSON_KEYS = ("id", "name", "unit_id", "team_id", "location", "manager_id")


@dataclass(frozen=True)
class Filters:
    unit: OrgUnit | None = None  # the unit and everything under it
    team: Team | None = None
    role_profile: int | None = None
    location: str = ""
    manager: Person | None = None  # everyone reporting to them, directly or not


@dataclass
class Picture:
    version: FrameworkVersion
    elements: list[Element]
    levels: list[Level]
    people: list[dict[str, Any]]  # id, name, unit_id, team_id, location, in `holdings` order
    holdings: Holdings
    required: Any  # NDArray[int16], people × elements, 0: no requirement
    as_of: date
    truncated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    organisation_id: int = 0

    @property
    def level_names(self) -> list[str]:
        return [lv.name for lv in self.levels]

    @property
    def element_names(self) -> list[str]:
        return [e.name for e in self.elements]

    def required_map(self) -> dict[str, str]:
        """Per element, the highest level anyone in the picture is required to hold (the level at
        which cover is counted for single points of failure when no unit target says otherwise)."""
        out: dict[str, str] = {}
        if self.required.size == 0:
            return out
        top = self.required.max(axis=0)
        for j, e in enumerate(self.elements):
            if top[j] > 0:
                out[e.code] = self.levels[int(top[j]) - 1].code
        return out


def versions_with_attainment(organisation_id: int) -> QuerySet[FrameworkVersion]:
    """Published versions the organisation can read, those with most attainment rows first."""
    return (
        FrameworkVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .filter(Q(framework__organisation_id=organisation_id) | Q(framework__organisation__isnull=True))
        .annotate(
            rows=Count(
                "id",
                filter=Q(
                    pk__in=ElementAttainment.objects.filter(organisation_id=organisation_id).values(
                        "version_id"
                    )
                ),
            )
        )
        .select_related("framework")
        .order_by("-rows", "framework__name", "-published_at")
    )


def default_version(organisation_id: int) -> FrameworkVersion | None:
    with_rows = (
        ElementAttainment.objects.filter(organisation_id=organisation_id)
        .values("version_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if with_rows is not None:
        return FrameworkVersion.objects.select_related("framework").get(pk=with_rows["version_id"])
    return (
        FrameworkVersion.objects.filter(
            status=VersionStatus.PUBLISHED, framework__organisation__isnull=True, framework__code="soms"
        )
        .select_related("framework")
        .order_by("-published_at")
        .first()
    )


def people_for(membership: Membership, filters: Filters) -> QuerySet[Person]:
    """Active people in the member's scope, narrowed by the filters."""
    qs = people_in_scope(membership, "person.view").filter(active=True, erased_at__isnull=True)
    if filters.unit is not None:
        qs = qs.filter(filters.unit.subtree_q("unit__path"))
    if filters.team is not None:
        qs = qs.filter(team=filters.team)
    if filters.role_profile is not None:
        qs = qs.filter(role_profiles=filters.role_profile)
    if filters.location:
        qs = qs.filter(location__iexact=filters.location)
    if filters.manager is not None:
        qs = qs.filter(filters.manager.reports_q())
    return qs


def picture(
    membership: Membership,
    version: FrameworkVersion,
    filters: Filters | None = None,
    *,
    offset: int = 0,
    limit: int | None = None,
    as_of: date | None = None,
) -> Picture:
    """People × elements for the member's scope and filters. `offset` and `limit` take a page of
    the people (by name) for views that draw one row per person; rollups pass no limit."""
    filters = filters or Filters()
    elements, levels = layout(version)
    keys = len(PERSON_KEYS)
    rows: list[dict[str, Any]] = []
    people_qs: QuerySet[Person] | None = None
    plain = _plain_people(membership, filters, offset, limit)
    if plain is None:
        people_qs = people_for(membership, filters).order_by("name_key", "id")
        if filters.role_profile is not None:
            people_qs = people_qs.distinct()
        values = people_qs.values_list(*PERSON_KEYS)
        # The limit goes into the query (one more row tells whether there were more), so a page of
        # 200 people of an organisation of 50,000 reads 201 rows, not 50,000.
        window = values[offset:] if limit is None else values[offset : offset + limit + 1]
        # The ORM writes the query (the member's scope and the filters); its rows, plain integers and
        # text that need no conversion, are read straight from the cursor. (A distinct query also
        # selects the ordering's columns, after ours.)
        with suppress(EmptyResultSet):  # a scope of nobody (a manager whose login names no person)
            sql, params = window.query.sql_with_params()
            plain = sql, list(params)
    if plain is not None:
        with connection.cursor() as cursor:
            cursor.execute(*plain)
            rows = [dict(zip(PERSON_KEYS, r[:keys], strict=True)) for r in cursor.fetchall()]
    truncated = False
    if limit is not None and len(rows) > limit:
        rows, truncated = rows[:limit], True
    ids = [r["id"] for r in rows]
    today = as_of or timezone.localdate()
    if limit is None and not offset and len(ids) > IDS_INLINE and people_qs is None:
        # Thousands of people read plain: the matrices take the ORM's query of them as a subquery.
        people_qs = people_for(membership, filters)
    rank, refresh, expired, required = matrices(
        membership.organisation_id,
        version,
        ids,
        elements,
        levels,
        people_qs=people_qs if limit is None and not offset else None,
    )
    holdings = Holdings(
        tuple(str(i) for i in ids),
        tuple(e.code for e in elements),
        tuple(lv.code for lv in levels),
        rank,
        refresh,
        expired,
    )
    return Picture(
        version,
        elements,
        levels,
        rows,
        holdings,
        required,
        today,
        truncated,
        organisation_id=membership.organisation_id,
    )


def _plain_people(
    membership: Membership, filters: Filters, offset: int, limit: int | None
) -> tuple[str, list[Any]] | None:
    """The people query of a member who sees the whole organisation (an empty scope), with no
    filter or a team's, written here as plain SQL: what `people_for` and the ORM would compile for
    it, which cost a team's read more than running it. None for any other scope or filter (the ORM
    writes those). Only owners' and admins' scopes are asked for: another role's is built from rows
    (the units a manager manages), which `people_for` would read a second time."""
    if (
        membership.role not in ADMINS
        or people_scope(membership, "person.view")
        or (
            filters.unit is not None
            or filters.role_profile is not None
            or filters.location
            or filters.manager is not None
            or (offset and limit is None)
        )
    ):
        return None
    qn = connection.ops.quote_name
    sql = (
        f"SELECT {', '.join(qn(k) for k in PERSON_KEYS)} FROM {qn(Person._meta.db_table)} WHERE "
        "staged IS NULL AND organisation_id = %s AND active = %s AND erased_at IS NULL"
    )
    params: list[Any] = [membership.organisation_id, True]
    if filters.team is not None:
        sql += " AND team_id = %s"
        params.append(filters.team.pk)
    sql += " ORDER BY name_key, id"
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params += [limit + 1, offset]
    return sql, params


def layout(version: FrameworkVersion) -> tuple[list[Element], list[Level]]:
    """The version's elements (by order) and levels (by rank). A published version's are kept per
    process with its compiled index (`version_index`: shared rows, never modify them), so a view
    reads none; a draft's are read (two queries)."""
    if version.status == VersionStatus.PUBLISHED and version.pk is not None:
        index = version_index(version)
        return list(index.element_rows), list(index.level_rows)
    return (
        list(Element.objects.filter(version=version).order_by("order", "id")),
        list(Level.objects.filter(version=version).order_by("rank")),
    )


def _people_sql(ids: list[int], people_qs: QuerySet[Person] | None) -> tuple[str, list[Any]]:
    """What picks the people in SQL, as the condition on a person id column: in the query that
    selected them, as a subquery, when there are many and it is given; else in their ids as
    parameters (written here, not compiled by the ORM: Django's lookups cost more than the database
    for a list of 200). PostgreSQL takes the ids as one array: psycopg re-parsed a query of 400
    placeholders on every read (too long for its cache) and wrote each id into it, 1.4 ms of a
    team's 6."""
    if len(ids) > IDS_INLINE and people_qs is not None:
        sql, params = people_qs.order_by().values("pk").query.sql_with_params()
        return f"IN ({sql})", list(params)
    return ids_condition(ids)


# Up to this many people are named by id in the matrices' query; beyond it (and given the query that
# picked them) the query itself is the subquery.
IDS_INLINE = 2000
# Attainment status as the matrices' query answers it.
_STATE_REFRESH_DUE, _STATE_EXPIRED = 1, 2


def matrices(
    organisation_id: int,
    version: FrameworkVersion,
    ids: list[int],
    elements: list[Element],
    levels: list[Level],
    *,
    people_qs: QuerySet[Person] | None = None,
) -> tuple[Any, Any, Any, Any]:
    """For these people (in this order) × elements: the level held, refresh due, expired and the
    level required (positions 1..len(levels), 0 for none), in one query: the attainment rows and
    the requirements of the people's role profiles on this version, as plain integer rows set into
    the matrices a chunk at a time with NumPy. `people_qs`, the query that selected `ids`, is used as
    a subquery instead of a long id list when given and there are many."""
    n, m = len(ids), len(elements)
    rank = np.zeros((n, m), dtype=np.int16)
    refresh = np.zeros((n, m), dtype=np.bool_)
    expired = np.zeros((n, m), dtype=np.bool_)
    required = np.zeros((n, m), dtype=np.int16)
    if ids and m:
        # Person id → row and element id → column, both by sorted look-up (ids are unique).
        person_ids = np.asarray(ids, dtype=np.int64)
        p_order = np.argsort(person_ids, kind="stable")
        p_sorted = person_ids[p_order]
        element_ids = np.asarray([e.pk for e in elements], dtype=np.int64)
        e_order = np.argsort(element_ids, kind="stable")
        e_sorted = element_ids[e_order]

        def positions(found: Any, sorted_ids: Any, order: Any) -> Any:
            at = np.minimum(np.searchsorted(sorted_ids, found), len(sorted_ids) - 1)
            return np.where(sorted_ids[at] == found, order[at], -1)

        qn = connection.ops.quote_name
        att = qn(ElementAttainment._meta.db_table)
        through = Person.role_profiles.through
        holds, profiles = qn(through._meta.db_table), qn(RoleProfile._meta.db_table)
        reqs, lvl = qn(RoleRequirement._meta.db_table), qn(Level._meta.db_table)
        who, who_params = _people_sql(ids, people_qs)
        # With an id list the people (all of this organisation) pick the rows; naming the organisation
        # too made SQLite walk the organisation's whole (organisation, version) index instead of the
        # (person, version) key: 194 ms instead of 2 ms for a team of 200 among 10,000 people. With
        # the subquery (thousands of people) the organisation narrows the rows.
        by_org = len(ids) > IDS_INLINE and people_qs is not None
        sql = (
            f"SELECT 0, a.person_id, a.element_id, a.rank, CASE a.status WHEN %s THEN {_STATE_REFRESH_DUE} "
            f"WHEN %s THEN {_STATE_EXPIRED} ELSE 0 END FROM {att} a WHERE a.version_id = %s"
            + (" AND a.organisation_id = %s" if by_org else "")
            + f" AND a.person_id {who} UNION ALL "
            # Required: the highest level any of the person's profiles on this version asks for. From
            # the people's profile rows outwards (SQLite keeps the order of a CROSS JOIN; left to
            # itself it walked every profile row of the organisation per profile of the version, 8 ms
            # for a team of 200 among 5,000).
            f"SELECT 1, h.person_id, r.element_id, l.rank, 0 FROM {holds} h CROSS JOIN {profiles} p "
            f"CROSS JOIN {reqs} r CROSS JOIN {lvl} l WHERE h.person_id {who} AND p.id = h.roleprofile_id "
            "AND p.version_id = %s AND r.profile_id = h.roleprofile_id AND l.id = r.level_id"
        )
        params = [
            AttainmentStatus.REFRESH_DUE.value,
            AttainmentStatus.EXPIRED.value,
            version.pk,
            *([organisation_id] if by_org else []),
            *who_params,
            *who_params,
            version.pk,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(CHUNK):
                got = np.array(chunk, dtype=np.int64).reshape(len(chunk), 5)
                row = positions(got[:, 1], p_sorted, p_order)
                col = positions(got[:, 2], e_sorted, e_order)
                keep = (row >= 0) & (col >= 0)
                is_req = got[:, 0] == 1
                a, r = keep & ~is_req, keep & is_req
                rank[row[a], col[a]] = got[a, 3]
                refresh[row[a], col[a]] = got[a, 4] == _STATE_REFRESH_DUE
                expired[row[a], col[a]] = got[a, 4] == _STATE_EXPIRED
                np.maximum.at(required, (row[r], col[r]), got[r, 3].astype(np.int16))
    # Ranks in the table are level ranks (1 = lowest); the core wants positions 1..len(levels).
    rank_pos = {lv.rank: k + 1 for k, lv in enumerate(levels)}
    if levels and any(lv.rank != k + 1 for k, lv in enumerate(levels)):
        lut = np.zeros(max(rank_pos) + 1, dtype=np.int16)
        for r, pos in rank_pos.items():
            lut[r] = pos
        rank, required = lut[rank], lut[required]
    return rank, refresh, expired, required


def targets_for(
    membership: Membership, version: FrameworkVersion, *, unit: OrgUnit | None, team: Team | None
) -> list[tuple[CoverageTarget, CoreTarget]]:
    """The coverage targets that apply to the view: the team's, or the unit's own (not its
    ancestors': a target says how many people *this* unit wants). A target always belongs to a
    unit or a team, so the whole organisation has none of its own."""
    where = team if team is not None else unit
    return [] if where is None else coverage_target_rows(where, version=version)
