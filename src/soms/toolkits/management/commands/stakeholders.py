"""`soms stakeholders analyse FILE.json`, `… list --org SLUG`, `… export ID --org SLUG`."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from soms.toolkits.saved.command import SavedKindCommand
from soms.toolkits.stakeholders.compute import KIND


class Command(SavedKindCommand):
    help = "Stakeholder maps: influence × interest quadrants and the four dimensions of the change."
    kind = KIND

    def summary(self, inputs: dict[str, Any], results: dict[str, Any], console: Console) -> None:
        t = Table(title="Stakeholders")
        for c in ("stakeholder", "influence", "interest", "quadrant", "plan"):
            t.add_column(c)
        for p in results["placed"]:
            t.add_row(
                p["name"], str(p["influence"]), str(p["interest"]), p["quadrant_name"], p["plan"] or "—"
            )
        console.print(t)
        if results["unassessed"]:
            names = results.get("dimension_names", {})
            console.print("Not assessed yet: " + ", ".join(names.get(d, d) for d in results["unassessed"]))
