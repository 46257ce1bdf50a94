"""The capacity toolkit's inputs, validated once at the edge and shared by pages, API and CLI.

Fractions are fractions here (0.8, not 80); the pages and the CLI accept percentages and
convert. A stored study keeps ``model_dump(mode="json")`` of one of these, so it can be recomputed.

Every number a person controls has an upper bound (from ``soms.core.capacity.limits``, which the
core enforces too), so no request can make the server allocate gigabytes or search for seconds;
a value out of bounds is a 422 naming the field.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from soms.core.capacity.choices import ModelName
from soms.core.capacity.limits import (
    MAX_CALLS_PER_INTERVAL,
    MAX_HANDLE_TIME_SECONDS,
    MAX_SERVICE_LEVEL,
    MAX_SHRINKAGE,
    MAX_SIMULATED_AGENTS,
    MAX_SIMULATED_CALLS,
    MIN_MAX_OCCUPANCY,
)
from soms.fields import Filename, NulFree

Definition = Literal["offered", "answered"]

# The unit each bounded number is in, so a bound is told in the person's terms: a fraction as a
# percentage ("below 100 %"), a duration in hours or minutes ("at most 8 hours"), never "less than 1"
# or "less than or equal to 28800". Pages and the CLI take percentages and durations with units;
# the API takes fractions and seconds, so each bound also gives the number as sent.
UNITS: dict[str, str] = {
    "service_level": "fraction",
    "max_occupancy": "fraction",
    "shrinkage": "fraction",
    "answer_within": "seconds",
    "patience": "seconds",
    "aht": "seconds",
    "interval_seconds": "seconds",
    "calls": "calls",
    "horizon_days": "days",
}
_BOUND_WORDS = {
    "greater_than": ("gt", "above"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "below"),
    "less_than_equal": ("le", "at most"),
}


def _duration(seconds: float) -> str:
    for size, unit in ((86_400, "day"), (3_600, "hour"), (60, "minute")):
        if seconds >= size and seconds % size == 0:
            n = seconds / size
            return f"{n:g} {unit}{'' if n == 1 else 's'} ({seconds:,.0f} seconds)"
    return f"{seconds:g} seconds"


def in_words(unit: str, value: float) -> str:
    """A bound in the unit a person thinks in: 1.0 as '100 % (1 as a fraction)', 28800 as '8 hours …'."""
    if unit == "fraction":
        return f"{value * 100:g} % ({value:g} as a fraction)"
    if unit == "seconds":
        return _duration(value)
    if unit == "days":
        return f"{value:g} day{'' if value == 1 else 's'}"
    return f"{value:,.0f}"


class TargetFields(NulFree):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="wrap")
    @classmethod
    def _in_user_terms(cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        unit = UNITS.get(info.field_name or "")
        if unit is None or value is None:
            return handler(value)
        if isinstance(value, bool):
            # JSON true is not one call, nor 100 %.
            raise PydanticCustomError("number_type", "must be a number, not true or false")
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is not None and not math.isfinite(number):
            raise PydanticCustomError("finite_number", "must be a finite number")
        try:
            return handler(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            bound = _BOUND_WORDS.get(err["type"])
            if bound is None or "ctx" not in err:
                raise
            key, words = bound
            limit = float(err["ctx"][key])
            raise PydanticCustomError("out_of_range", f"must be {words} {in_words(unit, limit)}") from None

    service_level: float = Field(
        0.8,
        gt=0,
        lt=1,
        description="Share of calls to answer within `answer_within`, e.g. 0.8; at most 0.999",
        json_schema_extra={"maximum": MAX_SERVICE_LEVEL},
    )
    answer_within: float = Field(20.0, ge=0, le=3600, description="Target answer time in seconds")
    definition: Definition = Field(
        "offered", description="Service level over all offered calls or over answered calls only"
    )
    # The documented bounds (json_schema_extra) are the validators' below, so clients and
    # schemathesis generate what the server accepts.
    max_occupancy: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Occupancy cap, e.g. 0.85, at least 0.05; 1 for none",
        json_schema_extra={"minimum": MIN_MAX_OCCUPANCY},
    )
    shrinkage: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Share of paid time not on the phones, e.g. 0.3; at most 0.99",
        json_schema_extra={"maximum": MAX_SHRINKAGE},
    )
    patience: float | None = Field(
        None, gt=0, le=86_400, description="Mean caller patience in seconds; switches to Erlang A"
    )

    # The bounds below are checked after the plain ones, so 1.0 still reads "less than 1".
    @field_validator("service_level")
    @classmethod
    def _reachable_service_level(cls, value: float) -> float:
        if value > MAX_SERVICE_LEVEL:
            raise ValueError(
                f"must be at most {in_words('fraction', MAX_SERVICE_LEVEL)}: each further nine "
                "only adds agents and says nothing more about a real queue"
            )
        return value

    @field_validator("max_occupancy")
    @classmethod
    def _meaningful_occupancy_cap(cls, value: float) -> float:
        if value < MIN_MAX_OCCUPANCY:
            raise ValueError(
                f"must be at least {in_words('fraction', MIN_MAX_OCCUPANCY)}, which already staffs "
                "twenty times the offered load; 100 % means no cap"
            )
        return value

    @field_validator("shrinkage")
    @classmethod
    def _some_time_on_the_phones(cls, value: float) -> float:
        if value > MAX_SHRINKAGE:
            raise ValueError(f"must be at most {in_words('fraction', MAX_SHRINKAGE)}")
        return value


class ErlangInput(TargetFields):
    calls: float = Field(gt=0, le=MAX_CALLS_PER_INTERVAL, description="Calls offered in one interval")
    interval_seconds: float = Field(1800.0, ge=60, le=86_400, description="Interval length in seconds")
    aht: float = Field(
        gt=0, le=MAX_HANDLE_TIME_SECONDS, description="Average handle time in seconds (talk + wrap-up)"
    )


class PlanParams(TargetFields):
    horizon_days: int = Field(7, ge=1, le=28, description="Days to forecast")
    model: ModelName = Field("fourier_regression", description="Forecast model")
    aht: float | None = Field(
        None,
        gt=0,
        le=MAX_HANDLE_TIME_SECONDS,
        description="Average handle time in seconds; defaults to the file's call-weighted handle time",
    )
    band: Literal[80, 95] = Field(80, description="Prediction band that sets the staffing range")
    simulate: bool = Field(False, description="Also simulate one forecast day")
    simulate_day: int = Field(0, ge=0, le=27, description="Which forecast day to simulate (0 = the first)")
    replications: int = Field(30, ge=2, le=500, description="Simulation replications")
    seed: int = Field(1, ge=0, description="Random seed, so a simulation can be repeated exactly")

    @field_validator("band", mode="before")
    @classmethod
    def _band_from_text(cls, value: object) -> object:
        # Form fields arrive as text, and a Literal of numbers does not coerce "95" by itself.
        return int(value) if isinstance(value, str) and value.strip().isdigit() else value

    @model_validator(mode="after")
    def _day_in_horizon(self) -> PlanParams:
        if self.simulate_day >= self.horizon_days:
            raise ValueError("simulate_day must be one of the forecast days (below horizon_days)")
        return self


class DemandRow(NulFree):
    model_config = ConfigDict(extra="forbid")

    timestamp: str
    arrivals: float
    handle_time: float | None = None


class PlanInput(PlanParams):
    """A plan's whole input: the demand (CSV text or rows) and the parameters."""

    source: Literal["upload", "sample"] = Field("upload", description="'sample' uses the built-in sample")
    csv: str | None = Field(None, description="The demand CSV: timestamp,arrivals[,handle_time]")
    rows: list[DemandRow] | None = Field(None, description="The demand as rows instead of CSV text")
    filename: Filename = ""

    @model_validator(mode="after")
    def _one_source(self) -> PlanInput:
        if self.source == "upload" and not self.csv and not self.rows:
            raise ValueError("give the demand as 'csv' text or as 'rows', or set source to 'sample'")
        # Present, not truthy: an empty 'rows' beside 'csv' must not let one of them silently win.
        if self.csv is not None and self.rows is not None:
            raise ValueError(
                "give the demand as 'csv' or as 'rows', not both (even an empty one is ambiguous)"
            )
        return self


class SimulateInput(TargetFields):
    calls: list[Annotated[float, Field(ge=0, le=MAX_CALLS_PER_INTERVAL)]] = Field(
        min_length=1, max_length=2000, description="Expected calls per interval (Poisson means)"
    )
    agents: list[Annotated[int, Field(ge=0, le=MAX_SIMULATED_AGENTS)]] | None = Field(
        None,
        description="Agents per interval (at most 100,000); when left out, the Erlang requirement "
        "for the target",
    )
    interval_seconds: float = Field(1800.0, ge=60, le=86_400)
    aht: float = Field(gt=0, le=MAX_HANDLE_TIME_SECONDS, description="Average handle time in seconds")
    start: datetime | None = Field(None, description="ISO date-time of the first interval, for labels")
    replications: int = Field(30, ge=2, le=500)
    seed: int = Field(1, ge=0)

    def simulated_calls(self) -> float:
        """Callers the simulation steps through (expected calls × replications): what it costs."""
        return float(sum(self.calls)) * self.replications

    @field_validator("start")
    @classmethod
    def _start_leaves_room(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        # The labels run to start + intervals × length, which must still be a date.
        calls, seconds = info.data.get("calls"), info.data.get("interval_seconds")
        if value is not None and calls and seconds:
            try:
                value + len(calls) * timedelta(seconds=seconds)
            except OverflowError:
                raise ValueError("the intervals would run past the end of the calendar") from None
        return value

    @model_validator(mode="after")
    def _shapes(self) -> SimulateInput:
        if any(c < 0 for c in self.calls):
            raise ValueError("calls cannot be negative")
        if self.agents is not None:
            if len(self.agents) != len(self.calls):
                raise ValueError("agents needs one value per interval of calls")
            if any(a < 0 for a in self.agents):
                raise ValueError("agents cannot be negative")
        # Every simulated caller is one step of the loop, and so is every agent who comes on shift
        # (up to the callers there are): keep one request to a few seconds.
        if self.simulated_calls() > MAX_SIMULATED_CALLS:
            raise ValueError("calls × replications is too large for one request; use fewer replications")
        if self.agents is not None:
            callers = sum(self.calls)
            previous, arrivals_on_shift = 0, 0.0
            for staff in self.agents:
                arrivals_on_shift += min(max(0, staff - previous), callers)
                previous = staff
            if (callers + arrivals_on_shift) * self.replications > 4_000_000:
                raise ValueError(
                    "agents: the staffing changes × replications are too large for one request; "
                    "use fewer replications or steadier staffing"
                )
        return self
