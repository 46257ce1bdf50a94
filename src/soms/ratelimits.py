"""Rate limits on the reads and computations any member can make expensive.

A grid of a large framework, an export, a capacity plan or simulation at its largest size each cost
a request worker seconds; a few people repeating them could keep every worker busy. So each such
view counts its calls per user and per organisation in a shared cache (the database cache table on
the default install, Redis with `SOMS_CACHE_URL` at scale) and answers 429 with `Retry-After`
once a limit is reached: JSON `{detail}` on the API, a page elsewhere. The rates are settings
(`SOMS_RATE_<GROUP>_USER` / `_ORG`, e.g. `30/m`), listed in the README.

django-ratelimit does the counting. Its check calls the database cache "not atomic": an increment
there is a read and a write, so two simultaneous requests may be counted once. That lets a burst
past a limit by a few requests, which does not matter for keeping workers free; Redis counts
exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import router, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

# group -> (default rate per user, default rate per organisation). Generous for a person working,
# far below what saturates two workers.
GROUPS: dict[str, tuple[str, str]] = {
    # Framework grids and comparisons (pages and API reads of a whole version).
    "grid": ("120/m", "600/m"),
    # Framework exports, every format.
    "export": ("30/m", "120/m"),
    # Framework imports (admins).
    "import": ("20/m", "60/m"),
    # Capacity plans and simulations (pages and API).
    "capacity": ("30/m", "120/m"),
}


def rates(group: str) -> tuple[str, str]:
    user_rate, org_rate = GROUPS[group]
    configured = getattr(settings, "SOMS_RATES", {})
    return configured.get(f"{group}_user", user_rate), configured.get(f"{group}_org", org_rate)


def _user_key(group: str, request: HttpRequest) -> str:
    return f"user:{request.user.pk}"


def _org_key(group: str, request: HttpRequest) -> str:
    organisation = getattr(request, "organisation", None)
    return f"org:{organisation.pk if organisation is not None else 'none'}"


def retry_after(request: HttpRequest, group: str) -> int | None:
    """Count this request against the group's limits; seconds to wait when one is exceeded."""
    if not request.user.is_authenticated:
        return None  # the view's own sign-in check answers first
    user_rate, org_rate = rates(group)
    wait = None
    with _counting():
        for key, rate in ((_user_key, user_rate), (_org_key, org_rate)):
            usage = get_usage(request, group=f"soms.{group}", key=key, rate=rate, increment=True)
            if usage is not None and usage["should_limit"]:
                wait = max(wait or 1, int(usage["time_left"]))
    return wait


def _counting() -> AbstractContextManager[Any]:
    """On the database cache, both counters in one transaction: each `add` and `incr` otherwise
    opens its own, and on SQLite each takes the one write lock (four per counted request, which
    under load queued every writer behind the counting). Other caches need no transaction."""
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    if isinstance(cache, DatabaseCache):
        return transaction.atomic(using=router.db_for_write(cache.cache_model_class))
    return nullcontext()


def too_many(request: HttpRequest, wait: int) -> HttpResponse:
    message = f"Too many requests of this kind; try again in {wait} seconds."
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


def refused(request: HttpRequest, group: str) -> HttpResponse | None:
    """The 429 answer when this request exceeds a limit of `group`, else None. API operations call
    it first thing (`if (answer := refused(request, "export")): return answer`): Ninja reads an
    operation's signature with the module's own names, which a wrapping decorator would hide."""
    wait = retry_after(request, group)
    return None if wait is None else too_many(request, wait)


def documented(group: str, openapi_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """`openapi_extra` for an API operation that calls `refused(request, group)`: the spec then
    says it may answer 429 with `Retry-After` (a test holds every such operation to it)."""
    user_rate, org_rate = GROUPS[group]
    extra = dict(openapi_extra or {})
    responses = dict(extra.get("responses") or {})
    responses["429"] = {
        "description": (
            f"Too many requests of this kind (group `{group}`: by default {user_rate} per user and "
            f"{org_rate} per organisation); wait the seconds `Retry-After` says"
        ),
        "headers": {
            "Retry-After": {
                "description": "Seconds until the next request of this kind is accepted",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }
    extra["responses"] = responses
    return extra


def rate_limited(
    group: str, *, methods: tuple[str, ...] = ("GET", "POST")
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a page view (inside its sign-in decorator) with the group's limits; only requests
    of `methods` count (an import page's GET shows a form, its POST does the work)."""
    rates(group)  # an unknown group fails at import, not at the first request

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            wait = retry_after(request, group) if request.method in methods else None
            if wait is not None:
                return too_many(request, wait)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
