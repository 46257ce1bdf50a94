"""Writes of saved toolkit results. Every edge (pages, API, CLI, demo) comes through here, and the
service computes the result itself from the validated input, so no edge can store a result that
does not follow from its inputs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from pydantic import BaseModel

from soms.tenancy.models import Membership, Organisation
from soms.tenancy.services import audit_log_write
from soms.toolkits.models.saved import SavedResult
from soms.toolkits.saved.kinds import SavedKind
from soms.toolkits.saved.selectors import saved_result_can_change


class ResultConflict(Exception):
    """The result changed since the caller read it; ``current`` is its revision now."""

    def __init__(self, current: int) -> None:
        super().__init__(f"it was changed by someone else (now at revision {current})")
        self.current = current


def _require_change(result: SavedResult, membership: Membership | None, label: str) -> None:
    if not saved_result_can_change(result=result, membership=membership):
        raise PermissionDenied(f"Only the person who saved this {label}, or an owner or admin, may change it")


def _extra(kind: SavedKind, inputs: BaseModel) -> dict[str, Any]:
    return {name: getattr(inputs, name) for name in kind.extra_fields}


@transaction.atomic
def saved_result_create(
    *,
    kind: SavedKind,
    organisation: Organisation,
    actor: User | None,
    name: str,
    inputs: BaseModel,
    description: str = "",
) -> SavedResult:
    """Compute and save; ``ToolkitInputError`` (nothing written) when the input does not hold."""
    stored, results = kind.compute(inputs, organisation)
    result = kind.model._default_manager.create(
        organisation=organisation,
        name=name.strip(),
        description=description.strip(),
        inputs=stored,
        results=results,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **_extra(kind, inputs),
    )
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action=f"{kind.model.RESULT_KIND}.create",
        obj=result,
        after={"name": result.name},
    )
    return result


@transaction.atomic
def saved_result_update(
    *,
    kind: SavedKind,
    result: SavedResult,
    membership: Membership | None,
    actor: User,
    revision: int,
    name: str,
    inputs: BaseModel,
    description: str = "",
) -> SavedResult:
    """Replace name, description and inputs (and recompute) if ``revision`` is still current."""
    _require_change(result, membership, kind.label)
    locked = kind.model._default_manager.select_for_update().get(pk=result.pk)
    if locked.revision != revision:
        raise ResultConflict(locked.revision)
    stored, results = kind.compute(inputs, locked.organisation)
    extra = _extra(kind, inputs)
    name, description = name.strip(), description.strip()
    if (
        locked.name == name
        and locked.description == description
        and locked.inputs == stored
        and all(getattr(locked, k) == v for k, v in extra.items())
    ):
        return locked
    before = {"name": locked.name, "revision": locked.revision}
    locked.name, locked.description, locked.inputs, locked.results = name, description, stored, results
    for k, v in extra.items():
        setattr(locked, k, v)
    locked.revision += 1
    locked.save()
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action=f"{kind.model.RESULT_KIND}.update",
        obj=locked,
        before=before,
        after={"name": name, "revision": locked.revision},
    )
    return locked


@transaction.atomic
def saved_result_delete(
    *,
    kind: SavedKind,
    result: SavedResult,
    membership: Membership | None,
    actor: User,
    revision: int | None = None,
) -> None:
    _require_change(result, membership, kind.label)
    locked = kind.model._default_manager.select_for_update().get(pk=result.pk)
    if revision is not None and locked.revision != revision:
        raise ResultConflict(locked.revision)
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action=f"{kind.model.RESULT_KIND}.delete",
        obj=locked,
        before={"name": locked.name, "revision": locked.revision},
    )
    locked.delete()
