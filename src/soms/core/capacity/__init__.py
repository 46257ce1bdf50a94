"""Demand and capacity toolkit: pure functions over plain data (no Django).

The Django layer converts models and uploads to these types and back; everything here is
deterministic given its inputs (simulation takes a seed), so it is tested without a database.
"""

# The names below load on first use (PEP 562): importing one error type, or one submodule such as
# `limits`, must not cost a command that does no numerics the seconds SciPy takes to import.
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from soms.core.capacity.choices import MODELS
    from soms.core.capacity.demand import (
        PROFILE_DEFINITIONS,
        DemandProfile,
        DemandSeries,
        Gap,
        demand_profile,
        parse_demand_csv,
    )
    from soms.core.capacity.errors import CapacityInputError, CsvIssue, DemandCsvError
    from soms.core.capacity.forecast import (
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

_WHERE = {
    "BacktestResult": "soms.core.capacity.forecast",
    "CapacityInputError": "soms.core.capacity.errors",
    "CsvIssue": "soms.core.capacity.errors",
    "DEFINITIONS": "soms.core.capacity.queueing",
    "DaySimulation": "soms.core.capacity.simulation",
    "DemandCsvError": "soms.core.capacity.errors",
    "DemandProfile": "soms.core.capacity.demand",
    "DemandSeries": "soms.core.capacity.demand",
    "Estimate": "soms.core.capacity.simulation",
    "Forecast": "soms.core.capacity.forecast",
    "Gap": "soms.core.capacity.demand",
    "IntervalCheck": "soms.core.capacity.simulation",
    "MODELS": "soms.core.capacity.choices",
    "PROFILE_DEFINITIONS": "soms.core.capacity.demand",
    "QueueMetrics": "soms.core.capacity.queueing",
    "RequiredAgents": "soms.core.capacity.queueing",
    "StaffingPlan": "soms.core.capacity.staffing",
    "StaffingTarget": "soms.core.capacity.queueing",
    "StationaryResult": "soms.core.capacity.simulation",
    "backtest": "soms.core.capacity.forecast",
    "compare_with_formula": "soms.core.capacity.simulation",
    "demand_profile": "soms.core.capacity.demand",
    "erlang_a_metrics": "soms.core.capacity.queueing",
    "erlang_b": "soms.core.capacity.queueing",
    "erlang_c_metrics": "soms.core.capacity.queueing",
    "fourier_regression_forecast": "soms.core.capacity.forecast",
    "fte_after_shrinkage": "soms.core.capacity.queueing",
    "parse_demand_csv": "soms.core.capacity.demand",
    "queue_metrics": "soms.core.capacity.queueing",
    "required_agents": "soms.core.capacity.queueing",
    "seasonal_average_forecast": "soms.core.capacity.forecast",
    "simulate_day": "soms.core.capacity.simulation",
    "simulate_mmc": "soms.core.capacity.simulation",
    "staffing_plan": "soms.core.capacity.staffing",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE, "forecast"])


class _Package(ModuleType):
    """`forecast` names both a submodule and the function it defines. The import system sets the
    package attribute to the submodule when that first loads; with lazy loading that can happen after
    someone asked for the function, so the function is served by a property that ignores it."""

    @property
    def forecast(self) -> Any:
        from soms.core.capacity.forecast import forecast

        return forecast

    @forecast.setter
    def forecast(self, value: Any) -> None:
        pass


sys.modules[__name__].__class__ = _Package


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
