"""`soms check`: Django's system checks, which never create a database as a side effect.

Django runs its model checks against every database, and opening an SQLite database that does not
exist creates the file (or fails when its directory is missing). A check must only look, so with
no SQLite database on disk the checks that need one are skipped and the deploy check says so.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.check import Command as DjangoCheck

from soms.tenancy.checks import sqlite_database_missing


class Command(DjangoCheck):
    def handle(self, *app_labels: Any, **options: Any) -> None:
        if not options.get("databases") and sqlite_database_missing():
            options["databases"] = []
        super().handle(*app_labels, **options)
