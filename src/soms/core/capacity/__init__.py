"""Demand and capacity toolkit: pure functions over plain data (no Django).

The Django layer converts models and uploads to these types and back; everything here is
deterministic given its inputs (simulation takes a seed), so it is tested without a database.
"""

from soms.core.capacity.demand import (
    PROFILE_DEFINITIONS,
    CsvIssue,
    DemandCsvError,
    DemandProfile,
    DemandSeries,
    Gap,
    demand_profile,
    parse_demand_csv,
)
from soms.core.capacity.errors import CapacityInputError
from soms.core.capacity.forecast import (
    MODELS,
    BacktestResult,
    Forecast,
    backtest,
    forecast,
    fourier_regression_forecast,
    seasonal_average_forecast,
)
from soms.core.capacity.queueing import (
    DEFINITIONS,
    QueueMetrics,
    RequiredAgents,
    StaffingTarget,
    erlang_a_metrics,
    erlang_b,
    erlang_c_metrics,
    fte_after_shrinkage,
    queue_metrics,
    required_agents,
)
from soms.core.capacity.simulation import (
    DaySimulation,
    Estimate,
    IntervalCheck,
    StationaryResult,
    compare_with_formula,
    simulate_day,
    simulate_mmc,
)
from soms.core.capacity.staffing import StaffingPlan, staffing_plan

__all__ = [
    "DEFINITIONS",
    "MODELS",
    "PROFILE_DEFINITIONS",
    "BacktestResult",
    "CapacityInputError",
    "CsvIssue",
    "DaySimulation",
    "DemandCsvError",
    "DemandProfile",
    "DemandSeries",
    "Estimate",
    "Forecast",
    "Gap",
    "IntervalCheck",
    "QueueMetrics",
    "RequiredAgents",
    "StaffingPlan",
    "StaffingTarget",
    "StationaryResult",
    "backtest",
    "compare_with_formula",
    "demand_profile",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c_metrics",
    "forecast",
    "fourier_regression_forecast",
    "fte_after_shrinkage",
    "parse_demand_csv",
    "queue_metrics",
    "required_agents",
    "seasonal_average_forecast",
    "simulate_day",
    "simulate_mmc",
    "staffing_plan",
]
