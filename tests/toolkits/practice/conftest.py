"""Inputs for the value stream, KPI, delivery and stakeholder toolkit tests."""

from __future__ import annotations

from typing import Any

import pytest

from soms.toolkits.kpi import services as kpi_services
from soms.toolkits.kpi.schemas import KpiIn
from soms.toolkits.saved import services
from soms.toolkits.saved.registry import SAVED_KINDS

VSM_INPUT: dict[str, Any] = {
    "time_unit": "minutes",
    "current": {
        "steps": [
            {"name": "Receive", "process_time": 10, "complete_accurate_pct": 90, "office": "front"},
            {"name": "Assess", "process_time": 20, "waiting_time": 30, "complete_accurate_pct": 80},
            {"name": "Pay", "process_time": 5, "waiting_time": 60, "complete_accurate_pct": 95},
        ],
        "rework": [{"from_step": "3", "to_step": "2", "share_pct": 20}],
    },
}

DELIVERY_INPUT: dict[str, Any] = {
    "segments": [{"key": "retail", "name": "Retail", "variety": 2, "share_pct": 70}],
    "processes": [
        {"name": "First notice of loss", "office": "front", "volume": 5, "variety": 1, "segments": ["retail"]}
    ],
}

STAKEHOLDER_INPUT: dict[str, Any] = {
    "change_project": "Triage redesign",
    "stakeholders": [{"name": "Head of claims", "influence": 5, "interest": 5, "plan": "Steering group"}],
    "dimensions": [{"dimension": "organisations_people", "impact": "high", "risks": ["Resistance"]}],
}

INPUTS = {"value_stream": VSM_INPUT, "delivery_system": DELIVERY_INPUT, "stakeholder_map": STAKEHOLDER_INPUT}


def saved(kind: str, organisation: Any, user: Any, name: str = "Claims") -> Any:
    k = SAVED_KINDS[kind]
    return services.saved_result_create(
        kind=k,
        organisation=organisation,
        actor=user,
        name=name,
        inputs=k.input_schema.model_validate(INPUTS[kind]),
    )


def a_kpi(world: Any, organisation: Any = None, user: Any = None, **fields: Any) -> Any:
    from soms.tenancy.models import Membership

    organisation = organisation or world.org_a
    user = user or world.alice
    data = {
        "name": "Claims paid in 10 days",
        "unit": "%",
        "direction": "higher",
        "target": 80,
        "amber_limit": 70,
    } | fields
    return kpi_services.kpi_create(
        organisation=organisation,
        membership=Membership.objects.get(user=user, organisation=organisation),
        actor=user,
        data=KpiIn.model_validate(data),
    )


@pytest.fixture
def kinds() -> list[str]:
    return list(INPUTS)
