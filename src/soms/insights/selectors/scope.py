"""What a view of the Insights pages is called: the same words on the page, in its API answer,
in the job's title and in the report files.

A manager who picks no unit, team or manager sees their own people (their reports, direct and
not, and everyone in the units they manage), not the organisation: the title says so. So does an
assessor's view (themself and the people they are asked to assess) and a member's (themself).
"""

from __future__ import annotations

from typing import Any

from soms.frameworks.models import FrameworkVersion
from soms.insights.selectors.picture import Filters, targets_for
from soms.insights.selectors.targets import NO_COVER, cover_groups, not_whole
from soms.people.access import me_person
from soms.people.models import OrgUnit
from soms.tenancy.models import Membership, Role
from soms.tenancy.permissions import can

YOUR_PEOPLE = "Your people"
# A member's view holds only themself (soms.insights.access): it is called so.
YOU = "You"
# An assessor's holds themself and the people they are asked to assess (soms.assessments.access).
YOUR_ASSESSEES = "People you assess"


def _own_view(membership: Membership, filters: Filters) -> bool:
    return membership.role == Role.MANAGER and filters.manager is None


def _self_view(membership: Membership, filters: Filters) -> bool:
    return membership.role == Role.MEMBER and filters.team is None and filters.unit is None


def _assessor_view(membership: Membership, filters: Filters) -> bool:
    return (
        membership.role == Role.ASSESSOR
        and filters.team is None
        and filters.unit is None
        and filters.manager is None
    )


def scope_name(membership: Membership, filters: Filters) -> str:
    """The view's name, as the page's heading shows it."""
    if filters.team is not None:
        return filters.team.name
    if filters.unit is not None:
        return filters.unit.name
    if filters.manager is not None:
        return f"People reporting to {filters.manager.name}"
    if _own_view(membership, filters):
        return YOUR_PEOPLE
    if _self_view(membership, filters):
        return YOU
    if _assessor_view(membership, filters):
        return YOUR_ASSESSEES
    return str(membership.organisation.name)


def scope_title(membership: Membership, filters: Filters) -> str:
    """The view's name in a report's title: what a team or unit is said in front of its name."""
    if filters.team is not None:
        return f"Team {filters.team.name}"
    if filters.unit is not None:
        return f"Unit {filters.unit.name}"
    return scope_name(membership, filters)


def scope_note(membership: Membership, filters: Filters) -> str:
    """What "Your people" holds, for a manager's own view, "People you assess" for an assessor's and
    "You" for a member's; "" for any other."""
    if _self_view(membership, filters):
        return (
            "Your own levels against what your role profiles require. A member sees only themself "
            "here; your manager and your organisation's administrators see the team's picture."
        )
    if membership.role == Role.MEMBER:
        # A member who picks their team or unit still sees only themself (soms.insights.access).
        return (
            "Only you are shown: a member sees only themself here, whichever unit or team is picked; "
            "your manager and your organisation's administrators see the team's picture."
        )
    if _assessor_view(membership, filters):
        return (
            "You and the people you are asked to assess: those whose assessment you write, have "
            "validated or may pick up for review, and the people of change projects waiting for "
            "review or validated by you. The units' managers and your organisation's administrators "
            "see whole units and teams."
        )
    if membership.role == Role.ASSESSOR:
        # An assessor who picks a unit, team or manager still sees only their people in it.
        return (
            "Only the people you assess are shown, whichever unit, team or manager is picked; the "
            "units' managers and your organisation's administrators see whole units and teams."
        )
    if filters.team is not None or filters.unit is not None or not _own_view(membership, filters):
        return ""
    me = me_person(membership)
    if me is None:
        return (
            "Your login is not linked to a person record in this organisation, so nobody reports to "
            "you here yet: ask an administrator to link it."
        )
    units = list(
        OrgUnit.objects.filter(organisation_id=membership.organisation_id, manager=me)
        .order_by("name")
        .values_list("name", flat=True)[:20]
    )
    if not units:
        return "You and the people who report to you, directly or through others."
    return (
        "You, the people who report to you (directly or through others) and everyone in the "
        f"units you manage: {', '.join(units)} (with the units under them)."
    )


def targets_shown(membership: Membership) -> bool:
    """Whether the view counts unit and team coverage targets. A target counts everyone in its unit
    or team, so it is counted only where the view holds whole units: an owner's or admin's (everyone)
    and a manager's (the units they manage counted whole). An assessor's view holds only the people
    they assess and a member's only themself: over them a target would call a unit short when it is
    not, whichever unit or team is picked (the view's people stay theirs, soms.insights.access)."""
    return can(membership, "coverage.view") and membership.role != Role.ASSESSOR


def targets_hidden_note(membership: Membership) -> str:
    """Why the view shows no coverage target, and who sees how the units and teams meet them."""
    if membership.role == Role.ASSESSOR:
        return (
            "Coverage targets are not counted in your view: each counts everyone in its unit or team, "
            "and only the people you assess are shown here, so a unit would look short when it is not. "
            "The units' managers and your organisation's administrators see how each unit and team "
            "meets them; the targets themselves are listed under People, Coverage targets."
        )
    return (
        "Your unit's and team's coverage targets are not shown in your own view: each counts "
        "everyone in its unit or team, and only you are shown here. Your manager and your "
        "organisation's administrators see how the team meets them."
    )


def single_points_shown(membership: Membership) -> bool:
    """Whether the view names single points of failure. They count who in a team holds each level.
    A member's view holds only themself (soms.insights.access), so every element they hold would
    "hang on" them and every one they lack would be held by "nobody". An assessor's holds only the
    people they assess, whichever unit or team is picked: an element one of them holds would "hang
    on" them while a colleague they do not assess holds it too. Words about a team said of a partial
    set, in both; the views that hold whole units (owner, admin, manager) name them."""
    return membership.role not in (Role.MEMBER, Role.ASSESSOR)


def _single_points_note(membership: Membership) -> str:
    if membership.role == Role.ASSESSOR:
        return (
            "Single points of failure are not counted in your view: they count who in a team holds "
            "each level, and only the people you assess are shown here, so an element would look "
            "held by nobody, or by one person, when others hold it too. The units' managers and your "
            "organisation's administrators see where a unit or team hangs on one person."
        )
    return (
        "Single points of failure are not shown in your own view: they count who in a team holds "
        "each level, and only you are shown here. Your manager and your organisation's "
        "administrators see where the team hangs on one person."
    )


def view_single_points(membership: Membership, single_points: dict[str, Any]) -> dict[str, Any]:
    """The overview's single points of failure with `shown` and `note`; in a member's or an
    assessor's view none (the levels they are counted at stay) and the sentence saying why and who
    sees them: page, API and reports alike."""
    if single_points_shown(membership):
        return {**single_points, "shown": True, "note": ""}
    return {
        **single_points,
        "uncovered": [],
        "sole": [],
        "sole_cover": [],
        "shown": False,
        "note": _single_points_note(membership),
    }


def capabilities_shown(membership: Membership) -> bool:
    """Whether the view names a capability model's specialists and back-ups. They say who in a team
    holds each capability at the specialist and the back-up level and how many the team still
    lacks: over a member's own view (themself alone) or an assessor's (the people they assess) that
    is words about a team said of a partial set. How specialised each person shown is (breadth,
    depth) stays: it is about that person alone."""
    return single_points_shown(membership)


def _capabilities_note(membership: Membership) -> str:
    if membership.role == Role.ASSESSOR:
        return (
            "Specialists and back-ups are not counted in your view: they count who in a team holds "
            "each capability at the specialist and the back-up level, and only the people you assess "
            "are shown here, so a capability would look short when it is not. The units' managers "
            "and your organisation's administrators see the team's specialists and back-ups."
        )
    return (
        "Specialists and back-ups are not shown in your own view: they count who in a team holds "
        "each capability at the specialist and the back-up level, and only you are shown here. "
        "Your manager and your organisation's administrators see the team's specialists and "
        "back-ups."
    )


def view_capabilities(membership: Membership, data: dict[str, Any]) -> dict[str, Any]:
    """For a framework with a capability model (the overview has `capabilities`): the specialists
    and back-ups with `capabilities_shown` and `capabilities_note`; in a member's or an assessor's
    view none and the sentence saying why: page, API and reports alike. Nothing for any other
    framework (its `specialisation_note` says why it has no specialists)."""
    if "capabilities" not in data:
        return {}
    if capabilities_shown(membership):
        return {"capabilities": data["capabilities"], "capabilities_shown": True, "capabilities_note": ""}
    return {
        "capabilities": [],
        "capabilities_shown": False,
        "capabilities_note": _capabilities_note(membership),
    }


def view_targets(membership: Membership, version: FrameworkVersion, filters: Filters) -> list[Any]:
    """The view's own targets (its team's or unit's, `targets_for`) when the view counts targets and,
    in a manager's, holds that unit or team whole (`not_whole`)."""
    if not targets_shown(membership):
        return []
    rows = targets_for(membership, version, unit=filters.unit, team=filters.team)
    if rows and membership.role == Role.MANAGER:
        # A unit or team picked that the manager's view does not hold whole: its targets are held
        # back here as under "Cover against targets" (which says so).
        path = filters.unit.path if filters.team is None and filters.unit is not None else ""
        held = not_whole(
            membership,
            [{"pk": t.pk, "unit_id": t.unit_id, "unit__path": path, "team_id": t.team_id} for t, _ in rows],
        )
        rows = [r for r in rows if r[0].pk not in held]
    return rows


def view_coverage(coverage: list[dict[str, Any]], cover: dict[str, Any]) -> list[dict[str, Any]]:
    """The view's own targets (the overview's `coverage`, counted over the people shown) as `cover`
    counts them: in a view whose filter picks people within units, over everyone in the unit or
    team, as under "Cover against targets"; one the cover does not count (held back) goes."""
    if not cover.get("narrowed"):
        return coverage
    counted = {t["target_id"]: t for g in cover["groups"] for t in g["targets"]}
    return [counted[c["target_id"]] for c in coverage if c["target_id"] in counted]


def view_cover(
    membership: Membership, version: FrameworkVersion, filters: Filters, *, tallies: Any = None
) -> dict[str, Any]:
    """The targets of the units and teams in the view (`cover_groups`; `tallies`, the unit rows the
    request's overview read), or, in a view that counts no target, the same shape with none in it
    and the sentence saying why: page, API and reports alike."""
    if targets_shown(membership):
        return {**cover_groups(membership, version, filters, tallies=tallies), "shown": True, "note": ""}
    return {**NO_COVER, "groups": [], "shown": False, "note": targets_hidden_note(membership)}
