from __future__ import annotations

import pytest

from soms.site.seeding import seed_demo
from soms.toolkits.models.saved import DeliverySystem, Kpi, KpiMeasurement, StakeholderMap, ValueStreamMap

pytestmark = pytest.mark.django_db


def test_demo_gives_each_organisation_every_toolkit_once():
    seed_demo()
    seed_demo()
    for model in (ValueStreamMap, DeliverySystem, StakeholderMap):
        assert model.objects.count() == 2
        assert {o.organisation.name.split()[0] for o in model.objects.all()} == {"Harbourside", "Northgate"}
    harbour = ValueStreamMap.objects.get(organisation__name__startswith="Harbourside")
    assert harbour.results["future"] and harbour.results["comparison"]
    assert harbour.results["current"]["loop_gain"] == pytest.approx(0.15)
    assert Kpi.objects.count() == 6 and KpiMeasurement.objects.count() == 36
    assert Kpi.objects.get(name="Claims reopened").direction == "lower"
