"""`soms projects import FILE --org SLUG [--framework CODE --version LABEL] [--dry-run] [--sheet NAME]`.

Loads validated change projects (columns in `soms.assessments.services.history_import`). Which
framework version's areas apply comes from the file's `framework` and `version` columns or, for
rows without them, from `--framework` and `--version`. The whole file is checked first; nothing is
written unless it is clean. Acts as the installation's operator (the audit log shows no actor).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from soms.assessments.management.commands._common import run_import


class Command(BaseCommand):
    help = "Import historic validated change projects from CSV or XLSX (all or nothing)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="import")
        imp = sub.add_parser("import", help="import validated change projects (all or nothing)")
        imp.add_argument("file")
        imp.add_argument("--org", required=True, help="organisation slug")
        imp.add_argument("--framework", help="framework code for rows without a framework column")
        imp.add_argument("--version", help="version label for rows without a version column")
        imp.add_argument("--dry-run", action="store_true", help="only check and show what would be written")
        imp.add_argument("--sheet", help="the sheet to read from an XLSX workbook with several")

    def handle(self, *args: Any, **options: Any) -> None:
        run_import(self, "projects", options)
