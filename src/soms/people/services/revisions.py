"""Revisions: nothing a user typed is lost to a concurrent edit.

Every row a person edits on a page or through the API (a person, an org unit, a team, a role
profile with its requirements, a coverage target, a membership) carries `revision`, which goes up
by one with each change that writes it. A page form and an API write send the revision they read;
the service locks the row and refuses a stale one with `StaleRevision` (a 409 on the API, the form
shown again with the user's values on a page), also when the write would change nothing, because
the client's picture of the row is out of date either way. Services called without a revision (the
shell, the demo) skip the check but still move the revision on, and so does the HR import for every
row it changes, so an edit started before an import is refused too.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F

from soms.people.errors import StaleRevision

__all__ = ["StaleRevision", "bump_revision", "check_revision"]


def check_revision(obj: Any, expected: int | None, what: str) -> None:
    """Refuse a stale `expected` for `obj`, a row the caller has just locked (None skips the check)."""
    if expected is not None and obj.revision != expected:
        raise StaleRevision(what, expected, obj.revision)


def bump_revision(obj: Any, what: str) -> None:
    """Move `obj`'s revision on by one, compare-and-set: on a database that ignores SELECT … FOR
    UPDATE (SQLite), only one of two writers that read the same revision gets through."""
    model = type(obj)
    updated = model._base_manager.filter(pk=obj.pk, revision=obj.revision).update(revision=F("revision") + 1)
    if updated != 1:
        current = model._base_manager.filter(pk=obj.pk).values_list("revision", flat=True).first()
        raise StaleRevision(what, obj.revision, current or 0)
    obj.revision += 1
