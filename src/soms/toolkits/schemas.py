"""The capacity toolkit's inputs, validated once at the edge and shared by pages, API and CLI.

Fractions are fractions here (0.8, not 80); the pages and the CLI accept percentages and
convert. A stored study keeps ``model_dump()`` of one of these, so it can be recomputed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from soms.core.capacity.forecast import ModelName

Definition = Literal["offered", "answered"]


class TargetFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_level: float = Field(
        0.8, gt=0, lt=1, description="Share of calls to answer within `answer_within`, e.g. 0.8"
    )
    answer_within: float = Field(20.0, ge=0, le=3600, description="Target answer time in seconds")
    definition: Definition = Field(
        "offered", description="Service level over all offered calls or over answered calls only"
    )
    max_occupancy: float = Field(1.0, gt=0, le=1, description="Occupancy cap, e.g. 0.85; 1 for none")
    shrinkage: float = Field(0.0, ge=0, lt=1, description="Share of paid time not on the phones, e.g. 0.3")
    patience: float | None = Field(
        None, gt=0, le=86_400, description="Mean caller patience in seconds; switches to Erlang A"
    )


class ErlangInput(TargetFields):
    calls: float = Field(gt=0, le=1_000_000, description="Calls offered in one interval")
    interval_seconds: float = Field(1800.0, ge=60, le=86_400, description="Interval length in seconds")
    aht: float = Field(gt=0, le=86_400, description="Average handle time in seconds (talk + wrap-up)")


class PlanParams(TargetFields):
    horizon_days: int = Field(7, ge=1, le=28, description="Days to forecast")
    model: ModelName = Field("fourier_regression", description="Forecast model")
    aht: float | None = Field(
        None,
        gt=0,
        le=86_400,
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


class DemandRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timestamp: str
    arrivals: float
    handle_time: float | None = None


class PlanInput(PlanParams):
    """A plan's whole input: the demand (CSV text or rows) and the parameters."""

    source: Literal["upload", "sample"] = Field("upload", description="'sample' uses the built-in sample")
    csv: str | None = Field(None, description="The demand CSV: timestamp,arrivals[,handle_time]")
    rows: list[DemandRow] | None = Field(None, description="The demand as rows instead of CSV text")
    filename: str = Field("", max_length=200)

    @model_validator(mode="after")
    def _one_source(self) -> PlanInput:
        if self.source == "upload" and not self.csv and not self.rows:
            raise ValueError("give the demand as 'csv' text or as 'rows', or set source to 'sample'")
        if self.csv and self.rows:
            raise ValueError("give the demand as 'csv' or as 'rows', not both")
        return self


class SimulateInput(TargetFields):
    calls: list[float] = Field(
        min_length=1, max_length=2000, description="Expected calls per interval (Poisson means)"
    )
    agents: list[int] | None = Field(
        None, description="Agents per interval; when left out, the Erlang requirement for the target"
    )
    interval_seconds: float = Field(1800.0, ge=60, le=86_400)
    aht: float = Field(gt=0, le=86_400, description="Average handle time in seconds")
    start: str | None = Field(None, description="ISO date-time of the first interval, for labels")
    replications: int = Field(30, ge=2, le=500)
    seed: int = Field(1, ge=0)

    @model_validator(mode="after")
    def _shapes(self) -> SimulateInput:
        if any(c < 0 for c in self.calls):
            raise ValueError("calls cannot be negative")
        if self.agents is not None:
            if len(self.agents) != len(self.calls):
                raise ValueError("agents needs one value per interval of calls")
            if any(a < 0 for a in self.agents):
                raise ValueError("agents cannot be negative")
        # Every simulated caller is one step of the loop: keep one request to a few seconds.
        if sum(self.calls) * self.replications > 2_000_000:
            raise ValueError("calls × replications is too large for one request; use fewer replications")
        return self
