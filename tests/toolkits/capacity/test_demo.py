from __future__ import annotations

import pytest

from soms.site.seeding import seed_demo
from soms.toolkits.capacity.demo import ERLANG_NAME, PLAN_NAME
from soms.toolkits.models.capacity import CapacityStudy

pytestmark = pytest.mark.django_db


def test_demo_saves_a_synthetic_plan_and_an_erlang_study_once():
    seed_demo()
    seed_demo()
    studies = {s.name: s for s in CapacityStudy.objects.all()}
    assert set(studies) == {PLAN_NAME, ERLANG_NAME}
    plan = studies[PLAN_NAME]
    assert plan.organisation.name.startswith("Harbourside") and plan.created_by.username == "priya.raman"
    assert "synthetic" in plan.name.lower() and "synthetic" in plan.description.lower()
    assert plan.results["simulation"]["replications"] == 30 and plan.results["series"]["source"] == "sample"
    assert studies[ERLANG_NAME].results["model"] == "Erlang A"
