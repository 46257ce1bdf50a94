"""Start-up time of the command line, beside `python -c 'import django'` in the same run.

    uv run python benchmarks/bench_startup.py [--runs N]

Each command runs N times in a fresh process (a person's habit: one command, one process) against a
throw-away data directory with a migrated database; the median wall time is reported with its ratio
to the baseline, so a busy machine moves both. Also reports whether the numerics (NumPy/SciPy)
were imported, which a command that needs none must not do. Results go to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NUMERICS_PROBE = (
    "import sys, runpy; sys.argv = ['soms', *sys.argv[1:]];"
    "import atexit; atexit.register(lambda: print('NUMERICS', 'scipy' in sys.modules or 'numpy' in sys.modules, file=sys.stderr));"
    "runpy.run_module('soms.cli', run_name='__main__')"
)


def timed(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return times


def numerics_imported(args: list[str], env: dict[str, str]) -> bool:
    done = subprocess.run(
        [sys.executable, "-c", NUMERICS_PROBE, *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    return "NUMERICS True" in done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="soms-bench-startup-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOMS_", "DJANGO_"))}
    env |= {"SOMS_DATA_DIR": data, "DJANGO_SETTINGS_MODULE": "soms.settings"}
    subprocess.run([sys.executable, "-m", "soms.cli", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)

    soms = [sys.executable, "-m", "soms.cli"]
    cases = {
        "python -c 'import django' (baseline)": [sys.executable, "-c", "import django"],
        "soms --help": [*soms, "--help"],
        "soms framework list": [*soms, "framework", "list"],
    }
    timed(cases["soms --help"], env, 1)  # warm the file cache once, for every case alike
    results = {}
    for name, cmd in cases.items():
        times = timed(cmd, env, args.runs)
        results[name] = {"median_s": statistics.median(times), "min_s": min(times), "runs": times}
    for name, cmd in cases.items():
        if name.startswith("soms"):
            results[name]["imports_numerics"] = numerics_imported(cmd[3:], env)

    base = results["python -c 'import django' (baseline)"]["median_s"]
    print(f"{'command':<40} {'median':>8} {'min':>8} {'× baseline':>11}  numerics")
    for name, r in results.items():
        numerics = "" if "imports_numerics" not in r else ("yes" if r["imports_numerics"] else "no")
        print(
            f"{name:<40} {r['median_s']:>7.2f}s {r['min_s']:>7.2f}s {r['median_s'] / base:>10.1f}×  {numerics}"
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"load average (1 min) during the run: {load:.1f}" if load is not None else "")

    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "startup.json").write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(),
                "python": platform.python_version(),
                "load_1min": load,
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
