"""The unit rollups: always what a from-scratch count gives, whatever changed and in what order; the
dashboards read them (in a fixed number of queries) and show the same numbers as the per-person
picture; other organisations and narrower scopes never read them."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from soms.assessments.services.attainment import recompute
from soms.insights import rollups
from soms.insights.models import RollupState, UnitRollup
from soms.insights.selectors.overview import overview, overview_for
from soms.insights.selectors.picture import Filters, picture, targets_for
from soms.insights.selectors.scope import view_cover
from soms.people.models import CoverageTarget, Person, RoleProfile
from soms.people.services.persons import person_create, person_update
from soms.people.services.privacy import person_erase, person_merge
from soms.people.services.profiles import role_profile_update
from soms.tenancy.models import Membership
from tests.assessments.conftest import statements, validated
from tests.insights.conftest import DC, DELIVERY

pytestmark = pytest.mark.django_db


def stored(organisation_id: int, version: Any) -> list[tuple[Any, int, bytes]]:
    rows = UnitRollup.objects.filter(organisation_id=organisation_id, version=version)
    return sorted(
        ((u, n, bytes(t)) for u, n, t in rows.values_list("unit_id", "people", "tally")),
        key=lambda r: (r[0] is not None, r[0] or 0),
    )


def from_scratch(organisation_id: int, version: Any) -> list[tuple[Any, int, bytes]]:
    rows, _ = rollups._recount(organisation_id, version)
    return sorted(
        ((r.unit_id, r.people, bytes(r.tally)) for r in rows), key=lambda r: (r[0] is not None, r[0] or 0)
    )


def owner(org: Any) -> Membership:
    return Membership.objects.select_related("organisation").get(
        user=org.world.alice, organisation=org.world.org_a
    )


def assert_same_as_per_person(m: Membership, version: Any, unit: Any = None) -> None:
    targets = targets_for(m, version, unit=unit, team=None)
    ours = overview_for(m, version, Filters(unit=unit), targets, group_units=True)
    theirs = overview(picture(m, version, Filters(unit=unit)), targets, group_units=True, scope=unit)
    assert ours.from_rollups
    assert ours.data == theirs.data


def manager(org: Any) -> Membership:
    return Membership.objects.select_related("organisation").get(user=org.priya, organisation=org.world.org_a)


def test_the_first_recompute_builds_them_and_they_match(skilled: Any, soms_version: Any) -> None:
    a = skilled.world.org_a
    assert RollupState.objects.filter(organisation=a, version=soms_version).exists()
    assert stored(a.pk, soms_version) == from_scratch(a.pk, soms_version)
    # Everyone of Alpha, in five units; Beta's person is in Beta's rows only.
    assert sum(n for _, n, _ in stored(a.pk, soms_version)) == 8
    m = owner(skilled)
    assert_same_as_per_person(m, soms_version)
    assert_same_as_per_person(m, soms_version, skilled.units["claims"])


def test_random_sequences_of_changes_keep_them_equal_to_a_fresh_count(
    skilled: Any, soms_version: Any, django_capture_on_commit_callbacks: Any
) -> None:
    a, alice = skilled.world.org_a, skilled.world.alice
    m = owner(skilled)
    units = list(skilled.units.values())
    levels = {lv.code: lv for lv in soms_version.levels.all()}
    elements = {e.code: e for e in soms_version.elements.all()}
    profile = RoleProfile.objects.get(organisation=a, code="analyst")
    lead = RoleProfile.objects.create(organisation=a, version=soms_version, code="lead", name="Lead")
    CoverageTarget.objects.create(
        organisation=a,
        unit=skilled.units["claims"],
        element=elements[DC],
        level=levels["foundation"],
        minimum=2,
    )
    rng = random.Random(12)
    made = 0
    for step in range(40):
        people = list(Person.objects.filter(organisation=a, erased_at__isnull=True).order_by("pk"))
        who = rng.choice(people)
        op = rng.choice(
            ["assess", "move", "active", "profiles", "requirement", "create", "erase", "merge", "no-unit"]
        )
        with django_capture_on_commit_callbacks(execute=True):
            if op == "assess":
                element = rng.choice([DC, DELIVERY])
                picked = statements(soms_version, element, "foundation")
                if rng.random() < 0.5:
                    picked += statements(soms_version, element, "practitioner")
                validated(who, soms_version, picked, on=date(2023 + rng.randrange(3), 3, 1))
                recompute([who.pk], soms_version, a.pk, date(2026, 2, 1))
            elif op == "move":
                person_update(person=who, actor=alice, unit=rng.choice(units))
            elif op == "no-unit":
                person_update(person=who, actor=alice, unit=None)
            elif op == "active":
                person_update(person=who, actor=alice, active=not who.active)
            elif op == "profiles":
                person_update(
                    person=who,
                    actor=alice,
                    role_profiles=rng.choice([[], [profile], [lead], [profile, lead]]),
                )
            elif op == "requirement":
                level = rng.choice([None, levels["foundation"], levels["practitioner"]])
                role_profile_update(profile=lead, actor=alice, requirements={elements[DELIVERY]: level})
            elif op == "create":
                made += 1
                person_create(
                    organisation=a,
                    actor=alice,
                    employee_id=f"N{made}",
                    name=f"New {made}",
                    unit=rng.choice(units),
                )
            elif op == "erase" and len(people) > 3:
                person_erase(person=who, actor=alice)
            elif op == "merge" and len(people) > 3:
                other = rng.choice([p for p in people if p.pk != who.pk])
                person_merge(keep=who, duplicate=other, actor=alice)
        assert stored(a.pk, soms_version) == from_scratch(a.pk, soms_version), (step, op)
    assert_same_as_per_person(m, soms_version)
    assert_same_as_per_person(m, soms_version, skilled.units["claims"])
    assert_same_as_per_person(m, soms_version, skilled.units["north"])
    assert_same_as_per_person(manager(skilled), soms_version)
    assert_same_as_per_person(manager(skilled), soms_version, skilled.units["claims"])


def test_the_command_rebuilds_from_scratch(skilled: Any, soms_version: Any) -> None:
    a = skilled.world.org_a
    expected = stored(a.pk, soms_version)
    UnitRollup.objects.filter(organisation=a).delete()
    Person.objects.filter(pk=skilled.people["E006"].pk).update(active=False)  # behind the services' back
    call_command("insights", "rollups", "--organisation", a.slug)
    assert stored(a.pk, soms_version) == from_scratch(a.pk, soms_version) != expected


def test_another_organisation_and_narrower_scopes_never_read_them(skilled: Any, soms_version: Any) -> None:
    a, b = skilled.world.org_a, skilled.world.org_b
    recompute([skilled.b_person.pk], soms_version, b.pk, date(2026, 2, 1))
    assert stored(b.pk, soms_version) == from_scratch(b.pk, soms_version)
    assert sum(n for _, n, _ in stored(b.pk, soms_version)) == 1
    ours = overview_for(owner(skilled), soms_version, Filters())
    assert ours.from_rollups and ours.data["people"] == 8
    priya = Membership.objects.get(user=skilled.priya, organisation=a)
    managed = overview_for(priya, soms_version, Filters())
    assert managed.from_rollups and managed.data["people"] == 6  # her people only (see below)
    # A filter that picks people inside units reads per person, for the owner too.
    located = overview_for(
        owner(skilled), soms_version, Filters(role_profile=RoleProfile.objects.get(code="analyst").pk)
    )
    assert not located.from_rollups and located.data["people"] == 8


def test_dashboard_reads_have_fixed_query_counts(
    skilled: Any, soms_version: Any, django_assert_num_queries: Any
) -> None:
    from soms.frameworks.models import FrameworkVersion

    soms_version = FrameworkVersion.objects.select_related("framework").get(pk=soms_version.pk)
    m = owner(skilled)
    claims = skilled.units["claims"]
    targets = targets_for(m, soms_version, unit=None, team=None)
    # picture of the grid's page (the people, then their attainment and their profiles'
    # requirements in one query; the version's elements and levels are kept with its index), the
    # rollup state and rows, the units' paths and names (one query of the organisation's units, or of
    # the subtree and its ancestors; never a list of every unit's id), the sole holders' names.
    with django_assert_num_queries(6) as ctx:
        org = overview_for(m, soms_version, Filters(), targets, group_units=True)
    assert not any(" IN (" in q["sql"] and "people_orgunit" in q["sql"] for q in ctx.captured_queries)
    assert org.from_rollups and org.data["single_points"]["sole"]
    unit_targets = targets_for(m, soms_version, unit=claims, team=None)
    with django_assert_num_queries(6):
        sub = overview_for(m, soms_version, Filters(unit=claims), unit_targets, group_units=True)
    assert sub.from_rollups
    team = Filters(team=skilled.team)
    team_targets = targets_for(m, soms_version, unit=None, team=skilled.team)
    # The per-person picture, no rollups for a team: the people, then their attainment and
    # requirements in one query (no list of their ids compiled by the ORM).
    with django_assert_num_queries(2):
        ov = overview_for(m, soms_version, team, team_targets)
    assert not ov.from_rollups and ov.data["people"] == 3


def test_api_and_page_show_the_rollup_numbers(skilled: Any, soms_version: Any) -> None:
    from django.urls import reverse

    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    body = client.get("/api/v1/insights/overview", {"unit": skilled.units["claims"].pk}).json()
    page = client.get(reverse("insights-dashboard"), {"unit": skilled.units["claims"].pk})
    assert page.status_code == 200
    assert page.context["data"]["gaps"] == body["gaps"]
    assert page.context["data"]["single_points"] == body["single_points"]
    assert page.context["data"]["people"] == body["people"] == 6


def test_a_refresh_takes_the_same_queries_for_one_person_or_everyone(
    skilled: Any, soms_version: Any, django_assert_num_queries: Any
) -> None:
    a = skilled.world.org_a
    everyone = [p.pk for p in skilled.people.values()]
    # version, the state (the lock) and its current generation, elements, levels, their old shares,
    # the people, their attainment and requirements (one query), their units' rows, then delete and
    # insert the units' rows and the shares (inside a savepoint here).
    with django_assert_num_queries(15):
        rollups.refresh(a.pk, soms_version.pk, [skilled.people["E005"].pk])
    with django_assert_num_queries(15):
        rollups.refresh(a.pk, soms_version.pk, everyone)
    assert stored(a.pk, soms_version) == from_scratch(a.pk, soms_version)


def test_the_person_view_reads_in_a_fixed_number_of_queries(
    skilled: Any, soms_version: Any, django_assert_num_queries: Any
) -> None:
    from soms.insights.selectors.person import person_view

    m = owner(skilled)
    # The first read compiles the version's engine once and stores the self line.
    person_view(m, skilled.people["E003"], soms_version)
    # Stored attainment, requirements, the validity overrides, the stored self line and what tells
    # whether it still holds (one query); the plan. The version's levels, elements, statements and
    # areas are compiled once per process.
    with django_assert_num_queries(2):
        view = person_view(m, skilled.people["E003"], soms_version)
    assert view["gaps_total"] >= 1


def _insert_sizes(queries: Any, table: str) -> list[int]:
    """Rows per INSERT of `table` (SQLite logs executemany as 'N times: …', COPY as 'N rows: …')."""
    import re

    sizes = []
    for q in queries:
        sql = q["sql"]
        if table in sql and ("INSERT" in sql or "COPY" in sql):
            found = re.match(r"(\d+) (times|rows): ", sql)
            sizes.append(int(found.group(1)) if found else 1)
    return sizes


def test_a_rebuild_writes_its_rows_in_short_batches(skilled: Any, soms_version: Any, settings: Any) -> None:
    """F19: a rebuild held SQLite's write lock for its whole write (6–7 s at 50,000 people). It now
    writes SOMS_ROLLUP_WRITE_ROWS rows per transaction: with 3, Alpha's 8 people take 3 inserts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a = skilled.world.org_a
    settings.SOMS_ROLLUP_WRITE_ROWS = 3
    settings.SOMS_ROLLUP_WRITE_PAUSE_MS = 0
    expected = stored(a.pk, soms_version)
    with CaptureQueriesContext(connection) as ctx:
        rollups.rebuild(a.pk, soms_version)
    assert _insert_sizes(ctx.captured_queries, "insights_persontally") == [3, 3, 2]
    assert max(_insert_sizes(ctx.captured_queries, "insights_unitrollup")) <= 3
    assert stored(a.pk, soms_version) == expected == from_scratch(a.pk, soms_version)
    # Only the new generation is left, and it is the current one.
    state = RollupState.objects.get(organisation=a, version=soms_version)
    assert set(UnitRollup.objects.filter(organisation=a).values_list("generation", flat=True)) == {
        state.generation
    }
    assert state.building_at is None and state.pending == []


def test_readers_see_the_old_rows_until_the_new_ones_are_all_written(
    skilled: Any, soms_version: Any, settings: Any, monkeypatch: Any
) -> None:
    a = skilled.world.org_a
    m = owner(skilled)
    settings.SOMS_ROLLUP_WRITE_ROWS = 2
    targets = targets_for(m, soms_version, unit=None, team=None)
    before = overview_for(m, soms_version, Filters(), targets, group_units=True).data
    seen = []

    def read_between_batches() -> None:
        ov = overview_for(m, soms_version, Filters(), targets, group_units=True)
        seen.append(ov.from_rollups and ov.data == before)

    monkeypatch.setattr(rollups, "_pause", read_between_batches)
    rollups.rebuild(a.pk, soms_version)
    assert len(seen) > 4 and all(seen)


def test_a_refresh_during_a_rebuild_is_not_lost(
    skilled: Any, soms_version: Any, settings: Any, monkeypatch: Any
) -> None:
    """The rebuild counts before it writes: a person refreshed meanwhile is noted and refreshed
    again once the new rows are current, so the rows still equal a fresh count."""
    a = skilled.world.org_a
    settings.SOMS_ROLLUP_WRITE_ROWS = 2
    sam = skilled.people["E003"]
    calls = []

    def validate_in_between() -> None:
        calls.append(1)
        if len(calls) == 2:  # after the rebuild counted, while it writes
            monkeypatch.setattr(rollups, "_pause", lambda: None)
            validated(
                sam, soms_version, statements(soms_version, DELIVERY, "foundation"), on=date(2026, 1, 5)
            )
            recompute([sam.pk], soms_version, a.pk, date(2026, 2, 1))
            assert RollupState.objects.get(organisation=a, version=soms_version).pending == [sam.pk]

    before = stored(a.pk, soms_version)
    monkeypatch.setattr(rollups, "_pause", validate_in_between)
    rollups.rebuild(a.pk, soms_version)
    assert len(calls) == 2
    assert stored(a.pk, soms_version) == from_scratch(a.pk, soms_version) != before
    assert RollupState.objects.get(organisation=a, version=soms_version).pending == []


def test_a_managers_people_are_read_from_the_rollups_and_match(skilled: Any, soms_version: Any) -> None:
    """F32: a manager read their people per person (1.04 s over 50,000 against an owner's 0.09 s).
    Priya manages North (counted whole from its unit row) and has Sam and Sue reporting to her in
    South, and herself in Claims (counted from their per-person shares)."""
    m = manager(skilled)
    ov = overview_for(m, soms_version, Filters(), group_units=True)
    assert ov.from_rollups and ov.data["people"] == 6
    for unit in (None, "ops", "claims", "north", "south", "finance"):
        assert_same_as_per_person(m, soms_version, skilled.units[unit] if unit else None)
    # Nobody of another organisation, and nobody outside her people, is counted.
    recompute([skilled.b_person.pk], soms_version, skilled.world.org_b.pk, date(2026, 2, 1))
    assert overview_for(m, soms_version, Filters()).data["people"] == 6
    assert overview_for(m, soms_version, Filters(unit=skilled.units["finance"])).data["people"] == 0


def test_a_managers_dashboard_reads_in_a_fixed_number_of_queries(
    skilled: Any, soms_version: Any, django_assert_num_queries: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from soms.frameworks.models import FrameworkVersion

    soms_version = FrameworkVersion.objects.select_related("framework").get(pk=soms_version.pk)
    m = manager(skilled)
    targets = targets_for(m, soms_version, unit=None, team=None)
    overview_for(m, soms_version, Filters(), targets, group_units=True)  # her person record, cached
    # picture of the grid's page (the units she manages for her scope, people, then their
    # attainment and requirements in one query; the version's elements and levels are kept with its
    # index), the units she manages for the sole holders' scope, the units she manages and again for
    # the others' scope, the rollup state, the unit rows, the others' shares, the units' paths and
    # names (one query), the sole holders' names.
    with django_assert_num_queries(11):
        small = overview_for(m, soms_version, Filters(), targets, group_units=True)
    # More people reporting to her, outside the units she manages: the same queries.
    alice = skilled.world.alice
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(12):
            person_create(
                organisation=skilled.world.org_a,
                actor=alice,
                employee_id=f"R{n}",
                name=f"Report {n}",
                unit=skilled.units["finance"],
                manager=skilled.people["E002"],
            )
    with django_assert_num_queries(11):
        large = overview_for(m, soms_version, Filters(), targets, group_units=True)
    assert large.from_rollups and large.data["people"] == small.data["people"] + 12


def test_the_unit_rows_are_kept_until_what_they_count_or_name_changes(
    skilled: Any, soms_version: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from soms.people.models import OrgUnit

    m = owner(skilled)
    first = overview_for(m, soms_version, Filters(), group_units=True).data
    again = overview_for(m, soms_version, Filters(), group_units=True).data
    assert again["units"] is first["units"]  # the same reads: the rows built once
    claims = skilled.units["claims"]
    OrgUnit.objects.filter(pk=claims.pk).update(name="Claims renamed")
    renamed = overview_for(m, soms_version, Filters(), group_units=True).data
    assert renamed["units"] is not first["units"]
    assert any("Claims renamed" in u["unit"] for u in renamed["units"])
    # A person moving unit changes the rollups, and the rows follow.
    who = Person.objects.filter(organisation=skilled.world.org_a, unit=claims).order_by("pk").first()
    assert who is not None
    with django_capture_on_commit_callbacks(execute=True):
        person_update(person=who, actor=skilled.world.alice, unit=None)
    moved = overview_for(m, soms_version, Filters(), group_units=True).data
    heads = {u["unit"]: u["people"] for u in moved["units"]}
    before = {u["unit"]: u["people"] for u in renamed["units"]}
    assert heads != before and heads.get("No unit", 0) == before.get("No unit", 0) + 1
    per_person = overview(picture(m, soms_version), group_units=True).data
    assert moved["units"] == per_person["units"] and moved["child_units"] == per_person["child_units"]
    # A level turning refresh due changes only a tally (no head count, no name): the rows follow.
    from soms.assessments.models import AttainmentStatus, ElementAttainment

    nina = skilled.people["E005"]
    ElementAttainment.objects.filter(person=nina, version=soms_version, element__code=DC).update(
        status=AttainmentStatus.REFRESH_DUE
    )
    rollups.refresh(skilled.world.org_a.pk, soms_version.pk, [nina.pk])
    due = overview_for(m, soms_version, Filters(), group_units=True).data
    assert due["units"] is not moved["units"]
    assert sum(c["refresh_due"] for u in due["units"] for c in u["elements"]) == 1 + sum(
        c["refresh_due"] for u in moved["units"] for c in u["elements"]
    )
    per_person = overview(picture(m, soms_version), group_units=True).data
    assert due["units"] == per_person["units"] and due["child_units"] == per_person["child_units"]


def test_a_dashboard_request_reads_the_unit_rollups_once(skilled: Any, soms_version: Any) -> None:
    """The page and the API count the heatmap and the cover against the units' targets from the
    same unit rows, read once per request (a second read could even meet another generation)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from soms.insights.models import UnitRollup

    a = skilled.world.org_a
    claims = skilled.units["claims"]
    elements = {e.code: e for e in soms_version.elements.all()}
    levels = {lv.code: lv for lv in soms_version.levels.all()}
    CoverageTarget.objects.create(
        organisation=a, unit=claims, element=elements[DC], level=levels["foundation"], minimum=2
    )
    table = UnitRollup._meta.db_table
    client = skilled.world.client_for(skilled.world.alice, a)
    for where in ({}, {"unit": claims.pk}):
        for url in (reverse("insights-dashboard"), "/api/v1/insights/overview"):
            with CaptureQueriesContext(connection) as ctx:
                answer = client.get(url, where)
            assert answer.status_code == 200
            assert sum(f'FROM "{table}"' in q["sql"] for q in ctx.captured_queries) == 1, url
            cover = (
                answer.context["cover"] if url.startswith("/insights") else answer.json()["coverage_groups"]
            )
            assert cover["targets"] == 1 and cover["groups"][0]["name"] == claims.name
    # The numbers are the ones read on their own.
    page = client.get(reverse("insights-dashboard"), {"unit": claims.pk}).context["cover"]
    alone = view_cover(owner(skilled), soms_version, Filters(unit=claims))
    assert page == alone
