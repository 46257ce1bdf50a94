"""`soms people import FILE --org SLUG [--dry-run] [--deactivate-missing] [--clear-empty] [--sheet NAME]`
and `soms people export --org SLUG [--format csv|xlsx] [-o FILE]`
and `soms people team-units [--org SLUG] [--fix]`: people whose team is outside their unit (left by
team moves before those moved their people; the nightly report lists them too), and with --fix
(one organisation) each moved to their team's unit, audited, revision on.

The command line acts as the operator of the installation (the audit log shows no actor). An import
checks the whole file first and lists every problem by row and column; nothing is written unless
the file is clean.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from soms.people.errors import PeopleConflict
from soms.people.io.plan import Options
from soms.tenancy.models import Organisation


class Command(BaseCommand):
    help = "Import people and structure from an HR file (CSV or XLSX), or export them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="import|export|team-units")
        imp = sub.add_parser("import", help="import people from a CSV or XLSX file (all or nothing)")
        imp.add_argument("file")
        imp.add_argument("--org", required=True, help="organisation slug")
        imp.add_argument("--dry-run", action="store_true", help="only check and show what would change")
        imp.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="deactivate active people of the organisation who are not in the file",
        )
        imp.add_argument("--clear-empty", action="store_true", help="an empty cell clears the field")
        imp.add_argument("--sheet", help="the sheet to read from an XLSX workbook with several")
        exp = sub.add_parser("export", help="export people in the import's columns")
        exp.add_argument("--org", required=True, help="organisation slug")
        exp.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        exp.add_argument("-o", "--output", help="file to write (default: standard output for CSV)")
        tu = sub.add_parser(
            "team-units", help="list people whose team is outside their unit; --fix moves them"
        )
        tu.add_argument("--org", help="organisation slug (default: every organisation; required with --fix)")
        tu.add_argument("--fix", action="store_true", help="move each to their team's unit (audited)")

    def organisation(self, slug: str) -> Organisation:
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            known = ", ".join(Organisation.objects.values_list("slug", flat=True)[:20]) or "none yet"
            raise CommandError(f"No organisation with slug {slug!r}. Known slugs: {known}.")
        return org

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self.do_import(options)
        elif options["action"] == "team-units":
            self.do_team_units(options)
        else:
            self.do_export(options)

    def do_import(self, options: dict[str, Any]) -> None:
        from soms.jobs.cli import job_run_in_foreground
        from soms.people.services.imports import people_import_apply_later, people_import_check

        org = self.organisation(options["org"])
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        opts = Options(clear_empty=options["clear_empty"], deactivate_missing=options["deactivate_missing"])
        # The same stored check and the same job as the page and the API: the file is kept, checked,
        # and applied by the job in this process (it shows in the organisation's jobs as well).
        record, plan = people_import_check(
            organisation=org,
            filename=path.name,
            content=content,
            options=opts,
            actor=None,
            sheet=options["sheet"],
            enqueue=False,
        )
        if plan is None and record.job is not None:
            # A large file: its rows are checked by the job, here in the foreground with a bar.
            job_run_in_foreground(record.job, stdout=self.stdout)
            record.refresh_from_db()
        for note in record.summary.get("notes", []):
            self.stdout.write(note)
        problems = record.problems
        if problems:
            if problems[0]["row"] is None and problems[0]["column"] == "file":
                raise CommandError(f"{path.name}: {problems[0]['reason']}")  # unreadable as a whole
            for p in problems:
                where = f"row {p['row']}, column {p['column']}" if p["row"] else f"column {p['column']}"
                self.stderr.write(
                    f"{path.name}: {where}: {p['reason']}"
                    + (f" (value {p['value']!r})" if p["value"] else "")
                )
            raise CommandError(f"{len(problems)} problems in {path.name}; nothing was imported.")
        s = record.summary
        self.stdout.write(
            f"{s['rows']} rows: {s['create']} to create, {s['update']} to change, {s['unchanged']} unchanged, "
            f"{s['deactivate']} to deactivate; {s['new_units_count']} new units, {s['new_teams_count']} new teams."
        )
        for u in s["updates"][:20]:
            changes = ", ".join(f"{f}: {a} → {b}" for f, a, b in u["changes"])
            self.stdout.write(f"  row {u['row']} {u['employee_id']} {u['name']}: {changes}")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
            return
        try:
            job = people_import_apply_later(record=record, actor=None, enqueue=False)
        except PeopleConflict as exc:
            raise CommandError(str(exc)) from None
        job = job_run_in_foreground(job, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(job.message))

    def do_export(self, options: dict[str, Any]) -> None:
        from soms.jobs.cli import job_run_in_foreground
        from soms.people.services.exports import people_export_later

        org = self.organisation(options["org"])
        fmt = options["format"]
        if fmt == "xlsx" and not options["output"]:
            raise CommandError("XLSX is binary: give a file with -o FILE.")
        # The same job as a large export from the page or the API, run here with a progress bar: on
        # standard error when the CSV itself goes to standard output.
        job = people_export_later(organisation=org, actor=None, fmt=fmt, enqueue=False)
        job = job_run_in_foreground(job, stdout=self.stdout if options["output"] else self.stderr)
        with job.result_file.open("rb") as f:
            data = f.read()
        if options["output"]:
            Path(options["output"]).write_bytes(data)
            self.stdout.write(f"Wrote {options['output']}: {job.message.split(':')[0]}.")
        else:
            self.stdout.write(data.decode("utf-8"), ending="")

    def do_team_units(self, options: dict[str, Any]) -> None:
        from soms.people.services.consistency import people_team_unit_repair, people_team_unit_report

        org = self.organisation(options["org"]) if options["org"] else None
        if options["fix"]:
            if org is None:
                raise CommandError("--fix repairs one organisation at a time: give it with --org SLUG.")
            moved = people_team_unit_repair(organisation=org, actor=None)
            for r in moved:
                self.stdout.write(f"  moved {r.employee_id} {r.name}: {r.unit or 'no unit'} → {r.team_unit}")
            self.stdout.write(
                self.style.SUCCESS(f"{org.slug}: moved {len(moved)} people to their team's unit.")
            )
        report = people_team_unit_report(org)
        if not report:
            self.stdout.write("No person's team is outside their unit.")
            return
        slugs = dict(Organisation.objects.filter(pk__in=report).values_list("pk", "slug"))
        for org_id, rows in sorted(report.items(), key=lambda kv: slugs[kv[0]]):
            self.stdout.write(f"{slugs[org_id]}: {len(rows)} people whose team is outside their unit")
            for r in rows:
                self.stdout.write(f"  {r.describe()}")
        if not options["fix"]:
            self.stdout.write("Repair with: soms people team-units --org SLUG --fix")
