"""The rules a person's values follow, whichever edge they come in by: the person form, the API
and the HR import all ask these functions, so what one accepts the others accept, and an export
of anything stored re-imports unchanged."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from soms.people.errors import PeopleInvalid

# The text fields of a person, each trimmed and stored on one line.
TEXT_FIELDS = ("employee_id", "name", "email", "job_title", "location")
# C0 and C1 control characters (line breaks and tabs included): no one types them into a name, a
# CSV cell cannot carry them back unchanged, and some break the page or the file they are shown in.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_MESSAGE = "must not contain control characters (line breaks, tabs and the like)"
EMAIL_MESSAGE = "not an e-mail address"


def text_problem(value: str) -> str | None:
    """Why a person's text value cannot be stored, or None."""
    return CONTROL_MESSAGE if CONTROL.search(value) else None


def email_problem(value: str) -> str | None:
    """Why `value` is no e-mail address (Django's rule, the one the form's EmailField applies)."""
    try:
        validate_email(value)
    except ValidationError:
        return EMAIL_MESSAGE
    return None


def clean_person_text(values: dict[str, Any]) -> None:
    """Trim the text fields given in `values` and refuse a bad one, naming its field."""
    for field in TEXT_FIELDS:
        if field not in values or values[field] is None:
            continue
        value = str(values[field]).strip()
        reason = text_problem(value)
        if reason is None and field == "email" and value:
            reason = email_problem(value)
        if reason is not None:
            raise PeopleInvalid(field, reason)
        values[field] = value


def team_problem(team: Any, unit: Any) -> str | None:
    """A team is part of one unit: the person holding it must be in that unit."""
    if team is None:
        return None
    if unit is None:
        return f"the team {team.name!r} is part of a unit and this person has none: choose their unit first"
    if team.unit_id != unit.pk:
        return f"the team {team.name!r} is not part of the unit {unit.name!r}: choose a team of the person's unit"
    return None


def team_unit_problem(team: Any, unit: Any, people: int) -> str | None:
    """A team's people are in the team's unit (`team_problem`), so moving a team moves them with
    it; a team that holds people cannot be left without a unit, for they could not follow."""
    if unit is None and people:
        held = "1 person" if people == 1 else f"{people} people"
        return (
            f"the team {team.name!r} has {held}, who are always in the team's unit: a team with "
            "people must be part of a unit (move them to another team first to leave it without one)"
        )
    return None
