"""What the people services raise: pages turn these into form errors, the API into 422 / 409."""

from __future__ import annotations


class PeopleInvalid(ValueError):
    """Bad input that a form or schema could not see (it depends on stored data)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class PeopleConflict(Exception):
    """The request is well formed but clashes with what is stored (last owner, already a member)."""
