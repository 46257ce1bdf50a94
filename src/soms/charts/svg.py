"""Small building blocks shared by every chart: escaping, number formatting, axes, the frame.

Everything returns SVG text. Text from callers is always escaped here, so a label such as
``Q&A <team>`` can never break the markup or inject an element.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
INK = "#1b2430"
MUTED = "#5b6776"
GRID = "#e3e7ed"
PALETTE = ("#2f6fb6", "#c2571a", "#1f7a4d", "#7b3fa0", "#a86400", "#b3261e")


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def fmt(value: float, digits: int | None = None) -> str:
    """A number as a person would write it on an axis: 1200, 1.5, 0.25, 12k."""
    if not is_number(value):
        return "–"
    if digits is not None:
        return f"{value:,.{digits}f}"
    magnitude = abs(value)
    if magnitude >= 10_000:
        return f"{value / 1000:,.0f}k"
    if magnitude >= 100 or value == int(value):
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten apart)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 0.5:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def chart_id(title: str, explicit: str | None) -> str:
    """An id for <title>/<desc> references; several charts on one page must not share one."""
    if explicit:
        return re.sub(r"[^A-Za-z0-9_-]", "-", explicit)
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "chart"
    return f"chart-{slug}"


@dataclass(frozen=True)
class Frame:
    """The plotting rectangle inside the SVG and the value range it shows."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    y_min: float
    y_max: float

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    def y(self, value: float) -> float:
        span = self.y_max - self.y_min or 1.0
        return self.top + self.plot_height * (1.0 - (value - self.y_min) / span)

    def x_slot(self, index: float, count: int) -> float:
        """Left edge of slot ``index`` when the width is shared by ``count`` equal slots."""
        return self.left + self.plot_width * index / max(count, 1)


# The width a chart is drawn at for a phone (see for_screens): at 390 px a card holds about 330
# px, so 12-unit text shows at about 11 px.
PHONE_WIDTH = 360.0
# An average character of the sans-serif text, in ems (for fitting titles, labels and legends).
# Measured in Chromium with DejaVu Sans (what system-ui is on a Debian machine): words and names
# run 0.50-0.57 em a character, dates and figures 0.58; 0.56 let "% meeting requirement" out.
CHAR_EM = 0.6
# The title is bold, which runs wider (0.57-0.64 em measured the same way).
TITLE_EM = 0.66
TITLE_SIZE = 15.0
SMALLEST_TITLE = 12.0


def text_width(text: str, size: float = 12.0, *, bold: bool = False) -> float:
    """How wide a piece of text is drawn, near enough to keep it inside the drawing: every chart
    lays its words out with this, and the tests check the layout with it."""
    return (TITLE_EM if bold else CHAR_EM) * size * len(text)


def fit_text(text: str, room: float, size: float = 12.0) -> str:
    """The text, cut with an ellipsis where it would be wider than ``room`` (the whole text then
    belongs in a <title> beside it)."""
    if text_width(text, size) <= room:
        return text
    keep = max(int(room / (CHAR_EM * size)) - 1, 1)
    return text[:keep].rstrip() + "…"


def title_lines(title: str, width: float) -> tuple[list[str], float]:
    """The title as drawn: one line at 15 units, shrunk (not below 12) or wrapped to fit."""
    room = width - 16
    size = TITLE_SIZE
    if TITLE_EM * size * len(title) <= room:
        return [title], size
    size = max(SMALLEST_TITLE, room / (TITLE_EM * len(title)))
    if TITLE_EM * size * len(title) <= room:
        return [title], size
    per_line = max(int(room // (TITLE_EM * size)), 8)
    lines: list[str] = []
    for word in title.split():
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines, size


def title_extra(title: str, width: float) -> float:
    """How much further down the plot starts for a title that wraps."""
    lines, size = title_lines(title, width)
    return (len(lines) - 1) * (size + 3)


def open_svg(width: float, height: float, ident: str, title: str, description: str) -> list[str]:
    lines, size = title_lines(title, width)
    shown = "".join(
        f'<text x="{width / 2:g}" y="{20 + k * (size + 3):g}" text-anchor="middle" font-size="{size:.3g}" '
        f'font-weight="600">{esc(line)}</text>'
        for k, line in enumerate(lines)
    )
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" '
        f'aria-label="{esc(title)}" aria-describedby="{ident}-desc" '
        f'font-family="{esc(FONT)}" font-size="12" fill="{INK}">',
        f'<title id="{ident}-title">{esc(title)}</title>',
        f'<desc id="{ident}-desc">{esc(description)}</desc>',
        f'<rect width="{width:g}" height="{height:g}" fill="#fff"/>',
        shown,
    ]


def y_axis(frame: Frame, ticks: Iterable[float], label: str, tick_format: str | None = None) -> list[str]:
    out = ['<g class="axis y-axis">']
    for t in ticks:
        y = frame.y(t)
        text = tick_format.format(t) if tick_format else fmt(t)
        out.append(
            f'<line x1="{frame.left:g}" x2="{frame.width - frame.right:g}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}"/>'
        )
        out.append(
            f'<text x="{frame.left - 6:g}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{esc(text)}</text>'
        )
    if label:
        cy = frame.top + frame.plot_height / 2
        out.append(
            f'<text transform="translate(14 {cy:.1f}) rotate(-90)" text-anchor="middle" fill="{MUTED}">'
            f"{esc(label)}</text>"
        )
    out.append("</g>")
    return out


def x_labels(frame: Frame, labels: Sequence[str], *, centred: bool, label: str = "") -> list[str]:
    """Tick labels under the plot; empty strings are skipped, and the rest thinned so none overlap."""
    count = len(labels)
    base = frame.height - frame.bottom
    out = ['<g class="axis x-axis">']
    out.append(
        f'<line x1="{frame.left:g}" x2="{frame.width - frame.right:g}" y1="{base:g}" y2="{base:g}" stroke="{MUTED}"/>'
    )
    shown = [i for i, text in enumerate(labels) if text]
    widest = max((text_width(labels[i]) for i in shown), default=0.0)
    every = label_step(len(shown), frame.plot_width, per_label=widest + 14)
    for i in shown[::every]:
        x = frame.x_slot(i + (0.5 if centred else 0.0), count)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base:g}" y2="{base + 4:g}" stroke="{MUTED}"/>')
        # A label wider than the plot is cut; one at either end is moved in so that it is not
        # drawn past the edge of the drawing (the tick still marks its place).
        text = fit_text(labels[i], frame.width - 4)
        half = text_width(text) / 2
        tx = min(max(x, 2 + half), frame.width - 2 - half)
        named = f"<title>{esc(labels[i])}</title>" if text != labels[i] else ""
        out.append(
            f'<text x="{tx:.1f}" y="{base + 17:g}" text-anchor="middle" fill="{MUTED}">{named}{esc(text)}</text>'
        )
    if label:
        out.append(
            f'<text x="{frame.left + frame.plot_width / 2:.1f}" y="{frame.height - 6:g}" text-anchor="middle" '
            f'fill="{MUTED}">{esc(label)}</text>'
        )
    out.append("</g>")
    return out


def label_step(count: int, room: float, per_label: float = 56.0) -> int:
    """Show every n-th label so that labels do not overlap."""
    if count <= 0:
        return 1
    fit = max(int(room // per_label), 1)
    return max(math.ceil(count / fit), 1)


LEGEND_ROW = 16.0


def _legend_places(names: Sequence[str], x: float, right: float | None) -> list[tuple[float, int]]:
    places = []
    cursor, row = x, 0
    for name in names:
        size = 30 + text_width(name)
        if right is not None and cursor > x and cursor + size - 12 > right:
            cursor, row = x, row + 1
        places.append((cursor, row))
        cursor += size
    return places


def legend_rows(names: Sequence[str], x: float, right: float | None) -> int:
    """How many rows the legend takes when it may not pass ``right``."""
    return 1 + max((row for _, row in _legend_places(names, x, right)), default=0)


def legend(items: Sequence[tuple[str, str]], x: float, y: float, right: float | None = None) -> list[str]:
    """Swatches with names in a row (more rows where they would pass ``right``); each item is
    (svg for a 14×10 swatch at 0,0, name)."""
    out = ['<g class="legend">']
    for (swatch, name), (cursor, row) in zip(
        items, _legend_places([n for _, n in items], x, right), strict=True
    ):
        yy = y + row * LEGEND_ROW
        # A name longer than a whole row (a phone's) is cut there, and said in full in its <title>.
        shown = name if right is None else fit_text(name, right - cursor - 18)
        named = f"<title>{esc(name)}</title>" if shown != name else ""
        out.append(f'<g transform="translate({cursor:.1f} {yy - 9:.1f})">{swatch}</g>')
        out.append(f'<text x="{cursor + 18:.1f}" y="{yy:.1f}">{named}{esc(shown)}</text>')
    out.append("</g>")
    return out


KEY_ROW = 16.0


def key_lines(names: Sequence[str], width: float) -> list[tuple[bool, str]]:
    """A numbered key ("1 Customer engagement · 2 Demand") in lines that fit ``width``, for a
    narrow drawing that writes 1, 2, 3 beside its marks where the names have no room. A name
    longer than a line goes on in the next, indented (True: a line that goes on with a name)."""
    room = width - 32
    lines: list[tuple[bool, str]] = []
    for k, name in enumerate(names, start=1):
        item = f"{k} {name}"
        if lines and text_width(f"{lines[-1][1]} · {item}") <= room:
            lines[-1] = (lines[-1][0], f"{lines[-1][1]} · {item}")
            continue
        words, line, more = item.split(), "", False
        for word in words:
            word = fit_text(word, room - KEY_INDENT)
            if line and text_width(f"{line} {word}") > room - (KEY_INDENT if more else 0):
                lines.append((more, line))
                line, more = word, True
            else:
                line = f"{line} {word}" if line else word
        lines.append((more, line))
    return lines


KEY_INDENT = 14.0


def draw_key(lines: Sequence[tuple[bool, str]], x: float, y: float) -> list[str]:
    """The key's lines from baseline ``y`` down, KEY_ROW apart."""
    return [
        f'<text class="key" x="{x + (KEY_INDENT if more else 0):g}" y="{y + KEY_ROW * k:.1f}" fill="{MUTED}">'
        f"{esc(line)}</text>"
        for k, (more, line) in enumerate(lines)
    ]


def header(title: str, width: float, legend_names: Sequence[str], left: float) -> tuple[float, float]:
    """(top of the plot, baseline of the legend's first row) for a chart whose title and legend
    sit above the plot: 56 and 42 when both fit on one line, more as they wrap."""
    extra = title_extra(title, width)
    rows = legend_rows(legend_names, left, width - 8)
    return 56 + extra + (rows - 1) * LEGEND_ROW, 42 + extra


def finite(values: Iterable[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and is_number(v)]


def for_screens(
    draw: Callable[..., str],
    *args: object,
    ident: str,
    phone: dict[str, object] | None = None,
    **kwargs: object,
) -> str:
    """A chart for a page: drawn at its own width for wide screens and at PHONE_WIDTH for phones,
    each scaled to its card (the stylesheet shows one: .chart-wide or .chart-phone), so on a phone
    the text stays about the size of the page's own small print instead of shrinking to a third.
    Downloads keep the one wide drawing. ``phone`` overrides arguments for the phone drawing (a
    square chart's height, say)."""
    wide = draw(*args, ident=ident, **kwargs)
    narrow = draw(*args, **(kwargs | {"ident": f"{ident}-phone", "width": PHONE_WIDTH} | (phone or {})))
    return f'<div class="chart-wide">{wide}</div><div class="chart-phone">{narrow}</div>'
