"""Writes of capacity studies. Pages, API, CLI and demo all come through here."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from soms.tenancy.models import Membership, Organisation
from soms.tenancy.services import audit_log_write
from soms.toolkits.capacity.selectors import capacity_study_can_change
from soms.toolkits.models.capacity import CapacityStudy


class StudyConflict(Exception):
    """The study changed since the caller read it; ``current`` is its revision now."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the study was changed by someone else (now at revision {current})")
        self.current = current


def _require_change(study: CapacityStudy, membership: Membership | None) -> None:
    if not capacity_study_can_change(study=study, membership=membership):
        raise PermissionDenied("Only the person who saved this study, or an owner or admin, may change it")


@transaction.atomic
def capacity_study_create(
    *,
    organisation: Organisation,
    actor: User | None,
    name: str,
    kind: str,
    inputs: dict[str, Any],
    results: dict[str, Any],
    description: str = "",
) -> CapacityStudy:
    study = CapacityStudy.objects.create(
        organisation=organisation,
        name=name.strip(),
        description=description.strip(),
        kind=kind,
        inputs=inputs,
        results=results,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="capacity_study.create",
        obj=study,
        after={"name": study.name, "kind": kind},
    )
    return study


@transaction.atomic
def capacity_study_rename(
    *,
    study: CapacityStudy,
    membership: Membership | None,
    actor: User,
    name: str,
    revision: int,
) -> CapacityStudy:
    """Rename if ``revision`` is still current; ``StudyConflict`` if someone changed it meanwhile."""
    _require_change(study, membership)
    locked = CapacityStudy.objects.select_for_update().get(pk=study.pk)
    if locked.revision != revision:
        raise StudyConflict(locked.revision)
    name = name.strip()
    if locked.name == name:
        return locked
    before = {"name": locked.name, "revision": locked.revision}
    locked.name = name
    locked.revision += 1
    locked.save(update_fields=["name", "revision", "updated_at"])
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="capacity_study.rename",
        obj=locked,
        before=before,
        after={"name": name, "revision": locked.revision},
    )
    return locked


@transaction.atomic
def capacity_study_delete(
    *,
    study: CapacityStudy,
    membership: Membership | None,
    actor: User,
    revision: int | None = None,
) -> None:
    """Delete; with ``revision`` given, only if nobody changed the study since it was read."""
    _require_change(study, membership)
    locked = CapacityStudy.objects.select_for_update().get(pk=study.pk)
    if revision is not None and locked.revision != revision:
        raise StudyConflict(locked.revision)
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="capacity_study.delete",
        obj=locked,
        before={"name": locked.name, "kind": locked.kind, "revision": locked.revision},
    )
    locked.delete()
