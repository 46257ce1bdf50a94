"""The meta-test: every route that takes an object id has its tenancy tests.

It enumerates every URL pattern (`get_resolver()`) and every Ninja API operation whose path names
an id (a parameter ending in `_id`), and fails for one that is neither registered in
`tests.tenancy_routes.ROUTES` — where `tests/tenancy/test_isolation.py` runs the cross-organisation
test (404 with the body of a missing id) and the role test for it — nor listed in `PENDING`. It also
fails for a registry entry that names no route, so the registry cannot rot.

To comply when you add an id route: add one `Route(...)` to `tests/tenancy_routes.py` (the key and
the object maker; see that module and tests/README.md).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, path

from tests.tenancy_routes import PENDING, ROUTES

_DJANGO_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_NINJA_PARAM = re.compile(r"{(\w+)}")


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            found += _walk(p.url_patterns, prefix + str(p.pattern))
        else:
            found.append((prefix + str(p.pattern), p))
    return found


def page_id_routes(patterns: list[URLPattern | URLResolver] | None = None) -> dict[str, list[str]]:
    """URL name → its path parameters, for the pages (not the API) whose path carries an id."""
    routes = {}
    for route, pattern in _walk(patterns if patterns is not None else get_resolver().url_patterns):
        if route.startswith("api/"):
            continue  # the API's operations are enumerated with their methods below
        params = _DJANGO_PARAM.findall(route)
        if any(name.endswith("_id") for name in params):
            routes[pattern.name or route] = params
    return routes


@cache
def page_params() -> dict[str, list[str]]:
    return page_id_routes()


def api_paths() -> dict[str, Any]:
    from soms.api.router import api

    return dict(api.get_openapi_schema()["paths"])


def api_id_operations(paths: dict[str, Any] | None = None) -> set[str]:
    """ "METHOD /api/…" for every API operation (in the OpenAPI paths) whose path carries an id."""
    operations = set()
    for api_path, methods in (paths if paths is not None else api_paths()).items():
        if any(name.endswith("_id") for name in _NINJA_PARAM.findall(api_path)):
            operations |= {f"{method.upper()} {api_path}" for method in methods}
    return operations


def uncovered(pages: dict[str, list[str]], operations: set[str]) -> list[str]:
    """Id routes with neither a registry entry nor a PENDING line."""
    registered_pages = {r.target for r in ROUTES if not r.is_api}
    registered_api = {r.key for r in ROUTES if r.is_api}
    missing = [f"page {name}" for name in pages if name not in registered_pages]
    missing += [op for op in operations if op not in registered_api]
    return sorted(m for m in missing if m not in PENDING and m.removeprefix("page ") not in PENDING)


def test_every_id_route_has_its_tenancy_tests() -> None:
    missing = uncovered(page_params(), api_id_operations())
    assert not missing, (
        "These routes take an object id but have no cross-organisation and role test; register each "
        "in tests/tenancy_routes.py (see tests/README.md):\n  " + "\n  ".join(missing)
    )


def test_every_registry_entry_names_a_route() -> None:
    pages, operations = page_params(), api_id_operations()
    stale = [r.key for r in ROUTES if (r.target not in pages if not r.is_api else r.key not in operations)]
    stale += [key for key in PENDING if key not in operations and key.split(" ", 1)[-1] not in pages]
    assert not stale, "Registered routes that no longer exist (or never did):\n  " + "\n  ".join(stale)


def test_the_registry_is_keyed_once() -> None:
    keys = [r.key for r in ROUTES]
    assert len(keys) == len(set(keys))
    assert not set(keys) & set(PENDING)


def test_a_new_id_route_without_tenancy_tests_fails_the_meta_test() -> None:
    """The meta-test must be able to fail: a page and an API operation added without a registry
    entry are reported by name."""
    from django.http import HttpResponse

    def view(request: object, widget_id: int) -> HttpResponse:
        return HttpResponse()

    extra_page = path("widgets/<int:widget_id>/", view, name="widget-detail")
    pages = page_id_routes([*get_resolver().url_patterns, extra_page])
    assert uncovered(pages, api_id_operations()) == ["page widget-detail"]

    # An operation as the spec lists it (the spec is what Ninja builds from the routers).
    paths = {**api_paths(), "/api/v1/widgets/{widget_id}": {"get": {}, "delete": {}}}
    assert uncovered(page_params(), api_id_operations(paths)) == [
        "DELETE /api/v1/widgets/{widget_id}",
        "GET /api/v1/widgets/{widget_id}",
    ]
    # …and an already registered route is not reported.
    assert uncovered(page_params(), api_id_operations()) == []
