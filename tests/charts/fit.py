"""Where a chart's text lands: each <text> (or <tspan>) as a box, measured the way the chart module
lays text out (`soms.charts.svg.text_width`), so a test can say every word is inside the drawing.

The SVG is read as the browser would place it for the transforms our charts use: `translate(x y)`
on a group or the text, and a quarter turn (`rotate(-90)`) for a vertical axis name."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from soms.charts.svg import text_width

SVG = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Box:
    text: str
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )


def _own_text(element: ET.Element) -> str:
    """The words drawn by a <text> or <tspan>: its text and its tail-text, not a <title>'s."""
    parts = [element.text or ""]
    for child in element:
        if child.tag != f"{SVG}tspan":
            parts.append(child.tail or "")
    return "".join(parts).strip()


def _transform(value: str | None) -> tuple[float, float, bool]:
    """(dx, dy, turned) for "translate(a b)" and "translate(a b) rotate(-90)"."""
    if not value:
        return 0.0, 0.0, False
    dx = dy = 0.0
    move = re.search(r"translate\(\s*([-\d.]+)[ ,]+([-\d.]+)\s*\)", value)
    if move:
        dx, dy = float(move.group(1)), float(move.group(2))
    turn = re.search(r"rotate\(\s*([-\d.]+)", value)
    if turn and float(turn.group(1)) not in (-90.0, 270.0):
        raise AssertionError(f"the fit check knows only quarter turns, not {value!r}")
    return dx, dy, bool(turn)


def _box(text: str, x: float, y: float, size: float, bold: bool, anchor: str) -> tuple[float, ...]:
    w = text_width(text, size, bold=bold)
    start = x - {"start": 0.0, "middle": w / 2, "end": w}[anchor]
    return start, y - 0.8 * size, start + w, y + 0.25 * size


def text_boxes(svg: str) -> tuple[tuple[float, float], list[Box]]:
    """The drawing's (width, height) from its viewBox and a box for every piece of text in it."""
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in (root.get("viewBox") or "").split())
    boxes: list[Box] = []

    def walk(node: ET.Element, ox: float, oy: float, size: float, bold: bool, anchor: str) -> None:
        size = float(node.get("font-size", size))
        bold = node.get("font-weight", "600" if bold else "400") in ("600", "700", "bold")
        anchor = node.get("text-anchor", anchor)
        if node.tag == f"{SVG}text":
            dx, dy, turned = _transform(node.get("transform"))
            spans = node.findall(f"{SVG}tspan")
            pieces = [(_own_text(s), s) for s in spans] if spans else [(_own_text(node), node)]
            for words, at in pieces:
                if not words:
                    continue
                x = float(at.get("x", node.get("x", "0")))
                y = float(at.get("y", node.get("y", "0")))
                left, top, right, bottom = _box(words, x, y, size, bold, anchor)
                if turned:  # rotate(-90): the text runs upwards from (dx, dy)
                    left, top, right, bottom = top, -right, bottom, -left
                boxes.append(Box(words, ox + dx + left, oy + dy + top, ox + dx + right, oy + dy + bottom))
            return
        if node.tag in (f"{SVG}title", f"{SVG}desc", f"{SVG}defs"):
            return
        dx, dy, _ = _transform(node.get("transform"))
        for child in node:
            walk(child, ox + dx, oy + dy, size, bold, anchor)

    walk(root, 0.0, 0.0, 12.0, False, "start")
    return (width, height), boxes


def outside(svg: str) -> list[Box]:
    """The pieces of text that run past an edge of the drawing."""
    (width, height), boxes = text_boxes(svg)
    return [b for b in boxes if b.left < 0 or b.top < 0 or b.right > width or b.bottom > height]


def overlapping(svg: str) -> list[tuple[Box, Box]]:
    """Pairs of pieces of text drawn over each other."""
    _, boxes = text_boxes(svg)
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.overlaps(b)]
