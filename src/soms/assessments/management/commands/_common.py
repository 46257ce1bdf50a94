"""What the assessments commands share: the organisation by slug, a historic file checked and
written with every problem listed by row and column (the people import's conventions)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from soms.tenancy.models import Organisation


def organisation(slug: str) -> Organisation:
    org = Organisation.objects.filter(slug=slug).first()
    if org is None:
        known = ", ".join(Organisation.objects.values_list("slug", flat=True)[:20]) or "none yet"
        raise CommandError(f"No organisation with slug {slug!r}. Known slugs: {known}.")
    return org


def run_import(cmd: BaseCommand, what: str, options: dict[str, Any]) -> None:
    from soms.assessments.services.history_import import apply_plan, check_file
    from soms.jobs.cli import job_run_in_foreground
    from soms.jobs.models import Job

    org = organisation(options["org"])
    path = Path(options["file"])
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    plan = check_file(
        organisation=org,
        what=what,
        filename=path.name,
        content=content,
        sheet=options.get("sheet"),
        framework=options.get("framework") or "",
        version=options.get("version") or "",
    )
    for note in plan.notes:
        cmd.stdout.write(note)
    if plan.problems:
        for p in plan.problems:
            where = f"row {p.row}, column {p.column}" if p.row else f"column {p.column}"
            cmd.stderr.write(
                f"{path.name}: {where}: {p.reason}" + (f" (value {p.value!r})" if p.value else "")
            )
        raise CommandError(f"{len(plan.problems)} problems in {path.name}; nothing was imported.")
    s = plan.summary(limit=20)
    if what == "assessments":
        cmd.stdout.write(
            f"{s['rows']} rows: {s['assessments']} validated assessments with {s['judgements']} judgements "
            f"of {s['people']} people."
        )
        for i in s["items"]:
            cmd.stdout.write(
                f"  row {i['row']} {i['person']}: {i['kind']} on {i['version']} by {i['assessor']}, "
                f"validated by {i['validated_by']} on {i['validated_on']} ({i['judgements']} judgements)"
            )
    else:
        cmd.stdout.write(
            f"{s['rows']} rows: {s['projects']} validated change projects of {s['people']} people."
        )
        for i in s["items"]:
            cmd.stdout.write(
                f"  row {i['row']} {i['project']} {i['title']} ({i['version']}): owners {i['owners']}, "
                f"areas {'; '.join(i['areas'])}, {i['status']}, validated on {i['validated_on']}"
            )
    if options["dry_run"]:
        cmd.stdout.write("Dry run: nothing was written.")
        return
    result = apply_plan(plan, organisation=org, actor=None, enqueue=False)
    for job_id in result["jobs"]:
        job_run_in_foreground(Job.objects.get(pk=job_id), stdout=cmd.stdout)
    counts = (
        f"{result['assessments']} assessments, {result['judgements']} judgements"
        if what == "assessments"
        else f"{result['projects']} change projects"
    )
    cmd.stdout.write(
        cmd.style.SUCCESS(
            f"Imported {path.name}: {counts}; attainment recomputed for {result['people']} people "
            f"(batch {result['batch']!r})."
        )
    )
