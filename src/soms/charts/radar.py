"""Radar (spider) charts: one spoke per axis, one closed outline per series, rings as a scale.

Two scales share one drawing: shares 0..1 with rings at 25 %, 50 %, … (`radar`, an audit's score
per element) and level ranks with one ring per level (`radar_chart`, a person's required, attained
and self-assessed levels). Series differ by dash pattern and marker shape as well as colour, every
point carries a <title> with its figure and the <desc> lists every value in words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from soms.charts.svg import (
    CHAR_EM,
    GRID,
    LEGEND_ROW,
    MUTED,
    PALETTE,
    chart_id,
    esc,
    is_number,
    legend,
    legend_rows,
    open_svg,
    title_extra,
)

# Dash patterns and marker shapes per series, so that series differ without colour.
_DASHES = ("", "6 4", "2 3", "8 3 2 3")


@dataclass(frozen=True)
class Series:
    """A series on the share scale."""

    name: str
    values: Sequence[float | None]  # one per axis, as a share 0..1; None: no value
    dashed: bool = False


@dataclass(frozen=True)
class RadarSeries:
    """A series on the level scale."""

    name: str
    values: Sequence[int | None]  # a level rank per axis (0: no level, None: unknown)
    colour: str | None = None
    dashed: bool = False
    filled: bool = False


@dataclass(frozen=True)
class _Outline:
    name: str
    reach: Sequence[float]  # per axis, the share of the outer ring (0 at the centre)
    words: Sequence[str]  # per axis, the value in words
    colour: str
    dash: str
    filled: bool


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


def _wrap(text: str, width: int = 18, most: int = 3, *, cut: bool = False) -> list[str]:
    """At most `most` lines of about `width` characters, the last one shortened with an ellipsis;
    with `cut`, a word longer than a line is shortened too (a narrow drawing has no room for it)."""
    lines: list[str] = []
    words = text.split()
    if cut:
        words = [w if len(w) <= width else w[: width - 1] + "…" for w in words]
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > most:
        lines = [*lines[: most - 1], lines[most - 1][: width - 1] + "…"]
    return lines or [""]


# A generous width per character of the axis names (DejaVu Sans runs wider than CHAR_EM), so that
# a name held inside the drawing is inside it in the browser too.
_NAME_EM = 0.66


def _ring_marks(rings: Sequence[str], width: float) -> tuple[list[str], list[str]]:
    """What a narrow drawing writes beside the top spoke for each ring, and the key saying what the
    marks mean. Beside the spoke "Senior Practitioner" runs into the neighbouring element's name,
    so long ring names are written as their initials ("SP"), or as 1, 2, 3 when two would share
    initials; the key names each under the legend. Short names ("25 %") stay as they are."""
    if all(len(r) <= 4 for r in rings):
        return list(rings), []
    marks = ["".join(w[0] for w in r.split()).upper() or str(k) for k, r in enumerate(rings, start=1)]
    if len(set(marks)) < len(marks):
        marks = [str(k) for k in range(1, len(rings) + 1)]
    per_line = max(int((width - 16) / (CHAR_EM * 12)), 20)
    lines = ["Rings from the centre:"]
    for mark, name in zip(marks, rings, strict=True):
        item = f"{mark} {name}"
        if len(lines[-1]) + 3 + len(item) <= per_line:
            lines[-1] += (" · " if not lines[-1].endswith(":") else " ") + item
        else:
            lines.append(item)
    return marks, lines


def _check(axes: Sequence[str], series: Sequence[Series] | Sequence[RadarSeries]) -> None:
    if len(axes) < 3:
        raise ValueError("a radar needs at least three axes")
    for s in series:
        if len(s.values) != len(axes):
            raise ValueError(f"series {s.name!r} must have one value per axis")


def _draw(
    axes: Sequence[str],
    outlines: Sequence[_Outline],
    rings: Sequence[str],
    *,
    title: str,
    description: str,
    width: float,
    ident: str | None,
) -> str:
    """The chart: `rings` names the rings from the inside out, evenly spaced to the outer one."""
    ident = chart_id(title, ident)
    n = len(axes)
    count = max(len(rings), 1)
    # A title that wraps (a long name on a phone) pushes the whole drawing down, clear of the
    # name above the top spoke.
    extra = title_extra(title, width)
    height = width * 0.8 + 40
    cx, cy = width / 2, 40 + extra + (height - 70) / 2
    height += extra
    # Room beside the outer ring for the axis names; a narrow (phone) drawing wraps them shorter
    # and writes the ring names as large as the rest, since it is shown smaller.
    narrow = width < 500
    margin, wrap, ring_size = (92, 10, 12) if narrow else (135, 18, 10)
    radius = min(width / 2 - margin, (height - extra - 120) / 2)
    marks, key = _ring_marks(rings, width) if narrow else (list(rings), [])
    legend_y = height - 14
    # The legend's further rows (three series on a phone take two) and the key go below it.
    more = (legend_rows([o.name for o in outlines], 16, width - 8) - 1) * LEGEND_ROW
    height += more + 16 * len(key)
    out = open_svg(width, height, ident, title, description)

    def point(i: int, reach: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + radius * reach * math.cos(angle), cy + radius * reach * math.sin(angle)

    out.append('<g class="grid">')
    for k, (name, mark) in enumerate(zip(rings, marks, strict=True), start=1):
        ring = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, k / count) for i in range(n)))
        out.append(f'<polygon points="{ring}" fill="none" stroke="{GRID}"/>')
        lx, ly = point(0, k / count)
        named = f"<title>{esc(name)}</title>" if mark != name else ""
        out.append(
            f'<text x="{lx + 4:.1f}" y="{ly - 3:.1f}" font-size="{ring_size}" fill="{MUTED}">'
            f"{named}{esc(mark)}</text>"
        )
    for i, name in enumerate(axes):
        x, y = point(i, 1.0)
        out.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        # The name sits a fixed distance beyond the outer ring: above the top spoke (clear of the
        # ring names beside it), below the bottom one, centred on the spoke's end elsewhere.
        tx, ty = point(i, 1.0 + 18 / radius)
        anchor = "middle" if abs(tx - cx) < 8 else ("start" if tx > cx else "end")
        lines = _wrap(name, wrap, cut=narrow)
        # Kept inside the drawing: a long name beside a side spoke would run off its edge.
        reach = _NAME_EM * 12 * max(len(line) for line in lines)
        if anchor == "end":
            tx = max(tx, 2 + reach)
        elif anchor == "start":
            tx = min(tx, width - 2 - reach)
        if anchor != "middle":
            first = ty + 4 - 7 * (len(lines) - 1)
        elif ty < cy:
            first = ty - 14 * (len(lines) - 1)
        else:
            first = ty + 10
        spans = "".join(
            f'<tspan x="{tx:.1f}" y="{first + 14 * k:.1f}">{esc(line)}</tspan>'
            for k, line in enumerate(lines)
        )
        out.append(f'<text text-anchor="{anchor}"><title>{esc(name)}</title>{spans}</text>')
    out.append("</g>")
    for k, o in enumerate(outlines):
        pts = [point(i, r) for i, r in enumerate(o.reach)]
        fill = f'fill="{o.colour}" fill-opacity="0.15"' if o.filled else 'fill="none"'
        out.append(
            f'<g class="series" data-series="{esc(o.name)}"><polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}" '
            f'{fill} stroke="{o.colour}" stroke-width="2"'
            + (f' stroke-dasharray="{o.dash}"' if o.dash else "")
            + "/>"
        )
        for i, (x, y) in enumerate(pts):
            out.append(_marker(k, x, y, o.colour, f"{o.name}, {axes[i]}: {o.words[i]}"))
        out.append("</g>")
    items = [
        (
            f'<line x1="0" y1="5" x2="14" y2="5" stroke="{o.colour}" stroke-width="2"'
            + (f' stroke-dasharray="{o.dash}"' if o.dash else "")
            + "/>",
            o.name,
        )
        for o in outlines
    ]
    out += legend(items, 16, legend_y, width - 8)
    for k, line in enumerate(key):
        out.append(
            f'<text class="ring-key" x="16" y="{legend_y + more + 18 + 16 * k:.1f}" fill="{MUTED}">{esc(line)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def _describe(prefix: str, axes: Sequence[str], outlines: Sequence[_Outline]) -> str:
    parts = [
        f"{o.name}: " + "; ".join(f"{a} {w}" for a, w in zip(axes, o.words, strict=True)) for o in outlines
    ]
    return prefix + ". ".join(parts) + "."


def radar(
    axes: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    width: float = 560,
    rings: int = 4,
    ident: str | None = None,
) -> str:
    """Shares 0..1 per axis, rings at equal shares (25 %, 50 %, …). A missing value sits at the
    centre and the description says "no value" there."""
    _check(axes, series)
    outlines = []
    for k, s in enumerate(series):
        known = [float(v) if v is not None and is_number(v) else None for v in s.values]
        outlines.append(
            _Outline(
                s.name,
                [min(max(v, 0.0), 1.0) if v is not None else 0.0 for v in known],
                [f"{100 * v:.0f} %" if v is not None else "no value" for v in known],
                PALETTE[k % len(PALETTE)],
                _DASHES[k % len(_DASHES)] if s.dashed or k else "",
                not s.dashed,
            )
        )
    ring_names = [f"{100 * k / rings:.0f} %" for k in range(1, rings + 1)]
    return _draw(
        axes,
        outlines,
        ring_names,
        title=title,
        description=description or _describe("", axes, outlines),
        width=width,
        ident=ident,
    )


def _level_name(value: int | None, levels: Sequence[str]) -> str:
    if value is None:
        return "unknown"
    if value <= 0:
        return "no level"
    return levels[min(value, len(levels)) - 1]


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
    """One ring per level (lowest inside); a value is a level rank (1 = levels[0]), 0 for "no
    level", None for "unknown" (the outline passes through the centre there and the marker's
    <title> says "unknown")."""
    _check(axes, series)
    count = max(len(levels), 1)
    outlines = [
        _Outline(
            s.name,
            [min(max(v or 0, 0), count) / count for v in s.values],
            [_level_name(v, levels) for v in s.values],
            s.colour or PALETTE[k % len(PALETTE)],
            _DASHES[k % len(_DASHES)] if s.dashed or k else "",
            s.filled,
        )
        for k, s in enumerate(series)
    ]
    return _draw(
        axes,
        outlines,
        list(levels) or [""],
        title=title,
        description=description or _describe("Levels per element. ", axes, outlines),
        width=width,
        ident=ident,
    )
