"""What the people services raise: pages turn these into form errors, the API into 422 / 409."""

from __future__ import annotations

from soms.core.problems import Invalid, Problem


class PeopleInvalid(Invalid):
    """Bad input that a form or schema could not see (it depends on stored data); one of the
    house's problems (soms.core.problems), placed at the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__([Problem((field,) if field else (), message)])
        self.field = field
        self.message = message


class PeopleConflict(Exception):
    """The request is well formed but clashes with what is stored (last owner, already a member)."""


class StaleRevision(PeopleConflict):
    """The row changed since the caller read it; `current` is its revision now."""

    def __init__(self, what: str, expected: int, current: int) -> None:
        super().__init__(
            f"{what} was changed by someone else since you read it (you had revision {expected}, it is "
            f"now at {current}); nothing was saved. Read it again and send its current revision."
        )
        self.expected = expected
        self.current = current
