"""The one error type the capacity core raises for bad input.

The API layer maps it to a 4xx naming the field, so the reason must read well to a person.
"""

from __future__ import annotations


class CapacityInputError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
