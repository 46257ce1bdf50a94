"""`soms cron`: run the periodic jobs that are due, once, and exit. Meant for cron or a systemd timer."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from soms.jobs.schedule import cron_run, periodic_jobs


class Command(BaseCommand):
    help = (
        "Run the periodic jobs that are due (housekeeping and later nightly recomputation) once, then exit."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--list", action="store_true", help="List the periodic jobs and when they are due."
        )
        parser.add_argument("--force", action="store_true", help="Run every periodic job now, due or not.")
        parser.add_argument("--only", metavar="NAME", help="Run only the jobs whose name contains NAME.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for job in periodic_jobs():
                self.stdout.write(f"{job.name}  every {job.every}")
            return
        outcomes = cron_run(force=options["force"], only=options["only"])
        if options["only"] and not outcomes:
            raise CommandError(
                f"--only {options['only']!r}: no periodic job has that in its name (see --list)"
            )
        for o in outcomes:
            if o.ran:
                line = f"{o.name}: {o.message}"
                self.stdout.write(self.style.SUCCESS(line) if o.ok else self.style.ERROR(line))
            elif options["verbosity"] > 1:
                self.stdout.write(f"{o.name}: not due")
        if any(not o.ok for o in outcomes):
            raise CommandError("a periodic job failed; see above")
