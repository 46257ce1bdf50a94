"""Every date the API takes lies between 1900-01-01 and 2100-12-31 (soms.core.dates): a body's date
fields, query parameters and form parameters alike, each refusal naming the field and the range.
Generated from the body models, so a date field added tomorrow is covered."""

from __future__ import annotations

import json
import re

import pytest

from tests.api.test_json_types import body_schemas

pytestmark = pytest.mark.django_db
RANGE = "must be a date between 1900-01-01 and 2100-12-31"


def _date_fields() -> list[tuple[str, str, str, str]]:
    out = []
    for method, url, props, defs in body_schemas():
        for name, prop in props.items():
            arms = [defs.get(p.get("$ref", "").rsplit("/", 1)[-1], p) for p in prop.get("anyOf", [prop])]
            kind = next((a["format"] for a in arms if a.get("format") in ("date", "date-time")), None)
            if kind is not None:
                out.append((method, url, name, kind))
    return out


FIELDS = _date_fields()


def test_the_walk_finds_date_fields() -> None:
    assert len(FIELDS) >= 10, FIELDS


@pytest.mark.parametrize(
    ("method", "url", "field", "kind"), FIELDS, ids=[f"{m} {u} {f}" for m, u, f, _ in FIELDS]
)
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_body_date_outside_the_range_is_refused_by_name(world, method, url, field, kind, day):
    client = world.client_for(world.alice)
    value = day if kind == "date" else f"{day}T12:00:00"
    r = getattr(client, method)(
        re.sub(r"\{[^}]+\}", "1", url), json.dumps({field: value}), content_type="application/json"
    )
    assert r.status_code == 422, (url, r.status_code, r.content[:300])
    hits = [d for d in r.json()["detail"] if d["loc"][0] == "body" and d["loc"][-1] == field]
    assert hits and hits[0]["msg"] == RANGE, (url, r.json())


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/api/v1/audit-log?since=0001-01-01", ["query", "since"]),
        ("/api/v1/audit-log?until=2101-01-01", ["query", "until"]),
        ("/api/v1/people/1/attainment?at=1899-12-31", ["query", "at"]),
    ],
)
def test_a_query_date_outside_the_range_is_refused_by_name(world, url, loc):
    r = world.client_for(world.alice).get(url)
    assert r.status_code == 422, r.content[:300]
    assert {"loc": loc, "msg": RANGE, "type": "date_range"} in r.json()["detail"]


def test_an_evidence_upload_s_date_outside_the_range_is_refused_by_name(world):
    r = world.client_for(world.alice).post(
        "/api/v1/evidence", {"person_id": "1", "kind": "text", "refers_on": "0202-03-01", "text": "x"}
    )
    assert r.status_code == 422, r.content[:300]
    assert {"loc": ["form", "refers_on"], "msg": RANGE, "type": "date_range"} in r.json()["detail"]


NOT_A_NUMBER = "must be a date written YYYY-MM-DD, not a number"


@pytest.mark.parametrize(
    ("method", "url", "field", "kind"), FIELDS, ids=[f"{m} {u} {f}" for m, u, f, _ in FIELDS]
)
def test_a_body_date_sent_as_a_number_is_refused_by_name(world, method, url, field, kind):
    """Pydantic reads a number as seconds since 1970: 1767225600 was 2026-01-01, and was written."""
    client = world.client_for(world.alice)
    for value in (1767225600, "1767225600"):
        r = getattr(client, method)(
            re.sub(r"\{[^}]+\}", "1", url), json.dumps({field: value}), content_type="application/json"
        )
        assert r.status_code == 422, (url, r.status_code, r.content[:300])
        hits = [d for d in r.json()["detail"] if d["loc"][0] == "body" and d["loc"][-1] == field]
        assert hits and hits[0]["msg"] == NOT_A_NUMBER, (url, value, r.json())


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/api/v1/audit-log?since=0", ["query", "since"]),
        ("/api/v1/audit-log?until=1767225600", ["query", "until"]),
        ("/api/v1/people/1/attainment?at=0", ["query", "at"]),
        ("/api/v1/people/1/attainment?at=-0", ["query", "at"]),
    ],
)
def test_a_query_date_sent_as_a_number_is_refused_by_name(world, url, loc):
    """Schemathesis against a running server: `at=0` answered the attainment of 1970-01-01."""
    r = world.client_for(world.alice).get(url)
    assert r.status_code == 422, r.content[:300]
    assert {"loc": loc, "msg": NOT_A_NUMBER, "type": "date_type"} in r.json()["detail"]


def test_an_evidence_upload_s_date_sent_as_a_number_is_refused_by_name(world):
    r = world.client_for(world.alice).post(
        "/api/v1/evidence", {"person_id": "1", "kind": "text", "refers_on": "1767225600", "text": "x"}
    )
    assert r.status_code == 422, r.content[:300]
    assert {"loc": ["form", "refers_on"], "msg": NOT_A_NUMBER, "type": "date_type"} in r.json()["detail"]
