"""Expensive reads any member can trigger are rate-limited per user and per organisation (issue 8):
a few people repeating exports, grids or plans must not keep every request worker busy."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from soms import ratelimits
from soms.frameworks.models import FrameworkVersion
from soms.tenancy.models import RateCount
from soms.tenancy.services import api_token_create

pytestmark = pytest.mark.django_db


def _bearer(world, user, organisation) -> Client:
    _, raw = api_token_create(user=user, organisation=organisation, name="rl")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _builtin_version() -> FrameworkVersion:
    return FrameworkVersion.objects.filter(framework__organisation__isnull=True).order_by("pk").first()


@override_settings(SOMS_RATES={"export_user": "2/m", "export_org": "100/m"})
def test_exports_answer_429_with_retry_after_and_json_past_the_users_limit(world, builtin):
    version = _builtin_version()
    client = _bearer(world, world.alice, world.org_a)
    url = f"/api/v1/framework-versions/{version.pk}/export?format=json"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    refused = client.get(url)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 65
    assert "try again" in refused.json()["detail"]
    # Another person is not held back by alice's count.
    assert _bearer(world, world.charlie, world.org_a).get(url).status_code == 200


@override_settings(SOMS_RATES={"export_user": "100/m", "export_org": "3/m"})
def test_the_organisations_limit_counts_all_its_members_and_no_one_else(world, builtin):
    version = _builtin_version()
    url = f"/api/v1/framework-versions/{version.pk}/export?format=yaml"
    alice, charlie = _bearer(world, world.alice, world.org_a), _bearer(world, world.charlie, world.org_a)
    assert [c.get(url).status_code for c in (alice, charlie, alice)] == [200, 200, 200]
    assert charlie.get(url).status_code == 429
    assert _bearer(world, world.bob, world.org_b).get(url).status_code == 200


@override_settings(SOMS_RATES={"grid_user": "1/m"})
def test_the_grid_page_answers_a_429_page(world, builtin):
    version = _builtin_version()
    client = world.client_for(world.alice, world.org_a)
    url = reverse("framework-version", args=[version.pk])
    assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert b"Too many requests" in refused.content


@override_settings(SOMS_RATES={"capacity_user": "1/m"})
def test_capacity_plans_are_limited(world):
    client = _bearer(world, world.alice, world.org_a)
    body = {"sample": True, "horizon_days": 1}
    first = client.post("/api/v1/capacity/plan", body, content_type="application/json")
    assert first.status_code in (200, 422)
    assert client.post("/api/v1/capacity/plan", body, content_type="application/json").status_code == 429


@override_settings(SOMS_RATES={"import_user": "1/m"})
def test_only_posting_an_import_counts(world):
    client = world.client_for(world.alice, world.org_a)
    url = reverse("framework-import")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]


@pytest.mark.django_db(transaction=True)
def test_counting_a_request_is_one_statement_and_no_transaction(world, builtin):
    # django-ratelimit on the database cache made an add and an increment per counter, each two
    # reads, a count and a write in its own transaction: 24 statements, and on SQLite the write
    # lock taken four times per counted request. Both counters are now one INSERT … ON CONFLICT.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    version = _builtin_version()
    client = _bearer(world, world.alice, world.org_a)
    url = f"/api/v1/framework-versions/{version.pk}"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    counting = [q for q in sql if "tenancy_ratecount" in q or "soms_cache" in q and ":rl:" in q]
    assert len(counting) == 1 and counting[0].startswith("INSERT"), counting
    assert not [q for q in sql if q.startswith(("BEGIN", "SAVEPOINT"))], sql
    counts = dict(RateCount.objects.values_list("key", "hits"))
    assert sorted(counts.values()) == [2, 2], counts


def test_the_count_is_exact_and_a_window_ends(world, monkeypatch):
    # Two counters per request, each counted exactly; a new window starts from one and removes
    # the rows of windows that have ended.
    request = RequestFactory().get("/")
    request.user = world.alice
    request.organisation = world.org_a
    clock = [6_000_000.0]
    monkeypatch.setattr(ratelimits, "_clock", lambda: clock[0])
    with override_settings(SOMS_RATES={"export_user": "3/m", "export_org": "5/m"}):
        waits = [ratelimits.retry_after(request, "export") for _ in range(6)]
    assert waits == [None, None, None, 60, 60, 60]
    assert sorted(RateCount.objects.values_list("hits", flat=True)) == [6, 6]
    clock[0] += 59.5
    with override_settings(SOMS_RATES={"export_user": "3/m", "export_org": "5/m"}):
        assert ratelimits.retry_after(request, "export") == 1  # half a second left, rounded up
        clock[0] += 1
        assert ratelimits.retry_after(request, "export") is None
    assert sorted(RateCount.objects.values_list("hits", flat=True)) == [1, 1]  # the old window went


def test_rates_are_read_like_django_ratelimit_and_nonsense_is_refused():
    assert ratelimits.parse_rate("30/m") == (30, 60)
    assert ratelimits.parse_rate("100/5m") == (100, 300)
    assert ratelimits.parse_rate(" 1000 / h ") == (1000, 3600)
    assert ratelimits.parse_rate("2/d") == (2, 86400)
    for bad in ("30", "30/minute", "/m", "x/m", "30/0.5m", "30/0m"):
        with pytest.raises(ImproperlyConfigured, match="rate limit"):
            ratelimits.parse_rate(bad)


@override_settings(SOMS_RATES={"export_user": "1/m", "import_user": "1/m"})
@pytest.mark.parametrize(
    "method, url, body",
    [
        ("get", "/api/v1/people/export?format=csv", None),
        ("get", "/api/v1/people/export?format=xlsx", None),
        ("post", "/api/v1/insights/reports", {"format": "xlsx"}),
        ("post", "/api/v1/people/import", "file"),
        ("post", "/api/v1/history/assessments/import", "file"),
    ],
)
def test_people_exports_reports_and_imports_are_limited(world, builtin, method, url, body):
    """40 people exports, report requests or import checks in a row all went through: a few users
    could keep every worker busy with a large organisation's files (probe F28)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _bearer(world, world.alice, world.org_a)

    def call():
        if body == "file":
            upload = SimpleUploadedFile("people.csv", b"employee_id,name\nE1,Ann\n", content_type="text/csv")
            return client.post(url, {"file": upload, "dry_run": "true"})
        if method == "post":
            return client.post(url, body, content_type="application/json")
        return client.get(url)

    assert call().status_code != 429
    refused = call()
    assert refused.status_code == 429 and "Retry-After" in refused.headers


@override_settings(SOMS_RATES={"export_user": "1/m", "import_user": "1/m"})
def test_people_export_and_import_pages_are_limited(world, builtin):
    client = world.client_for(world.alice, world.org_a)
    export = "/people/export.csv"
    assert client.get(export).status_code == 200
    assert client.get(export).status_code == 429
    assert [client.get("/people/import/").status_code for _ in range(2)] == [200, 200]
