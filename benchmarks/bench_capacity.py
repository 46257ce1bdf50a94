"""Capacity core against its peers, same inputs, same run.

    uv run --group bench python benchmarks/bench_capacity.py [--full] [--customers N]

* Erlang C staffing for 2,000 intervals: ours (one vectorised call) vs pyworkforce ErlangC
  (one object per interval, which is how its API is used for a list of intervals).
* Erlang C staffing one interval at a time (how the calculator page and the API call it): ours
  (the scalar path) vs pyworkforce, on the same 2,000 intervals, overall and by thirds of the
  call volume, interleaved and best of 3, reported as a ratio (ours / peer; below 1 is faster).
* Erlang A staffing: ours vs pyworkforce ErlangA (exact, by uniformisation, in pure Python).
  pyworkforce needs ~0.1 s per interval at these loads, so by default it runs on an evenly
  spread sample of 200 of the 2,000 intervals and the ratio is per interval on that same
  sample; ``--full`` runs all 2,000 (several minutes).
* Erlang A staffing search against its previous version: the search as it was at
  ``--baseline-rev`` (default 01560f2, exact probes bracketing from the Erlang C answer) is
  loaded from git into this process and timed interleaved with today's on the same 2,000
  intervals and one interval per call, as CPU time of the thread (``time.thread_time``, which
  other processes' load inflates less than wall time), best of 7 in each of 3 rounds.
* Simulation: ours ``simulate_mmc`` vs ciw for M/M/c and M/M/c+M with 100,000 customers.

Answers are checked (equal agent counts, statistics within tolerance) before any speed is
reported. Results go to benchmarks/results/ as JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ciw
import numpy as np
from pyworkforce.queuing import ErlangA, ErlangC
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from soms.core.capacity.queueing import StaffingTarget, erlang_a_metrics, erlang_c_metrics, required_agents
from soms.core.capacity.sample import expected_demand
from soms.core.capacity.simulation import simulate_mmc

console = Console(width=150)
RESULTS = Path(__file__).parent / "results"

INTERVAL_S = 1800.0
AHT_S = 300.0
ANSWER_WITHIN_S = 20.0
SL_TARGET = 0.8
MAX_OCC = 0.85
PATIENCE_S = 120.0


def intervals(count: int = 2000) -> np.ndarray:
    """Open-hours half-hours of a mid-size centre (peak ~400 calls, 67 Erlangs), whole calls."""
    mean = expected_demand(datetime(2026, 1, 5), 48 * 7 * 16, timedelta(minutes=30), peak_calls=400.0)
    calls = np.round(mean[mean > 0])
    calls = calls[calls > 0][:count]
    assert calls.size == count, calls.size
    return calls


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def bench_erlang_c(calls: np.ndarray, progress: Progress) -> dict[str, Any]:
    target = StaffingTarget(SL_TARGET, ANSWER_WITHIN_S, max_occupancy=MAX_OCC)
    ours_s, ours = best_of(
        lambda: required_agents(calls, AHT_S, interval_seconds=INTERVAL_S, target=target), 20
    )
    task = progress.add_task("pyworkforce ErlangC", total=calls.size)
    peer_agents, peer_sl = [], []
    t = time.perf_counter()
    for c in calls:
        r = ErlangC(
            transactions=float(c), aht=AHT_S / 60, asa=ANSWER_WITHIN_S / 60, interval=30
        ).required_positions(SL_TARGET, MAX_OCC)
        peer_agents.append(r["raw_positions"])
        peer_sl.append(r["service_level"])
        progress.advance(task)
    peer_s = time.perf_counter() - t
    peer_agents_a = np.array(peer_agents)
    mismatches = int(np.sum(peer_agents_a != ours.agents))
    sl_diff = float(np.max(np.abs(np.array(peer_sl) - ours.metrics.service_level_offered)))
    assert mismatches == 0, f"Erlang C agent counts differ in {mismatches} intervals"
    assert sl_diff < 1e-9, sl_diff
    return {
        "intervals": int(calls.size),
        "ours_seconds": ours_s,
        "peer_seconds": peer_s,
        "ours_us_per_interval": ours_s / calls.size * 1e6,
        "peer_us_per_interval": peer_s / calls.size * 1e6,
        "speedup": peer_s / ours_s,
        "agent_count_mismatches": mismatches,
        "max_service_level_difference": sl_diff,
        "total_agents": int(ours.agents.sum()),
    }


def bench_erlang_c_one_at_a_time(calls: np.ndarray, progress: Progress) -> dict[str, Any]:
    target = StaffingTarget(SL_TARGET, ANSWER_WITHIN_S, max_occupancy=MAX_OCC)
    values = [float(c) for c in calls]

    def ours(xs: list[float]) -> list[int]:
        return [int(required_agents(c, AHT_S, interval_seconds=INTERVAL_S, target=target).agents) for c in xs]

    def peer(xs: list[float]) -> list[int]:
        return [
            ErlangC(transactions=c, aht=AHT_S / 60, asa=ANSWER_WITHIN_S / 60, interval=30).required_positions(
                SL_TARGET, MAX_OCC
            )["raw_positions"]
            for c in xs
        ]

    order = sorted(values)
    thirds = {
        "quiet third": order[: len(order) // 3],
        "middle third": order[len(order) // 3 : 2 * len(order) // 3],
        "busy third": order[2 * len(order) // 3 :],
        "all": values,
    }
    task = progress.add_task("one interval at a time", total=3 * len(thirds))
    out: dict[str, Any] = {}
    for name, xs in thirds.items():
        ours_best, peer_best = math.inf, math.inf
        for _ in range(3):  # interleaved, so a busy moment on the machine hits both
            t = time.perf_counter()
            mine = ours(xs)
            ours_best = min(ours_best, time.perf_counter() - t)
            t = time.perf_counter()
            theirs = peer(xs)
            peer_best = min(peer_best, time.perf_counter() - t)
            progress.advance(task)
        assert mine == theirs, f"{name}: one-at-a-time agent counts differ"
        out[name] = {
            "intervals": len(xs),
            "calls_range": [min(xs), max(xs)],
            "ours_us_per_call": ours_best / len(xs) * 1e6,
            "peer_us_per_call": peer_best / len(xs) * 1e6,
            "ratio_ours_to_peer": ours_best / peer_best,
        }
    return out


def baseline_queueing(rev: str) -> types.ModuleType | None:
    """soms.core.capacity.queueing as it was at ``rev``, imported from git under its own name."""
    root = Path(__file__).resolve().parent.parent
    try:
        source = subprocess.run(
            ["git", "-C", str(root), "show", f"{rev}:src/soms/core/capacity/queueing.py"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        console.print(f"[yellow]no baseline: git show {rev} failed ({exc})")
        return None
    spec = importlib.util.spec_from_loader("baseline_queueing", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    exec(compile(source, f"{rev}:queueing.py", "exec"), module.__dict__)
    return module


def cpu_best(fn: Callable[[], Any], repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        t = time.thread_time()
        fn()
        best = min(best, time.thread_time() - t)
    return best


def bench_erlang_a_search(calls: np.ndarray, rev: str, progress: Progress) -> dict[str, Any] | None:
    old = baseline_queueing(rev)
    if old is None:
        return None
    new_mod = sys.modules["soms.core.capacity.queueing"]
    sample = calls[np.linspace(0, calls.size - 1, 200).round().astype(int)]

    def batch(mod: Any) -> Any:
        t = mod.StaffingTarget(SL_TARGET, ANSWER_WITHIN_S, max_occupancy=MAX_OCC)
        return mod.required_agents(calls, AHT_S, interval_seconds=INTERVAL_S, target=t, patience=PATIENCE_S)

    def one_by_one(mod: Any) -> list[int]:
        t = mod.StaffingTarget(SL_TARGET, ANSWER_WITHIN_S, max_occupancy=MAX_OCC)
        return [
            int(
                mod.required_agents(
                    float(c), AHT_S, interval_seconds=INTERVAL_S, target=t, patience=PATIENCE_S
                ).agents
            )
            for c in sample
        ]

    a, b = batch(new_mod), batch(old)
    mismatches = int(np.sum(a.agents != b.agents))
    assert mismatches == 0, f"Erlang A search: {mismatches} intervals differ from the previous search"
    fields = ("p_wait", "p_abandon", "service_level_offered", "service_level_answered", "asa", "occupancy")
    rel = {
        f: float(
            np.max(
                np.abs(getattr(a.metrics, f) - getattr(b.metrics, f))
                / np.maximum(np.abs(getattr(b.metrics, f)), 1e-300)
            )
        )
        for f in fields
    }
    assert max(rel.values()) < 1e-11, rel
    assert one_by_one(new_mod) == one_by_one(old)
    task = progress.add_task("Erlang A search vs previous", total=3)
    rounds = []
    for _ in range(3):  # interleaved, so a busy moment on the machine hits both
        row = {
            "batch_previous_ms": cpu_best(lambda: batch(old), 7) * 1e3,
            "batch_today_ms": cpu_best(lambda: batch(new_mod), 7) * 1e3,
            "one_by_one_previous_ms": cpu_best(lambda: one_by_one(old), 3) * 1e3 / sample.size,
            "one_by_one_today_ms": cpu_best(lambda: one_by_one(new_mod), 3) * 1e3 / sample.size,
        }
        row["batch_speedup"] = row["batch_previous_ms"] / row["batch_today_ms"]
        row["one_by_one_speedup"] = row["one_by_one_previous_ms"] / row["one_by_one_today_ms"]
        rounds.append(row)
        progress.advance(task)
    mixed = []
    for seed in range(3):
        # A batch mixing every kind of queue: patience 5 s to 14 h, 0.05 to 3,000 Erlangs.
        rng = np.random.default_rng(seed)
        aht = np.exp(rng.uniform(np.log(18.0), np.log(900.0), 400))
        mixed_calls = (
            np.round(np.exp(rng.uniform(np.log(0.05), np.log(3000.0), 400)) * INTERVAL_S / aht) + 1.0
        )
        patience = np.exp(rng.uniform(np.log(5.0), np.log(51_466.0), 400))

        def run(mod: Any, c: Any = mixed_calls, h: Any = aht, p: Any = patience) -> Any:
            t = mod.StaffingTarget(SL_TARGET, ANSWER_WITHIN_S, max_occupancy=MAX_OCC)
            return mod.required_agents(c, h, interval_seconds=INTERVAL_S, target=t, patience=p)

        assert np.array_equal(run(new_mod).agents, run(old).agents)
        prev_ms, today_ms = cpu_best(lambda: run(old), 5) * 1e3, cpu_best(lambda: run(new_mod), 5) * 1e3
        mixed.append(
            {"seed": seed, "previous_ms": prev_ms, "today_ms": today_ms, "speedup": prev_ms / today_ms}
        )
    return {
        "baseline_rev": rev,
        "mixed_batches_400": mixed,
        "intervals": int(calls.size),
        "one_by_one_sample": int(sample.size),
        "agent_count_mismatches": mismatches,
        "max_relative_difference": rel,
        "rounds": rounds,
        "load_average": list(os.getloadavg()),
    }


def bench_erlang_a(calls: np.ndarray, full: bool, progress: Progress) -> dict[str, Any]:
    target = StaffingTarget(SL_TARGET, ANSWER_WITHIN_S, max_occupancy=MAX_OCC)
    sample = calls if full else calls[np.linspace(0, calls.size - 1, 200).round().astype(int)]

    def ours_on(x: np.ndarray) -> Any:
        return required_agents(x, AHT_S, interval_seconds=INTERVAL_S, target=target, patience=PATIENCE_S)

    ours_s, ours = best_of(lambda: ours_on(sample), 5)
    ours_all_s, _ = best_of(lambda: ours_on(calls), 3)
    task = progress.add_task("pyworkforce ErlangA", total=sample.size)
    rows = []
    t = time.perf_counter()
    for c in sample:
        rows.append(
            ErlangA(
                transactions=float(c),
                aht=AHT_S / 60,
                asa=ANSWER_WITHIN_S / 60,
                interval=30,
                patience=PATIENCE_S / 60,
            ).required_positions(SL_TARGET, MAX_OCC)
        )
        progress.advance(task)
    peer_s = time.perf_counter() - t
    peer_agents = np.array([r["raw_positions"] for r in rows])
    mismatches = int(np.sum(peer_agents != ours.agents))
    # Compare the figures at the same staffing: pyworkforce's ASA is the mean wait of ALL callers.
    m = ours.metrics
    diffs = {
        "service_level": float(
            np.max(np.abs(np.array([r["service_level"] for r in rows]) - m.service_level_offered))
        ),
        "abandonment": float(
            np.max(np.abs(np.array([r["abandonment_probability"] for r in rows]) - m.p_abandon))
        ),
        "occupancy": float(np.max(np.abs(np.array([r["occupancy"] for r in rows]) - m.occupancy))),
        "mean_wait_all_seconds": float(
            np.max(np.abs(np.array([r["average_speed_of_answer"] for r in rows]) * 60 - m.average_wait))
        ),
    }
    assert mismatches == 0, f"Erlang A agent counts differ in {mismatches} intervals"
    assert diffs["service_level"] < 1e-6 and diffs["abandonment"] < 1e-9, diffs
    return {
        "intervals_compared": int(sample.size),
        "ours_seconds_same_sample": ours_s,
        "peer_seconds_same_sample": peer_s,
        "ours_us_per_interval_same_sample": ours_s / sample.size * 1e6,
        "peer_us_per_interval": peer_s / sample.size * 1e6,
        "speedup_same_sample": peer_s / ours_s,
        "ours_seconds_all_2000": ours_all_s,
        "ours_us_per_interval_all_2000": ours_all_s / calls.size * 1e6,
        "agent_count_mismatches": mismatches,
        "max_differences": diffs,
    }


def ciw_run(
    lam: float, mu: float, c: int, patience: float | None, n: int, seed: int
) -> tuple[float, dict[str, float]]:
    net = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(lam)],
        service_distributions=[ciw.dists.Exponential(mu)],
        number_of_servers=[c],
        **({"reneging_time_distributions": [ciw.dists.Exponential(1.0 / patience)]} if patience else {}),
    )
    ciw.seed(seed)
    sim = ciw.Simulation(net)
    t = time.perf_counter()
    sim.simulate_until_max_customers(n, method="Arrive")
    elapsed = time.perf_counter() - t
    recs = sorted(sim.get_all_records(), key=lambda r: r.arrival_date)
    recs = recs[len(recs) // 10 :]  # same 10 % warm-up as ours
    served = np.array([r.record_type == "service" for r in recs])
    wait = np.array([r.waiting_time for r in recs])
    quick = served & (wait <= ANSWER_WITHIN_S)
    return elapsed, {
        "customers": float(len(recs)),
        "service_level_offered": float(quick.mean()),
        "asa": float(wait[served].mean()),
        "p_wait": float(np.mean(~served | (wait > 0))),
        "abandonment": float(np.mean(~served)),
    }


def bench_simulation(n: int, progress: Progress) -> dict[str, Any]:
    lam, mu = 100 / INTERVAL_S, 1 / 180.0
    cases = {"M/M/c": (14, None), "M/M/c+M": (12, PATIENCE_S)}
    out: dict[str, Any] = {}
    task = progress.add_task("ciw and ours", total=2 * len(cases))
    for name, (c, patience) in cases.items():
        ciw_s, ciw_stats = ciw_run(lam, mu, c, patience, n, seed=1)
        progress.advance(task)
        ours_times = []
        ours = None
        for rep in range(5):
            t = time.perf_counter()
            ours = simulate_mmc(
                lam, mu, c, patience=patience, n_customers=n, seed=rep, answer_within=ANSWER_WITHIN_S
            )
            ours_times.append(time.perf_counter() - t)
        assert ours is not None
        progress.advance(task)
        if patience is None:
            f = erlang_c_metrics(100, 180, c, interval_seconds=INTERVAL_S, answer_within=ANSWER_WITHIN_S)
        else:
            f = erlang_a_metrics(
                100, 180, c, interval_seconds=INTERVAL_S, answer_within=ANSWER_WITHIN_S, patience=patience
            )
        formula = {
            "service_level_offered": float(f.service_level_offered),
            "asa": float(f.asa),
            "p_wait": float(f.p_wait),
            "abandonment": float(f.p_abandon),
        }
        ours_stats = {k: getattr(ours, k).mean for k in formula}
        # Both simulators must agree with the exact formula within sampling error: 100k callers
        # give a standard error of ~0.002 on proportions and ~0.3 s on ASA at these loads.
        tol = {"service_level_offered": 0.012, "asa": 1.2, "p_wait": 0.015, "abandonment": 0.006}
        for k, v in formula.items():
            assert abs(ours_stats[k] - v) <= tol[k], (name, "ours", k, ours_stats[k], v)
            assert abs(ciw_stats[k] - v) <= tol[k], (name, "ciw", k, ciw_stats[k], v)
        ours_s = min(ours_times)
        out[name] = {
            "customers": n,
            "servers": c,
            "patience_seconds": patience,
            "formula": formula,
            "ours": ours_stats,
            "ours_ci95": {k: [getattr(ours, k).low, getattr(ours, k).high] for k in formula},
            "ciw": ciw_stats,
            "ours_seconds": ours_s,
            "ciw_seconds": ciw_s,
            "ours_us_per_customer": ours_s / n * 1e6,
            "ciw_us_per_customer": ciw_s / n * 1e6,
            "speedup": ciw_s / ours_s,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="run pyworkforce Erlang A on all 2,000 intervals")
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--baseline-rev", default="01560f2", help="git revision of the previous Erlang A search")
    ap.add_argument(
        "--only-search", action="store_true", help="run only the Erlang A search against its previous version"
    )
    args = ap.parse_args(argv)
    if args.only_search:
        with Progress(console=console, transient=True) as progress:
            search = bench_erlang_a_search(intervals(), args.baseline_rev, progress)
        print_search(search)
        return 0

    calls = intervals()
    with Progress(console=console, transient=True) as progress:
        erlang_c = bench_erlang_c(calls, progress)
        erlang_c_one = bench_erlang_c_one_at_a_time(calls, progress)
        erlang_a = bench_erlang_a(calls, args.full, progress)
        search = bench_erlang_a_search(calls, args.baseline_rev, progress)
        sim = bench_simulation(args.customers, progress)

    table = Table(title="SOMS capacity core vs peers (same inputs, same run)")
    for col in ("benchmark", "ours", "peer", "speed-up", "answers"):
        table.add_column(col)
    table.add_row(
        "Erlang C staffing, 2,000 intervals",
        f"{erlang_c['ours_us_per_interval']:.2f} µs/interval",
        f"pyworkforce {erlang_c['peer_us_per_interval']:.1f} µs/interval",
        f"{erlang_c['speedup']:.0f}×",
        f"{erlang_c['agent_count_mismatches']} mismatches",
    )
    for name, r in erlang_c_one.items():
        table.add_row(
            f"Erlang C, one interval per call, {name} ({r['calls_range'][0]:.0f}–{r['calls_range'][1]:.0f} calls)",
            f"{r['ours_us_per_call']:.1f} µs/call",
            f"pyworkforce {r['peer_us_per_call']:.1f} µs/call",
            f"{1 / r['ratio_ours_to_peer']:.1f}× (ratio {r['ratio_ours_to_peer']:.2f})",
            "0 mismatches",
        )
    table.add_row(
        f"Erlang A staffing, {erlang_a['intervals_compared']} intervals",
        f"{erlang_a['ours_us_per_interval_same_sample']:.1f} µs/interval",
        f"pyworkforce {erlang_a['peer_us_per_interval'] / 1000:.1f} ms/interval",
        f"{erlang_a['speedup_same_sample']:.0f}×",
        f"{erlang_a['agent_count_mismatches']} mismatches",
    )
    for name, r in sim.items():
        table.add_row(
            f"simulation {name}, {r['customers']:,} customers",
            f"{r['ours_us_per_customer']:.2f} µs/customer",
            f"ciw {r['ciw_us_per_customer']:.1f} µs/customer",
            f"{r['speedup']:.0f}×",
            "SL {:.3f} / {:.3f} (formula {:.3f})".format(
                r["ours"]["service_level_offered"],
                r["ciw"]["service_level_offered"],
                r["formula"]["service_level_offered"],
            ),
        )
    console.print(table)
    console.print(
        f"Erlang A on all 2,000 intervals (ours): {erlang_a['ours_seconds_all_2000'] * 1000:.1f} ms "
        f"({erlang_a['ours_us_per_interval_all_2000']:.1f} µs/interval)"
    )
    print_search(search)

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = {
        "when": stamp,
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "numpy": np.__version__,
        "ciw": ciw.__version__,
        "inputs": {
            "intervals": int(calls.size),
            "calls_min": float(calls.min()),
            "calls_median": float(statistics.median(calls.tolist())),
            "calls_max": float(calls.max()),
            "interval_seconds": INTERVAL_S,
            "aht_seconds": AHT_S,
            "target": f"{SL_TARGET:.0%} in {ANSWER_WITHIN_S:.0f} s",
            "max_occupancy": MAX_OCC,
            "patience_seconds": PATIENCE_S,
        },
        "erlang_c": erlang_c,
        "erlang_c_one_interval_per_call": erlang_c_one,
        "erlang_a": erlang_a,
        "erlang_a_search_vs_previous": search,
        "simulation": sim,
    }
    path = RESULTS / f"bench_capacity-{stamp}.json"
    path.write_text(
        json.dumps(result, indent=2, default=lambda o: None if isinstance(o, float) and math.isnan(o) else o)
    )
    console.print(f"results: {path}")
    return 0


def print_search(search: dict[str, Any] | None) -> None:
    if search is None:
        return
    table = Table(title=f"Erlang A staffing search: today vs {search['baseline_rev']} (CPU ms, best of 7)")
    for col in (
        "round",
        "2,000 intervals: previous",
        "today",
        "speed-up",
        "one per call: previous",
        "today",
        "speed-up",
    ):
        table.add_column(col)
    for i, r in enumerate(search["rounds"], 1):
        table.add_row(
            str(i),
            f"{r['batch_previous_ms']:.1f}",
            f"{r['batch_today_ms']:.1f}",
            f"{r['batch_speedup']:.2f}×",
            f"{r['one_by_one_previous_ms']:.2f}",
            f"{r['one_by_one_today_ms']:.2f}",
            f"{r['one_by_one_speedup']:.2f}×",
        )
    console.print(table)
    console.print(
        "mixed batches of 400 (patience 5 s to 14 h, 0.05 to 3,000 Erlangs): "
        + ", ".join(
            f"{m['previous_ms']:.1f} → {m['today_ms']:.1f} ms ({m['speedup']:.2f}×)"
            for m in search["mixed_batches_400"]
        )
    )
    console.print(
        f"0 mismatches; figures within {max(search['max_relative_difference'].values()):.1e} (relative); "
        f"load average {', '.join(f'{v:.1f}' for v in search['load_average'])}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
