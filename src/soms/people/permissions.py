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
    "PERMISSIONS",
    "can",
    "roles_for",
]

# Granting, taking away or touching the owner role is for owners only, whatever the table says.
OWNER_ONLY_ROLES = frozenset({OWNER})
