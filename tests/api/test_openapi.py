from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator

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


def _operations_and_their_sources():
    """(operationId, view source) of every API operation, as Ninja builds the spec."""
    import inspect

    from soms.api.router import api

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                op_id = operation.operation_id or api.get_openapi_operation_id(operation)
                yield op_id, inspect.getsource(operation.view_func)


def test_every_rate_limited_operation_documents_its_429_and_no_other_does():
    # A client (and schemathesis) reads the spec to know which answers can come: an operation that
    # counts calls (it asks soms.ratelimits.refused first) must say it may answer 429 with
    # Retry-After, and an operation that never does must not promise it. So must one that starts a
    # background job (it answers 202): it is refused while too many jobs wait (soms.jobs.queue).
    spec = Client().get("/api/openapi.json").json()
    by_id = {
        op["operationId"]: op
        for methods in spec["paths"].values()
        for op in methods.values()
        if "operationId" in op
    }
    limited = set()
    for op_id, source in _operations_and_their_sources():
        counts_calls = "refused(request" in source
        answers = by_id[op_id]["responses"]
        assert ("429" in answers) == (counts_calls or "202" in answers), op_id
        if "429" in answers:
            limited.add(op_id)
            assert "Retry-After" in answers["429"]["headers"], op_id
            assert answers["429"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"
            }
    assert len(limited) >= 6


def _models(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _models(sub)


def test_no_two_models_share_a_name_in_the_openapi_document():
    """The document lists models by class name, one entry per name: two models of one name (the
    audit's and the plans' ActionIn once) showed one of them for both endpoints. Every model of SOMS,
    used by the API now or later, is named once."""
    from pydantic import BaseModel

    import soms.urls  # noqa: F401 - every router and its models imported

    modules: dict[str, set[str]] = defaultdict(set)
    for model in _models(BaseModel):
        if model.__module__.startswith("soms."):
            modules[model.__name__].add(model.__module__)
    assert {name: sorted(where) for name, where in modules.items() if len(where) > 1} == {}
    spec = Client().get("/api/openapi.json").json()
    assert {"ActionIn", "AuditActionIn", "ReportIn", "AuditReportIn"} <= set(spec["components"]["schemas"])
    body = spec["paths"]["/api/v1/audits/{audit_id}/actions"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/AuditActionIn")
