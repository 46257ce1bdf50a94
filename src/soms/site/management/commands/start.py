from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from soms.audit.services.templates import builtin_audit_templates_load
from soms.frameworks.services.versions import builtin_frameworks_load
from soms.site.management.commands.demo import report
from soms.site.seeding import seed_demo


class Command(BaseCommand):
    help = (
        "Prepare the database (migrate, built-in frameworks, demo data) and serve SOMS with a production "
        "server (gunicorn) that also serves the static files. Safe to run again: all data is kept."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument("--workers", type=int, default=2, help="Server processes (default 2).")
        parser.add_argument("--no-demo", action="store_true", help="Do not create the demo organisations.")
        parser.add_argument(
            "--dev", action="store_true", help="Use Django's auto-reloading development server."
        )
        parser.add_argument("--prepare-only", action="store_true", help="Prepare everything, then exit.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a background-job worker beside the server (run `soms worker` yourself).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["port"] < 65536:
            raise CommandError(f"--port {options['port']}: use a port between 1 and 65535")
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if not options["dev"]:
            collect_static()
        builtin_frameworks_load()
        builtin_audit_templates_load()
        if not options["no_demo"]:
            report(self, seed_demo())
        url = f"http://{options['host']}:{options['port']}/"
        base_url_default(options["host"], options["port"])
        if options["prepare_only"]:
            self.stdout.write(self.style.SUCCESS(f"Ready. `soms start` serves it at {url}"))
            return
        connections.close_all()  # no connection may cross the fork into the server's workers
        # The auto-reloader runs this command again in a child process; only the outer one starts a worker.
        reloaded_child = os.environ.get("RUN_MAIN") == "true"
        worker = None if options["no_worker"] or reloaded_child else start_worker()
        self.stdout.write(self.style.SUCCESS(f"SOMS is running at {url}  (Ctrl+C stops it)"))
        try:
            if options["dev"]:
                # A plain SIGTERM would end this process without stopping the worker beside it.
                signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
                call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=True)
                return
            from soms.server import PortInUse, serve

            try:
                serve(host=options["host"], port=options["port"], workers=options["workers"])
            except PortInUse as exc:
                raise CommandError(str(exc)) from None
        finally:
            stop_worker(worker)


STATIC_STAMP = ".soms-collected"


def static_fingerprint() -> str:
    """What the collected static files are made from: every file the static finders find (its path,
    size and modification time) and the storage that collects them."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr(settings.STORAGES.get("staticfiles")).encode())
    found = []
    for finder in get_finders():
        for path, storage in finder.list([]):
            info = os.stat(storage.path(path))
            found.append(f"{storage.location}\0{path}\0{info.st_size}\0{info.st_mtime_ns}")
    for line in sorted(found):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def collect_static() -> bool:
    """`collectstatic`, unless what it would collect is what it collected last time (compressing
    every file again cost a start 30-40 s of CPU for nothing). Answers whether it ran."""
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage

    root = Path(settings.STATIC_ROOT)
    stamp = root / STATIC_STAMP
    fingerprint = static_fingerprint()
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if (
        stamp.is_file()
        and stamp.read_text() == fingerprint
        and (manifest is None or (root / manifest).is_file())
    ):
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint)
    return True


def base_url_default(host: str, port: int) -> str:
    """Links in mails (invitations) point at SOMS_BASE_URL; when it is not given, at this server's
    own address and port, for the server and for the worker started beside it. An address that
    listens everywhere is linked as 127.0.0.1: set SOMS_BASE_URL to the name people open."""
    from django.conf import settings

    if os.environ.get("SOMS_BASE_URL", "").strip():
        return str(settings.SOMS_BASE_URL)
    shown = "127.0.0.1" if host in {"0.0.0.0", "", "::", "[::]"} else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    url = f"http://{shown}:{port}"
    os.environ["SOMS_BASE_URL"] = url
    settings.SOMS_BASE_URL = url
    return url


def start_worker() -> subprocess.Popen[bytes]:
    """`soms worker` in a process of its own, so that README command 1 runs background jobs too."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "soms.settings")}
    return subprocess.Popen([sys.executable, "-m", "soms.cli", "worker", "--verbosity", "0"], env=env)


def stop_worker(worker: subprocess.Popen[bytes] | None, timeout: float = 30) -> None:
    # SIGTERM lets the job in hand finish; a worker that will not stop in time is killed.
    if worker is None or worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
