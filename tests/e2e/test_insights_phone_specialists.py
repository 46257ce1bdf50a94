"""The specialists and back-ups of a capability model, read on a phone (390 px): each capability is
one card with its state first, then who holds it, all on the screen; the table's State column used
to sit off-screen behind a sideways scroll. On a desktop (1280 px) it stays a four-column table."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.insights.conftest import smo  # noqa: F401  (fixtures)
from tests.people.conftest import org  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

# Per capability row: its name, the state badge's box, the specialists cell's box, and how far the
# table scrolls sideways inside its card.
ROWS = """() => {
  const card = document.querySelector('#capabilities');
  const wrap = card.querySelector('.table-wrap');
  const rows = [...card.querySelectorAll('tbody tr')].map(tr => {
    const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.top]; };
    return [tr.querySelector('th').textContent.trim(), box(tr.querySelector('.badge')),
            box(tr.querySelector('td[data-label="Specialists"]'))];
  });
  return {width: document.documentElement.clientWidth, scroll: wrap.scrollWidth - wrap.clientWidth,
          page: document.documentElement.scrollWidth - document.documentElement.clientWidth, rows};
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_specialists_are_readable_on_a_phone(
    live_server: Any,
    org: Any,  # noqa: F811
    smo: Any,  # noqa: F811
    browser: Any,
    width: int,
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    base = live_server.url
    try:
        sign_in(page, base, "alice", PASSWORD)
        page.goto(f"{base}/insights/?version={smo.pk}")
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#capabilities").screenshot(path=str(ARTIFACTS / f"insights-specialists-{width}.png"))
        got = page.evaluate(ROWS)
        assert len(got["rows"]) == 12, got
        assert got["scroll"] <= 1 and got["page"] <= 1, got
        assert (
            "Nina North"
            in page.locator("#capabilities tbody tr", has_text="Incident management").inner_text()
        )
        for name, state, who in got["rows"]:
            # Every state badge whole on the screen.
            assert state[0] >= 0 and state[1] <= got["width"], (name, state)
            if width == 390:
                # Stacked: the state comes before (above) who holds the capability.
                assert state[2] < who[2], (name, state, who)
            else:
                # A table: the state in its own column, right of the specialists, on the same line.
                assert state[0] > who[1] and abs(state[2] - who[2]) < 20, (name, state, who)
    finally:
        context.close()
