"""Manager cycles are reported with the file's other problems, in one pass: a file with a bad e-mail
on row 3 and a cycle on rows 5-7 names all of them at the first upload. Plan, page, API, command
line and the background check alike; nothing is written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from soms.jobs.models import Job, JobStatus
from soms.jobs.testing import jobs_run
from soms.people.io.apply import import_people
from soms.people.io.plan import Options
from soms.people.io.reading import read_table
from soms.people.models import PeopleImport, Person
from tests.people.helpers import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["employee_id", "name", "email", "manager_employee_id"]
# Row 3: a bad e-mail. Rows 5-7: C1 -> C2 -> C3 -> C1. Row 8: its own manager.
FILE = csv_bytes(
    [
        HEADER,
        ["N1", "Ann One", "ann@example.org", ""],
        ["N2", "Ben Two", "not-an-email", "N1"],
        ["N3", "Cat Three", "", "N1"],
        ["C1", "Dan Cycle", "", "C3"],
        ["C2", "Eve Cycle", "", "C1"],
        ["C3", "Fay Cycle", "", "C2"],
        ["S1", "Gus Self", "", "S1"],
    ]
)


def _plan(org, content: bytes, **options):
    plan, result = import_people(
        organisation=org,
        table=read_table(content, "hr.csv"),
        options=Options(**options),
        actor=None,
        filename="hr.csv",
    )
    assert result is None
    return plan


def test_a_cycle_is_named_with_the_rows_other_problems(org):
    before = Person.objects.count()
    plan = _plan(org.world.org_a, FILE)
    found = [(p.row, p.column) for p in plan.problems]
    assert found == [
        (3, "email"),
        (5, "manager_employee_id"),
        (6, "manager_employee_id"),
        (7, "manager_employee_id"),
        (8, "manager_employee_id"),
    ]
    cycle = {p.row: p for p in plan.problems if "cycle" in p.reason}
    assert set(cycle) == {5, 6, 7}
    # Every row of the cycle says which rows and ids go round it.
    for p in cycle.values():
        assert "C1 (row 5)" in p.reason and "C2 (row 6)" in p.reason and "C3 (row 7)" in p.reason
    assert cycle[5].value == "C3" and cycle[6].value == "C1"
    assert "own manager" in next(p.reason for p in plan.problems if p.row == 8)
    assert Person.objects.count() == before


def test_a_refused_rows_manager_counts_towards_a_cycle(org):
    """A row refused for its e-mail still says who manages it: a cycle through it is reported."""
    content = csv_bytes(
        [HEADER, ["A", "Al", "bad", "B"], ["B", "Bo", "", "A"], ["X", "Xi", "", "2024-01-01x"]]
    )
    plan = _plan(org.world.org_a, content)
    rows = {(p.row, p.column): p.reason for p in plan.problems}
    assert "cycle" in rows[(2, "manager_employee_id")] and "cycle" in rows[(3, "manager_employee_id")]
    assert (2, "email") in rows
    assert "no person" in rows[(4, "manager_employee_id")]  # X's manager is unknown, not a cycle


def test_a_cycle_through_stored_people_beside_a_bad_date(org):
    """E004 reports up through E003 and E002 to E001; E001 -> E004 closes the loop."""
    content = csv_bytes(
        [
            ["employee_id", "manager_employee_id", "start_date"],
            ["E006", "", "31/01/2024"],
            ["E001", "E004", ""],
        ]
    )
    plan = _plan(org.world.org_a, content)
    assert [(p.row, p.column) for p in plan.problems] == [(2, "start_date"), (3, "manager_employee_id")]
    reason = plan.problems[1].reason
    assert reason.startswith("manager cycle (each reports to the next): ") and "E001 (row 3)" in reason
    assert "E002" in reason and "E003" in reason and "E004" in reason


def test_a_duplicate_row_does_not_stand_in_for_the_first(org):
    """Row 3 repeats A's id (refused): its manager must not make a cycle out of row 2's A."""
    content = csv_bytes([HEADER, ["A", "Al", "", ""], ["A", "Al again", "", "B"], ["B", "Bo", "", "A"]])
    plan = _plan(org.world.org_a, content)
    assert [(p.row, p.column) for p in plan.problems] == [(3, "employee_id")]


def test_a_refused_manager_cell_does_not_fall_back_to_the_stored_manager(org):
    """E003 is stored under E002. The file puts E002 under E003 and gives E003 a manager cell that
    is refused: E003's stored manager is what the row meant to change, so no cycle is claimed."""
    content = csv_bytes([["employee_id", "manager_employee_id"], ["E002", "E003"], ["E003", "x" * 65]])
    plan = _plan(org.world.org_a, content)
    assert [(p.row, p.column) for p in plan.problems] == [(3, "manager_employee_id")]
    assert "cycle" not in plan.problems[0].reason


def test_the_page_lists_the_cycle_with_the_other_problems(org):
    client = org.world.client_for(org.world.alice, org.world.org_a)
    r = client.post("/people/import/", {"file": SimpleUploadedFile("hr.csv", FILE)})
    detail = client.get(r["Location"]).content.decode()
    assert "5 problems in hr.csv; nothing was imported" in detail
    assert "manager cycle (each reports to the next): C1 (row 5) → C3 (row 7) → C2 (row 6) → C1" in detail
    problems = b"".join(client.get(r["Location"] + "problems.csv").streaming_content).decode()
    assert problems.count("manager cycle") == 3 and "email" in problems


def test_the_api_answers_422_with_the_cycle_and_the_bad_email(org):
    client = org.world.client_for(org.world.alice, org.world.org_a)
    before = Person.objects.count()
    r = client.post("/api/v1/people/import", {"file": SimpleUploadedFile("hr.csv", FILE), "dry_run": "false"})
    assert r.status_code == 422
    problems = r.json()["problems"]
    assert [(p["row"], p["column"]) for p in problems][:2] == [(3, "email"), (5, "manager_employee_id")]
    assert sum("manager cycle" in p["reason"] for p in problems) == 3
    assert Person.objects.count() == before


def test_the_command_line_names_every_problem(org, tmp_path, capsys):
    f = tmp_path / "hr.csv"
    f.write_bytes(FILE)
    with pytest.raises(CommandError, match="5 problems in hr.csv; nothing was imported"):
        call_command("people", "import", str(f), "--org", org.world.org_a.slug)
    err = capsys.readouterr().err
    assert "row 3, column email" in err
    assert err.count("manager cycle") == 3 and "C2 (row 6)" in err
    assert not Person.objects.filter(employee_id__in=["N1", "C1"]).exists()


def test_the_background_check_reports_the_cycle_too(org, settings):
    settings.SOMS_PEOPLE_IMPORT_INLINE_CHECK_BYTES = 20
    client = org.world.client_for(org.world.alice, org.world.org_a)
    with jobs_run():
        r = client.post("/api/v1/people/import", {"file": SimpleUploadedFile("hr.csv", FILE)})
    assert r.status_code == 202
    assert Job.objects.get(pk=r.json()["id"]).status == JobStatus.DONE
    record = PeopleImport.objects.get(organisation=org.world.org_a)
    body = client.get(f"/api/v1/people/imports/{record.pk}").json()
    assert body["status"] == "invalid"
    assert {p["row"] for p in body["problems"]} == {3, 5, 6, 7, 8}
