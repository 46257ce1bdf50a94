from __future__ import annotations

import json
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_openapi_document_lists_the_v1_endpoints():
    spec = Client().get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    paths = set(spec["paths"])
    assert {
        "/api/v1/me",
        "/api/v1/frameworks",
        "/api/v1/framework-versions/{version_id}",
        "/api/v1/organisations",
        "/api/v1/tokens",
        "/api/v1/audit-log",
    } <= paths
    schemes = spec["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}


def test_docs_page_uses_local_assets_only():
    html = Client().get("/api/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, "the docs page loads its assets"
    assert all(s.startswith("/static/") for s in sources), sources


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"duplicated keys {repeated} in one object")
    return dict(pairs)


def test_the_served_spec_has_no_duplicated_key_and_is_valid_openapi_3_1():
    # Swagger UI refuses a document with a key twice in one object ("duplicated mapping key"),
    # which Python's own json.loads would silently resolve.
    from openapi_spec_validator import OpenAPIV31SpecValidator

    body = Client().get("/api/openapi.json").content.decode()
    spec = json.loads(body, object_pairs_hook=_refuse_duplicate_keys)
    OpenAPIV31SpecValidator(spec).validate()


def test_status_keys_spelt_two_ways_become_one_answer():
    from soms.api.router import _status_keys_as_text

    merged = _status_keys_as_text(
        {200: {"description": "OK"}, "200": {"description": "The file", "content": {"text/csv": {}}}, 404: {}}
    )
    assert merged == {"200": {"description": "The file", "content": {"text/csv": {}}}, "404": {}}
