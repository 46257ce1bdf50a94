"""A full garbage collection inside a request walked the whole start-up heap of the worker (about
90,000 objects, 65-70 ms of CPU): the p95 outlier of the organisation heatmap. A worker freezes
its start-up heap once the WSGI application is built (`soms.heap.settle`), so a full collection
walks only what was made since. Run in a fresh interpreter, as a worker starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = r"""
import gc, json, time
import soms.wsgi  # what each gunicorn worker imports
start = time.thread_time()
gc.collect()
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "tracked": len(gc.get_objects()),
    "full_ms": (time.thread_time() - start) * 1000,
}))
"""


def test_a_worker_starts_with_its_heap_out_of_the_collectors_sight(tmp_path):
    env = {**os.environ, "SOMS_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "soms.settings"}
    env.pop("SOMS_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    # The modules, Django's apps and the URL conf (every view module) are frozen; what a full
    # collection still walks is a small remainder, not the start-up heap.
    assert found["frozen"] > 20_000
    assert found["tracked"] * 5 < found["frozen"]
