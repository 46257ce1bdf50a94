"""`soms restore FILE`: load a backup into an empty installation (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from soms.site.backup import BackupError, Progress, restore_read


@contextmanager
def progress_bar(*, quiet: bool) -> Iterator[Progress]:
    """A rich progress bar (on stderr, shown only on a terminal) fed with (what, done, total)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet or not console.is_terminal,
    )
    tasks: dict[str, Any] = {}

    def report(what: str, done: int, total: int) -> None:
        if what not in tasks:
            tasks[what] = bar.add_task(what, total=total)
        bar.update(tasks[what], completed=done, total=total)

    with bar:
        yield report


class Command(BaseCommand):
    help = (
        "Restore a backup made by `soms backup` into this installation, which must hold no data yet "
        "(a new SOMS_DATA_DIR or database; it is migrated first). Works across SQLite and PostgreSQL."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="The archive `soms backup` wrote")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"FILE: {source} does not exist")
        call_command("migrate", interactive=False, verbosity=0)
        with progress_bar(quiet=options["verbosity"] == 0) as report:
            try:
                manifest = restore_read(source, progress=report)
            except BackupError as exc:
                raise CommandError(f"nothing was restored: {exc}") from None
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {rows} rows in {len(manifest['tables'])} tables and {len(manifest['files'])} files "
                f"from {source} (made {manifest['created_at']} on {manifest['database']})"
            )
        )
