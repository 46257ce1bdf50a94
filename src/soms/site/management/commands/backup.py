"""`soms backup FILE`: a consistent archive of this installation (every table, every uploaded file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from soms.site.backup import BackupError, backup_target_problem, backup_write
from soms.site.management.commands.restore import progress_bar


class Command(BaseCommand):
    help = (
        "Write a backup of this installation (database rows and uploaded files) to FILE, a zip archive. "
        "Safe while SOMS runs: the rows are read in one snapshot without blocking anyone. The archive "
        "is readable by its owner only (it holds password hashes)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="The archive to write, e.g. soms-2026-12-01.zip")
        parser.add_argument("--force", action="store_true", help="Overwrite FILE if it exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["file"])
        problem = backup_target_problem(target, force=options["force"])
        if problem:
            raise CommandError(f"FILE: {problem}")
        with progress_bar(quiet=options["verbosity"] == 0) as report:
            try:
                manifest = backup_write(target, progress=report)
            except BackupError as exc:
                raise CommandError(str(exc)) from None
            except DatabaseError as exc:
                raise CommandError(f"cannot read the database: {exc}".strip()) from None
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {rows} rows in {len(manifest['tables'])} tables and {len(manifest['files'])} files "
                f"to {target}"
            )
        )
