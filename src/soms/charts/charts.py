"""The chart types. Each takes plain lists and returns one self-contained SVG document as text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from soms.charts.svg import (
    GRID,
    INK,
    KEY_ROW,
    MUTED,
    PALETTE,
    Frame,
    chart_id,
    draw_key,
    esc,
    finite,
    fit_text,
    fmt,
    header,
    is_number,
    key_lines,
    legend,
    nice_ticks,
    open_svg,
    text_width,
    title_extra,
    x_labels,
    y_axis,
)

Number = float | int | None

# A sequential blue scale, light to dark: readable for the common colour-vision deficiencies.
_SCALE = ((0.0, (239, 244, 250)), (0.35, (158, 194, 230)), (0.7, (47, 111, 182)), (1.0, (16, 46, 92)))
MISSING_FILL = "#d5d9df"
# Highlighted bars differ by a dashed dark edge as well as by colour (and say so in their <title>).
HIGHLIGHT_EDGE = f' stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 2"'


def colour_for(fraction: float) -> str:
    f = min(max(fraction, 0.0), 1.0)
    for (a, ca), (b, cb) in zip(_SCALE, _SCALE[1:], strict=False):
        if f <= b:
            t = (f - a) / (b - a)
            r, g, bl = (round(x + (y - x) * t) for x, y in zip(ca, cb, strict=True))
            return f"#{r:02x}{g:02x}{bl:02x}"
    return "#102e5c"


def heatmap(
    matrix: Sequence[Sequence[Number]],
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    title: str,
    description: str = "",
    value_label: str = "value",
    value_format: str = "{:.1f}",
    missing_label: str = "no data",
    width: float = 960,
    cell_height: float = 28,
    ident: str | None = None,
    every_column: bool = False,
    stacked: bool = False,
) -> str:
    """Rows × columns of coloured cells with a colour legend; None or NaN cells are shown as missing.

    `every_column`: the columns are categories (elements), so each gets its name under it, shortened
    to its cell with the full name in a <title>; otherwise (hours, days) the labels thin out.

    `stacked` (a phone's drawing): each row's name is written on its own line above its cells, so
    the cells take the drawing's whole width instead of sharing it with the names; categories
    whose names then have no room under their column are numbered, with a key under the grid.

    Every cell carries its own <title> (row, column, value), so the numbers are reachable
    without colour, and the column labels thin out by themselves when there are many.
    """
    rows = len(row_labels)
    cols = len(col_labels)
    if len(matrix) != rows or any(len(r) != cols for r in matrix):
        raise ValueError("matrix must have one row per row label and one value per column label")
    ident = chart_id(title, ident)
    values = finite(v for r in matrix for v in r)
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    span = high - low or 1.0
    if stacked:
        # A name has the drawing's width (less the margins) to itself, on the line above its cells;
        # the cells' figures are written at 12 units, as the drawing is scaled down a little to a
        # phone's card (about 296 px at 390, 281 at 375).
        most = max(int((width - 24) / text_width("x")), 8)
        left, right, name_line, figure_size = 12.0, 12.0, 16.0, 12.0
    else:
        # Row names longer than this are cut from the front (a unit path keeps its last parts); on
        # a narrow drawing they take at most 40 % of it, so that the cells keep some room.
        most = min(44, max(int((0.4 * width - 16) / text_width("x")), 8))
        longest = min(max((len(s) for s in row_labels), default=0), most)
        left, right, name_line, figure_size = 16 + text_width("x" * longest), 16.0, 0.0, 11.0
    pitch = cell_height + name_line
    cw = (width - left - right) / max(cols, 1)
    # Columns numbered 1, 2, 3 under the cells and named in a key, where their names have no room.
    numbered = stacked and every_column and any(text_width(name) + 6 > cw for name in col_labels)
    keyed = key_lines(col_labels, width) if numbered else []
    key_height = KEY_ROW * len(keyed) + (8 if keyed else 0)
    extra = title_extra(title, width)
    low_text, high_text = value_format.format(low), value_format.format(high)
    # The legend: the value's name, a colour scale from the smallest to the largest value (written
    # under its ends) and the "missing" swatch, in one row where they fit, else one row each; it
    # starts under the cells, or at the left edge where long row names leave too little room.
    lw = min(280.0, max((width - left - 16) * 0.5, text_width(low_text) + text_width(high_text) + 16))
    parts = [text_width(value_label) + 10, lw + 24, 20 + text_width(missing_label)]
    lx = left if left + sum(parts) <= width - 8 else 16.0
    places: list[tuple[float, int]] = []
    cursor, line = lx, 0
    for part in parts:
        if cursor > lx and cursor + part > width - 8:
            cursor, line = lx, line + 1
        places.append((cursor, line))
        cursor += part
    legend_rows = places[-1][1] + 1
    bottom = 78 + 40 * (legend_rows - 1) + key_height
    frame = Frame(width, 64 + extra + rows * pitch + bottom, left, right, 36 + extra, bottom, 0, 1)
    if not description:
        description = _heatmap_summary(matrix, row_labels, col_labels, value_label, value_format)
    out = open_svg(width, frame.height, ident, title, description)
    out.append('<g class="cells">')
    for i, row in enumerate(matrix):
        y = frame.top + i * pitch + name_line
        for j, v in enumerate(row):
            x = frame.left + j * cw
            ok = v is not None and is_number(v)
            fill = colour_for((float(v) - low) / span) if v is not None and ok else MISSING_FILL
            shown = value_format.format(v) if ok else missing_label
            out.append(
                f'<rect x="{x:.2f}" y="{y:.1f}" width="{cw + 0.3:.2f}" height="{cell_height - 1:g}" fill="{fill}">'
                f"<title>{esc(row_labels[i])}, {esc(col_labels[j])}: {esc(shown)}</title></rect>"
            )
            if ok and cw >= 7.0 / 11 * figure_size * len(shown) + 8 and cell_height >= 18:
                # Wide enough: the figure is written in the cell too, so nothing relies on colour.
                ink = "#fff" if (float(v) - low) / span > 0.55 else INK  # type: ignore[arg-type]
                out.append(
                    f'<text x="{x + cw / 2:.1f}" y="{y + cell_height / 2 + 3:.1f}" text-anchor="middle" '
                    f'font-size="{figure_size:g}" fill="{ink}" pointer-events="none">{esc(shown)}</text>'
                )
    out.append("</g>")
    out.append('<g class="axis">')
    for i, name in enumerate(row_labels):
        shown = name if len(name) <= most else "…" + name[-(most - 1) :]
        if stacked:
            y = frame.top + i * pitch + name_line - 4
            place = f'x="{left:.1f}" y="{y:.1f}"'
        else:
            y = frame.top + i * pitch + cell_height / 2 + 4
            place = f'x="{frame.left - 6:.1f}" y="{y:.1f}" text-anchor="end"'
        out.append(f"<text {place}><title>{esc(name)}</title>{esc(shown)}</text>")
    out.append("</g>")
    # The column labels sit under the last row of cells.
    base = frame.top + rows * pitch + 2
    grid_bottom = Frame(width, base, left, right, frame.top, 0, 0, 1)
    if every_column and (numbered or cw >= 24):
        out.append('<g class="axis x-axis">')
        for j, name in enumerate(col_labels):
            label = str(j + 1) if numbered else fit_text(name, cw - 6)  # with a gap to the next
            out.append(
                f'<text x="{frame.left + (j + 0.5) * cw:.1f}" y="{base + 17:g}" text-anchor="middle" fill="{MUTED}">'
                f"<title>{esc(name)}</title>{esc(label)}</text>"
            )
        out.append("</g>")
    else:
        out += x_labels(grid_bottom, col_labels, centred=False)
    if keyed:
        out += ['<g class="key">', *draw_key(keyed, 16, base + 17 + KEY_ROW + 4), "</g>"]
    # Legend: a gradient from the smallest to the largest value, and the "missing" swatch.
    ly = base - 2 + 40 + key_height
    out.append(
        f'<defs><linearGradient id="{ident}-scale">'
        + "".join(f'<stop offset="{p:g}" stop-color="{colour_for(p)}"/>' for p, _ in _SCALE)
        + "</linearGradient></defs>"
    )
    (nx, nrow), (gx, grow), (mx, mrow) = places
    label_y, gy, my = ly + 40 * nrow, ly + 40 * grow, ly + 40 * mrow
    out.append(
        f'<g class="legend"><text x="{nx:.1f}" y="{label_y + 11:.1f}" fill="{MUTED}">{esc(value_label)}</text>'
    )
    out.append(
        f'<rect x="{gx:.1f}" y="{gy:.1f}" width="{lw:.1f}" height="14" fill="url(#{ident}-scale)" stroke="{GRID}"/>'
        f'<text x="{gx:.1f}" y="{gy + 28:.1f}" fill="{MUTED}">{esc(low_text)}</text>'
        f'<text x="{gx + lw:.1f}" y="{gy + 28:.1f}" text-anchor="end" fill="{MUTED}">{esc(high_text)}</text>'
    )
    out.append(
        f'<rect x="{mx:.1f}" y="{my:.1f}" width="14" height="14" fill="{MISSING_FILL}"/>'
        f'<text x="{mx + 20:.1f}" y="{my + 11:.1f}" fill="{MUTED}">{esc(missing_label)}</text></g>'
    )
    out.append("</svg>")
    return "\n".join(out)


def _heatmap_summary(
    matrix: Sequence[Sequence[Number]],
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    value_label: str,
    value_format: str,
) -> str:
    best: tuple[float, int, int] | None = None
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            if v is not None and is_number(v) and (best is None or float(v) > best[0]):
                best = (float(v), i, j)
    if best is None:
        return f"Heatmap of {value_label}: no data."
    return (
        f"Heatmap of {value_label}, {len(row_labels)} rows by {len(col_labels)} columns. "
        f"Highest: {value_format.format(best[0])} at {row_labels[best[1]]}, {col_labels[best[2]]}."
    )


@dataclass(frozen=True)
class Line:
    name: str
    values: Sequence[Number]
    colour: str | None = None
    dashed: bool = False


@dataclass(frozen=True)
class Band:
    name: str
    low: Sequence[Number]
    high: Sequence[Number]
    colour: str = "#2f6fb6"
    opacity: float = 0.18


def _polyline(frame: Frame, values: Sequence[Number], count: int) -> list[str]:
    """Path segments, broken where a value is missing."""
    segments: list[str] = []
    current: list[str] = []
    for i, v in enumerate(values):
        if v is None or not is_number(v):
            if current:
                segments.append("M" + " L".join(current))
                current = []
            continue
        current.append(f"{frame.x_slot(i + 0.5, count):.1f},{frame.y(float(v)):.1f}")
    if current:
        segments.append("M" + " L".join(current))
    return segments


def line_chart(
    x_labels_: Sequence[str],
    lines: Sequence[Line],
    *,
    title: str,
    bands: Sequence[Band] = (),
    y_label: str = "",
    x_label: str = "",
    description: str = "",
    width: float = 960,
    height: float = 340,
    y_min: float | None = 0.0,
    ident: str | None = None,
) -> str:
    """Lines over a shared x axis, with shaded bands (e.g. 80 % and 95 % prediction intervals)."""
    count = len(x_labels_)
    for series in lines:
        if len(series.values) != count:
            raise ValueError(f"line {series.name!r} needs one value per x label")
    for band in bands:
        if len(band.low) != count or len(band.high) != count:
            raise ValueError(f"band {band.name!r} needs one low and one high value per x label")
    ident = chart_id(title, ident)
    every = finite([v for s in lines for v in s.values] + [v for b in bands for v in (*b.low, *b.high)])
    lo = min(every, default=0.0) if y_min is None else min(y_min, min(every, default=y_min))
    ticks = nice_ticks(lo, max(every, default=1.0))
    plot_top, legend_y = header(title, width, [s.name for s in lines] + [b.name for b in bands], 64)
    frame = Frame(width, height, 64, 20, plot_top, 48 if x_label else 34, ticks[0], ticks[-1])
    out = open_svg(width, height, ident, title, description or _line_summary(lines, x_labels_))
    out += y_axis(frame, ticks, y_label)
    for band in bands:
        top: list[str] = []
        bottom: list[str] = []
        for i, (a, b) in enumerate(zip(band.low, band.high, strict=True)):
            if a is None or b is None or not (is_number(a) and is_number(b)):
                continue
            x = frame.x_slot(i + 0.5, count)
            top.append(f"{x:.1f},{frame.y(float(b)):.1f}")
            bottom.append(f"{x:.1f},{frame.y(float(a)):.1f}")
        if top:
            points = " ".join(top + bottom[::-1])
            out.append(
                f'<polygon class="band" points="{points}" fill="{band.colour}" fill-opacity="{band.opacity:g}">'
                f"<title>{esc(band.name)}</title></polygon>"
            )
    for k, series in enumerate(lines):
        colour = series.colour or PALETTE[k % len(PALETTE)]
        dash = ' stroke-dasharray="5 4"' if series.dashed else ""
        for d in _polyline(frame, series.values, count):
            out.append(
                f'<path class="line" d="{d}" fill="none" stroke="{colour}" stroke-width="1.8"{dash}>'
                f"<title>{esc(series.name)}</title></path>"
            )
    out += x_labels(frame, x_labels_, centred=True, label=x_label)
    items = [
        (
            f'<rect width="14" height="10" fill="{b.colour}" fill-opacity="{min(b.opacity * 2, 1):g}"/>',
            b.name,
        )
        for b in bands
    ]
    items = [
        (
            f'<line x1="0" x2="14" y1="5" y2="5" stroke="{s.colour or PALETTE[k % len(PALETTE)]}" '
            f'stroke-width="2"{' stroke-dasharray="4 3"' if s.dashed else ""}/>',
            s.name,
        )
        for k, s in enumerate(lines)
    ] + items
    out += legend(items, frame.left, legend_y, width - 8)
    out.append("</svg>")
    return "\n".join(out)


def _line_summary(lines: Sequence[Line], labels: Sequence[str]) -> str:
    parts = []
    for series in lines:
        vals = [(float(v), i) for i, v in enumerate(series.values) if v is not None and is_number(v)]
        if vals:
            peak, at = max(vals)
            parts.append(f"{series.name}: highest {fmt(peak)} at {labels[at]}")
    return (
        f"Line chart over {len(labels)} points"
        + (f" from {labels[0]} to {labels[-1]}" if labels else "")
        + ". "
        + "; ".join(parts)
        + "."
    )


def bar_chart(
    labels: Sequence[str],
    values: Sequence[Number],
    *,
    title: str,
    low: Sequence[Number] | None = None,
    high: Sequence[Number] | None = None,
    value_name: str = "value",
    range_name: str = "range",
    y_label: str = "",
    x_label: str = "",
    reference: float | None = None,
    reference_name: str = "",
    highlight: Sequence[bool] | None = None,
    highlight_name: str = "highlighted",
    description: str = "",
    width: float = 960,
    height: float = 320,
    value_format: str = "{:g}",
    ident: str | None = None,
    categories: bool = False,
) -> str:
    """Bars (one per label) with an optional low–high range drawn as a whisker, and a reference line.

    With hundreds of bars (a week of half-hours) bars touch and read as a step chart; the
    range then becomes a shaded band, which stays legible where whiskers would not.

    `categories`: the labels are names (elements), not points on a scale, so none may be thinned
    out; where they do not fit under their bars (a phone), the bars are numbered and a key under
    the chart names each.
    """
    count = len(labels)
    if len(values) != count:
        raise ValueError("values needs one value per label")
    for name, seq in (("low", low), ("high", high), ("highlight", highlight)):
        if seq is not None and len(seq) != count:
            raise ValueError(f"{name} needs one value per label")
    ident = chart_id(title, ident)
    every = finite([*values, *(high or ()), *(low or ()), *([reference] if reference is not None else [])])
    ticks = nice_ticks(min(0.0, min(every, default=0.0)), max(every, default=1.0))
    names = [value_name]
    names += [range_name] if low is not None and high is not None else []
    names += [reference_name or "reference"] if reference is not None else []
    names += [highlight_name] if highlight is not None and any(highlight) else []
    plot_top, legend_y = header(title, width, names, 64)
    frame = Frame(width, height, 64, 20, plot_top, 48 if x_label else 34, ticks[0], ticks[-1])
    slot = frame.plot_width / max(count, 1)
    dense = slot < 6
    numbered = categories and any(text_width(label) + 8 > slot for label in labels)
    keyed = key_lines(labels, width) if numbered else []
    out = open_svg(
        width,
        height + (KEY_ROW * len(keyed) + 4 if keyed else 0),
        ident,
        title,
        description or _bar_summary(labels, values, low, high, value_name),
    )
    out += y_axis(frame, ticks, y_label)
    base = frame.y(max(0.0, ticks[0]))
    if low is not None and high is not None and dense:
        top, bottom = [], []
        for i, (a, b) in enumerate(zip(low, high, strict=True)):
            if a is None or b is None or not (is_number(a) and is_number(b)):
                continue
            x0, x1 = frame.x_slot(i, count), frame.x_slot(i + 1, count)
            top += [f"{x0:.1f},{frame.y(float(b)):.1f}", f"{x1:.1f},{frame.y(float(b)):.1f}"]
            bottom += [f"{x0:.1f},{frame.y(float(a)):.1f}", f"{x1:.1f},{frame.y(float(a)):.1f}"]
        if top:
            out.append(
                f'<polygon class="range" points="{" ".join(top + bottom[::-1])}" fill="{PALETTE[1]}" '
                f'fill-opacity="0.22"><title>{esc(range_name)}</title></polygon>'
            )
    out.append('<g class="bars">')
    for i, v in enumerate(values):
        if v is None or not is_number(v):
            continue
        x = frame.x_slot(i, count)
        y = frame.y(float(v))
        gap = 0 if dense else min(slot * 0.18, 4)
        marked = highlight is not None and highlight[i]
        fill = PALETTE[2] if marked else PALETTE[0]
        tip = f"{f'{i + 1}. ' if numbered else ''}{labels[i]}: {value_name} {value_format.format(v)}"
        if low is not None and high is not None and is_number(low[i]) and is_number(high[i]):
            tip += f" ({range_name} {value_format.format(low[i])}–{value_format.format(high[i])})"
        if marked:
            tip += f"; {highlight_name}"
        out.append(
            f'<rect x="{x + gap / 2:.2f}" y="{min(y, base):.1f}" width="{max(slot - gap, 0.5):.2f}" '
            f'height="{abs(base - y):.1f}" fill="{fill}" fill-opacity="{0.75 if dense else 0.9}"{HIGHLIGHT_EDGE if marked else ""}>'
            f"<title>{esc(tip)}</title></rect>"
        )
    out.append("</g>")
    if low is not None and high is not None and not dense:
        out.append(f'<g class="range" stroke="{PALETTE[1]}" stroke-width="1.5">')
        for i, (a, b) in enumerate(zip(low, high, strict=True)):
            if a is None or b is None or not (is_number(a) and is_number(b)):
                continue
            cx = frame.x_slot(i + 0.5, count)
            ya, yb = frame.y(float(a)), frame.y(float(b))
            w = min(slot * 0.25, 6)
            out.append(
                f'<path d="M{cx:.1f},{ya:.1f} L{cx:.1f},{yb:.1f} M{cx - w:.1f},{ya:.1f} L{cx + w:.1f},{ya:.1f} '
                f'M{cx - w:.1f},{yb:.1f} L{cx + w:.1f},{yb:.1f}"/>'
            )
        out.append("</g>")
    items = [(f'<rect width="14" height="10" fill="{PALETTE[0]}"/>', value_name)]
    if low is not None and high is not None:
        items.append((f'<rect width="14" height="10" fill="{PALETTE[1]}" fill-opacity="0.5"/>', range_name))
    if reference is not None:
        yr = frame.y(reference)
        out.append(
            f'<line class="reference" x1="{frame.left:g}" x2="{frame.width - frame.right:g}" y1="{yr:.1f}" '
            f'y2="{yr:.1f}" stroke="{PALETTE[4]}" stroke-width="1.5" stroke-dasharray="6 4">'
            f"<title>{esc(reference_name)}</title></line>"
        )
        items.append(
            (
                f'<line x1="0" x2="14" y1="5" y2="5" stroke="{PALETTE[4]}" stroke-width="2" stroke-dasharray="4 3"/>',
                reference_name or "reference",
            )
        )
    if highlight is not None and any(highlight):
        items.append((f'<rect width="14" height="10" fill="{PALETTE[2]}"{HIGHLIGHT_EDGE}/>', highlight_name))
    shown = [str(k) for k in range(1, count + 1)] if numbered else labels
    out += x_labels(frame, shown, centred=True, label=x_label)
    out += draw_key(keyed, 16, height + 6)
    out += legend(items, frame.left, legend_y, width - 8)
    out.append("</svg>")
    return "\n".join(out)


def _bar_summary(
    labels: Sequence[str],
    values: Sequence[Number],
    low: Sequence[Number] | None,
    high: Sequence[Number] | None,
    value_name: str,
) -> str:
    vals = [(float(v), i) for i, v in enumerate(values) if v is not None and is_number(v)]
    if not vals:
        return f"Bar chart of {value_name}: no data."
    peak, at = max(vals)
    text = f"Bar chart of {value_name} over {len(labels)} points; highest {fmt(peak)} at {labels[at]}"
    if high is not None:
        tops = finite(high)
        if tops:
            text += f"; upper end of the range up to {fmt(max(tops))}"
    return text + "."


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float
    high: float


def estimate_chart(
    labels: Sequence[str],
    estimates: Sequence[Estimate | None],
    reference: Sequence[Number],
    *,
    title: str,
    estimate_name: str = "estimate (95 % CI)",
    reference_name: str = "reference",
    flagged: Sequence[bool] | None = None,
    flag_name: str = "disagrees",
    y_label: str = "",
    x_label: str = "",
    y_range: tuple[float, float] | None = None,
    value_format: str = "{:.3f}",
    description: str = "",
    width: float = 960,
    height: float = 340,
    ident: str | None = None,
) -> str:
    """Point estimates with confidence intervals beside reference values, one column per label.

    Built to set a simulation against a formula: the reference is a line, the estimates are dots
    with whiskers, and flagged columns get a shaded background so they stand out without colour.
    """
    count = len(labels)
    if len(estimates) != count or len(reference) != count:
        raise ValueError("estimates and reference need one value per label")
    if flagged is not None and len(flagged) != count:
        raise ValueError("flagged needs one value per label")
    ident = chart_id(title, ident)
    if y_range is not None:
        ticks = nice_ticks(*y_range)
    else:
        every = finite([*reference, *(v for e in estimates if e for v in (e.low, e.high))])
        ticks = nice_ticks(min(every, default=0.0), max(every, default=1.0))
    flags = list(flagged) if flagged is not None else [False] * count
    names = [estimate_name, reference_name] + ([flag_name] if any(flags) else [])
    plot_top, legend_y = header(title, width, names, 64)
    frame = Frame(width, height, 64, 20, plot_top, 48 if x_label else 34, ticks[0], ticks[-1])
    if not description:
        description = (
            f"{estimate_name} and {reference_name} for {count} points; "
            f"{sum(flags)} flagged where they disagree"
            + (": " + ", ".join(labels[i] for i, f in enumerate(flags) if f)[:300] if any(flags) else "")
            + "."
        )
    out = open_svg(width, height, ident, title, description)
    for i, f in enumerate(flags):
        if f:
            x0 = frame.x_slot(i, count)
            out.append(
                f'<rect class="flag" x="{x0:.1f}" y="{frame.top:g}" width="{frame.plot_width / count:.2f}" '
                f'height="{frame.plot_height:g}" fill="#fde3e1" fill-opacity="0.9">'
                f"<title>{esc(labels[i])}: {esc(flag_name)}</title></rect>"
            )
    out += y_axis(frame, ticks, y_label)

    def clamp(v: float) -> float:
        return min(max(v, frame.y_min), frame.y_max)

    for d in _polyline(frame, reference, count):
        out.append(
            f'<path class="reference" d="{d}" fill="none" stroke="{PALETTE[1]}" stroke-width="1.8">'
            f"<title>{esc(reference_name)}</title></path>"
        )
    out.append(f'<g class="estimates" stroke="{PALETTE[0]}" fill="{PALETTE[0]}">')
    for i, e in enumerate(estimates):
        if e is None or not is_number(e.mean):
            continue
        cx = frame.x_slot(i + 0.5, count)
        lo = e.low if is_number(e.low) else e.mean
        hi = e.high if is_number(e.high) else e.mean
        ref = reference[i]
        tip = (
            f"{labels[i]}: {estimate_name} {value_format.format(e.mean)} "
            f"[{value_format.format(lo)}, {value_format.format(hi)}]"
            + (f"; {reference_name} {value_format.format(ref)}" if ref is not None and is_number(ref) else "")
        )
        out.append(
            f'<g><title>{esc(tip)}</title><line x1="{cx:.1f}" x2="{cx:.1f}" y1="{frame.y(clamp(lo)):.1f}" '
            f'y2="{frame.y(clamp(hi)):.1f}" stroke-width="1.5"/>'
            f'<circle cx="{cx:.1f}" cy="{frame.y(clamp(e.mean)):.1f}" r="2.6"/></g>'
        )
    out.append("</g>")
    out += x_labels(frame, labels, centred=True, label=x_label)
    items = [
        (
            f'<line x1="7" x2="7" y1="0" y2="10" stroke="{PALETTE[0]}" stroke-width="1.5"/>'
            f'<circle cx="7" cy="5" r="2.6" fill="{PALETTE[0]}"/>',
            estimate_name,
        ),
        (f'<line x1="0" x2="14" y1="5" y2="5" stroke="{PALETTE[1]}" stroke-width="2"/>', reference_name),
    ]
    if any(flags):
        items.append(('<rect width="14" height="10" fill="#fde3e1" stroke="#e3b3af"/>', flag_name))
    out += legend(items, frame.left, legend_y, width - 8)
    out.append("</svg>")
    return "\n".join(out)
