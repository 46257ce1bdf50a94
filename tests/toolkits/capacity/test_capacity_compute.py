"""The toolkit's computations over the core and the CLI's argument parsers (no database)."""

from __future__ import annotations

import json

import pytest

from soms.core.capacity import DEFINITIONS, CapacityInputError, DemandCsvError
from soms.toolkits.capacity import compute as capacity
from soms.toolkits.capacity.charts import study_chart
from soms.toolkits.capacity.cli import parse_days, parse_duration, parse_fraction, parse_target
from soms.toolkits.capacity.schemas import DemandRow, ErlangInput, PlanInput, SimulateInput
from tests.toolkits.capacity.conftest import demand_csv


def test_erlang_reference_case_and_the_reverse_table():
    result = capacity.compute_erlang(ErlangInput(calls=100, interval_seconds=1800, aht=180, shrinkage=0.3))
    assert result["agents"] == 14
    assert result["service_level"] == pytest.approx(0.888, abs=5e-4)
    assert result["asa"] == pytest.approx(7.8, abs=0.05)
    assert result["fte"] == 20  # 14 / 0.7 is exactly 20, not 21
    assert result["definitions"] == DEFINITIONS
    rows = {r["agents"]: r for r in result["table"]}
    assert rows[13]["meets_target"] is False and rows[14]["is_answer"] and rows[15]["service_level"] > 0.888
    assert rows[10]["asa"] is None  # as many agents as Erlangs: the queue never empties
    json.dumps(result)  # plain JSON all the way down


def test_erlang_a_reports_abandonment():
    result = capacity.compute_erlang(ErlangInput(calls=100, interval_seconds=1800, aht=180, patience=120))
    assert result["model"] == "Erlang A"
    assert result["agents"] <= 14
    assert 0 < result["abandonment"] < 0.2


def test_plan_from_csv_has_every_part_and_survives_json():
    inp = PlanInput(csv=demand_csv(), horizon_days=2, simulate=True, replications=3)
    steps: list[str] = []
    result = capacity.compute_plan(inp, on_step=steps.append)
    assert steps == list(capacity.PLAN_STEPS)
    assert result["series"]["aht_source"] == "file" and 250 < result["series"]["aht_used"] < 350
    assert len(result["profile"]["heatmap"]) == 7 and len(result["profile"]["heatmap"][0]) == 24
    assert len(result["forecast"]["point"]) == 48 and len(result["staffing"]["agents"]) == 48
    # Two weeks of hourly data is too little for the regression's many terms, but the seasonal
    # average is still scored, and the page says why the other is missing.
    assert [b["model"] for b in result["backtest"]] == ["seasonal_average"]
    assert "Fourier regression not backtested" in result["backtest_note"]
    low, high = result["staffing"]["agents_low"], result["staffing"]["agents_high"]
    assert all(a <= b <= c for a, b, c in zip(low, result["staffing"]["agents"], high, strict=True))
    assert len(result["simulation"]["calls"]) == 24
    json.loads(json.dumps(result))
    for chart in ("heatmap", "forecast", "staffing", "simulation"):
        assert study_chart("plan", {}, result, chart).startswith("<svg")


def test_plan_without_handle_times_needs_an_aht():
    with pytest.raises(CapacityInputError) as err:
        capacity.compute_plan(PlanInput(csv=demand_csv(handle_time=False), horizon_days=1))
    assert err.value.field == "aht"
    result = capacity.compute_plan(PlanInput(csv=demand_csv(handle_time=False), horizon_days=1, aht=240))
    assert result["series"]["aht_source"] == "given"


def test_short_history_explains_why_there_is_no_backtest():
    result = capacity.compute_plan(
        PlanInput(csv=demand_csv(days=7), horizon_days=1, model="seasonal_average")
    )
    assert result["backtest"] == [] and "eight days" in result["backtest_note"]


def test_rows_and_csv_give_the_same_plan():
    text = demand_csv(days=9)
    rows = []
    for line in text.strip().splitlines()[1:]:
        ts, n, h = line.split(",")
        rows.append(DemandRow(timestamp=ts, arrivals=float(n), handle_time=float(h) if h else None))
    a = capacity.compute_plan(PlanInput(csv=text, horizon_days=1))
    b = capacity.compute_plan(PlanInput(rows=rows, horizon_days=1))
    assert a["staffing"]["agents"] == b["staffing"]["agents"]


def test_bad_csv_lists_every_problem():
    with pytest.raises(DemandCsvError) as err:
        capacity.compute_plan(PlanInput(csv="timestamp,arrivals\nx,1\n2026-01-01T00:00,-1\n"))
    assert [(i.row, i.column) for i in err.value.issues][:2] == [(2, "timestamp"), (3, "arrivals")]


def test_sample_is_labelled_and_stored_as_text():
    inp = PlanInput(source="sample", horizon_days=1)
    stored = capacity.plan_inputs(inp)
    assert stored["csv"].startswith("timestamp,arrivals,handle_time")
    assert "synthetic" in capacity.SAMPLE_LABEL.lower()
    # The stored text alone recomputes the same plan.
    again = PlanInput(**{**stored, "source": "upload"})
    assert (
        capacity.compute_plan(again)["staffing"]["agents"] == capacity.compute_plan(inp)["staffing"]["agents"]
    )


def test_simulation_without_agents_staffs_to_target():
    result = capacity.compute_simulation(
        SimulateInput(
            calls=[50, 100, 80], interval_seconds=1800, aht=180, replications=3, start="2026-03-02T09:00"
        )
    )
    assert result["agents"][1] == 14
    assert result["timestamps"][1] == "2026-03-02T09:30:00"
    assert capacity.results_csv("simulation", result).splitlines()[0].startswith("interval,calls,agents")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("1800s", 1800), ("1800", 1800), ("1h", 3600), ("1.5m", 90), (" 2 min ", 120)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "m30", "30x", "-5s", "ten minutes"])
def test_parse_duration_refuses_nonsense(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "value"), [("80%", 0.8), ("0.8", 0.8), ("80", 0.8), ("30 %", 0.3), ("0", 0.0)]
)
def test_parse_fraction(text, value):
    assert parse_fraction(text) == value


def test_parse_target_and_days():
    assert parse_target("80/20s") == (0.8, 20.0)
    assert parse_target("0.9/15") == (0.9, 15.0)
    with pytest.raises(ValueError, match="80/20s"):
        parse_target("80")
    assert parse_days("7d") == 7 and parse_days("2w") == 14 and parse_days("3") == 3
    with pytest.raises(ValueError):
        parse_days("1.5d")
