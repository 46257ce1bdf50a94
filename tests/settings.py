"""Test settings: the real settings, with SOMS_ENV=test and a throw-away data directory."""

import os
import tempfile

os.environ["SOMS_ENV"] = "test"
os.environ.setdefault("SOMS_DATA_DIR", tempfile.mkdtemp(prefix="soms-test-"))

from soms.settings import *  # noqa: E402,F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
WHITENOISE_USE_FINDERS = True
