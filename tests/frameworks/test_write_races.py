"""Two requests that both pass a uniqueness pre-check: the second answers with the same conflict as
if it had come later, not with a server error.

No threads: the race is simulated by letting the "other request" insert its row just before this
one's insert, after the pre-check has already looked (and found nothing).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.db.models import QuerySet

from soms.frameworks import io
from soms.frameworks.io import dump_yaml
from soms.frameworks.models import Framework, FrameworkVersion
from soms.frameworks.services.authoring import (
    InvalidField,
    framework_create,
    framework_version_draft_create,
    version_publish,
)
from soms.frameworks.services.exchange import framework_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_request_first(monkeypatch):
    """Once the service's uniqueness pre-check on `model` has answered (an `exists()` query made
    by one of `callers`), `insert()` runs: the competing request's row, stored after this request
    looked and before it inserts."""

    def arrange(model: type[Any], callers: set[str], insert: Callable[[], Any]) -> None:
        original = QuerySet.exists
        pending = [insert]

        def exists(self: QuerySet[Any]) -> bool:
            answer = original(self)
            if pending and self.model is model and sys._getframe(1).f_code.co_name in callers:
                pending.pop()()
            return answer

        monkeypatch.setattr(QuerySet, "exists", exists)

    return arrange


def test_a_framework_code_taken_meanwhile_is_a_conflict_on_the_code(world, other_request_first):
    other_request_first(
        Framework,
        {"framework_code_taken", "framework_create"},
        lambda: Framework.objects.create(organisation=world.org_a, code="ops", name="Theirs", kind="skills"),
    )
    with transaction.atomic():
        with pytest.raises(InvalidField) as info:
            framework_create(
                organisation=world.org_a,
                actor=world.alice,
                code="ops",
                name="Ours",
                description="",
                kind="skills",
                label="1",
            )
        assert info.value.field == "code" and "already has a framework with code 'ops'" in info.value.message
        # The caller's transaction is still usable, and nothing of this request was written. (The
        # simulated competitor wrote inside the service's transaction, so it is rolled back too.)
        assert not Framework.objects.filter(name="Ours").exists()


def test_a_draft_label_taken_meanwhile_is_a_conflict_on_the_label(world, draft, other_request_first):
    published = version_publish(version=draft, expected_revision=draft.revision, actor=world.alice)
    other_request_first(
        FrameworkVersion,
        {"version_label_taken", "framework_version_draft_create"},
        lambda: FrameworkVersion.objects.create(framework=draft.framework, label="2", rules=draft.rules),
    )
    with pytest.raises(InvalidField) as info:
        framework_version_draft_create(
            framework=draft.framework, base=published, label="2", actor=world.alice
        )
    assert info.value.field == "label" and "already has a version labelled '2'" in info.value.message
    # All or nothing: the service's transaction (the simulated competitor's row with it) is rolled back.
    assert not draft.framework.versions.filter(label="2").exists()


def test_an_import_label_taken_meanwhile_is_a_problem_on_the_label(world, capability, other_request_first):
    data = dump_yaml(capability)
    first = framework_import(organisation=world.org_a, actor=world.alice, data=data, filename="c.yaml")
    newer = dump_yaml(
        capability.model_copy(update={"version": capability.version.model_copy(update={"label": "9"})})
    )
    # services_io's own pre-check answers first (label free); the race is with the insert behind it.
    other_request_first(
        FrameworkVersion,
        {"version_label_taken", "framework_version_create_from_document"},
        lambda: FrameworkVersion.objects.create(framework=first.framework, label="9", rules=first.rules),
    )
    with pytest.raises(io.FrameworkImportError) as info:
        framework_import(organisation=world.org_a, actor=world.alice, data=newer, filename="c.yaml")
    [problem] = info.value.problems
    assert problem.location == "version.label" and "already has a version '9'" in problem.message
    assert not first.framework.versions.filter(label="9").exists()
