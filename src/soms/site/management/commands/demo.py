from typing import Any

from django.core.management.base import BaseCommand

from soms.site.seeding import DEMO_LOGINS, seed_demo


def report(command: BaseCommand, result: Any) -> None:
    command.stdout.write(command.style.SUCCESS("Demo data is in place: " + "; ".join(result.organisations)))
    for note in result.notes:
        command.stdout.write(f"  · {note}")
    if result.admin_password:
        command.stdout.write("")
        command.stdout.write(command.style.WARNING("Sign in with these credentials (shown only this once):"))
        command.stdout.write(f"    username: {result.admin_username}")
        command.stdout.write(f"    password: {result.admin_password}")
        logins = ", ".join(f"{login} ({role})" for login, role in DEMO_LOGINS.items())
        command.stdout.write(f"The demo logins {logins} use the same password.")
        command.stdout.write("")
    else:
        command.stdout.write(
            f"The demo admin '{result.admin_username}' already exists; its password was printed when it was "
            f"created. Set a new one with: soms changepassword {result.admin_username}"
        )


class Command(BaseCommand):
    help = "Create or complete the demo organisations, people and data (safe to run again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--people",
            type=int,
            default=0,
            help="also build a large organisation with this many people (e.g. 50000)",
        )
        parser.add_argument(
            "--teams", type=int, default=0, help="… in this many teams (default: people / 25)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.core.management.base import CommandError

        people, teams = options["people"], options["teams"]
        if people < 0 or teams < 0 or people > 1_000_000 or teams > 100_000:
            raise CommandError("--people takes 0 to 1,000,000 and --teams 0 to 100,000")
        report(self, seed_demo())
        if people:
            self.large(people, teams or max(1, people // 25))

    def large(self, people: int, teams: int) -> None:
        import sys

        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from soms.insights.scale import HISTORY_MONTHS, attainment_summary, large_assessments
        from soms.insights.selectors.picture import default_version
        from soms.people.demo import large_organisation

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not sys.stderr.isatty(),
        ) as bar:
            task = bar.add_task("Large demo: people", total=people)
            org = large_organisation(
                people=people,
                teams=teams,
                progress=lambda stage, done, total: bar.update(task, completed=done),
            )
            version = default_version(org.pk)
            if version is not None:
                stages = {
                    "assessments": bar.add_task("Large demo: assessments", total=people),
                    "history": bar.add_task("Large demo: past months' snapshots", total=HISTORY_MONTHS),
                    "attainment": bar.add_task("Large demo: attainment", total=people),
                }
                written, recomputed = large_assessments(
                    org,
                    version,
                    progress=lambda stage, done, total: bar.update(
                        stages[stage], completed=done, total=total
                    ),
                )
        self.stdout.write(self.style.SUCCESS(f"{org.name} is in place (slug {org.slug})."))
        if version is not None:
            counts = attainment_summary(org, version)
            self.stdout.write(
                f"  · {written:,} validated assessments written, attainment of {recomputed:,} people "
                f"recomputed on {version.framework.name} {version.label}: "
                + ", ".join(f"{n:,} {status.replace('_', ' ')}" for status, n in sorted(counts.items()))
            )
