"""Capacity API: compute endpoints and saved studies, with tenancy, roles, bad input and conflicts."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from soms.core.capacity import DEFINITIONS
from soms.tenancy.services import api_token_create
from soms.toolkits.models.capacity import CapacityStudy
from tests.toolkits.capacity.conftest import BAD_FILES, demand_csv, erlang_study, plan_study

pytestmark = pytest.mark.django_db

API = "/api/v1/capacity"


def post(client: Client, path: str, body: object) -> object:
    return client.post(API + path, json.dumps(body), content_type="application/json")


def locs(response: object) -> list[list[object]]:
    return [e["loc"] for e in response.json()["detail"]]  # type: ignore[attr-defined]


# ---- compute -------------------------------------------------------------------------------


def test_erlang_reference_values(world):
    response = post(
        world.client_for(world.charlie), "/erlang", {"calls": 100, "interval_seconds": 1800, "aht": 180}
    )
    body = response.json()
    assert response.status_code == 200
    assert body["agents"] == 14
    assert round(body["service_level"], 3) == 0.888
    assert round(body["asa"], 1) == 7.8
    assert body["definitions"] == DEFINITIONS
    assert [r["agents"] for r in body["table"] if r["is_answer"]] == [14]


def test_erlang_with_patience_shrinkage_and_answered_definition(world):
    body = post(
        world.client_for(world.charlie),
        "/erlang",
        {
            "calls": 100,
            "aht": 180,
            "patience": 120,
            "shrinkage": 0.3,
            "definition": "answered",
            "max_occupancy": 0.85,
        },
    ).json()
    assert body["model"] == "Erlang A" and body["abandonment"] > 0 and body["fte"] >= body["agents"] / 0.7


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"calls": 100, "aht": 0}, "aht"),
        ({"calls": -1, "aht": 180}, "calls"),
        ({"calls": 100, "aht": 180, "service_level": 1.0}, "service_level"),
        ({"calls": 100, "aht": 180, "shrinkage": 1}, "shrinkage"),
        ({"calls": 100, "aht": 180, "definition": "some"}, "definition"),
        ({"aht": 180}, "calls"),
    ],
)
def test_erlang_bad_input_is_422_naming_the_field(world, payload, field):
    response = post(world.client_for(world.charlie), "/erlang", payload)
    assert response.status_code == 422
    assert field in [loc[-1] for loc in locs(response)]


def test_plan_from_json_csv(world):
    response = post(
        world.client_for(world.charlie), "/plan", {"csv": demand_csv(), "horizon_days": 2, "shrinkage": 0.3}
    )
    body = response.json()
    assert response.status_code == 200
    assert set(body) >= {"profile", "forecast", "backtest", "staffing", "series"}
    assert len(body["staffing"]["agents"]) == 48 and body["simulation"] is None
    assert not CapacityStudy.objects.exists()


def test_plan_from_rows_and_from_the_sample(world):
    client = world.client_for(world.charlie)
    rows = [
        {"timestamp": line.split(",")[0], "arrivals": int(line.split(",")[1])}
        for line in demand_csv(days=9).strip().splitlines()[1:]
    ]
    response = post(
        client, "/plan", {"rows": rows, "horizon_days": 1, "aht": 240, "model": "seasonal_average"}
    )
    assert response.status_code == 200 and response.json()["series"]["aht_source"] == "given"
    sample = post(
        client, "/plan", {"source": "sample", "horizon_days": 1, "simulate": True, "replications": 3}
    )
    assert sample.status_code == 200 and sample.json()["series"]["source"] == "sample"
    assert sample.json()["simulation"]["replications"] == 3


def test_plan_from_a_multipart_upload(world):
    response = world.client_for(world.charlie).post(
        API + "/plan",
        {"file": SimpleUploadedFile("week.csv", demand_csv().encode()), "horizon_days": "1", "band": "95"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["series"]["filename"] == "week.csv" and body["staffing"]["band"] == 95


def test_plan_refuses_oversize_uploads_before_reading_them(world, settings):
    settings.SOMS_MAX_UPLOAD_BYTES = 1000
    client = world.client_for(world.charlie)
    text = demand_csv()
    assert len(text.encode()) > 1000
    upload = client.post(API + "/plan", {"file": SimpleUploadedFile("big.csv", text.encode())})
    assert upload.status_code == 413 and "upload limit" in upload.json()["detail"]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = post(client, "/plan", {"csv": text})
    assert body.status_code == 413 and "byte limit" in body.json()["detail"]
    assert not CapacityStudy.objects.exists()


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_plan_bad_csv_is_422_with_row_and_column(world, case):
    text, row, column = BAD_FILES[case]
    response = post(world.client_for(world.charlie), "/plan", {"csv": text})
    assert response.status_code == 422
    issues = response.json()["detail"]
    assert any(i["row"] == row and i["column"] == column for i in issues)
    assert any(i["loc"] == ["body", "csv", row, column] for i in issues)


def test_plan_bad_multipart_and_json(world):
    client = world.client_for(world.charlie)
    missing = client.post(API + "/plan", {"horizon_days": "1"})
    assert missing.status_code == 422 and locs(missing) == [["body", "file"]]
    binary = client.post(API + "/plan", {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00")})
    assert binary.status_code == 422 and "UTF-8" in binary.json()["detail"][0]["msg"]
    broken = client.post(API + "/plan", "{not json", content_type="application/json")
    assert broken.status_code == 422 and broken.json()["detail"][0]["type"] == "json_invalid"
    nothing = post(client, "/plan", {"horizon_days": 1})
    assert nothing.status_code == 422 and "csv" in nothing.json()["detail"][0]["msg"]
    no_aht = post(client, "/plan", {"csv": demand_csv(handle_time=False)})
    assert no_aht.status_code == 422 and locs(no_aht) == [["body", "aht"]]
    bad_day = post(client, "/plan", {"csv": demand_csv(), "horizon_days": 1, "simulate_day": 3})
    assert bad_day.status_code == 422 and "simulate_day" in bad_day.json()["detail"][0]["msg"]


def test_simulate(world):
    client = world.client_for(world.charlie)
    response = post(client, "/simulate", {"calls": [50, 100, 80], "aht": 180, "replications": 3})
    body = response.json()
    assert response.status_code == 200
    assert body["agents"][1] == 14 and len(body["simulated"]["per_interval"]["asa"]) == 3
    given = post(client, "/simulate", {"calls": [100], "agents": [11], "aht": 180, "replications": 4}).json()
    assert given["agents"] == [11] and given["formula"]["service_level"][0] < 0.5
    for bad, where in [
        ({"calls": [100], "agents": [1, 2], "aht": 180}, "agents"),
        ({"calls": [], "aht": 180}, "calls"),
        ({"calls": [100], "aht": 0}, "aht"),
        ({"calls": [100], "aht": 180, "replications": 1}, "replications"),
    ]:
        response = post(client, "/simulate", bad)
        assert response.status_code == 422
        assert where in json.dumps(response.json())


def test_compute_needs_authentication(client):
    assert post(client, "/erlang", {"calls": 100, "aht": 180}).status_code == 401


# ---- studies -------------------------------------------------------------------------------


def test_studies_list_only_the_current_organisation(world):
    erlang_study(world, name="Alpha")
    erlang_study(world, organisation=world.org_b, user=world.bob, name="Beta")
    names = [s["name"] for s in world.client_for(world.charlie).get(API + "/studies").json()]
    assert names == ["Alpha"]
    # A token is bound to its organisation: dana's Beta token sees Beta's studies only.
    _, raw = api_token_create(user=world.dana, organisation=world.org_b, name="cli")
    beta = Client().get(API + "/studies", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert [s["name"] for s in beta] == ["Beta"]


@pytest.mark.parametrize(
    ("kind", "inputs"),
    [
        ("erlang", {"calls": 100, "aht": 180}),
        ("plan", {"csv": demand_csv(), "horizon_days": 1}),
        ("simulation", {"calls": [50, 100], "aht": 180, "replications": 3}),
    ],
)
def test_create_computes_and_saves_each_kind(world, kind, inputs):
    response = post(
        world.client_for(world.charlie), "/studies", {"name": f"My {kind}", "kind": kind, "inputs": inputs}
    )
    assert response.status_code == 201
    body = response.json()
    study = CapacityStudy.objects.get()
    assert (body["id"], body["kind"], body["revision"], body["created_by"]) == (study.pk, kind, 1, "charlie")
    assert study.organisation == world.org_a and body["results"] == study.results


def test_create_with_the_sample_stores_the_csv_and_says_synthetic(world):
    body = post(
        world.client_for(world.charlie),
        "/studies",
        {"name": "Sample", "kind": "plan", "inputs": {"source": "sample", "horizon_days": 1}},
    ).json()
    assert body["inputs"]["csv"].startswith("timestamp,arrivals") and "ynthetic" in body["description"]


def test_create_rejects_bad_inputs_and_saves_nothing(world):
    client = world.client_for(world.charlie)
    bad_field = post(client, "/studies", {"name": "x", "kind": "erlang", "inputs": {"calls": 100, "aht": 0}})
    assert bad_field.status_code == 422 and ["body", "payload", "inputs", "aht"] in locs(bad_field)
    text, row, column = BAD_FILES["negative count"]
    bad_file = post(client, "/studies", {"name": "x", "kind": "plan", "inputs": {"csv": text}})
    assert bad_file.status_code == 422 and bad_file.json()["detail"][0]["row"] == row
    blank = post(client, "/studies", {"name": "  ", "kind": "erlang", "inputs": {"calls": 1, "aht": 1}})
    assert blank.status_code == 422
    wrong_kind = post(client, "/studies", {"name": "x", "kind": "radar", "inputs": {}})
    assert wrong_kind.status_code == 422
    assert not CapacityStudy.objects.exists()


def test_get_study_and_another_organisations_is_404_like_a_missing_one(world):
    mine = plan_study(world, simulate=False)
    theirs = erlang_study(world, organisation=world.org_b, user=world.bob)
    client = world.client_for(world.charlie)
    body = client.get(f"{API}/studies/{mine.pk}").json()
    assert body["name"] == "Hourly plan" and body["inputs"]["csv"].startswith("timestamp")
    for method, suffix, data in [
        ("get", "", None),
        ("get", "/download?format=csv", None),
        ("patch", "", json.dumps({"name": "x", "revision": 1})),
        ("delete", "", None),
    ]:
        kwargs = {"content_type": "application/json", "data": data} if data else {}
        other = getattr(client, method)(f"{API}/studies/{theirs.pk}{suffix}", **kwargs)
        missing = getattr(client, method)(f"{API}/studies/{theirs.pk + 999}{suffix}", **kwargs)
        assert other.status_code == missing.status_code == 404
        assert other.json() == missing.json() == {"detail": "Not found"}
    assert CapacityStudy.objects.filter(pk=theirs.pk, name="Peak half-hour").exists()


def test_patch_renames_with_the_current_revision_and_409_on_a_stale_one(world):
    study = erlang_study(world)
    client = world.client_for(world.alice)
    ok = client.patch(
        f"{API}/studies/{study.pk}",
        json.dumps({"name": "New", "revision": 1}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["revision"] == 2 and ok.json()["name"] == "New"
    stale = client.patch(
        f"{API}/studies/{study.pk}",
        json.dumps({"name": "Old view", "revision": 1}),
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["revision"] == 2
    study.refresh_from_db()
    assert study.name == "New"
    invalid = client.patch(
        f"{API}/studies/{study.pk}", json.dumps({"name": "x"}), content_type="application/json"
    )
    assert invalid.status_code == 422 and ["body", "payload", "revision"] in locs(invalid)


def test_only_the_creator_or_an_admin_may_rename_or_delete(world):
    study = erlang_study(world, user=world.charlie)
    other = world.client_for(world.dana, world.org_a)  # assessor in A: a member, not an admin
    patch = other.patch(
        f"{API}/studies/{study.pk}",
        json.dumps({"name": "Mine", "revision": 1}),
        content_type="application/json",
    )
    assert patch.status_code == 403
    assert other.delete(f"{API}/studies/{study.pk}").status_code == 403
    assert other.get(f"{API}/studies/{study.pk}").status_code == 200  # reading is fine
    owner = world.client_for(world.alice)
    assert (
        owner.patch(
            f"{API}/studies/{study.pk}",
            json.dumps({"name": "Owner's", "revision": 1}),
            content_type="application/json",
        ).status_code
        == 200
    )
    assert owner.delete(f"{API}/studies/{study.pk}?revision=1").status_code == 409
    assert owner.delete(f"{API}/studies/{study.pk}?revision=2").status_code == 204
    assert not CapacityStudy.objects.exists()


def test_download_formats(world):
    erlang = erlang_study(world)
    client = world.client_for(world.charlie)
    csv_ = client.get(f"{API}/studies/{erlang.pk}/download?format=csv")
    assert csv_.status_code == 200 and csv_.content.decode().startswith("agents,fte,service_level")
    svg = client.get(f"{API}/studies/{erlang.pk}/download?format=svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"Service level by number of agents" in svg.content
    document = client.get(f"{API}/studies/{erlang.pk}/download?format=json")
    assert json.loads(document.content)["results"]["agents"] == 14
    assert client.get(f"{API}/studies/{erlang.pk}/download?format=xls").status_code == 422
    wrong_chart = client.get(f"{API}/studies/{erlang.pk}/download?format=svg&chart=heatmap")
    assert wrong_chart.status_code == 422 and locs(wrong_chart) == [["query", "chart"]]


def test_openapi_documents_the_capacity_paths(world):
    spec = world.client_for(world.charlie).get("/api/openapi.json").json()
    for path in (
        "/api/v1/capacity/erlang",
        "/api/v1/capacity/plan",
        "/api/v1/capacity/simulate",
        "/api/v1/capacity/studies",
        "/api/v1/capacity/studies/{study_id}",
        "/api/v1/capacity/studies/{study_id}/download",
    ):
        assert path in spec["paths"]
    body = spec["paths"]["/api/v1/capacity/plan"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body
    assert "$defs" not in json.dumps(body)  # every reference resolves inside the document
    assert body["application/json"]["schema"]["properties"]["rows"]["anyOf"][0]["items"]["required"] == [
        "timestamp",
        "arrivals",
    ]
