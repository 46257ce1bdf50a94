"""Who may do what: the permission table, as data, and the one function that answers from it.

Every question "may this member do X (to this object)?" is answered by `can`: views (through
`role_required`), the API, services, templates (`{% can "action" obj as ok %}`, from
`soms.tenancy.templatetags.permissions`) all ask it, so the answer cannot drift between them.

- `PERMISSIONS` maps an action name to the roles that may do it at all. Adding an action is one
  line here (and one row in docs/permissions.md, which a test checks against this table).
- Some actions also depend on the object (a draft of the member's own framework, a study they
  made). The app that owns the object registers that condition with `@object_rule("action")` in its
  `access.py`; tenancy itself knows nothing of frameworks or studies.
- Scopes (which rows of a kind a member may see, e.g. a manager's part of the organisation tree)
  are `Q` filters registered with `@scope_rule("action")` and read with `scope(membership,
  action)`; without a rule the scope is the whole organisation (`Q()`).

The table is about roles inside the member's *own* organisation. Whether an object belongs to that
organisation at all is the access helpers' job (`soms.tenancy.access`), which answer 404 for other
organisations' objects before any role is considered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q

from soms.tenancy.models import Membership, Role

OWNER, ADMIN, ASSESSOR, MANAGER, MEMBER = Role.OWNER, Role.ADMIN, Role.ASSESSOR, Role.MANAGER, Role.MEMBER
ADMINS = frozenset({OWNER, ADMIN})
EVERYONE = frozenset(Role)

# action → roles that may do it. Keep the names `<thing>.<verb>`; docs/permissions.md lists them
# in this order (tests/tenancy/test_permissions.py compares the two and prints the table to paste).
PERMISSIONS: dict[str, frozenset[Role]] = {
    # organisations
    "organisation.administer": ADMINS,
    "audit_log.read": ADMINS,
    "api_token.manage": EVERYONE,
    # frameworks (object rules in soms.frameworks.access)
    "framework.read": EVERYONE,
    # Drafts, comparisons with a draft and draft exports: the authors' work in progress.
    "framework_version.read_draft": ADMINS,
    "framework.create": ADMINS,
    "framework.import": ADMINS,
    "framework_version.author": ADMINS,
    "framework_version.adapt": ADMINS,
    # toolkits (object rules in soms.toolkits.access)
    "capacity_study.read": EVERYONE,
    "capacity_study.create": EVERYONE,
    "capacity_study.change": EVERYONE,
    "capacity_study.change_any": ADMINS,
    "saved_result.read": EVERYONE,
    "saved_result.create": EVERYONE,
    "saved_result.change": EVERYONE,
    "saved_result.change_any": ADMINS,
    "kpi.read": EVERYONE,
    "kpi.manage": frozenset({OWNER, ADMIN, MANAGER}),
    # service audits (object rules in soms.audit.access)
    "audit_template.read": EVERYONE,
    "audit_template.author": ADMINS,
    "audit.read": EVERYONE,
    "audit.create": frozenset({OWNER, ADMIN, ASSESSOR}),
    "audit.lead": frozenset({OWNER, ADMIN, ASSESSOR}),
    "audit.respond": EVERYONE,
    # people (reads are scoped; see soms.people.access.people_scope)
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
    # assessments (object rules and scopes in soms.assessments.access)
    "assessment.view": EVERYONE,
    "assessment.start_self": EVERYONE,
    "assessment.start": frozenset({OWNER, ADMIN, ASSESSOR, MANAGER}),
    "assessment.edit": EVERYONE,
    "assessment.review": frozenset({OWNER, ADMIN, ASSESSOR, MANAGER}),
    "assessment.import": ADMINS,
    "evidence.view": EVERYONE,
    "evidence.add": EVERYONE,
    "project.view": EVERYONE,
    "project.manage": EVERYONE,
    "project.review": frozenset({OWNER, ADMIN, ASSESSOR, MANAGER}),
    "project.import": ADMINS,
    "attainment.view": EVERYONE,
    "attainment.manage": ADMINS,
    # insights: gaps, coverage, development plans (scoped like people; soms.insights.access)
    "insights.view": EVERYONE,
    "insights.export": frozenset({OWNER, ADMIN, ASSESSOR, MANAGER}),
    "development.view": EVERYONE,
    "development.manage": EVERYONE,
}

ObjectRule = Callable[[Membership, Any], bool]
ScopeRule = Callable[[Membership], Q]

# What apps register: the object condition of an action, and the scope of a read.
_OBJECT_RULES: dict[str, ObjectRule] = {}
_SCOPE_RULES: dict[str, ScopeRule] = {}


class UnknownAction(LookupError):
    """An action that is not in the table: a typo must fail loudly, never mean "allowed"."""


def roles_for(action: str) -> frozenset[Role]:
    try:
        return PERMISSIONS[action]
    except KeyError:
        raise UnknownAction(f"{action!r} is not in soms.tenancy.permissions.PERMISSIONS") from None


def can(membership: Membership | None, action: str, obj: Any = None) -> bool:
    """May `membership` do `action` (to `obj`, when the action depends on the object)?

    False for no membership. With `obj`, the object condition the owning app registered for the
    action must hold as well; without `obj` only the role is asked (what a page uses to decide
    whether to show a control before it has an object, and what decorators check before lookup).
    """
    allowed = roles_for(action)
    if membership is None or membership.role not in allowed:
        return False
    if obj is None:
        return True
    rule = _OBJECT_RULES.get(action)
    return rule is None or rule(membership, obj)


def object_rule(action: str) -> Callable[[ObjectRule], ObjectRule]:
    """Register the condition on the object that `action` needs besides the role."""
    roles_for(action)

    def register(rule: ObjectRule) -> ObjectRule:
        _OBJECT_RULES[action] = rule
        return rule

    return register


def scope_rule(action: str) -> Callable[[ScopeRule], ScopeRule]:
    """Register the `Q` filter that narrows what `action` reaches for a member (hook for scopes)."""
    roles_for(action)

    def register(rule: ScopeRule) -> ScopeRule:
        _SCOPE_RULES[action] = rule
        return rule

    return register


def scope(membership: Membership, action: str) -> Q:
    """The rows of the member's organisation `action` reaches: `Q()` (all) unless a rule narrows it."""
    roles_for(action)
    rule = _SCOPE_RULES.get(action)
    return Q() if rule is None else rule(membership)
