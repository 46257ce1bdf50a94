"""`soms assessments import`, `soms projects import`, `soms attainment show|recompute`,
`soms assessments carry-over`."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from soms.assessments.models import Assessment, ChangeProject, ElementAttainment
from tests.assessments.test_carryover_and_validity import new_version
from tests.people.helpers import csv_bytes

HEAD = [
    "employee_id",
    "framework",
    "version",
    "statement",
    "kind",
    "judgement",
    "assessor",
    "validated_by",
    "validated_on",
]


def _cx_dl(emp: str, on: str) -> list[list[str]]:
    codes = ["CX-F1", "CX-P1", "DL-F1", "DL-F2"]
    return [[emp, "soms", "2016", c, "coach", "met", "dana", "E002", on] for c in codes]


def test_import_show_and_recompute(org: Any, soms_version: Any, tmp_path: Any, capsys: Any) -> None:
    slug = org.world.org_a.slug
    f = tmp_path / "history.csv"
    f.write_bytes(csv_bytes([HEAD, *_cx_dl("E003", "2025-01-10")]))
    call_command("assessments", "import", str(f), "--org", slug, "--dry-run")
    out = capsys.readouterr().out
    assert "1 validated assessments with 4 judgements" in out and "Dry run" in out
    assert not Assessment.objects.exists()
    call_command("assessments", "import", str(f), "--org", slug)
    assert "Imported history.csv: 1 assessments, 4 judgements" in capsys.readouterr().out

    call_command("attainment", "show", "E003", "--org", slug, "--json")
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"person", "standing", "elements"}
    cx = next(e for e in data["elements"] if e["element"] == "customer-experience")
    assert cx["level"] == "practitioner" and cx["since"] == "2025-01-10" and cx["status"] == "held"
    assert cx["missing"]["level"] == "senior-practitioner" and cx["missing"]["project"]["min_areas"] == 2
    call_command(
        "attainment",
        "show",
        "E003",
        "--org",
        slug,
        "--at",
        "2025-01-09",
        "--framework",
        "soms",
        "--version",
        "2016",
    )
    out = capsys.readouterr().out
    assert "at 2025-01-09" in out and "customer-experience: — [Not held]" in out
    call_command("attainment", "show", "E003", "--org", slug)
    out = capsys.readouterr().out
    assert "customer-experience: Practitioner [Held] (since 2025-01-10)" in out
    assert "for Senior Practitioner" in out

    ElementAttainment.objects.all().delete()
    call_command("attainment", "recompute", "--org", slug)
    assert "Recomputed the attainment of 1 people" in capsys.readouterr().out
    assert ElementAttainment.objects.filter(person=org.people["E003"]).exists()


def test_bad_rows_and_unknown_names(org: Any, soms_version: Any, tmp_path: Any, capsys: Any) -> None:
    slug = org.world.org_a.slug
    f = tmp_path / "history.csv"
    f.write_bytes(
        csv_bytes([HEAD, ["E999", "soms", "2016", "CX-F1", "coach", "met", "dana", "E002", "2025-01-10"]])
    )
    with pytest.raises(CommandError, match="1 problems in history.csv; nothing was imported"):
        call_command("assessments", "import", str(f), "--org", slug)
    assert "row 2, column employee_id" in capsys.readouterr().err
    with pytest.raises(CommandError, match="No person with employee id 'E999'"):
        call_command("attainment", "show", "E999", "--org", slug)
    with pytest.raises(CommandError, match="no attainment"):
        call_command("attainment", "show", "E003", "--org", slug)
    with pytest.raises(CommandError, match="not a date"):
        call_command("attainment", "show", "E003", "--org", slug, "--at", "soon")
    with pytest.raises(CommandError, match="--at: must be a date between 1900-01-01 and 2100-12-31"):
        call_command("attainment", "show", "E003", "--org", slug, "--at", "0001-01-01")


def test_projects_import_and_carry_over(org: Any, soms_version: Any, tmp_path: Any, capsys: Any) -> None:
    slug = org.world.org_a.slug
    f = tmp_path / "projects.csv"
    f.write_bytes(
        csv_bytes(
            [
                [
                    "project",
                    "title",
                    "owners",
                    "areas",
                    "status",
                    "started_on",
                    "completed_on",
                    "validated_by",
                    "validated_on",
                ],
                [
                    "CP-9",
                    "Queue redesign",
                    "E003",
                    "customer-experience;delivery",
                    "completed",
                    "2024-02-01",
                    "2024-09-01",
                    "dana",
                    "2024-09-20",
                ],
            ]
        )
    )
    call_command("projects", "import", str(f), "--org", slug, "--framework", "soms", "--version", "2016")
    assert "1 change projects" in capsys.readouterr().out
    assert ChangeProject.objects.get().validated_on == date(2024, 9, 20)

    h = tmp_path / "history.csv"
    h.write_bytes(csv_bytes([HEAD, *_cx_dl("E003", "2025-01-10")]))
    call_command("assessments", "import", str(h), "--org", slug)
    capsys.readouterr()
    new_version(org, soms_version)
    call_command(
        "assessments", "carry-over", "--org", slug, "--from", "soms:2016", "--to", "soms-a:2026", "--dry-run"
    )
    out = capsys.readouterr().out
    assert "1 people on soms 2016: 3 judgements carry to soms-a 2026" in out and "Dry run" in out
    call_command(
        "assessments",
        "carry-over",
        "--org",
        slug,
        "--from",
        "soms:2016",
        "--to",
        "soms-a:2026",
        "--person",
        "E003",
    )
    assert "Carried 3 judgements of 1 people" in capsys.readouterr().out
    with pytest.raises(CommandError, match="CODE:LABEL"):
        call_command("assessments", "carry-over", "--org", slug, "--from", "soms", "--to", "soms-a:2026")
