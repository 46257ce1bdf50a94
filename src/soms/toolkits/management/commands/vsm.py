"""`soms vsm analyse FILE.json`, `soms vsm list --org SLUG`, `soms vsm export ID --org SLUG`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.table import Table

from soms.toolkits.saved.command import SavedKindCommand
from soms.toolkits.vsm.compute import KIND


def _num(v: Any) -> str:
    return "–" if v is None else f"{v:,.2f}".rstrip("0").rstrip(".")


class Command(SavedKindCommand):
    help = "Value stream maps: lead time, process cycle efficiency, rolled %C&A, rework and bottleneck."
    kind = KIND

    def summary(self, inputs: dict[str, Any], results: dict[str, Any], console: Console) -> None:
        unit = inputs["time_unit"]
        states = [s for s in ("current", "future") if results.get(s)]
        t = Table(title="Value stream")
        t.add_column("figure")
        for s in states:
            t.add_column(s, justify="right")
        names = {s: {x["key"]: x["name"] for x in inputs[s]["steps"]} for s in states}
        rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
            ("Lead time", lambda r: f"{_num(r['lead_time'])} {unit}"),
            ("Process time", lambda r: f"{_num(r['total_process_time'])} {unit}"),
            ("PCE", lambda r: f"{r['pce'] * 100:.1f} %" if r["pce"] is not None else "–"),
            ("Rolled %C&A", lambda r: f"{r['rolled_ca_pct']:.1f} %"),
            ("Extra load from rework", lambda r: f"{_num(r['rework_extra_time'])} {unit}"),
            ("Loop gain", lambda r: _num(r["loop_gain"])),
        ]
        for label, fn in rows:
            t.add_row(label, *(fn(results[s]) for s in states))
        t.add_row("Bottleneck", *(names[s].get(results[s]["bottleneck"] or "", "–") for s in states))
        console.print(t)
        for s in states:
            path = " → ".join(names[s][k] for k in results[s]["critical_path"])
            console.print(f"Critical path ({s}): {path}")
