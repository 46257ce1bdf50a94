"""Radar and level grid: well-formed SVG, every value reachable as text, nothing by colour alone."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from soms.charts import LevelCell, RadarSeries, level_grid, radar_chart

LEVELS = ["Foundation", "Practitioner", "Senior Practitioner"]
AXES = ["Customer", "Delivery", "Context", "People", "Demand", "Performance", "Strategy"]
NS = "{http://www.w3.org/2000/svg}"


def test_radar_has_one_polygon_per_series_and_every_value_in_words() -> None:
    svg = radar_chart(
        AXES,
        [
            RadarSeries("Required", [2, 2, 1, 1, 3, 1, 1]),
            RadarSeries("Attained", [1, 2, 0, 1, 3, 0, None], filled=True),
        ],
        LEVELS,
        title="Skills of Nina",
    )
    root = ET.fromstring(svg)
    assert root.find(f"{NS}title").text == "Skills of Nina"  # type: ignore[union-attr]
    series = root.findall(f".//{NS}g[@class='series']")
    assert len(series) == 2
    desc = root.find(f"{NS}desc").text or ""  # type: ignore[union-attr]
    assert "Attained: Customer Foundation; Delivery Practitioner; Context no level" in desc
    assert "Strategy unknown" in desc
    # The second series is dashed, so the two differ without colour.
    polygons = [g.find(f"{NS}polygon") for g in series]
    assert polygons[1].get("stroke-dasharray") and not polygons[0].get("stroke-dasharray")  # type: ignore[union-attr]


def test_radar_refuses_what_it_cannot_draw() -> None:
    with pytest.raises(ValueError):
        radar_chart(["a", "b"], [], LEVELS, title="t")
    with pytest.raises(ValueError):
        radar_chart(AXES, [RadarSeries("x", [1])], LEVELS, title="t")


def test_level_grid_marks_gaps_refresh_and_expiry_in_text_and_shape() -> None:
    cells = [
        [
            LevelCell(1, "F", required=2, detail="Nina, Demand: Foundation, requires Practitioner"),
            LevelCell(2, "P", state="refresh_due"),
        ],
        [LevelCell(0, required=1), LevelCell(1, "F", state="expired")],
    ]
    svg = level_grid(cells, ["Nina <North>", "Sam"], ["Demand", "Delivery"], LEVELS, title="Team")
    root = ET.fromstring(svg)
    assert "Nina &lt;North&gt;" in svg
    titles = [t.text for t in root.iter(f"{NS}title")]
    assert "Nina, Demand: Foundation, requires Practitioner" in titles
    assert "2 cells below the required level" in (root.find(f"{NS}desc").text or "")  # type: ignore[union-attr]
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert {"F", "P", "–", "below required", "refresh due", "expired"} <= set(texts)


def test_share_radar_draws_scores_with_the_same_spokes_and_words() -> None:
    from soms.charts import Series, radar

    svg = radar(
        AXES[:4],
        [Series("This audit", [0.5, 1.0, None, 0.25]), Series("Target", [0.75] * 4, dashed=True)],
        title="Audit: score per element",
    )
    root = ET.fromstring(svg)
    series = root.findall(f".//{NS}g[@class='series']")
    assert [g.get("data-series") for g in series] == ["This audit", "Target"]
    desc = root.find(f"{NS}desc").text or ""  # type: ignore[union-attr]
    assert "This audit: Customer 50 %; Delivery 100 %; Context no value; People 25 %" in desc
    texts = {t.text for t in root.iter(f"{NS}text")}
    assert {"25 %", "50 %", "75 %", "100 %"} <= texts
    target = series[1].find(f"{NS}polygon")
    assert target is not None and target.get("stroke-dasharray") and target.get("fill") == "none"
    with pytest.raises(ValueError):
        radar(AXES, [Series("x", [0.1])], title="t")


def test_a_phone_radar_keeps_its_legend_and_names_inside_and_its_rings_keyed() -> None:
    """Drawn 300 wide, the three series' legend took two rows and the second fell below the
    drawing, "Senior Practitioner" beside the top spoke ran into the next element's name, and a
    long element name beside a side spoke ran off the edge."""
    from soms.charts.radar import _NAME_EM

    axes = [
        "Customer experience",
        "Delivery — process design",
        "Process context — organisational structure and infrastructure",
        "People capability",
        "Demand and capacity management",
        "Performance management and improvement",
        "Strategy, governance and leadership",
    ]
    series = [
        RadarSeries("Required", [2] * 7),
        RadarSeries("Attained (validated)", [1] * 7, filled=True),
        RadarSeries("Self-assessed", [3] * 7),
    ]
    root = ET.fromstring(radar_chart(axes, series, LEVELS, title="Nina", width=300))
    width, height = (float(v) for v in root.get("viewBox", "").split()[2:])
    legend = [t for t in root.iter(f"{NS}text") if t.text == "Self-assessed"]
    assert legend and float(legend[0].get("y", "0")) < height - 2
    grid = root.find(f".//{NS}g[@class='grid']")
    assert grid is not None
    marks = [t for t in grid.findall(f"{NS}text") if t.get("font-size")]
    assert ["".join(t.itertext()).replace(n, "") for t, n in zip(marks, LEVELS, strict=True)] == [
        "F",
        "P",
        "SP",
    ]
    key = " ".join(t.text or "" for t in root.iter(f"{NS}text") if t.get("class") == "ring-key")
    assert "F Foundation" in key and "SP Senior Practitioner" in key
    assert all(
        float(t.get("y", "0")) < height for t in root.iter(f"{NS}text") if t.get("class") == "ring-key"
    )
    for text in grid.findall(f"{NS}text[@text-anchor]"):
        spans = text.findall(f"{NS}tspan")
        x, reach = float(spans[0].get("x", "0")), _NAME_EM * 12 * max(len(s.text or "") for s in spans)
        left = {"end": x - reach, "start": x, "middle": x - reach / 2}[text.get("text-anchor", "")]
        assert left >= 0 and left + reach <= width, [s.text for s in spans]
    # A wide drawing keeps the ring names beside the spoke, with no key.
    wide = radar_chart(axes, series, LEVELS, title="Nina")
    assert ">Senior Practitioner</text>" in wide and "ring-key" not in wide
