"""The capacity toolkit's computations over the pure core: validated inputs in, JSON-ready results out.

No Django here: the pages, the API, the CLI and the demo all call these functions, so a study
computed anywhere looks the same, and a stored study can be recomputed from its inputs.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
from pydantic import ValidationError as PydanticError

from soms.core.capacity import (
    DEFINITIONS,
    MODELS,
    PROFILE_DEFINITIONS,
    CapacityInputError,
    DemandSeries,
    StaffingTarget,
    backtest,
    compare_with_formula,
    demand_profile,
    forecast,
    fte_after_shrinkage,
    parse_demand_csv,
    queue_metrics,
    required_agents,
    simulate_day,
    staffing_plan,
)
from soms.core.capacity.demand import intervals_per_day
from soms.core.capacity.limits import MAX_AGENTS, MAX_SIMULATED_CALLS
from soms.core.capacity.sample import series_to_csv, synthetic_series
from soms.limits import BACKGROUND_PLAN_INTERVALS, BACKGROUND_SIMULATED_CALLS
from soms.toolkits.capacity.schemas import ErlangInput, PlanInput, PlanParams, SimulateInput, TargetFields

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MODEL_NAMES = {"seasonal_average": "Seasonal average", "fourier_regression": "Fourier regression"}
SAMPLE_LABEL = (
    "Synthetic sample data: eight weeks of half-hourly calls for a claims line, generated, not real"
)
# A Monday, so the sample's weeks line up with the heatmap's rows.
SAMPLE_START = datetime(2026, 8, 3)
SAMPLE_DAYS = 56
SAMPLE_AHT = 300.0


def clean_object(value: dict[str, Any]) -> dict[str, Any]:
    """`clean` of a result object, typed as the object it stays."""
    cleaned: dict[str, Any] = clean(value)
    return cleaned


def clean(value: Any) -> Any:
    """Plain JSON: NumPy scalars to Python, infinity and NaN to None (JSON has neither)."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def target_of(inp: TargetFields) -> StaffingTarget:
    return StaffingTarget(
        service_level=inp.service_level,
        answer_within=inp.answer_within,
        definition=inp.definition,
        max_occupancy=inp.max_occupancy,
    )


def _shrinkage(inp: TargetFields) -> str:
    # Through str so that 0.3 is exactly 3/10 in the core's integer FTE arithmetic.
    return repr(float(inp.shrinkage))


# --------------------------------------------------------------------------------------------
# Erlang calculator


def compute_erlang(inp: ErlangInput, *, spread: int = 5) -> dict[str, Any]:
    """Required agents for one interval, and the reverse question for counts around the answer."""
    target = target_of(inp)
    req = required_agents(
        inp.calls, inp.aht, interval_seconds=inp.interval_seconds, target=target, patience=inp.patience
    )
    agents = int(req.agents.item())
    m = req.metrics
    first = max(1, agents - spread)
    counts = np.arange(first, min(agents + spread, MAX_AGENTS) + 1)
    table = queue_metrics(
        np.full(counts.shape, inp.calls),
        inp.aht,
        counts,
        interval_seconds=inp.interval_seconds,
        answer_within=inp.answer_within,
        patience=inp.patience,
        allow_overload=True,
    )
    fte_col = fte_after_shrinkage(counts, _shrinkage(inp))
    sl_col = table.service_level(inp.definition)
    rows = []
    for k, n in enumerate(counts.tolist()):
        rows.append(
            {
                "agents": n,
                "fte": int(fte_col[k]),
                "service_level": float(sl_col[k]),
                "asa": float(table.asa[k]),
                "abandonment": float(table.p_abandon[k]),
                "occupancy": float(table.occupancy[k]),
                "p_wait": float(table.p_wait[k]),
                "meets_target": n >= agents,
                "is_answer": n == agents,
            }
        )
    return clean_object(
        {
            "model": "Erlang A" if inp.patience is not None else "Erlang C",
            "offered_load": float(m.offered_load.item()),
            "agents": agents,
            "fte": int(fte_after_shrinkage(agents, _shrinkage(inp)).item()),
            "service_level": float(m.service_level(inp.definition).item()),
            "service_level_offered": float(m.service_level_offered.item()),
            "service_level_answered": float(m.service_level_answered.item()),
            "asa": float(m.asa.item()),
            "average_wait": float(m.average_wait.item()),
            "p_wait": float(m.p_wait.item()),
            "occupancy": float(m.occupancy.item()),
            "abandonment": float(m.p_abandon.item()),
            "table": rows,
            "definitions": DEFINITIONS,
        }
    )


# --------------------------------------------------------------------------------------------
# demand plan


@lru_cache(maxsize=1)
def sample_csv() -> str:
    series = synthetic_series(SAMPLE_START, days=SAMPLE_DAYS, aht_seconds=SAMPLE_AHT, seed=2026)
    return series_to_csv(series)


def rows_to_csv(rows: list[Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    with_handle = any(r.handle_time is not None for r in rows)
    writer.writerow(["timestamp", "arrivals", *(["handle_time"] if with_handle else [])])
    for r in rows:
        count = int(r.arrivals) if float(r.arrivals).is_integer() else r.arrivals
        extra = [] if not with_handle else ["" if r.handle_time is None else r.handle_time]
        writer.writerow([r.timestamp, count, *extra])
    return out.getvalue()


def plan_csv_text(inp: PlanInput) -> str:
    if inp.source == "sample":
        return sample_csv()
    if inp.rows is not None:
        return rows_to_csv(inp.rows)
    return inp.csv or ""


def plan_inputs(inp: PlanInput) -> dict[str, Any]:
    """What a study keeps: the parameters and the demand as CSV text, so it can be recomputed."""
    data = inp.model_dump(exclude={"rows"})
    data["csv"] = plan_csv_text(inp)
    return data


def _day_labels(start: datetime, count: int, interval: timedelta) -> list[str]:
    """A label at each midnight (or the first interval), blank elsewhere: axes of many days."""
    labels = []
    for k in range(count):
        t = start + k * interval
        first_of_day = k == 0 or (t.hour == 0 and t.minute == 0 and t.second == 0)
        labels.append(f"{WEEKDAYS[t.weekday()]} {t.day} {t:%b}" if first_of_day else "")
    return labels


def time_labels(interval_seconds: float, per_day: int) -> list[str]:
    return [
        f"{int(k * interval_seconds // 3600):02d}:{int(k * interval_seconds % 3600 // 60):02d}"
        for k in range(per_day)
    ]


PLAN_STEPS = ("reading the demand", "profile", "forecast", "backtest", "staffing plan", "simulation")


@dataclass(frozen=True)
class PlanRead:
    """A plan's demand, read and checked, and what computing the plan will cost."""

    series: DemandSeries
    # Intervals of history (the forecast and its backtest grow with them).
    intervals: int
    # Simulated calls of the plan's simulated day, estimated from the busiest day of the history
    # (the day itself is only known once forecast); 0 without a simulation.
    simulated_calls: float

    @property
    def runs_in_background(self) -> bool:
        """Beyond the thresholds of soms.limits the plan is computed by a job, not in the request."""
        return self.intervals > BACKGROUND_PLAN_INTERVALS or self.simulated_calls > BACKGROUND_SIMULATED_CALLS


def plan_read(inp: PlanInput) -> PlanRead:
    """Read and check a plan's demand before anything is computed or queued.

    Raises ``DemandCsvError`` listing every bad row, or ``CapacityInputError`` for a handle time that
    is neither given nor in the file: the answers a person gets at once, whatever the plan's size.
    """
    series = parse_demand_csv(plan_csv_text(inp))
    _aht(series, inp)
    simulated = 0.0
    if inp.simulate:
        # Days of the history counted from its first interval, the last one padded with no calls.
        per_day = intervals_per_day(series.interval)
        days = -(-len(series.arrivals) // per_day)
        calls = np.zeros(days * per_day)
        calls[: len(series.arrivals)] = np.nan_to_num(series.arrivals)
        busiest = float(calls.reshape(days, per_day).sum(axis=1).max())
        simulated = busiest * inp.replications
        if simulated > MAX_SIMULATED_CALLS:
            # Refused now rather than after a forecast that may take seconds (or in a job): a day
            # as busy as the history's busiest, simulated this often, is beyond the simulation's bound.
            raise CapacityInputError(
                "replications",
                f"the busiest day of the demand has {busiest:,.0f} calls; simulated {inp.replications} "
                f"times that is more than the {MAX_SIMULATED_CALLS:,} simulated calls one simulation "
                "accepts (limit MAX_SIMULATED_CALLS); use fewer replications",
            )
    return PlanRead(series=series, intervals=len(series.arrivals), simulated_calls=simulated)


def simulation_runs_in_background(inp: SimulateInput) -> bool:
    return inp.simulated_calls() > BACKGROUND_SIMULATED_CALLS


def compute_plan(
    inp: PlanInput,
    *,
    on_step: Callable[[str], None] | None = None,
    on_replication: Callable[[int, int], None] | None = None,
    read: PlanRead | None = None,
) -> dict[str, Any]:
    """Profile, forecast with backtest, staffing plan and (optionally) a simulated day.

    ``on_step`` is told the name of each step (from ``PLAN_STEPS``) as it starts, and
    ``on_replication`` each replication of the simulated day, for progress bars; ``read`` is the
    demand already read by ``plan_read``, so it is not read twice.
    Raises ``DemandCsvError`` listing every bad row, or ``CapacityInputError`` naming the field.
    """
    step = on_step or (lambda name: None)
    step(PLAN_STEPS[0])
    series = read.series if read is not None else parse_demand_csv(plan_csv_text(inp))
    step(PLAN_STEPS[1])
    profile = demand_profile(series)
    per_day = intervals_per_day(series.interval)
    horizon = inp.horizon_days * per_day
    step(PLAN_STEPS[2])
    try:
        fc = forecast(series, horizon, model=inp.model, profile=profile)
    except CapacityInputError as exc:
        # The core counts the horizon in intervals; the person chose it in days.
        if exc.field == "horizon":
            raise CapacityInputError("horizon_days", exc.reason) from None
        raise
    aht, aht_source = _aht(series, inp)
    step(PLAN_STEPS[3])
    scores, backtest_note = _backtest(series, per_day)
    step(PLAN_STEPS[4])
    plan = staffing_plan(
        fc,
        aht=aht,
        target=target_of(inp),
        shrinkage=_shrinkage(inp),
        patience=inp.patience,
        band=inp.band,
    )
    observed = series.observed
    staffing = plan.to_dict()
    staffing["calls_band"] = inp.band
    result: dict[str, Any] = {
        "series": {
            "start": series.start.isoformat(),
            "end": (series.start + len(series.arrivals) * series.interval).isoformat(),
            "interval_seconds": series.interval_seconds,
            "intervals": len(series.arrivals),
            "observed": int(observed.sum()),
            "days": round(len(series.arrivals) / per_day, 1),
            "total_calls": float(np.nansum(series.arrivals)),
            "mean_handle_time": series.mean_handle_time(),
            "aht_used": aht,
            "aht_source": aht_source,
            "source": inp.source,
            "filename": inp.filename,
        },
        "profile": profile.to_dict(),
        "profile_definitions": PROFILE_DEFINITIONS,
        "forecast": fc.to_dict() | {"timestamps": [t.isoformat() for t in fc.timestamps()]},
        "model_name": MODEL_NAMES[inp.model],
        "backtest": scores,
        "backtest_note": backtest_note,
        "staffing": staffing,
        "definitions": DEFINITIONS,
        "simulation": None,
    }
    if inp.simulate:
        step(PLAN_STEPS[5])
        result["simulation"] = simulate_plan_day(clean(result), inp, on_replication=on_replication)
    return clean_object(result)


def _backtest(series: DemandSeries, per_day: int) -> tuple[list[dict[str, Any]], str]:
    # Hold out a week when there is history to spare, less when there is not; a model needs a
    # week to fit on, so shorter files get an explanation instead of a table. Each model is
    # scored on its own, so one that needs more history does not hide the other's score.
    holdout = min(7, len(series.arrivals) // per_day - 7)
    if holdout < 1:
        return [], "No backtest: it needs at least eight days of history (a week to fit, a day to test)."
    scores, notes = [], []
    for model in MODELS:
        try:
            scores += [b.to_dict() for b in backtest(series, holdout_days=holdout, models=(model,))]
        except CapacityInputError as exc:
            notes.append(f"{MODEL_NAMES[model]} not backtested: {exc.reason}.")
    return scores, " ".join(notes)


def _aht(series: DemandSeries, inp: PlanParams) -> tuple[float, str]:
    if inp.aht is not None:
        return float(inp.aht), "given"
    from_file = series.mean_handle_time()
    if from_file is None:
        raise CapacityInputError(
            "aht", "the file has no handle-time column; give the average handle time in seconds"
        )
    return round(from_file, 1), "file"


def simulate_plan_day(
    plan_result: dict[str, Any],
    params: PlanParams,
    *,
    on_replication: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Simulate one forecast day of a computed plan with the plan's own staffing."""
    staffing = plan_result["staffing"]
    per_day = round(86_400 / staffing["interval_seconds"])
    first = params.simulate_day * per_day
    day = slice(first, first + per_day)
    calls = staffing["calls"][day]
    if not calls:
        raise CapacityInputError("simulate_day", "is beyond the forecast")
    try:
        sim = _plan_day_input(staffing, first, day, calls, params)
    except PydanticError as exc:
        # The plan's own day can break a simulation bound (say, calls × replications): name the
        # parameter that sets it rather than fail as if the server had.
        err = exc.errors()[0]
        field = "replications" if err["loc"] in ((), ("calls",)) else ".".join(map(str, err["loc"][:1]))
        raise CapacityInputError(field, str(err["msg"]).removeprefix("Value error, ")) from None
    out = compute_simulation(sim, on_replication=on_replication)
    out["day"] = params.simulate_day
    return out


def _plan_day_input(
    staffing: dict[str, Any], first: int, day: slice, calls: list[float], params: PlanParams
) -> SimulateInput:
    return SimulateInput(
        calls=calls,
        agents=staffing["agents"][day],
        interval_seconds=staffing["interval_seconds"],
        aht=float(np.mean(staffing["aht"][day])),
        start=staffing["timestamps"][first],
        replications=params.replications,
        seed=params.seed,
        service_level=params.service_level,
        answer_within=params.answer_within,
        definition=params.definition,
        max_occupancy=params.max_occupancy,
        shrinkage=params.shrinkage,
        patience=params.patience,
    )


# --------------------------------------------------------------------------------------------
# simulation


def compute_simulation(
    inp: SimulateInput, *, on_replication: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """Simulated service per interval beside the Erlang formula, with the intervals where they disagree.

    ``on_replication(done, replications)`` is told after each replication, for progress bars."""
    calls = np.asarray(inp.calls, dtype=np.float64)
    if inp.agents is None:
        agents = required_agents(
            calls,
            inp.aht,
            interval_seconds=inp.interval_seconds,
            target=target_of(inp),
            patience=inp.patience,
        ).agents
    else:
        agents = np.asarray(inp.agents, dtype=np.int64)
    sim = simulate_day(
        calls,
        agents,
        interval_seconds=inp.interval_seconds,
        aht=inp.aht,
        answer_within=inp.answer_within,
        patience=inp.patience,
        replications=inp.replications,
        seed=inp.seed,
        on_replication=on_replication,
    )
    formula = queue_metrics(
        calls,
        inp.aht,
        agents,
        interval_seconds=inp.interval_seconds,
        answer_within=inp.answer_within,
        patience=inp.patience,
        allow_overload=True,
    )
    flags = compare_with_formula(
        calls, agents, sim, aht=inp.aht, answer_within=inp.answer_within, patience=inp.patience
    )
    sl_metric = f"service_level_{inp.definition}"
    flagged = sorted({f.interval for f in flags})
    start = inp.start
    step = timedelta(seconds=inp.interval_seconds)
    timestamps = [(start + k * step).isoformat() for k in range(len(calls))] if start else []
    return clean_object(
        {
            "calls": calls.tolist(),
            "agents": agents.tolist(),
            "interval_seconds": inp.interval_seconds,
            "aht": inp.aht,
            "answer_within": inp.answer_within,
            "patience": inp.patience,
            "definition": inp.definition,
            "service_level_metric": sl_metric,
            "timestamps": timestamps,
            "replications": inp.replications,
            "seed": inp.seed,
            "simulated": sim.to_dict(),
            "formula": {
                "service_level": formula.service_level(inp.definition).tolist(),
                "asa": formula.asa.tolist(),
                "abandonment": formula.p_abandon.tolist(),
                "occupancy": formula.occupancy.tolist(),
            },
            "flags": [f.to_dict() for f in flags],
            "flagged_intervals": flagged,
        }
    )


def _interval_labels(result: dict[str, Any]) -> list[str]:
    if result.get("timestamps"):
        return [datetime.fromisoformat(t).strftime("%H:%M") for t in result["timestamps"]]
    return [str(k + 1) for k in range(len(result["calls"]))]


# --------------------------------------------------------------------------------------------
# downloads


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else (f"{v:.6g}" if isinstance(v, float) else v) for v in row])
    return out.getvalue()


def results_csv(kind: str, results: dict[str, Any]) -> str:
    if kind == "erlang":
        cols = ["agents", "fte", "service_level", "asa", "abandonment", "occupancy", "p_wait", "meets_target"]
        return _csv(cols, [[r[c] for c in cols] for r in results["table"]])
    if kind == "plan":
        s = results["staffing"]
        cols = [
            "calls",
            "calls_low",
            "calls_high",
            "aht",
            "agents",
            "agents_low",
            "agents_high",
            "fte",
            "fte_low",
            "fte_high",
            "service_level",
            "asa",
            "occupancy",
            "abandonment",
        ]
        rows = [[t, *(s[c][k] for c in cols)] for k, t in enumerate(s["timestamps"])]
        return _csv(["timestamp", *cols], rows)
    if kind == "simulation":
        return simulation_csv(results)
    raise ValueError(f"unknown study kind {kind!r}")


def simulation_csv(sim: dict[str, Any]) -> str:
    per = sim["simulated"]["per_interval"]
    metric = sim["service_level_metric"]
    labels = sim["timestamps"] or [str(k + 1) for k in range(len(sim["calls"]))]
    flagged = set(sim["flagged_intervals"])
    rows = []
    for k, label in enumerate(labels):
        sl, asa = per[metric][k], per["asa"][k]
        rows.append(
            [
                label,
                sim["calls"][k],
                sim["agents"][k],
                sim["formula"]["service_level"][k],
                sl["mean"],
                sl["low"],
                sl["high"],
                sim["formula"]["asa"][k],
                asa["mean"],
                asa["low"],
                asa["high"],
                "yes" if k in flagged else "",
            ]
        )
    header = [
        "interval",
        "calls",
        "agents",
        "service_level_formula",
        "service_level_simulated",
        "service_level_low95",
        "service_level_high95",
        "asa_formula",
        "asa_simulated",
        "asa_low95",
        "asa_high95",
        "disagrees",
    ]
    return _csv(header, rows)


def available_charts(kind: str, results: dict[str, Any]) -> list[str]:
    if kind == "erlang":
        return ["agents"]
    if kind == "simulation":
        return ["simulation"]
    charts = ["heatmap", "forecast", "staffing"]
    if results.get("simulation"):
        charts.append("simulation")
    return charts


def validate_model(name: str) -> str:
    if name not in MODELS:
        raise CapacityInputError("model", f"choose one of {', '.join(MODELS)}")
    return name
