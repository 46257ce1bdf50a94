"""Test settings: the real settings, with SOMS_ENV=test and a throw-away data directory."""

import os
import tempfile

os.environ["SOMS_ENV"] = "test"
os.environ.setdefault("SOMS_DATA_DIR", tempfile.mkdtemp(prefix="soms-test-"))
# Under pytest-xdist (scripts/test.sh) each worker process has a data directory of its own (its
# static files, its secret key), as a suite run alone has; the database is the worker's own already
# (SQLite in memory; on PostgreSQL pytest-django names it test_<name>_gw0, _gw1, ...).
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["SOMS_DATA_DIR"] = os.path.join(os.environ["SOMS_DATA_DIR"], os.environ["PYTEST_XDIST_WORKER"])

from soms.settings import *  # noqa: E402,F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
WHITENOISE_USE_FINDERS = True
