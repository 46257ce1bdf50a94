"""Insights at scale: every dashboard read beside the raw SQL aggregate over the same rows, same run.

    uv run python benchmarks/bench_insights.py [--people 5000] [--teams 25] [--repeat 7]
        [--database-url postgres://postgres@127.0.0.1:5432/scale12]

Builds the large demo organisation (`soms.people.demo.large_organisation`, then
`soms.insights.scale.large_assessments`: validated assessments and attainment), then measures,
interleaved, `--repeat` times each:

* organisation heatmap by unit: `overview_for()` from the unit rollups; the fallback a filter within
  units reads (`overview_from_people()`: the page of people and everyone's per-person shares); and
  `picture()` of everyone + `overview(group_units=True)` (every attainment row: what is read when no
  rollups are kept, and what the exports read); raw: people × attainment rows grouped by unit,
  element and rank, and for the fallback beside it the raw read of the shares;
* one team, the largest (the demo's first team: 200 people): `overview_for()` alone, and with
  `charts()` (the level grid); raw: the SQL of everything it shows (its people by name, their
  attainment rows, their requirements, the team's targets: four queries), and once more against the
  team's attainment rows alone;
* a unit subtree, the one nearest 5,000 people (a division of the 50,000-person demo), with its
  single points of failure: `overview_for()` from the unit rollups, the fallback from the shares
  (`overview_from_people()`), and `picture()` + `overview()` per person (what a manager whose scope
  it is read before F32); raw: the subtree's rows grouped by element and rank;
* a person's view: `person_view(charts=False)` alone, and `person_view()` with its radar; raw: the SQL
  of everything it shows (five queries). The person measured is given, once, what the demo gives
  nobody: a submitted self-assessment (the self line, computed by the rules engine on every read)
  and a plan of four actions, so every part of the view runs;
* recomputing every attainment (`recompute_version` once, after a real rule change: the
  organisation's validity of 36 months becomes 30), including the one rollup refresh it triggers;
  raw: the judgements grouped by person, element and level (what any recomputation must read).

Without --database-url it runs on a fresh SQLite file in a temporary directory; with it, on that
PostgreSQL database, which it drops and creates first. Results go to benchmarks/results/ as JSON.

`--data-dir DIR` keeps the data between runs (building 50,000 people takes minutes): the SQLite file
lives in DIR, a PostgreSQL database is not dropped, and a second run finds the organisation built and
only measures. `--reads-only` leaves out the two cases that rewrite the data (the rebuild of every
rollup and the recomputation after a rule change), so repeated runs measure the same rows;
`--recompute-only` measures only the recomputation, after a rule change and after its reversal, so
the kept data ends as it began, then once more with the same rules (a no-op) (`--profile`: where its time goes). Beside
each wall time the run prints this thread's CPU time (`time.thread_time`; on SQLite the database's
work is in it, on PostgreSQL only ours): on a shared machine the wall time is mostly waiting.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_people_import import prepare_database  # noqa: E402


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def timed_cpu(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall ms, this thread's CPU ms) of one call."""
    cpu, start = time.thread_time(), time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000, (time.thread_time() - cpu) * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--teams", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", help="a PostgreSQL URL with its own database name")
    parser.add_argument(
        "--profile", action="store_true", help="print each read's cProfile (top functions by own time)"
    )
    parser.add_argument(
        "--data-dir", help="keep the data here and reuse it on the next run (PostgreSQL: not dropped)"
    )
    parser.add_argument(
        "--reads-only",
        action="store_true",
        help="leave out the rebuild and the recomputation (they rewrite rows)",
    )
    parser.add_argument(
        "--recompute-only",
        action="store_true",
        help="only the recomputation after a rule change, there and back (36 → 30 → 36 months), so a "
        "kept --data-dir ends as it began; with --profile, its cProfile",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="measure only the reads whose name contains this (may be given more than once)",
    )
    args = parser.parse_args()
    if args.data_dir:
        tmp = str(Path(args.data_dir).resolve())
        Path(tmp).mkdir(parents=True, exist_ok=True)
        backend = prepare_database(args.database_url, tmp, keep=True)
    else:
        tmp = tempfile.mkdtemp(prefix="insights-bench-")
        backend = prepare_database(args.database_url, tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soms.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    # What each server worker does once its WSGI application is built (`soms.wsgi`): the start-up
    # heap frozen, so a full garbage collection inside a read walks only what was made since.
    from soms.heap import settle

    settle()
    from soms.assessments.services.attainment import recompute_version
    from soms.frameworks.services.versions import builtin_frameworks_load
    from soms.insights import rollups
    from soms.insights.scale import attainment_summary, large_assessments
    from soms.insights.selectors.overview import charts, overview, overview_for, overview_from_people
    from soms.insights.selectors.person import person_view
    from soms.insights.selectors.picture import Filters, default_version, picture, targets_for
    from soms.people.demo import large_organisation
    from soms.people.models import OrgUnit, Person, Team
    from soms.tenancy.models import Role
    from soms.tenancy.services import membership_set, user_create

    builtin_frameworks_load()
    t0 = time.perf_counter()
    org = large_organisation(people=args.people, teams=args.teams, progress=lambda *a: None)
    built_people = time.perf_counter() - t0
    version = default_version(org.pk)
    assert version is not None
    t0 = time.perf_counter()
    stage_end: dict[str, float] = {}

    def stage(name: str, done: int, total: int) -> None:
        if done >= total:
            stage_end[name] = time.perf_counter() - t0

    from soms.assessments.models import ElementAttainment

    if not (args.data_dir and ElementAttainment.objects.filter(organisation=org, version=version).exists()):
        # (A kept data directory already holds them: recomputing everyone again takes minutes.)
        large_assessments(org, version, progress=stage)
    built_assessments = time.perf_counter() - t0
    stages = {
        "assessments": stage_end.get("assessments", 0.0),
        "past months (recompute + snapshot each)": stage_end.get("history", 0.0)
        - stage_end.get("assessments", 0.0),
        "attainment today": stage_end.get("attainment", 0.0)
        - stage_end.get("history", stage_end.get("assessments", 0.0)),
    }
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.filter(username="bench-owner").first() or user_create(
        username="bench-owner", email="bench@example.org", password="bench-Pass-1234"
    )
    m = membership_set(organisation=org, user=owner, role=Role.OWNER, actor=None)
    counts = attainment_summary(org, version)
    print(
        f"{backend}: {args.people:,} people built in {built_people:.1f} s, assessments and attainment "
        f"in {built_assessments:.1f} s ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items())
        + f"); attainment rows {counts}"
    )

    if args.recompute_only:
        recompute_there_and_back(org, version, recompute_version, profile=args.profile)
        return

    # The sizes: the largest team (the demo's first team holds up to 200 people) and the
    # unit whose subtree is nearest 5,000 people without being the whole organisation (the demo's
    # divisions hold about 5,000 each at 50,000 people; at 5,000 people, a department).
    from django.db.models import Count, Q

    team_id, team_size = (
        Person.objects.filter(organisation=org, team__isnull=False)
        .values("team")
        .annotate(n=Count("id"))
        .order_by("-n", "team")
        .values_list("team", "n")[0]
    )
    team = Team.objects.get(pk=team_id)
    own = dict(
        Person.objects.filter(organisation=org, unit__isnull=False)
        .values("unit")
        .annotate(n=Count("id"))
        .values_list("unit", "n")
    )
    units = list(OrgUnit.objects.filter(organisation=org).order_by("path"))
    subtree = {u.pk: sum(own.get(v.pk, 0) for v in units if v.path.startswith(u.path)) for u in units}
    everyone = Person.objects.filter(organisation=org).count()
    dept = min(
        [u for u in units if subtree[u.pk] < everyone] or units,
        key=lambda u: (abs(subtree[u.pk] - 5000), u.path),
    )
    person = Person.objects.filter(organisation=org, team=team).order_by("pk").first()
    assert person is not None
    # The demo gives people a coach's validated assessment only: the measured person also gets what a
    # person's view draws beyond it, once (kept on a kept data directory), so every part of the view
    # runs: a submitted self-assessment (the self line) and a plan of four actions (one done).
    from soms.assessments.models import Assessment, Judgement
    from soms.assessments.models import Kind as AssessmentKind
    from soms.assessments.models import Status as AssessmentStatus
    from soms.frameworks.models import Statement
    from soms.insights.models import DevelopmentAction
    from soms.insights.services import plans

    if not Assessment.objects.filter(person=person, version=version, kind=AssessmentKind.SELF).exists():
        own = Assessment.objects.create(
            organisation=org,
            person=person,
            version=version,
            kind=AssessmentKind.SELF,
            status=AssessmentStatus.SUBMITTED,
        )
        statements = list(Statement.objects.filter(element__version=version).order_by("element__order", "id"))
        Judgement.objects.bulk_create(
            [
                Judgement(organisation=org, assessment=own, statement=st, value="met")
                for st in statements[: 2 * len(statements) // 3]
            ]
        )
    if not DevelopmentAction.objects.filter(person=person, version=version).exists():
        from soms.frameworks.models import Element as FrameworkElement

        some = list(FrameworkElement.objects.filter(version=version).order_by("order", "id")[:4])
        made_actions = [
            plans.action_create(
                actor=None,
                person=person,
                version=version,
                element=e,
                kind=kind,
                title=f"{kind.title()} on {e.name}",
                due_on=datetime.now(UTC).date(),
            )
            for e, kind in zip(some, ["course", "coaching", "shadowing", "reading"], strict=False)
        ]
        plans.action_set_status(
            actor=None, action=made_actions[0], status="done", revision=made_actions[0].revision
        )
    dept_size = Person.objects.filter(dept.subtree_q("unit__path"), organisation=org).count()
    ea = "assessments_elementattainment"

    def raw(sql: str, params: list[Any]) -> Callable[[], Any]:
        def run() -> Any:
            with connection.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()

        return run

    # What the dashboard and the API call (`overview_for`): the unit rollups for the organisation and
    # a subtree, the per-person picture for a team; the per-person path of the organisation is kept as
    # its own case (what a filter inside units, or a manager's scope, still reads).
    def org_heatmap() -> Any:
        ov = overview_for(
            m, version, Filters(), targets_for(m, version, unit=None, team=None), group_units=True
        )
        assert ov.from_rollups
        return ov

    def org_heatmap_charts() -> Any:
        return charts(org_heatmap(), title=org.name)

    def org_per_person() -> Any:
        pic = picture(m, version)
        return overview(pic, targets_for(m, version, unit=None, team=None), group_units=True)

    def org_fallback() -> Any:
        # What a filter within units reads (`overview_from_people`), over the same people: the page's
        # people and the per-person shares of everyone (the rows a team, role profile, location or
        # manager filter picks would be fewer).
        ov = overview_from_people(
            m, version, Filters(), targets_for(m, version, unit=None, team=None), group_units=True
        )
        assert ov.from_shares
        return ov

    def team_read() -> Any:
        f = Filters(team=team)
        ov = overview_for(m, version, f, targets_for(m, version, unit=None, team=team))
        assert not ov.from_rollups and len(ov.data["rows"]) == team_size
        return ov

    def team_view() -> Any:
        return charts(team_read(), title=team.name)

    def subtree_view() -> Any:
        f = Filters(unit=dept)
        ov = overview_for(m, version, f, targets_for(m, version, unit=dept, team=None))
        assert ov.from_rollups and "single_points" in ov.data
        return ov

    def subtree_per_person() -> Any:
        # The per-person fallback over the same subtree (what a manager read before F32).
        pic = picture(m, version, Filters(unit=dept))
        ov = overview(pic, targets_for(m, version, unit=dept, team=None))
        assert not ov.from_rollups and "single_points" in ov.data
        return ov

    def subtree_fallback() -> Any:
        ov = overview_from_people(
            m, version, Filters(unit=dept), targets_for(m, version, unit=dept, team=None)
        )
        assert ov.from_shares and "single_points" in ov.data
        return ov

    # Managers (F32): their own view ("Your people", no filter). One manages the subtree above (its
    # unit rows) and has a few people reporting to them; the head of the reporting lines manages no
    # unit and has everyone else reporting to them (per-person shares only).
    from soms.people.models import ID_WIDTH, prefix_range
    from soms.people.services.structure import unit_update

    def manager_login(name: str, person: Any) -> Any:
        # (Kept from an earlier run on a kept data directory.)
        user = get_user_model().objects.filter(username=name).first() or user_create(
            username=name, email=f"{name}@example.org", password="bench-Pass-1234"
        )
        Person.objects.filter(pk=person.pk).update(user=user)
        return membership_set(organisation=org, user=user, role=Role.MANAGER, actor=None)

    top = Person.objects.filter(organisation=org, manager__isnull=True).order_by("pk").first()
    assert top is not None
    # Not the head of the reporting lines (at 5,000 people they sit in that subtree): one person has
    # one login, so the second login would take the first's person and leave it a scope of nobody.
    head_of_unit = (
        Person.objects.filter(dept.subtree_q("unit__path"), organisation=org)
        .exclude(pk=top.pk)
        .order_by("chain", "pk")
        .first()
    )
    assert head_of_unit is not None
    unit_update(unit=dept, manager=head_of_unit, actor=None)
    unit_manager = manager_login("bench-unit-manager", head_of_unit)
    top_manager = manager_login("bench-top-manager", top)
    for login in (unit_manager, top_manager):
        assert Person.objects.filter(organisation=org, user=login.user).count() == 1, login
    unit_scope = Person.objects.filter(
        Q(pk=head_of_unit.pk) | head_of_unit.reports_q() | dept.subtree_q("unit__path"),
        organisation=org,
        active=True,
    ).count()
    top_scope = Person.objects.filter(Q(pk=top.pk) | top.reports_q(), organisation=org, active=True).count()

    def manager_view(membership: Any) -> Callable[[], Any]:
        def run() -> Any:
            ov = overview_for(membership, version, Filters(), [], group_units=True)
            assert ov.from_rollups and "single_points" in ov.data
            return ov

        return run

    def manager_per_person(membership: Any) -> Callable[[], Any]:
        def run() -> Any:
            return overview(picture(membership, version, Filters()), [], group_units=True)

        return run

    unit_low, unit_high = prefix_range(head_of_unit.reports_prefix)
    top_low, top_high = prefix_range(top.reports_prefix)
    scope_sql = (
        f"SELECT a.element_id, a.rank, a.status, COUNT(*) FROM {ea} a "
        "JOIN people_person p ON p.id = a.person_id LEFT JOIN people_orgunit u ON u.id = p.unit_id "
        "WHERE a.organisation_id = %s AND a.version_id = %s AND p.active "
        "AND (p.id = %s OR (p.chain >= %s AND p.chain < %s) OR (u.path >= %s AND u.path < %s)) "
        "GROUP BY a.element_id, a.rank, a.status"
    )
    unit_manager_raw = raw(
        scope_sql, [org.pk, version.pk, head_of_unit.pk, unit_low, unit_high, dept.path, dept.path + "~"]
    )
    top_manager_raw = raw(scope_sql, [org.pk, version.pk, top.pk, top_low, top_high, "~", "~"])

    batch = list(Person.objects.filter(organisation=org).order_by("pk").values_list("pk", flat=True)[:500])

    # Coverage targets beneath a view (`cover_groups`): the demo sets none, so the run sets them once
    # (only while the organisation has none): on every division and department (units two deep, two
    # targets each) and on every tenth team (one each), never on the subtree or the team measured
    # above, so their own cases read what they read before.
    from soms.frameworks.models import Element, Level
    from soms.insights.selectors.targets import cover_groups
    from soms.people.models import CoverageTarget

    if not CoverageTarget.objects.filter(organisation=org).exists():
        elements = list(Element.objects.filter(version=version).order_by("order", "id"))
        levels = list(Level.objects.filter(version=version).order_by("rank"))
        made = []
        for k, u in enumerate(x for x in units if len(x.path) <= 2 * ID_WIDTH and x.pk != dept.pk):
            for e in (elements[k % len(elements)], elements[(k + 3) % len(elements)]):
                made.append(
                    CoverageTarget(
                        organisation=org, unit=u, element=e, level=levels[k % 2], minimum=2 + k % 5
                    )
                )
        for k, t in enumerate(Team.objects.filter(organisation=org).exclude(pk=team.pk).order_by("pk")[::10]):
            made.append(
                CoverageTarget(
                    organisation=org, team=t, element=elements[k % len(elements)], level=levels[0], minimum=3
                )
            )
        CoverageTarget.objects.bulk_create(made)
    target_units, target_teams = (
        CoverageTarget.objects.filter(organisation=org, unit__isnull=False).count(),
        CoverageTarget.objects.filter(organisation=org, team__isnull=False).count(),
    )
    # Raw: the organisation's attainment rows at the targets' elements and levels, counted by the
    # person's unit path, team, element, rank and status (what any count of every target must read).
    targets_raw = raw(
        f"SELECT u.path, p.team_id, a.element_id, a.rank, a.status, COUNT(*) FROM {ea} a "
        "JOIN people_person p ON p.id = a.person_id LEFT JOIN people_orgunit u ON u.id = p.unit_id "
        "WHERE a.organisation_id = %s AND a.version_id = %s AND p.active AND a.element_id IN "
        "(SELECT element_id FROM people_coveragetarget WHERE organisation_id = %s) AND a.rank >= "
        "(SELECT MIN(l.rank) FROM people_coveragetarget t JOIN frameworks_level l ON l.id = t.level_id "
        "WHERE t.organisation_id = %s) GROUP BY u.path, p.team_id, a.element_id, a.rank, a.status",
        [org.pk, version.pk, org.pk, org.pk],
    )

    low, high = dept.path, dept.path + "~"
    org_raw = raw(
        f"SELECT p.unit_id, a.element_id, a.rank, a.status, COUNT(*) FROM {ea} a "
        "JOIN people_person p ON p.id = a.person_id WHERE a.organisation_id = %s AND a.version_id = %s "
        "AND p.active GROUP BY p.unit_id, a.element_id, a.rank, a.status",
        [org.pk, version.pk],
    )
    subtree_raw = raw(
        f"SELECT a.element_id, a.rank, a.status, COUNT(*) FROM {ea} a "
        "JOIN people_person p ON p.id = a.person_id JOIN people_orgunit u ON u.id = p.unit_id "
        "WHERE u.path >= %s AND u.path < %s AND a.version_id = %s GROUP BY a.element_id, a.rank, a.status",
        [low, high, version.pk],
    )
    ur = "insights_unitrollup"
    # The raw read of the per-person shares the fallback counts from (one row per person).
    shares_sql = (
        "SELECT t.unit_id, t.cells FROM insights_persontally t JOIN people_person p ON p.id = t.person_id "
        "WHERE t.version_id = %s AND t.generation = (SELECT generation FROM insights_rollupstate "
        "WHERE organisation_id = %s AND version_id = %s) AND p.organisation_id = %s AND p.active"
    )
    org_shares_raw = raw(shares_sql, [version.pk, org.pk, version.pk, org.pk])
    subtree_shares_raw = raw(
        shares_sql + " AND p.unit_id IN (SELECT id FROM people_orgunit WHERE path >= %s AND path < %s)",
        [version.pk, org.pk, version.pk, org.pk, low, high],
    )
    org_rollup_raw = raw(
        f"SELECT unit_id, people, tally FROM {ur} WHERE organisation_id = %s AND version_id = %s",
        [org.pk, version.pk],
    )
    subtree_rollup_raw = raw(
        f"SELECT r.unit_id, r.people, r.tally FROM {ur} r JOIN people_orgunit u ON u.id = r.unit_id "
        "WHERE r.organisation_id = %s AND r.version_id = %s AND u.path >= %s AND u.path < %s",
        [org.pk, version.pk, low, high],
    )
    # A person's view shows more than their attainment rows: its honest baseline is the raw SQL of
    # everything it shows (attainment with levels, the requirements of their role profiles, every
    # judgement of theirs for the self-assessed line, their projects, their plan), one query each.
    person_queries = [
        (
            f"SELECT a.element_id, a.rank, a.status, a.refresh_due_on, a.expires_on, a.detail, l.code "
            f"FROM {ea} a LEFT JOIN frameworks_level l ON l.id = a.level_id "
            "WHERE a.person_id = %s AND a.version_id = %s",
            [person.pk, version.pk],
        ),
        (
            "SELECT r.element_id, l.rank FROM people_rolerequirement r "
            "JOIN frameworks_level l ON l.id = r.level_id "
            "JOIN people_person_role_profiles pr ON pr.roleprofile_id = r.profile_id "
            "JOIN people_roleprofile p ON p.id = r.profile_id WHERE pr.person_id = %s AND p.version_id = %s",
            [person.pk, version.pk],
        ),
        (
            "SELECT j.statement_id, j.value, a.kind, a.status, a.validated_on FROM assessments_judgement j "
            "JOIN assessments_assessment a ON a.id = j.assessment_id WHERE a.person_id = %s AND a.version_id = %s",
            [person.pk, version.pk],
        ),
        (
            "SELECT id, status, areas, completed_on, validated_on FROM assessments_changeproject "
            "WHERE owner_id = %s AND version_id = %s",
            [person.pk, version.pk],
        ),
        (
            "SELECT id, element_id, kind, status, due_on FROM insights_developmentaction "
            "WHERE person_id = %s AND version_id = %s",
            [person.pk, version.pk],
        ),
    ]

    def person_raw() -> Any:
        found = [raw(sql, params)() for sql, params in person_queries]
        return found[0]

    # The team's attainment rows alone: what the heatmap cells are made of.
    team_rows_raw = raw(
        f"SELECT a.person_id, a.element_id, a.rank, a.status FROM {ea} a "
        "JOIN people_person p ON p.id = a.person_id WHERE p.team_id = %s AND a.version_id = %s",
        [team.pk, version.pk],
    )
    # Like the person's view, the team's honest baseline is the raw SQL of everything it shows: its
    # people by name (the grid's rows), their attainment rows, the requirements of their role
    # profiles (the gaps) and the team's coverage targets, one query each. The read is measured
    # against both: the rows alone make the thinner baseline and keep the earlier figures comparable.
    team_queries = [
        (
            "SELECT id, name, unit_id, team_id, location, manager_id FROM people_person "
            "WHERE organisation_id = %s AND team_id = %s AND active AND erased_at IS NULL "
            "ORDER BY name_key, id",
            [org.pk, team.pk],
        ),
        (
            f"SELECT a.person_id, a.element_id, a.rank, a.status FROM {ea} a "
            "JOIN people_person p ON p.id = a.person_id WHERE p.team_id = %s AND a.version_id = %s",
            [team.pk, version.pk],
        ),
        (
            "SELECT h.person_id, r.element_id, l.rank FROM people_person_role_profiles h "
            "JOIN people_person p ON p.id = h.person_id "
            "JOIN people_roleprofile rp ON rp.id = h.roleprofile_id "
            "JOIN people_rolerequirement r ON r.profile_id = h.roleprofile_id "
            "JOIN frameworks_level l ON l.id = r.level_id WHERE p.team_id = %s AND rp.version_id = %s",
            [team.pk, version.pk],
        ),
        (
            "SELECT t.id, t.element_id, l.rank, t.minimum, t.note FROM people_coveragetarget t "
            "JOIN frameworks_level l ON l.id = t.level_id WHERE t.team_id = %s",
            [team.pk],
        ),
    ]

    def team_raw() -> Any:
        found = [raw(sql, params)() for sql, params in team_queries]
        return found[1]

    # (name, ours, raw over the per-person attainment rows, raw read of the rollup rows or None)
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[], Any] | None]] = [
        (
            f"organisation heatmap by unit, from the rollups ({args.people:,} people)",
            org_heatmap,
            org_raw,
            org_rollup_raw,
        ),
        (
            f"organisation heatmap by unit, from the rollups, with its SVG charts ({args.people:,} people)",
            org_heatmap_charts,
            org_raw,
            org_rollup_raw,
        ),
        (
            f"organisation heatmap by unit, the fallback (a filter within units: shares; {args.people:,} people)",
            org_fallback,
            org_raw,
            org_shares_raw,
        ),
        (
            f"organisation heatmap by unit, per person (every attainment row: no rollups kept, the exports; "
            f"{args.people:,} people)",
            org_per_person,
            org_raw,
            None,
        ),
        (
            f"one team ({team_size} people), the read alone",
            team_read,
            team_raw,
            None,
        ),
        (
            f"one team ({team_size} people), with the level grid",
            team_view,
            team_raw,
            None,
        ),
        (
            f"one team ({team_size} people), the read alone, against its attainment rows alone",
            team_read,
            team_rows_raw,
            None,
        ),
        (
            f"unit subtree ({dept_size:,} people) + single points of failure",
            subtree_view,
            subtree_raw,
            subtree_rollup_raw,
        ),
        (
            f"unit subtree ({dept_size:,} people) + single points of failure, the fallback (shares)",
            subtree_fallback,
            subtree_raw,
            subtree_shares_raw,
        ),
        (
            f"unit subtree ({dept_size:,} people) + single points of failure, per person (every attainment row)",
            subtree_per_person,
            subtree_raw,
            None,
        ),
        (
            f"a manager's own view: manages that subtree, {unit_scope:,} people (unit rows + shares)",
            manager_view(unit_manager),
            unit_manager_raw,
            None,
        ),
        (
            f"the same manager's view per person (before F32; {unit_scope:,} people)",
            manager_per_person(unit_manager),
            unit_manager_raw,
            None,
        ),
        (
            f"a manager's own view: everyone reports to them, {top_scope:,} people (per-person shares)",
            manager_view(top_manager),
            top_manager_raw,
            None,
        ),
        (
            f"the same manager's view per person (before F32; {top_scope:,} people)",
            manager_per_person(top_manager),
            top_manager_raw,
            None,
        ),
        (
            f"coverage targets beneath the organisation ({target_units} on units, {target_teams} on teams)",
            lambda: cover_groups(m, version, Filters()),
            targets_raw,
            None,
        ),
        (
            f"coverage targets beneath the unit subtree ({dept_size:,} people)",
            lambda: cover_groups(m, version, Filters(unit=dept)),
            subtree_raw,
            None,
        ),
        (
            "a person's view, the read alone",
            lambda: person_view(m, person, version, charts=False),
            person_raw,
            None,
        ),
        (
            "a person's view, with its radar charts",
            lambda: person_view(m, person, version),
            person_raw,
            None,
        ),
        (
            "rollup refresh of 500 people (an import, a few validations)",
            lambda: rollups.refresh(org.pk, version.pk, batch),
            raw(
                f"SELECT person_id, element_id, rank, status FROM {ea} WHERE version_id = %s AND person_id IN "
                f"({', '.join(str(pk) for pk in batch)})",
                [version.pk],
            ),
            None,
        ),
    ]
    if args.only:
        cases = [c for c in cases if any(word in c[0] for word in args.only)]
    rows = []
    for name, ours, baseline, rolled in cases:
        ours()
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.runcall(ours)
            print(f"\n--- {name}")
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        assert baseline(), f"the raw query of {name!r} found no rows"  # and both are warm
        if rolled is not None:
            assert rolled(), f"no rollup rows for {name!r}"
        mine, theirs, rollup_raw = [], [], []
        mine_cpu, theirs_cpu = [], []
        for _ in range(args.repeat):
            wall, cpu = timed_cpu(ours)
            mine.append(wall)
            mine_cpu.append(cpu)
            wall, cpu = timed_cpu(baseline)
            theirs.append(wall)
            theirs_cpu.append(cpu)
            if rolled is not None:
                rollup_raw.append(timed(rolled))
        rows.append(
            {
                "case": name,
                "ours_p50_ms": statistics.median(mine),
                "ours_p95_ms": p95(mine),
                "raw_p50_ms": statistics.median(theirs),
                "raw_p95_ms": p95(theirs),
                "rollup_raw_p50_ms": statistics.median(rollup_raw) if rollup_raw else None,
                "rollup_raw_p95_ms": p95(rollup_raw) if rollup_raw else None,
                "ours_cpu_p50_ms": statistics.median(mine_cpu),
                "ours_cpu_p95_ms": p95(mine_cpu),
                "raw_cpu_p50_ms": statistics.median(theirs_cpu),
            }
        )
    if args.reads_only or args.only:
        report(rows, backend, args)
        return
    rebuild_ms = timed(lambda: rollups.rebuild(org.pk, version))
    org_raw_ms = timed(org_raw)
    rows.append(
        {
            "case": f"rebuild every rollup from scratch ({args.people:,} people, once)",
            "ours_p50_ms": rebuild_ms,
            "ours_p95_ms": rebuild_ms,
            "raw_p50_ms": org_raw_ms,
            "raw_p95_ms": org_raw_ms,
            "rollup_raw_p50_ms": None,
            "rollup_raw_p95_ms": None,
        }
    )
    # A real rule change: the organisation keeps its levels 30 months instead of 36, so many levels
    # move to refresh due or expired and their rows are rewritten (unchanged rows are left alone).
    from soms.assessments.models import ValidityOverride

    ValidityOverride.objects.filter(organisation=org, level__version=version).update(validity_months=30)
    cpu0 = time.process_time()
    recompute_ms = timed(lambda: recompute_version(version, org.pk))
    # This process's CPU (on SQLite the database's work too; on PostgreSQL only ours): on a shared
    # machine the wall time is mostly waiting for a core.
    recompute_cpu_s = time.process_time() - cpu0
    print(f"recompute: {recompute_ms / 1000:.1f} s wall, {recompute_cpu_s:.1f} s CPU of this process")
    after = attainment_summary(org, version)
    print(f"after the rule change (validity 36 → 30 months): {after}")
    judgements = raw(
        "SELECT a.person_id, s.element_id, s.level_id, COUNT(*) FROM assessments_judgement j "
        "JOIN assessments_assessment a ON a.id = j.assessment_id "
        "JOIN frameworks_statement s ON s.id = j.statement_id "
        "WHERE a.organisation_id = %s AND a.version_id = %s AND a.status = 'validated' "
        "GROUP BY a.person_id, s.element_id, s.level_id",
        [org.pk, version.pk],
    )
    assert judgements(), "no judgements to read"
    judgements_ms = timed(judgements)
    rows.append(
        {
            "case": f"recompute every attainment ({args.people:,} people, once)",
            "ours_p50_ms": recompute_ms,
            "ours_p95_ms": recompute_ms,
            "raw_p50_ms": judgements_ms,
            "raw_p95_ms": judgements_ms,
            "rollup_raw_p50_ms": None,
            "rollup_raw_p95_ms": None,
            "cpu_s": recompute_cpu_s,
        }
    )
    report(rows, backend, args, after=after, counts=counts, built=(built_people, built_assessments, stages))


def recompute_there_and_back(org: Any, version: Any, recompute_version: Any, *, profile: bool) -> None:
    """The organisation's validity of 36 months becomes 30, then 36 again: two real rule changes (the
    first expires about 30,000 levels and moves every held row's expiry, the second moves them back),
    each one `recompute_version` call with its rollup rebuild; then the same rules once more (a
    no-op: nothing of anyone's changes). Each timed by wall clock and this process's CPU (on SQLite
    the database's work too, on PostgreSQL only ours)."""
    from soms.assessments.models import ValidityOverride

    overrides = ValidityOverride.objects.filter(organisation=org, level__version=version)
    now = set(overrides.values_list("validity_months", flat=True))
    order = (36, 30) if now == {30} else (30, 36)
    for months in (*order, order[-1]):
        was = set(overrides.values_list("validity_months", flat=True))
        overrides.update(validity_months=months)
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started, cpu0 = time.perf_counter(), time.process_time()
        people = recompute_version(version, org.pk)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
        if profiler is not None:
            profiler.disable()
        print(
            f"recompute {sorted(was)} → {months} months: {people:,} people, {wall:.1f} s wall, "
            f"{cpu:.1f} s CPU of this process (load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        if profiler is not None:
            import pstats

            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("tottime").print_stats(20)


def report(
    rows: list[dict[str, Any]],
    backend: str,
    args: argparse.Namespace,
    *,
    after: Any = None,
    counts: Any = None,
    built: tuple[float, float, dict[str, float]] | None = None,
) -> None:
    print(
        f"\n| {backend} | ours p50 | ours p95 | ours CPU p50 | raw SQL p50 | raw p95 | raw CPU p50 "
        "| ours ÷ raw (p50) | raw rollup rows p50 | ours ÷ raw rollup rows |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = r["ours_p50_ms"] / r["raw_p50_ms"] if r["raw_p50_ms"] else float("nan")
        rolled = r["rollup_raw_p50_ms"]
        extra = f"{rolled:.1f} ms | {r['ours_p50_ms'] / rolled:.1f}" if rolled else "— | —"
        cpu = f"{r['ours_cpu_p50_ms']:.1f} ms" if "ours_cpu_p50_ms" in r else "—"
        raw_cpu = f"{r['raw_cpu_p50_ms']:.1f} ms" if "raw_cpu_p50_ms" in r else "—"
        print(
            f"| {r['case']} | {r['ours_p50_ms']:.1f} ms | {r['ours_p95_ms']:.1f} ms | {cpu} | "
            f"{r['raw_p50_ms']:.1f} ms | {r['raw_p95_ms']:.1f} ms | {raw_cpu} | {ratio:.1f} | {extra} |"
        )
    built_people, built_assessments, stages = built or (None, None, {})
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    out = results / f"insights-{backend.lower()}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "backend": backend,
                "people": args.people,
                "teams": args.teams,
                "repeat": args.repeat,
                "build_s": {
                    "people": built_people,
                    "assessments_and_attainment": built_assessments,
                    **stages,
                },
                "attainment_rows_after_rule_change": after,
                "attainment_rows": counts,
                "python": platform.python_version(),
                "load": os.getloadavg(),
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"\nload average {os.getloadavg()[0]:.1f}; results in {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
