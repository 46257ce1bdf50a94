"""API of the saved-result toolkits: it works, it keeps tenants apart, it checks roles and input."""

from __future__ import annotations

import json

import pytest

from soms.tenancy.models import AuditLogEntry
from soms.toolkits.models.saved import ValueStreamMap
from soms.toolkits.saved.registry import SAVED_KINDS
from tests.toolkits.practice.conftest import INPUTS, saved

pytestmark = pytest.mark.django_db
SLUGS = {k: v.slug for k, v in SAVED_KINDS.items()}


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def put(client, path, body):
    return client.put(path, json.dumps(body), content_type="application/json")


def test_value_stream_analyse_and_save_computes_on_the_server(world):
    c = world.client_for(world.charlie, world.org_a)
    r = post(c, "/api/v1/value-streams/analyse", INPUTS["value_stream"])
    assert r.status_code == 200, r.content
    cur = r.json()["results"]["current"]
    assert cur["lead_time"] == pytest.approx(153.75)
    assert cur["pce"] == pytest.approx(41.25 / 153.75)
    assert cur["rolled_ca_pct"] == pytest.approx(68.4)
    assert r.json()["inputs"]["current"]["steps"][1]["after"] == ["1"]
    r = post(
        c, "/api/v1/value-streams", {**INPUTS["value_stream"], "name": "Claims", "results": {"lead_time": 1}}
    )
    assert r.status_code == 422  # results are never taken from the client
    r = post(c, "/api/v1/value-streams", {**INPUTS["value_stream"], "name": "Claims"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["kind"] == "value_stream" and body["revision"] == 1
    assert body["results"]["current"]["bottleneck"] == "2"
    assert AuditLogEntry.objects.filter(action="value_stream.create").count() == 1


def test_future_state_is_compared(world):
    c = world.client_for(world.alice, world.org_a)
    future = {
        "steps": [
            {"name": "Receive", "process_time": 10, "office": "front"},
            {"name": "Assess", "process_time": 15},
        ]
    }
    r = post(c, "/api/v1/value-streams/analyse", {**INPUTS["value_stream"], "future": future})
    comparison = r.json()["results"]["comparison"]
    assert comparison["removed"] == ["3"]
    lead = next(m for m in comparison["metrics"] if m["name"] == "lead_time")
    assert lead["better"] is True


@pytest.mark.parametrize(
    "change, loc",
    [
        (
            {"current": {"steps": [{"name": "A", "process_time": -1}]}},
            ["body", "payload", "current", "steps", 0, "process_time"],
        ),
        (
            {"current": {"steps": [{"name": "A", "process_time": 1, "complete_accurate_pct": 120}]}},
            ["body", "payload", "current", "steps", 0, "complete_accurate_pct"],
        ),
        (
            {
                "current": {
                    "steps": [
                        {"name": "A", "process_time": 1, "after": ["2"]},
                        {"name": "B", "process_time": 1},
                    ]
                }
            },
            ["body", "payload", "current", "steps"],
        ),
        (
            {
                "current": {
                    "steps": [{"name": "A", "process_time": 1}, {"name": "B", "process_time": 1}],
                    "rework": [{"from_step": "2", "to_step": "1", "share_pct": 100}],
                }
            },
            ["body", "payload", "current", "rework", 0, "share_pct"],
        ),
        (
            {
                "current": {
                    "steps": [{"name": "A", "process_time": 1}, {"name": "B", "process_time": 1}],
                    "rework": [
                        {"from_step": "2", "to_step": "1", "share_pct": 60},
                        {"from_step": "2", "to_step": "2", "share_pct": 50},
                    ],
                }
            },
            ["body", "payload", "current", "rework"],
        ),
    ],
)
def test_value_stream_bad_input_names_the_field_and_writes_nothing(world, change, loc):
    c = world.client_for(world.alice, world.org_a)
    r = post(c, "/api/v1/value-streams", {**INPUTS["value_stream"], **change, "name": "Bad"})
    assert r.status_code == 422, r.content
    assert loc in [d["loc"] for d in r.json()["detail"]]
    assert not ValueStreamMap.objects.exists()


def test_other_bad_inputs(world):
    c = world.client_for(world.alice, world.org_a)
    bad_score = {**INPUTS["stakeholder_map"], "stakeholders": [{"name": "X", "influence": 6, "interest": 0}]}
    r = post(c, "/api/v1/stakeholder-maps/analyse", bad_score)
    assert [d["loc"] for d in r.json()["detail"]] == [
        ["body", "payload", "stakeholders", 0, "influence"],
        ["body", "payload", "stakeholders", 0, "interest"],
    ]
    r = post(
        c,
        "/api/v1/delivery-systems/analyse",
        {"processes": [{"name": "P", "office": "front", "volume": 9, "variety": 1}]},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == [
        "body",
        "payload",
        "processes",
        0,
        "volume",
    ]
    r = post(c, "/api/v1/value-streams", {**INPUTS["value_stream"], "name": "  "})
    assert r.status_code == 422
    r = c.post("/api/v1/value-streams", "{nope", content_type="application/json")
    assert r.status_code == 422


def test_segment_capacity_study_must_be_in_the_organisation(world):
    from tests.toolkits.capacity.conftest import erlang_study

    theirs = erlang_study(world, organisation=world.org_b, user=world.bob)
    mine = erlang_study(world)
    c = world.client_for(world.alice, world.org_a)
    body = {
        **INPUTS["delivery_system"],
        "segments": [{"key": "retail", "name": "Retail", "variety": 2, "capacity_study_id": theirs.pk}],
    }
    r = post(c, "/api/v1/delivery-systems/analyse", body)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "capacity_study_id"
    body["segments"][0]["capacity_study_id"] = mine.pk
    r = post(c, "/api/v1/delivery-systems/analyse", body)
    assert r.json()["results"]["capacity_studies"]["retail"]["name"] == mine.name


@pytest.mark.parametrize("kind", list(INPUTS))
def test_get_update_download_delete_round_trip(world, kind):
    obj = saved(kind, world.org_a, world.charlie)
    base = f"/api/v1/{SLUGS[kind]}/{obj.pk}"
    c = world.client_for(world.charlie, world.org_a)
    assert c.get(base).json()["name"] == "Claims"
    assert [x["id"] for x in c.get(f"/api/v1/{SLUGS[kind]}").json()] == [obj.pk]
    r = put(c, base, {**INPUTS[kind], "name": "Renamed", "revision": 1})
    assert r.status_code == 200 and r.json()["revision"] == 2
    r = put(c, base, {**INPUTS[kind], "name": "Stale", "revision": 1})
    assert r.status_code == 409 and r.json()["revision"] == 2
    for fmt, ctype in (("csv", "text/csv"), ("svg", "image/svg+xml"), ("json", "application/json")):
        r = c.get(f"{base}/download?format={fmt}")
        assert r.status_code == 200 and r["Content-Type"].startswith(ctype)
    assert c.get(f"{base}/download?format=svg&chart=nope").status_code == 422
    assert c.get(f"{base}/download?format=pdf").status_code == 422
    assert c.delete(f"{base}?revision=1").status_code == 409
    assert c.delete(f"{base}?revision=2").status_code == 204
    assert c.get(base).status_code == 404


@pytest.mark.parametrize("kind", list(INPUTS))
@pytest.mark.parametrize(
    "suffix, method", [("", "get"), ("", "put"), ("", "delete"), ("/download?format=json", "get")]
)
def test_another_organisations_result_answers_like_a_missing_one(world, kind, suffix, method):
    theirs = saved(kind, world.org_b, world.bob)
    c = world.client_for(world.alice, world.org_a)
    body = {**INPUTS[kind], "name": "x", "revision": 1}

    def call(pk):
        path = f"/api/v1/{SLUGS[kind]}/{pk}{suffix}"
        if method == "put":
            return put(c, path, body)
        return getattr(c, method)(path)

    other, missing = call(theirs.pk), call(999_999)
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    theirs.refresh_from_db()
    assert theirs.name == "Claims"


@pytest.mark.parametrize("kind", list(INPUTS))
def test_only_the_author_or_an_admin_may_change(world, kind):
    obj = saved(kind, world.org_a, world.alice)
    base = f"/api/v1/{SLUGS[kind]}/{obj.pk}"
    member = world.client_for(world.charlie, world.org_a)
    assert member.get(base).status_code == 200  # any member reads
    assert put(member, base, {**INPUTS[kind], "name": "x", "revision": 1}).status_code == 403
    assert member.delete(base).status_code == 403
    mine = saved(kind, world.org_a, world.charlie)
    admin = world.client_for(world.alice, world.org_a)
    assert admin.delete(f"/api/v1/{SLUGS[kind]}/{mine.pk}").status_code == 204


def test_writes_need_credentials(world):
    from django.test import Client

    r = Client().post(
        "/api/v1/value-streams/analyse", json.dumps(INPUTS["value_stream"]), content_type="application/json"
    )
    assert r.status_code == 401
