"""Every integer the API takes, in the path or the query, at a size no database column holds: the
answer is a 4xx, never a 5xx (SQLite raises OverflowError past 2**63 - 1 where a value reaches a
query unchecked; PostgreSQL compares it as numeric). Walks the OpenAPI document, so a new route is
covered the day it is added."""

from __future__ import annotations

import re
from typing import Any

import pytest

from soms.api.router import api

HUGE = 2**64  # one past what a signed 64-bit column holds, twice over
SPEC = api.get_openapi_schema()


def _integer(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "integer":
        return True
    return any(_integer(s) for s in schema.get("anyOf", []) if isinstance(s, dict))


def _cases() -> list[tuple[str, str, list[str]]]:
    cases = []
    for path, ops in SPEC["paths"].items():
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = op.get("parameters", [])
            ints = [p["name"] for p in params if p["in"] == "path" and _integer(p.get("schema", {}))]
            query = [p["name"] for p in params if p["in"] == "query" and _integer(p.get("schema", {}))]
            if ints or (method == "get" and query):
                cases.append((method, path, query if method == "get" else []))
    return cases


CASES = _cases()


def test_the_walk_finds_the_routes() -> None:
    assert len(CASES) > 50, len(CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "query"), CASES, ids=[f"{m.upper()} {p}" for m, p, _ in CASES])
def test_a_huge_integer_is_a_4xx(world: Any, method: str, path: str, query: list[str]) -> None:
    client = world.client_for(world.alice, world.org_a)
    url = re.sub(r"\{[^}]+\}", lambda m: str(HUGE) if m.group(0) != "{token}" else "x" * 20, path)
    # Path ids at their largest valid value too: a lookup of a missing id must not overflow either.
    urls = [url, re.sub(str(HUGE), str(2**63 - 1), url)] if str(HUGE) in url else [url]
    for u in urls:
        if method == "get":
            answers = [client.get(u, {name: HUGE for name in query})] if query else [client.get(u)]
            answers += [client.get(u, {name: HUGE}) for name in query]
        else:
            answers = [getattr(client, method)(u, data="{}", content_type="application/json")]
        for answer in answers:
            assert answer.status_code < 500, (method, u, answer.status_code, answer.content[:300])
            assert answer["Content-Type"].startswith("application/json"), (method, u)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["role_profiles", "unit", "team"])
def test_a_form_choice_past_64_bits_is_a_form_error(world: Any, field: str) -> None:
    """A choice of a record by id, posted as a number no column holds, is "not a valid choice"."""
    from soms.people.services.persons import person_create

    person = person_create(organisation=world.org_a, actor=world.alice, employee_id="H1", name="Hugo")
    client = world.client_for(world.alice, world.org_a)
    answer = client.post(
        f"/people/{person.pk}/edit/", {"employee_id": "H1", "name": "Hugo", "active": "on", field: str(HUGE)}
    )
    assert answer.status_code in (200, 400), answer.status_code
    assert "valid choice" in answer.content.decode()
