"""The demo organisations: realistic data so a newcomer sees every feature working.

`seed_demo()` is idempotent. Each app may add its own demo data with a `demo.py` module that
defines `seed(ctx: DemoContext) -> None`; they run in INSTALLED_APPS order.
"""

from __future__ import annotations

import importlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction

from soms.audit.services.templates import builtin_audit_templates_load
from soms.frameworks.services.versions import builtin_frameworks_load
from soms.tenancy.models import Organisation, Role
from soms.tenancy.services import membership_set, organisation_create, user_create

ADMIN_USERNAME = "admin"

ORGANISATIONS = {
    "harbourside": "Harbourside Insurance — Claims Operations",
    "northgate": "Northgate Council — Customer Services",
}

# username: (first, last, {organisation key: role})
PEOPLE: dict[str, tuple[str, str, dict[str, str]]] = {
    "priya.raman": ("Priya", "Raman", {"harbourside": Role.MANAGER}),
    "grace.liu": ("Grace", "Liu", {"harbourside": Role.ASSESSOR, "northgate": Role.ASSESSOR}),
    "tom.okafor": ("Tom", "Okafor", {"harbourside": Role.MEMBER}),
    "sam.hughes": ("Sam", "Hughes", {"harbourside": Role.MEMBER}),
    "lena.fischer": ("Lena", "Fischer", {"harbourside": Role.ADMIN}),
    "aisha.bello": ("Aisha", "Bello", {"northgate": Role.MANAGER}),
    "dan.moore": ("Dan", "Moore", {"northgate": Role.MEMBER}),
}


# Demo logins that sign in with the admin's password (set when the demo admin is first created):
# in each organisation a manager who sees their subtree and a member; a coach in both; a second
# admin at Harbourside. sam.hughes keeps no password: a person whose login was never used.
DEMO_LOGINS = {
    "priya.raman": "manager, Harbourside",
    "tom.okafor": "member, Harbourside",
    "grace.liu": "coach in both",
    "lena.fischer": "admin, Harbourside",
    "aisha.bello": "manager, Northgate",
    "dan.moore": "member, Northgate",
}


@dataclass
class DemoContext:
    organisations: dict[str, Organisation]
    users: dict[str, Any]
    admin: Any
    created: bool
    notes: list[str] = field(default_factory=list)


@dataclass
class DemoResult:
    admin_username: str
    admin_password: str | None  # only when the admin was created by this run
    organisations: list[str]
    notes: list[str]


@transaction.atomic
def seed_demo() -> DemoResult:
    builtin_frameworks_load()
    builtin_audit_templates_load()
    User = get_user_model()
    admin = User.objects.filter(username=ADMIN_USERNAME).first()
    password = None
    if admin is None:
        password = secrets.token_urlsafe(12)
        admin = user_create(
            username=ADMIN_USERNAME,
            email="admin@example.org",
            password=password,
            first_name="Alex",
            last_name="Admin",
        )
    organisations: dict[str, Organisation] = {}
    created = False
    for key, name in ORGANISATIONS.items():
        org = Organisation.objects.filter(name=name).first()
        if org is None:
            org = organisation_create(name=name, owner=None, actor=None)
            created = True
        organisations[key] = org
    membership_set(organisation=organisations["harbourside"], user=admin, role=Role.OWNER, actor=None)
    # The admin owns both organisations, so each can be administered (and compared) from one login.
    membership_set(organisation=organisations["northgate"], user=admin, role=Role.OWNER, actor=None)
    users = {ADMIN_USERNAME: admin}
    for username, (first, last, roles) in PEOPLE.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                email=f"{username}@example.org",
                password=password if username in DEMO_LOGINS else None,
                first_name=first,
                last_name=last,
            )
        users[username] = user
        for key, role in roles.items():
            if not user.memberships.filter(organisation=organisations[key]).exists():
                membership_set(organisation=organisations[key], user=user, role=role, actor=None)
    ctx = DemoContext(organisations=organisations, users=users, admin=admin, created=created)
    for config in apps.get_app_configs():
        if not config.name.startswith("soms."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        module.seed(ctx)
    return DemoResult(
        admin_username=ADMIN_USERNAME,
        admin_password=password,
        organisations=[o.name for o in organisations.values()],
        notes=ctx.notes,
    )
