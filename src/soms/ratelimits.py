"""Rate limits on the reads and computations any member can make expensive.

A grid of a large framework, an export, a capacity plan or simulation at its largest size each cost
a request worker seconds; a few people repeating them could keep every worker busy. So each such
view counts its calls per user and per organisation in a store every worker process shares, and
answers 429 with `Retry-After` once a limit is reached: JSON `{detail}` on the API, a page
elsewhere. The rates are settings (`SOMS_RATE_<GROUP>_USER` / `_ORG`, e.g. `30/m`), listed in
the README.

On the default install (the database cache) both counters of a request are counted by one
statement on the database, `INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING`, in
`tenancy.RateCount`: atomic, so two simultaneous requests are never counted once, and one short
write instead of django-ratelimit's add-then-increment through the database cache (two reads, a
count for culling and a write per step: 24 statements and, on SQLite, the write lock taken four
times per counted request). Windows are fixed: they start at a multiple of the period.

With Redis (`SOMS_CACHE_URL`) django-ratelimit counts in the cache, which increments atomically.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

# group -> (default rate per user, default rate per organisation). Generous for a person working,
# far below what saturates two workers.
GROUPS: dict[str, tuple[str, str]] = {
    # Framework grids and comparisons (pages and API reads of a whole version).
    "grid": ("120/m", "600/m"),
    # Exports and reports, every format: frameworks, people, Insights reports and plans, audits.
    "export": ("30/m", "120/m"),
    # Imports (admins): frameworks, HR files of people, historic assessments and projects.
    "import": ("20/m", "60/m"),
    # Capacity plans and simulations (pages and API).
    "capacity": ("30/m", "120/m"),
}


def rates(group: str) -> tuple[str, str]:
    user_rate, org_rate = GROUPS[group]
    configured = getattr(settings, "SOMS_RATES", {})
    return configured.get(f"{group}_user", user_rate), configured.get(f"{group}_org", org_rate)


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """`"30/m"` -> (30 requests, 60 seconds); `"100/5m"` -> (100, 300). django-ratelimit's syntax."""
    match = _RATE.match(rate)
    if match is None or int(match.group(2) or 1) == 0:
        raise ImproperlyConfigured(f"rate limit {rate!r}: write requests/period, e.g. 30/m, 100/5m, 1000/h")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _UNIT_SECONDS[unit]


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
    counters = ((_user_key(group, request), user_rate), (_org_key(group, request), org_rate))
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    if isinstance(cache, DatabaseCache):
        return _count_in_database(group, counters)
    wait = None
    for key, rate in ((_user_key, user_rate), (_org_key, org_rate)):
        usage = get_usage(request, group=f"soms.{group}", key=key, rate=rate, increment=True)
        if usage is not None and usage["should_limit"]:
            wait = max(wait or 1, int(usage["time_left"]))
    return wait


def _clock() -> float:
    """Now, in Unix seconds (tests pin it to stay inside one window)."""
    return time.time()


def _count_in_database(group: str, counters: tuple[tuple[str, str], ...]) -> int | None:
    from soms.tenancy.models import RateCount

    now = _clock()
    rows: dict[str, tuple[int, int]] = {}  # key -> (limit, window end)
    for who, rate in counters:
        limit, period = parse_rate(rate)
        window = int(now // period)
        rows[f"{group}:{who}:{window}"] = (limit, (window + 1) * period)
    table, key_, hits_, expires_ = map(
        connection.ops.quote_name, (RateCount._meta.db_table, "key", "hits", "expires")
    )
    values = ", ".join(["(%s, 1, %s)"] * len(rows))
    params: list[Any] = []
    for key, (_, ends) in rows.items():
        params += [key, ends]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_}, {hits_}, {expires_}) VALUES {values} "
            f"ON CONFLICT ({key_}) DO UPDATE SET {hits_} = {table}.{hits_} + 1 RETURNING {key_}, {hits_}",
            params,
        )
        counted = dict(cursor.fetchall())
        if 1 in counted.values():
            # A window began: the ones that have ended are no use to anybody.
            cursor.execute(f"DELETE FROM {table} WHERE {expires_} <= %s", [int(now)])
    wait = None
    for key, hits in counted.items():
        limit, ends = rows[key]
        if hits > limit:
            wait = max(wait or 1, math.ceil(ends - now))
    return wait


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
