"""Small demand files and saved studies for the capacity toolkit tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from soms.core.capacity.sample import series_to_csv, synthetic_series
from soms.toolkits.capacity import services
from soms.toolkits.capacity.schemas import ErlangInput, PlanInput
from soms.toolkits.models.capacity import CapacityStudy

MONDAY = datetime(2026, 3, 2)


def demand_csv(days: int = 15, *, handle_time: bool = True) -> str:
    """Hourly synthetic demand: small enough to keep the tests fast, long enough for a backtest."""
    text = series_to_csv(synthetic_series(MONDAY, days=days, interval=timedelta(hours=1), seed=4))
    if handle_time:
        return text
    return "\n".join(",".join(line.split(",")[:2]) for line in text.strip().splitlines()) + "\n"


@pytest.fixture
def csv_text() -> str:
    return demand_csv()


def erlang_study(
    world: Any, *, organisation: Any = None, user: Any = None, name: str = "Peak half-hour"
) -> CapacityStudy:
    inp = ErlangInput(calls=100, aht=180, interval_seconds=1800)
    return services.capacity_study_create(
        organisation=organisation or world.org_a,
        actor=user or world.alice,
        name=name,
        inp=inp,
    )


def plan_study(
    world: Any, *, organisation: Any = None, user: Any = None, simulate: bool = True
) -> CapacityStudy:
    inp = PlanInput(csv=demand_csv(), horizon_days=2, simulate=simulate, replications=4)
    return services.capacity_study_create(
        organisation=organisation or world.org_a,
        actor=user or world.alice,
        name="Hourly plan",
        inp=inp,
    )


# One bad file per way a demand export goes wrong, with the (row, column) it must be reported at.
BAD_FILES = {
    "bad timestamp": (
        "timestamp,arrivals\n2026-03-02T00:00,1\n2026-03-02T01:00,2\n2026-03-0x,3\n",
        4,
        "timestamp",
    ),
    "negative count": (
        "timestamp,arrivals\n2026-03-02T00:00,1\n2026-03-02T01:00,-2\n2026-03-02T02:00,3\n",
        3,
        "arrivals",
    ),
    "duplicate interval": (
        "timestamp,arrivals\n2026-03-02T00:00,1\n2026-03-02T01:00,2\n2026-03-02T01:00,3\n2026-03-02T02:00,3\n",
        4,
        "timestamp",
    ),
    "irregular spacing": (
        "timestamp,arrivals\n2026-03-02T00:00,1\n2026-03-02T01:00,2\n2026-03-02T02:00,3\n"
        "2026-03-02T02:20,3\n2026-03-02T03:00,3\n2026-03-02T04:00,3\n",
        5,
        "timestamp",
    ),
    "zero handle time": (
        "timestamp,arrivals,handle_time\n2026-03-02T00:00,1,200\n2026-03-02T01:00,2,0\n2026-03-02T02:00,3,180\n",
        3,
        "handle_time",
    ),
}
