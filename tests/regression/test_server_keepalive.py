"""Connections reset by peer under load (issue 8): gunicorn closed idle keep-alive connections after
its default 2 s, so a client reusing one after about two seconds met a closed or resetting socket.
`soms start` keeps them for KEEPALIVE_SECONDS; this runs the real server options."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time

from soms.server import KEEPALIVE_SECONDS, gunicorn_options
from tests.regression.live import free_port

SERVE = r"""
import sys
from soms.server import gunicorn_options, serve_wsgi

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]

options = gunicorn_options(host="127.0.0.1", port=int(sys.argv[1]), workers=1)
options["accesslog"] = None
serve_wsgi(lambda: app, options)
"""


def test_idle_connections_outlive_what_clients_keep():
    assert gunicorn_options(host="127.0.0.1", port=1, workers=1)["keepalive"] == KEEPALIVE_SECONDS >= 60


def test_a_connection_reused_after_a_few_idle_seconds_is_still_served():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port)], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            try:
                conn.request("GET", "/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        assert conn.getresponse().read() == b"ok"
        time.sleep(2.5)  # longer than gunicorn's default keep-alive
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"ok"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
