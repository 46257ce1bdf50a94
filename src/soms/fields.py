"""Field types every edge shares: API schemas, forms and the command line take the same input the same way.

- names and labels are trimmed and must hold something besides spaces;
- ids are positive and fit the database's 64-bit keys (a larger one is a 422, never an overflow);
- text never holds a NUL character (PostgreSQL cannot store one, and no person types one) and has
  a maximum length;
- fractions, percentages and durations have their units in their names.

`Input` is the base of every API input schema and `SomsForm` of every form: each refuses a NUL
character in any string it receives, naming the field, so no field can forget to. Every input model
(`NulFree`, and so `Input`) takes data read from JSON with JSON's own types (`JsonTypes`): the text
"12" is no number there, while a form or a query string, where every value is text, still sends it.
"""

from __future__ import annotations

import collections.abc as abc
import datetime as dt
import re
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin

from django import forms
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from soms.core.dates import RANGE_TEXT, date_problem
from soms.core.problems import Invalid, Problem
from soms.core.safeload import JsonObject, check_data
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


def _sensible_date(value: dt.date) -> dt.date:
    if (problem := date_problem(value)) is not None:
        raise PydanticCustomError("date_range", problem)
    return value


# Text that is only a number. Pydantic reads a number, or text of one, as seconds since 1970 where a
# date or a date-time belongs: `at=0` was 1970-01-01 and `"due_on": 1767225600` 2026-01-01.
_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")
DATE_NOT_NUMBER = "must be a date written YYYY-MM-DD, not a number"


def _date_not_number(value: Any) -> Any:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        raise PydanticCustomError("date_type", DATE_NOT_NUMBER)
    if isinstance(value, str | bytes) and _NUMBER_TEXT.fullmatch(
        value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    ):
        raise PydanticCustomError("date_type", DATE_NOT_NUMBER)
    return value


def _only(annotation: Any, kind: Callable[[Any], bool]) -> bool:
    """Whether a field's type, once `Annotated` and an optional None are taken off, is only of types
    `kind` accepts (all of a union's)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _only(get_args(annotation)[0], kind)
    if origin is Union or origin is types.UnionType:
        kinds = [a for a in get_args(annotation) if a is not type(None)]
        return bool(kinds) and all(_only(a, kind) for a in kinds)
    return kind(annotation)


def _dates_only(annotation: Any) -> bool:
    """Whether a field's type is a date or date-time (or one of them or None)."""
    return _only(annotation, lambda t: isinstance(t, type) and issubclass(t, dt.date))


# A date a person enters, for a parameter outside an input model (a query or form parameter of its
# own); every date field of an input model is held to the same rules by NulFree (soms.core.dates).
Day = Annotated[dt.date, BeforeValidator(_date_not_number), AfterValidator(_sensible_date)]

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


NUMBER_NOT_TEXT = "must be a number, not text"
NUMBER_NOT_BOOL = "must be a number, not true or false"
BOOL_NOT_TEXT = "must be true or false, not text"
BOOL_NOT_NUMBER = "must be true or false, not a number"

_NUMBERS = (int, float, Decimal)
_SEQUENCES = (list, tuple, set, frozenset, abc.Sequence, abc.Iterable, abc.Collection, abc.Set)
_MAPPINGS = (dict, abc.Mapping)
Loc = tuple[str | int, ...]


def _kind(annotation: Any) -> str | None:
    """ "number" or "boolean" when JSON must send that and only that for `annotation`, else None."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kind(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        kinds = {_kind(a) for a in get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    if annotation is bool:
        return "boolean"
    if isinstance(annotation, type) and issubclass(annotation, _NUMBERS) and annotation is not bool:
        return "number"
    return None


def _mistyped(annotation: Any, value: Any, loc: Loc) -> Iterator[tuple[Loc, str, str, Any]]:
    """(place, type, message, value) for each value JSON sent with another type than `annotation`
    asks for: text or true/false for a number, text or a number for true/false. Pydantic would turn
    "12" into 12 and "yes" into True; a JSON client that sends them has made a mistake worth naming
    (the id it meant may not be the one it quoted)."""
    if value is None:
        return
    kind = _kind(annotation)
    if kind == "number":
        if isinstance(value, bool):
            yield loc, "number_type", NUMBER_NOT_BOOL, value
        elif isinstance(value, str):
            yield loc, "number_type", NUMBER_NOT_TEXT, value
        return
    if kind == "boolean":
        if isinstance(value, str):
            yield loc, "bool_type", BOOL_NOT_TEXT, value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield loc, "bool_type", BOOL_NOT_NUMBER, value
        return
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        yield from _mistyped(args[0], value, loc)
    elif origin is Union or origin is types.UnionType:
        # Only one arm can take a list (or an object): check against it; with several, pydantic's
        # choice between them is its own.
        container = list if isinstance(value, list) else dict if isinstance(value, dict) else None
        arms = [a for a in args if container is not None and _takes(a, container)]
        if len(arms) == 1:
            yield from _mistyped(arms[0], value, loc)
    elif origin in _SEQUENCES and isinstance(value, list):
        if origin is tuple and args and args[-1] is not Ellipsis:
            for i, (item_type, item) in enumerate(zip(args, value, strict=False)):
                yield from _mistyped(item_type, item, (*loc, i))
        elif args:
            for i, item in enumerate(value):
                yield from _mistyped(args[0], item, (*loc, i))
    elif origin in _MAPPINGS and isinstance(value, dict) and len(args) == 2:
        for key, item in value.items():
            yield from _mistyped(args[1], item, (*loc, key))
    elif (
        isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
        # A model with JsonTypes checks its own fields when pydantic reaches it.
        and not issubclass(annotation, JsonTypes)
        and isinstance(value, dict)
    ):
        yield from _model_mistyped(annotation, value, loc)


def _takes(annotation: Any, container: type) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _takes(get_args(annotation)[0], container)
    if container is list:
        return origin in _SEQUENCES
    return origin in _MAPPINGS or (isinstance(annotation, type) and issubclass(annotation, BaseModel))


def _model_mistyped(
    model: type[BaseModel], data: Mapping[str, Any], loc: Loc
) -> Iterator[tuple[Loc, str, str, Any]]:
    for name, field in model.model_fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else field.alias
        key = alias if alias is not None and alias in data else name
        if key in data:
            yield from _mistyped(field.annotation, data[key], (*loc, key))


def _again(error: Any) -> InitErrorDetails:
    """One of pydantic's errors, to be raised again beside ours with its own words and context."""
    return InitErrorDetails(
        type=PydanticCustomError(error["type"], error["msg"], error.get("ctx")),
        loc=error["loc"],
        input=error.get("input"),
    )


class JsonTypes(BaseModel):
    """Holds data read from JSON text (soms.core.safeload.JsonObject) to JSON's types.

    `{"element": "12"}` and `{"active": "yes"}` are mistakes of the sender: JSON has numbers and
    true/false, and a client that quotes one has most likely built the body wrong (a page's text
    copied in as it is). Pydantic would read both, so they are refused here by name; every other
    problem of the same data is reported beside them. Data from forms, query strings, the command
    line or a CSV file is text by nature and is not held to this.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _json_types(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, JsonObject):
            return handler(data)
        found = list(_model_mistyped(cls, raw, ()))
        if not found:
            return handler(data)
        errors = [
            InitErrorDetails(type=PydanticCustomError(kind, msg), loc=loc, input=value)
            for loc, kind, msg, value in found
        ]
        try:
            handler(data)
        except ValidationError as exc:
            ours = [loc for loc, *_ in found]
            errors += [
                _again(e) for e in exc.errors() if not any(tuple(e["loc"][: len(o)]) == o for o in ours)
            ]
        order: dict[str | int, int] = {name: i for i, name in enumerate(raw)}
        errors.sort(key=lambda e: order.get(e["loc"][0], len(order)) if e["loc"] else -1)
        raise ValidationError.from_exception_data(cls.__name__, errors)


class NulFree(JsonTypes):
    """Refuses NUL in every string field (and inside lists and mappings), with the field's place,
    and a date outside the range people may enter (soms.core.dates) in any date or date-time field.

    The base of every input model at an edge, so it also holds data read from JSON to JSON's types."""

    @field_validator("*", mode="before")
    @classmethod
    def _dates_not_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and _dates_only(field.annotation):
            return _date_not_number(value)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _sensible_dates(cls, value: Any) -> Any:
        if isinstance(value, dt.date):
            _sensible_date(value)
        return value

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
    return _only(annotation, lambda t: t in (int, float))


class NoBoolNumbers(BaseModel):
    """Refuses JSON `true`/`false` where a number is asked for. Pydantic reads them as 1 and 0, so
    `"person_id": true` would name whoever holds id 1 and `"revision": true` would pass as revision 1."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and _numbers_only(field.annotation):
            raise PydanticCustomError("number_type", NUMBER_NOT_BOOL)
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

    def _check_dates(self) -> None:
        """Every date a form takes lies in the range people may enter (soms.core.dates); Django's
        date fields take any year from 1 to 9999."""
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if not isinstance(field, forms.DateField | forms.DateTimeField) or not isinstance(value, dt.date):
                continue
            if date_problem(value) is not None:
                self.add_error(name, f"Enter a date {RANGE_TEXT}.")  # and out of cleaned_data

    def full_clean(self) -> None:
        if self.is_bound:
            for field in self.fields.values():
                if isinstance(field, forms.ModelChoiceField) and not getattr(field, "_id_guarded", False):
                    _guard_ids(field)
            self._without_nul()
        super().full_clean()
        if not self.is_bound:
            return
        self._check_dates()
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
