"""Capacity results as SVG charts: the same function draws the page and the download."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from soms.charts import Band, Estimate, Line, bar_chart, estimate_chart, heatmap, line_chart
from soms.toolkits.capacity.compute import WEEKDAYS, _day_labels, _interval_labels, time_labels

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _pct(value: float) -> str:
    return f"{value * 100:g} %"


def profile_heatmap(profile: dict[str, Any], *, ident: str = "profile-heatmap", width: float = 960) -> str:
    labels = time_labels(profile["interval_seconds"], profile["intervals_per_day"])
    return heatmap(
        profile["heatmap"],
        list(WEEKDAYS),
        labels,
        title="Demand profile: mean calls per interval",
        value_label="mean calls",
        missing_label="no data",
        ident=ident,
        width=width,
    )


def forecast_chart(
    fc: dict[str, Any], model_name: str, *, ident: str = "forecast-chart", width: float = 960
) -> str:
    start = datetime.fromisoformat(fc["start"])
    labels = _day_labels(start, len(fc["point"]), timedelta(seconds=fc["interval_seconds"]))
    return line_chart(
        labels,
        [Line(f"forecast ({model_name})", fc["point"])],
        bands=[
            Band("95 % prediction interval", fc["lower95"], fc["upper95"], opacity=0.14),
            Band("80 % prediction interval", fc["lower80"], fc["upper80"], opacity=0.28),
        ],
        title="Forecast: calls per interval",
        y_label="calls",
        ident=ident,
        width=width,
    )


def staffing_chart(staffing: dict[str, Any], *, ident: str = "staffing-chart", width: float = 960) -> str:
    start = datetime.fromisoformat(staffing["start"])
    labels = _day_labels(start, len(staffing["agents"]), timedelta(seconds=staffing["interval_seconds"]))
    t = staffing["target"]
    return bar_chart(
        labels,
        staffing["agents"],
        low=staffing["agents_low"],
        high=staffing["agents_high"],
        title=f"Agents required per interval ({_pct(t['service_level'])} in {t['answer_within']:g} s)",
        value_name="agents (forecast)",
        range_name=f"range from the {staffing['band']} % band",
        y_label="agents",
        ident=ident,
        width=width,
    )


def erlang_chart(
    result: dict[str, Any], inputs: dict[str, Any], *, ident: str = "erlang-chart", width: float = 960
) -> str:
    rows = result["table"]
    return bar_chart(
        [str(r["agents"]) for r in rows],
        # Percentages, as everywhere a person reads a service level; the JSON keeps fractions.
        [r["service_level"] * 100 for r in rows],
        title="Service level by number of agents",
        value_name="service level (%)",
        y_label="service level (%)",
        x_label="agents",
        reference=inputs["service_level"] * 100,
        reference_name=f"target {_pct(inputs['service_level'])} in {inputs['answer_within']:g} s",
        highlight=[r["is_answer"] for r in rows],
        highlight_name="agents required",
        value_format="{:.1f} %",
        ident=ident,
        width=width,
    )


def simulation_chart(sim: dict[str, Any], *, ident: str = "simulation-chart", width: float = 960) -> str:
    metric = sim["service_level_metric"]
    per = sim["simulated"]["per_interval"][metric]
    flagged = set(sim["flagged_intervals"])
    estimates = [
        Estimate(e["mean"] * 100, e["low"] * 100, e["high"] * 100)
        if e["mean"] is not None and sim["calls"][k] > 0
        else None
        for k, e in enumerate(per)
    ]
    return estimate_chart(
        _interval_labels(sim),
        estimates,
        [
            v * 100 if sim["calls"][k] > 0 and v is not None else None
            for k, v in enumerate(sim["formula"]["service_level"])
        ],
        title="Service level per interval: simulation against the Erlang formula",
        estimate_name=f"simulated (95 % CI, {sim['replications']} runs)",
        reference_name="Erlang formula",
        flagged=[k in flagged for k in range(len(per))],
        flag_name="formula and simulation disagree",
        y_label="service level (%)",
        y_range=(0.0, 100.0),
        value_format="{:.1f} %",
        ident=ident,
        width=width,
    )


def study_chart(kind: str, inputs: dict[str, Any], results: dict[str, Any], chart: str) -> str:
    """One chart of a study by name; ``ValueError`` for a name the study does not have."""
    if kind == "erlang" and chart == "agents":
        return erlang_chart(results, inputs)
    if kind == "simulation" and chart == "simulation":
        return simulation_chart(results)
    if kind == "plan":
        if chart == "heatmap":
            return profile_heatmap(results["profile"])
        if chart == "forecast":
            return forecast_chart(results["forecast"], results["model_name"])
        if chart == "staffing":
            return staffing_chart(results["staffing"])
        if chart == "simulation" and results.get("simulation"):
            return simulation_chart(results["simulation"])
    raise ValueError(f"this study has no {chart!r} chart")
