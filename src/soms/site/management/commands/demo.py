from typing import Any

from django.core.management.base import BaseCommand

from soms.site.seeding import seed_demo


def report(command: BaseCommand, result: Any) -> None:
    command.stdout.write(command.style.SUCCESS("Demo data is in place: " + "; ".join(result.organisations)))
    for note in result.notes:
        command.stdout.write(f"  · {note}")
    if result.admin_password:
        command.stdout.write("")
        command.stdout.write(command.style.WARNING("Sign in with these credentials (shown only this once):"))
        command.stdout.write(f"    username: {result.admin_username}")
        command.stdout.write(f"    password: {result.admin_password}")
        command.stdout.write("")
    else:
        command.stdout.write(
            f"The demo admin '{result.admin_username}' already exists; its password was printed when it was "
            f"created. Set a new one with: soms changepassword {result.admin_username}"
        )


class Command(BaseCommand):
    help = "Create or complete the demo organisations, people and data (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        report(self, seed_demo())
