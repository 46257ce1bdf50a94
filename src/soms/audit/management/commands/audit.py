"""`soms audit templates --org SLUG` and `soms audit export ID --format pdf|xlsx|json [-o FILE]`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q

from soms.audit.jobs import FORMATS, audit_report_job, report_filename
from soms.audit.models import Audit, AuditTemplate, TemplateStatus
from soms.audit.services.templates import builtin_audit_templates_load
from soms.jobs.cli import job_run_in_foreground
from soms.jobs.services import job_start
from soms.toolkits.saved.command import organisation_for


class Command(BaseCommand):
    help = "Service audits: the templates an organisation can use, and an audit's results as a file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{templates,export}")
        t = sub.add_parser("templates", help="the templates an organisation can audit against")
        t.add_argument("--org", required=True, help="the organisation's slug")
        t.add_argument("--drafts", action="store_true", help="list the organisation's drafts too")
        e = sub.add_parser("export", help="an audit's results as PDF, XLSX or JSON")
        e.add_argument("id", type=int, help="the audit's id (see its page's address)")
        e.add_argument("--format", required=True, choices=FORMATS)
        e.add_argument(
            "-o", "--output", help="file to write; '-' for standard output (default: audit-ID-DATE.FORMAT)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "templates":
            self._templates(options)
        else:
            self._export(options)

    def _templates(self, options: dict[str, Any]) -> None:
        org = organisation_for(options["org"])
        builtin_audit_templates_load()
        wanted = Q(organisation__isnull=True, status=TemplateStatus.PUBLISHED) | Q(organisation=org)
        if not options["drafts"]:
            wanted &= Q(status=TemplateStatus.PUBLISHED)
        rows = AuditTemplate.objects.filter(wanted).select_related("framework_version__framework")
        self.stdout.write(f"{'id':>5}  {'status':<9}  {'rule':<13}  {'questions':>9}  template")
        for t in rows:
            origin = "built in" if t.is_builtin else org.slug
            self.stdout.write(
                f"{t.pk:>5}  {t.status:<9}  {t.rule:<13}  {t.questions.count():>9}  {t.name} {t.label} ({origin}; {t.framework_version})"
            )

    def _export(self, options: dict[str, Any]) -> None:
        audit = Audit.objects.select_related("organisation").filter(pk=options["id"]).first()
        if audit is None:
            raise CommandError(
                f"no audit with id {options['id']}; its id is in its page's address (/audits/ID/)"
            )
        fmt = options["format"]
        with transaction.atomic():
            job = job_start(
                job_function=audit_report_job,
                organisation=audit.organisation,
                owner=None,
                title=f"{fmt.upper()} report of {audit.title}",
                params={"audit_id": audit.pk, "fmt": fmt},
                total=3,
                enqueue=False,
            )
        quiet = options["output"] == "-"
        job = job_run_in_foreground(job, stdout=self.stderr if quiet else self.stdout, quiet=quiet)
        data = job.result_file.read()
        if options["output"] == "-":
            sys.stdout.buffer.write(data)
            return
        path = Path(options["output"] or report_filename(audit, fmt))
        path.write_bytes(data)
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {path} ({len(data):,} bytes): {audit.title}, {audit.scope_name}")
        )
