"""Tenancy for every id route, driven by the registry in tests/tenancy_routes.py.

For each registered route: another organisation's object answers 404 with exactly the body of a
missing id, and a role too weak for the route answers 403 (or, for routes every member may use, a
plain member is let through). tests/tenancy/test_meta.py makes sure every id route is registered.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.tenancy.test_meta import page_params
from tests.tenancy_routes import ROUTES, Route

pytestmark = pytest.mark.django_db

# An id no row has, small enough for every id converter and schema.
MISSING = 2**31 - 7
_PARAM = re.compile(r"{(\w+)}")


def _url(route: Route, params: dict[str, Any]) -> str:
    if route.is_api:
        path = _PARAM.sub(lambda m: str(params[m.group(1)]), route.target)
    else:
        wanted = page_params()[route.target]
        path = reverse(route.target, kwargs={k: params[k] for k in wanted})
    return path + route.query


def _missing(route: Route, params: dict[str, Any]) -> dict[str, Any]:
    return {k: (MISSING if k.endswith("_id") else v) for k, v in params.items()}


def _call(client: Client, route: Route, params: dict[str, Any], made: dict[str, Any] | None = None) -> Any:
    """The route with `params` in its path; a write's body is made from the objects `made`."""
    url = _url(route, {**route.extra, **params})
    method = route.method.lower()
    data = route.body(made or params) if route.body is not None else None
    if route.is_api:
        kwargs: dict[str, Any] = {}
        if data is not None:
            kwargs = {"data": json.dumps(data), "content_type": "application/json"}
        return getattr(client, method)(url, **kwargs)
    return getattr(client, method)(url, data or {})


def _page_text(response: Any, urls: list[str]) -> str:
    """A page's body without what differs on every render (CSRF tokens, CSP nonces, its own URL)."""
    text = response.content.decode()
    for url in urls:
        text = text.replace(url, "URL")
    text = re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]*"', r"\1TOKEN", text)
    return re.sub(r'nonce="[^"]*"', 'nonce="N"', text)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.key)
def test_another_organisations_object_answers_like_a_missing_one(world: Any, route: Route) -> None:
    theirs = route.make(world, world.org_b, world.bob)
    client = world.client_for(world.alice, world.org_a)
    other = _call(client, route, theirs)
    missing = _call(client, route, _missing(route, theirs), made=theirs)
    assert missing.status_code == 404, missing.content[:300]
    assert other.status_code == 404, other.content[:300]
    if route.is_api:
        assert other.json() == missing.json()
    else:
        urls = [
            _url(route, {**route.extra, **theirs}),
            _url(route, {**route.extra, **_missing(route, theirs)}),
        ]
        assert _page_text(other, urls) == _page_text(missing, urls)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.key)
def test_the_role_the_route_needs(world: Any, route: Route) -> None:
    if route.refused is None:
        # Every member may: charlie (a plain member of A) reaches their organisation's object.
        ours = route.make(world, world.org_a, world.charlie if route.per_user else world.alice)
        response = _call(world.client_for(world.charlie, world.org_a), route, ours)
        assert response.status_code not in (403, 404), response.content[:300]
    else:
        ours = route.make(world, world.org_a, world.alice)
        response = _call(world.client_for(getattr(world, route.refused), world.org_a), route, ours)
        assert response.status_code == 403, response.content[:300]
