"""The study service computes what it saves: every edge hands it validated input, never results."""

from __future__ import annotations

import pytest

from soms.core.capacity import CapacityInputError
from soms.toolkits.capacity import compute as capacity
from soms.toolkits.capacity import services
from soms.toolkits.capacity.schemas import ErlangInput, PlanInput, SimulateInput
from soms.toolkits.models.capacity import CapacityStudy
from tests.toolkits.capacity.conftest import demand_csv


def test_the_service_computes_each_kind_from_its_inputs(world):
    cases = [
        (ErlangInput(calls=100, aht=180, interval_seconds=1800), "erlang", capacity.compute_erlang),
        (PlanInput(csv=demand_csv(), horizon_days=2, replications=3), "plan", capacity.compute_plan),
        (SimulateInput(calls=[10, 12], aht=300, replications=2), "simulation", capacity.compute_simulation),
    ]
    for inp, kind, compute in cases:
        study = services.capacity_study_create(
            organisation=world.org_a, actor=world.alice, name=kind, inp=inp
        )
        study.refresh_from_db()
        assert study.kind == kind
        assert study.results == compute(inp)


def test_a_sample_plan_gets_the_sample_label_wherever_it_is_saved(world):
    inp = PlanInput(source="sample", horizon_days=1, replications=2)
    study = services.capacity_study_create(organisation=world.org_a, actor=world.alice, name="s", inp=inp)
    assert study.description == capacity.SAMPLE_LABEL


def test_the_api_saves_exactly_what_the_service_saves(world):
    inputs = {"calls": 120, "aht": 240, "interval_seconds": 1800, "shrinkage": 0.3}
    response = world.client_for(world.alice, world.org_a).post(
        "/api/v1/capacity/studies",
        {"name": "via API", "kind": "erlang", "inputs": inputs},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    direct = services.capacity_study_create(
        organisation=world.org_a, actor=world.alice, name="direct", inp=ErlangInput(**inputs)
    )
    via_api = CapacityStudy.objects.get(pk=response.json()["id"])
    assert (via_api.inputs, via_api.results) == (direct.inputs, direct.results)


def test_input_the_core_refuses_saves_nothing(world):
    bad = PlanInput(csv="timestamp,arrivals\n2026-03-02T00:00,1\n", horizon_days=2)
    with pytest.raises(CapacityInputError):
        services.capacity_study_create(organisation=world.org_a, actor=world.alice, name="bad", inp=bad)
    assert not CapacityStudy.objects.exists()
