"""Published versions never change, so their grid, exports and API document are rendered once and
read back from the shared cache; drafts are always rendered afresh."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soms.frameworks import cache as published_cache
from soms.frameworks.services.authoring import version_item_update, version_publish

pytestmark = pytest.mark.django_db


def _without_tokens(html: bytes) -> bytes:
    # Every page carries a fresh CSRF token (and script nonce); the rest must be the same.
    html = re.sub(rb'nonce="[^"]+"', b"", html)
    html = re.sub(rb'"X-CSRFToken": "[^"]+"', b"", html)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def _statement_queries(run):
    with CaptureQueriesContext(connection) as queries:
        response = run()
    return response, [q["sql"] for q in queries.captured_queries if "frameworks_statement" in q["sql"]]


def test_a_published_grid_is_drawn_once_and_read_back(world, soms):
    client = world.client_for(world.charlie)
    url = reverse("framework-version", args=[soms.pk])
    first, read_first = _statement_queries(lambda: client.get(url))
    assert first.status_code == 200 and read_first
    second, read_second = _statement_queries(lambda: client.get(url))
    assert second.status_code == 200
    assert read_second == []
    assert _without_tokens(second.content) == _without_tokens(first.content)
    # Another organisation's reader gets the same grid (a built-in version), from the cache.
    other = world.client_for(world.bob, world.org_b)
    third, read_third = _statement_queries(lambda: other.get(url))
    assert read_third == [] and b"Demand and capacity management" in third.content


def test_an_admin_sees_the_same_cached_grid_with_their_own_buttons(world, soms):
    url = reverse("framework-version", args=[soms.pk])
    world.client_for(world.charlie).get(url)
    page, statements = _statement_queries(lambda: world.client_for(world.alice).get(url))
    assert statements == []
    assert "Adapt into a new framework" in page.content.decode()


@pytest.mark.parametrize("format", ["yaml", "json", "csv", "case"])
def test_published_exports_are_rendered_once(world, soms, format):
    client = world.client_for(world.charlie)
    url = reverse("framework-version-export", args=[soms.pk, format])
    first, read_first = _statement_queries(lambda: client.get(url))
    assert first.status_code == 200 and read_first
    api = f"/api/v1/framework-versions/{soms.pk}/export?format={format}"
    second, read_second = _statement_queries(lambda: client.get(api))
    assert second.status_code == 200 and read_second == []
    assert second.content == first.content
    assert second["Content-Disposition"] == first["Content-Disposition"]
    assert second["Content-Type"] == first["Content-Type"]


def test_the_api_document_of_a_published_version_is_read_back_unchanged(world, soms):
    client = world.client_for(world.charlie)
    url = f"/api/v1/framework-versions/{soms.pk}"
    first, _ = _statement_queries(lambda: client.get(url))
    second, read_second = _statement_queries(lambda: client.get(url))
    assert first.status_code == second.status_code == 200
    assert read_second == []
    assert second.json() == first.json()
    assert second["Content-Type"] == first["Content-Type"]


def test_drafts_are_never_cached_and_an_edit_shows_at_once(world, draft):
    client = world.client_for(world.alice)
    url = reverse("framework-version", args=[draft.pk])
    assert client.get(url).status_code == 200
    statement = draft.statements.get(code="DL-P1")
    version_item_update(
        version=draft,
        kind="statements",
        item=statement,
        values={"text": "Reworded while a draft."},
        expected_revision=draft.revision,
        actor=world.alice,
    )
    assert "Reworded while a draft." in client.get(url).content.decode()
    export = client.get(reverse("framework-version-export", args=[draft.pk, "csv"]))
    assert "Reworded while a draft." in export.content.decode()
    assert not published_cache.is_cached(draft, "grid:1")


def test_publishing_starts_a_new_cache_entry(world, draft):
    client = world.client_for(world.alice)
    url = reverse("framework-version", args=[draft.pk])
    client.get(url)
    version_publish(version=draft, expected_revision=draft.revision, actor=world.alice)
    draft.refresh_from_db()
    assert not published_cache.is_cached(draft, "grid:1")
    page = client.get(url)
    assert page.status_code == 200 and published_cache.is_cached(draft, "grid:1")
    assert "Published" in page.content.decode()
