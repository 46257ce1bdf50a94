"""The people app's part of the permission table (held in soms.tenancy.permissions) and its scopes.

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
| members.read, members.invite, members.change_role, members.remove | yes | yes | – | – | – |

Only an owner may make someone an owner, change an owner's role or remove an owner, and the last
owner can be neither demoted nor removed (soms.people.services.members). "Subtree" means the
people who report to the manager directly or not, and everyone in the units they manage and the
units below them. tests/people/test_permissions.py walks every route of this app against the table.
"""

from __future__ import annotations

from soms.tenancy.models import Role
from soms.tenancy.permissions import ADMINS, PERMISSIONS, can, roles_for

PEOPLE_ACTIONS = frozenset(
    a
    for a in PERMISSIONS
    if a.split(".")[0] in {"person", "unit", "team", "people", "role_profile", "coverage", "members"}
)

# Granting, taking away or touching the owner role is for owners only, whatever the table says.
OWNER_ONLY_ROLES = frozenset({Role.OWNER})

__all__ = ["ADMINS", "OWNER_ONLY_ROLES", "PEOPLE_ACTIONS", "PERMISSIONS", "can", "roles_for"]
