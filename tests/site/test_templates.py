"""Template source rules no page test would notice until a user saw the result."""

from __future__ import annotations

import re
from pathlib import Path

import soms

TEMPLATES = sorted(Path(soms.__file__).parent.rglob("templates/**/*.html"))


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) > 50


def test_no_comment_spans_lines() -> None:
    """Django's `{# … #}` ends at the end of its line: one left open is printed on the page as
    text (a framework grid showed its own source comment to every reader). Longer comments use
    `{% comment %}`."""
    open_ones = [
        f"{path.relative_to(Path(soms.__file__).parent)}:{n}"
        for path in TEMPLATES
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for m in re.finditer(r"\{#", line)
        if "#}" not in line[m.end() :]
    ]
    assert open_ones == []


def test_no_inline_event_handlers() -> None:
    """The Content-Security-Policy allows no inline script, so an `onsubmit=` / `onclick=` never
    runs: an erase form's `confirm()` was skipped and the person erased at the first click. Page
    behaviour lives in soms/app.js (`data-confirm`, `data-submit-on-change`)."""
    inline = [
        f"{path.relative_to(Path(soms.__file__).parent)}:{n}"
        for path in TEMPLATES
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"<[^>]*\son[a-z]+\s*=", line)
    ]
    assert inline == []
