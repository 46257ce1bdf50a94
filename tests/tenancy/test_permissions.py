"""The permission table: docs/permissions.md shows exactly the table in soms.tenancy.permissions,
and `can` answers from it (role first, then the object rule the owning app registered)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from soms.tenancy.models import Membership, Role
from soms.tenancy.permissions import _OBJECT_RULES, PERMISSIONS, UnknownAction, can, scope

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
ROLES = [Role.OWNER, Role.ADMIN, Role.ASSESSOR, Role.MANAGER, Role.MEMBER]


def table() -> str:
    head = "| action | " + " | ".join(r.label for r in ROLES) + " | also needs |"
    rule = "| --- |" + " --- |" * (len(ROLES) + 1)
    rows = []
    for action, roles in PERMISSIONS.items():
        check = _OBJECT_RULES.get(action)
        also = " ".join((check.__doc__ or "").split()) if check else ""
        rows.append(
            f"| `{action}` | " + " | ".join("yes" if r in roles else "" for r in ROLES) + f" | {also} |"
        )
    return "\n".join([head, rule, *rows])


def test_the_documented_table_is_the_table_in_the_code() -> None:
    text = DOC.read_text()
    start, end = "<!-- table: begin -->\n", "\n<!-- table: end -->"
    documented = text[text.index(start) + len(start) : text.index(end)]
    assert documented == table(), "docs/permissions.md is out of date; its table should read:\n" + table()


def test_unknown_actions_fail_loudly() -> None:
    with pytest.raises(UnknownAction):
        can(None, "framework.destroy")


@pytest.mark.parametrize("role", ROLES)
def test_can_answers_the_table_for_each_role(role: Role) -> None:
    membership = Membership(role=role, organisation_id=1, user_id=1)
    for action, roles in PERMISSIONS.items():
        assert can(membership, action) is (role in roles)
    assert not can(None, "framework.read")


def test_the_object_rule_narrows_the_role() -> None:
    from soms.frameworks.models import Framework, FrameworkVersion

    admin = Membership(role=Role.ADMIN, organisation_id=1, user_id=1)
    own_draft = FrameworkVersion(framework=Framework(organisation_id=1), status="draft")
    theirs = FrameworkVersion(framework=Framework(organisation_id=2), status="draft")
    assert can(admin, "framework_version.author", own_draft)
    assert not can(admin, "framework_version.author", theirs)
    assert not can(Membership(role=Role.MEMBER, organisation_id=1), "framework_version.author", own_draft)


def test_scope_is_the_whole_organisation_unless_a_rule_narrows_it() -> None:
    from django.db.models import Q

    member: Any = Membership(role=Role.MEMBER, organisation_id=1, user_id=1)
    assert scope(member, "capacity_study.read") == Q()
