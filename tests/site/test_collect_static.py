"""`soms start` collects the static files only when what it would collect changed."""

from __future__ import annotations

import os
import time

from soms.site.management.commands.start import STATIC_STAMP, collect_static


def test_a_second_start_collects_nothing_until_a_static_file_changes(settings, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    extra = source / "extra.css"
    extra.write_text("body { color: black }")
    settings.STATIC_ROOT = str(tmp_path / "static")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, str(source)]
    # (Django's setting_changed handlers rebuild the finders and the storage from these.)
    assert collect_static()
    collected = tmp_path / "static" / "extra.css"
    assert collected.read_text() == "body { color: black }"
    assert (tmp_path / "static" / STATIC_STAMP).is_file()
    assert not collect_static()

    extra.write_text("body { color: navy }")
    later = time.time_ns() + 10_000_000_000  # as an edit leaves it: newer than what was collected
    os.utime(extra, ns=(later, later))
    assert collect_static()
    assert collected.read_text() == "body { color: navy }"
    assert not collect_static()

    (source / "new.js").write_text("1")
    assert collect_static()
    assert (tmp_path / "static" / "new.js").is_file()

    # A collected tree whose stamp is gone (or was never written) is collected again.
    (tmp_path / "static" / STATIC_STAMP).unlink()
    assert collect_static()
