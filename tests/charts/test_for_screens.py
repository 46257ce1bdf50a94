"""Charts on pages come drawn for wide screens and for phones (soms.charts.for_screens): the phone
drawing is narrow, so scaled to a 390 px screen its text keeps its size; its title and legend wrap
inside it instead of running off the edge."""

from __future__ import annotations

import re

from soms.charts import PHONE_WIDTH, Band, Line, bar_chart, for_screens, line_chart
from soms.charts.svg import CHAR_EM, title_lines


def test_a_page_chart_is_drawn_wide_and_for_a_phone_with_its_own_ids():
    html = for_screens(
        bar_chart,
        ["9", "10", "11"],
        [40.0, 70.0, 90.0],
        title="Service level by number of agents",
        ident="sl",
    )
    wide, phone = re.findall(r'<svg [^>]*viewBox="0 0 ([\d.]+) ', html)
    assert float(wide) == 960 and float(phone) == PHONE_WIDTH
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)) and "sl-phone-title" in ids
    assert html.startswith('<div class="chart-wide">') and '<div class="chart-phone">' in html


def test_a_long_title_and_legend_wrap_inside_a_phone_drawing():
    title = "Service level per interval: simulation against the Erlang formula, with every flag"
    lines, size = title_lines(title, PHONE_WIDTH)
    assert len(lines) > 1 and size >= 12
    assert all(CHAR_EM * size * len(line) <= PHONE_WIDTH - 16 for line in lines)
    svg = line_chart(
        ["a", "b", "c"],
        [Line("forecast (Fourier regression)", [1, 2, 3])],
        bands=[
            Band("95 % prediction interval", [0, 1, 2], [2, 3, 4]),
            Band("80 % prediction interval", [1, 1, 2], [2, 2, 3]),
        ],
        title=title,
        width=PHONE_WIDTH,
    )
    legend = svg.split('<g class="legend">')[1]
    rows = {float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)"', legend)}
    assert len(rows) >= 2  # the three names do not fit in one row of 360
    for x, name in re.findall(r'<text x="([\d.]+)" y="[\d.]+">([^<]+)</text>', legend):
        assert float(x) + 6.6 * len(name) <= PHONE_WIDTH
