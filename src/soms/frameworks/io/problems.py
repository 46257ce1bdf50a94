"""What an import says when a file is wrong: one problem per fault, each with its place.

The problems are the house's one problem type (`soms.core.problems`), placed as a person finds them in
the file ("line 12, column 3", "row 7, column level_rank", "CFItems[3].fullStatement"). Pages, the API
and the command line all show the same list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import ValidationError

from soms.core.problems import Invalid, Problem
from soms.core.problems import path_text as json_path

# Past this many the rest are summarised: nobody reads ten thousand messages about one bad column.
MAX_PROBLEMS = 100

__all__ = ["MAX_PROBLEMS", "FileTooLarge", "FrameworkImportError", "Problem", "json_path"]


class FrameworkImportError(Invalid):
    """The file cannot be imported; nothing was written."""

    def __init__(self, problems: Sequence[Problem], *, help: Sequence[str] = ()) -> None:
        problems = list(problems)
        if len(problems) > MAX_PROBLEMS:
            rest = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], Problem.at("", f"… and {rest} more problems")]
        super().__init__(problems)
        # What helps to fix the problems without being one (the columns a CSV may have): shown
        # beside the list on the page and after it on the command line.
        self.help = list(help)


class FileTooLarge(FrameworkImportError):
    """Refused before parsing: the file is above settings.SOMS_MAX_UPLOAD_BYTES."""


def problems_from_validation(
    error: ValidationError, locate: Callable[[tuple[str | int, ...]], str] | None = None
) -> list[Problem]:
    """One Problem per pydantic error; `locate` turns a document path into the file's own place."""
    problems = []
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        problems.append(Problem.at(locate(loc), message) if locate else Problem(loc, message))
    return problems
