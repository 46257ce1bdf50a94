"""Very long addresses get SOMS's own answer: a 414 naming MAX_URL_LENGTH, JSON under /api/ and the
site's page elsewhere. gunicorn's request line limit was its default 4,094 bytes, past which
gunicorn answered itself with a bare HTML 414, even to an API client."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from soms.limits import GUNICORN_REQUEST_LINE, MAX_URL_LENGTH
from soms.server import gunicorn_options
from soms.tenancy.models import ApiToken
from tests.regression.live import live_server

pytestmark = pytest.mark.django_db


def _query(length: int, path: str) -> str:
    """`path?q=xxx…`, `length` characters in all."""
    return path + "?q=" + "x" * (length - len(path) - 3)


def test_an_api_address_past_the_limit_is_a_json_414_naming_it(world):
    client = world.client_for(world.alice)
    tokens = ApiToken.objects.count()
    r = client.get(_query(MAX_URL_LENGTH + 1, "/api/v1/audit-log"))
    assert r.status_code == 414 and r["Content-Type"] == "application/json"
    detail = r.json()["detail"]
    assert f"{MAX_URL_LENGTH + 1:,} characters" in detail and "MAX_URL_LENGTH" in detail, detail
    # A write is refused the same way, before anything is read or written.
    r = client.post(
        _query(MAX_URL_LENGTH + 50, "/api/v1/tokens"), {"name": "x"}, content_type="application/json"
    )
    assert r.status_code == 414 and ApiToken.objects.count() == tokens
    assert client.get(_query(MAX_URL_LENGTH, "/api/v1/audit-log")).status_code == 200


def test_a_page_address_past_the_limit_is_the_site_s_own_page(world):
    client = world.client_for(world.alice)
    r = client.get(_query(MAX_URL_LENGTH + 1, "/people/"))
    assert r.status_code == 414 and r["Content-Type"].startswith("text/html")
    html = r.content.decode()
    assert "That address is too long" in html and f"at most {MAX_URL_LENGTH:,}" in html
    assert "Back to the start page" in html
    # The percent-encoded path counts as sent: 1,400 "é" are 8,400 characters on the wire.
    assert client.get("/people/" + "é" * 1_400).status_code == 414


def test_gunicorn_lets_every_address_up_to_the_limit_reach_soms():
    assert (
        gunicorn_options(host="127.0.0.1", port=1, workers=1)["limit_request_line"] == GUNICORN_REQUEST_LINE
    )
    # "GET " + address + " HTTP/1.1" fits in gunicorn's line for any address SOMS answers itself.
    assert len(f"DELETE {'x' * MAX_URL_LENGTH} HTTP/1.1") < GUNICORN_REQUEST_LINE


@pytest.mark.sqlite_only
def test_the_real_server_answers_a_long_api_address_in_json(tmp_path):
    with live_server(tmp_path / "data") as (base, tokens):
        request = urllib.request.Request(
            base + _query(6_000, "/api/v1/audit-log"), headers={"Authorization": f"Bearer {tokens['alice']}"}
        )
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=30)
        assert caught.value.code == 414
        assert caught.value.headers["Content-Type"] == "application/json"
        assert b"MAX_URL_LENGTH" in caught.value.read()


def test_every_operation_documents_the_414():
    """Schemathesis against a running server: a DELETE with a query string of many values got the
    JSON 414, which the spec did not list."""
    from django.test import Client

    spec = Client().get("/api/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            answer = operation["responses"].get("414")
            assert answer is not None, (method, path)
            assert answer["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"
            }
