"""`soms assessments import FILE --org SLUG [--dry-run] [--sheet NAME]` and
`soms assessments carry-over --org SLUG --from CODE:LABEL --to CODE:LABEL [--person EMPLOYEE_ID] [--dry-run]`.

`import` loads historic validated judgements (columns in `soms.assessments.services.history_import`):
the whole file is checked first, every problem listed by row and column, and nothing is written
unless it is clean. `carry-over` moves people's validated judgements from one framework version to a
newer one along the recorded statement mappings (`soms.assessments.services.carryover`) and lists
what is to re-assess. Both act as the installation's operator (the audit log shows no actor).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from soms.assessments.management.commands._common import organisation, run_import


class Command(BaseCommand):
    help = "Import historic validated assessments, or carry judgements over to a new framework version."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="import|carry-over")
        imp = sub.add_parser("import", help="import validated judgements from CSV or XLSX (all or nothing)")
        imp.add_argument("file")
        imp.add_argument("--org", required=True, help="organisation slug")
        imp.add_argument("--dry-run", action="store_true", help="only check and show what would be written")
        imp.add_argument("--sheet", help="the sheet to read from an XLSX workbook with several")
        carry = sub.add_parser("carry-over", help="carry validated judgements to a newer framework version")
        carry.add_argument("--org", required=True, help="organisation slug")
        carry.add_argument(
            "--from", dest="source", required=True, metavar="CODE:LABEL", help="e.g. soms:2016"
        )
        carry.add_argument("--to", dest="target", required=True, metavar="CODE:LABEL")
        carry.add_argument("--person", help="one person's employee id (default: everyone on the old version)")
        carry.add_argument("--dry-run", action="store_true", help="only show what would carry and what not")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            run_import(self, "assessments", options)
        else:
            self.carry_over(options)

    def carry_over(self, options: dict[str, Any]) -> None:
        from soms.assessments.services import carryover
        from soms.core.problems import Invalid
        from soms.jobs.cli import job_run_in_foreground
        from soms.jobs.models import Job
        from soms.people.models import Person

        org = organisation(options["org"])
        try:
            source = carryover.version_by_name(org, options["source"], "from")
            target = carryover.version_by_name(org, options["target"], "to")
            people = None
            if options["person"]:
                person = Person.objects.filter(organisation=org, employee_id=options["person"]).first()
                if person is None:
                    raise CommandError(f"No person with employee id {options['person']!r} in {org.slug}.")
                people = [person.pk]
            plan = carryover.plan_carry_over(
                organisation=org, source=source, target=target, person_ids=people
            )
        except Invalid as exc:
            raise CommandError(str(exc)) from None
        s = plan.summary(limit=50)
        self.stdout.write(
            f"{s['people']} people on {s['source']}: {s['carried']} judgements carry to {s['target']} "
            f"in {s['assessments']} assessments; {s['to_reassess']} statements to re-assess; "
            f"{s['already']} people carried before."
        )
        for p in s["items"]:
            self.stdout.write(
                f"  {p['person']}: {p['carried']} carried, to re-assess: {', '.join(p['to_reassess'][:12]) or 'nothing'}"
                + (" …" if len(p["to_reassess"]) > 12 else "")
            )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
            return
        result = carryover.apply_carry_over(plan, organisation=org, actor=None, enqueue=False)
        for job_id in result["jobs"]:
            job_run_in_foreground(Job.objects.get(pk=job_id), stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Carried {result['judgements']} judgements of {result['people']} people to {s['target']} "
                f"in {result['assessments']} assessments."
            )
        )
