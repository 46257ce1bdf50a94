"""Every chart keeps its words inside the drawing, at the page's width and at a phone's.

An earlier walk-through at 390 px saw the heatmap's legend ("% meeting requirement") and the
cover-against-targets bars' names drawn partly past the edge, where the browser clips them. Each
chart here is drawn with long names the way the pages draw it (`for_screens`' phone widths
included) and every piece of text is measured with the chart module's own `text_width`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from soms.charts import (
    PHONE_WIDTH,
    Band,
    Estimate,
    LevelCell,
    Line,
    RadarSeries,
    Series,
    bar_chart,
    delivery_matrix,
    estimate_chart,
    heatmap,
    kpi_trend,
    level_grid,
    line_chart,
    radar,
    radar_chart,
    stakeholder_grid,
    value_stream_map,
)
from soms.core import delivery, stakeholders, vsm
from soms.core.kpi import Direction, Thresholds
from soms.core.vsm import Office, Rework, Step, ValueStream
from soms.insights.selectors.overview import PHONE_HEATMAP, PHONE_SCALED, units_heatmap
from tests.charts.fit import outside, overlapping, text_boxes

UNITS = ["Service Desk North and the Islands", "Field Engineering", "Customer Relationship Management"]
ELEMENTS = [
    "Customer engagement",
    "Demand management",
    "Service level management",
    "Incident management",
    "Problem management",
    "Continual improvement",
]
LEVELS = ["Foundation", "Practitioner", "Senior Practitioner", "Expert"]
# (page width, phone width) as the pages draw each kind of chart.
WIDTHS = (960.0, PHONE_WIDTH)


def _units_heatmap(width: float) -> str:
    units = [
        {"unit": name, "people": 12 + k, "elements": [{"meeting": 10.0 * (k + j)} for j in range(6)]}
        for k, name in enumerate(UNITS)
    ]
    # The phone's drawing as the dashboard asks for it (PHONE_HEATMAP: narrower, names stacked).
    phone = PHONE_HEATMAP if width < 500 else {"width": width}
    return units_heatmap(units, ELEMENTS, title="Acme Service Operations", **phone)


def _coverage(width: float) -> str:
    return bar_chart(
        [f"{e} ({LEVELS[k % 4]})" for k, e in enumerate(ELEMENTS)],
        [3, 1, 0, 5, 2, 4],
        title="Cover against the targets",
        value_name="people holding the level",
        highlight=[True, True, False, False, True, False],
        highlight_name="target not safely met",
        y_label="people",
        height=320 if width < 500 else 300,
        categories=True,
        width=width,
    )


def _heatmap_of_hours(width: float) -> str:
    return heatmap(
        [[float(h * d % 7) for h in range(48)] for d in range(7)],
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        [f"{h // 2:02d}:{30 * (h % 2):02d}" for h in range(48)],
        title="Demand profile: mean calls per interval",
        value_label="mean calls",
        width=width,
    )


def _specialisation(width: float) -> str:
    return heatmap(
        [[3, None, 1, 2], [None, 4, 2, None], [1, 1, None, 5]],
        ["Foundation", "Senior Practitioner", "Expert"],
        ["1", "2", "3", "4"],
        title="How specialised: 14 people by highest level (rows) and capabilities held (columns)",
        value_label="people",
        value_format="{:.0f}",
        missing_label="nobody",
        every_column=True,
        **(PHONE_HEATMAP if width < 500 else {"width": width}),
    )


def _line(width: float) -> str:
    labels = [f"2026-{m:02d}-01" for m in range(1, 13)]
    return line_chart(
        labels,
        [
            Line("Customer engagement: % meeting requirement", [40 + m for m in range(12)]),
            Line("Incident management: % meeting requirement", [55 - m for m in range(12)], dashed=True),
        ],
        bands=[Band("95 % prediction interval", [30] * 12, [70] * 12)],
        title="Acme Service Operations: share meeting their requirement over time",
        y_label="% meeting requirement",
        x_label="month",
        width=width,
    )


def _bars_with_range(width: float) -> str:
    labels = [f"Mon {h // 2:02d}:{30 * (h % 2):02d}" for h in range(48)]
    return bar_chart(
        labels,
        [10 + h % 9 for h in range(48)],
        low=[8 + h % 9 for h in range(48)],
        high=[13 + h % 9 for h in range(48)],
        title="Agents required per interval (80 % in 20 s)",
        value_name="agents (forecast)",
        range_name="range from the 80 % band",
        reference=12,
        reference_name="target 80 % in 20 s",
        y_label="agents",
        width=width,
    )


def _estimates(width: float) -> str:
    labels = [f"{h // 2:02d}:{30 * (h % 2):02d}" for h in range(20)]
    return estimate_chart(
        labels,
        [Estimate(80 + k % 5, 75 + k % 5, 85 + k % 5) for k in range(20)],
        [81 + k % 4 for k in range(20)],
        title="Service level per interval: simulation against the Erlang formula",
        estimate_name="simulated (95 % CI, 200 runs)",
        reference_name="Erlang formula",
        flagged=[k % 7 == 0 for k in range(20)],
        flag_name="formula and simulation disagree",
        y_label="service level (%)",
        y_range=(0.0, 100.0),
        width=width,
    )


def _level_grid(width: float) -> str:
    names = ["Priya Raman-Whitfield", "Tom Okafor", "Grace Liu", "Alexandra Konstantinopoulou"]
    rows = [
        [LevelCell((k + j) % 5, ["", "F", "P", "SP", "E"][(k + j) % 5], 2) for j in range(6)]
        for k in range(4)
    ]
    return level_grid(
        rows, names, ELEMENTS, LEVELS, title="Acme Service Operations", width=None if width > 500 else width
    )


def _person_radar(width: float) -> str:
    return radar_chart(
        ELEMENTS,
        [
            RadarSeries("Required by the role profile", [2, 3, 1, 2, 4, 1]),
            RadarSeries("Attained", [1, 3, 0, 2, 3, None], filled=True),
            RadarSeries("Self-assessment", [2, 2, 1, 3, 3, 1], dashed=True),
        ],
        LEVELS,
        title="Skills of Alexandra Konstantinopoulou against her role profile",
        width=560 if width > 500 else PHONE_SCALED,
    )


def _audit_radar(width: float) -> str:
    return radar(
        ELEMENTS,
        [
            Series("This audit", [0.5, 0.75, 0.2, 1.0, None, 0.4]),
            Series("Previous audit", [0.4] * 6, dashed=True),
        ],
        title="Service audit: score per element",
        width=560 if width > 500 else PHONE_WIDTH,
    )


def _kpi(width: float) -> str:
    points = [(date(2026, m, 1), 70.0 + 3 * m) for m in range(1, 13)]
    return kpi_trend(
        points,
        Thresholds(Direction.HIGHER, target=95.0, amber_limit=85.0),
        title="First contact resolution across all channels and every region",
        unit=" %",
        width=720 if width > 500 else PHONE_WIDTH,
    )


def _delivery(width: float) -> str:
    processes = tuple(
        delivery.Process(
            f"p{k}", f"Process with a long name {k}", Office.FRONT if k % 2 else Office.BACK, v, w
        )
        for k, (v, w) in enumerate([(5, 1), (5, 1), (4, 1), (1, 5), (3, 3), (5, 5), (1, 1)])
    )
    result = delivery.analyse(delivery.DeliverySystem((), processes))
    if width > 500:
        return delivery_matrix(result, title="Claims: who we serve and how: volume × variety")
    return delivery_matrix(
        result, title="Claims: who we serve and how: volume × variety", width=PHONE_WIDTH, height=470
    )


def _stakeholders(width: float) -> str:
    people = tuple(
        stakeholders.Stakeholder(f"Stakeholder with a long name {k}", i, j)
        for k, (i, j) in enumerate([(5, 5), (5, 1), (4, 5), (1, 5), (1, 1), (3, 3), (5, 4), (5, 5)])
    )
    result = stakeholders.analyse(stakeholders.StakeholderMap(people))
    if width > 500:
        return stakeholder_grid(result, title="Council tax online, stakeholders: influence × interest")
    return stakeholder_grid(
        result, title="Council tax online, stakeholders: influence × interest", width=PHONE_WIDTH, height=470
    )


def _value_stream(width: float) -> str:
    steps = (
        Step("a", "Receive the customer's request", 10, 0, 90, Office.FRONT, "Service desk agent", "CRM"),
        Step("b", "Assess eligibility", 20, 30, 80, Office.BACK, after=("a",)),
        Step("c", "Pay the claim", 5, 60, 95, Office.BACK, after=("b",)),
    )
    rework = (Rework("c", "b", 20),)
    return value_stream_map(
        steps, rework, vsm.analyse(ValueStream(steps, rework)), title="Claims: current state"
    )


CHARTS: dict[str, Callable[[float], str]] = {
    "units heatmap": _units_heatmap,
    "cover against targets": _coverage,
    "demand heatmap": _heatmap_of_hours,
    "specialisation": _specialisation,
    "trend lines": _line,
    "bars with a range": _bars_with_range,
    "estimates": _estimates,
    "level grid": _level_grid,
    "person radar": _person_radar,
    "audit radar": _audit_radar,
    "KPI trend": _kpi,
    "delivery matrix": _delivery,
    "stakeholder map": _stakeholders,
    "value stream map": _value_stream,
}


@pytest.mark.parametrize("width", WIDTHS, ids=["wide", "phone"])
@pytest.mark.parametrize("name", list(CHARTS))
def test_every_word_is_inside_the_drawing(name: str, width: float) -> None:
    svg = CHARTS[name](width)
    _, boxes = text_boxes(svg)
    assert boxes, "the fit check found no text to measure"
    assert outside(svg) == []


@pytest.mark.parametrize("width", WIDTHS, ids=["wide", "phone"])
@pytest.mark.parametrize("name", list(CHARTS))
def test_no_words_are_drawn_over_each_other(name: str, width: float) -> None:
    assert overlapping(CHARTS[name](width)) == []


def test_the_heatmaps_legend_stays_inside_the_phone_drawing_with_long_row_names() -> None:
    # The case the walk-through saw: long unit names push the grid right, and the legend with it.
    svg = _units_heatmap(PHONE_WIDTH)
    legend = [b for b in text_boxes(svg)[1] if b.text in ("% meeting requirement", "no requirement")]
    assert len(legend) == 2 and outside(svg) == []


def test_the_fit_check_sees_text_past_the_edge() -> None:
    # The check itself can fail: a name anchored at the right edge runs past it.
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50"><text x="95" y="20">far too long</text>'
        '<text transform="translate(14 25) rotate(-90)" text-anchor="middle">a vertical axis name</text></svg>'
    )
    assert [b.text for b in outside(svg)] == ["far too long", "a vertical axis name"]


def test_the_phones_units_heatmap_fits_its_card_with_every_name_and_figure() -> None:
    # It used to be drawn 560 wide and scrolled inside a card of about 300: a phone saw two
    # columns, half the title and unit names cut from the front.
    svg = _units_heatmap(PHONE_WIDTH)
    assert f'width="{PHONE_SCALED:g}"' in svg.split(">", 1)[0]
    words = [b.text for b in text_boxes(svg)[1]]
    # Each name on its own line above its cells, with the whole width for it.
    assert "Field Engineering (13)" in words and "Customer Relationship Management (14)" in words
    assert [w for w in words if w in {"1", "2", "3", "4", "5", "6"}] == ["1", "2", "3", "4", "5", "6"]
    assert any(w.startswith("1 Customer engagement") for w in words)  # the key names each column
    assert "50%" in words  # the cells are wide enough for their figures
    assert outside(svg) == [] and overlapping(svg) == []
