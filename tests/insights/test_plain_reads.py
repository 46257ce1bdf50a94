"""The team and person reads take plain rows from one query each (no model instances, no id lists
compiled by the ORM); they must answer exactly what the ORM reads they replaced answered. The
reference readers below are those ORM reads, kept here as the oracle, run on the large demo data
(levels held, refresh due and expired; people with and without a role profile; a second profile
asking for more of the same element; an empty team; another organisation's people)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest
from django.db.models import Count
from django.utils import timezone

from soms.assessments.models import (
    Assessment,
    AttainmentStatus,
    ElementAttainment,
    Judgement,
    ValidityOverride,
)
from soms.assessments.services.attainment import (
    _read_index,
    judgements_by_person,
    overrides_for,
    projects_by_person,
    stored_detail,
)
from soms.core.attainment import AssessmentKind, AttainmentEngine, rules_from_data, self_view
from soms.core.gaps import CoverageTarget as CoreTarget
from soms.frameworks.models import Element, FrameworkVersion, Level
from soms.insights.models import ActionStatus, DevelopmentAction
from soms.insights.scale import large_assessments
from soms.insights.selectors import picture as picture_module
from soms.insights.selectors.overview import overview, overview_for, person_rows
from soms.insights.selectors.person import PlanAction, _person_rows, person_view
from soms.insights.selectors.picture import Filters, matrices, people_for, picture, targets_for
from soms.insights.services.plans import action_create, is_overdue, suggestions
from soms.people.demo import large_organisation
from soms.people.models import CoverageTarget, OrgUnit, Person, RoleProfile, RoleRequirement, Team
from soms.people.selectors.coverage import coverage_target_rows
from soms.tenancy.models import Membership, Role
from soms.tenancy.services import membership_set, user_create
from tests.assessments.conftest import soms_version  # noqa: F401

pytestmark = pytest.mark.django_db


def old_matrices(
    version: Any, ids: list[int], elements: list[Any], levels: list[Any]
) -> tuple[Any, Any, Any, Any]:
    """The ORM read the matrices' one query replaced (id lists through the ORM, three queries)."""
    e_index = {e.pk: j for j, e in enumerate(elements)}
    p_index = {pid: i for i, pid in enumerate(ids)}
    n, m = len(ids), len(elements)
    rank = np.zeros((n, m), dtype=np.int16)
    refresh = np.zeros((n, m), dtype=np.bool_)
    expired = np.zeros((n, m), dtype=np.bool_)
    required = np.zeros((n, m), dtype=np.int16)
    for pid, eid, r, status in ElementAttainment.objects.filter(
        person_id__in=ids, version=version
    ).values_list("person_id", "element_id", "rank", "status"):
        i, j = p_index[pid], e_index[eid]
        rank[i, j] = r
        refresh[i, j] = status == AttainmentStatus.REFRESH_DUE
        expired[i, j] = status == AttainmentStatus.EXPIRED
    holders: dict[int, list[int]] = {}
    through = Person.role_profiles.through
    for pid, profile_id in through.objects.filter(
        person_id__in=ids, roleprofile__version=version
    ).values_list("person_id", "roleprofile_id"):
        holders.setdefault(profile_id, []).append(p_index[pid])
    for profile_id, eid, lrank in RoleRequirement.objects.filter(profile_id__in=list(holders)).values_list(
        "profile_id", "element_id", "level__rank"
    ):
        for i in holders[profile_id]:
            required[i, e_index[eid]] = max(required[i, e_index[eid]], lrank)
    pos = {lv.rank: k + 1 for k, lv in enumerate(levels)}
    lut = np.zeros(max(pos) + 1, dtype=np.int16)
    for r, k in pos.items():
        lut[r] = k
    return lut[rank], refresh, expired, lut[required]


def old_person_rows(pic: Any) -> list[dict[str, Any]]:
    """The cell-by-cell person rows the page-at-a-time ones replaced."""
    h, req, elements, levels = pic.holdings, pic.required, pic.elements, pic.levels
    gap = np.clip(req - h.rank, 0, None)
    return [
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
        for i, p in enumerate(pic.people)
    ]


@pytest.fixture
def demo(soms_version: Any) -> Any:  # noqa: F811
    """64 people in 3 teams with a spread of levels and validity; a second profile for some, asking
    more of one element than om-maintainer does; an empty team; another organisation's people."""
    org = large_organisation(people=64, teams=3, progress=lambda *a: None)
    other = large_organisation(people=8, teams=1, progress=lambda *a: None)
    large_assessments(org, soms_version, today=date(2026, 6, 1), history_months=0)
    large_assessments(other, soms_version, today=date(2026, 6, 1), history_months=0)
    levels = list(Level.objects.filter(version=soms_version).order_by("rank"))
    elements = list(Element.objects.filter(version=soms_version).order_by("order", "id"))
    lead = RoleProfile.objects.create(organisation=org, version=soms_version, code="lead", name="Lead")
    RoleRequirement.objects.create(profile=lead, element=elements[0], level=levels[-1])
    RoleRequirement.objects.create(profile=lead, element=elements[1], level=levels[0])
    for person in Person.objects.filter(organisation=org).order_by("pk")[::3]:
        person.role_profiles.add(lead)
    Team.objects.create(organisation=org, name="Nobody yet")
    user = user_create(username="plain-owner", email="plain@example.org", password="plain-Pass-1234")
    owner = membership_set(organisation=org, user=user, role=Role.OWNER, actor=None)
    return org, owner, levels, elements


def _varied(org: Any, version: Any) -> None:
    """The data holds what the fast paths must get right: every status, people without a profile."""
    statuses = set(
        ElementAttainment.objects.filter(organisation=org, version=version).values_list("status", flat=True)
    )
    assert {AttainmentStatus.HELD, AttainmentStatus.REFRESH_DUE, AttainmentStatus.EXPIRED} <= statuses
    bare = Person.objects.filter(organisation=org).annotate(n=Count("role_profiles")).filter(n=0)
    assert bare.exists() and Person.objects.filter(organisation=org, role_profiles__code="lead").exists()


def _same(pic: Any, version: Any) -> None:
    ids = [p["id"] for p in pic.people]
    want = old_matrices(version, ids, pic.elements, pic.levels)
    got = (pic.holdings.rank, pic.holdings.refresh_due, pic.holdings.expired, pic.required)
    for a, b in zip(got, want, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a, b)
    assert person_rows(pic, 0, len(pic.people)) == old_person_rows(pic)


def test_team_pictures_answer_what_the_orm_reads_answered(demo: Any, soms_version: Any) -> None:  # noqa: F811
    org, owner, _, _ = demo
    _varied(org, soms_version)
    teams = list(Team.objects.filter(organisation=org))
    assert len(teams) >= 4
    for team in teams:
        pic = picture(owner, soms_version, Filters(team=team))
        assert [p["id"] for p in pic.people] == list(
            Person.objects.filter(organisation=org, team=team, active=True)
            .order_by("name_key", "id")
            .values_list("id", flat=True)
        )
        _same(pic, soms_version)
        ov = overview_for(owner, soms_version, Filters(team=team))
        assert ov.data["rows"] == old_person_rows(pic)[: len(ov.data["rows"])]
    empty = picture(owner, soms_version, Filters(team=Team.objects.get(organisation=org, name="Nobody yet")))
    assert empty.people == [] and empty.holdings.rank.shape == (0, 7)
    assert overview(empty).data["rows"] == [] and overview(empty).data["people"] == 0


def test_the_organisation_and_its_pages_answer_the_same_by_id_list_or_subquery(
    demo: Any,
    soms_version: Any,  # noqa: F811
    monkeypatch: Any,
) -> None:
    org, owner, levels, elements = demo
    whole = picture(owner, soms_version)
    assert len(whole.people) == 64  # only this organisation's people
    _same(whole, soms_version)
    # More people than are named by id: the people's query itself is the subquery.
    monkeypatch.setattr(picture_module, "IDS_INLINE", 10)
    by_query = picture(owner, soms_version)
    _same(by_query, soms_version)
    for a, b in zip(
        (whole.holdings.rank, whole.holdings.refresh_due, whole.holdings.expired, whole.required),
        (by_query.holdings.rank, by_query.holdings.refresh_due, by_query.holdings.expired, by_query.required),
        strict=True,
    ):
        assert np.array_equal(a, b)
    # A filter through the profiles (a distinct query) and a page of people.
    lead = RoleProfile.objects.get(organisation=org, code="lead")
    _same(picture(owner, soms_version, Filters(role_profile=lead.pk)), soms_version)
    page = picture(owner, soms_version, offset=30, limit=25)
    assert len(page.people) == 25 and page.truncated
    _same(page, soms_version)
    # Ids the rows do not hold (people of no row, a person of the other organisation) stay empty.
    stranger = Person.objects.exclude(organisation=org).values_list("pk", flat=True)[0]
    ids = [p["id"] for p in whole.people[:5]] + [stranger]
    got = matrices(org.pk, soms_version, ids, elements, levels)
    want = old_matrices(soms_version, ids, elements, levels)
    assert all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))


def test_a_managers_team_picture_answers_the_same(demo: Any, soms_version: Any) -> None:  # noqa: F811
    org, _, _, _ = demo
    boss = Person.objects.filter(organisation=org, manager__isnull=True).order_by("pk").first()
    assert boss is not None
    user = user_create(username="plain-boss", email="boss@example.org", password="plain-Pass-1234")
    Person.objects.filter(pk=boss.pk).update(user=user)
    m = membership_set(organisation=org, user=user, role=Role.MANAGER, actor=None)
    for team in Team.objects.filter(organisation=org):
        _same(picture(m, soms_version, Filters(team=team)), soms_version)
    # A manager whose login names no person sees nobody (the scope's query selects nothing).
    loose = user_create(username="plain-loose", email="loose@example.org", password="plain-Pass-1234")
    nobody = membership_set(organisation=org, user=loose, role=Role.MANAGER, actor=None)
    empty = picture(nobody, soms_version)
    assert empty.people == [] and empty.holdings.rank.shape == (0, 7)
    assert (
        overview_for(nobody, soms_version, Filters(team=Team.objects.filter(organisation=org)[0])).data[
            "people"
        ]
        == 0
    )


def test_the_person_view_reads_what_the_orm_read(demo: Any, soms_version: Any) -> None:  # noqa: F811
    org, owner, levels, _ = demo
    level_of = {lv.pk: lv for lv in levels}
    seen_statuses, with_detail, without_profile = set(), 0, 0
    for person in Person.objects.filter(organisation=org).order_by("pk"):
        stored, required, validity, _ = _person_rows(person.pk, org.pk, soms_version.pk, level_of)
        assert validity == dict(
            ValidityOverride.objects.filter(organisation=org, level__version=soms_version).values_list(
                "level__code", "validity_months"
            )
        )
        old = {
            eid: (level_of.get(lid) if lid is not None else None, status, since, due, expires, detail)
            for eid, lid, status, since, due, expires, detail in ElementAttainment.objects.filter(
                person=person, version=soms_version
            ).values_list(
                "element_id", "level_id", "status", "since", "refresh_due_on", "expires_on", "detail"
            )
        }
        assert {eid: tuple(s) for eid, s in stored.items()} == old
        old_required: dict[int, Any] = {}
        for eid, lid in RoleRequirement.objects.filter(
            profile__people=person, profile__version=soms_version
        ).values_list("element_id", "level_id"):
            lv = level_of[lid]
            if eid not in old_required or lv.rank > old_required[eid].rank:
                old_required[eid] = lv
        assert required == old_required
        seen_statuses |= {s.status for s in stored.values()}
        with_detail += sum(1 for s in stored.values() if s.detail)
        without_profile += not required
    assert {AttainmentStatus.REFRESH_DUE, AttainmentStatus.EXPIRED} <= seen_statuses
    assert with_detail and without_profile
    # The view itself: dates are dates, the detail's next level and what is missing come through.
    person = Person.objects.filter(organisation=org, role_profiles__code="lead").order_by("pk").first()
    assert person is not None
    view = person_view(owner, person, soms_version)
    assert view["radar"] and person_view(owner, person, soms_version, charts=False)["radar"] == ""
    for row in view["rows"]:
        for key in ("since", "refresh_due_on", "expires_on"):
            assert row[key] is None or isinstance(row[key], date)
    assert view["rows"][0]["required"] == levels[-1].code
    assert view["today"] == timezone.localdate()


def test_validity_overrides_read_plain_are_the_orm_reads(demo: Any, soms_version: Any) -> None:  # noqa: F811
    org, _, _, _ = demo
    top = Level.objects.filter(version=soms_version).order_by("rank").last()
    ValidityOverride.objects.update_or_create(organisation=org, level=top, defaults={"validity_months": None})
    want = dict(
        ValidityOverride.objects.filter(organisation=org, level__version=soms_version).values_list(
            "level__code", "validity_months"
        )
    )
    assert overrides_for(org.pk, soms_version) == want and None in want.values() and 36 in want.values()
    other = Membership.objects.exclude(organisation=org).values_list("organisation_id", flat=True).first()
    assert other is None or overrides_for(other, soms_version) == dict(
        ValidityOverride.objects.filter(organisation_id=other, level__version=soms_version).values_list(
            "level__code", "validity_months"
        )
    )


def old_target_rows(where: Any, version: Any) -> list[Any]:
    """The ORM read of a unit's or team's targets in one version that the plain one replaced."""
    qs = CoverageTarget.objects.filter(organisation_id=where.organisation_id)
    qs = qs.filter(team=where) if isinstance(where, Team) else qs.filter(unit=where)
    return list(
        qs.filter(element__version_id=version.pk)
        .select_related("element", "level")
        .order_by("element__version_id", "element__order", "element_id", "-level__rank", "id")
    )


def _target_facts(t: Any) -> tuple[Any, ...]:
    return (
        t.pk,
        t.organisation_id,
        t.unit_id,
        t.team_id,
        t.element_id,
        t.level_id,
        t.minimum,
        t.note,
        t.revision,
        t.element.code,
        t.element.name,
        t.element.version_id,
        t.level.code,
        t.level.name,
        t.level.rank,
    )


def test_coverage_target_rows_read_plain_are_the_orm_reads(
    demo: Any,
    soms_version: Any,  # noqa: F811
    django_assert_num_queries: Any,
) -> None:
    org, owner, levels, elements = demo
    smo = FrameworkVersion.objects.get(framework__organisation__isnull=True, framework__code="smo-capability")
    smo_element = Element.objects.filter(version=smo).order_by("order", "id").first()
    smo_level = Level.objects.filter(version=smo).order_by("rank").first()
    team, other_team = list(Team.objects.filter(organisation=org).order_by("pk"))[:2]
    unit = OrgUnit.objects.filter(organisation=org).order_by("path").first()
    assert unit is not None
    # Two levels of one element (the higher first), elements out of the framework's order, a
    # target of another version, of another team, of a unit, of another organisation.
    made = [
        CoverageTarget.objects.create(organisation=org, team=team, element=e, level=lv, minimum=k, note=n)
        for e, lv, k, n in [
            (elements[3], levels[0], 2, "front desk"),
            (elements[0], levels[0], 3, ""),
            (elements[0], levels[1], 1, "cover's cover"),
            (smo_element, smo_level, 1, "another framework"),
        ]
    ]
    CoverageTarget.objects.create(organisation=org, team=other_team, element=elements[0], level=levels[0])
    CoverageTarget.objects.create(
        organisation=org, unit=unit, element=elements[1], level=levels[2], minimum=4
    )
    stranger = Team.objects.exclude(organisation=org).first()
    assert stranger is not None
    CoverageTarget.objects.create(
        organisation=stranger.organisation, team=stranger, element=elements[0], level=levels[0]
    )
    for where in (team, other_team, unit, stranger, Team.objects.get(organisation=org, name="Nobody yet")):
        for version in (soms_version, smo):
            want = old_target_rows(where, version)
            with django_assert_num_queries(1):
                got = coverage_target_rows(where, version=version)
                facts = [_target_facts(t) for t, _ in got]
            assert facts == [_target_facts(t) for t in want]
            assert [core for _, core in got] == [
                CoreTarget(element=t.element.code, level=t.level.code, minimum=t.minimum) for t in want
            ]
    assert [t.pk for t, _ in coverage_target_rows(team, version=soms_version)] == [
        made[2].pk,
        made[1].pk,
        made[0].pk,
    ]
    # What the plain read leaves unread (when the target was made) is still there when asked for.
    first = coverage_target_rows(team, version=soms_version.pk)[0][0]
    assert first.created_at == CoverageTarget.objects.get(pk=first.pk).created_at
    # The team's read names them, notes included, in the cover against the targets.
    ov = overview_for(
        owner, soms_version, Filters(team=team), targets_for(owner, soms_version, unit=None, team=team)
    )
    assert [(c["target_id"], c["note"]) for c in ov.data["coverage"]] == [
        (made[2].pk, "cover's cover"),
        (made[1].pk, ""),
        (made[0].pk, "front desk"),
    ]


def test_the_team_read_takes_three_queries_and_its_people_are_the_orms(
    demo: Any,
    soms_version: Any,  # noqa: F811
    django_assert_num_queries: Any,
) -> None:
    org, owner, levels, elements = demo
    team = Team.objects.filter(organisation=org).order_by("pk").first()
    assert team is not None
    CoverageTarget.objects.create(
        organisation=org, team=team, element=elements[2], level=levels[0], minimum=2
    )
    # People a team view leaves out: one who left, one erased; and same-named people (by id then).
    left, erased, *_ = Person.objects.filter(organisation=org, team=team).order_by("pk")
    Person.objects.filter(pk=left.pk).update(active=False)
    Person.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    # And one a running import has staged (not live yet).
    staged = Person.objects.create(organisation=org, team=team, name="Aaron Staged", staged=7)
    same = list(
        Person.objects.filter(organisation=org, team=team).order_by("-pk").values_list("pk", flat=True)[:2]
    )
    Person.objects.filter(pk__in=same).update(name="Ann Same", name_key="ann same")
    # (As the views read it: with its framework.)
    version = FrameworkVersion.objects.select_related("framework").get(pk=soms_version.pk)
    for membership in (owner,):
        with django_assert_num_queries(3):  # the targets, the people, the matrices
            ov = overview_for(
                membership,
                version,
                Filters(team=team),
                targets_for(membership, version, unit=None, team=team),
            )
        want = list(
            people_for(membership, Filters(team=team))
            .order_by("name_key", "id")
            .values(*picture_module.PERSON_KEYS)
        )
        assert ov.picture.people == want and left.pk not in [p["id"] for p in want]
        assert not {erased.pk, staged.pk} & {p["id"] for p in want} and len(want) >= 10
        assert ov.data["rows"] == old_person_rows(ov.picture)
        assert [c["target_id"] for c in ov.data["coverage"]] and ov.data["people"] == len(want)


def test_the_plain_people_of_a_whole_organisation_and_its_pages_are_the_orms(
    demo: Any,
    soms_version: Any,  # noqa: F811
) -> None:
    org, owner, _, _ = demo
    gone = Person.objects.filter(organisation=org).order_by("pk")[3]
    Person.objects.filter(pk=gone.pk).update(active=False)
    want = list(people_for(owner, Filters()).order_by("name_key", "id").values(*picture_module.PERSON_KEYS))
    assert len(want) == 63 and gone.pk not in [p["id"] for p in want]
    assert picture(owner, soms_version).people == want
    for offset, limit in ((0, 10), (5, 10), (60, 10), (63, 10), (0, 63)):
        page = picture(owner, soms_version, offset=offset, limit=limit)
        assert page.people == want[offset : offset + limit]
        assert page.truncated == (len(want) > offset + limit)
    assert picture(owner, soms_version, offset=7).people == want[7:]
    # A manager's scope is the ORM's, and answers the same as a filter on their reports.
    boss = Person.objects.filter(organisation=org, manager__isnull=True).order_by("pk").first()
    assert boss is not None
    user = user_create(username="plain-chief", email="chief@example.org", password="plain-Pass-1234")
    Person.objects.filter(pk=boss.pk).update(user=user)
    chief = membership_set(organisation=org, user=user, role=Role.MANAGER, actor=None)
    theirs = list(people_for(chief, Filters()).order_by("name_key", "id").values(*picture_module.PERSON_KEYS))
    assert picture(chief, soms_version).people == theirs and len(theirs) > 0


def old_person_view(person: Any, version: Any) -> dict[str, Any]:
    """The person view as the ORM read it before its plain reads (the oracle): the version's rows,
    the stored attainment with its levels, the profiles' requirements, a fresh engine (nothing
    kept) over the inputs `judgements_by_person` / `projects_by_person` read, and the plan through
    `select_related`."""
    today = timezone.localdate()
    levels = list(Level.objects.filter(version=version).order_by("rank"))
    elements = list(Element.objects.filter(version=version).order_by("order", "id"))
    pos = {lv.code: k + 1 for k, lv in enumerate(levels)}
    names = {lv.code: lv.name for lv in levels}
    stored = {
        a.element_id: a
        for a in ElementAttainment.objects.filter(person=person, version=version).select_related("level")
    }
    required: dict[int, Any] = {}
    for r in RoleRequirement.objects.filter(profile__people=person, profile__version=version).select_related(
        "level"
    ):
        if r.element_id not in required or r.level.rank > required[r.element_id].rank:
            required[r.element_id] = r.level
    index = _read_index(version)
    overrides = dict(
        ValidityOverride.objects.filter(
            organisation_id=person.organisation_id, level__version=version
        ).values_list("level__code", "validity_months")
    )
    engine = AttainmentEngine(index.spec, rules_from_data(version.rules or {}), overrides)
    judged = judgements_by_person([person.pk], index, validated_only=False).get(person.pk, [])
    projects = projects_by_person([person.pk], index).get(person.pk, [])
    mine = self_view(engine, judged, projects, today)
    rows = []
    for e in elements:
        a = stored.get(e.pk)
        attained = a.level.code if a and a.level else None
        need = required.get(e.pk)
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
                "gap": max((pos[need.code] if need else 0) - (pos[attained] if attained else 0), 0),
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
    actions = list(
        DevelopmentAction.objects.filter(person=person, version=version).select_related(
            "element", "statement", "owner"
        )
    )
    for act in actions:
        act.overdue = is_overdue(act, today)  # type: ignore[attr-defined]
    done = sum(1 for act in actions if act.status == ActionStatus.DONE)
    counted = sum(1 for act in actions if act.status != ActionStatus.CANCELLED)
    planned = {
        (act.element.code, act.kind)
        for act in actions
        if act.status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
    }
    return {
        "rows": rows,
        "radar": "",
        "radar_phone": "",
        "has_self": any(j.kind == AssessmentKind.SELF for j in judged),
        "actions": actions,
        "suggestions": suggestions(gaps=rows, level_names=names, planned=planned),
        "progress": {
            "done": done,
            "total": counted,
            "percent": round(100 * done / counted) if counted else None,
        },
        "gaps_total": sum(r["gap"] for r in rows),
        "elements": elements,
        "today": today,
    }


def _row_state(obj: Any) -> dict[str, Any] | None:
    """Every column of a model row, as the instance holds it (type included)."""
    if obj is None:
        return None
    return {f.attname: (type(v), v) for f in obj._meta.concrete_fields for v in [getattr(obj, f.attname)]}


def _action_state(act: Any) -> dict[str, Any]:
    """What a reader of a plan row reads (page, API, PDF), from a saved action of the ORM (with its
    `overdue`) or a `PlanAction`: its columns (types included), overdue, its kind's and status's
    names, its element and statement rows and its owner's login name."""
    owner = (
        act.owner_name if isinstance(act, PlanAction) else (act.owner.get_username() if act.owner else None)
    )
    names = (
        "pk",
        "person_id",
        "version_id",
        "kind",
        "title",
        "notes",
        "due_on",
        "status",
        "source",
        "revision",
    )
    return {
        "columns": {n: (type(getattr(act, n)), getattr(act, n)) for n in names},
        "overdue": act.overdue,
        "names": (act.get_kind_display(), act.get_status_display()),
        "element": _row_state(act.element),
        "statement": _row_state(act.statement),
        "owner": owner,
    }


def test_the_person_view_answers_what_the_orm_read(
    demo: Any,
    soms_version: Any,  # noqa: F811
    django_assert_num_queries: Any,
) -> None:
    org, owner, levels, elements = demo
    people = list(Person.objects.filter(organisation=org).order_by("pk"))
    lead = next(p for p in people if p.role_profiles.filter(code="lead").exists())
    bare = next(p for p in people if not p.role_profiles.exists() and p.pk != lead.pk)
    today = timezone.localdate()
    # A self-assessment validated and one only submitted (both count for the self line), a coach's
    # judgement beside them, a validated change project of `lead`'s with `bare` a named member.
    from tests.assessments.conftest import project, statements, validated

    validated(
        lead, soms_version, statements(soms_version, elements[2].code, "foundation"), on=today, kind="self"
    )
    submitted = Assessment.objects.create(
        organisation=org, person=lead, version=soms_version, kind="self", status="submitted"
    )
    Judgement.objects.bulk_create(
        Judgement(organisation=org, assessment=submitted, statement=s, value="met")
        for s in statements(soms_version, elements[3].code, "foundation")
    )
    validated(bare, soms_version, statements(soms_version, elements[4].code, "foundation"), on=today)
    project(
        lead,
        soms_version,
        [e.code for e in elements[:3]],
        completed_on=date(2026, 5, 1),
        validated_on=date(2026, 5, 2),
        members=[bare],
    )
    # A plan in every status: overdue, no date, a statement, no owner; another person's and another
    # version's actions are not in it.
    actor = owner.user
    plan = [
        (elements[0], "coaching", date(2026, 1, 5), "planned", True, actor),
        (elements[0], "course", None, "in_progress", False, actor),
        (elements[1], "reading", date(2030, 1, 1), "planned", True, None),
        (elements[2], "project", date(2026, 2, 1), "done", False, actor),
        (elements[3], "refresher", date(2026, 3, 1), "cancelled", False, actor),
        (elements[0], "shadowing", date(2026, 1, 5), "in_progress", False, actor),
    ]
    for element, kind, due, status, with_statement, by in plan:
        act = action_create(
            actor=by,
            person=lead,
            version=soms_version,
            element=element,
            statement=element.statements.order_by("pk").first() if with_statement else None,
            kind=kind,
            title=f"{kind} on {element.code}",
            notes="why" if with_statement else "",
            due_on=due,
        )
        DevelopmentAction.objects.filter(pk=act.pk).update(status=status)
    action_create(
        actor=actor, person=bare, version=soms_version, element=elements[0], kind="course", title="x"
    )
    # The organisation's own validity: the top level never expires, the first lasts a year.
    ValidityOverride.objects.update_or_create(
        organisation=org, level=levels[-1], defaults={"validity_months": None}
    )
    ValidityOverride.objects.update_or_create(
        organisation=org, level=levels[0], defaults={"validity_months": 12}
    )
    # A person nobody has computed yet: no rows, no profile.
    new = Person.objects.create(organisation=org, employee_id="NEW-1", name="New Starter")
    statuses: set[str] = set()
    for person in [lead, bare, new, *people[:12]]:
        person = Person.objects.get(pk=person.pk)
        want = old_person_view(person, soms_version)
        # The first read keeps the version's index and stores the self line; the next reads the
        # stored line with the rest (its rows, then the plan).
        person_view(owner, person, soms_version, charts=False)
        with django_assert_num_queries(2):
            got = person_view(owner, person, soms_version, charts=False)
        with django_assert_num_queries(0):
            assert [_action_state(a) for a in got.pop("actions")] == [
                _action_state(a) for a in want.pop("actions")
            ]
        assert list(got) == list(want)
        assert [list(row) for row in got["rows"]] == [list(row) for row in want["rows"]]
        assert [e.pk for e in got.pop("elements")] == [e.pk for e in want.pop("elements")]
        assert got == want
        statuses |= {r["status"] for r in got["rows"]}
    assert {"held", "refresh_due", "expired", "none"} <= statuses
    lead_view = person_view(owner, lead, soms_version, charts=False)
    assert lead_view["has_self"] and any(r["self"] for r in lead_view["rows"])
    assert [a.status for a in lead_view["actions"]] == sorted(a.status for a in lead_view["actions"])
    assert sum(a.overdue for a in lead_view["actions"]) == 2 and lead_view["progress"]["percent"] == 20
    assert any(a.owner_name is None for a in lead_view["actions"])
    assert any(a.owner_name == owner.user.get_username() for a in lead_view["actions"])
    assert not person_view(owner, new, soms_version, charts=False)["rows"][0]["computed"]
