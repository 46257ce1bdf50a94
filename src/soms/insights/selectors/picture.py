"""The picture behind every Insights view: people × elements of one framework version.

Read from the small derived tables only — `ElementAttainment` (written by the attainment service)
and the people's role-profile requirements — in a fixed number of queries, and turned into the
matrices of `soms.core.gaps` (`Holdings` plus a required-rank matrix) with NumPy, never row by row
in templates. Whose people are in it is decided by the member's scope (`soms.people.access`): a
manager's picture is their subtree, whatever filter they send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any

import numpy as np
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from soms.assessments.models import AttainmentStatus, ElementAttainment
from soms.core.gaps import CoverageTarget as CoreTarget
from soms.core.gaps import Holdings
from soms.frameworks.models import Element, FrameworkVersion, Level, VersionStatus
from soms.people.access import people_in_scope
from soms.people.models import CoverageTarget, OrgUnit, Person, RoleRequirement, Team
from soms.people.selectors.coverage import coverage_target_rows
from soms.tenancy.models import Membership

# Attainment rows read and set at a time.
CHUNK = 5000


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
    elements = list(Element.objects.filter(version=version).order_by("order", "id"))
    levels = list(Level.objects.filter(version=version).order_by("rank"))
    people_qs = people_for(membership, filters).order_by("name_key", "id")
    if filters.role_profile is not None:
        people_qs = people_qs.distinct()
    values = people_qs.values("id", "name", "unit_id", "team_id", "location", "manager_id")
    # The limit goes into the query (one more row tells whether there were more), so a page of 200
    # people of an organisation of 50,000 reads 201 rows, not 50,000.
    window = values[offset:] if limit is None else values[offset : offset + limit + 1]
    rows: list[dict[str, Any]] = [dict(r) for r in window]
    truncated = False
    if limit is not None and len(rows) > limit:
        rows, truncated = rows[:limit], True
    ids = [r["id"] for r in rows]
    today = as_of or timezone.localdate()
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
    level required (positions 1..len(levels), 0 for none), in two or three queries. `people_qs`,
    the query that selected `ids`, is used as a subquery instead of a long id list when given and
    there are many."""
    e_index = {e.pk: j for j, e in enumerate(elements)}
    p_index = {pid: i for i, pid in enumerate(ids)}
    n, m = len(ids), len(elements)
    rank = np.zeros((n, m), dtype=np.int16)
    refresh = np.zeros((n, m), dtype=np.bool_)
    expired = np.zeros((n, m), dtype=np.bool_)
    required = np.zeros((n, m), dtype=np.int16)
    if ids:
        people_filter = (
            Q(person_id__in=ids)
            if n <= 2000 or people_qs is None
            else Q(person__in=people_qs.order_by().values("pk"))
        )
        # With an id list the people (all of this organisation) pick the rows; naming the organisation
        # too made SQLite walk the organisation's whole (organisation, version) index instead of the
        # (person, version) key: 194 ms instead of 2 ms for a team of 200 among 10,000 people.
        att = ElementAttainment.objects.filter(people_filter, version=version)
        if people_qs is not None and n > 2000:
            att = att.filter(organisation_id=organisation_id)
        # Set a chunk of rows at a time with NumPy (one indexed assignment per matrix), not cell by
        # cell: three scalar stores per row were most of a team's read, and of 350,000 rows more so.
        found = att.values_list("person_id", "element_id", "rank", "status").iterator(chunk_size=CHUNK)
        while chunk := list(islice(found, CHUNK)):
            pids, eids, ranks, statuses = zip(*chunk, strict=True)
            row = np.fromiter((p_index.get(p, -1) for p in pids), dtype=np.intp, count=len(chunk))
            col = np.fromiter((e_index.get(e, -1) for e in eids), dtype=np.intp, count=len(chunk))
            keep = (row >= 0) & (col >= 0)
            row, col = row[keep], col[keep]
            state = np.array(statuses, dtype=object)[keep]
            rank[row, col] = np.array(ranks, dtype=np.int16)[keep]
            refresh[row, col] = state == AttainmentStatus.REFRESH_DUE
            expired[row, col] = state == AttainmentStatus.EXPIRED
        # Required: the highest level any of the person's profiles on this version asks for.
        through = Person.role_profiles.through
        holders: dict[int, list[int]] = {}
        for pid, profile_id in through.objects.filter(
            people_filter, roleprofile__version=version
        ).values_list("person_id", "roleprofile_id"):
            if pid in p_index:
                holders.setdefault(profile_id, []).append(p_index[pid])
        for profile_id, eid, lrank in RoleRequirement.objects.filter(
            profile_id__in=list(holders)
        ).values_list("profile_id", "element_id", "level__rank"):
            j = e_index.get(eid)
            if j is None:
                continue
            rows_idx = np.array(holders[profile_id], dtype=np.intp)
            required[rows_idx, j] = np.maximum(required[rows_idx, j], lrank)
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
