"""Who may do what with people, structure, role profiles, imports and members: the table as data.

Every page, API route, CLI path and template asks `can(membership, action)`; the tests are generated
from this table (tests/people/test_permissions.py walks every action × role). Reading actions are
further narrowed by a *scope* (see `soms.people.access.people_scope`): the role says whether you may
look at people at all, the scope says which people.

| action | owner | admin | assessor | manager | member |
| --- | --- | --- | --- | --- | --- |
| person.list | all | all | asked to assess | their subtree | own team (names) |
| person.view | all | all | asked to assess | their subtree | themself |
"""

from __future__ import annotations

from typing import Any

from soms.tenancy.models import Role

OWNER, ADMIN, ASSESSOR, MANAGER, MEMBER = Role.OWNER, Role.ADMIN, Role.ASSESSOR, Role.MANAGER, Role.MEMBER
EVERYONE = frozenset({OWNER, ADMIN, ASSESSOR, MANAGER, MEMBER})
ADMINS = frozenset({OWNER, ADMIN})

PERMISSIONS: dict[str, frozenset[str]] = {
    # people (reads are scoped; see access.people_scope)
    "person.list": EVERYONE,
    "person.view": EVERYONE,
    "person.create": ADMINS,
    "person.update": ADMINS,
    "person.invite": ADMINS,
    # privacy: everything held about a person, erasure, merging duplicates
    "person.export_data": ADMINS,
    "person.erase": ADMINS,
    "person.merge": ADMINS,
    # structure (the tree is scoped like people)
    "unit.view": EVERYONE,
    "unit.manage": ADMINS,
    "team.manage": ADMINS,
    # HR files
    "people.import": ADMINS,
    "people.export": ADMINS,
    # role profiles and coverage targets
    "role_profile.view": EVERYONE,
    "role_profile.manage": ADMINS,
    "coverage.view": frozenset({OWNER, ADMIN, ASSESSOR, MANAGER}),
    "coverage.manage": ADMINS,
    # members of the organisation (logins), as opposed to people (HR records)
    "member.view": ADMINS,
    "member.invite": ADMINS,
    "member.change_role": ADMINS,
    "member.remove": ADMINS,
}

# Granting, taking away or touching the owner role is for owners only, whatever the table says.
OWNER_ONLY_ROLES = frozenset({OWNER})


def can(membership: Any, action: str) -> bool:
    """May this membership perform `action` at all (before scoping)? Unknown actions raise."""
    roles = PERMISSIONS[action]
    return membership is not None and membership.role in roles


def roles_for(action: str) -> frozenset[str]:
    return PERMISSIONS[action]
