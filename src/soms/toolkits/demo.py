"""Demo data of every toolkit (the demo seeder calls `seed` of each app)."""

from __future__ import annotations

from typing import Any

from soms.toolkits import practice_demo
from soms.toolkits.capacity import demo as capacity_demo


def seed(ctx: Any) -> None:
    capacity_demo.seed(ctx)
    practice_demo.seed(ctx)
