"""JSON bodies are held to JSON's types, and to one value per key, on every operation of the API.

Pydantic reads "12" as 12 and "yes" as true, and Python's JSON reader keeps the last of two equal
keys; a client that sends either has built its body wrong and is told so, by field, instead of
having a guess stored. Generated from the OpenAPI document, so an operation added tomorrow is covered.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from soms.api.router import api
from soms.tenancy.models import ApiToken
from tests.toolkits.capacity.conftest import demand_csv

pytestmark = pytest.mark.django_db

NUMBER_NOT_TEXT = "must be a number, not text"
BOOL_NOT_TEXT = "must be true or false, not text"


def _kind(prop: dict[str, Any], defs: dict[str, Any]) -> str | None:
    """integer/number -> "number", boolean -> "boolean", when JSON must send that type (or null)."""
    arms = [defs.get(p.get("$ref", "").rsplit("/", 1)[-1], p) for p in prop.get("anyOf", [prop])]
    types = {a.get("type") for a in arms} - {"null"}
    if types and types <= {"integer", "number"}:
        return "number"
    return "boolean" if types == {"boolean"} else None


def body_schemas() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(method, url, properties, $defs) of each JSON body, read from the body's own model (the
    OpenAPI document is checked elsewhere, test_openapi)."""
    out = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for model in operation.models:
                    if model.__ninja_param_source__ != "body":
                        continue
                    (field,) = model.model_fields.values()
                    schema = field.annotation.model_json_schema()
                    url = re.sub(r"/+", "/", f"/api/{prefix}/{path}")
                    props, defs = schema.get("properties", {}), schema.get("$defs", {})
                    out.extend((m.lower(), url, props, defs) for m in operation.methods)
    return out


def _typed_fields() -> list[tuple[str, str, str, str]]:
    """(method, url, field, kind): the first number and the first true/false field of each JSON body."""
    out = []
    for method, url, props, defs in body_schemas():
        for kind in ("number", "boolean"):
            name = next((n for n, p in props.items() if _kind(p, defs) == kind), None)
            if name is not None:
                out.append((method, url, name, kind))
    return out


FIELDS = _typed_fields()


def test_the_walk_finds_typed_fields_all_over_the_api() -> None:
    assert len(FIELDS) > 40, FIELDS
    assert len({url.split("/")[3] for _, url, _, _ in FIELDS}) > 10


@pytest.mark.parametrize(
    ("method", "path", "field", "kind"), FIELDS, ids=[f"{m} {p} {f}" for m, p, f, _ in FIELDS]
)
def test_text_where_json_has_a_number_or_true_false_is_refused_by_name(world, method, path, field, kind):
    client = world.client_for(world.alice)
    url = re.sub(r"\{[^}]+\}", "1", path)  # the body is read before any object is looked up
    tokens = ApiToken.objects.count()
    value = "1" if kind == "number" else "true"
    r = getattr(client, method)(url, json.dumps({field: value}), content_type="application/json")
    assert r.status_code == 422, (url, r.status_code, r.content[:500])
    wanted = NUMBER_NOT_TEXT if kind == "number" else BOOL_NOT_TEXT
    hits = [d for d in r.json()["detail"] if d["loc"][0] == "body" and d["loc"][-1] == field]
    assert hits and hits[0]["msg"].endswith(wanted), (url, r.json())
    assert ApiToken.objects.count() == tokens


def test_the_capacity_plan_which_reads_its_own_body_is_held_to_json_types_too(world):
    body = json.dumps({"csv": demand_csv(), "aht": "180"})
    r = world.client_for(world.alice).post("/api/v1/capacity/plan", body, content_type="application/json")
    assert r.status_code == 422, r.content[:300]
    assert [(d["loc"][-1], d["msg"]) for d in r.json()["detail"]] == [("aht", NUMBER_NOT_TEXT)]


def test_a_study_s_inputs_are_held_to_json_types_though_they_pass_through_a_plain_dict(world):
    body = json.dumps({"name": "S", "kind": "erlang", "inputs": {"calls": "100", "aht": 180}})
    r = world.client_for(world.alice).post("/api/v1/capacity/studies", body, content_type="application/json")
    assert r.status_code == 422, r.content[:300]
    assert r.json()["detail"][0]["loc"][-1] == "calls" and r.json()["detail"][0]["msg"] == NUMBER_NOT_TEXT


def test_json_s_own_true_and_numbers_are_taken(world):
    from soms.fields import Input

    class Sample(Input):
        flag: bool
        count: int
        share: float | None = None

    from soms.core.safeload import json_loads

    sample = Sample.model_validate(json_loads('{"flag": true, "count": 3, "share": 0.5}'))
    assert (sample.flag, sample.count, sample.share) == (True, 3, 0.5)
    with pytest.raises(ValueError, match="must be true or false, not a number"):
        Sample.model_validate(json_loads('{"flag": 1, "count": 3}'))


def test_query_strings_and_forms_still_send_numbers_as_text(world):
    client = world.client_for(world.alice)
    assert client.get("/api/v1/audit-log?limit=5&offset=0").status_code == 200


@pytest.mark.parametrize(
    ("body", "loc", "message"),
    [
        ('{"name": "a", "name": "b"}', ["body", "payload", "name"], "the key 'name' appears twice"),
        ('{"name": "a", "x": {"k": 1, "k": 2}}', ["body", "payload", "x", "k"], "the key 'k' appears twice"),
        ("[" * 100_000, ["body"], "nested deeper than 64 levels"),
        ('{"name": ' + "9" * 5_000 + "}", ["body", "payload", "name"], "more than 4,300 digits"),
        ('{"name": "a\\u0000b"}', ["body", "payload", "name"], "NUL"),
    ],
    ids=["duplicate", "nested duplicate", "deep", "long number", "nul"],
)
def test_bodies_no_reader_should_guess_at_answer_422_and_write_nothing(world, body, loc, message):
    client = world.client_for(world.alice)
    tokens = ApiToken.objects.count()
    r = client.post("/api/v1/tokens", body, content_type="application/json")
    assert r.status_code == 422, r.content[:300]
    detail = r.json()["detail"]
    assert detail[0]["loc"] == loc and message in detail[0]["msg"], detail
    assert ApiToken.objects.count() == tokens


BODY_OPERATIONS = sorted({(method, url) for method, url, _, _ in body_schemas()})
NOT_OBJECTS = ['"AAA"', "[null, null]", "7", "true", "null"]


def test_the_walk_finds_bodies_whose_fields_may_all_be_left_out() -> None:
    # The operations where a body that is no object used to pass as an empty one.
    optional = [(m, u) for m, u, props, _ in body_schemas() if props and "validity" in u]
    assert optional and len(BODY_OPERATIONS) > 40


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS, ids=[f"{m} {p}" for m, p in BODY_OPERATIONS])
def test_a_body_that_is_not_a_json_object_is_refused_and_writes_nothing(world, method, path):
    """Schemathesis against a running server: `PUT /api/v1/levels/1/validity` with the body
    `"AAA"` answered 200 and set the level to never expire (Ninja's schemas read attributes from
    any value, and an object with every field left out is a valid one there)."""
    from tests.regression.corpus import changed, row_counts

    client = world.client_for(world.alice)
    url = re.sub(r"\{[^}]+\}", "1", path)
    before = row_counts()
    for body in NOT_OBJECTS if "validity" in path else NOT_OBJECTS[:2]:
        r = getattr(client, method)(url, body, content_type="application/json")
        assert r.status_code == 422, (url, body, r.status_code, r.content[:300])
        (problem,) = r.json()["detail"]
        assert problem["loc"] == ["body"] and problem["msg"].startswith("the body must be a JSON object"), (
            problem
        )
    assert not changed(before, row_counts())


def test_the_capacity_plan_which_reads_its_own_body_wants_an_object_too(world):
    r = world.client_for(world.alice).post("/api/v1/capacity/plan", "[1, 2]", content_type="application/json")
    assert r.status_code == 422, r.content[:300]
    assert r.json()["detail"][0]["loc"] == ["body"]
