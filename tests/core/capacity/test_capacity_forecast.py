from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest

from soms.core.capacity.demand import demand_profile
from soms.core.capacity.errors import CapacityInputError
from soms.core.capacity.forecast import (
    backtest,
    forecast,
    fourier_regression_forecast,
    seasonal_average_forecast,
)
from soms.core.capacity.sample import expected_demand, synthetic_series

MONDAY = datetime(2026, 1, 5)


@pytest.fixture(scope="module")
def eight_weeks():  # type: ignore[no-untyped-def]
    return synthetic_series(MONDAY, days=56, seed=7)


@pytest.mark.parametrize("model", ["seasonal_average", "fourier_regression"])
def test_forecast_is_sane(eight_weeks, model) -> None:  # type: ignore[no-untyped-def]
    f = forecast(eight_weeks, 7 * 48, model=model)
    assert f.start == datetime(2026, 3, 2)
    for arr in (f.point, f.lower80, f.upper80, f.lower95, f.upper95):
        assert arr.shape == (336,) and np.all(arr >= 0) and np.all(np.isfinite(arr))
    assert np.all(f.lower95 <= f.lower80) and np.all(f.lower80 <= f.point)
    assert np.all(f.point <= f.upper80) and np.all(f.upper80 <= f.upper95)
    # Closed hours (nights, Sundays) are exactly zero, bands included.
    assert np.all(f.upper95[:16] == 0) and np.all(f.upper95[6 * 48 :] == 0)
    truth = expected_demand(MONDAY, 9 * 7 * 48, eight_weeks.interval)[56 * 48 :]
    open_ = truth > 0
    wape = np.abs(f.point - truth)[open_].sum() / truth[open_].sum()
    assert wape < 0.08
    d = f.to_dict()
    assert d["model"] == model and len(d["point"]) == 336


def test_regression_captures_trend_better_over_long_horizon() -> None:
    s = synthetic_series(MONDAY, days=56, seed=2)
    truth = expected_demand(MONDAY, 12 * 7 * 48, s.interval)[56 * 48 :]
    reg = fourier_regression_forecast(s, len(truth))
    assert np.abs(reg.point - truth).sum() / truth.sum() < 0.1


def test_gaps_are_tolerated(eight_weeks) -> None:  # type: ignore[no-untyped-def]
    arrivals = eight_weeks.arrivals.copy()
    arrivals[100:160] = np.nan
    arrivals[-20:-10] = np.nan
    s = replace(eight_weeks, arrivals=arrivals)
    for model in ("seasonal_average", "fourier_regression"):
        f = forecast(s, 48, model=model)  # type: ignore[arg-type]
        assert np.all(np.isfinite(f.point))


def test_backtest_reports_each_model(eight_weeks) -> None:  # type: ignore[no-untyped-def]
    results = backtest(eight_weeks, holdout_days=7)
    assert [r.model for r in results] == ["seasonal_average", "fourier_regression"]
    for r in results:
        assert 0 < r.wape < 0.15 and r.mae > 0
        assert r.coverage95 >= r.coverage80 > 0.6
        assert set(r.to_dict()) == {"model", "holdout_days", "mae", "wape", "coverage80", "coverage95"}


def test_input_errors(eight_weeks) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CapacityInputError) as e:
        forecast(eight_weeks, 0)
    assert e.value.field == "horizon"
    with pytest.raises(CapacityInputError) as e:
        backtest(eight_weeks, holdout_days=53)
    assert e.value.field == "holdout_days"
    short = synthetic_series(MONDAY, days=3, seed=1)
    with pytest.raises(CapacityInputError):
        seasonal_average_forecast(short, 10, profile=demand_profile(short))
    with pytest.raises(CapacityInputError) as e:
        forecast(eight_weeks, 10, model="magic")  # type: ignore[arg-type]
    assert e.value.field == "model"


def test_too_short_a_history_is_named_as_the_demand_in_days_never_series() -> None:
    from datetime import datetime, timedelta

    from soms.core.capacity.demand import parse_demand_csv
    from soms.core.capacity.errors import CapacityInputError
    from soms.core.capacity.forecast import forecast as run_forecast

    start = datetime(2026, 1, 5)
    lines = ["timestamp,arrivals"] + [
        f"{(start + k * timedelta(minutes=30)).isoformat()},{10 + k % 5}" for k in range(48 * 3)
    ]
    series = parse_demand_csv("\n".join(lines))
    with pytest.raises(CapacityInputError) as err:
        run_forecast(series, 48, model="seasonal_average")
    assert err.value.field == "demand"
    assert "3 days" in err.value.reason and "series" not in str(err.value)
