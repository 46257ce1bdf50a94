"""The production server: gunicorn with threaded workers, static files from WhiteNoise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

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


def serve_wsgi(load: Callable[[], Any], options: dict[str, Any]) -> None:
    _Server(options, load).run()


def serve(*, host: str, port: int, workers: int) -> None:
    serve_wsgi(_soms_application, gunicorn_options(host=host, port=port, workers=workers))
