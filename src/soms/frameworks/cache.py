"""What is drawn or written from a published framework version, kept in the shared cache.

A published version never changes, so its grid, its exports and its API document are the same for
every reader, every time: the first request renders them, later ones read the result back (a large
version's grid or CASE export takes seconds to render and milliseconds to read). Drafts are never
cached. The key holds the version's id, when it was published and its exchange identity (a
version id the database gives again after a deletion, or identifiers realigned at start, are
other entries), the part (`grid`, `export:csv`, …) and a digest of the code that renders it, so a
new release or an edited template never serves what older code drew.

Callers check access first: the cache is only ever asked for a version the member may read.
Values are pickled and compressed (a grid's HTML shrinks about tenfold); a cache that fails is
read as empty, and the part is rendered as if it were not there.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import zlib
from collections.abc import Callable
from functools import cache as once
from pathlib import Path
from typing import Any

from django.core.cache import cache

from soms.frameworks.models import FrameworkVersion

log = logging.getLogger("soms.frameworks")

# A week: entries are only ever replaced by new code, so they may live as long as the cache keeps them.
TIMEOUT_SECONDS = 7 * 24 * 3600

_HERE = Path(__file__).resolve().parent
# The code whose output is cached: a change to any of these files is a new cache generation.
_RENDERING_SOURCES = (
    "io",
    "document.py",
    "selectors/versions.py",
    "api/browse.py",
    "templates/frameworks/_grid_body.html",
    "templates/frameworks/_grid_pager.html",
    "templates/frameworks/authoring/_statement.html",
)


@once
def code_digest() -> str:
    digest = hashlib.sha256()
    for name in _RENDERING_SOURCES:
        path = _HERE / name
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file() and file.suffix in (".py", ".html", ".json"):
                digest.update(file.relative_to(_HERE).as_posix().encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def cache_key(version: FrameworkVersion, part: str) -> str:
    published = version.published_at.isoformat() if version.published_at else "-"
    return f"soms.published:{version.pk}:{published}:{version.uuid}:{part}:{code_digest()}"


def published_cached[T](version: FrameworkVersion, part: str, make: Callable[[], T]) -> T:
    """`make()` for a draft; for a published version, what an earlier `make()` returned."""
    if not version.is_published:
        return make()
    key = cache_key(version, part)
    try:
        stored = cache.get(key)
    except Exception:  # a cache that fails is an empty one
        log.warning("cache read failed for %s", key, exc_info=True)
        stored = None
    if stored is not None:
        value: T = pickle.loads(zlib.decompress(stored))  # noqa: S301  # our own bytes, never a client's
        return value
    value = make()
    try:
        cache.set(key, zlib.compress(pickle.dumps(value), 3), TIMEOUT_SECONDS)
    except Exception:
        log.warning("cache write failed for %s", key, exc_info=True)
    return value


def is_cached(version: FrameworkVersion, part: str) -> bool:
    return version.is_published and cache.get(cache_key(version, part)) is not None


def published_forget(version: FrameworkVersion, parts: Any) -> None:
    cache.delete_many([cache_key(version, part) for part in parts])
