"""Route by route, from the permission table itself.

ROUTES names every page and API route of the people app with the action it performs. The tests:
- every route of soms.people.urls and of the people API router is in ROUTES (nothing unchecked);
- every action of the table is exercised by at least one route;
- for each route, each role gets 403 when the table refuses the action and a success otherwise;
- every route with an id answers another organisation's id exactly like a missing one (404).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern

from soms.frameworks.models import Element, Level
from soms.people import urls as people_urls
from soms.people.api.routes import router as people_router
from soms.people.io.plan import Options
from soms.people.models import CoverageTarget, Person
from soms.people.permissions import PEOPLE_ACTIONS, PERMISSIONS
from soms.people.services.imports import people_import_check
from soms.people.services.persons import person_create
from soms.people.services.profiles import (
    builtin_soms_version,
    role_profile_create,
    role_profiles_builtin_load,
)
from soms.people.services.structure import team_create, unit_create
from soms.tenancy.models import Membership, Role
from soms.tenancy.services import membership_set, user_create
from tests.conftest import PASSWORD
from tests.people.helpers import csv_bytes

pytestmark = pytest.mark.django_db

ROLE_ORDER = [Role.MEMBER, Role.MANAGER, Role.ASSESSOR, Role.ADMIN, Role.OWNER]


@dataclass(frozen=True)
class R:
    method: str
    path: str  # with {person}, {unit}, {team}, {profile}, {target}, {import}, {member}, {dup}
    action: str
    body: str = ""  # key into BODIES
    kind: str = "page"  # page | api


ROUTES: list[R] = [
    # pages
    R("get", "/people/", "person.list"),
    R("get", "/people/tree/", "unit.view"),
    R("get", "/people/units/{unit}/", "unit.view"),
    R("get", "/people/{self}/", "person.view"),
    R("get", "/people/new/", "person.create"),
    R("post", "/people/new/", "person.create", "person_form"),
    R("get", "/people/{person}/edit/", "person.update"),
    R("post", "/people/{person}/edit/", "person.update", "person_form"),
    R("get", "/people/{person}/data.json", "person.export_data"),
    R("post", "/people/{person}/erase/", "person.erase"),
    R("post", "/people/{person}/merge/", "person.merge", "merge_form"),
    R("post", "/people/{person}/invite/", "person.invite"),
    R("get", "/people/units/new/", "unit.manage"),
    R("post", "/people/units/new/", "unit.manage", "unit_form"),
    R("get", "/people/units/{unit}/edit/", "unit.manage"),
    R("post", "/people/units/{unit}/edit/", "unit.manage", "unit_form"),
    R("get", "/people/teams/new/", "team.manage"),
    R("post", "/people/teams/new/", "team.manage", "team_form"),
    R("get", "/people/teams/{team}/edit/", "team.manage"),
    R("post", "/people/teams/{team}/edit/", "team.manage", "team_edit_form"),
    R("get", "/people/import/", "people.import"),
    R("post", "/people/import/", "people.import", "upload"),
    R("get", "/people/imports/{import}/", "people.import"),
    R("get", "/people/imports/{import}/problems.csv", "people.import"),
    R("post", "/people/imports/{import}/apply/", "people.import"),
    R("get", "/people/export.csv", "people.export"),
    R("get", "/people/export.xlsx", "people.export"),
    R("get", "/people/role-profiles/", "role_profile.view"),
    R("post", "/people/role-profiles/", "role_profile.manage", "profile_form"),
    R("get", "/people/role-profiles/{profile}/", "role_profile.view"),
    R("post", "/people/role-profiles/{profile}/", "role_profile.manage", "profile_edit_form"),
    R("post", "/people/role-profiles/{profile}/delete/", "role_profile.manage"),
    R("post", "/people/role-profiles/{profile}/copy/", "role_profile.manage", "copy_form"),
    R("get", "/people/coverage/", "coverage.view"),
    R("post", "/people/coverage/", "coverage.manage", "target_form"),
    R("get", "/people/coverage/{target}/edit/", "coverage.manage"),
    R("post", "/people/coverage/{target}/edit/", "coverage.manage", "target_edit_form"),
    R("post", "/people/coverage/{target}/delete/", "coverage.manage"),
    R("get", "/organisation/members/", "member.view"),
    R("post", "/organisation/members/", "member.invite", "invite_form"),
    R("post", "/organisation/members/{member}/role/", "member.change_role", "role_form"),
    R("post", "/organisation/members/{member}/remove/", "member.remove"),
    R("post", "/organisation/members/{member}/invitation/resend/", "member.invite"),
    # API
    R("get", "/api/v1/people", "person.list", kind="api"),
    R("post", "/api/v1/people", "person.create", "person_json", kind="api"),
    R("get", "/api/v1/people/{self}", "person.view", kind="api"),
    R("patch", "/api/v1/people/{person}", "person.update", "person_patch", kind="api"),
    R("get", "/api/v1/people/{person}/data", "person.export_data", kind="api"),
    R("post", "/api/v1/people/{person}/erase", "person.erase", kind="api"),
    R("post", "/api/v1/people/{person}/merge", "person.merge", "merge_json", kind="api"),
    R("post", "/api/v1/people/{person}/invite", "person.invite", "invite_person_json", kind="api"),
    R("post", "/api/v1/people/import", "people.import", "upload", kind="api"),
    R("get", "/api/v1/people/imports/{import}", "people.import", kind="api"),
    R("get", "/api/v1/people/imports/{import}/problems", "people.import", kind="api"),
    R("post", "/api/v1/people/imports/{import}/apply", "people.import", kind="api"),
    R("get", "/api/v1/people/export", "people.export", kind="api"),
    R("get", "/api/v1/org-units", "unit.view", kind="api"),
    R("post", "/api/v1/org-units", "unit.manage", "unit_json", kind="api"),
    R("get", "/api/v1/org-units/{unit}", "unit.view", kind="api"),
    R("patch", "/api/v1/org-units/{unit}", "unit.manage", "unit_patch", kind="api"),
    R("delete", "/api/v1/org-units/{empty_unit}", "unit.manage", kind="api"),
    R("get", "/api/v1/teams", "unit.view", kind="api"),
    R("post", "/api/v1/teams", "team.manage", "team_json", kind="api"),
    R("patch", "/api/v1/teams/{team}", "team.manage", "team_patch", kind="api"),
    R("delete", "/api/v1/teams/{empty_team}", "team.manage", kind="api"),
    R("get", "/api/v1/role-profiles", "role_profile.view", kind="api"),
    R("post", "/api/v1/role-profiles", "role_profile.manage", "profile_json", kind="api"),
    R("get", "/api/v1/role-profiles/{profile}", "role_profile.view", kind="api"),
    R("patch", "/api/v1/role-profiles/{profile}", "role_profile.manage", "profile_patch", kind="api"),
    R("delete", "/api/v1/role-profiles/{profile}", "role_profile.manage", kind="api"),
    R("post", "/api/v1/role-profiles/{profile}/copy", "role_profile.manage", "copy_json", kind="api"),
    R("get", "/api/v1/coverage-targets", "coverage.view", kind="api"),
    R("post", "/api/v1/coverage-targets", "coverage.manage", "target_json", kind="api"),
    R("patch", "/api/v1/coverage-targets/{target}", "coverage.manage", "target_patch", kind="api"),
    R("delete", "/api/v1/coverage-targets/{target}", "coverage.manage", kind="api"),
    R("get", "/api/v1/members", "member.view", kind="api"),
    R("post", "/api/v1/members", "member.invite", "invite_json", kind="api"),
    R("patch", "/api/v1/members/{member}", "member.change_role", "role_json", kind="api"),
    R("delete", "/api/v1/members/{member}", "member.remove", kind="api"),
    R("post", "/api/v1/members/{member}/invitation/resend", "member.invite", kind="api"),
]

_counter = itertools.count(1)


class Ctx:
    """Org A with one login per role, each linked to a person; org B with one of everything."""

    def __init__(self, world: Any) -> None:
        self.world = world
        a = world.org_a
        role_profiles_builtin_load()
        self.version = builtin_soms_version()
        self.users: dict[str, Any] = {
            Role.OWNER: world.alice,
            Role.ASSESSOR: world.dana,
            Role.MEMBER: world.charlie,
        }
        for role in (Role.ADMIN, Role.MANAGER):
            user = user_create(username=f"user-{role}", password=PASSWORD)
            membership_set(organisation=a, user=user, role=role, actor=world.alice)
            self.users[role] = user
        self.unit = unit_create(organisation=a, name="Operations", actor=None)
        self.team = team_create(organisation=a, name="Desk", unit=self.unit, actor=None)
        self.selves = {}
        for role, user in self.users.items():
            p = person_create(
                organisation=a,
                actor=None,
                employee_id=f"S-{role}",
                name=f"Self {role}",
                unit=self.unit,
                team=self.team,
            )
            Person.objects.filter(pk=p.pk).update(user=user)
            self.selves[role] = p
        self.element = Element.objects.get(version=self.version, code="delivery")
        self.level = Level.objects.get(version=self.version, code="practitioner")
        # Org B: one object of every kind, for the cross-organisation checks.
        b = world.org_b
        bu = unit_create(organisation=b, name="B unit", actor=None)
        bt = team_create(organisation=b, name="B team", unit=bu, actor=None)
        bp = person_create(organisation=b, actor=None, employee_id="B1", name="Bea", unit=bu)
        bprofile = role_profile_create(
            organisation=b, version=self.version, code="b-prof", name="B", actor=None
        )
        btarget = CoverageTarget.objects.create(
            organisation=b, unit=bu, element=self.element, level=self.level
        )
        bimport, _ = people_import_check(
            organisation=b,
            filename="b.csv",
            content=csv_bytes([["employee_id", "name"], ["B2", "Bo"]]),
            options=Options(),
            actor=None,
        )
        self.foreign = {
            "person": bp.pk,
            "self": bp.pk,
            "unit": bu.pk,
            "empty_unit": bu.pk,
            "team": bt.pk,
            "empty_team": bt.pk,
            "profile": bprofile.pk,
            "target": btarget.pk,
            "import": bimport.pk,
            "member": Membership.objects.get(organisation=b, user=world.bob).pk,
            "dup": bp.pk,
        }

    def ids(self, role: str) -> dict[str, int]:
        """Fresh targets for one request (a delete or erase must not starve the next role)."""
        a, n = self.world.org_a, next(_counter)
        person = person_create(
            organisation=a,
            actor=None,
            employee_id=f"T{n}",
            name=f"Target {n}",
            email=f"target{n}@example.org",
            unit=self.unit,
        )
        dup = person_create(organisation=a, actor=None, employee_id=f"D{n}", name=f"Dup {n}")
        profile = role_profile_create(
            organisation=a, version=self.version, code=f"prof-{n}", name=f"P{n}", actor=None
        )
        target = CoverageTarget.objects.create(
            organisation=a, unit=self.unit, element=self.element, level=self.level
        )
        record, _ = people_import_check(
            organisation=a,
            filename="ok.csv",
            content=csv_bytes([["employee_id", "name"], [f"I{n}", f"Imported {n}"]]),
            options=Options(),
            actor=None,
        )
        member_user = user_create(username=f"m{n}", email=f"m{n}@example.org", password=None)
        member = membership_set(organisation=a, user=member_user, role=Role.MEMBER, actor=None)
        empty_unit = unit_create(organisation=a, name=f"Empty {n}", actor=None)
        empty_team = team_create(organisation=a, name=f"Empty {n}", unit=None, actor=None)
        self.dup_emp = dup.employee_id
        self.dup_id = dup.pk
        self.n = n
        self.current = {
            "person": person,
            "unit": self.unit,
            "team": self.team,
            "profile": profile,
            "target": target,
            "member": member,
        }
        return {
            "person": person.pk,
            "self": self.selves[role].pk,
            "unit": self.unit.pk,
            "team": self.team.pk,
            "profile": profile.pk,
            "target": target.pk,
            "import": record.pk,
            "member": member.pk,
            "dup": dup.pk,
            "empty_unit": empty_unit.pk,
            "empty_team": empty_team.pk,
        }

    def revision(self, kind: str) -> int:
        """The stored revision of this request's target (edits send the revision they read)."""
        obj = self.current[kind]
        obj.refresh_from_db(fields=["revision"])
        return int(obj.revision)

    def body(self, key: str) -> tuple[Any, str | None]:
        n = self.n
        rev = self.revision
        forms: dict[str, Any] = {
            "person_form": {
                "employee_id": f"F{n}",
                "name": "Form person",
                "active": "on",
                "revision": rev("person"),
            },
            "merge_form": {"duplicate": self.dup_emp},
            "unit_form": {"name": f"Unit {n}", "revision": rev("unit")},
            "team_form": {"name": f"Team {n}", "unit": self.unit.pk},
            "team_edit_form": {"name": f"Desk {n}", "unit": self.unit.pk, "revision": rev("team")},
            "target_edit_form": {"level": self.level.pk, "minimum": 3, "revision": rev("target")},
            "profile_form": {"version": self.version.pk, "code": f"new-{n}", "name": "New profile"},
            "copy_form": {"copy-code": f"copy-{n}", "copy-name": "Copy"},
            "profile_edit_form": {
                "name": "Renamed",
                f"element-{self.element.pk}": self.level.pk,
                "revision": rev("profile"),
            },
            "target_form": {
                "where": f"unit:{self.unit.pk}",
                "element": self.element.pk,
                "level": self.level.pk,
                "minimum": 2,
            },
            "invite_form": {"email": f"new{n}@example.org", "role": "member"},
            "role_form": {"role": "assessor", "revision": rev("member")},
        }
        json_bodies: dict[str, Any] = {
            "person_json": {"employee_id": f"J{n}", "name": "Json person"},
            "person_patch": {"job_title": "Lead", "revision": rev("person")},
            "merge_json": {"duplicate_id": self.dup_id},
            "invite_person_json": {"role": "member"},
            "unit_json": {"name": f"Unit {n}"},
            "unit_patch": {"name": f"Ops {n}", "revision": rev("unit")},
            "team_json": {"name": f"Team {n}"},
            "team_patch": {"name": f"Desk {n}", "revision": rev("team")},
            "profile_json": {
                "code": f"api-{n}",
                "name": "Api",
                "version_id": self.version.pk,
                "requirements": [{"element": "delivery", "level": "practitioner"}],
            },
            "profile_patch": {"name": "Renamed", "revision": rev("profile")},
            "copy_json": {"code": f"api-copy-{n}"},
            "target_json": {
                "unit_id": self.unit.pk,
                "element_id": self.element.pk,
                "level_id": self.level.pk,
                "minimum": 2,
            },
            "target_patch": {"minimum": 3, "revision": rev("target")},
            "invite_json": {"email": f"api{n}@example.org", "role": "member"},
            "role_json": {"role": "assessor", "revision": rev("member")},
        }
        if key in forms:
            return forms[key], None
        if key in json_bodies:
            return json_bodies[key], "application/json"
        return None, None


def _request(client: Any, route: R, ids: dict[str, int], ctx: Ctx) -> Any:
    path = route.path.format(**ids)
    data, content_type = ctx.body(route.body) if route.body else (None, None)
    if route.body == "upload":
        from django.core.files.uploadedfile import SimpleUploadedFile

        f = SimpleUploadedFile(
            "hr.csv", csv_bytes([["employee_id", "name"], [f"U{ctx.n}", "Up"]]), "text/csv"
        )
        return client.post(path, {"file": f})
    call = getattr(client, route.method)
    if content_type:
        return call(path, data, content_type=content_type)
    if route.method == "post":
        return client.post(path, data or {})
    return call(path)


@pytest.fixture
def ctx(world: Any, builtin: Any) -> Ctx:
    return Ctx(world)


def test_every_route_is_in_the_table():
    pages = set()
    for p in people_urls.urlpatterns:
        assert isinstance(p, URLPattern)
        pages.add(str(p.pattern))
    covered_pages = set()
    for r in ROUTES:
        if r.kind == "page":
            covered_pages.add(r.path)
    import re

    def as_pattern(path: str) -> str:
        return re.sub(r"\{\w+\}", "X", path.lstrip("/"))

    normalised = {re.sub(r"<[^>]+>", "X", p) for p in pages if not p.startswith("invite/")}
    assert normalised == {as_pattern(p) for p in covered_pages}
    api_ops = set()
    for path, view in people_router.path_operations.items():
        for op in view.operations:
            for method in op.methods:
                api_ops.add((method.lower(), re.sub(r"\{[^}]+\}", "X", path)))
    covered_api = {
        (r.method, re.sub(r"\{\w+\}", "X", r.path.removeprefix("/api/v1"))) for r in ROUTES if r.kind == "api"
    }
    assert api_ops == covered_api
    assert {r.action for r in ROUTES} == set(PEOPLE_ACTIONS)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_each_role_gets_what_the_table_says(ctx, route):
    allowed = PERMISSIONS[route.action]
    for role in ROLE_ORDER:
        client = ctx.world.client_for(ctx.users[role], ctx.world.org_a)
        response = _request(client, route, ctx.ids(role), ctx)
        if role in allowed:
            assert response.status_code < 400, (role, response.status_code, response.content[:300])
        else:
            assert response.status_code == 403, (role, response.status_code, response.content[:300])


ID_ROUTES = [r for r in ROUTES if "{" in r.path]


@pytest.mark.parametrize("route", ID_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_another_organisations_id_answers_like_a_missing_one(ctx, route):
    client = ctx.world.client_for(ctx.world.alice, ctx.world.org_a)  # owner: every action allowed
    own = ctx.ids(Role.OWNER)
    foreign = {**own, **{k: v for k, v in ctx.foreign.items() if "{" + k + "}" in route.path}}
    missing = {**own, **{k: 2**62 for k in ctx.foreign if "{" + k + "}" in route.path}}
    a = _request(client, route, foreign, ctx)
    b = _request(client, route, missing, ctx)
    assert a.status_code == b.status_code == 404, (a.status_code, b.status_code)
    assert _without_csrf(a.content) == _without_csrf(b.content)


def _without_csrf(body: bytes) -> bytes:
    import re

    # Each page carries a freshly masked CSRF token; everything else must be byte for byte the same.
    return re.sub(
        rb'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"', b"", body
    )
