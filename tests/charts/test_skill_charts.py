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
