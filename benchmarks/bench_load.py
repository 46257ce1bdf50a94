"""Load: 20 concurrent clients against SOMS served by `soms start` (gunicorn), on SQLite and on
PostgreSQL, beside the same requests against one minimal Django view served the same way.

    uv run python benchmarks/bench_load.py [--requests 100] [--clients 20] [--cap 120] [--no-postgres]

Each client signs in once (a browser session, for the pages) and then sends a fixed mix of four
pages and four API reads (`--requests` per client, in the same order for every client, shifted so
that they do not move in step), over one keep-alive connection, as a browser would. Nothing is
retried: a reset, a closed connection, a timeout or any answer other than 200 counts as an error.
A run stops at the request count or after `--cap` seconds, whichever comes first.

Only loopback addresses are used; the servers run on ports 8104 (SOMS) and 8114 (baseline), each
in its own process group, and are stopped at the end. Data lives in /tmp/soms-bench-*; PostgreSQL
uses its own database `soms_bench` on 127.0.0.1:5432 (`--postgres-url` to change). Results go to
benchmarks/results/load-*.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
APP_PORT = 8104
BASELINE_PORT = 8114
PASSWORD = "bench-password-not-secret"

SETUP = r"""
import json, django
django.setup()
from django.contrib.auth import get_user_model
from soms.frameworks.models import FrameworkVersion
from soms.tenancy.models import Organisation, Role
from soms.tenancy.services import api_token_create, membership_set, user_create
org = Organisation.objects.order_by("pk").first()
user = get_user_model().objects.filter(username="bench").first()
if user is None:
    user = user_create(username="bench", password=%(password)r)
    membership_set(organisation=org, user=user, role=Role.MEMBER, actor=None)
token = api_token_create(user=user, organisation=org, name="bench")[1]
version = FrameworkVersion.objects.filter(framework__organisation__isnull=True, framework__code="soms").first()
print(json.dumps({"token": token, "version": version.pk}))
"""

BASELINE = r"""
import sys
sys.path.insert(0, %(benchmarks)r)
from minimal_app import application_loader
from soms.server import gunicorn_options, serve_wsgi
options = gunicorn_options(host=%(host)r, port=%(port)d, workers=%(workers)d)
options["accesslog"] = None
serve_wsgi(application_loader, options)
"""


def mix(version: int) -> list[tuple[str, bool]]:
    """(path, is_api) in the order each client sends them."""
    return [
        ("/", False),
        ("/api/v1/me", True),
        ("/frameworks/", False),
        ("/api/v1/frameworks", True),
        (f"/frameworks/versions/{version}/", False),
        (f"/api/v1/framework-versions/{version}", True),
        ("/capacity/", False),
        ("/api/v1/capacity/studies", True),
    ]


# --- servers -------------------------------------------------------------------------------------


def soms_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "soms.settings",
        "SOMS_ENV": "development",
        "SOMS_DATA_DIR": str(data_dir),
        "SOMS_DATABASE_URL": database_url,
        "SOMS_LOG_LEVEL": "ERROR",
    }
    # The benchmark measures serving, not throttling: one user sends far more than a person would.
    for group in ("GRID", "EXPORT", "IMPORT", "CAPACITY"):
        for who in ("USER", "ORG"):
            env[f"SOMS_RATE_{group}_{who}"] = "1000000/m"
    return env


def soms_command() -> list[str]:
    return [sys.executable, "-m", "soms.cli"]


def wait_ready(base_port: int, proc: subprocess.Popen[bytes], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server on port {base_port} stopped with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, base_port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server on port {base_port} did not answer within {seconds:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def start_soms(env: dict[str, str], workers: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            *soms_command(),
            "start",
            "--no-demo",
            "--host",
            HOST,
            "--port",
            str(APP_PORT),
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_ready(APP_PORT, proc)
    return proc


def start_baseline(workers: int) -> subprocess.Popen[bytes]:
    code = BASELINE % {
        "benchmarks": str(ROOT / "benchmarks"),
        "host": HOST,
        "port": BASELINE_PORT,
        "workers": workers,
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_ready(BASELINE_PORT, proc)
    return proc


def prepare(env: dict[str, str]) -> dict[str, Any]:
    """Migrate, built-ins and demo data (kept between runs), then the benchmark's own member."""
    subprocess.run(
        [*soms_command(), "start", "--prepare-only"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    out = subprocess.run(
        [sys.executable, "-c", SETUP % {"password": PASSWORD}],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def ensure_postgres_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


# --- clients -------------------------------------------------------------------------------------


def sign_in(port: int) -> str:
    """A session cookie header for the benchmark member."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/login/")
    response = conn.getresponse()
    body = response.read()
    cookies = {c.split("=", 1)[0]: c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []}
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if token is None:
        raise RuntimeError(f"no sign-in form on port {port} (status {response.status})")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1).decode(), "username": "bench", "password": PASSWORD}
    )
    conn.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(cookies.values()),
            "Referer": f"http://{HOST}:{port}/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    for c in response.headers.get_all("Set-Cookie") or []:
        cookies[c.split("=", 1)[0]] = c.split(";", 1)[0]
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"sign-in failed on port {port}: {response.status}")
    return "; ".join(v for k, v in cookies.items() if k == "sessionid")


def run_load(
    port: int,
    requests: list[tuple[str, bool]],
    *,
    clients: int,
    per_client: int,
    cap: float,
    cookie: list[str],
    token: str,
) -> dict[str, Any]:
    latencies: list[float] = []
    by_path: dict[str, list[float]] = {}
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + cap
    start = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        mine_by_path: list[tuple[str, float]] = []
        failed: Counter[str] = Counter()
        start.wait()
        for i in range(per_client):
            if time.monotonic() > stop_at:
                break
            path, is_api = requests[(i + n) % len(requests)]
            headers = {"Authorization": f"Bearer {token}"} if is_api else {"Cookie": cookie[n]}
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                elapsed = time.perf_counter() - began
                if response.status != 200:
                    failed[f"HTTP {response.status}"] += 1
                else:
                    mine.append(elapsed)
                    mine_by_path.append((path, elapsed))
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                failed[type(exc).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.update(failed)
            for path, elapsed in mine_by_path:
                by_path.setdefault(path, []).append(elapsed)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    began = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else float("nan")

    return {
        "ok": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "wall_s": round(wall, 1),
        "req_per_s": round((len(latencies) + sum(errors.values())) / wall, 1),
        "median_ms_by_path": {p: round(statistics.median(v) * 1000, 1) for p, v in by_path.items()},
    }


# --- the run -------------------------------------------------------------------------------------


def measure(name: str, env: dict[str, str], args: argparse.Namespace) -> list[dict[str, Any]]:
    print(f"== {name}: preparing (migrate, built-ins, demo) …", flush=True)
    ids = prepare(env)
    requests = mix(ids["version"])
    rows = []
    baseline = start_baseline(args.workers)
    try:
        load = os.getloadavg()[0]
        result = run_load(
            BASELINE_PORT,
            requests,
            clients=args.clients,
            per_client=args.requests,
            cap=args.cap,
            cookie=["sessionid=none"] * args.clients,
            token="none",
        )
        rows.append({"target": f"minimal Django view ({name} run)", "load_before": round(load, 2), **result})
    finally:
        stop(baseline)
    app = start_soms(env, args.workers)
    try:
        cookies = [sign_in(APP_PORT) for _ in range(args.clients)]
        # One warm-up pass per client so that first-request imports are not measured.
        run_load(
            APP_PORT,
            requests,
            clients=args.clients,
            per_client=len(requests),
            cap=args.cap,
            cookie=cookies,
            token=ids["token"],
        )
        load = os.getloadavg()[0]
        result = run_load(
            APP_PORT,
            requests,
            clients=args.clients,
            per_client=args.requests,
            cap=args.cap,
            cookie=cookies,
            token=ids["token"],
        )
        rows.append({"target": f"SOMS on {name}", "load_before": round(load, 2), **result})
    finally:
        stop(app)
    for row in rows:
        print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=100, help="requests per client (default 100)")
    parser.add_argument("--cap", type=float, default=120.0, help="seconds a run may last at most")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes, as `soms start`")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/soms_bench")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--app-port", type=int, default=APP_PORT)
    parser.add_argument(
        "--baseline-port",
        type=int,
        default=BASELINE_PORT,
        help="may equal --app-port: they run one after the other",
    )
    parser.add_argument(
        "--data-prefix", default="/tmp/soms-bench", help="data directories: PREFIX-sqlite, PREFIX-postgres"
    )
    args = parser.parse_args()
    # Several people may share a machine: each run on its own ports and data directories.
    globals().update(APP_PORT=args.app_port, BASELINE_PORT=args.baseline_port)

    rows: list[dict[str, Any]] = []
    if not args.no_sqlite:
        rows += measure("SQLite", soms_env(Path(f"{args.data_prefix}-sqlite"), ""), args)
    if not args.no_postgres:
        try:
            ensure_postgres_database(args.postgres_url)
        except Exception as exc:  # noqa: BLE001 - say why and go on with what can be measured
            print(f"PostgreSQL skipped: {exc}")
        else:
            rows += measure(
                "PostgreSQL", soms_env(Path(f"{args.data_prefix}-postgres"), args.postgres_url), args
            )

    print()
    print(
        f"{args.clients} clients x {args.requests} requests, cap {args.cap:.0f} s, {args.workers} workers x 4 threads"
    )
    print("| target | load before | ok | errors | p50 ms | p95 ms | p99 ms | req/s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        kinds = ", ".join(f"{k} {v}" for k, v in r["error_kinds"].items())
        print(
            f"| {r['target']} | {r['load_before']} | {r['ok']} | {r['errors']}{f' ({kinds})' if kinds else ''} | "
            f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['req_per_s']} |"
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"load-{stamp}.json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
