"""KPI API: definitions, measurements, imports and calculators; tenancy, roles and bad input."""

from __future__ import annotations

import json
from datetime import date

import pytest

from soms.toolkits.models.saved import Kpi, KpiMeasurement
from tests.toolkits.practice.conftest import a_kpi

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_define_measure_and_read_status(world):
    c = world.client_for(world.alice, world.org_a)
    r = post(
        c,
        "/api/v1/kpis",
        {"name": "NPS", "direction": "higher", "target": 40, "amber_limit": 20, "unit": "points"},
    )
    assert r.status_code == 201, r.content
    kpi = r.json()
    assert kpi["status"] == "none"
    r = post(c, f"/api/v1/kpis/{kpi['id']}/measurements", {"period": "2026-01-31", "value": 30})
    assert r.status_code == 201 and r.json()["status"] == "amber" and r.json()["source"] == "api"
    post(c, f"/api/v1/kpis/{kpi['id']}/measurements", {"period": "2026-02-28", "value": 45})
    body = c.get(f"/api/v1/kpis/{kpi['id']}").json()
    assert body["status"] == "green" and body["trend"] == "improving"
    assert body["latest"] == {"period": "2026-02-28", "value": 45}
    # The same period again replaces its value.
    post(c, f"/api/v1/kpis/{kpi['id']}/measurements", {"period": "2026-02-28", "value": 10})
    assert c.get(f"/api/v1/kpis/{kpi['id']}").json()["status"] == "red"
    assert KpiMeasurement.objects.count() == 2
    assert post(c, "/api/v1/kpis", {"name": "NPS"}).status_code == 409


def test_thresholds_on_the_wrong_side_are_refused(world):
    c = world.client_for(world.alice, world.org_a)
    r = post(c, "/api/v1/kpis", {"name": "AHT", "direction": "lower", "target": 300, "amber_limit": 200})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "payload", "amber_limit"]
    assert not Kpi.objects.exists()


def test_update_with_revision(world):
    kpi = a_kpi(world)
    c = world.client_for(world.alice, world.org_a)
    body = {"name": "Paid in 10 days", "target": 85, "amber_limit": 75, "revision": 1}
    r = c.put(f"/api/v1/kpis/{kpi.pk}", json.dumps(body), content_type="application/json")
    assert r.status_code == 200 and r.json()["revision"] == 2 and r.json()["target"] == 85
    r = c.put(f"/api/v1/kpis/{kpi.pk}", json.dumps(body), content_type="application/json")
    assert r.status_code == 409


def test_import_is_all_or_nothing_with_rows_and_columns(world):
    kpi = a_kpi(world)
    c = world.client_for(world.alice, world.org_a)
    bad = "period,value,note\n2026-01-31,71,\n2026-02-30,80,\n2026-03-31,lots,\n2026-01-31,75,\n"
    r = post(c, f"/api/v1/kpis/{kpi.pk}/measurements/import", {"csv": bad})
    assert r.status_code == 422
    assert [d["loc"] for d in r.json()["detail"]] == [
        ["body", "csv", "row", 3, "period"],
        ["body", "csv", "row", 4, "value"],
        ["body", "csv", "row", 5, "period"],
    ]
    assert not KpiMeasurement.objects.exists()
    # A period outside the dates people may enter is refused on its row, with the range.
    far = "period,value\n2026-01-31,71\n9999-12-31,80\n"
    r = post(c, f"/api/v1/kpis/{kpi.pk}/measurements/import", {"csv": far})
    assert r.status_code == 422 and [(d["loc"], d["msg"]) for d in r.json()["detail"]] == [
        (["body", "csv", "row", 3, "period"], "must be a date between 1900-01-01 and 2100-12-31")
    ]
    assert not KpiMeasurement.objects.exists()
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = SimpleUploadedFile(
        "m.csv", b"period,value\n2026-01-31,71\n2026-02-28,82\n", content_type="text/csv"
    )
    r = c.post(f"/api/v1/kpis/{kpi.pk}/measurements/import", {"file": good})
    assert r.status_code == 200 and r.json() == {"created": 2, "replaced": 0}
    assert c.get(f"/api/v1/kpis/{kpi.pk}/download?format=csv").content.decode().splitlines()[1:] == [
        "2026-01-31,71.0,amber,,imported",
        "2026-02-28,82.0,green,,imported",
    ]
    assert b"<svg" in c.get(f"/api/v1/kpis/{kpi.pk}/download?format=svg").content


KPI_ROUTES = [
    ("get", ""),
    ("put", ""),
    ("delete", ""),
    ("get", "/measurements"),
    ("post", "/measurements"),
    ("post", "/measurements/import"),
    ("get", "/download"),
]
BODIES = {
    "": {"name": "x", "revision": 1},
    "/measurements": {"period": "2026-01-31", "value": 1},
    "/measurements/import": {"csv": "period,value\n2026-01-31,1\n"},
}


@pytest.mark.parametrize("method, suffix", KPI_ROUTES)
def test_another_organisations_kpi_answers_like_a_missing_one(world, method, suffix):
    theirs = a_kpi(world, world.org_b, world.bob)
    c = world.client_for(world.alice, world.org_a)

    def call(pk):
        path = f"/api/v1/kpis/{pk}{suffix}"
        if method in ("put", "post"):
            return getattr(c, method)(path, json.dumps(BODIES[suffix]), content_type="application/json")
        return getattr(c, method)(path)

    other, missing = call(theirs.pk), call(999_999)
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert Kpi.objects.get(pk=theirs.pk).name == "Claims paid in 10 days"
    assert not KpiMeasurement.objects.exists()


def test_measurement_of_another_organisation_answers_like_a_missing_one(world):
    from soms.tenancy.models import Membership
    from soms.toolkits.kpi import services

    mine = a_kpi(world)
    theirs = a_kpi(world, world.org_b, world.bob)
    m = services.kpi_measurement_record(
        kpi=theirs,
        membership=Membership.objects.get(user=world.bob),
        actor=world.bob,
        period=date(2026, 1, 31),
        value=5,
    )
    c = world.client_for(world.alice, world.org_a)
    for path in (
        f"/api/v1/kpis/{mine.pk}/measurements/{m.pk}",
        f"/api/v1/kpis/{theirs.pk}/measurements/{m.pk}",
    ):
        r = c.delete(path)
        assert (
            r.status_code == 404
            and r.json() == c.delete(f"/api/v1/kpis/{mine.pk}/measurements/999999").json()
        )
    assert KpiMeasurement.objects.filter(pk=m.pk).exists()


@pytest.mark.parametrize("method, suffix", [r for r in KPI_ROUTES if r[0] != "get"])
def test_members_read_but_only_managers_write(world, method, suffix):
    kpi = a_kpi(world)
    member = world.client_for(world.charlie, world.org_a)
    assert member.get(f"/api/v1/kpis/{kpi.pk}").status_code == 200
    path = f"/api/v1/kpis/{kpi.pk}{suffix}"
    if method in ("put", "post"):
        r = getattr(member, method)(path, json.dumps(BODIES[suffix]), content_type="application/json")
    else:
        r = getattr(member, method)(path)
    assert r.status_code == 403
    assert post(member, "/api/v1/kpis", {"name": "Mine"}).status_code == 403
    assert Kpi.objects.count() == 1 and not KpiMeasurement.objects.exists()


def test_measurement_delete_role(world):
    from soms.tenancy.models import Membership
    from soms.toolkits.kpi import services

    kpi = a_kpi(world)
    m = services.kpi_measurement_record(
        kpi=kpi,
        membership=Membership.objects.get(user=world.alice),
        actor=world.alice,
        period=date(2026, 1, 31),
        value=5,
    )
    assert (
        world.client_for(world.charlie, world.org_a)
        .delete(f"/api/v1/kpis/{kpi.pk}/measurements/{m.pk}")
        .status_code
        == 403
    )
    assert (
        world.client_for(world.alice, world.org_a)
        .delete(f"/api/v1/kpis/{kpi.pk}/measurements/{m.pk}")
        .status_code
        == 204
    )


def test_calculators(world):
    c = world.client_for(world.charlie, world.org_a)
    r = post(c, "/api/v1/kpi/nps", {"scores": [10, 9, 9, 8, 7, 6, 5, 0, 10, 10]})
    assert r.json()["nps"] == pytest.approx(20) and r.json()["promoters"] == 5
    r = post(c, "/api/v1/kpi/nps", {"scores": [3, 11]})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "payload", "responses", 1]
    assert post(c, "/api/v1/kpi/csat", {"scores": [5, 4, 3, 2, 5]}).json()["csat"] == 60
    tickets = "id,opened,resolved,priority\nA,2026-01-12T09:00,2026-01-12T10:00,P1\nB,2026-01-12T09:00,2026-01-12T15:00,P1\n"
    r = post(c, "/api/v1/kpi/sla", {"csv": tickets, "targets_hours": {"P1": 4}})
    assert r.json()["attainment"] == 50
    bad = tickets + "C,2026-01-12T09:00,2026-01-11T10:00,P1\nD,2026-01-12T09:00,,P3\n"
    r = post(c, "/api/v1/kpi/sla", {"csv": bad, "targets_hours": {"P1": 4}})
    assert r.status_code == 422 and [d["loc"][-2:] for d in r.json()["detail"]] == [[4, "resolved"]]
    r = post(c, "/api/v1/kpi/sla", {"csv": tickets + "D,2026-01-12T09:00,,P3\n", "targets_hours": {"P1": 4}})
    assert [d["loc"][-2:] for d in r.json()["detail"]] == [[4, "priority"]]
    r = post(
        c,
        "/api/v1/kpi/sla",
        {"csv": tickets, "targets_hours": {"P1": 4}, "business_hours": {"opens": "09:00", "closes": "12:00"}},
    )
    assert r.json()["attainment"] == 100  # B took 3 business hours
    r = post(c, "/api/v1/kpi/fcr", {"cases": [{"contacts": 1}, {"contacts": 2}]})
    assert r.json()["fcr"] == 50


def test_an_import_whose_text_holds_a_lone_surrogate_is_refused_by_place(world):
    """Fuzzing the running server: JSON's escape "\\udcff" made a string Python cannot write as
    UTF-8, and the KPI import (which reads its own body) answered 500 when saving the note."""
    kpi = a_kpi(world)
    c = world.client_for(world.alice, world.org_a)
    body = '{"csv": "period,value,note\\n2026-01-31,71,caf\\udcff\\n"}'
    r = c.post(f"/api/v1/kpis/{kpi.pk}/measurements/import", body, content_type="application/json")
    assert r.status_code == 422, r.content
    (problem,) = r.json()["detail"]
    assert problem["loc"] == ["body", "csv"] and "lone surrogate (\\udcff)" in problem["msg"]
    assert not KpiMeasurement.objects.exists()
