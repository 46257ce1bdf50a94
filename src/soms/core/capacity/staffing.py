"""From a forecast to a staffing plan: agents per interval, a range, FTE after shrinkage, totals.

The range comes from staffing the lower and upper forecast bounds with the same target, so a
planner sees how many people the forecast's uncertainty is worth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from soms.core.capacity.errors import CapacityInputError
from soms.core.capacity.forecast import Forecast
from soms.core.capacity.queueing import (
    StaffingTarget,
    fte_after_shrinkage,
    jsonable,
    required_agents,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class StaffingPlan:
    start: datetime
    interval: timedelta
    calls: FloatArray
    calls_low: FloatArray
    calls_high: FloatArray
    aht: FloatArray
    agents: IntArray
    agents_low: IntArray
    agents_high: IntArray
    fte: IntArray
    fte_low: IntArray
    fte_high: IntArray
    service_level: FloatArray
    asa: FloatArray
    occupancy: FloatArray
    abandonment: FloatArray
    target: StaffingTarget
    shrinkage: str
    patience: float | None
    band: int

    @property
    def interval_hours(self) -> float:
        return self.interval.total_seconds() / 3600.0

    @property
    def agent_hours(self) -> float:
        return float(self.agents.sum()) * self.interval_hours

    @property
    def fte_hours(self) -> float:
        return float(self.fte.sum()) * self.interval_hours

    def totals(self) -> dict[str, float]:
        calls = float(self.calls.sum())
        answered = float((self.calls * (1.0 - self.abandonment)).sum())
        busy = self.calls > 0
        weights = self.calls[busy]
        return {
            "calls": calls,
            "agent_hours": self.agent_hours,
            "agent_hours_low": float(self.agents_low.sum()) * self.interval_hours,
            "agent_hours_high": float(self.agents_high.sum()) * self.interval_hours,
            "fte_hours": self.fte_hours,
            "fte_hours_low": float(self.fte_low.sum()) * self.interval_hours,
            "fte_hours_high": float(self.fte_high.sum()) * self.interval_hours,
            "peak_agents": float(self.agents.max(initial=0)),
            "peak_fte": float(self.fte.max(initial=0)),
            # Call-weighted, because a quiet interval's perfect service says little about the day.
            "service_level": float(np.average(self.service_level[busy], weights=weights))
            if busy.any()
            else 1.0,
            "asa": float(np.average(self.asa[busy], weights=weights)) if busy.any() else 0.0,
            "abandonment": 1.0 - answered / calls if calls > 0 else 0.0,
        }

    def to_dict(self) -> dict[str, Any]:
        t = self.target
        return {
            "start": self.start.isoformat(),
            "interval_seconds": self.interval.total_seconds(),
            "timestamps": [(self.start + k * self.interval).isoformat() for k in range(len(self.calls))],
            "calls": self.calls.tolist(),
            "calls_low": self.calls_low.tolist(),
            "calls_high": self.calls_high.tolist(),
            "aht": self.aht.tolist(),
            "agents": self.agents.tolist(),
            "agents_low": self.agents_low.tolist(),
            "agents_high": self.agents_high.tolist(),
            "fte": self.fte.tolist(),
            "fte_low": self.fte_low.tolist(),
            "fte_high": self.fte_high.tolist(),
            "service_level": jsonable(self.service_level),
            "asa": jsonable(self.asa),
            "occupancy": jsonable(self.occupancy),
            "abandonment": jsonable(self.abandonment),
            "target": {
                "service_level": t.service_level,
                "answer_within": t.answer_within,
                "definition": t.definition,
                "max_occupancy": t.max_occupancy,
                "max_asa": t.max_asa,
                "max_abandonment": t.max_abandonment,
            },
            "shrinkage": self.shrinkage,
            "patience": self.patience,
            "band": self.band,
            "totals": self.totals(),
        }


def staffing_plan(
    forecast: Forecast,
    *,
    aht: float | npt.ArrayLike,
    target: StaffingTarget,
    shrinkage: float | str | Decimal | Fraction = 0.0,
    patience: float | None = None,
    band: Literal[80, 95] = 80,
) -> StaffingPlan:
    """Required agents for the point forecast and for the ``band`` % prediction bounds.

    ``aht`` in seconds, one value or one per interval; ``patience`` (seconds) switches from
    Erlang C to Erlang A. FTE = ceil(agents / (1 - shrinkage)), exactly.
    """
    if band not in (80, 95):
        raise CapacityInputError("band", "must be 80 or 95")
    interval = forecast.interval.total_seconds()
    low, high = (forecast.lower80, forecast.upper80) if band == 80 else (forecast.lower95, forecast.upper95)
    h = np.broadcast_to(np.asarray(aht, dtype=np.float64), forecast.point.shape).copy()
    kwargs: dict[str, Any] = {"interval_seconds": interval, "target": target, "patience": patience}

    def staff(calls: FloatArray, which: str) -> Any:
        try:
            return required_agents(calls, h, **kwargs)
        except CapacityInputError as exc:
            if exc.field != "calls":
                raise
            # Nobody typed these calls: they are the forecast's, so the message says so.
            peak = int(np.argmax(calls))
            when = (forecast.start + peak * forecast.interval).isoformat()
            raise CapacityInputError(
                "forecast",
                f"{which} is {calls[peak]:,.0f} calls in the interval starting {when}, "
                f"more than can be staffed: {exc.reason.split(': ', 1)[-1]}",
            ) from None

    point = staff(forecast.point, "the forecast")
    lo = staff(low, f"the lower {band} % bound of the forecast")
    hi = staff(high, f"the upper {band} % bound of the forecast")
    m = point.metrics
    return StaffingPlan(
        start=forecast.start,
        interval=forecast.interval,
        calls=forecast.point.copy(),
        calls_low=low.copy(),
        calls_high=high.copy(),
        aht=h,
        agents=point.agents,
        agents_low=lo.agents,
        agents_high=hi.agents,
        fte=fte_after_shrinkage(point.agents, shrinkage),
        fte_low=fte_after_shrinkage(lo.agents, shrinkage),
        fte_high=fte_after_shrinkage(hi.agents, shrinkage),
        service_level=m.service_level(target.definition),
        asa=m.asa,
        occupancy=m.occupancy,
        abandonment=m.p_abandon,
        target=target,
        shrinkage=str(shrinkage),
        patience=patience,
        band=band,
    )
