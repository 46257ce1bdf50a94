"""`soms delivery analyse FILE.json`, `soms delivery list --org SLUG`, `soms delivery export ID --org SLUG`."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from soms.toolkits.delivery.compute import KIND
from soms.toolkits.saved.command import SavedKindCommand


class Command(SavedKindCommand):
    help = "Service delivery system: processes on the volume × variety matrix and how each calls to be optimised."
    kind = KIND

    def summary(self, inputs: dict[str, Any], results: dict[str, Any], console: Console) -> None:
        t = Table(title="Processes")
        for c in ("process", "office", "volume", "variety", "environment", "warnings"):
            t.add_column(c)
        for p in results["placements"]:
            t.add_row(
                p["name"],
                p["office"],
                str(p["volume"]),
                str(p["variety"]),
                p["environment_name"],
                "; ".join(p["warnings"]),
            )
        console.print(t)
