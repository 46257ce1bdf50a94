"""The first-run guide on the home page: what SOMS is for, and the first three things to do in the
role the person holds in the current organisation, each linked to the page that does it.

Each role has its steps in order of importance, each linked to the page that does it. A step is
shown only when its page exists and the role may open it: a feature still being built (assessments)
joins its role's guide once its URL is there (`reverse` finds it); until then the next step moves
up, so the guide never leads to a 404 or a 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from soms.tenancy.models import Membership, Role
from soms.tenancy.permissions import can

PURPOSE = (
    "SOMS keeps your organisation's skills framework (who should be able to do what, at which "
    "level), the people it applies to and how they are organised, and the toolkits a service "
    "team uses every day: demand and capacity, value streams, KPIs, delivery systems and "
    "stakeholders."
)


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    url: str | None
    link_text: str


@dataclass(frozen=True)
class Guide:
    heading: str
    purpose: str
    steps: tuple[Step, ...]


def _url(*names: str) -> str | None:
    """The first of these pages that exists (a feature not built yet has no URL)."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def _step(
    membership: Membership, action: str, title: str, text: str, link_text: str, *url_names: str
) -> Step:
    url = _url(*url_names) if can(membership, action) else None
    return Step(title=title, text=text, url=url, link_text=link_text)


# How many steps the guide shows.
STEPS = 3


def first_steps(membership: Membership) -> Guide:
    role = membership.role
    m = membership
    steps: list[Step]
    if role in (Role.OWNER, Role.ADMIN):
        heading = "Set up SOMS for your organisation"
        steps = [
            _step(
                m,
                "framework.read",
                "Pick a framework",
                "Start from a built-in framework (SOMS, or the service management office model) "
                "and adapt it, or import your own.",
                "Frameworks",
                "framework-list",
            ),
            _step(
                m,
                "people.import",
                "Import your people",
                "Upload the HR file (CSV or XLSX): people, managers, units and teams, checked in a "
                "dry run before anything is saved.",
                "Import people",
                "people-import",
            ),
            _step(
                m,
                "role_profile.view",
                "Set up role profiles",
                "Say which level of each element a role needs; then invite the people who will sign in.",
                "Role profiles",
                "people-role-profiles",
            ),
            _step(
                m,
                "member.invite",
                "Invite your colleagues",
                "Give each person who will sign in a role: admin, manager, coach or member.",
                "Members",
                "members",
            ),
        ]
    elif role == Role.MANAGER:
        heading = "Get to know your team in SOMS"
        steps = [
            _step(
                m,
                "person.list",
                "See your team",
                "Everyone who reports to you, directly or not, and the units you manage.",
                "People",
                "people-list",
            ),
            _step(
                m,
                "assessment.review",
                "Review your team's assessments",
                "Read what your people assessed themselves at, and validate or return it.",
                "Assessments",
                "assessment-queue",
                "assessment-list",
            ),
            _step(
                m,
                "capacity_study.create",
                "Plan your team's capacity",
                "How many people each half-hour needs for a service level, from a demand file or "
                "one interval at a time.",
                "Capacity",
                "capacity-home",
            ),
            _step(
                m,
                "kpi.manage",
                "Track your KPIs",
                "Targets, amber limits and a trend for what your team measures.",
                "KPIs",
                "kpi-index",
            ),
        ]
    elif role == Role.ASSESSOR:
        heading = "Start coaching and assessing"
        steps = [
            _step(
                m,
                "assessment.review",
                "Your queue",
                "The assessments waiting for you to review, oldest first.",
                "Review queue",
                "assessment-queue",
                "assessment-list",
            ),
            _step(
                m,
                "framework.read",
                "Know the framework",
                "Each element and what each level asks, as the people you coach see it.",
                "Frameworks",
                "framework-list",
            ),
            _step(
                m,
                "role_profile.view",
                "Read the role profiles",
                "The level per element each role needs: the yardstick for a conversation.",
                "Role profiles",
                "people-role-profiles",
            ),
            _step(
                m,
                "person.list",
                "Find the people you coach",
                "Their page shows their role profiles and what those require.",
                "People",
                "people-list",
            ),
        ]
    else:
        heading = "Find your way around SOMS"
        steps = [
            _step(
                m,
                "framework.read",
                "Read your framework",
                "What each element means and what each level asks of you.",
                "Frameworks",
                "framework-list",
            ),
            _step(
                m,
                "assessment.start_self",
                "Assess yourself",
                "Say which statements you can show, with evidence; your manager or coach validates it.",
                "Assessments",
                "assessment-list",
                "assessment-start",
            ),
            _step(
                m,
                "person.list",
                "See your team",
                "You and the people in your team.",
                "People",
                "people-list",
            ),
            _step(
                m,
                "capacity_study.create",
                "Try the Erlang calculator",
                "How many people one half-hour needs to answer 80 % of calls within 20 seconds.",
                "Erlang calculator",
                "capacity-erlang",
            ),
        ]
    return Guide(heading=heading, purpose=PURPOSE, steps=tuple(s for s in steps if s.url)[:STEPS])
