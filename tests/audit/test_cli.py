"""`soms audit templates` and `soms audit export`."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.audit.helpers import builtin_template, make_audit

pytestmark = pytest.mark.django_db


def test_templates_lists_the_builtin_one(world: Any) -> None:
    builtin_template()
    out = StringIO()
    call_command("audit", "templates", "--org", world.org_a.slug, stdout=out)
    assert "SOMS service audit 1 (built in" in out.getvalue()
    with pytest.raises(CommandError, match="--org"):
        call_command("audit", "templates", "--org", "nobody", stdout=StringIO())


def test_export_writes_each_format(world: Any, tmp_path: Path) -> None:
    audit = make_audit(world.org_a, world.alice)
    for fmt, magic in (("json", b"{"), ("xlsx", b"PK"), ("pdf", b"%PDF")):
        target = tmp_path / f"a.{fmt}"
        out = StringIO()
        call_command("audit", "export", str(audit.pk), "--format", fmt, "-o", str(target), stdout=out)
        assert target.read_bytes().startswith(magic), fmt
    assert "rule_text" in json.loads((tmp_path / "a.json").read_text())
    with pytest.raises(CommandError, match="no audit"):
        call_command("audit", "export", "999999", "--format", "json", stdout=StringIO())
