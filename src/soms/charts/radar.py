"""A radar (spider) chart: one axis per category, one closed outline per series, values 0..1."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from soms.charts.svg import GRID, MUTED, PALETTE, chart_id, esc, is_number, open_svg


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per axis, as a share 0..1; None: no value
    dashed: bool = False


def _lines(text: str, width: int = 18, most: int = 2) -> list[str]:
    """A label in at most `most` lines of about `width` characters, the last cut short with "…"."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > most:
        lines = lines[: most - 1] + [" ".join(lines[most - 1 :])]
    return [ln if len(ln) <= width + 4 else ln[: width + 3].rstrip() + "…" for ln in lines]


def radar(
    axes: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    size: float = 420,
    rings: int = 4,
    ident: str | None = None,
) -> str:
    """Axes clockwise from the top; rings at equal shares (25 %, 50 %, …). A missing value sits at
    the centre and is said so in the description. Every point carries a <title> with its figure."""
    n = len(axes)
    if n < 3:
        raise ValueError("a radar needs at least three axes")
    for s in series:
        if len(s.values) != n:
            raise ValueError("each series needs one value per axis")
    ident = chart_id(title, ident)
    width, height = size + 300, size + 110
    cx, cy, r = width / 2, 40 + size / 2, size / 2 - 10

    def point(i: int, share: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * share * math.cos(angle), cy + r * share * math.sin(angle)

    if not description:
        parts = []
        for s in series:
            shown = ", ".join(
                f"{a} {100 * v:.0f} %" if v is not None and is_number(v) else f"{a} no value"
                for a, v in zip(axes, s.values, strict=True)
            )
            parts.append(f"{s.name}: {shown}.")
        description = " ".join(parts)
    out = open_svg(width, height, ident, title, description)
    out.append('<g class="rings">')
    for k in range(1, rings + 1):
        share = k / rings
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, share) for i in range(n)))
        out.append(f'<polygon points="{pts}" fill="none" stroke="{GRID}"/>')
        x, y = point(0, share)
        out.append(
            f'<text x="{x + 4:.1f}" y="{y + 4:.1f}" font-size="10" fill="{MUTED}">{100 * share:.0f} %</text>'
        )
    for i, label in enumerate(axes):
        x, y = point(i, 1.0)
        out.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        lx, ly = point(i, 1.08)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        lines = _lines(label)
        top = (
            ly
            + 4
            - (6 * (len(lines) - 1) if abs(lx - cx) >= 8 else (12 * (len(lines) - 1) if ly < cy else 0))
        )
        spans = "".join(
            f'<tspan x="{lx:.1f}" y="{top + 12 * k:.1f}">{esc(line)}</tspan>' for k, line in enumerate(lines)
        )
        out.append(f'<text text-anchor="{anchor}" font-size="11"><title>{esc(label)}</title>{spans}</text>')
    out.append("</g>")
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        outline = [
            point(i, float(v) if v is not None and is_number(v) else 0.0) for i, v in enumerate(s.values)
        ]
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        opacity = "0" if s.dashed else "0.12"
        out.append(f'<g class="series" data-series="{esc(s.name)}">')
        out.append(
            f'<polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in outline)}" fill="{colour}" '
            f'fill-opacity="{opacity}" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        for (x, y), a, v in zip(outline, axes, s.values, strict=True):
            figure = f"{100 * v:.0f} %" if v is not None and is_number(v) else "no value"
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{esc(s.name)}, {esc(a)}: {figure}</title></circle>'
            )
        out.append("</g>")
    # Legend under the chart.
    lx = 20.0
    ly = height - 14
    out.append('<g class="legend">')
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        dash = ' stroke-dasharray="4 3"' if s.dashed else ""
        out.append(
            f'<line x1="{lx:.1f}" x2="{lx + 18:.1f}" y1="{ly - 4:.1f}" y2="{ly - 4:.1f}" stroke="{colour}" stroke-width="3"{dash}/>'
        )
        out.append(f'<text x="{lx + 24:.1f}" y="{ly:.1f}">{esc(s.name)}</text>')
        lx += 40 + 7 * len(s.name)
    out.append("</g></svg>")
    return "\n".join(out)
