"""The error types the capacity core raises for bad input (no NumPy here: edges import them cheaply).

The API layer maps it to a 4xx naming the field, so the reason must read well to a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from soms.core.problems import Invalid, Problem


class CapacityInputError(Invalid):
    """One of the house's problems (soms.core.problems), placed at the input's field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__([Problem((field,), reason)])
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class CsvIssue:
    row: int
    column: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


class DemandCsvError(CapacityInputError):
    """Every problem found in a demand file; ``issues`` lists them in file order."""

    def __init__(self, issues: list[CsvIssue]) -> None:
        super().__init__("file", f"{len(issues)} problem(s) in the demand file")
        self.issues = issues
