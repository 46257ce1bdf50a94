from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from soms.people.models import Person
from tests.people.helpers import csv_bytes

pytestmark = pytest.mark.django_db


def test_import_dry_run_then_import_then_export(world, tmp_path, capsys):
    f = tmp_path / "hr.csv"
    f.write_bytes(
        csv_bytes([["employee_id", "name", "unit"], ["1", "One", "Ops"], ["2", "Two", "Ops/North"]])
    )
    call_command("people", "import", str(f), "--org", world.org_a.slug, "--dry-run")
    out = capsys.readouterr().out
    assert "2 to create" in out and "Dry run" in out
    assert not Person.objects.exists()
    call_command("people", "import", str(f), "--org", world.org_a.slug)
    assert "2 created" in capsys.readouterr().out
    out_file = tmp_path / "out.xlsx"
    call_command("people", "export", "--org", world.org_a.slug, "--format", "xlsx", "-o", str(out_file))
    assert out_file.read_bytes()[:2] == b"PK"
    call_command("people", "export", "--org", world.org_a.slug)
    assert "2,Two,,,,Ops/North" in capsys.readouterr().out


def test_bad_file_lists_rows_and_writes_nothing(world, tmp_path, capsys):
    f = tmp_path / "hr.csv"
    f.write_bytes(csv_bytes([["employee_id", "name", "start_date"], ["1", "One", "yesterday"]]))
    with pytest.raises(CommandError, match="1 problems in hr.csv; nothing was imported"):
        call_command("people", "import", str(f), "--org", world.org_a.slug)
    assert "row 2, column start_date" in capsys.readouterr().err
    with pytest.raises(CommandError, match="No organisation with slug 'nope'"):
        call_command("people", "import", str(f), "--org", "nope")
    assert not Person.objects.exists()
