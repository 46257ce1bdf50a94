"""`soms kpi …`, `soms vsm …` and friends: figures, JSON, saving, and errors that name the line."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from soms.toolkits.models.saved import ValueStreamMap
from tests.toolkits.practice.conftest import INPUTS, a_kpi, saved

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_kpi_nps_reads_the_score_column_and_prints_counts(tmp_path):
    f = tmp_path / "responses.csv"
    f.write_text('id,score,comment\n1,10,great\n2,9,"ok, fine"\n3,6,slow\n4,8,\n5,0,bad\n6,10,\n')
    text = run("kpi", "nps", str(f))
    assert "NPS +16.7 from 6 responses" in text
    assert "promoters (9–10): 3   passives (7–8): 1   detractors (0–6): 2" in text
    assert json.loads(run("kpi", "nps", str(f), "--json"))["promoters"] == 3


def test_kpi_nps_bad_rows_are_named(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("score\n10\n11\nx\n")
    with pytest.raises(CommandError) as e:
        run("kpi", "nps", str(f))
    assert "line 3, column score: 11 is outside 0–10" in str(e.value)
    assert "line 4, column score" in str(e.value)
    f.write_text("rating\n3\n")
    with pytest.raises(CommandError, match="needs a 'score' column"):
        run("kpi", "nps", str(f))
    with pytest.raises(CommandError, match="cannot read"):
        run("kpi", "nps", str(tmp_path / "missing.csv"))


def test_kpi_csat_and_sla(tmp_path):
    f = tmp_path / "csat.csv"
    f.write_text("score\n5\n4\n3\n2\n5\n")
    assert "CSAT 60.0 % from 5 responses" in run("kpi", "csat", str(f))
    t = tmp_path / "tickets.csv"
    t.write_text(
        "id,opened,resolved,priority\nA,2026-01-09T16:00,2026-01-12T10:00,P1\nB,2026-01-12T09:00,2026-01-12T15:00,P2\n"
    )
    text = run(
        "kpi", "sla", str(t), "--target", "P1=4", "--target", "P2=8", "--business-hours", "09:00-17:00"
    )
    assert "SLA attainment 100.0 %" in text
    assert "SLA attainment 50.0 %" in run("kpi", "sla", str(t), "--target", "P1=4", "--target", "P2=8")
    with pytest.raises(CommandError, match="line 3, column priority"):
        run("kpi", "sla", str(t), "--target", "P1=4")
    with pytest.raises(CommandError, match="--target"):
        run("kpi", "sla", str(t), "--target", "P1")


def test_kpi_list(world):
    a_kpi(world)
    assert "Claims paid in 10 days: no value" in run("kpi", "list", "--org", world.org_a.slug)
    with pytest.raises(CommandError, match="--org"):
        run("kpi", "list", "--org", "nope")


def test_vsm_analyse_save_list_export(world, tmp_path):
    f = tmp_path / "vsm.json"
    f.write_text(json.dumps(INPUTS["value_stream"]))
    text = run("vsm", "analyse", str(f))
    assert "153.75 minutes" in text and "26.8 %" in text and "68.4 %" in text
    run("vsm", "analyse", str(f), "--save", "--org", world.org_a.slug, "--name", "From the CLI")
    m = ValueStreamMap.objects.get()
    assert m.organisation == world.org_a and m.name == "From the CLI"
    assert "From the CLI" in run("vsm", "list", "--org", world.org_a.slug)
    assert run("vsm", "export", str(m.pk), "--org", world.org_a.slug, "--format", "csv").startswith("metric,")
    with pytest.raises(CommandError, match="no value stream map"):
        run("vsm", "export", str(m.pk), "--org", world.org_b.slug)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"current": {"steps": [{"name": "A", "process_time": -3}]}}))
    with pytest.raises(CommandError, match=r"current\.steps\.0\.process_time: must be at least 0"):
        run("vsm", "analyse", str(bad))
    bad.write_text("{")
    with pytest.raises(CommandError, match="not JSON"):
        run("vsm", "analyse", str(bad))
    # A JSON file is read as the API reads a body: one value per key, numbers as numbers.
    bad.write_text('{"current": {"steps": [{"name": "A", "name": "B", "process_time": 3}]}}')
    with pytest.raises(CommandError, match=r"current\.steps\[0\]\.name: the key 'name' appears twice"):
        run("vsm", "analyse", str(bad))
    bad.write_text(json.dumps({"current": {"steps": [{"name": "A", "process_time": "3"}]}}))
    with pytest.raises(CommandError, match=r"current\.steps\.0\.process_time: must be a number, not text"):
        run("vsm", "analyse", str(bad))
    assert ValueStreamMap.objects.count() == 1


def test_delivery_and_stakeholders_commands(world, tmp_path):
    f = tmp_path / "d.json"
    f.write_text(json.dumps(INPUTS["delivery_system"]))
    assert "Mass service" in run("delivery", "analyse", str(f))
    s = tmp_path / "s.json"
    s.write_text(json.dumps(INPUTS["stakeholder_map"]))
    assert "Manage closely" in run("stakeholders", "analyse", str(s))
    obj = saved("stakeholder_map", world.org_a, world.alice)
    assert "<svg" in run("stakeholders", "export", str(obj.pk), "--org", world.org_a.slug, "--format", "svg")


def test_kpi_fcr_counts_first_contact_resolved_cases(tmp_path):
    # 4 resolved cases, 3 of them at the first contact; one unresolved case is left out: 75 %.
    path = tmp_path / "cases.csv"
    path.write_text("case,contacts,resolved\nA,1,yes\nB,1,yes\nC,3,yes\nD,1,yes\nE,2,no\n")
    out = run("kpi", "fcr", str(path))
    assert "First-contact resolution 75.0 %: 3 of 4 resolved cases took one contact (1 not resolved" in out


def test_kpi_fcr_bad_rows_are_named(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("contacts,resolved\n0,yes\n2,maybe\n")
    with pytest.raises(CommandError) as info:
        run("kpi", "fcr", str(path))
    message = str(info.value)
    assert "line 2, column contacts" in message
    assert "maybe" in message and "yes or no" in message
