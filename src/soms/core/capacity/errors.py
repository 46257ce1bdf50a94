"""The one error type the capacity core raises for bad input.

The API layer maps it to a 4xx naming the field, so the reason must read well to a person.
"""

from __future__ import annotations

from soms.core.problems import Invalid, Problem


class CapacityInputError(Invalid):
    """One of the house's problems (soms.core.problems), placed at the input's field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__([Problem((field,), reason)])
        self.field = field
        self.reason = reason
