"""The SVG chart module: valid, accessible, escaped, and honest about missing values."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from soms.charts import (
    Band,
    Estimate,
    Line,
    bar_chart,
    colour_for,
    estimate_chart,
    heatmap,
    line_chart,
    nice_ticks,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    return root


def test_heatmap_has_title_description_legend_and_one_cell_per_value():
    svg = heatmap(
        [[1, 2, None], [4, math.nan, 6]],
        ["Mon", "Tue"],
        ["08:00", "09:00", "10:00"],
        title="Calls & <waits>",
        value_label="mean calls",
    )
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "Calls & <waits>"
    assert root.get("aria-label") == "Calls & <waits>"
    assert "Highest: 6.0 at Tue, 10:00" in root.find(f"{SVG}desc").text
    cells = root.findall(f".//{SVG}g[@class='cells']/{SVG}rect")
    assert len(cells) == 6
    tips = [c.find(f"{SVG}title").text for c in cells]
    assert "Mon, 10:00: no data" in tips and "Tue, 09:00: no data" in tips and "Tue, 10:00: 6.0" in tips
    assert root.find(f".//{SVG}linearGradient") is not None  # the colour legend
    assert "&lt;waits&gt;" in svg and "<waits>" not in svg


def test_text_cannot_break_out_of_the_markup():
    evil = '"><script>alert(1)</script>'
    for svg in (
        heatmap([[1]], [evil], [evil], title=evil, value_label=evil),
        line_chart([evil], [Line(evil, [1])], bands=[Band(evil, [0], [2])], title=evil, y_label=evil),
        bar_chart(
            [evil], [1], low=[0], high=[2], title=evil, value_name=evil, reference=1, reference_name=evil
        ),
        estimate_chart([evil], [Estimate(0.5, 0.4, 0.6)], [0.5], title=evil, flagged=[True], flag_name=evil),
    ):
        parse(svg)
        assert "<script>" not in svg


def test_line_chart_draws_bands_and_breaks_lines_at_missing_values():
    root = parse(
        line_chart(
            ["a", "b", "c", "d"],
            [Line("forecast", [1, 2, None, 4])],
            bands=[Band("80 %", [0, 1, 2, 3], [2, 3, 4, 5])],
            title="Forecast",
        )
    )
    assert len(root.findall(f".//{SVG}polygon[@class='band']")) == 1
    paths = root.findall(f".//{SVG}path[@class='line']")
    assert len(paths) == 2  # split at the gap, not drawn through it


def test_bar_chart_with_range_reference_and_highlight():
    svg = bar_chart(
        ["12", "13", "14"],
        [0.64, 0.80, 0.89],
        title="Service level by agents",
        low=[0.6, 0.7, 0.8],
        high=[0.7, 0.85, 0.95],
        reference=0.8,
        reference_name="target",
        highlight=[False, False, True],
        value_format="{:.2f}",
    )
    root = parse(svg)
    bars = root.findall(f".//{SVG}g[@class='bars']/{SVG}rect")
    assert len(bars) == 3
    assert "14: value 0.89 (range 0.80–0.95)" in bars[2].find(f"{SVG}title").text
    # A highlighted bar says so in words and has a dashed edge: not told apart by colour alone.
    assert bars[2].find(f"{SVG}title").text.endswith("; highlighted") and bars[2].get("stroke-dasharray")
    assert not bars[1].get("stroke-dasharray")
    assert root.find(f".//{SVG}line[@class='reference']") is not None
    # Hundreds of bars: the range becomes one band instead of unreadable whiskers.
    dense = parse(bar_chart([""] * 400, [1] * 400, low=[0] * 400, high=[2] * 400, title="Dense"))
    assert dense.find(f".//{SVG}polygon[@class='range']") is not None


def test_estimate_chart_marks_flagged_columns():
    root = parse(
        estimate_chart(
            ["09:00", "09:30"],
            [Estimate(0.9, 0.85, 0.95), None],
            [0.8, None],
            title="Simulation vs formula",
            flagged=[True, False],
            y_range=(0, 1),
        )
    )
    assert len(root.findall(f".//{SVG}rect[@class='flag']")) == 1
    assert "1 flagged" in root.find(f"{SVG}desc").text


def test_charts_refuse_mismatched_lengths():
    with pytest.raises(ValueError, match="one row per row label"):
        heatmap([[1, 2]], ["a", "b"], ["x", "y"], title="t")
    with pytest.raises(ValueError, match="one value per x label"):
        line_chart(["a"], [Line("l", [1, 2])], title="t")
    with pytest.raises(ValueError, match="low"):
        bar_chart(["a", "b"], [1, 2], low=[1], high=[1, 2], title="t")


def test_two_charts_on_one_page_get_distinct_ids():
    a = heatmap([[1]], ["r"], ["c"], title="Same", ident="first")
    b = heatmap([[1]], ["r"], ["c"], title="Same", ident="second")
    assert 'id="first-desc"' in a and 'id="second-desc"' in b


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(0, 10, [0, 2, 4, 6, 8, 10]), (0, 0.93, [0, 0.2, 0.4, 0.6, 0.8, 1.0]), (3, 3, None)],
)
def test_nice_ticks_cover_the_range(low, high, expected):
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    if expected is not None:
        assert ticks == pytest.approx(expected)


def test_colour_scale_runs_light_to_dark():
    def lightness(hex_colour: str) -> int:
        return sum(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))

    shades = [lightness(colour_for(f / 10)) for f in range(11)]
    assert shades == sorted(shades, reverse=True)


def test_heatmap_of_categories_names_every_column_and_keeps_long_row_names_readable() -> None:
    import xml.etree.ElementTree as ET

    from soms.charts import heatmap

    elements = [
        "Customer experience",
        "Service delivery system",
        "Context and strategy",
        "People and culture",
        "Demand and capacity",
        "Performance management",
        "Continuous improvement",
    ]
    path = "Harbourside Operations/Motor Claims/Motor North/Second line (12)"
    svg = heatmap([[50] * 7, [75] * 7], [path, "Finance (3)"], elements, title="Units", every_column=True)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    axis = root.find(f".//{ns}g[@class='axis x-axis']")
    assert axis is not None
    titles = [t.findtext(f"{ns}title") for t in axis.iter(f"{ns}text")]
    assert titles == elements
    cut = {
        t.findtext(f"{ns}title"): (t.find(f"{ns}title").tail or "")  # type: ignore[union-attr]
        for t in root.iter(f"{ns}text")
        if t.find(f"{ns}title") is not None
    }
    assert cut[path].startswith("…") and cut[path].endswith("Second line (12)")
    # Without it (hours of a day), labels still thin out so that none overlap.
    thin = heatmap(
        [[1.0] * 48], ["Mon"], [f"{h // 2:02d}:{30 * (h % 2):02d}" for h in range(48)], title="Week"
    )
    assert thin.count('text-anchor="middle" fill=') < 48
