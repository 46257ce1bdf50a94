"""Coverage targets of the units and teams under a view: a parent unit's dashboard shows them,
grouped by unit or team, met or not with their counts, and the organisation's shows them all."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from soms.jobs.models import Job
from soms.jobs.testing import jobs_run
from soms.people.models import CoverageTarget, OrgUnit
from soms.people.services.structure import unit_create
from tests.insights.conftest import DC, DELIVERY

pytestmark = pytest.mark.django_db


def _target(org: Any, version: Any, element: str, level: str, minimum: int, **where: Any) -> CoverageTarget:
    return CoverageTarget.objects.create(
        organisation=where.pop("organisation", org.world.org_a),
        element=version.elements.get(code=element),
        level=version.levels.get(code=level),
        minimum=minimum,
        **where,
    )


@pytest.fixture
def targets(skilled: Any, soms_version: Any) -> Any:
    """North wants 1 Practitioner in demand-capacity (Nina: met), South 2 at Foundation (Sam
    only: 1 short), the North desk team 1 Foundation in delivery (Noel: met), Finance 1 at
    Foundation in demand-capacity (nobody: short); Beta's Operations 1 in delivery."""
    u = skilled.units
    _target(skilled, soms_version, DC, "practitioner", 1, unit=u["north"])
    _target(skilled, soms_version, DC, "foundation", 2, unit=u["south"])
    _target(skilled, soms_version, DELIVERY, "foundation", 1, team=skilled.team)
    _target(skilled, soms_version, DC, "foundation", 1, unit=u["finance"])
    _target(
        skilled,
        soms_version,
        DELIVERY,
        "foundation",
        1,
        unit=skilled.b_unit,
        organisation=skilled.world.org_b,
    )
    return skilled


def _cover(html: str) -> str:
    start = html.index('id="targets-below"')
    return html[start : html.index("</section>", start)]


def test_a_parent_unit_shows_the_targets_beneath_it(targets: Any, soms_version: Any) -> None:
    alice = targets.world.client_for(targets.world.alice, targets.world.org_a)
    html = alice.get(reverse("insights-dashboard"), {"unit": targets.units["claims"].pk}).content.decode()
    cover = _cover(html)
    assert "3 targets in 3 units and teams under Claims: 2 met, 1 not met" in cover
    assert "Operations / Claims / South" in cover and "North desk" in cover
    assert "2 at Foundation in Demand" in cover and "1 short" in cover
    assert "Finance" not in cover
    # The unmet group comes first.
    assert cover.index("South") < cover.index("North desk")


def test_the_organisation_shows_every_target(targets: Any, soms_version: Any) -> None:
    alice = targets.world.client_for(targets.world.alice, targets.world.org_a)
    cover = _cover(alice.get(reverse("insights-dashboard")).content.decode())
    assert "4 targets in 4 units and teams" in cover and "2 met, 2 not met" in cover
    assert "Finance" in cover and "South" in cover and "North desk" in cover
    data = alice.get("/api/v1/insights/overview").json()["coverage_groups"]
    assert (data["targets"], data["met"], data["at_risk"], data["short"]) == (4, 2, 0, 2)
    south = next(g for g in data["groups"] if g["name"] == "South")
    assert (
        south["kind"] == "unit"
        and south["targets"][0]["covered"] == 1
        and south["targets"][0]["missing"] == 1
    )
    desk = next(g for g in data["groups"] if g["kind"] == "team")
    assert desk["name"] == "North desk" and desk["state"] == "met" and desk["targets"][0]["covered"] == 1


def test_a_team_and_a_leaf_unit_show_their_own(targets: Any, soms_version: Any) -> None:
    alice = targets.world.client_for(targets.world.alice, targets.world.org_a)
    cover = _cover(alice.get(reverse("insights-dashboard"), {"team": targets.team.pk}).content.decode())
    assert "1 target in 1 unit or team" in cover and "North desk" in cover and "South" not in cover
    cover = _cover(
        alice.get(reverse("insights-dashboard"), {"unit": targets.units["north"].pk}).content.decode()
    )
    assert "2 targets in 2 units and teams under North: 2 met" in cover and "South" not in cover


def test_a_refresh_due_level_warns_and_an_expired_one_does_not_count(targets: Any, soms_version: Any) -> None:
    from soms.assessments.models import AttainmentStatus, ElementAttainment

    alice = targets.world.client_for(targets.world.alice, targets.world.org_a)
    nina = targets.people["E005"]
    row = ElementAttainment.objects.get(person=nina, version=soms_version, element__code=DC)
    row.status = AttainmentStatus.REFRESH_DUE
    row.save(update_fields=["status"])
    # What the attainment service does after writing rows: the unit rollups count from then on.
    from soms.insights import rollups

    rollups.refresh(targets.world.org_a.pk, soms_version.pk, [nina.pk])
    data = alice.get("/api/v1/insights/overview", {"unit": targets.units["claims"].pk}).json()[
        "coverage_groups"
    ]
    north = next(g for g in data["groups"] if g["name"] == "North")
    assert north["targets"][0]["covered"] == 0 and north["targets"][0]["refresh_due"] == 1
    assert north["state"] == "at_risk"


def test_a_manager_sees_the_targets_of_her_units_counted_over_her_people(
    targets: Any, soms_version: Any
) -> None:
    priya = targets.world.client_for(targets.priya, targets.world.org_a)
    cover = _cover(priya.get(reverse("insights-dashboard")).content.decode())
    assert "North desk" in cover and "South" in cover
    assert "Finance" not in cover  # not a unit she may see
    data = priya.get("/api/v1/insights/overview").json()["coverage_groups"]
    assert data["targets"] == 3


def test_another_organisations_targets_never_show(targets: Any, soms_version: Any) -> None:
    alice = targets.world.client_for(targets.world.alice, targets.world.org_a)
    data = alice.get("/api/v1/insights/overview").json()["coverage_groups"]
    assert all(g["name"] != "Operations" or g["kind"] != "unit" for g in data["groups"])
    assert data["targets"] == 4
    bob = targets.world.client_for(targets.world.bob, targets.world.org_b)
    r = bob.get("/api/v1/insights/overview", {"version": soms_version.pk})
    assert r.status_code == 200
    groups = r.json()["coverage_groups"]["groups"]
    assert [g["name"] for g in groups] == ["Operations"]
    # Bob naming Alpha's unit is refused like a missing one, on the page and in the API.
    assert bob.get("/api/v1/insights/overview", {"unit": targets.units["claims"].pk}).status_code == 422
    html = bob.get(reverse("insights-dashboard"), {"unit": targets.units["claims"].pk}).content.decode()
    assert "South" not in html and "North desk" not in html


def test_the_workbook_lists_the_targets_beneath(targets: Any, soms_version: Any) -> None:
    alice = targets.world.client_for(targets.world.alice, targets.world.org_a)
    with jobs_run():
        alice.post(reverse("insights-export") + f"?unit={targets.units['claims'].pk}", {"format": "xlsx"})
    job = Job.objects.get()
    job.refresh_from_db()
    assert job.status == "done", job.message
    with job.result_file.open("rb") as fh:
        book = CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
    rows = book.get_sheet_by_name("Targets beneath").to_python()
    assert rows[0][:6] == ["Unit or team", "Kind", "Target", "Covered", "Refresh due", "State"]
    places = {(r[0], r[1]) for r in rows[1:]}
    assert places == {
        ("Operations / Claims / South", "unit"),
        ("Operations / Claims / North", "unit"),
        ("North desk (Operations / Claims / North)", "team"),
    }


def test_the_number_of_queries_does_not_grow_with_targets_units_or_teams(
    targets: Any, soms_version: Any
) -> None:
    from soms.people.services.structure import team_create

    a, alice_user = targets.world.org_a, targets.world.alice
    alice = targets.world.client_for(alice_user, a)
    url = reverse("insights-dashboard")

    def count(**query: Any) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert alice.get(url, query).status_code == 200
        return len(ctx.captured_queries)

    claims = targets.units["claims"].pk
    before_org, before_unit = count(), count(unit=claims)
    parent = OrgUnit.objects.get(pk=claims)
    for i in range(6):
        unit = unit_create(organisation=a, name=f"Extra {i}", parent=parent, actor=alice_user)
        team = team_create(organisation=a, name=f"Extra desk {i}", unit=unit, actor=alice_user)
        _target(targets, soms_version, DC, "foundation", 1, unit=unit)
        _target(targets, soms_version, DELIVERY, "practitioner", 2, team=team)
    assert count() == before_org
    assert count(unit=claims) == before_unit
    from soms.insights.selectors.picture import Filters
    from soms.insights.selectors.targets import cover_groups
    from soms.tenancy.models import Membership

    m = Membership.objects.select_related("organisation").get(organisation=a, user=alice_user)
    with CaptureQueriesContext(connection) as ctx:
        found = cover_groups(m, soms_version, Filters(unit=parent))
    # The targets, the rollups' state and unit rows, the units, the state and the teams' shares.
    assert found["targets"] == 15 and len(ctx.captured_queries) <= 6


def _views(org: Any, version: Any) -> list[dict[str, Any]]:
    from soms.insights.selectors.picture import Filters
    from soms.insights.selectors.targets import cover_groups
    from soms.tenancy.models import Membership

    m = Membership.objects.select_related("organisation").get(
        organisation=org.world.org_a, user=org.world.alice
    )
    return [
        cover_groups(m, version, Filters(unit=u)) for u in (None, org.units["claims"], org.units["north"])
    ]


def test_the_units_targets_come_from_the_rollups_with_the_same_numbers(
    targets: Any, soms_version: Any
) -> None:
    """An owner's view counts the units' targets from the unit rollups and the teams' from their
    people's shares (no attainment row read) and answers what counting the people's rows answers."""
    from soms.insights.models import RollupState

    u = targets.units
    _target(targets, soms_version, DELIVERY, "foundation", 1, unit=u["claims"])
    _target(targets, soms_version, DC, "practitioner", 3, unit=u["claims"])
    from_rollups = _views(targets, soms_version)
    assert RollupState.objects.filter(organisation=targets.world.org_a).exists()
    with CaptureQueriesContext(connection) as ctx:
        _views(targets, soms_version)
    assert not any("assessments_elementattainment" in q["sql"] for q in ctx.captured_queries)
    # Without the rollups (not kept for this version) the same views count per person.
    RollupState.objects.filter(organisation=targets.world.org_a).delete()
    CoverageTarget.objects.all().delete()
    _target(targets, soms_version, DC, "practitioner", 1, unit=u["north"])
    _target(targets, soms_version, DC, "foundation", 2, unit=u["south"])
    _target(targets, soms_version, DELIVERY, "foundation", 1, team=targets.team)
    _target(targets, soms_version, DC, "foundation", 1, unit=u["finance"])
    _target(targets, soms_version, DELIVERY, "foundation", 1, unit=u["claims"])
    _target(targets, soms_version, DC, "practitioner", 3, unit=u["claims"])
    per_person = _views(targets, soms_version)

    def plain(views: list[dict[str, Any]]) -> Any:
        # The new targets' ids differ; everything else must be the same.
        return [
            {
                **v,
                "groups": [
                    {**g, "targets": [{**t, "target_id": 0} for t in g["targets"]]} for g in v["groups"]
                ],
            }
            for v in views
        ]

    assert plain(from_rollups) == plain(per_person)
    assert from_rollups[0]["targets"] == 6 and from_rollups[1]["groups"]


def test_the_pdf_report_lists_the_targets_beneath(targets: Any, soms_version: Any) -> None:
    from soms.insights.reports import team_html
    from soms.insights.selectors.picture import Filters
    from soms.tenancy.models import Membership

    m = Membership.objects.select_related("organisation").get(
        organisation=targets.world.org_a, user=targets.world.alice
    )
    html = team_html(m, soms_version, Filters(unit=targets.units["claims"]))
    part = html[html.index('id="targets-beneath"') :]
    assert "3 targets in 3 units and teams: 2 met, 1 not met" in part
    assert "Operations / Claims / South" in part and "Team North desk" in part and "Finance" not in part


def test_a_members_own_view_shows_no_team_or_unit_target(targets: Any, soms_version: Any) -> None:
    """A member's view holds only themself: a target of their unit or team counted over one person
    would say "1 short" about the team when it is about them. The page says so and whose view
    shows the team's cover; the API answers no target (with the same words), whatever the filter."""
    world = targets.world
    charlie = world.client_for(world.charlie, world.org_a)
    for query in ({}, {"team": targets.team.pk}, {"unit": targets.units["north"].pk}):
        html = charlie.get(reverse("insights-dashboard"), query).content.decode()
        cover = _cover(html)
        assert "short" not in cover and "North desk" not in cover, query
        assert "not shown in your own view" in cover and "Your manager and" in cover, query
        assert 'class="chart-box chart-coverage"' not in cover
        data = charlie.get("/api/v1/insights/overview", query).json()
        groups = data["coverage_groups"]
        assert (groups["targets"], groups["groups"], groups["shown"]) == (0, [], False), query
        assert "not shown in your own view" in groups["note"]
        assert data["coverage"] == [], query
    # A manager's view of the same team still counts it over the team.
    alice = world.client_for(world.alice, world.org_a)
    data = alice.get("/api/v1/insights/overview", {"team": targets.team.pk}).json()
    assert data["coverage_groups"]["shown"] is True and data["coverage_groups"]["targets"] == 1
    assert [c["state"] for c in data["coverage"]] == ["met"]
