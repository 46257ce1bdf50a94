"""Charts for the practitioner toolkits: the value stream map, KPI trend, delivery matrix, stakeholder grid.

They take the pure cores' results (``soms.core``) and return one self-contained SVG each, drawn
with the same frame, fonts and escaping as the other charts. Every mark carries a <title>, so the
figures can be read without colour or a mouse, and the <desc> sums the chart up in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

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
    fit_text,
    fmt,
    key_lines,
    nice_ticks,
    open_svg,
    text_width,
    title_extra,
)
from soms.core.delivery import ENVIRONMENT_NAMES, DeliveryResult, Environment
from soms.core.kpi import Direction, Status, Thresholds, status
from soms.core.stakeholders import QUADRANT_NAMES, MapResult, Quadrant
from soms.core.vsm import Office, Rework, Step, VsmResult

RAG = {Status.GREEN: "#1f7a4d", Status.AMBER: "#b07800", Status.RED: "#b3261e", Status.NONE: MUTED}
RAG_FILL = {Status.GREEN: "#e3f3ea", Status.AMBER: "#fdf1d6", Status.RED: "#fbe4e2"}
FRONT_FILL = "#eef4fb"
BACK_FILL = "#f6f2ea"


# Narrower than this (a phone's drawing), the matrices number their marks instead of naming them.
NARROW = 500.0


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- value stream map ------------------------------------------------------------------------------

BOX_W, BOX_H, COL_W, ROW_H = 150.0, 92.0, 190.0, 112.0


def value_stream_map(
    steps: Sequence[Step],
    rework: Sequence[Rework],
    result: VsmResult,
    *,
    title: str = "Value stream map",
    ident: str | None = None,
) -> str:
    """Steps in front/back office swim lanes, flows and rework loops, and the timeline ladder.

    Columns follow each step's depth in the flow; parallel steps share a column and stack inside
    their lane. The ladder under the map walks the critical path: waiting on the upper rung,
    processing on the lower, with the totals at the end.
    """
    ident = chart_id(title, ident)
    unit = result.time_unit
    by_key = {r.key: r for r in result.steps}
    columns = max((r.depth for r in result.steps), default=0) + 1
    # Rows per lane: the most steps any column puts into that lane.
    stack: dict[tuple[int, Office], list[str]] = {}
    for s in steps:
        stack.setdefault((by_key[s.key].depth, s.office), []).append(s.key)
    lanes = (Office.FRONT, Office.BACK)
    rows = {lane: max([len(v) for (_, o), v in stack.items() if o is lane] or [1]) for lane in lanes}
    left, top = 96.0, 70.0 + title_extra(title, 640.0)
    lane_top = {Office.FRONT: top, Office.BACK: top + rows[Office.FRONT] * ROW_H + 16}
    lanes_bottom = lane_top[Office.BACK] + rows[Office.BACK] * ROW_H
    ladder_top = lanes_bottom + 46 + 12 * len(rework)
    width = max(left + columns * COL_W + 170, 640.0)
    height = ladder_top + 120
    pos: dict[str, tuple[float, float]] = {}
    for (depth, lane), keys in stack.items():
        for k, key in enumerate(keys):
            pos[key] = (left + depth * COL_W + 14, lane_top[lane] + k * ROW_H + 10)

    pce = f"{result.pce * 100:.1f} %" if result.pce is not None else "–"
    description = (
        f"Value stream of {len(steps)} steps. Lead time {fmt(result.lead_time)} {unit}, total process time "
        f"{fmt(result.total_process_time)} {unit}, process cycle efficiency {pce}, rolled complete and accurate "
        f"{result.rolled_ca_pct:.1f} %. Critical path: {' → '.join(by_key[k].name for k in result.critical_path)}."
        + (f" Bottleneck: {by_key[result.bottleneck].name}." if result.bottleneck else "")
    )
    out = open_svg(width, height, ident, title, description)
    out.append(
        f'<defs><marker id="{ident}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{MUTED}"/></marker>'
        f'<marker id="{ident}-back" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{PALETTE[1]}"/></marker></defs>'
    )
    # Swim lanes.
    for lane, fill, label in (
        (Office.FRONT, FRONT_FILL, "Front office"),
        (Office.BACK, BACK_FILL, "Back office"),
    ):
        y0 = lane_top[lane]
        h = rows[lane] * ROW_H
        out.append(
            f'<g class="lane"><rect x="8" y="{y0:.1f}" width="{width - 16:.1f}" height="{h:.1f}" fill="{fill}" '
            f'rx="6"/><text transform="translate(30 {y0 + h / 2:.1f}) rotate(-90)" text-anchor="middle" '
            f'font-weight="600" fill="{MUTED}">{label}</text></g>'
        )
    visibility = lane_top[Office.BACK] - 8
    out.append(
        f'<line class="visibility" x1="8" x2="{width - 8:.1f}" y1="{visibility:.1f}" y2="{visibility:.1f}" '
        f'stroke="{MUTED}" stroke-dasharray="2 4"><title>Line of visibility: the customer sees what is above it'
        f"</title></line>"
    )
    # Flows between steps.
    out.append(f'<g class="flows" stroke="{MUTED}" stroke-width="1.4" fill="none">')
    for s in steps:
        x1, y1 = pos[s.key]
        for p in s.after:
            x0, y0 = pos[p]
            sx, sy = x0 + BOX_W, y0 + BOX_H / 2
            ex, ey = x1, y1 + BOX_H / 2
            mid = (sx + ex) / 2
            out.append(
                f'<path d="M{sx:.1f},{sy:.1f} C{mid:.1f},{sy:.1f} {mid:.1f},{ey:.1f} {ex - 2:.1f},{ey:.1f}" '
                f'marker-end="url(#{ident}-arrow)"/>'
            )
    out.append("</g>")
    # Rework loops run below the lanes, one rail each, rising through the gaps between columns into
    # the side of the box they return to, so that no loop crosses a step.
    out.append(
        f'<g class="rework" stroke="{PALETTE[1]}" stroke-width="1.6" fill="none" stroke-dasharray="5 3">'
    )
    for k, r in enumerate(rework):
        xs, ys = pos[r.from_step]
        xt, yt = pos[r.to_step]
        rail = lanes_bottom + 14 + 12 * k
        out_x = xs + BOX_W + 8 + 4 * (k % 4)
        in_x = xt - 8 - 4 * (k % 4)
        label = f"{fmt(r.share_pct)} % back to {by_key[r.to_step].name}"
        out.append(
            f'<path d="M{xs + BOX_W:.1f},{ys + BOX_H - 12:.1f} H{out_x:.1f} V{rail:.1f} H{in_x:.1f} '
            f'V{yt + BOX_H - 12:.1f} H{xt - 2:.1f}" marker-end="url(#{ident}-back)">'
            f"<title>Rework: {esc(label)}</title></path>"
        )
        out.append(
            f'<text x="{(out_x + in_x) / 2:.1f}" y="{rail - 3:.1f}" text-anchor="middle" fill="{PALETTE[1]}" '
            f'stroke="none" font-size="11">{esc(_short(label, 40))}</text>'
        )
    out.append("</g>")
    # Step boxes.
    out.append('<g class="steps">')
    for s in steps:
        res = by_key[s.key]
        x, y = pos[s.key]
        critical = res.critical
        bottleneck = result.bottleneck == s.key
        stroke = PALETTE[0] if critical else "#9aa5b1"
        tip = (
            f"{s.name}: process {fmt(s.process_time)} {unit}, waiting {fmt(s.waiting_time)} {unit}, "
            f"{fmt(s.complete_accurate_pct)} % complete and accurate"
            + (f", passed {res.visits:.2f} times on average" if res.visits > 1.0001 else "")
            + (", on the critical path" if critical else f", slack {fmt(res.slack)} {unit}")
            + (", the bottleneck" if bottleneck else "")
        )
        out.append(
            f'<g class="step" data-key="{esc(s.key)}"><title>{esc(tip)}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W:g}" height="{BOX_H:g}" rx="5" fill="#fff" '
            f'stroke="{stroke}" stroke-width="{2.4 if critical else 1.2}"/>'
            f'<text x="{x + 8:.1f}" y="{y + 17:.1f}" font-weight="600">{esc(_short(s.name, 20))}</text>'
        )
        lines = [
            f"PT {fmt(s.process_time)} · WT {fmt(s.waiting_time)}",
            f"%C&A {fmt(s.complete_accurate_pct)}",
        ]
        if res.visits > 1.0001:
            lines[-1] += f" · ×{res.visits:.2f}"
        if s.actor:
            lines.append(_short(s.actor, 22))
        if s.technology:
            lines.append(_short(f"⚙ {s.technology}", 22))
        for k, line in enumerate(lines[:4]):
            out.append(
                f'<text x="{x + 8:.1f}" y="{y + 35 + k * 15:.1f}" fill="{MUTED}" font-size="11">{esc(line)}</text>'
            )
        if bottleneck:
            out.append(
                f'<text x="{x + BOX_W:.1f}" y="{y - 3:.1f}" text-anchor="end" fill="{PALETTE[5]}" '
                f'font-size="11" font-weight="600">bottleneck</text>'
            )
        out.append("</g>")
    out.append("</g>")
    # Timeline ladder along the critical path.
    path = [by_key[k] for k in result.critical_path]
    total = result.lead_time or 1.0
    room = width - left - 190
    hi, lo = ladder_top + 18, ladder_top + 52
    out.append(
        f'<g class="ladder"><text x="{left - 8:.1f}" y="{hi + 4:.1f}" text-anchor="end" fill="{MUTED}">waiting</text>'
        f'<text x="{left - 8:.1f}" y="{lo + 4:.1f}" text-anchor="end" fill="{MUTED}">process</text>'
    )
    cursor = left
    points = [f"{cursor:.1f},{hi:.1f}"]
    for rung in path:
        wait_w = room * rung.waiting_time / total
        proc_w = room * rung.process_time / total
        out.append(
            f'<text x="{cursor + wait_w / 2:.1f}" y="{hi - 6:.1f}" text-anchor="middle" font-size="11">'
            f"{esc(fmt(rung.waiting_time))}<title>{esc(rung.name)}: waiting {esc(fmt(rung.waiting_time))} {unit}</title></text>"
        )
        cursor += wait_w
        points += [f"{cursor:.1f},{hi:.1f}", f"{cursor:.1f},{lo:.1f}"]
        out.append(
            f'<text x="{cursor + proc_w / 2:.1f}" y="{lo + 16:.1f}" text-anchor="middle" font-size="11">'
            f"{esc(fmt(rung.process_time))}<title>{esc(rung.name)}: process {esc(fmt(rung.process_time))} {unit}</title></text>"
        )
        cursor += proc_w
        points += [f"{cursor:.1f},{lo:.1f}", f"{cursor:.1f},{hi:.1f}"]
    out.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{INK}" stroke-width="1.6"/>')
    tx = width - 180
    out.append(
        f'<text x="{tx:.1f}" y="{hi - 8:.1f}" font-weight="600">Lead time {esc(fmt(result.lead_time))} {unit}</text>'
        f'<text x="{tx:.1f}" y="{hi + 10:.1f}">Process time {esc(fmt(result.total_process_time))} {unit}</text>'
        f'<text x="{tx:.1f}" y="{hi + 28:.1f}">PCE {esc(pce)}</text>'
        f'<text x="{tx:.1f}" y="{hi + 46:.1f}">Rolled %C&amp;A {result.rolled_ca_pct:.1f} %</text></g>'
    )
    out.append("</svg>")
    return "\n".join(out)


# --- KPI trend -------------------------------------------------------------------------------------


def kpi_trend(
    points: Sequence[tuple[date, float]],
    thresholds: Thresholds,
    *,
    title: str,
    unit: str = "",
    width: float = 720,
    height: float = 300,
    ident: str | None = None,
) -> str:
    """Measurements over time on red / amber / green bands, with the target as a line."""
    ident = chart_id(title, ident)
    pts = sorted(points)
    values = [v for _, v in pts]
    marks = [v for v in (thresholds.target, thresholds.amber_limit) if v is not None]
    every = values + marks
    lo, hi = (min(every), max(every)) if every else (0.0, 1.0)
    pad = (hi - lo) * 0.15 or max(abs(hi) * 0.1, 1.0)
    ticks = nice_ticks(lo - pad, hi + pad)
    # A title that wraps on a phone's drawing takes the plot's top down with it.
    frame = Frame(width, height, 64, 24, 40 + title_extra(title, width), 40, ticks[0], ticks[-1])
    latest = status(values[-1], thresholds) if values else Status.NONE
    description = (
        f"{title}: {len(values)} measurements"
        + (f", latest {fmt(values[-1])}{unit} on {pts[-1][0].isoformat()} ({latest.value})" if values else "")
        + (
            f"; target {fmt(thresholds.target)}{unit}, {thresholds.direction.value} is better"
            if thresholds.target is not None
            else ""
        )
        + "."
    )
    out = open_svg(width, height, ident, title, description)
    x0, x1 = frame.left, frame.width - frame.right

    def clamp(v: float) -> float:
        return min(max(frame.y(v), frame.top), frame.top + frame.plot_height)

    if thresholds.target is not None:
        t = thresholds.target
        a = thresholds.amber_limit if thresholds.amber_limit is not None else t
        if thresholds.direction is Direction.HIGHER:
            bands = [(Status.GREEN, t, frame.y_max), (Status.AMBER, a, t), (Status.RED, frame.y_min, a)]
        else:
            bands = [(Status.GREEN, frame.y_min, t), (Status.AMBER, t, a), (Status.RED, a, frame.y_max)]
        for st, b_lo, b_hi in bands:
            if b_hi <= b_lo:
                continue
            y_top, y_bot = clamp(b_hi), clamp(b_lo)
            out.append(
                f'<rect class="band band-{st.value}" x="{x0:g}" y="{y_top:.1f}" width="{x1 - x0:g}" '
                f'height="{max(y_bot - y_top, 0):.1f}" fill="{RAG_FILL[st]}"><title>{st.value}</title></rect>'
            )
    for tk in ticks:
        y = frame.y(tk)
        out.append(
            f'<line x1="{x0:g}" x2="{x1:g}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-opacity="0.7"/>'
        )
        out.append(
            f'<text x="{x0 - 6:g}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{esc(fmt(tk))}</text>'
        )
    if thresholds.target is not None:
        y = frame.y(thresholds.target)
        out.append(
            f'<line class="target" x1="{x0:g}" x2="{x1:g}" y1="{y:.1f}" y2="{y:.1f}" stroke="{RAG[Status.GREEN]}" '
            f'stroke-width="1.5" stroke-dasharray="6 4"><title>target {esc(fmt(thresholds.target))}{esc(unit)}</title></line>'
            f'<text x="{x0 + 4:g}" y="{y - 5:.1f}" fill="{RAG[Status.GREEN]}" font-size="11">'
            f"target {esc(fmt(thresholds.target))}{esc(unit)}</text>"
        )
    base = frame.height - frame.bottom
    out.append(f'<line x1="{x0:g}" x2="{x1:g}" y1="{base:g}" y2="{base:g}" stroke="{MUTED}"/>')
    if pts:
        first, last = pts[0][0], pts[-1][0]
        span = (last - first).days or 1

        def px(d: date) -> float:
            if first == last:
                return (x0 + x1) / 2
            return x0 + 12 + (x1 - x0 - 24) * (d - first).days / span

        coords = [(px(d), frame.y(v)) for d, v in pts]
        out.append(
            f'<polyline class="line" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}" fill="none" '
            f'stroke="{PALETTE[0]}" stroke-width="1.8"/>'
        )
        for (d, v), (x, y) in zip(pts, coords, strict=True):
            st = status(v, thresholds)
            out.append(
                f'<circle class="point status-{st.value}" cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{RAG[st]}" '
                f'stroke="#fff" stroke-width="1.2"><title>{d.isoformat()}: {esc(fmt(v))}{esc(unit)} ({st.value})'
                f"</title></circle>"
            )
        labels = [pts[0][0]] + ([pts[-1][0]] if last != first else [])
        if len(pts) > 2:
            labels.insert(1, pts[len(pts) // 2][0])
        for d in labels:
            out.append(
                f'<text x="{px(d):.1f}" y="{base + 17:g}" text-anchor="middle" fill="{MUTED}">{d.isoformat()}</text>'
            )
    else:
        out.append(
            f'<text x="{width / 2:g}" y="{frame.top + frame.plot_height / 2:.1f}" text-anchor="middle" '
            f'fill="{MUTED}">No measurements yet</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


# --- service delivery matrix -----------------------------------------------------------------------

ZONE_FILL = {Environment.PROFESSIONAL: "#efe7f6", Environment.SHOP: "#eef4fb", Environment.MASS: "#e6f3ec"}


def delivery_matrix(
    result: DeliveryResult,
    *,
    title: str = "Service delivery matrix",
    width: float = 640,
    height: float = 560,
    ident: str | None = None,
) -> str:
    """Volume across, variety up; the professional / shop / mass zones along the diagonal."""
    ident = chart_id(title, ident)
    left, right, top, bottom = 70.0, 24.0, 46.0 + title_extra(title, width), 62.0
    pw, ph = width - left - right, height - top - bottom

    def px(volume: float) -> float:
        return left + pw * (volume - 0.5) / 5

    def py(variety: float) -> float:
        return top + ph * (1 - (variety - 0.5) / 5)

    counts = ", ".join(f"{ENVIRONMENT_NAMES[e]}: {len(keys)}" for e, keys in result.by_environment.items())
    # A phone's drawing has a fifth of 300 px per column, no room for a name: the marks are
    # numbered and a key under the matrix names each.
    names = key_lines([p.name for p in result.placements], width) if width < NARROW else []
    out = open_svg(
        width,
        height + (KEY_ROW * len(names) + 4 if names else 0),
        ident,
        title,
        f"{len(result.placements)} processes placed. {counts}.",
    )
    # Zones: cells where volume − variety ≤ −2 are professional, ≥ 2 mass, between a shop.
    for v in range(1, 6):
        for w in range(1, 6):
            lean = v - w
            env = (
                Environment.PROFESSIONAL
                if lean <= -2
                else Environment.MASS
                if lean >= 2
                else Environment.SHOP
            )
            out.append(
                f'<rect class="zone zone-{env.value}" x="{px(v - 0.5):.1f}" y="{py(w + 0.5):.1f}" '
                f'width="{pw / 5:.1f}" height="{ph / 5:.1f}" fill="{ZONE_FILL[env]}" stroke="#fff"/>'
            )
    for env, (lx_, ly_) in (
        (Environment.PROFESSIONAL, (1.5, 3.62)),
        (Environment.SHOP, (3.0, 2.62)),
        (Environment.MASS, (4.5, 0.62)),
    ):
        out.append(
            f'<text x="{px(lx_):.1f}" y="{py(ly_):.1f}" text-anchor="middle" font-weight="600" fill="{MUTED}">'
            f"{esc(ENVIRONMENT_NAMES[env])}</text>"
        )
    for k in range(1, 6):
        out.append(
            f'<text x="{px(k):.1f}" y="{top + ph + 18:.1f}" text-anchor="middle" fill="{MUTED}">{k}</text>'
        )
        out.append(
            f'<text x="{left - 10:.1f}" y="{py(k) + 4:.1f}" text-anchor="end" fill="{MUTED}">{k}</text>'
        )
    out.append(
        f'<text x="{left + pw / 2:.1f}" y="{height - 18:.1f}" text-anchor="middle" fill="{MUTED}">'
        "Volume (customers or jobs per unit) →</text>"
        f'<text transform="translate(22 {top + ph / 2:.1f}) rotate(-90)" text-anchor="middle" fill="{MUTED}">'
        "Variety (how much each job differs) →</text>"
    )
    held: dict[tuple[int, int], int] = {}
    for p in result.placements:
        held[(p.volume, p.variety)] = held.get((p.volume, p.variety), 0) + 1
    # A name runs on into the next cell where that cell has no mark at its height; where it has
    # one, the name stops short of it.
    room = pw / 5 - 17
    cells: dict[tuple[int, int], int] = {}
    for number, p in enumerate(result.placements, start=1):
        k = cells.get((p.volume, p.variety), 0)
        cells[(p.volume, p.variety)] = k + 1
        cx = px(p.volume) - pw / 10 + 18
        cy = py(p.variety) - ph / 10 + 16 + k * 18
        front = p.office is Office.FRONT
        shape = (
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="{PALETTE[0]}"/>'
            if front
            else f'<rect x="{cx - 6:.1f}" y="{cy - 6:.1f}" width="12" height="12" fill="#fff" stroke="{PALETTE[1]}" stroke-width="2"/>'
        )
        tip = (
            f"{p.name}: volume {p.volume}, variety {p.variety}, {p.environment_name}, "
            f"{'front' if front else 'back'} office" + ("; " + "; ".join(p.warnings) if p.warnings else "")
        )
        name = f"{number}" if names else _short(p.name, 18)
        flag = " ⚠" if p.warnings else ""
        # Written to the left of the mark where it would run past the right edge, unless the
        # cell on the left has a name there: then cut short of the edge.
        edge = width - cx - 15 - text_width(flag, 11)
        leftwards = text_width(name, 11) > edge and held.get((p.volume - 1, p.variety), 0) <= k
        if not names and not leftwards:
            if held.get((p.volume + 1, p.variety), 0) > k:
                name = fit_text(name, room - text_width(flag, 11), 11)
            name = fit_text(name, edge, 11)
        out.append(
            f'<g class="process" data-key="{esc(p.key)}"><title>{esc(tip)}</title>{shape}'
            + (
                f'<text x="{cx - 11:.1f}" y="{cy + 4:.1f}" font-size="11" text-anchor="end">'
                if leftwards
                else f'<text x="{cx + 11:.1f}" y="{cy + 4:.1f}" font-size="11">'
            )
            + f"{esc(name)}{flag}</text></g>"
        )
    lx = left
    out.append(
        f'<g class="legend"><circle cx="{lx + 6:.1f}" cy="{top - 14:.1f}" r="5" fill="{PALETTE[0]}"/>'
        f'<text x="{lx + 16:.1f}" y="{top - 10:.1f}">front office</text>'
        f'<rect x="{lx + 110:.1f}" y="{top - 19:.1f}" width="10" height="10" fill="#fff" stroke="{PALETTE[1]}" stroke-width="2"/>'
        f'<text x="{lx + 126:.1f}" y="{top - 10:.1f}">back office</text></g>'
    )
    out += draw_key(names, 16, height + 6)
    out.append("</svg>")
    return "\n".join(out)


# --- stakeholder grid ------------------------------------------------------------------------------

QUADRANT_FILL = {
    Quadrant.MANAGE_CLOSELY: "#fbe4e2",
    Quadrant.KEEP_SATISFIED: "#fdf1d6",
    Quadrant.KEEP_INFORMED: "#eef4fb",
    Quadrant.MONITOR: "#f1f3f5",
}


def stakeholder_grid(
    result: MapResult,
    *,
    title: str = "Stakeholder map",
    width: float = 640,
    height: float = 560,
    ident: str | None = None,
) -> str:
    """Interest across, influence up, split where a score becomes high (3 and above)."""
    ident = chart_id(title, ident)
    left, right, top, bottom = 70.0, 24.0, 40.0 + title_extra(title, width), 56.0
    pw, ph = width - left - right, height - top - bottom

    def px(interest: float) -> float:
        return left + pw * (interest - 0.5) / 5

    def py(influence: float) -> float:
        return top + ph * (1 - (influence - 0.5) / 5)

    counts = ", ".join(f"{QUADRANT_NAMES[q]}: {len(n)}" for q, n in result.by_quadrant.items())
    # As in the delivery matrix: numbered marks and a key on a phone's drawing.
    names = key_lines([p.name for p in result.placed], width) if width < NARROW else []
    out = open_svg(
        width,
        height + (KEY_ROW * len(names) + 4 if names else 0),
        ident,
        title,
        f"{len(result.placed)} stakeholders. {counts}.",
    )
    split_x, split_y = px(2.5), py(2.5)
    quads = (
        (Quadrant.KEEP_SATISFIED, left, top, split_x - left, split_y - top),
        (Quadrant.MANAGE_CLOSELY, split_x, top, left + pw - split_x, split_y - top),
        (Quadrant.MONITOR, left, split_y, split_x - left, top + ph - split_y),
        (Quadrant.KEEP_INFORMED, split_x, split_y, left + pw - split_x, top + ph - split_y),
    )
    for q, x, y, w, h in quads:
        out.append(
            f'<rect class="quadrant" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'fill="{QUADRANT_FILL[q]}" stroke="#fff" stroke-width="2"/>'
            f'<text x="{x + w / 2:.1f}" y="{y + 18:.1f}" text-anchor="middle" font-weight="600" fill="{MUTED}">'
            f"{esc(QUADRANT_NAMES[q])}</text>"
        )
    for k in range(1, 6):
        out.append(
            f'<text x="{px(k):.1f}" y="{top + ph + 18:.1f}" text-anchor="middle" fill="{MUTED}">{k}</text>'
        )
        out.append(
            f'<text x="{left - 10:.1f}" y="{py(k) + 4:.1f}" text-anchor="end" fill="{MUTED}">{k}</text>'
        )
    out.append(
        f'<text x="{left + pw / 2:.1f}" y="{height - 16:.1f}" text-anchor="middle" fill="{MUTED}">Interest →</text>'
        f'<text transform="translate(22 {top + ph / 2:.1f}) rotate(-90)" text-anchor="middle" fill="{MUTED}">'
        "Influence →</text>"
    )
    held: dict[tuple[int, int], int] = {}
    for p in result.placed:
        held[(p.interest, p.influence)] = held.get((p.interest, p.influence), 0) + 1
    room = pw / 5 - 14  # from a name to the next column's mark (see the delivery matrix)
    cells: dict[tuple[int, int], int] = {}
    for number, p in enumerate(result.placed, start=1):
        name = f"{number}" if names else _short(p.name, 18)
        k = cells.get((p.interest, p.influence), 0)
        cells[(p.interest, p.influence)] = k + 1
        cx = px(p.interest) - pw / 10 + 14
        cy = py(p.influence) - ph / 10 + 30 + k * 16
        # As in the delivery matrix: leftwards at the right edge unless the cell on the left has
        # a name there, cut short of the next column's mark where that one has one.
        edge = width - cx - 13
        leftwards = text_width(name, 11) > edge and held.get((p.interest - 1, p.influence), 0) <= k
        if not names and not leftwards:
            if held.get((p.interest + 1, p.influence), 0) > k:
                name = fit_text(name, room, 11)
            name = fit_text(name, edge, 11)
        out.append(
            f'<g class="stakeholder"><title>{esc(p.name)}{": " + esc(p.role) if p.role else ""} — influence '
            f"{p.influence}, interest {p.interest}: {esc(p.quadrant_name)}</title>"
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{PALETTE[3]}"/>'
            + (
                f'<text x="{cx - 9:.1f}" y="{cy + 4:.1f}" font-size="11" text-anchor="end">{esc(name)}</text></g>'
                if leftwards
                else f'<text x="{cx + 9:.1f}" y="{cy + 4:.1f}" font-size="11">{esc(name)}</text></g>'
            )
        )
    out += draw_key(names, 16, height + 6)
    out.append("</svg>")
    return "\n".join(out)
