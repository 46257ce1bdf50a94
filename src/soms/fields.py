"""Field types every edge shares: API schemas, forms and the command line take the same input the same way.

- names and labels are trimmed and must hold something besides spaces;
- ids are positive and fit the database's 64-bit keys (a larger one is a 422, never an overflow);
- text never holds a NUL character (PostgreSQL cannot store one, and no person types one) and has
  a maximum length;
- fractions, percentages and durations have their units in their names.

`Input` is the base of every API input schema and `SomsForm` of every form: each refuses a NUL
character in any string it receives, naming the field, so no field can forget to.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Union, get_args, get_origin

from django import forms
from ninja import Schema
from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from soms.core.problems import Invalid, Problem
from soms.core.safeload import check_data
from soms.limits import MAX_STATEMENT_LENGTH

# The largest primary key the database has (a signed 64-bit integer).
MAX_ID = 2**63 - 1
# The largest `offset` a paged list accepts: far past any real list, far below an overflow.
MAX_OFFSET = 10**9
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# Lengths people's text may have; the models' max_length match.
CODE_MAX = 80
LABEL_MAX = 40
NAME_MAX = 200
SHORT_NAME_MAX = 120
DESCRIPTION_MAX = 10_000
FILENAME_MAX = 200

# "Contains a non-space character": JSON Schema patterns are unanchored, and a minLength of 1 would
# promise that "   " is accepted.
NON_BLANK = r"\S"


Name = Annotated[str, StringConstraints(strip_whitespace=True, pattern=NON_BLANK, max_length=NAME_MAX)]
ShortName = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=NON_BLANK, max_length=SHORT_NAME_MAX)
]
Label = Annotated[str, StringConstraints(strip_whitespace=True, pattern=NON_BLANK, max_length=LABEL_MAX)]
StatementText = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=NON_BLANK, max_length=MAX_STATEMENT_LENGTH)
]
OptionalName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=SHORT_NAME_MAX)]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX)]
Filename = Annotated[str, StringConstraints(max_length=FILENAME_MAX)]
# Codes are identifiers: taken exactly as sent, so the pattern the schema shows is the whole rule.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=CODE_MAX)]
StatementCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=CODE_MAX)
]

Fraction = Annotated[float, Field(ge=0, le=1)]
Percent = Annotated[float, Field(ge=0, le=100)]
Seconds = Annotated[float, Field(ge=0, le=86_400)]

NUL_MESSAGE = "must not contain NUL characters (\\u0000)"


def nul_problem(value: Any) -> str | None:
    """Why `value` (a string, or lists and mappings of them) cannot be taken, or None."""
    try:
        check_data(value)
    except Invalid as exc:
        problem = exc.problems[0]
        return f"{problem.location}: {problem.msg}" if problem.loc else problem.msg
    return None


class NulFree(BaseModel):
    """Refuses NUL in every string field (and inside lists and mappings), with the field's place."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str | list | dict):
            reason = nul_problem(value)
            if reason is not None:
                raise PydanticCustomError("string_nul", reason)
        return value


def _numbers_only(annotation: Any) -> bool:
    """Whether a field's type is a number (or a number or None), so that a bool is no value of it."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _numbers_only(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        kinds = [a for a in get_args(annotation) if a is not type(None)]
        return bool(kinds) and all(_numbers_only(a) for a in kinds)
    return annotation in (int, float)


class NoBoolNumbers(BaseModel):
    """Refuses JSON `true`/`false` where a number is asked for. Pydantic reads them as 1 and 0, so
    `"person_id": true` would name whoever holds id 1 and `"revision": true` would pass as revision 1."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and _numbers_only(field.annotation):
            raise PydanticCustomError("int_type", "Input should be a number, not true or false")
        return value


class Input(Schema, NulFree, NoBoolNumbers):
    """Base of the API's input schemas."""


def _guard_ids(field: forms.ModelChoiceField[Any]) -> None:
    """An id past what the database holds is "not a valid choice", like any unknown id, instead of
    reaching the query (SQLite raises OverflowError past 2**63 - 1: a 500)."""
    if field.to_field_name not in (None, "pk", "id"):
        return
    clean = field.clean

    def guarded(value: Any) -> Any:
        for v in value if isinstance(value, list | tuple) else [value]:
            text = str(v).strip() if v is not None else ""
            if text.lstrip("-").isdigit() and (len(text) > 19 or abs(int(text)) > MAX_ID):
                raise forms.ValidationError(
                    field.error_messages["invalid_choice"], code="invalid_choice", params={"value": text[:30]}
                )
        return clean(value)

    field.clean = guarded  # type: ignore[method-assign]
    field._id_guarded = True  # type: ignore[attr-defined]


class IsoDateInput(forms.DateInput):
    """`<input type="date">` whose value is always written YYYY-MM-DD.

    Browsers read only ISO dates in a date input; Django would otherwise render the value in the
    locale's first input format (en-GB: dd/mm/yyyy), which the browser shows as empty, so saving the
    form again would clear the date. Every date field of a form uses this widget."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")

    def format_value(self, value: Any) -> str | None:
        # isoformat, not strftime: "%Y" writes year 1 as "1", which is no date to a browser.
        if isinstance(value, dt.date):
            return value.isoformat()
        return super().format_value(value)


def _values_of(data: Any, key: str) -> list[Any]:
    return list(data.getlist(key)) if hasattr(data, "getlist") else [data.get(key)]


class SomsForm(forms.Form):
    """Base of every form: a NUL character in any submitted value is an error on its field.

    Django's CharField already refuses NUL; choice, number, date and file fields do not all say so
    on their field, and text that reaches a service through `cleaned_data` of a custom field might
    not be checked at all.
    """

    def _without_nul(self) -> None:
        """A field's own cleaning may look its value up (an employee id, a code): with a NUL in it
        that query fails on PostgreSQL before the check below could name the field. The fields are
        cleaned without their NUL characters (the check below still refuses them, on the raw data)."""
        data = self.data
        keys = [k for k in data if any(isinstance(v, str) and "\x00" in v for v in _values_of(data, k))]
        if not keys:
            return
        self._raw_data = data
        clean: Any = data.copy() if hasattr(data, "copy") else dict(data)
        for key in keys:
            values = [v.replace("\x00", "") if isinstance(v, str) else v for v in _values_of(data, key)]
            if hasattr(clean, "setlist"):
                clean.setlist(key, values)
            else:
                clean[key] = values[0] if values else ""
        self.data = clean

    def add_problems(self, problems: Iterable[Problem], fields: Mapping[str, str] | None = None) -> None:
        """Show the house's problems (soms.core.problems) as form errors: on the field a problem's
        place names (through `fields` when the form calls it otherwise), else above the form."""
        for problem in problems:
            names = [fields.get(str(p), str(p)) if fields else str(p) for p in problem.loc]
            field = next((n for n in names if n in self.fields), None)
            self.add_error(field, problem.msg if field else str(problem))

    def full_clean(self) -> None:
        if self.is_bound:
            for field in self.fields.values():
                if isinstance(field, forms.ModelChoiceField) and not getattr(field, "_id_guarded", False):
                    _guard_ids(field)
            self._without_nul()
        super().full_clean()
        if not self.is_bound:
            return
        raw = getattr(self, "_raw_data", self.data)
        for field_name in self.fields:
            key = self.add_prefix(field_name)
            values = [*raw.getlist(key)] if hasattr(raw, "getlist") else [raw.get(key)]
            files = self.files.getlist(key) if hasattr(self.files, "getlist") else [self.files.get(key)]
            values += [getattr(f, "name", "") for f in files if f is not None]
            if any(isinstance(v, str) and "\x00" in v for v in values):
                if field_name in self.cleaned_data:
                    del self.cleaned_data[field_name]
                if not any(NUL_MESSAGE in str(e) for e in self.errors.get(field_name, [])):
                    self.add_error(field_name, f"The value {NUL_MESSAGE}.")
