"""`soms kpi nps FILE.csv`, `soms kpi csat FILE.csv`, `soms kpi sla FILE.csv --target P1=4 …`, `soms kpi fcr FILE.csv`,
`soms kpi list`.

The calculators read the raw data exactly as the pages and the API do; a bad file stops with
every problem by line and column.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from soms.core import kpi as core
from soms.core.toolkit_input import ToolkitInputError
from soms.toolkits.kpi import compute, selectors
from soms.toolkits.kpi.schemas import CalendarIn, CsatIn, FcrIn, NpsIn, SlaIn
from soms.toolkits.saved.command import organisation_for


def _where(p: Any) -> str:
    if len(p.loc) == 3 and p.loc[0] == "row":
        return f"  line {p.loc[1]}, column {p.loc[2]}: {p.message}"
    return f"  {'.'.join(str(x) for x in p.loc) or 'input'}: {p.message}"


class Command(BaseCommand):
    help = "KPIs: NPS, CSAT and SLA attainment from raw files, and the organisation's KPIs with their status."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{nps,csat,sla,fcr,list}")
        n = sub.add_parser("nps", help="Net Promoter Score from a CSV with a 'score' column (0–10)")
        n.add_argument("file")
        n.add_argument("--column", default="score", help="the column with the answers (default: score)")
        n.add_argument("--confidence", type=float, default=0.95, help="of the interval, e.g. 0.95")
        n.add_argument("--json", action="store_true")
        c = sub.add_parser("csat", help="CSAT from a CSV with a 'score' column")
        c.add_argument("file")
        c.add_argument("--column", default="score")
        c.add_argument("--scale", default="1-5", help="lowest-highest, e.g. 1-5 or 1-7 (default 1-5)")
        c.add_argument(
            "--satisfied-from", type=int, default=None, help="lowest satisfied answer (default: 4 on 1–5)"
        )
        c.add_argument("--json", action="store_true")
        s = sub.add_parser("sla", help="SLA attainment from a ticket CSV (opened, resolved, priority[, id])")
        s.add_argument("file")
        s.add_argument(
            "--target",
            action="append",
            required=True,
            metavar="PRIORITY=HOURS",
            help="e.g. --target P1=4 --target P2=8",
        )
        s.add_argument(
            "--business-hours",
            metavar="HH:MM-HH:MM",
            help="count only working time, Monday to Friday, e.g. 09:00-17:00",
        )
        s.add_argument("--now", help="judge open tickets at this time (ISO 8601; default now)")
        s.add_argument("--json", action="store_true")
        f = sub.add_parser(
            "fcr", help="first-contact resolution from a CSV with 'contacts' and 'resolved' columns"
        )
        f.add_argument("file")
        f.add_argument("--json", action="store_true")
        ls = sub.add_parser("list", help="the organisation's KPIs with their latest value and status")
        ls.add_argument("--org", required=True, help="organisation slug")

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            getattr(self, f"_{o['action']}")(o)
        except ToolkitInputError as exc:
            raise CommandError(
                f"{o.get('file', 'input')}: the data has problems:\n"
                + "\n".join(_where(p) for p in exc.problems)
            ) from None

    def _text(self, path: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"FILE: cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"FILE: {path} is not UTF-8 text") from None

    def _nps(self, o: dict[str, Any]) -> None:
        if not 0.5 <= o["confidence"] <= 0.999:
            raise CommandError("--confidence: give a share from 0.5 to 0.999, e.g. 0.95")
        scores = core.parse_scores_csv(self._text(o["file"]), column=o["column"])
        r = compute.nps(NpsIn(scores=scores, confidence=o["confidence"]))
        if o["json"]:
            self.stdout.write(json.dumps(r, indent=1))
            return
        self.stdout.write(f"NPS {r['nps']:+.1f} from {r['responses']} responses")
        self.stdout.write(
            f"  promoters (9–10): {r['promoters']}   passives (7–8): {r['passives']}   detractors (0–6): {r['detractors']}"
        )
        self.stdout.write(f"  {r['confidence'] * 100:g} % interval: {r['low']:+.1f} to {r['high']:+.1f}")
        if r["caution"]:
            self.stdout.write(f"  note: {r['caution']}")

    def _csat(self, o: dict[str, Any]) -> None:
        try:
            lowest, highest = (int(x) for x in o["scale"].split("-", 1))
        except ValueError:
            raise CommandError("--scale: write lowest-highest, e.g. 1-5") from None
        satisfied = o["satisfied_from"] if o["satisfied_from"] is not None else max(highest - 1, lowest + 1)
        scores = core.parse_scores_csv(
            self._text(o["file"]), column=o["column"], lowest=lowest, highest=highest
        )
        r = compute.csat(
            CsatIn(scores=scores, lowest=lowest, highest=highest, satisfied_from=satisfied, confidence=0.95)
        )
        if o["json"]:
            self.stdout.write(json.dumps(r, indent=1))
            return
        self.stdout.write(
            f"CSAT {r['csat']:.1f} % from {r['responses']} responses ({r['satisfied']} at {satisfied} or above on {lowest}–{highest})"
        )
        self.stdout.write(f"  95 % interval: {r['low']:.1f} to {r['high']:.1f} %")

    def _fcr(self, o: dict[str, Any]) -> None:
        cases = core.parse_cases_csv(self._text(o["file"]))
        r = compute.fcr(FcrIn.model_validate({"cases": [{"contacts": c, "resolved": ok} for c, ok in cases]}))
        if o["json"]:
            self.stdout.write(json.dumps(r, indent=1))
            return
        shown = "—" if r["fcr"] is None else f"{r['fcr']:.1f} %"
        self.stdout.write(
            f"First-contact resolution {shown}: {r['first_contact']} of {r['resolved']} resolved cases "
            f"took one contact ({r['unresolved']} not resolved, left out)"
        )

    def _sla(self, o: dict[str, Any]) -> None:
        targets: dict[str, float] = {}
        for t in o["target"]:
            name, sep, hours = t.partition("=")
            try:
                if not sep or not name.strip():
                    raise ValueError
                targets[name.strip()] = float(hours)
            except ValueError:
                raise CommandError(f"--target: {t!r} should be PRIORITY=HOURS, e.g. P1=4") from None
        calendar = None
        if o["business_hours"]:
            try:
                opens, closes = (time.fromisoformat(x.strip()) for x in o["business_hours"].split("-", 1))
            except ValueError:
                raise CommandError("--business-hours: write e.g. 09:00-17:00") from None
            calendar = CalendarIn(opens=opens, closes=closes, weekdays=[0, 1, 2, 3, 4])
        now = None
        if o["now"]:
            try:
                now = datetime.fromisoformat(o["now"])
            except ValueError:
                raise CommandError("--now: write a date and time, e.g. 2026-01-12T17:00") from None
        try:
            inp = SlaIn(csv=self._text(o["file"]), targets_hours=targets, business_hours=calendar, now=now)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        r = compute.sla(inp, now=timezone.now())
        if o["json"]:
            self.stdout.write(json.dumps(r, indent=1))
            return
        shown = f"{r['attainment']:.1f} %" if r["attainment"] is not None else "–"
        hours = "business hours" if r["business_hours"] else "clock hours"
        self.stdout.write(
            f"SLA attainment {shown}: {r['met']} met, {r['missed']} missed, {r['pending']} open within target ({hours})"
        )
        for p in r["by_priority"]:
            att = f"{p['attainment']:.1f} %" if p["attainment"] is not None else "–"
            self.stdout.write(
                f"  {p['priority']:<8} target {p['target_hours']:g} h   {att:>8}   met {p['met']}, missed {p['missed']}, open {p['pending']}"
            )

    def _list(self, o: dict[str, Any]) -> None:
        org = organisation_for(o["org"])
        for k in selectors.kpis_for(organisation=org):
            state = selectors.kpi_state(k)
            latest = (
                f"{state.latest.value:g} {k.unit} ({state.latest.period})" if state.latest else "no value"
            )
            self.stdout.write(
                f"{k.pk:>5}  {state.status.value:<6} {state.trend.trend.value:<10} {k.name}: {latest}"
            )
