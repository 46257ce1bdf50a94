"""Charts rendered on the server as SVG text: one picture for pages, downloads and reports.

Pure Python (no Django), so any feature can reuse it: pass plain lists of numbers and labels,
get back a self-contained ``<svg>`` with a <title>, a <desc> summarising the data for screen
readers, and escaped text throughout.
"""

from soms.charts.charts import (
    Band,
    Estimate,
    Line,
    bar_chart,
    colour_for,
    estimate_chart,
    heatmap,
    line_chart,
)
from soms.charts.radar import RadarSeries, Series, radar, radar_chart
from soms.charts.skills import LevelCell, level_grid
from soms.charts.svg import PHONE_WIDTH, for_screens, nice_ticks
from soms.charts.toolkits import delivery_matrix, kpi_trend, stakeholder_grid, value_stream_map

__all__ = [
    "PHONE_WIDTH",
    "Band",
    "Estimate",
    "LevelCell",
    "Line",
    "RadarSeries",
    "Series",
    "bar_chart",
    "colour_for",
    "delivery_matrix",
    "estimate_chart",
    "for_screens",
    "heatmap",
    "kpi_trend",
    "level_grid",
    "line_chart",
    "nice_ticks",
    "radar_chart",
    "radar",
    "stakeholder_grid",
    "value_stream_map",
]
