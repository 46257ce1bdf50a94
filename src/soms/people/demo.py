"""Demo people: a realistic tree, teams, reporting lines and role profiles in both demo
organisations, with a few logins linked to their person records (a manager, members, a coach);
and `large_organisation` behind `soms demo --people N --teams M`.

Both go through the HR import pipeline, as a real organisation's file would.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from soms.people.io.apply import import_people
from soms.people.io.plan import Options
from soms.people.io.reading import Table
from soms.people.models import OrgUnit, Person
from soms.people.services.profiles import role_profiles_builtin_load
from soms.people.services.structure import unit_update

HEADER = [
    "employee_id",
    "name",
    "email",
    "job_title",
    "manager_employee_id",
    "unit",
    "team",
    "location",
    "start_date",
    "role_profiles",
]

# employee id, name, login (or ""), job title, manager, unit path, team, location, start, profiles
HARBOURSIDE = [
    (
        "HS001",
        "Olivia Grant",
        "",
        "Head of Claims Operations",
        "",
        "Claims Operations",
        "",
        "Bristol",
        "2012-04-02",
        "om-designer",
    ),
    (
        "HS002",
        "Priya Raman",
        "priya.raman",
        "Motor Claims Manager",
        "HS001",
        "Claims Operations/Motor Claims",
        "",
        "Bristol",
        "2016-09-12",
        "om-maintainer",
    ),
    (
        "HS003",
        "Marcus Bell",
        "",
        "Team Leader, Motor North",
        "HS002",
        "Claims Operations/Motor Claims/Motor North",
        "North intake",
        "Leeds",
        "2018-01-08",
        "om-maintainer",
    ),
    (
        "HS004",
        "Tom Okafor",
        "tom.okafor",
        "Claims Handler",
        "HS003",
        "Claims Operations/Motor Claims/Motor North",
        "North intake",
        "Leeds",
        "2021-03-01",
        "",
    ),
    (
        "HS005",
        "Sam Hughes",
        "sam.hughes",
        "Claims Handler",
        "HS003",
        "Claims Operations/Motor Claims/Motor North",
        "North intake",
        "Leeds",
        "2022-06-20",
        "",
    ),
    (
        "HS006",
        "Ellie Porter",
        "",
        "Senior Claims Handler",
        "HS003",
        "Claims Operations/Motor Claims/Motor North",
        "North settlement",
        "Leeds",
        "2017-11-13",
        "om-implementer",
    ),
    (
        "HS007",
        "Josh Reid",
        "",
        "Claims Handler",
        "HS006",
        "Claims Operations/Motor Claims/Motor North",
        "North settlement",
        "Leeds",
        "2023-02-06",
        "",
    ),
    (
        "HS008",
        "Hannah Cole",
        "",
        "Team Leader, Motor South",
        "HS002",
        "Claims Operations/Motor Claims/Motor South",
        "South intake",
        "Bristol",
        "2015-05-18",
        "om-maintainer",
    ),
    (
        "HS009",
        "Ravi Shah",
        "",
        "Claims Handler",
        "HS008",
        "Claims Operations/Motor Claims/Motor South",
        "South intake",
        "Bristol",
        "2020-10-05",
        "",
    ),
    (
        "HS010",
        "Kate Dunn",
        "",
        "Claims Handler",
        "HS008",
        "Claims Operations/Motor Claims/Motor South",
        "South intake",
        "Bristol",
        "2024-01-15",
        "",
    ),
    (
        "HS011",
        "Ben Walsh",
        "",
        "Property Claims Manager",
        "HS001",
        "Claims Operations/Property Claims",
        "",
        "Bristol",
        "2014-07-07",
        "om-maintainer",
    ),
    (
        "HS012",
        "Amara Nwosu",
        "",
        "Loss Adjuster",
        "HS011",
        "Claims Operations/Property Claims/Property Desk",
        "Property desk",
        "Bristol",
        "2019-03-25",
        "",
    ),
    (
        "HS013",
        "Liam Foster",
        "",
        "Claims Handler",
        "HS011",
        "Claims Operations/Property Claims/Property Desk",
        "Property desk",
        "Bristol",
        "2022-09-12",
        "",
    ),
    (
        "HS014",
        "Lena Fischer",
        "lena.fischer",
        "Operations Excellence Lead",
        "HS001",
        "Claims Operations/Claims Support",
        "Quality and training",
        "Bristol",
        "2013-02-11",
        "om-implementer;om-coach",
    ),
    (
        "HS015",
        "Grace Liu",
        "grace.liu",
        "Operating Model Coach",
        "HS014",
        "Claims Operations/Claims Support",
        "Quality and training",
        "Remote",
        "2020-05-04",
        "om-coach",
    ),
]

NORTHGATE = [
    (
        "NG001",
        "Aisha Bello",
        "aisha.bello",
        "Customer Services Manager",
        "",
        "Customer Services",
        "",
        "Northgate",
        "2011-08-01",
        "om-maintainer",
    ),
    (
        "NG002",
        "Dan Moore",
        "dan.moore",
        "Customer Adviser",
        "NG003",
        "Customer Services/Contact Centre",
        "Phones",
        "Northgate",
        "2021-01-11",
        "",
    ),
    (
        "NG003",
        "Ruth Evans",
        "",
        "Contact Centre Team Leader",
        "NG001",
        "Customer Services/Contact Centre",
        "Phones",
        "Northgate",
        "2016-03-14",
        "om-maintainer",
    ),
    (
        "NG004",
        "Omar Haddad",
        "",
        "Customer Adviser",
        "NG003",
        "Customer Services/Contact Centre",
        "Web chat",
        "Northgate",
        "2023-04-03",
        "",
    ),
    (
        "NG005",
        "Fiona Clarke",
        "",
        "Customer Adviser",
        "NG001",
        "Customer Services/Face to Face",
        "Reception",
        "Town Hall",
        "2019-09-02",
        "",
    ),
]

# Who manages which unit (by path), besides their reporting line.
UNIT_MANAGERS = {
    "harbourside": {
        "Claims Operations": "HS001",
        "Claims Operations/Motor Claims": "HS002",
        "Claims Operations/Motor Claims/Motor North": "HS003",
        "Claims Operations/Motor Claims/Motor South": "HS008",
        "Claims Operations/Property Claims": "HS011",
        "Claims Operations/Claims Support": "HS014",
    },
    "northgate": {"Customer Services": "NG001", "Customer Services/Contact Centre": "NG003"},
}


def _seed_org(ctx: Any, key: str, rows: Sequence[tuple[str, ...]]) -> int:
    organisation = ctx.organisations[key]
    if Person.objects.filter(organisation=organisation).exists():
        return 0
    table_rows = []
    for n, (emp, name, login, title, mgr, unit, team, loc, start, profiles) in enumerate(rows, start=2):
        user = ctx.users.get(login) if login else None
        email = user.email if user is not None else f"{name.lower().replace(' ', '.')}@example.org"
        table_rows.append((n, [emp, name, email, title, mgr, unit, team, loc, start, profiles]))
    plan, result = import_people(
        organisation=organisation,
        table=Table(headers=HEADER, rows=table_rows),
        options=Options(),
        actor=None,
        filename="demo-hr.csv",
    )
    assert result is not None, [p.as_dict() for p in plan.problems]
    for emp, _, login, *_ in rows:
        user = ctx.users.get(login) if login else None
        if user is not None:
            Person.objects.filter(organisation=organisation, employee_id=emp).update(user=user)
    paths = {u.pk: u for u in OrgUnit.objects.filter(organisation=organisation)}
    from soms.people.selectors.people import unit_path_names

    by_path = {path: paths[pk] for pk, path in unit_path_names(list(paths.values())).items()}
    for path, emp in UNIT_MANAGERS[key].items():
        manager = Person.objects.get(organisation=organisation, employee_id=emp)
        unit_update(unit=by_path[path], manager=manager, actor=None)
    return len(rows)


# The cover each demo organisation asks of a unit (unit path, element, level, at least how many):
# what an operations lead would set first, so the insights page shows cover met and missed.
TARGETS = {
    "harbourside": [
        ("Claims Operations", "demand-capacity", "practitioner", 2),
        ("Claims Operations", "strategy-governance", "practitioner", 1),
        ("Claims Operations/Motor Claims", "demand-capacity", "practitioner", 2),
        ("Claims Operations/Motor Claims", "delivery", "foundation", 3),
        ("Claims Operations/Motor Claims/Motor North", "customer-experience", "foundation", 2),
        ("Claims Operations/Property Claims", "performance", "practitioner", 1),
    ],
    "northgate": [
        ("Customer Services", "demand-capacity", "practitioner", 2),
        ("Customer Services/Contact Centre", "customer-experience", "foundation", 3),
    ],
}


def _seed_targets(ctx: Any, key: str) -> int:
    """The organisation's coverage targets on the built-in SOMS framework, once (never over ones an
    admin has set or removed since: only while the organisation has none)."""
    from soms.frameworks.models import FrameworkVersion
    from soms.people.models import CoverageTarget
    from soms.people.selectors.people import unit_path_names
    from soms.people.services.profiles import coverage_target_create

    organisation = ctx.organisations[key]
    if CoverageTarget.objects.filter(organisation=organisation).exists():
        return 0
    version = FrameworkVersion.objects.filter(
        framework__organisation__isnull=True, framework__code="soms"
    ).first()
    if version is None:
        return 0
    units = list(OrgUnit.objects.filter(organisation=organisation))
    names = unit_path_names(units)
    by_path = {names[u.pk]: u for u in units}
    elements = {e.code: e for e in version.elements.all()}
    levels = {lv.code: lv for lv in version.levels.all()}
    made = 0
    for path, element, level, minimum in TARGETS.get(key, []):
        if path not in by_path or element not in elements or level not in levels:
            continue
        coverage_target_create(
            organisation=organisation,
            unit=by_path[path],
            element=elements[element],
            level=levels[level],
            minimum=minimum,
            actor=None,
        )
        made += 1
    return made


def seed(ctx: Any) -> None:
    role_profiles_builtin_load()
    made = _seed_org(ctx, "harbourside", HARBOURSIDE) + _seed_org(ctx, "northgate", NORTHGATE)
    targets = _seed_targets(ctx, "harbourside") + _seed_targets(ctx, "northgate")
    if targets:
        ctx.notes.append(f"Coverage targets: {targets} on units of both organisations")
    if made:
        ctx.notes.append(
            f"People: {made} people in two org trees; priya.raman manages Motor Claims, tom.okafor is a claims "
            "handler in her subtree, grace.liu is the coach"
        )


FIRST = [
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Esme",
    "Farid",
    "Grace",
    "Hugo",
    "Iris",
    "Jon",
    "Kemi",
    "Liam",
    "Maya",
    "Nia",
    "Owen",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Theo",
]
LAST = [
    "Okafor",
    "Raman",
    "Smith",
    "Nowak",
    "García",
    "Chen",
    "Fischer",
    "Bello",
    "Moore",
    "Hughes",
    "Evans",
    "Shah",
    "Walsh",
    "Porter",
    "Dunn",
]


def _team_of(people: int, teams: int) -> list[int]:
    """Each person's team (0-based). Team 1 is a large operations team of up to 200 people (at most
    a tenth of the organisation, never fewer than its share), its members spread evenly over the
    reporting lines; the others share the rest in turn."""
    if teams <= 1:
        return [0] * people
    big = min(200, max(-(-people // teams), people // 10))
    out: list[int] = []
    other = 0
    for i in range(people):
        if i * big // people != (i + 1) * big // people:  # exactly `big` of them, evenly spaced
            out.append(0)
        else:
            out.append(1 + other % (teams - 1))
            other += 1
    return out


def large_rows(people: int, teams: int, *, seed: int = 2026) -> list[tuple[int, list[str]]]:
    """`people` rows in `teams` teams: divisions of 200 teams → departments of 10 → the teams'
    sections, a span of 8. At 50,000 people in 2,000 teams: ten divisions of about 5,000 people,
    a first team of 200 and the others of 25 (see `_team_of`)."""
    rnd = random.Random(seed)
    teams = max(1, teams)
    sections = [f"Division {t // 200 + 1}/Department {t // 10 + 1}/Section {t + 1}" for t in range(teams)]
    team_of = _team_of(people, teams)
    rows = []
    for i in range(people):
        manager = "" if i == 0 else f"L{(i - 1) // 8 + 1:07d}"
        rows.append(
            (
                i + 2,
                [
                    f"L{i + 1:07d}",
                    f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                    f"person{i + 1}@example.org",
                    rnd.choice(["Adviser", "Handler", "Analyst", "Team leader"]),
                    manager,
                    sections[team_of[i]],
                    f"Team {team_of[i] + 1}",
                    rnd.choice(["Leeds", "Bristol", "Glasgow", "Cardiff"]),
                    "2020-01-06",
                    "om-maintainer" if i % 8 == 0 else "",
                ],
            )
        )
    return rows


def large_organisation(*, people: int, teams: int, progress: Callable[[str, int, int], None]) -> Any:
    """A large demo organisation, `Large demo (N people)`, built through the import pipeline."""
    from soms.tenancy.models import Organisation, Role
    from soms.tenancy.services import membership_set, organisation_create

    role_profiles_builtin_load()
    name = f"Large demo ({people:,} people, {teams:,} teams)"
    organisation = Organisation.objects.filter(name=name).first()
    if organisation is not None and Person.objects.filter(organisation=organisation).exists():
        return organisation
    if organisation is None:
        organisation = organisation_create(name=name, owner=None, actor=None)
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.filter(username="admin").first()
    if admin is not None:
        membership_set(organisation=organisation, user=admin, role=Role.OWNER, actor=None)
    progress("checking", 0, people)
    plan, result = import_people(
        organisation=organisation,
        table=Table(headers=HEADER, rows=large_rows(people, teams)),
        options=Options(),
        actor=None,
        filename="large-demo.csv",
        progress=progress,
    )
    assert result is not None, [p.as_dict() for p in plan.problems[:5]]
    return organisation
