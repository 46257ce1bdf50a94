"""`soms attainment show EMPLOYEE_ID --org SLUG [--at DATE] [--json] [--framework CODE --version LABEL]`
and `soms attainment recompute --org SLUG [--framework CODE --version LABEL]`.

`show` computes the person's attainment at `--at` (today by default) from the validated inputs:
per element the level held, since, refresh-due and expiry dates, status and what is missing for the
next level. Without `--framework`/`--version` it uses the newest version the person has attainment on.
`--json` prints `{"person": …, "standing": …, "elements": [...]}` (each element as
`soms.core.attainment.ElementAttainment.as_json()`). `recompute` rewrites the stored attainment of
every person of the organisation on each version they have inputs on, with a progress bar.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from soms.assessments.management.commands._common import organisation
from soms.core.dates import parse_day


class Command(BaseCommand):
    help = "Show a person's attainment (at any date), or recompute an organisation's stored attainment."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="show|recompute")
        show = sub.add_parser("show", help="a person's level per element, dates and what is missing")
        show.add_argument("employee_id")
        show.add_argument("--org", required=True, help="organisation slug")
        show.add_argument("--at", help="the date to answer for (YYYY-MM-DD; default today)")
        show.add_argument("--json", action="store_true", help="print JSON")
        show.add_argument("--framework", help="framework code (with --version)")
        show.add_argument("--version", help="version label (with --framework)")
        rec = sub.add_parser("recompute", help="recompute the stored attainment of the organisation's people")
        rec.add_argument("--org", required=True, help="organisation slug")
        rec.add_argument("--framework", help="only this framework code (with --version)")
        rec.add_argument("--version", help="only this version label (with --framework)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "show":
            self.show(options)
        else:
            self.recompute(options)

    def _version(self, org: Any, person: Any, options: dict[str, Any]) -> Any:
        from soms.assessments.selectors.profile import version_named, versions_of

        if bool(options.get("framework")) != bool(options.get("version")):
            raise CommandError("Give --framework and --version together.")
        if options.get("framework"):
            version = version_named(person, options["framework"], options["version"])
            if version is None:
                raise CommandError(f"No framework version {options['framework']} {options['version']!r}.")
            return version
        versions = versions_of(person)
        if not versions:
            raise CommandError(
                f"{person.employee_id} {person.name} has no attainment on any framework version yet: "
                "name one with --framework and --version."
            )
        if len(versions) > 1:
            others = ", ".join(f"{v.framework.code} {v.label}" for v in versions[1:])
            self.stderr.write(f"Showing {versions[0].framework.code} {versions[0].label} (also: {others}).")
        return versions[0]

    def show(self, options: dict[str, Any]) -> None:
        from soms.assessments.selectors.profile import attainment_at, attainment_json
        from soms.people.models import Person

        org = organisation(options["org"])
        person = Person.objects.filter(organisation=org, employee_id=options["employee_id"]).first()
        if person is None:
            raise CommandError(f"No person with employee id {options['employee_id']!r} in {org.slug}.")
        at = None
        if options["at"]:
            try:
                at = parse_day(options["at"])
            except ValueError as exc:
                raise CommandError(f"--at: {exc}.") from None
        version = self._version(org, person, options)
        view, result = attainment_at(person, version, at)
        if options["json"]:
            self.stdout.write(json.dumps(attainment_json(person, result), indent=2, ensure_ascii=False))
            return
        self.stdout.write(
            f"{person.employee_id} {person.name} — {version.framework.name} {version.label}, "
            f"at {result.as_of.isoformat()}: {view.standing or 'no overall standing'}"
        )
        for e in view.elements:
            dates = []
            if e.since:
                dates.append(f"since {e.since.isoformat()}")
            if e.refresh_due_on:
                dates.append(f"refresh due {e.refresh_due_on.isoformat()}")
            if e.expires_on:
                dates.append(f"expires {e.expires_on.isoformat()}")
            if e.lapsed_level:
                dates.append(
                    f"{e.lapsed_level.name} expired {e.lapsed_on.isoformat() if e.lapsed_on else ''}".strip()
                )
            level = e.level.name if e.level else "—"
            self.stdout.write(
                f"  {e.element.code}: {level} [{e.status_text}]" + (f" ({', '.join(dates)})" if dates else "")
            )
            if e.next_level is not None and (e.missing or e.missing_project):
                needs = [f"{m['statement']} ({m['reason_text']})" for m in e.missing]
                if e.missing_project:
                    needs.append(e.missing_project)
                self.stdout.write(f"      for {e.next_level.name}: {'; '.join(needs)}")

    def recompute(self, options: dict[str, Any]) -> None:
        from soms.assessments.models import Assessment, ChangeProject, PersonStanding
        from soms.assessments.services.validity import recompute_version_job
        from soms.frameworks.models import FrameworkVersion
        from soms.jobs.cli import job_run_in_foreground

        org = organisation(options["org"])
        if bool(options.get("framework")) != bool(options.get("version")):
            raise CommandError("Give --framework and --version together.")
        ids = (
            set(Assessment.objects.filter(organisation=org).values_list("version_id", flat=True))
            | set(ChangeProject.objects.filter(organisation=org).values_list("version_id", flat=True))
            | set(PersonStanding.objects.filter(organisation=org).values_list("version_id", flat=True))
        )
        versions = FrameworkVersion.objects.filter(pk__in=ids).select_related("framework").order_by("id")
        if options.get("framework"):
            versions = versions.filter(framework__code=options["framework"], label=options["version"])
        if not versions:
            self.stdout.write("Nothing to recompute: nobody has assessments or projects here.")
            return
        for version in versions:
            job = recompute_version_job(organisation=org, version=version, actor=None, enqueue=False)
            job = job_run_in_foreground(job, stdout=self.stdout)
            self.stdout.write(job.message)
