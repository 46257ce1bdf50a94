"""The toolkit charts: valid SVG, one mark per item, figures in words, and escaped text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from soms.charts import delivery_matrix, kpi_trend, stakeholder_grid, value_stream_map
from soms.core import delivery, stakeholders, vsm
from soms.core.kpi import Direction, Thresholds
from soms.core.vsm import Office, Rework, Step, ValueStream

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '"><script>alert(1)</script>'


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert "<script>" not in svg
    return root


def test_value_stream_map_draws_steps_lanes_loops_and_ladder() -> None:
    steps = (
        Step("a", EVIL, 10, 0, 90, Office.FRONT, EVIL, EVIL),
        Step("b", "Assess", 20, 30, 80, Office.BACK, after=("a",)),
        Step("c", "Pay", 5, 60, 95, Office.BACK, after=("b",)),
    )
    rework = (Rework("c", "b", 20),)
    result = vsm.analyse(ValueStream(steps, rework))
    root = parse(value_stream_map(steps, rework, result, title=EVIL))
    assert len(root.findall(f".//{SVG}g[@class='step']")) == 3
    assert len(root.findall(f".//{SVG}g[@class='lane']")) == 2
    assert len(root.findall(f".//{SVG}g[@class='rework']/{SVG}path")) == 1
    assert root.find(f".//{SVG}g[@class='ladder']/{SVG}polyline") is not None
    desc = root.find(f"{SVG}desc").text
    assert "Lead time 154 minutes" in desc and "rolled complete and accurate 68.4 %" in desc


def test_kpi_trend_colours_points_by_status_and_draws_bands() -> None:
    t = Thresholds(Direction.HIGHER, 80, 70)
    root = parse(
        kpi_trend(
            [(date(2026, 1, 1), 62), (date(2026, 2, 1), 75), (date(2026, 3, 1), 85)], t, title=EVIL, unit=EVIL
        )
    )
    classes = [c.get("class") for c in root.findall(f".//{SVG}circle")]
    assert classes == ["point status-red", "point status-amber", "point status-green"]
    assert len(root.findall(f".//{SVG}rect[@class]")) == 3
    assert root.find(f".//{SVG}line[@class='target']") is not None
    empty = parse(kpi_trend([], Thresholds(Direction.LOWER), title="Empty"))
    assert "No measurements yet" in ET.tostring(empty, encoding="unicode")


def test_delivery_matrix_and_stakeholder_grid_place_every_item() -> None:
    d = delivery.analyse(
        delivery.DeliverySystem(
            (),
            (
                delivery.Process("a", EVIL, Office.FRONT, 5, 1),
                delivery.Process("b", "B", Office.BACK, 5, 1),
                delivery.Process("c", "C", Office.BACK, 1, 5),
            ),
        )
    )
    root = parse(delivery_matrix(d, title=EVIL))
    assert len(root.findall(f".//{SVG}g[@class='process']")) == 3
    assert len(root.findall(f".//{SVG}rect[@class]")) == 25
    s = stakeholders.analyse(
        stakeholders.StakeholderMap(
            (stakeholders.Stakeholder(EVIL, 5, 5), stakeholders.Stakeholder("B", 1, 2))
        )
    )
    root = parse(stakeholder_grid(s, title=EVIL))
    assert len(root.findall(f".//{SVG}g[@class='stakeholder']")) == 2
    assert "Manage closely: 1" in root.find(f"{SVG}desc").text
