"""`soms insights rollups [--org SLUG] [--version ID]`: rebuild the unit rollups from scratch."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from soms.assessments.models import ElementAttainment
from soms.frameworks.models import FrameworkVersion
from soms.insights import rollups
from soms.insights.models import RollupState
from soms.tenancy.models import Organisation


class Command(BaseCommand):
    help = "Insights upkeep: rebuild the per-unit rollups the dashboards read."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{rollups}")
        r = sub.add_parser(
            "rollups",
            help="recount every unit's rollups from the people and attainment tables (all "
            "organisations and the versions they have attainment or rollups on, unless narrowed)",
        )
        r.add_argument("--org", "--organisation", dest="org", help="only this organisation (its slug)")
        r.add_argument("--version", type=int, help="only this framework version (its id)")

    def handle(self, *args: Any, **options: Any) -> None:
        orgs = Organisation.objects.order_by("pk")
        if options.get("org"):
            orgs = orgs.filter(slug=options["org"])
            if not orgs.exists():
                raise CommandError(f"--org: no organisation with the slug {options['org']!r}")
        total = 0
        for org in orgs:
            wanted = set(
                ElementAttainment.objects.filter(organisation=org)
                .values_list("version_id", flat=True)
                .distinct()
            ) | set(RollupState.objects.filter(organisation=org).values_list("version_id", flat=True))
            if options.get("version") is not None:
                wanted &= {options["version"]}
            for version in FrameworkVersion.objects.filter(pk__in=wanted).order_by("pk"):
                start = time.perf_counter()
                rows = rollups.rebuild(org.pk, version)
                total += rows
                self.stdout.write(
                    f"{org.slug}: {version}: {rows:,} unit rows in {time.perf_counter() - start:.1f} s"
                )
        self.stdout.write(f"rebuilt {total:,} unit rows")
