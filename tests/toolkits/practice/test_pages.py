"""Pages of the toolkits: they render, compute, save, keep tenants apart and check roles."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from soms.tenancy.models import Membership
from soms.toolkits.kpi import services as kpi_services
from soms.toolkits.models.saved import KpiMeasurement, StakeholderMap, ValueStreamMap
from tests.toolkits.practice.conftest import INPUTS, a_kpi, saved

pytestmark = pytest.mark.django_db


def without_csrf(body: bytes) -> bytes:
    # Each response masks the CSRF token and draws a CSP nonce afresh; nothing else may differ.
    return re.sub(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": "|nonce=")[^"]+', rb"\1", body)


URL = {"value_stream": "/value-streams", "delivery_system": "/delivery", "stakeholder_map": "/stakeholders"}


def mgmt(prefix, total):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0"}


def vsm_post(**extra):
    data = {
        "time_unit": "minutes",
        **mgmt("steps", 4),
        **mgmt("rework", 1),
        **mgmt("future-steps", 0),
        **mgmt("future-rework", 0),
        "steps-0-name": "Receive", "steps-0-process_time": "10", "steps-0-complete_accurate_pct": "90", "steps-0-office": "front",
        "steps-1-name": "Assess", "steps-1-process_time": "20", "steps-1-waiting_time": "30", "steps-1-complete_accurate_pct": "80", "steps-1-office": "back",
        "steps-2-name": "Pay", "steps-2-process_time": "5", "steps-2-waiting_time": "60", "steps-2-complete_accurate_pct": "95", "steps-2-office": "back",
        "steps-3-office": "back",
        "rework-0-from_step": "3", "rework-0-to_step": "2", "rework-0-share_pct": "20",
        "name": "Claims",
    }  # fmt: skip
    return data | extra


def test_value_stream_editor_previews_and_saves(world):
    c = world.client_for(world.charlie, world.org_a)
    r = c.get("/value-streams/new/")
    assert r.status_code == 200 and b"steps-TOTAL_FORMS" in r.content
    r = c.post("/value-streams/new/", vsm_post(action="preview"))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-figure="lead_time">153.8 minutes' in html
    assert 'data-figure="pce">26.8 %' in html
    assert 'data-figure="rolled_ca">68.4 %' in html
    assert "<svg" in html
    r = c.post("/value-streams/new/", vsm_post(action="preview"), HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'id="editor"' in r.content.decode() and "<html" not in r.content.decode()
    r = c.post("/value-streams/new/", vsm_post(action="save"))
    assert r.status_code == 302
    m = ValueStreamMap.objects.get()
    assert m.results["current"]["lead_time"] == pytest.approx(153.75)
    r = c.get(f"/value-streams/{m.pk}/")
    assert r.status_code == 200 and b"Claims" in r.content and b"Critical path" in r.content
    r = c.get(f"/value-streams/{m.pk}/edit/")
    assert r.status_code == 200 and b'value="Assess"' in r.content
    data = vsm_post(action="save", revision="1", **{"steps-1-waiting_time": "10", "name": "Claims v2"})
    r = c.post(f"/value-streams/{m.pk}/edit/", data)
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.revision == 2 and m.name == "Claims v2"
    r = c.post(f"/value-streams/{m.pk}/edit/", data)  # stale revision
    assert r.status_code == 400 and b'id="conflict"' in r.content
    assert c.get(f"/value-streams/{m.pk}/download/?format=csv")["Content-Type"].startswith("text/csv")
    assert c.get(f"/value-streams/{m.pk}/download/?format=svg&chart=future").status_code == 400


def test_value_stream_bad_input_lands_on_the_row_and_saves_nothing(world):
    c = world.client_for(world.alice, world.org_a)
    bad = vsm_post(action="save", **{"steps-1-complete_accurate_pct": "120", "steps-2-waiting_time": "-5"})
    r = c.post("/value-streams/new/", bad)
    assert r.status_code == 400
    html = r.content.decode()
    assert "must be at most 100" in html and "must be at least 0" in html
    cycle = vsm_post(action="save", **{"steps-0-after": "3"})
    r = c.post("/value-streams/new/", cycle)
    assert r.status_code == 400 and "rework loop" in r.content.decode()
    forever = vsm_post(action="save", **{"rework-0-share_pct": "100"})
    assert c.post("/value-streams/new/", forever).status_code == 400
    missing = vsm_post(action="save", **{"steps-3-name": "Orphan"})
    r = c.post("/value-streams/new/", missing)
    assert r.status_code == 400 and "Required in a row" in r.content.decode()
    assert not ValueStreamMap.objects.exists()


def test_add_rows_keeps_what_was_typed(world):
    c = world.client_for(world.alice, world.org_a)
    r = c.post("/value-streams/new/", vsm_post(action="more"))
    assert r.status_code == 200
    assert b'name="steps-6-name"' in r.content and b'value="Assess"' in r.content
    # The rows added are blank rows, not rows "filled in" without their required fields.
    assert "Required in a row that is filled in" not in r.content.decode()


@pytest.mark.parametrize("url", ["/value-streams/new/", "/delivery/new/", "/stakeholders/new/"])
def test_add_rows_on_a_new_page_adds_blank_rows_without_errors(world, url):
    c = world.client_for(world.alice, world.org_a)
    page = c.get(url).content.decode()
    fields = dict(
        re.findall(r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d+)"', page)
    )
    assert fields
    # What a browser sends for the blank rows: their selects' chosen options.
    for name, body in re.findall(r'<select name="([\w-]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        if chosen:
            fields[name] = chosen.group(1)
    r = c.post(url, {**fields, "action": "more"})
    assert r.status_code == 200
    text = r.content.decode()
    assert "Required in a row that is filled in" not in text and "This field is required" not in text


def test_delivery_and_stakeholder_editors(world):
    c = world.client_for(world.alice, world.org_a)
    data = {
        **mgmt("segments", 1), **mgmt("processes", 2),
        "segments-0-key": "retail", "segments-0-name": "Retail", "segments-0-variety": "2",
        "processes-0-name": "First notice", "processes-0-office": "front", "processes-0-volume": "5", "processes-0-variety": "1", "processes-0-segments": "retail",
        "processes-1-office": "front",
        "name": "Claims delivery", "action": "save",
    }  # fmt: skip
    r = c.post("/delivery/new/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    detail = c.get(r["Location"]).content.decode()
    assert "Mass service" in detail and "standardise" in detail
    bad = data | {"processes-0-volume": "7"}
    assert c.post("/delivery/new/", bad).status_code == 400
    data = {
        **mgmt("stakeholders", 2),
        "change_project": "Triage", "stakeholders-0-name": "Head of claims", "stakeholders-0-influence": "5", "stakeholders-0-interest": "4",
        "organisations_people-impact": "high", "organisations_people-risks": "Resistance\nTraining time",
        "name": "Triage stakeholders", "action": "save",
    }  # fmt: skip
    r = c.post("/stakeholders/new/", data)
    assert r.status_code == 302
    sm = StakeholderMap.objects.get()
    assert sm.change_project == "Triage" and sm.results["risk_count"] == 2
    detail = c.get(r["Location"]).content.decode()
    assert "Manage closely" in detail and "Not assessed yet" in detail
    bad = data | {"stakeholders-0-influence": "9"}
    assert c.post("/stakeholders/new/", bad).status_code == 400


@pytest.mark.parametrize("kind", list(INPUTS))
@pytest.mark.parametrize(
    "suffix, method",
    [
        ("/", "get"),
        ("/edit/", "get"),
        ("/edit/", "post"),
        ("/delete/", "post"),
        ("/download/?format=json", "get"),
    ],
)
def test_pages_answer_404_for_another_organisation_like_a_missing_id(world, kind, suffix, method):
    theirs = saved(kind, world.org_b, world.bob)
    c = world.client_for(world.alice, world.org_a)
    other = getattr(c, method)(f"{URL[kind]}/{theirs.pk}{suffix}")
    missing = getattr(c, method)(f"{URL[kind]}/999999{suffix}")
    assert other.status_code == missing.status_code == 404
    assert without_csrf(other.content) == without_csrf(missing.content)
    assert type(theirs).objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("kind", list(INPUTS))
def test_pages_let_only_the_author_or_an_admin_change(world, kind):
    obj = saved(kind, world.org_a, world.alice)
    member = world.client_for(world.charlie, world.org_a)
    assert member.get(f"{URL[kind]}/{obj.pk}/").status_code == 200
    assert member.get(f"{URL[kind]}/{obj.pk}/edit/").status_code == 403
    assert member.post(f"{URL[kind]}/{obj.pk}/delete/").status_code == 403
    assert member.get(f"{URL[kind]}/").status_code == 200
    admin = world.client_for(world.alice, world.org_a)
    assert admin.post(f"{URL[kind]}/{obj.pk}/delete/", {"revision": "1"}).status_code == 302
    assert not type(obj).objects.exists()


def test_kpi_pages_define_record_turn_amber_then_green(world):
    c = world.client_for(world.alice, world.org_a)
    r = c.post(
        "/kpis/new/",
        {
            "name": "Paid in 10 days",
            "direction": "higher",
            "target": "80",
            "amber_limit": "70",
            "unit": "%",
            "frequency": "monthly",
        },
    )
    assert r.status_code == 302
    url = r["Location"]
    r = c.post(f"{url}measurements/", {"period": "2026-01-31", "value": "75"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'id="kpi-status">amber' in r.content.decode()
    r = c.post(f"{url}measurements/", {"period": "2026-02-28", "value": "84"}, HTTP_HX_REQUEST="true")
    assert 'id="kpi-status">green' in r.content.decode()
    assert b"green" in c.get("/kpis/").content
    r = c.post(f"{url}measurements/", {"period": "nope", "value": "x"})
    assert r.status_code == 400
    assert KpiMeasurement.objects.count() == 2


def test_kpi_form_refuses_thresholds_on_the_wrong_side(world):
    c = world.client_for(world.alice, world.org_a)
    r = c.post(
        "/kpis/new/",
        {"name": "AHT", "direction": "lower", "target": "300", "amber_limit": "200", "frequency": "monthly"},
    )
    assert r.status_code == 400 and "at or above the target" in r.content.decode()


def test_kpi_import_page_is_all_or_nothing(world):
    kpi = a_kpi(world)
    c = world.client_for(world.alice, world.org_a)
    bad = SimpleUploadedFile("m.csv", b"period,value\n2026-01-31,71\n2026-02-31,80\n")
    r = c.post(f"/kpis/{kpi.pk}/measurements/import/", {"file": bad})
    assert r.status_code == 400 and "Row 3, column period" in r.content.decode()
    assert not KpiMeasurement.objects.exists()
    good = SimpleUploadedFile("m.csv", b"period,value\n2026-01-31,71\n2026-02-28,80\n")
    assert c.post(f"/kpis/{kpi.pk}/measurements/import/", {"file": good}).status_code == 302
    assert KpiMeasurement.objects.count() == 2


@pytest.mark.parametrize(
    "method, suffix",
    [
        ("get", "/"),
        ("get", "/edit/"),
        ("post", "/edit/"),
        ("post", "/delete/"),
        ("get", "/download/?format=csv"),
        ("post", "/measurements/"),
        ("post", "/measurements/import/"),
    ],
)
def test_kpi_pages_answer_404_for_another_organisation(world, method, suffix):
    theirs = a_kpi(world, world.org_b, world.bob)
    c = world.client_for(world.alice, world.org_a)
    other = getattr(c, method)(f"/kpis/{theirs.pk}{suffix}")
    missing = getattr(c, method)(f"/kpis/999999{suffix}")
    assert other.status_code == missing.status_code == 404 and without_csrf(other.content) == without_csrf(
        missing.content
    )


def test_kpi_measurement_delete_page_tenancy_and_role(world):
    mine, theirs = a_kpi(world), a_kpi(world, world.org_b, world.bob)
    m = kpi_services.kpi_measurement_record(
        kpi=theirs,
        membership=Membership.objects.get(user=world.bob),
        actor=world.bob,
        period=date(2026, 1, 31),
        value=1,
    )
    mm = kpi_services.kpi_measurement_record(
        kpi=mine,
        membership=Membership.objects.get(user=world.alice),
        actor=world.alice,
        period=date(2026, 1, 31),
        value=1,
    )
    c = world.client_for(world.alice, world.org_a)
    a = c.post(f"/kpis/{mine.pk}/measurements/{m.pk}/delete/")
    b = c.post(f"/kpis/{mine.pk}/measurements/999999/delete/")
    assert a.status_code == b.status_code == 404 and without_csrf(a.content) == without_csrf(b.content)
    member = world.client_for(world.charlie, world.org_a)
    assert member.post(f"/kpis/{mine.pk}/measurements/{mm.pk}/delete/").status_code == 403
    assert KpiMeasurement.objects.count() == 2


def test_kpi_pages_roles(world):
    kpi = a_kpi(world)
    member = world.client_for(world.charlie, world.org_a)
    assert member.get(f"/kpis/{kpi.pk}/").status_code == 200
    assert b"Record a value" not in member.get(f"/kpis/{kpi.pk}/").content
    assert member.get("/kpis/new/").status_code == 403
    assert member.get(f"/kpis/{kpi.pk}/edit/").status_code == 403
    assert (
        member.post(f"/kpis/{kpi.pk}/measurements/", {"period": "2026-01-31", "value": "1"}).status_code
        == 403
    )
    assert member.post(f"/kpis/{kpi.pk}/delete/").status_code == 403
    assert not KpiMeasurement.objects.exists()


def test_calculators_page(world):
    kpi = a_kpi(world, name="NPS", target=30, amber_limit=10, unit="points")
    c = world.client_for(world.alice, world.org_a)
    assert c.get("/kpis/calculators/").status_code == 200
    f = SimpleUploadedFile("r.csv", b"id,score,comment\n1,10,x\n2,9,y\n3,3,z\n4,8,w\n")
    r = c.post("/kpis/calculators/", {"calculator": "nps", "nps-file": f})
    assert r.status_code == 200 and 'id="nps-value">25.0' in r.content.decode()
    bad = SimpleUploadedFile("r.csv", b"score\n10\n11\n")
    r = c.post("/kpis/calculators/", {"calculator": "nps", "nps-file": bad})
    assert r.status_code == 400 and "Row 3, column score" in r.content.decode()
    r = c.post(
        "/kpis/calculators/",
        {
            "calculator": "csat",
            "csat-scores": "5 4 3 2 5",
            "csat-lowest": "1",
            "csat-highest": "5",
            "csat-satisfied_from": "4",
        },
    )
    assert 'id="csat-value">60.0 %' in r.content.decode()
    tickets = SimpleUploadedFile(
        "t.csv",
        b"opened,resolved,priority\n2026-01-12T09:00,2026-01-12T10:00,P1\n2026-01-12T09:00,2026-01-11T10:00,P1\n",
    )
    r = c.post("/kpis/calculators/", {"calculator": "sla", "sla-file": tickets, "sla-targets": "P1=4"})
    assert r.status_code == 400 and "Row 3, column resolved" in r.content.decode()
    r = c.post(
        "/kpis/calculators/",
        {
            "calculator": "nps",
            "nps-scores": "10 10 9 0",
            "record-kpi": str(kpi.pk),
            "record-period": "2026-03-31",
        },
    )
    assert r.status_code == 302
    m = KpiMeasurement.objects.get()
    assert m.value == 50 and m.source == "calculated" and m.details["promoters"] == 3


def test_calculators_page_first_contact_resolution(world):
    c = world.client_for(world.alice, world.org_a)
    cases = SimpleUploadedFile("c.csv", b"contacts,resolved\n1,yes\n2,yes\n1,no\n")
    r = c.post("/kpis/calculators/", {"calculator": "fcr", "fcr-file": cases})
    assert r.status_code == 200 and 'id="fcr-value">50.0 %' in r.content.decode()
    bad = SimpleUploadedFile("c.csv", b"contacts\nmany\n")
    r = c.post("/kpis/calculators/", {"calculator": "fcr", "fcr-file": bad})
    assert r.status_code == 400 and "Row 2, column contacts" in r.content.decode()
