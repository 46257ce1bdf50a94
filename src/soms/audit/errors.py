"""What audit services raise besides `Invalid` (bad input, 422)."""

from __future__ import annotations


class AuditConflict(Exception):
    """Well formed, but it clashes with what is stored (a closed audit, answers already submitted,
    a published template, a stale revision, a respondent added twice): 409."""

    def __init__(self, message: str, current: int | None = None) -> None:
        super().__init__(message)
        self.current = current


class LinkExpired(Exception):
    """A respondent's personal link that no longer works (expired, or the audit closed)."""
