"""`soms capacity erlang …` and `soms capacity plan FILE …`: the toolkit from the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from pydantic import ValidationError as PydanticError
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from soms.core.capacity import CapacityInputError, DemandCsvError
from soms.lazy import lazy_module
from soms.tenancy.models import Organisation
from soms.toolkits.capacity import services
from soms.toolkits.capacity.cli import parse_days, parse_duration, parse_fraction, parse_target
from soms.toolkits.capacity.schemas import ErlangInput, PlanInput

if TYPE_CHECKING:
    from soms.toolkits.capacity import compute as capacity
else:
    # NumPy and SciPy load at the first computation, not when the URLs (or a command) are imported.
    capacity = lazy_module("soms.toolkits.capacity.compute")


# Schema fields -> the option a person typed, so errors name what they can change.
OPTION_OF = {
    "calls": "--calls",
    "interval_seconds": "--interval",
    "aht": "--aht",
    "service_level": "--target",
    "answer_within": "--target",
    "target": "--target",
    "definition": "--definition",
    "max_occupancy": "--max-occupancy",
    "shrinkage": "--shrinkage",
    "patience": "--patience",
    "horizon_days": "--horizon",
    "horizon": "--horizon",
    "model": "--model",
    "band": "--band",
    "simulate_day": "--day",
    "replications": "--replications",
    "csv": "FILE",
    "demand": "FILE",
}


def _pct(v: Any, digits: int = 1) -> str:
    return "–" if v is None else f"{v * 100:.{digits}f} %"


def _secs(v: Any) -> str:
    return "unbounded" if v is None else f"{v:.1f} s"


class Command(BaseCommand):
    help = "Demand and capacity toolkit: Erlang staffing for one interval, or a whole demand plan from a CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{erlang,plan}")

        erlang = sub.add_parser("erlang", help="agents required for one interval", description=__doc__)
        erlang.add_argument("--calls", required=True, help="calls offered in the interval, e.g. 100")
        erlang.add_argument(
            "--interval", default="30m", help="interval length, e.g. 30m, 1800s, 1h (default 30m)"
        )
        erlang.add_argument("--aht", required=True, help="average handle time, e.g. 180s or 3m")
        self._target_arguments(erlang)
        erlang.add_argument("--json", action="store_true", help="print JSON instead of tables")

        plan = sub.add_parser(
            "plan", help="profile, forecast, staffing plan (and simulation) from a demand CSV"
        )
        plan.add_argument("file", nargs="?", help="CSV with timestamp, arrivals[, handle_time]")
        plan.add_argument(
            "--sample", action="store_true", help="use the built-in synthetic sample instead of a file"
        )
        plan.add_argument("--horizon", default="7d", help="days to forecast, e.g. 7d or 2w (default 7d)")
        plan.add_argument(
            "--model", default="fourier_regression", choices=["fourier_regression", "seasonal_average"]
        )
        plan.add_argument("--aht", help="average handle time (default: the file's handle-time column)")
        plan.add_argument(
            "--band", default="80", choices=["80", "95"], help="prediction band for the staffing range"
        )
        self._target_arguments(plan)
        plan.add_argument("--simulate", action="store_true", help="also simulate one forecast day")
        plan.add_argument("--day", default="1", help="forecast day to simulate, 1 = the first (default 1)")
        plan.add_argument("--replications", default="30", help="simulation runs (default 30)")
        plan.add_argument(
            "--save", action="store_true", help="save the plan as a study (needs --org and --name)"
        )
        plan.add_argument("--org", help="organisation slug to save in")
        plan.add_argument("--name", help="study name")
        plan.add_argument("--json", action="store_true", help="print the whole result as JSON")
        plan.add_argument("-o", "--output", help="write the staffing plan per interval to this CSV file")

    @staticmethod
    def _target_arguments(parser: Any) -> None:
        parser.add_argument("--target", default="80/20s", help="service-level target, e.g. 80/20s (default)")
        parser.add_argument("--definition", default="offered", choices=["offered", "answered"])
        parser.add_argument("--shrinkage", default="0%", help="e.g. 30%% or 0.3 (default 0)")
        parser.add_argument("--max-occupancy", default="100%", help="e.g. 85%% (default: no cap)")
        parser.add_argument("--patience", help="mean caller patience, e.g. 120s; switches to Erlang A")

    # ----------------------------------------------------------------------------------------

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "erlang":
            self.erlang(options)
        else:
            self.plan(options)

    def _arg(self, option: str, parse: Any, text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise CommandError(f"{option}: {exc}") from None

    def _target(self, o: dict[str, Any]) -> dict[str, Any]:
        share, within = self._arg("--target", parse_target, o["target"])
        return {
            "service_level": share,
            "answer_within": within,
            "definition": o["definition"],
            "shrinkage": self._arg("--shrinkage", parse_fraction, o["shrinkage"]),
            "max_occupancy": self._arg("--max-occupancy", parse_fraction, o["max_occupancy"]),
            "patience": self._arg("--patience", parse_duration, o["patience"]) if o.get("patience") else None,
        }

    def _schema(self, schema: type[Any], data: dict[str, Any]) -> Any:
        try:
            return schema(**data)
        except PydanticError as exc:
            lines = []
            for err in exc.errors():
                field = next((str(p) for p in err["loc"] if str(p) in OPTION_OF), None)
                option = OPTION_OF.get(field or "", "input")
                lines.append(f"{option}: {err['msg'].removeprefix('Value error, ')}")
            raise CommandError("; ".join(dict.fromkeys(lines))) from None

    def _core(self, exc: CapacityInputError) -> CommandError:
        if isinstance(exc, DemandCsvError):
            listed = "\n".join(f"  row {i.row}, column {i.column}: {i.reason}" for i in exc.issues[:100])
            more = f"\n  … and {len(exc.issues) - 100} more" if len(exc.issues) > 100 else ""
            return CommandError(
                f"the demand file has {len(exc.issues)} problem(s); nothing was saved:\n{listed}{more}"
            )
        return CommandError(f"{OPTION_OF.get(exc.field, exc.field)}: {exc.reason}")

    def _print(self, *renderables: Any) -> None:
        # Render to text first: Django's output wrapper adds line endings to every write.
        buffer = io.StringIO()
        console = Console(file=buffer, width=100, force_terminal=False, no_color=True)
        for r in renderables:
            console.print(r)
        self.stdout.write(buffer.getvalue(), ending="")

    # ----------------------------------------------------------------------------------------

    def erlang(self, o: dict[str, Any]) -> None:
        try:
            calls = float(o["calls"])
        except ValueError:
            raise CommandError(f"--calls: {o['calls']!r} is not a number") from None
        inp = self._schema(
            ErlangInput,
            {
                "calls": calls,
                "interval_seconds": self._arg("--interval", parse_duration, o["interval"]),
                "aht": self._arg("--aht", parse_duration, o["aht"]),
                **self._target(o),
            },
        )
        try:
            result = capacity.compute_erlang(inp)
        except CapacityInputError as exc:
            raise self._core(exc) from None
        if o["json"]:
            self.stdout.write(json.dumps({"inputs": inp.model_dump()} | result, indent=2))
            return
        heading = (
            f"{result['model']}: {inp.calls:g} calls per {inp.interval_seconds / 60:g} min, AHT {inp.aht:g} s, "
            f"target {inp.service_level * 100:g} % in {inp.answer_within:g} s"
            + (f", patience {inp.patience:g} s" if inp.patience else "")
        )
        summary = Table(show_header=False)
        summary.add_column("measure")
        summary.add_column("value", justify="right")
        summary.add_row("Agents required", str(result["agents"]))
        summary.add_row(f"FTE after {inp.shrinkage * 100:g} % shrinkage", str(result["fte"]))
        summary.add_row(f"Service level ({inp.definition})", _pct(result["service_level"]))
        summary.add_row("Average speed of answer", _secs(result["asa"]))
        summary.add_row("Occupancy", _pct(result["occupancy"]))
        erlang_a = inp.patience is not None  # Erlang C callers never hang up: no abandonment to show
        if erlang_a:
            summary.add_row("Abandonment", _pct(result["abandonment"]))
        summary.add_row("Offered load", f"{result['offered_load']:.2f} Erlangs")
        table = Table(title="With more or fewer agents", title_justify="left")
        columns = ["agents", "FTE", "service level", "ASA", "abandonment", "occupancy", "meets target"]
        for col in columns if erlang_a else [c for c in columns if c != "abandonment"]:
            table.add_column(col, justify="right")
        for r in result["table"]:
            cells = [
                str(r["agents"]) + (" ◀" if r["is_answer"] else ""),
                str(r["fte"]),
                _pct(r["service_level"]),
                _secs(r["asa"]),
                *([_pct(r["abandonment"])] if erlang_a else []),
                _pct(r["occupancy"]),
                "yes" if r["meets_target"] else "no",
            ]
            table.add_row(*cells)
        self._print(heading, summary, table)

    # ----------------------------------------------------------------------------------------

    def plan(self, o: dict[str, Any]) -> None:
        if bool(o["file"]) == bool(o["sample"]):
            raise CommandError("FILE: give a demand CSV file, or --sample for the built-in synthetic sample")
        text, filename = "", ""
        if o["file"]:
            path = Path(o["file"])
            if not path.is_file():
                raise CommandError(f"FILE: {path} does not exist")
            if path.stat().st_size > settings.SOMS_MAX_UPLOAD_BYTES:
                raise CommandError(
                    f"FILE: {path} is larger than the {settings.SOMS_MAX_UPLOAD_BYTES} byte limit"
                )
            try:
                text = path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                raise CommandError(f"FILE: {path} is not UTF-8 text; save it as CSV (UTF-8)") from None
            filename = path.name
        if o["save"] and not (o["org"] and o["name"]):
            raise CommandError("--save: give the organisation (--org SLUG) and a study name (--name NAME)")
        organisation = None
        if o["save"]:
            organisation = Organisation.objects.filter(slug=o["org"]).first()
            if organisation is None:
                raise CommandError(f"--org: no organisation with the slug {o['org']!r}")
        day = self._arg(
            "--day", lambda t: int(t) - 1 if t.strip().isdigit() and int(t) >= 1 else _bad_day(t), o["day"]
        )
        replications = self._arg(
            "--replications", lambda t: int(t) if t.strip().isdigit() else _bad_int(t), o["replications"]
        )
        inp = self._schema(
            PlanInput,
            {
                "source": "sample" if o["sample"] else "upload",
                "csv": text or None,
                "filename": filename,
                "horizon_days": self._arg("--horizon", parse_days, o["horizon"]),
                "model": o["model"],
                "aht": self._arg("--aht", parse_duration, o["aht"]) if o["aht"] else None,
                "band": int(o["band"]),
                "simulate": o["simulate"],
                "simulate_day": day,
                "replications": replications,
                **self._target(o),
            },
        )
        # One unit per step, and one per replication of the simulated day (its longest part).
        steps = [s for s in capacity.PLAN_STEPS if s != "simulation"]
        total = len(steps) + (inp.replications if inp.simulate else 0)
        stderr = Console(stderr=True)
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=stderr,
            transient=True,
            disable=not stderr.is_terminal,
        )
        with progress:
            task = progress.add_task("planning", total=total)

            def on_step(name: str) -> None:
                if name in steps:
                    progress.update(task, completed=steps.index(name), description=name)
                else:
                    progress.update(task, completed=len(steps), description=name)

            def on_replication(done: int, replications: int) -> None:
                progress.update(
                    task, completed=len(steps) + done, description=f"simulation {done}/{replications}"
                )

            study = None
            try:
                if organisation is not None:
                    # The service computes what it saves: the same study as the page or API would save.
                    study = services.capacity_study_create(
                        organisation=organisation,
                        actor=None,
                        name=o["name"],
                        inp=inp,
                        on_step=on_step,
                        on_replication=on_replication,
                    )
                    results = study.results
                else:
                    results = capacity.compute_plan(inp, on_step=on_step, on_replication=on_replication)
            except CapacityInputError as exc:
                raise self._core(exc) from None
            progress.update(task, completed=total)
        if o["output"]:
            Path(o["output"]).write_text(capacity.results_csv("plan", results), encoding="utf-8")
        if o["json"]:
            self.stdout.write(json.dumps(results | ({"study_id": study.pk} if study else {})))
            return
        self._print(*self._plan_tables(results))
        if o["output"]:
            self.stdout.write(f"Staffing plan per interval written to {o['output']}")
        if study is not None:
            self.stdout.write(f"Saved as study {study.pk} “{study.name}” in {organisation}.")

    def _plan_tables(self, r: dict[str, Any]) -> list[Any]:
        s, p, st = r["series"], r["profile"], r["staffing"]
        out: list[Any] = []
        if s["source"] == "sample":
            out.append("[bold]Synthetic sample data[/bold] — generated, not a real team's demand.")
        head = Table(title="Demand", show_header=False, title_justify="left")
        head.add_column("measure")
        head.add_column("value", justify="right")
        head.add_row(
            "History",
            f"{s['days']:g} days from {s['start']}, {s['interval_seconds'] / 60:g}-minute intervals",
        )
        head.add_row("Calls", f"{s['total_calls']:,.0f}")
        head.add_row(
            "Average handle time",
            f"{s['aht_used']:.1f} s ({'file' if s['aht_source'] == 'file' else 'given'})",
        )
        head.add_row("Coefficient of variation", f"{p['cv_overall']:.2f}")
        head.add_row("Peak-to-average", f"{p['peak_to_average']:.2f}")
        head.add_row("Trend", f"{p['trend_per_week']:+.0f} calls per day, week on week")
        head.add_row("Gaps in the file", str(len(p["gaps"])))
        out.append(head)
        if r["backtest"]:
            bt = Table(
                title=f"Backtest on the last {r['backtest'][0]['holdout_days']} days", title_justify="left"
            )
            for col in ("model", "MAE", "WAPE", "in 80 % band", "in 95 % band"):
                bt.add_column(col, justify="right" if col != "model" else "left")
            for b in r["backtest"]:
                bt.add_row(
                    capacity.MODEL_NAMES[b["model"]],
                    f"{b['mae']:.2f}",
                    _pct(b["wape"]),
                    _pct(b["coverage80"], 0),
                    _pct(b["coverage95"], 0),
                )
            out.append(bt)
        else:
            out.append(r["backtest_note"])
        per_day = round(86_400 / st["interval_seconds"])
        hours = st["interval_seconds"] / 3600
        days = Table(
            title=f"Staffing plan ({r['model_name']}, range from the {st['band']} % band)",
            title_justify="left",
        )
        for col in ("day", "calls", "peak agents", "range", "agent-hours", "paid hours"):
            days.add_column(col, justify="right" if col != "day" else "left")
        for d in range(0, len(st["agents"]), per_day):
            sl = slice(d, d + per_day)
            days.add_row(
                st["timestamps"][d][:10],
                f"{sum(st['calls'][sl]):,.0f}",
                str(max(st["agents"][sl])),
                f"{max(st['agents_low'][sl])}–{max(st['agents_high'][sl])}",
                f"{sum(st['agents'][sl]) * hours:,.1f}",
                f"{sum(st['fte'][sl]) * hours:,.1f}",
            )
        out.append(days)
        sim = r.get("simulation")
        if sim:
            overall = sim["simulated"]["overall"]
            sl_est = overall[sim["service_level_metric"]]
            out.append(
                f"Simulated day {sim['day'] + 1} ({sim['replications']} runs): service level "
                f"{_pct(sl_est['mean'])} (95 % CI {_pct(sl_est['low'])}–{_pct(sl_est['high'])}), "
                f"{len(sim['flagged_intervals'])} interval(s) where formula and simulation disagree."
            )
        return out


def _bad_day(text: str) -> int:
    raise ValueError(f"{text!r} is not a day number; 1 is the first forecast day")


def _bad_int(text: str) -> int:
    raise ValueError(f"{text!r} is not a whole number")
