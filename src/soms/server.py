"""The production server: gunicorn with threaded workers, static files from WhiteNoise."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from soms.limits import GUNICORN_REQUEST_LINE

KEEPALIVE_SECONDS = 75


def gunicorn_options(*, host: str, port: int, workers: int) -> dict[str, Any]:
    """How `soms start` runs gunicorn (the load benchmark serves its baseline the same way)."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 120,
        # Keep idle connections longer than clients (browsers, proxies with their usual 60 s) keep
        # them: gunicorn's default of 2 s closed connections that clients were about to reuse, and
        # a request sent just as the server closed came back as "connection reset by peer" (the
        # probe's 0.1-0.3 % under 20 clients, more on SQLite, whose slower tail left pooled
        # connections idle for about 2 s more often). Idle connections wait in the poller, not in
        # a thread, so holding them costs a file descriptor each.
        "keepalive": KEEPALIVE_SECONDS,
        # A listening socket of its own per worker (SO_REUSEPORT), so the kernel spreads new
        # connections over the workers. With the one socket they shared, whichever worker woke
        # first accepted a burst of connections and kept them: under the load benchmark 19 of the
        # 20 keep-alive connections sat on one worker, which did all the work on one core while
        # the other worker idled. (`serve` checks first that nobody else listens on the port,
        # since sockets with this option may share a port.)
        "reuse_port": True,
        # gunicorn's default of 4,094 bytes answered a longer request line itself, with a bare HTML
        # 414 (HTML on /api/ too). At its maximum, addresses up to MAX_URL_LENGTH are served and the
        # longer ones below this reach SOMS, which answers them in its own words (LongAddressMiddleware).
        "limit_request_line": GUNICORN_REQUEST_LINE,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "warning",
    }


class _Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types: its base is Any
    def __init__(self, options: dict[str, Any], load: Callable[[], Any]) -> None:
        self.options = options
        self._load = load
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._load()


def _soms_application() -> Any:
    from soms.wsgi import application

    return application


class PortInUse(Exception):
    pass


def _check_port_free(bind: str) -> None:
    """Fail when something already listens on `bind`: with `reuse_port` the workers' sockets
    would otherwise join another server's on the same port and share its traffic."""
    host, _, port = bind.rpartition(":")
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no obstacle
        try:
            probe.bind((host.strip("[]"), int(port)))
        except OSError as exc:
            raise PortInUse(f"cannot listen on {bind}: {exc.strerror or exc}") from None


def serve_wsgi(load: Callable[[], Any], options: dict[str, Any]) -> None:
    if options.get("reuse_port"):
        _check_port_free(options["bind"])
    _Server(options, load).run()


def serve(*, host: str, port: int, workers: int) -> None:
    serve_wsgi(_soms_application, gunicorn_options(host=host, port=port, workers=workers))
