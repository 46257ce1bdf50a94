"""KPI definitions, measurements and calculators: the inputs shared by pages, API and CLI."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import ConfigDict, Field

from soms.core import kpi as core
from soms.fields import NulFree

Bound = Field(None, ge=-1e15, le=1e15)


class KpiIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200)
    formula: str = Field("", max_length=4000, description="How it is calculated, in words")
    unit: str = Field("", max_length=40, description="e.g. %, days, calls")
    direction: Literal["higher", "lower"] = Field("higher", description="Which way is better")
    data_source: str = Field("", max_length=200)
    owner: str = Field("", max_length=200)
    frequency: Literal["daily", "weekly", "monthly", "quarterly", "yearly"] = "monthly"
    target: float | None = Field(None, ge=-1e15, le=1e15, description="At or better than this is green")
    amber_limit: float | None = Field(
        None,
        ge=-1e15,
        le=1e15,
        description="Missing the target but no worse than this is amber; worse is red",
    )


class MeasurementIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    period: date = Field(..., description="The day the measured period ends")
    value: float = Field(..., ge=-1e15, le=1e15)
    note: str = Field("", max_length=500)


class NpsIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    scores: list[int] = Field(..., max_length=core.MAX_RESPONSES, description="Answers 0–10")
    confidence: float = Field(0.95, ge=0.5, le=0.999)


class CsatIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    scores: list[int] = Field(..., max_length=core.MAX_RESPONSES)
    lowest: int = Field(1, ge=-1000, le=1000)
    highest: int = Field(5, ge=-1000, le=1000)
    satisfied_from: int = Field(
        4, ge=-1000, le=1000, description="The lowest answer that counts as satisfied"
    )
    confidence: float = Field(0.95, ge=0.5, le=0.999)


class CalendarIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    opens: time = time(9, 0)
    closes: time = time(17, 0)
    weekdays: list[int] = Field([0, 1, 2, 3, 4], max_length=7, description="Monday = 0 … Sunday = 6")
    holidays: list[date] = Field(default_factory=list, max_length=2000)


class SlaIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    csv: str = Field(..., description="Tickets: opened, resolved (blank while open), priority[, id]")
    targets_hours: dict[str, float] = Field(
        ..., max_length=50, description="Resolution target per priority, in hours"
    )
    business_hours: CalendarIn | None = Field(
        None, description="Count only working time; omitted: clock time"
    )
    now: datetime | None = Field(None, description="When open tickets are judged; defaults to now")


class FcrCase(NulFree):
    model_config = ConfigDict(extra="forbid")

    contacts: int = Field(..., description="Contacts the case took")
    resolved: bool = True


class FcrIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    cases: list[FcrCase] = Field(..., max_length=core.MAX_RESPONSES)


def calendar_of(c: CalendarIn | None) -> core.BusinessCalendar | None:
    if c is None:
        return None
    return core.BusinessCalendar(c.opens, c.closes, frozenset(c.weekdays), frozenset(c.holidays))
