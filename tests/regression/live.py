"""A real server for availability tests: gunicorn as `soms start` runs it, on a fresh SQLite file in
a temporary data directory, in its own process group so it always stops."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SETUP = r"""
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
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


@contextmanager
def live_server(data_dir: Path, *, extra_env: dict[str, str] | None = None) -> Any:
    """Yields (base url, {username: API token}); alice and bob own one organisation each."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "soms.settings",
        "SOMS_ENV": "development",
        "SOMS_DATA_DIR": str(data_dir),
        "SOMS_DATABASE_URL": "",
        **(extra_env or {}),
    }
    # Migrating a fresh database takes about a minute when the machine is busy (2 cores, several
    # test suites at once); the bound only stops a setup that hangs.
    setup = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=600, check=True
    )
    tokens = json.loads(setup.stdout.strip().splitlines()[-1])
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
