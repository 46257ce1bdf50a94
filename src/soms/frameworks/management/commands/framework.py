"""`soms framework list | show ID | import FILE | export ID | schema`: frameworks on the command line.

The command line acts as the operator of the installation: it sees every organisation's frameworks
unless --org narrows it, and imports on behalf of no user (the audit log shows no actor).
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q, QuerySet

from soms.frameworks import io
from soms.frameworks.document import FrameworkDocument
from soms.frameworks.models import FrameworkVersion
from soms.frameworks.selectors.versions import VersionIncomplete
from soms.frameworks.services.exchange import (
    ImportAs,
    ImportNeedsChoice,
    framework_import_read,
    framework_import_start,
    framework_import_write,
    framework_version_export,
)
from soms.tenancy.models import Organisation

SCHEMA_PATH = Path("schemas/soms-framework-1.schema.json")


def document_schema() -> str:
    """The JSON Schema of the native format, as checked into schemas/."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "soms-framework-1.schema.json",
        **FrameworkDocument.model_json_schema(),
    }
    schema["title"] = "SOMS framework document (soms-framework/1)"
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "List, show, import and export frameworks (YAML, JSON, CSV, CASE 1.1)."
    # The system checks import every page and API module (the URL check) to look at configuration
    # this command never uses; `soms check`, `start` and `migrate` still run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="list|show|import|export|schema")
        ls = sub.add_parser("list", help="every framework version, with the id to show or export it")
        ls.add_argument("--org", help="only what this organisation (slug) can read")
        show = sub.add_parser("show", help="one version: levels, elements and statement counts")
        show.add_argument("id", type=int, help="version id (see `soms framework list`)")
        show.add_argument("--org", help="refuse versions this organisation (slug) cannot read")
        imp = sub.add_parser("import", help="import a file as a new framework or version")
        imp.add_argument("file", help="path of the file, or - for standard input")
        imp.add_argument("--org", help="organisation slug; needed when there are several")
        imp.add_argument("--format", choices=io.FORMATS, help="default: from the extension, then the content")
        imp.add_argument("--publish", action="store_true", help="publish at once (default: draft)")
        choice = imp.add_mutually_exclusive_group()
        choice.add_argument(
            "--as-version",
            nargs="?",
            const="",
            metavar="LABEL",
            help="import as the next version of the framework with the file's code (default label: the next free one)",
        )
        choice.add_argument(
            "--as-framework",
            nargs="?",
            const="",
            metavar="CODE",
            help="import as a new framework (default code: a free one derived from the file's)",
        )
        imp.add_argument("--name", help="with --as-framework: the new framework's name")
        exp = sub.add_parser("export", help="write a version as a file")
        exp.add_argument("id", type=int, help="version id (see `soms framework list`)")
        exp.add_argument("--format", choices=io.FORMATS, required=True)
        exp.add_argument("-o", "--output", help="file to write (default: standard output)")
        exp.add_argument("--org", help="refuse versions this organisation (slug) cannot read")
        schema = sub.add_parser("schema", help="the JSON Schema of the YAML/JSON format")
        schema.add_argument("-o", "--output", help=f"file to write (e.g. {SCHEMA_PATH})")
        schema.add_argument("--check", action="store_true", help="fail when the file differs from the model")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(options)

    # -- helpers -----------------------------------------------------------------------------

    def organisation(self, slug: str | None, *, required: bool) -> Organisation | None:
        if slug:
            found = Organisation.objects.filter(slug=slug).first()
            if found is None:
                known = ", ".join(Organisation.objects.values_list("slug", flat=True)[:20]) or "none yet"
                raise CommandError(f"No organisation with slug {slug!r}. Known slugs: {known}.")
            return found
        if not required:
            return None
        orgs = list(Organisation.objects.all()[:2])
        if not orgs:
            raise CommandError("There is no organisation yet; create one (or run `soms demo`) first.")
        if len(orgs) > 1:
            raise CommandError("There are several organisations: name one with --org SLUG.")
        return orgs[0]

    def versions(self, organisation: Organisation | None) -> QuerySet[FrameworkVersion]:
        qs = FrameworkVersion.objects.select_related("framework", "framework__organisation")
        if organisation is not None:
            qs = qs.filter(Q(framework__organisation__isnull=True) | Q(framework__organisation=organisation))
        return qs

    def version(self, version_id: int, org_slug: str | None) -> FrameworkVersion:
        organisation = self.organisation(org_slug, required=False)
        version = self.versions(organisation).filter(pk=version_id).first()
        if version is None:
            raise CommandError(
                f"No framework version with id {version_id}; `soms framework list` shows them."
            )
        return version

    # -- sub-commands ------------------------------------------------------------------------

    def do_list(self, options: dict[str, Any]) -> None:
        organisation = self.organisation(options.get("org"), required=False)
        rows = list(
            self.versions(organisation)
            .annotate(n=Count("statements"))
            .order_by("framework__organisation__name", "framework__code", "created_at")
        )
        code_width = max([len("FRAMEWORK"), *(len(v.framework.code) for v in rows)])
        label_width = max([len("VERSION"), *(len(v.label) for v in rows)])
        self.stdout.write(
            f"{'ID':>5}  {'FRAMEWORK':<{code_width}}  {'VERSION':<{label_width}}  {'STATUS':<10} "
            f"{'STATEMENTS':>10}  OWNER"
        )
        for v in rows:
            owner = v.framework.organisation.slug if v.framework.organisation else "(built in)"
            self.stdout.write(
                f"{v.pk:>5}  {v.framework.code:<{code_width}}  {v.label:<{label_width}}  {v.status:<10} "
                f"{v.n:>10}  {owner}"
            )

    def do_show(self, options: dict[str, Any]) -> None:
        version = self.version(options["id"], options.get("org"))
        fw = version.framework
        self.stdout.write(f"{fw.name} ({fw.code}) {version.label} · {version.get_status_display()}")
        if version.attribution:
            self.stdout.write(version.attribution)
        levels = list(version.levels.all())
        self.stdout.write("Levels: " + ", ".join(f"{lv.rank}. {lv.name} ({lv.code})" for lv in levels))
        counts = {
            (row["element_id"], row["level_id"]): row["n"]
            for row in version.statements.values("element_id", "level_id").annotate(n=Count("id"))
        }
        self.stdout.write("Elements (statements per level):")
        for el in version.elements.all():
            per_level = " / ".join(str(counts.get((el.pk, lv.pk), 0)) for lv in levels)
            self.stdout.write(f"  {el.code:<28} {per_level:<12} {el.name}")

    def do_import(self, options: dict[str, Any]) -> None:
        organisation = self.organisation(options.get("org"), required=True)
        assert organisation is not None
        name = options["file"]
        if name == "-":
            data, filename = sys.stdin.buffer.read(), ""
        else:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file")
            try:
                io.check_size(path.stat().st_size)
            except io.FrameworkImportError as exc:
                raise CommandError(f"{name}: {exc}") from None
            data, filename = path.read_bytes(), path.name
        as_version, as_framework = options.get("as_version"), options.get("as_framework")
        import_as: ImportAs | None = None
        if as_version is not None:
            import_as = "version"
        elif as_framework is not None:
            import_as = "framework"
        try:
            read = framework_import_read(
                organisation=organisation,
                data=data,
                filename=filename,
                format=options.get("format"),
                import_as=import_as,
                label=as_version or None,
                code=as_framework or None,
                name=options.get("name"),
            )
            if read.runs_in_background:
                version = self._import_as_job(organisation, read, filename, options["publish"])
            else:
                version = framework_import_write(
                    organisation=organisation,
                    actor=None,
                    read=read,
                    filename=filename,
                    publish=options["publish"],
                )
        except ImportNeedsChoice as exc:
            clash = exc.clash
            how = [f"  --as-framework {clash.suggested_code} --name {clash.suggested_name!r}"]
            if clash.framework is not None:
                how.insert(0, f"  --as-version {clash.suggested_label}")
            raise CommandError(
                f"{name or 'input'}: nothing was imported. {clash.reason} {clash.offer()}\n"
                f"Run the same command again with one of:\n" + "\n".join(how)
            ) from None
        except io.FrameworkImportError as exc:
            lines = "\n".join(f"  {p}" for p in exc.problems)
            help = "".join(f"\n{h}" for h in exc.help)
            raise CommandError(
                f"{name or 'input'}: {len(exc.problems)} problem(s); nothing was imported:\n{lines}{help}"
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {version.framework.name} {version.label} into {organisation.slug} as "
                f"{version.status} version {version.pk} ({version.statements.count()} statements)."
            )
        )
        for warning in version.import_warnings:
            self.stdout.write(self.style.WARNING(f"  note: {warning}"))

    def _import_as_job(
        self, organisation: Organisation, read: Any, filename: str, publish: bool
    ) -> FrameworkVersion:
        """A file the page and the API would write in a background job (more than
        BACKGROUND_IMPORT_STATEMENTS statements) is written by the same job, run here in the
        foreground with a progress bar; it shows in the organisation's jobs as well."""
        from soms.jobs.cli import job_run_in_foreground

        job = framework_import_start(
            organisation=organisation,
            actor=None,
            read=read,
            filename=filename,
            publish=publish,
            enqueue=False,
        )
        job_run_in_foreground(job, stdout=self.stdout)
        document = read.document
        version = FrameworkVersion.objects.select_related("framework").get(
            framework__organisation=organisation,
            framework__code=document.framework.code,
            label=document.version.label,
        )
        version.import_warnings = read.warnings
        return version

    def do_export(self, options: dict[str, Any]) -> None:
        version = self.version(options["id"], options.get("org"))
        try:
            rendered = framework_version_export(version=version, format=options["format"])
        except VersionIncomplete as exc:
            raise CommandError(str(exc)) from None
        if options.get("output"):
            Path(options["output"]).write_bytes(rendered.content)
            self.stderr.write(f"Wrote {options['output']} ({len(rendered.content):,} bytes).")
        else:
            self.stdout.flush()
            sys.stdout.buffer.write(rendered.content)
            sys.stdout.flush()

    def do_schema(self, options: dict[str, Any]) -> None:
        text = document_schema()
        target = options.get("output")
        if options["check"]:
            path = Path(target or SCHEMA_PATH)
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                raise CommandError(
                    f"{path} is out of date with FrameworkDocument; run `soms framework schema -o {path}`."
                )
            self.stdout.write(f"{path} is up to date.")
        elif target:
            Path(target).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {target}.")
        else:
            self.stdout.write(text, ending="")
