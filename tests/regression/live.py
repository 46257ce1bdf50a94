"""A real server for availability tests: gunicorn as `soms start` runs it, on a freshly migrated
SQLite file in a temporary data directory (a copy of one set up once per test run), in its own
process group so it always stops; and B's side of those tests (`b_works_while`): bob signs in and
writes while organisation A does something large."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.migrated import migrated_data_dir, shared_template

PASSWORD = "correct horse battery staple"

SETUP = r"""
import json, django
django.setup()
from soms.tenancy.services import api_token_create, organisation_create, user_create
out = {}
for name in ("alice", "bob"):
    user = user_create(username=name, password="correct horse battery staple")
    org = organisation_create(name=f"{name} org", owner=user, actor=user)
    out[name] = api_token_create(user=user, organisation=org, name="live")[1]
print(json.dumps(out))
"""

SERVE = r"""
import sys
from soms.server import serve
serve(host="127.0.0.1", port=int(sys.argv[1]), workers=2)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


TOKENS = "live-tokens.json"


def _set_up(template: Path) -> None:
    """Migrated, its static files collected (tests/migrated.py), alice and bob with their tokens."""
    migrated_data_dir(template, static=True)
    setup = subprocess.run(
        [sys.executable, "-c", SETUP],
        env=_server_env(template),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    (template / TOKENS).write_text(setup.stdout.strip().splitlines()[-1])


def _server_env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "soms.settings",
        "SOMS_ENV": "development",
        "SOMS_DATA_DIR": str(data_dir),
        "SOMS_DATABASE_URL": "",
    }


@contextmanager
def live_server(data_dir: Path, *, extra_env: dict[str, str] | None = None) -> Any:
    """Yields (base url, {username: API token}); alice and bob own one organisation each.
    `extra_env` goes to the server and its worker (settings such as batch sizes)."""
    env = _server_env(data_dir)
    # Set up once per test run and copied: migrating and collecting the static files cost a busy
    # machine a minute or more.
    template = shared_template("live", _set_up)
    tokens = json.loads((template / TOKENS).read_text())
    shutil.copytree(template, data_dir, dirs_exist_ok=True)
    env |= extra_env or {}
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    # Background jobs (large imports and exports) run in a worker beside the server, as `soms start`
    # runs one.
    worker = subprocess.Popen(
        [sys.executable, "-m", "soms.cli", "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:  # refused, reset or timed out while the workers boot
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        yield base, tokens
    finally:
        for child in (proc, worker):
            os.killpg(child.pid, signal.SIGTERM)
        for child in (proc, worker):
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()


class Browser:
    """A person's session: cookies, CSRF token from the forms, redirects not followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect()
        )

    def request(
        self, method: str, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ):
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def sign_in(self, username: str, password: str) -> int:
        status, body = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert status == 200 and token, status
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password}
        ).encode()
        status, _ = self.request(
            "POST",
            "/login/",
            form,
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.base + "/login/"},
        )
        return status


def api(base: str, token: str, method: str, path: str, body: Any = None, raw: bytes | None = None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(
        base + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def b_round(base: str, token: str, n: int) -> list[tuple[str, int, float]]:
    """Sign in as bob and create a framework in B; (what, status, seconds) for each."""
    out = []
    started = time.perf_counter()
    status = Browser(base).sign_in("bob", PASSWORD)
    out.append(("sign-in", status, time.perf_counter() - started))
    started = time.perf_counter()
    status, _ = api(base, token, "POST", "/api/v1/frameworks", {"code": f"b-{n}", "name": f"B {n}"})
    out.append(("write", status, time.perf_counter() - started))
    return out


@dataclass
class BesideA:
    """B's requests on an idle server (the slowest of each kind) and while A worked."""

    baseline: dict[str, float]
    during: list[tuple[str, int, float]]

    def check(self, *, at_least: int, facts: object = None) -> float:
        """Every one of B's requests succeeded and none was more than a second slower than idle;
        returns the worst slow-down."""
        assert len(self.during) >= at_least, ("B made too few requests while A worked", self.during)
        failures = [r for r in self.during if r[1] not in (201, 302)]
        assert failures == [], failures
        slowed = [
            (what, round(s - self.baseline[what], 2))
            for what, _, s in self.during
            if s - self.baseline[what] > 1.0
        ]
        assert slowed == [], (slowed, self.baseline, facts)
        return max(s - self.baseline[what] for what, _, s in self.during)


def b_works_while(base: str, token: str, a_works: Callable[[], None], *, within: float) -> BesideA:
    """Measures B's rounds on the idle server (which warms both workers), then runs `a_works` in a
    thread and has B sign in and write again and again until it ends (at most `within` seconds)."""
    idle = [r for n in range(4) for r in b_round(base, token, n)]
    assert all(status in (201, 302) for _, status, _ in idle), idle
    baseline = {what: max(s for w, _, s in idle if w == what) for what, _, _ in idle}
    thread = threading.Thread(target=a_works)
    thread.start()
    during: list[tuple[str, int, float]] = []
    n = 100
    deadline = time.monotonic() + within
    while thread.is_alive() and time.monotonic() < deadline:
        during += b_round(base, token, n)
        n += 1
    thread.join(timeout=within)
    assert not thread.is_alive(), f"A's work did not finish within {within:.0f} s"
    return BesideA(baseline, during)
