"""What an import says when a file is wrong: one problem per fault, each with its place.

Pages, the API and the command line all show the same list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

# Past this many the rest are summarised: nobody reads ten thousand messages about one bad column.
MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Problem:
    # Where: "line 12, column 3", "row 7, column level_rank", "CFItems[3].fullStatement" ...
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message

    def as_dict(self) -> dict[str, str]:
        return {"loc": self.location, "msg": self.message}


class FrameworkImportError(Exception):
    """The file cannot be imported; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        problems = list(problems)
        if len(problems) > MAX_PROBLEMS:
            rest = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], Problem("", f"… and {rest} more problems")]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class FileTooLarge(FrameworkImportError):
    """Refused before parsing: the file is above settings.SOMS_MAX_UPLOAD_BYTES."""


def json_path(loc: Iterable[str | int]) -> str:
    """('elements', 2, 'statements', 0, 'text') -> 'elements[2].statements[0].text'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def problems_from_validation(
    error: ValidationError, locate: Callable[[tuple[str | int, ...]], str] | None = None
) -> list[Problem]:
    """One Problem per pydantic error; `locate` turns a document path into the file's own place."""
    problems = []
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        problems.append(Problem(locate(loc) if locate else json_path(loc), message))
    return problems
