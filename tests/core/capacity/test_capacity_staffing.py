import json
from datetime import datetime, timedelta

import numpy as np
import pytest

from soms.core.capacity.errors import CapacityInputError
from soms.core.capacity.forecast import Forecast, forecast
from soms.core.capacity.queueing import StaffingTarget
from soms.core.capacity.sample import synthetic_series
from soms.core.capacity.staffing import staffing_plan


def flat_forecast(values: list[float], spread: float = 10.0) -> Forecast:
    p = np.array(values, dtype=np.float64)
    return Forecast(
        "test",
        datetime(2026, 3, 2, 8),
        timedelta(minutes=30),
        p,
        np.maximum(p - spread, 0),
        p + spread,
        np.maximum(p - 2 * spread, 0),
        p + 2 * spread,
    )


def test_reference_interval_and_shrinkage() -> None:
    plan = staffing_plan(flat_forecast([100.0, 0.0]), aht=180, target=StaffingTarget(0.8, 20), shrinkage=0.3)
    assert plan.agents.tolist() == [14, 0]
    assert plan.fte.tolist() == [20, 0]
    assert plan.agents_low[0] < 14 < plan.agents_high[0]
    assert plan.service_level[0] == pytest.approx(0.888, abs=0.001)
    assert plan.service_level[1] == 1.0 and plan.asa[1] == 0.0
    assert plan.agent_hours == pytest.approx(7.0)
    assert plan.fte_hours == pytest.approx(10.0)


def test_plan_from_forecast_is_json_ready() -> None:
    s = synthetic_series(datetime(2026, 1, 5), days=28, seed=4)
    f = forecast(s, 48)
    plan = staffing_plan(
        f,
        aht=300,
        target=StaffingTarget(0.8, 20, max_occupancy=0.85),
        shrinkage="0.35",
        patience=120.0,
        band=95,
    )
    assert np.all(plan.agents_low <= plan.agents) and np.all(plan.agents <= plan.agents_high)
    assert np.all(plan.occupancy <= 0.85)
    assert np.all(plan.agents[f.point == 0] == 0)
    d = json.loads(json.dumps(plan.to_dict(), allow_nan=False))
    assert len(d["agents"]) == 48 and d["totals"]["peak_agents"] == max(d["agents"])
    assert d["totals"]["agent_hours_low"] <= d["totals"]["agent_hours"] <= d["totals"]["agent_hours_high"]
    assert 0 <= d["totals"]["abandonment"] < 0.05


def test_bad_band() -> None:
    with pytest.raises(CapacityInputError) as e:
        staffing_plan(flat_forecast([1.0]), aht=180, target=StaffingTarget(), band=90)  # type: ignore[arg-type]
    assert e.value.field == "band"


def test_a_forecast_beyond_the_agent_limit_names_the_forecast_not_calls() -> None:
    point = np.array([100.0, 900_000.0])
    fc = Forecast(
        start=datetime(2026, 1, 5, 8),
        interval=timedelta(minutes=30),
        point=point,
        lower80=point * 0.9,
        upper80=point * 1.1,
        lower95=point * 0.8,
        upper95=point * 1.2,
        model="seasonal_average",
    )
    with pytest.raises(CapacityInputError) as err:
        staffing_plan(fc, aht=3_600.0, target=StaffingTarget(0.8, 20))
    assert err.value.field == "forecast"
    assert "forecast" in err.value.reason and "2026-01-05T08:30" in err.value.reason
    assert "calls" not in err.value.field
