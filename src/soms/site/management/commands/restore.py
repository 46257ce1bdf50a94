"""`soms restore FILE [--check]`: load a backup into an empty installation (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from soms.core.problems import Invalid
from soms.site.backup import (
    MAX_PROBLEMS,
    BackupError,
    Progress,
    installation_problems,
    restore_check,
    restore_write,
)


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
        "(a new SOMS_DATA_DIR or database). The whole archive is read and checked first; only then is "
        "the database migrated and the backup written, in one transaction, so a bad archive changes "
        "nothing. Works across SQLite and PostgreSQL."
    )

    # The system checks would connect to the database: an archive is refused before anything opens it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="The archive `soms backup` wrote")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only read and check the archive (every row and file); touch no database.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not source.exists():
            raise CommandError(f"FILE: {source} does not exist")
        if not source.is_file():
            raise CommandError(f"FILE: {source} is not a file")
        quiet = options["verbosity"] == 0
        with progress_bar(quiet=quiet) as report:
            try:
                checked = restore_check(source, progress=report)
            except Invalid as exc:
                for problem in exc.problems:
                    self.stderr.write(": ".join([source.name, *(str(p) for p in problem.loc), problem.msg]))
                many = len(exc.problems) >= MAX_PROBLEMS
                raise CommandError(
                    f"{len(exc.problems)}{' or more' if many else ''} problem{'s' if len(exc.problems) > 1 else ''} "
                    f"in {source}; nothing was restored (the database was not touched)"
                ) from None
        manifest = checked.manifest
        with checked.archive:
            summary = (
                f"{manifest.rows} rows in {len(manifest.tables)} tables and {len(manifest.files)} files "
                f"(made {manifest.created_at} on {manifest.database})"
            )
            if options["check"]:
                self.stdout.write(self.style.SUCCESS(f"Checked {source}: {summary}; nothing was written"))
                return
            try:
                refused = installation_problems(manifest)
                if refused:
                    raise CommandError(f"nothing was restored: {'; '.join(refused)}")
                with progress_bar(quiet=quiet) as report:
                    restore_write(checked, progress=report)
            except BackupError as exc:
                raise CommandError(f"nothing was restored, the database is as it was: {exc}") from None
            except DatabaseError as exc:
                raise CommandError(
                    f"nothing was restored, the database is as it was: {exc}".strip()
                ) from None
        self.stdout.write(self.style.SUCCESS(f"Restored {summary} from {source}"))
