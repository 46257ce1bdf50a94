"""The people app's rows of the one permission table (soms.tenancy.permissions), and its scopes.

| action | owner | admin | assessor | manager | member |
| --- | --- | --- | --- | --- | --- |
| person.list | all | all | themself + asked to assess | themself + their subtree | themself + own team (names) |
| person.view | all | all | themself + asked to assess | themself + their subtree | themself |
| person.create, person.update, person.invite | yes | yes | – | – | – |
| person.export_data, person.erase, person.merge (privacy) | yes | yes | – | – | – |
| unit.view (the tree) | all | all | units of their scope | managed units and below + units of their scope | own unit |
| unit.manage, team.manage | yes | yes | – | – | – |
| people.import, people.export | yes | yes | – | – | – |
| role_profile.view | yes | yes | yes | yes | yes |
| role_profile.manage (own profiles; built-in ones are read-only) | yes | yes | – | – | – |
| coverage.view | yes | yes | yes | yes | – |
| coverage.manage | yes | yes | – | – | – |
| member.view, member.invite, member.change_role, member.remove | yes | yes | – | – | – |

Only an owner may make someone an owner, change an owner's role or remove an owner, and the last
owner can be neither demoted nor removed (soms.people.services.members). "Subtree" means the
people who report to the manager directly or not, and everyone in the units they manage and the
units below them (soms.people.access registers these scopes). tests/people/test_permissions.py walks
every route of this app against the table, role by role.
"""

from __future__ import annotations

# The people actions are rows of the one permission table (soms.tenancy.permissions), which every
# app shares; these names stay so the people code reads as it did.
from soms.tenancy.permissions import (
    ADMIN,
    ADMINS,
    ASSESSOR,
    EVERYONE,
    MANAGER,
    MEMBER,
    OWNER,
    PERMISSIONS,
    can,
    roles_for,
)

__all__ = [
    "ADMIN",
    "ADMINS",
    "ASSESSOR",
    "EVERYONE",
    "MANAGER",
    "MEMBER",
    "OWNER",
    "OWNER_ONLY_ROLES",
    "PEOPLE_ACTIONS",
    "PERMISSIONS",
    "can",
    "roles_for",
]

# Granting, taking away or touching the owner role is for owners only, whatever the table says.
OWNER_ONLY_ROLES = frozenset({OWNER})

# The rows of the table that the people app's routes perform (tests/people/test_permissions.py
# checks that its routes exercise exactly these).
PEOPLE_ACTIONS = frozenset(
    a
    for a in PERMISSIONS
    if a.split(".")[0] in {"person", "unit", "team", "people", "role_profile", "coverage", "member"}
)
