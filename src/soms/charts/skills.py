"""A level grid of many people (or units) × elements; a person's radar is in `soms.charts.radar`.

Levels are ordered categories (none, Foundation, Practitioner, ...), not numbers: each cell carries
the level's short name as text, so the grid does not rely on colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from soms.charts.svg import GRID, chart_id, esc, legend, legend_rows, open_svg

# Level grid: people (or units) × elements, each cell a level with its gap to what is required.
_LEVEL_FILLS = ("#f1f3f6", "#c9dcf0", "#7fa9d8", "#2f6fb6", "#163f73", "#0b2447")


class LevelCell(NamedTuple):
    """One cell (a tuple: a grid of 200 people draws 1,400 of them, twice for a page)."""

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
    width: float | None = None,
) -> str:
    """A heatmap of levels: darker is higher; a red corner marks a gap to the requirement, a dashed
    outline "refresh due", a cross "expired"; each cell shows its level's short name and has a
    <title> with the full words, so nothing depends on colour.

    `width` asks for a narrow drawing (a phone's, shown at its own size and scrolled sideways when
    it is still wider than the screen): names cut shorter, cells narrower (not below 40), and the
    legend in as many rows as it needs."""
    if len(rows) != len(row_labels) or any(len(r) != len(col_labels) for r in rows):
        raise ValueError("rows must have one row per label and one cell per column")
    ident = chart_id(title, ident)
    most = 32 if width is None else 18
    label_size = 11 if width is None else 12  # a narrow drawing is shown at its own size
    longest = max((len(s) for s in row_labels), default=4)
    left = 16 + 7.2 * min(longest, most)
    top = 78.0
    legend_names = ["no level", *levels][: len(_LEVEL_FILLS)] + ["below required", "refresh due", "expired"]
    cols = max(len(col_labels), 1)
    if width is None:
        # Wide enough for the legend under the grid, whatever the number of columns.
        legend_width = sum(30 + 6.6 * len(n) for n in legend_names) + 32
        width = max(left + cell_width * cols + 16, legend_width)
        legend_lines = 1
    else:
        cell_width = max(40.0, (width - left - 16) / cols)
        width = max(width, left + cell_width * cols + 16)
        legend_lines = legend_rows(legend_names, 16, width - 8)
    height = top + cell_height * len(rows) + 48 + 16 * legend_lines
    if not description:
        gaps = sum(1 for r in rows for c in r if c.required is not None and c.rank < c.required)
        description = f"Levels of {len(row_labels)} rows in {len(col_labels)} elements; {gaps} cells below the required level."
    out = open_svg(width, height, ident, title, description)
    out.append('<g class="axis">')
    for j, name in enumerate(col_labels):
        x = left + j * cell_width + cell_width / 2
        # Room for the name and its ellipsis with a gap to the next (wide capitals: 0.66 em).
        fit = max(int((cell_width - 6) / (0.66 * label_size)), 3)
        label = name if len(name) <= fit else name[: fit - 1] + "…"
        out.append(
            f'<text x="{x:.1f}" y="{top - 8:.1f}" text-anchor="middle" font-size="{label_size}"><title>{esc(name)}</title>{esc(label)}</text>'
        )
    for i, name in enumerate(row_labels):
        y = top + i * cell_height + cell_height / 2 + 4
        label = name if len(name) <= most else name[: most - 1] + "…"
        out.append(f'<text x="{left - 6:.1f}" y="{y:.1f}" text-anchor="end">{esc(label)}</text>')
    out.append("</g>")
    out.append('<g class="cells">')
    # Per column and per row the same coordinates recur in every cell: formatted once; so do the
    # parts that depend only on the cell's level, state and text (a few kinds in a grid). Each cell
    # is one string of the lines it used to append one by one (the drawing is joined by newlines).
    size = f'width="{cell_width - 2:g}" height="{cell_height - 2:g}"'
    col_x = [left + j * cell_width for j in range(len(col_labels))]
    xs = [f"{x:.1f}" for x in col_x]
    text_xs = [f"{x + (cell_width - 2) / 2:.1f}" for x in col_x]
    corner_xs = [f"{x + cell_width - 2 - 10:.1f}" for x in col_x]
    cross_xs = [(f"{x + 3:.1f}", f"{x + 11:.1f}") for x in col_x]
    kinds: dict[tuple[int, str, str], tuple[str, str]] = {}
    for i, row in enumerate(rows):
        y = top + i * cell_height
        ys, text_y, cross_y = f"{y:.1f}", f"{y + cell_height / 2 + 3:.1f}", f"{y + 3:.1f}"
        label = row_labels[i]
        for j, cell in enumerate(row):
            kind = (cell.rank, cell.state, cell.short)
            parts = kinds.get(kind)
            if parts is None:
                fill = _LEVEL_FILLS[min(cell.rank, len(_LEVEL_FILLS) - 1)]
                ink = "#fff" if cell.rank >= 3 else "#1b2430"
                dash = (
                    ' stroke="#b7791f" stroke-width="2" stroke-dasharray="4 2"'
                    if cell.state == "refresh_due"
                    else ""
                )
                text = cell.short or ("–" if cell.rank == 0 else str(cell.rank))
                parts = kinds[kind] = (
                    f' fill="{fill}"{dash}/>',
                    f'" text-anchor="middle" fill="{ink}">{esc(text)}</text></g>',
                )
            line = (
                f"<g><title>{esc(cell.detail or f'{label}, {col_labels[j]}')}</title>"
                f'<rect x="{xs[j]}" y="{ys}" {size}{parts[0]}\n'
            )
            if cell.required is not None and cell.rank < cell.required:
                line += f'<path d="M{corner_xs[j]} {ys} h10 v10 Z" fill="#c0392b"/>\n'
            if cell.state == "expired":
                cx3, cx11 = cross_xs[j]
                line += (
                    f'<path d="M{cx3} {cross_y} l8 8 M{cx11} {cross_y} l-8 8" stroke="#c0392b" '
                    'stroke-width="1.6"/>\n'
                )
            out.append(f'{line}<text x="{text_xs[j]}" y="{text_y}{parts[1]}')
    out.append("</g>")
    ly = height - 10 - 16 * legend_lines
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
    out += legend(items, 16, ly, width - 8)
    out.append("</svg>")
    return "\n".join(out)
