"""Charts of skills: a radar of one person's levels per element, and a level grid of many people.

Both show levels, which are ordered categories (none, Foundation, Practitioner, ...), not numbers:
the radar's rings are the levels, the grid's cells carry the level's short name as text, so neither
relies on colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from soms.charts.svg import GRID, MUTED, PALETTE, chart_id, esc, legend, open_svg

# Dash patterns and marker shapes per series, so that series differ without colour.
_DASHES = ("", "6 4", "2 3", "8 3 2 3")


@dataclass(frozen=True)
class RadarSeries:
    name: str
    values: Sequence[int | None]  # a level rank per axis (0: no level, None: unknown)
    colour: str | None = None
    dashed: bool = False
    filled: bool = False


def _marker(shape: int, x: float, y: float, colour: str, title: str) -> str:
    t = f"<title>{esc(title)}</title>"
    if shape % 3 == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">{t}</circle>'
    if shape % 3 == 1:
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">{t}</rect>'
    return (
        f'<path d="M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y + 4:.1f} L{x - 5:.1f} {y + 4:.1f} Z" fill="{colour}">'
        f"{t}</path>"
    )


def radar_chart(
    axes: Sequence[str],
    series: Sequence[RadarSeries],
    levels: Sequence[str],
    *,
    title: str,
    description: str = "",
    width: float = 560,
    ident: str | None = None,
) -> str:
    """One spoke per axis (element), one ring per level (lowest inside), one polygon per series.

    `levels` names the rings from the lowest level up; a value is a level rank (1 = levels[0]),
    0 for "no level", None for "unknown" (the polygon passes through the centre there and the
    marker's <title> says "unknown"). The <desc> lists every value in words.
    """
    if len(axes) < 3:
        raise ValueError("a radar needs at least three axes")
    for s in series:
        if len(s.values) != len(axes):
            raise ValueError(f"series {s.name!r} must have one value per axis")
    ident = chart_id(title, ident)
    rings = max(len(levels), 1)
    height = width * 0.8 + 40
    cx, cy = width / 2, 40 + (height - 70) / 2
    radius = min(width / 2 - 135, (height - 120) / 2)
    if not description:
        description = _radar_summary(axes, series, levels)
    out = open_svg(width, height, ident, title, description)

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / len(axes)
        r = radius * value / rings
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    out.append('<g class="grid">')
    for ring in range(1, rings + 1):
        ring_pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(len(axes))))
        out.append(f'<polygon points="{ring_pts}" fill="none" stroke="{GRID}"/>')
        lx, ly = point(0, ring)
        out.append(
            f'<text x="{lx + 4:.1f}" y="{ly - 3:.1f}" font-size="10" fill="{MUTED}">{esc(levels[ring - 1])}</text>'
        )
    for i, name in enumerate(axes):
        x, y = point(i, rings)
        out.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        tx, ty = point(i, rings + 0.35)
        anchor = "middle" if abs(tx - cx) < 8 else ("start" if tx > cx else "end")
        lines = _wrap(name, 18)
        first = ty + 4 - 7 * (len(lines) - 1)
        spans = "".join(
            f'<tspan x="{tx:.1f}" y="{first + 14 * k:.1f}">{esc(line)}</tspan>'
            for k, line in enumerate(lines)
        )
        out.append(f'<text text-anchor="{anchor}"><title>{esc(name)}</title>{spans}</text>')
    out.append("</g>")
    for k, s in enumerate(series):
        colour = s.colour or PALETTE[k % len(PALETTE)]
        dash = _DASHES[k % len(_DASHES)] if s.dashed or k else ""
        pts = [point(i, float(v or 0)) for i, v in enumerate(s.values)]
        fill = f'fill="{colour}" fill-opacity="0.15"' if s.filled else 'fill="none"'
        out.append(
            f'<g class="series"><polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}" {fill} '
            f'stroke="{colour}" stroke-width="2"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
        )
        for i, (x, y) in enumerate(pts):
            out.append(_marker(k, x, y, colour, f"{s.name}, {axes[i]}: {_level_name(s.values[i], levels)}"))
        out.append("</g>")
    items = []
    for k, s in enumerate(series):
        colour = s.colour or PALETTE[k % len(PALETTE)]
        dash = _DASHES[k % len(_DASHES)] if s.dashed or k else ""
        items.append(
            (
                f'<line x1="0" y1="5" x2="14" y2="5" stroke="{colour}" stroke-width="2"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + "/>",
                s.name,
            )
        )
    out += legend(items, 16, height - 14)
    out.append("</svg>")
    return "\n".join(out)


def _wrap(text: str, width: int) -> list[str]:
    """At most three lines of about `width` characters, the last one shortened with an ellipsis."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > 3:
        lines = [*lines[:2], lines[2][: width - 1] + "…"]
    return lines or [""]


def _level_name(value: int | None, levels: Sequence[str]) -> str:
    if value is None:
        return "unknown"
    if value <= 0:
        return "no level"
    return levels[min(value, len(levels)) - 1]


def _radar_summary(axes: Sequence[str], series: Sequence[RadarSeries], levels: Sequence[str]) -> str:
    parts = []
    for s in series:
        parts.append(
            f"{s.name}: "
            + "; ".join(f"{a} {_level_name(v, levels)}" for a, v in zip(axes, s.values, strict=True))
        )
    return "Levels per element. " + ". ".join(parts) + "."


# Level grid: people (or units) × elements, each cell a level with its gap to what is required.
_LEVEL_FILLS = ("#f1f3f6", "#c9dcf0", "#7fa9d8", "#2f6fb6", "#163f73", "#0b2447")


@dataclass(frozen=True)
class LevelCell:
    rank: int  # 0: no level
    short: str = ""  # text shown in the cell ("F", "P", "SP", "3")
    required: int | None = None  # required rank, when there is a requirement
    state: str = ""  # "", "refresh_due", "expired"
    detail: str = ""  # the cell's full <title> text


def level_grid(
    rows: Sequence[Sequence[LevelCell]],
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    levels: Sequence[str],
    *,
    title: str,
    description: str = "",
    cell_width: float = 84,
    cell_height: float = 26,
    ident: str | None = None,
) -> str:
    """A heatmap of levels: darker is higher; a red corner marks a gap to the requirement, a dashed
    outline "refresh due", a cross "expired"; each cell shows its level's short name and has a
    <title> with the full words, so nothing depends on colour."""
    if len(rows) != len(row_labels) or any(len(r) != len(col_labels) for r in rows):
        raise ValueError("rows must have one row per label and one cell per column")
    ident = chart_id(title, ident)
    longest = max((len(s) for s in row_labels), default=4)
    left = 16 + 7.2 * min(longest, 32)
    top = 78.0
    legend_names = ["no level", *levels][: len(_LEVEL_FILLS)] + ["below required", "refresh due", "expired"]
    # Wide enough for the legend under the grid, whatever the number of columns.
    legend_width = sum(30 + 6.6 * len(n) for n in legend_names) + 32
    width = max(left + cell_width * max(len(col_labels), 1) + 16, legend_width)
    height = top + cell_height * len(rows) + 64
    if not description:
        gaps = sum(1 for r in rows for c in r if c.required is not None and c.rank < c.required)
        description = f"Levels of {len(row_labels)} rows in {len(col_labels)} elements; {gaps} cells below the required level."
    out = open_svg(width, height, ident, title, description)
    out.append('<g class="axis">')
    for j, name in enumerate(col_labels):
        x = left + j * cell_width + cell_width / 2
        fit = max(int(cell_width / 6.8), 3)
        label = name if len(name) <= fit else name[: fit - 1] + "…"
        out.append(
            f'<text x="{x:.1f}" y="{top - 8:.1f}" text-anchor="middle" font-size="11"><title>{esc(name)}</title>{esc(label)}</text>'
        )
    for i, name in enumerate(row_labels):
        y = top + i * cell_height + cell_height / 2 + 4
        label = name if len(name) <= 32 else name[:31] + "…"
        out.append(f'<text x="{left - 6:.1f}" y="{y:.1f}" text-anchor="end">{esc(label)}</text>')
    out.append("</g>")
    out.append('<g class="cells">')
    for i, row in enumerate(rows):
        y = top + i * cell_height
        for j, cell in enumerate(row):
            x = left + j * cell_width
            fill = _LEVEL_FILLS[min(cell.rank, len(_LEVEL_FILLS) - 1)]
            ink = "#fff" if cell.rank >= 3 else "#1b2430"
            out.append(
                f"<g><title>{esc(cell.detail or f'{row_labels[i]}, {col_labels[j]}')}</title>"
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_width - 2:g}" height="{cell_height - 2:g}" fill="{fill}"'
                + (
                    ' stroke="#b7791f" stroke-width="2" stroke-dasharray="4 2"'
                    if cell.state == "refresh_due"
                    else ""
                )
                + "/>"
            )
            if cell.required is not None and cell.rank < cell.required:
                out.append(f'<path d="M{x + cell_width - 2 - 10:.1f} {y:.1f} h10 v10 Z" fill="#c0392b"/>')
            if cell.state == "expired":
                out.append(
                    f'<path d="M{x + 3:.1f} {y + 3:.1f} l8 8 M{x + 11:.1f} {y + 3:.1f} l-8 8" stroke="#c0392b" stroke-width="1.6"/>'
                )
            text = cell.short or ("–" if cell.rank == 0 else str(cell.rank))
            out.append(
                f'<text x="{x + (cell_width - 2) / 2:.1f}" y="{y + cell_height / 2 + 3:.1f}" text-anchor="middle" fill="{ink}">{esc(text)}</text></g>'
            )
    out.append("</g>")
    ly = height - 26
    items = [
        (f'<rect width="14" height="10" fill="{_LEVEL_FILLS[k]}" stroke="{GRID}"/>', name)
        for k, name in enumerate(["no level", *levels][: len(_LEVEL_FILLS)])
    ]
    items.append(('<path d="M4 0 h10 v10 Z" fill="#c0392b"/>', "below required"))
    items.append(
        (
            '<rect width="14" height="10" fill="#fff" stroke="#b7791f" stroke-width="2" stroke-dasharray="4 2"/>',
            "refresh due",
        )
    )
    items.append(('<path d="M2 0 l10 10 M12 0 l-10 10" stroke="#c0392b" stroke-width="1.6"/>', "expired"))
    out += legend(items, 16, ly)
    out.append("</svg>")
    return "\n".join(out)
