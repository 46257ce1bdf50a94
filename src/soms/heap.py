"""The long-lived heap of a server process, kept out of the cyclic garbage collector's sight.

A full (generation 2) collection walks every tracked object. After start-up a worker holds about
90,000 of them (Django, its apps, the libraries), and one full collection took 65-70 ms of CPU:
it ran inside whichever request happened to allocate enough, so it was that request's p95
outlier (the organisation heatmap read at 50,000 people: 134 ms instead of 57, of which 94 in the
collector). `settle()` imports what a first request would, collects once and freezes what is
left (`gc.freeze`): later full collections walk only what was made since (about 1.5 ms).
Reference counting still frees frozen objects; only cyclic garbage among them is never collected,
and there is none left after the collection.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Once, at the end of a process's start-up (the WSGI application is built)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports every view module, as a first request would)
    gc.collect()
    gc.freeze()
