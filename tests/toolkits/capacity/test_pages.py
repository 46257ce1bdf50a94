"""Capacity pages: each works, stays inside its organisation, checks roles, rejects bad input, handles conflicts."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from soms.core.capacity import DEFINITIONS, PROFILE_DEFINITIONS
from soms.tenancy.models import AuditLogEntry
from soms.toolkits.models.capacity import CapacityStudy
from tests.toolkits.capacity.conftest import BAD_FILES, demand_csv, erlang_study, plan_study

pytestmark = pytest.mark.django_db

ERLANG = {
    "calls": "100",
    "interval_minutes": "30",
    "aht": "180",
    "service_level": "80",
    "answer_within": "20",
    "definition": "offered",
    "max_occupancy": "85",
    "shrinkage": "30",
}
PLAN = {
    "source": "upload",
    "horizon_days": "2",
    "model": "seasonal_average",
    "band": "80",
    "service_level": "80",
    "answer_within": "20",
    "definition": "offered",
    "max_occupancy": "85",
    "shrinkage": "30",
    "simulate_day": "1",
    "replications": "4",
}


def without_csrf(body: bytes) -> bytes:
    # Each response masks the CSRF token and draws a CSP nonce afresh; nothing else may differ.
    return re.sub(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": "|nonce=")[^"]+', rb"\1", body)


def upload(text: str, name: str = "demand.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


# ---- home ----------------------------------------------------------------------------------


def test_home_lists_only_this_organisations_studies(world):
    erlang_study(world, name="Alpha peak")
    erlang_study(world, organisation=world.org_b, user=world.bob, name="Beta peak")
    page = world.client_for(world.charlie).get(reverse("capacity-home"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Alpha peak" in text and "Beta peak" not in text
    assert 'href="/capacity/"' in text  # the nav link
    assert "Erlang calculator" in text and "sample data" in text


def test_pages_need_sign_in(client):
    for name in ("capacity-home", "capacity-erlang", "capacity-plan"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]


# ---- Erlang calculator ---------------------------------------------------------------------


def test_erlang_page_opens_with_a_result_and_the_definitions(world):
    text = world.client_for(world.charlie).get(reverse("capacity-erlang")).content.decode()
    assert '<span class="kpi-value" id="required-agents">14</span>' in text
    assert "88.8 %" in text and "7.8 s" in text
    assert DEFINITIONS["service_level_answered"] in text and DEFINITIONS["asa"] in text
    assert 'id="agents-table"' in text and "<svg" in text


def test_erlang_plain_post_computes(world):
    response = world.client_for(world.charlie).post(reverse("capacity-erlang"), ERLANG | {"patience": "120"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Erlang A" in text and 'id="erlang-result"' in text and "<html" in text


def test_erlang_htmx_returns_only_the_result(world):
    response = world.client_for(world.charlie).post(
        reverse("capacity-erlang"), ERLANG | {"calls": "200"}, HTTP_HX_REQUEST="true"
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert text.lstrip().startswith("<section") and "<html" not in text
    assert 'id="required-agents">' in text


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("aht", "0", "Average handle time"),
        ("calls", "-5", "Calls per interval"),
        ("service_level", "100", "Target service level"),
        ("interval_minutes", "ten", "Interval length"),
        ("shrinkage", "100", "Shrinkage"),
    ],
)
def test_erlang_bad_input_names_the_field_and_saves_nothing(world, field, value, label):
    response = world.client_for(world.charlie).post(
        reverse("capacity-erlang"), ERLANG | {field: value, "action": "save", "name": "Should not exist"}
    )
    assert response.status_code == 400
    assert f"<li>{label}" in response.content.decode()
    assert not CapacityStudy.objects.exists()


def test_erlang_save_creates_a_study_with_an_audit_row(world):
    client = world.client_for(world.charlie)
    response = client.post(reverse("capacity-erlang"), ERLANG | {"action": "save", "name": "  Monday peak  "})
    study = CapacityStudy.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("capacity-study", args=[study.pk])
    assert (study.name, study.kind, study.organisation, study.created_by) == (
        "Monday peak",
        "erlang",
        world.org_a,
        world.charlie,
    )
    assert study.results["agents"] == 14 and study.inputs["shrinkage"] == 0.3
    assert AuditLogEntry.objects.filter(action="capacity_study.create", object_id=str(study.pk)).exists()


def test_erlang_save_without_a_name_keeps_the_input(world):
    response = world.client_for(world.charlie).post(
        reverse("capacity-erlang"), ERLANG | {"action": "save", "name": " "}
    )
    assert response.status_code == 400
    assert not CapacityStudy.objects.exists()
    assert 'value="100"' in response.content.decode()


def test_erlang_reopens_a_saved_study_but_not_another_organisations(world):
    mine = erlang_study(world)
    theirs = erlang_study(world, organisation=world.org_b, user=world.bob)
    client = world.client_for(world.charlie)
    text = client.get(reverse("capacity-erlang") + f"?study={mine.pk}").content.decode()
    assert 'value="Peak half-hour"' in text and 'id="required-agents">14<' in text
    assert client.get(reverse("capacity-erlang") + f"?study={theirs.pk}").status_code == 404


# ---- demand plan ---------------------------------------------------------------------------


def test_plan_page_starts_empty_and_with_the_sample_says_it_is_synthetic(world):
    client = world.client_for(world.charlie)
    empty = client.get(reverse("capacity-plan"))
    assert empty.status_code == 200 and 'id="plan-result"' not in empty.content.decode()
    sample = client.get(reverse("capacity-plan") + "?source=sample").content.decode()
    assert "Synthetic sample data" in sample and 'id="heatmap"' in sample


def test_plan_upload_shows_profile_forecast_backtest_and_staffing(world):
    response = world.client_for(world.charlie).post(
        reverse("capacity-plan"),
        PLAN | {"demand_file": upload(demand_csv(days=22)), "model": "fourier_regression"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    for anchor in (
        'id="heatmap"',
        'id="forecast-chart"',
        'id="staffing-chart"',
        'id="backtest"',
        'id="staffing-days"',
    ):
        assert anchor in text
    assert "Demand profile: mean calls per interval" in text
    assert "Seasonal average" in text and "Fourier regression" in text
    assert PROFILE_DEFINITIONS["peak_to_average"] in text
    # The CSV rides along in the page, so saving does not ask for the file again.
    assert 'name="csv_text"' in text and "2026-03-02T00:00:00,0," in text
    assert "demand.csv" in text and not CapacityStudy.objects.exists()


def test_plan_save_uses_the_carried_csv(world):
    client = world.client_for(world.charlie)
    text = demand_csv()
    response = client.post(
        reverse("capacity-plan"),
        PLAN | {"csv_text": text, "filename": "demand.csv", "action": "save", "name": "Week 10"},
    )
    study = CapacityStudy.objects.get()
    assert response.status_code == 302
    assert study.kind == "plan" and study.inputs["csv"] == text and study.inputs["filename"] == "demand.csv"
    detail = client.get(response["Location"]).content.decode()
    assert "Week 10" in detail and 'id="heatmap"' in detail and 'id="staffing-chart"' in detail


def test_plan_sample_save_is_described_as_synthetic(world):
    client = world.client_for(world.charlie)
    client.post(
        reverse("capacity-plan"),
        PLAN | {"source": "sample", "horizon_days": "1", "action": "save", "name": "Try"},
    )
    assert "synthetic" in CapacityStudy.objects.get().description.lower()


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_plan_bad_csv_lists_row_and_column_and_saves_nothing(world, case):
    text, row, column = BAD_FILES[case]
    response = world.client_for(world.charlie).post(
        reverse("capacity-plan"), PLAN | {"demand_file": upload(text), "action": "save", "name": "Nope"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="csv-issues"' in body and f"<td>{row}</td><td>{column}</td>" in body
    assert "nothing was computed or saved" in body
    assert not CapacityStudy.objects.exists()


def test_plan_without_handle_times_asks_for_the_aht(world):
    response = world.client_for(world.charlie).post(
        reverse("capacity-plan"), PLAN | {"demand_file": upload(demand_csv(handle_time=False))}
    )
    assert response.status_code == 400
    assert (
        "Average handle time (seconds, optional): the file has no handle-time column"
        in response.content.decode()
    )


def test_plan_needs_a_file_or_the_sample(world):
    response = world.client_for(world.charlie).post(reverse("capacity-plan"), PLAN)
    assert response.status_code == 400
    assert "Choose a CSV file" in response.content.decode()


def test_plan_rejects_a_file_that_is_not_text(world):
    response = world.client_for(world.charlie).post(
        reverse("capacity-plan"), PLAN | {"demand_file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad")}
    )
    assert response.status_code == 400 and "not UTF-8" in response.content.decode()


def test_plan_simulation_in_place_with_htmx_and_as_a_plain_post(world):
    client = world.client_for(world.charlie)
    data = PLAN | {"csv_text": demand_csv(), "action": "simulate"}
    partial = client.post(reverse("capacity-plan"), data, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<section id="simulation"')
    assert 'id="simulation-chart"' in partial and "4 times" in partial
    full = client.post(reverse("capacity-plan"), data)
    assert full.status_code == 200 and 'id="simulation-chart"' in full.content.decode()


def test_plan_simulate_day_beyond_the_horizon_names_the_field(world):
    response = world.client_for(world.charlie).post(
        reverse("capacity-plan"), PLAN | {"csv_text": demand_csv(), "simulate": "on", "simulate_day": "5"}
    )
    assert response.status_code == 400
    assert "Day to simulate" in response.content.decode()


def test_plan_reopens_a_saved_study(world):
    study = plan_study(world)
    text = (
        world.client_for(world.charlie).get(reverse("capacity-plan") + f"?study={study.pk}").content.decode()
    )
    assert 'id="staffing-chart"' in text and 'value="Hourly plan"' in text


# ---- saved studies -------------------------------------------------------------------------


def test_study_pages_show_each_kind(world):
    client = world.client_for(world.charlie)
    erlang = erlang_study(world)
    plan = plan_study(world)
    text = client.get(reverse("capacity-study", args=[erlang.pk])).content.decode()
    assert "Peak half-hour" in text and 'id="agents-table"' in text and "?format=csv" in text
    text = client.get(reverse("capacity-study", args=[plan.pk])).content.decode()
    assert 'id="heatmap"' in text and 'id="simulation-chart"' in text and "chart=simulation" in text


def test_a_simulation_study_saved_through_the_api_has_a_page_and_downloads(world):
    client = world.client_for(world.charlie)
    created = client.post(
        "/api/v1/capacity/studies",
        json.dumps(
            {
                "name": "Lunchtime",
                "kind": "simulation",
                "inputs": {
                    "calls": [80, 120, 90],
                    "aht": 180,
                    "replications": 3,
                    "start": "2026-03-02T12:00",
                },
            }
        ),
        content_type="application/json",
    ).json()
    text = client.get(reverse("capacity-study", args=[created["id"]])).content.decode()
    assert 'id="simulation-chart"' in text and "12:30" in text
    url = reverse("capacity-study-download", args=[created["id"]])
    assert client.get(url + "?format=csv").content.decode().startswith("interval,calls,agents")
    assert client.get(url + "?format=svg").content.startswith(b"<svg")


def test_another_organisations_study_answers_exactly_like_a_missing_one(world):
    theirs = erlang_study(world, organisation=world.org_b, user=world.bob)
    client = world.client_for(world.alice)
    missing_id = theirs.pk + 1000
    for name, method in [
        ("capacity-study", "get"),
        ("capacity-study-download", "get"),
        ("capacity-study-rename", "post"),
        ("capacity-study-delete", "post"),
    ]:
        other = getattr(client, method)(reverse(name, args=[theirs.pk]), {"name": "x", "revision": "1"})
        missing = getattr(client, method)(reverse(name, args=[missing_id]), {"name": "x", "revision": "1"})
        assert other.status_code == missing.status_code == 404
        assert without_csrf(other.content) == without_csrf(missing.content)
    theirs.refresh_from_db()
    assert theirs.name == "Peak half-hour"


def test_rename_by_the_creator_and_by_an_admin(world):
    study = erlang_study(world, user=world.charlie)
    client = world.client_for(world.charlie)
    response = client.post(
        reverse("capacity-study-rename", args=[study.pk]), {"name": "Renamed", "revision": "1"}
    )
    assert response.status_code == 302
    study.refresh_from_db()
    assert (study.name, study.revision) == ("Renamed", 2)
    assert AuditLogEntry.objects.filter(action="capacity_study.rename").exists()
    admin = world.client_for(world.alice)
    assert (
        admin.post(
            reverse("capacity-study-rename", args=[study.pk]), {"name": "By owner", "revision": "2"}
        ).status_code
        == 302
    )


def test_other_members_may_read_but_not_rename_or_delete(world):
    study = erlang_study(world, user=world.alice)
    client = world.client_for(world.charlie)
    page = client.get(reverse("capacity-study", args=[study.pk])).content.decode()
    assert "Only the person who saved this study" in page and "Delete study" not in page
    assert (
        client.post(
            reverse("capacity-study-rename", args=[study.pk]), {"name": "Mine", "revision": "1"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("capacity-study-delete", args=[study.pk]), {"revision": "1"}).status_code == 403
    )
    # An assessor is not an admin either.
    assessor = world.client_for(world.dana, world.org_a)
    assert (
        assessor.post(reverse("capacity-study-delete", args=[study.pk]), {"revision": "1"}).status_code == 403
    )
    assert CapacityStudy.objects.get().name == "Peak half-hour"


def test_stale_rename_answers_409_and_keeps_what_the_person_typed(world):
    study = erlang_study(world)
    client = world.client_for(world.alice)
    client.post(reverse("capacity-study-rename", args=[study.pk]), {"name": "First edit", "revision": "1"})
    response = client.post(
        reverse("capacity-study-rename", args=[study.pk]), {"name": "My careful name", "revision": "1"}
    )
    text = response.content.decode()
    assert response.status_code == 409
    assert 'id="conflict"' in text and "First edit" in text and 'value="My careful name"' in text
    assert 'name="revision" value="2"' in text  # saving again now is a deliberate overwrite
    study.refresh_from_db()
    assert study.name == "First edit"


def test_rename_refuses_a_blank_name(world):
    study = erlang_study(world)
    response = world.client_for(world.alice).post(
        reverse("capacity-study-rename", args=[study.pk]), {"name": "  ", "revision": "1"}
    )
    assert response.status_code == 400 and "This field is required" in response.content.decode()


def test_delete_by_the_creator_and_stale_delete(world):
    study = erlang_study(world)
    client = world.client_for(world.alice)
    client.post(reverse("capacity-study-rename", args=[study.pk]), {"name": "Changed", "revision": "1"})
    stale = client.post(reverse("capacity-study-delete", args=[study.pk]), {"revision": "1"})
    assert stale.status_code == 409 and CapacityStudy.objects.filter(pk=study.pk).exists()
    response = client.post(reverse("capacity-study-delete", args=[study.pk]), {"revision": "2"})
    assert response.status_code == 302 and response["Location"] == reverse("capacity-home")
    assert not CapacityStudy.objects.exists()
    assert AuditLogEntry.objects.filter(action="capacity_study.delete").exists()


def test_rename_and_delete_only_accept_post(world):
    study = erlang_study(world)
    client = world.client_for(world.alice)
    assert client.get(reverse("capacity-study-rename", args=[study.pk])).status_code == 405
    assert client.get(reverse("capacity-study-delete", args=[study.pk])).status_code == 405


def test_downloads_in_every_format(world):
    plan = plan_study(world)
    client = world.client_for(world.charlie)
    url = reverse("capacity-study-download", args=[plan.pk])
    csv_ = client.get(url + "?format=csv")
    assert (
        csv_["Content-Type"].startswith("text/csv")
        and 'filename="hourly-plan.csv"' in csv_["Content-Disposition"]
    )
    assert csv_.content.decode().splitlines()[0].startswith("timestamp,calls,calls_low")
    for chart in ("heatmap", "forecast", "staffing", "simulation"):
        svg = client.get(url + f"?format=svg&chart={chart}")
        assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg")
    document = json.loads(client.get(url + "?format=json").content)
    assert (
        document["kind"] == "plan"
        and document["inputs"]["csv"].startswith("timestamp")
        and "staffing" in document["results"]
    )
    bad = client.get(url + "?format=pdf")
    assert bad.status_code == 400 and b"format" in bad.content
    assert client.get(url + "?format=svg&chart=radar").status_code == 400
