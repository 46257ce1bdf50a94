"""The one shape of "this input is wrong": a problem names its place, says what is wrong, and has a type.

Every edge shows the same objects: the API as its 422 body (`{"detail": [{loc, msg, type}]}`, the
`ErrorOut` of the OpenAPI document), pages as form errors, the command line as lines of text. Services
and the pure core raise `Invalid`; each edge only decides where the places are rooted (`body.payload`,
a form field, a file).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# A place as a path: ("body", "payload", "inputs", "aht"), ("levels", 2, "code"), or for a file the
# place as a person finds it, ("file", "row 7, column level_rank").
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    loc: Loc
    msg: str
    type: str = "value_error"

    @classmethod
    def at(cls, place: str, msg: str, type: str = "value_error") -> Problem:
        """A problem at a place written for people ("line 12, column 3"); "" is the whole input."""
        return cls((place,) if place else (), msg, type)

    @property
    def location(self) -> str:
        """The place as people read it: elements[2].statements[0].text."""
        return path_text(self.loc)

    @property
    def message(self) -> str:
        return self.msg

    def within(self, *prefix: str | int) -> Problem:
        return Problem((*prefix, *self.loc), self.msg, self.type)

    def as_dict(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}

    def __str__(self) -> str:
        return f"{self.location}: {self.msg}" if self.loc else self.msg


class Invalid(ValueError):
    """Input that cannot be taken, with every problem found. Nothing was written."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def for_field(cls, field: str, msg: str, type: str = "value_error") -> Invalid:
        # Not named `field`: the subclasses keep the field they name in an attribute of that name.
        return cls([Problem(tuple(field.split(".")) if field else (), msg, type)])

    def within(self, *prefix: str | int) -> Invalid:
        """The same problems, placed under `prefix` (where the edge received the input)."""
        return Invalid(p.within(*prefix) for p in self.problems)


def path_text(loc: Iterable[str | int]) -> str:
    """('elements', 2, 'statements', 0, 'text') -> 'elements[2].statements[0].text'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def path_loc(text: str) -> Loc:
    """'elements[2].statements[0].text' -> ('elements', 2, 'statements', 0, 'text'); path_text's inverse."""
    loc: list[str | int] = []
    for part in text.replace("[", ".[").split("."):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            loc.append(int(part[1:-1]))
        elif part:
            loc.append(part)
    return tuple(loc)
