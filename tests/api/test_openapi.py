from __future__ import annotations

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
