from __future__ import annotations

import datetime as dt

import pytest

from soms.people.io.apply import import_people
from soms.people.io.export import export_rows, to_csv_bytes, to_xlsx_bytes
from soms.people.io.plan import Options
from soms.people.io.reading import FileProblem, read_table
from soms.people.models import OrgUnit, Person, Team
from soms.people.selectors.people import manager_chain
from soms.people.services.profiles import role_profiles_builtin_load
from soms.tenancy.models import AuditLogEntry
from tests.people.helpers import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = [
    "employee_id",
    "name",
    "email",
    "job_title",
    "manager_employee_id",
    "unit",
    "team",
    "location",
    "start_date",
    "active",
    "role_profiles",
]


def run(org, content, filename="people.csv", dry_run=False, sheet=None, **options):
    table = read_table(content, filename, sheet=sheet)
    return import_people(
        organisation=org,
        table=table,
        options=Options(**options),
        actor=None,
        filename=filename,
        dry_run=dry_run,
    )


def test_a_new_organisation_with_synonym_headers(world, builtin):
    role_profiles_builtin_load()
    content = csv_bytes(
        [
            [
                "Employee Number",
                "Full Name",
                "E-mail",
                "Position",
                "Line Manager",
                "Department",
                "Team",
                "Site",
                "Hire Date",
                "Status",
                "Profiles",
            ],
            [
                "100",
                "Ada Top",
                "ada@example.org",
                "Director",
                "",
                "Operations",
                "",
                "Leeds",
                "2020-01-06",
                "yes",
                "om-designer",
            ],
            ["102", "Cy Low", "", "Handler", "101", "Operations/Claims/North", "North desk", "", "", "", ""],
            [
                "101",
                "Bo Mid",
                "",
                "Team lead",
                "100",
                "Operations/Claims",
                "",
                "",
                "",
                "true",
                "om-maintainer;om-coach",
            ],
        ]
    )
    plan, result = run(world.org_a, content)
    assert plan.problems == []
    assert result["created"] == 3 and result["units_created"] == 3 and result["teams_created"] == 1
    cy = Person.objects.get(organisation=world.org_a, employee_id="102")
    assert [p.employee_id for p in manager_chain(cy)] == ["100", "101"]
    assert cy.unit.name == "North" and cy.unit.parent.name == "Claims" and cy.team.name == "North desk"
    assert cy.team.unit == cy.unit
    bo = Person.objects.get(organisation=world.org_a, employee_id="101")
    assert sorted(bo.role_profiles.values_list("code", flat=True)) == ["om-coach", "om-maintainer"]
    ada = Person.objects.get(organisation=world.org_a, employee_id="100")
    assert ada.start_date == dt.date(2020, 1, 6) and ada.location == "Leeds" and ada.name_key == "ada top"
    assert AuditLogEntry.objects.filter(organisation=world.org_a, action="people.import").count() == 1
    assert not Person.objects.filter(organisation=world.org_b).exists()


def test_partial_update_leaves_absent_columns_and_empty_cells_alone(org):
    content = csv_bytes([["employee_id", "job_title", "location"], ["E003", "Senior handler", ""]])
    plan, _ = run(org.world.org_a, content, dry_run=True)
    assert [(r.employee_id, r.changes) for r in plan.updates] == [
        ("E003", {"job_title": ("", "Senior handler")})
    ]
    assert plan.unchanged == 0 and plan.creates == []
    assert Person.objects.get(pk=org.people["E003"].pk).job_title == ""  # dry run wrote nothing
    run(org.world.org_a, content)
    sam = Person.objects.get(pk=org.people["E003"].pk)
    assert (
        sam.job_title == "Senior handler"
        and sam.manager == org.people["E002"]
        and sam.unit == org.units["south"]
    )


def test_empty_cells_clear_only_when_asked(org):
    Person.objects.filter(pk=org.people["E003"].pk).update(location="Leeds")
    content = csv_bytes([["employee_id", "location", "manager_employee_id"], ["E003", "", ""]])
    plan, _ = run(org.world.org_a, content, dry_run=True)
    assert plan.updates == []
    plan, _ = run(org.world.org_a, content, clear_empty=True)
    sam = Person.objects.get(pk=org.people["E003"].pk)
    assert sam.location == "" and sam.manager is None and sam.chain == ""
    sue = Person.objects.get(pk=org.people["E004"].pk)
    assert [p.employee_id for p in manager_chain(sue)] == ["E003"]  # the line below moved with E003


def test_every_bad_row_is_reported_and_nothing_is_written(org, builtin):
    role_profiles_builtin_load()
    before = Person.objects.count(), OrgUnit.objects.count()
    content = csv_bytes(
        [
            HEADER,
            ["N1", "New One", "not-an-email", "", "", "X/Y", "", "", "31/01/2024", "maybe", "nope"],
            ["N2", "New Two", "", "", "GHOST", "X//Y", "", "", "2024-02-30", "", ""],
            ["N1", "Twin", "", "", "", "", "", "", "", "", ""],
            ["", "No id", "", "", "", "", "", "", "", "", ""],
            ["N3", "", "", "", "", "", "", "", "", "", ""],
            ["N4", "Selfie", "", "", "N4", "", "", "", "", "", ""],
        ]
    )
    plan, result = run(org.world.org_a, content)
    assert result is None
    found = {(p.row, p.column) for p in plan.problems}
    assert found == {
        (2, "email"),
        (2, "start_date"),
        (2, "active"),
        (2, "role_profiles"),
        (3, "unit"),
        (3, "start_date"),
        (3, "manager_employee_id"),  # GHOST: named with the row's other problems
        (4, "employee_id"),
        (5, "employee_id"),
        (6, "name"),
        (7, "manager_employee_id"),
    }
    reasons = {(p.row, p.column): p.reason for p in plan.problems}
    assert "YYYY-MM-DD" in reasons[(2, "start_date")]
    assert "row 2" in reasons[(4, "employee_id")]
    assert "om-coach" in reasons[(2, "role_profiles")]  # says which codes are known
    assert (Person.objects.count(), OrgUnit.objects.count()) == before


def test_unknown_managers_and_cycles_are_named(org):
    unknown = csv_bytes([["employee_id", "name", "manager_employee_id"], ["N1", "New", "GHOST"]])
    plan, _ = run(org.world.org_a, unknown)
    assert [(p.row, p.column, p.value) for p in plan.problems] == [(2, "manager_employee_id", "GHOST")]
    # E001 -> E004 while E004 already reports (through E003, E002) to E001: a cycle through stored people.
    cycle = csv_bytes([["employee_id", "manager_employee_id"], ["E001", "E004"]])
    plan, _ = run(org.world.org_a, cycle)
    assert len(plan.problems) == 1 and "manager cycle" in plan.problems[0].reason
    assert "E001" in plan.problems[0].reason and "E004" in plan.problems[0].reason
    in_file = csv_bytes([["employee_id", "name", "manager_employee_id"], ["A", "A", "B"], ["B", "B", "A"]])
    plan, _ = run(org.world.org_a, in_file)
    assert {p.row for p in plan.problems} == {2, 3}


def test_an_unknown_manager_is_reported_with_the_rows_other_problems(org):
    """Not only once the row's date and e-mail are fixed: one answer names every problem."""
    before = Person.objects.count()
    content = csv_bytes(
        [
            ["employee_id", "name", "email", "manager_employee_id", "start_date"],
            ["N1", "New One", "not-an-email", "W999", "31/01/2024"],
            ["N2", "New Two", "", "N1", ""],  # N1 is in the file, though its row is refused
            ["N3", "New Three", "", "E001", "2024-02-30"],  # E001 is in the organisation
        ]
    )
    plan, result = run(org.world.org_a, content)
    assert result is None
    found = [(p.row, p.column, p.value) for p in plan.problems]
    assert found == [
        (2, "email", "not-an-email"),
        (2, "manager_employee_id", "W999"),
        (2, "start_date", "31/01/2024"),
        (4, "start_date", "2024-02-30"),
    ]
    reasons = {(p.row, p.column): p.reason for p in plan.problems}
    assert (
        reasons[(2, "manager_employee_id")]
        == "no person with this employee id in the file or the organisation"
    )
    assert Person.objects.count() == before


def test_columns_unknown_missing_or_doubled(org):
    plan, _ = run(org.world.org_a, csv_bytes([["name", "shoe size"], ["A", "9"]]))
    messages = {p.column: p.reason for p in plan.problems}
    assert "unknown column" in messages["shoe size"] and "employee_id" in messages["shoe size"]
    assert "required column missing" in messages["employee_id"]
    plan, _ = run(org.world.org_a, csv_bytes([["employee_id", "Staff ID"], ["A", "B"]]))
    assert "same column" in plan.problems[0].reason
    # An empty trailing column (as spreadsheets write) is ignored, not an error.
    plan, _ = run(org.world.org_a, csv_bytes([["employee_id", "name", ""], ["N9", "Nine", ""]]))
    assert plan.problems == [] and len(plan.creates) == 1


def test_encodings(org):
    rows = [["employee_id", "name"], ["N1", "Zoë Ångström"]]
    for encoding in ("utf-16", "cp1252", "utf-8-sig"):
        plan, _ = run(org.world.org_a, csv_bytes(rows, encoding), dry_run=True)
        assert plan.problems == [] and plan.creates[0].values["name"] == "Zoë Ångström", encoding
    plan, _ = run(org.world.org_a, csv_bytes(rows, "cp1252"), dry_run=True)
    assert "Windows-1252" in plan.notes[0]
    with pytest.raises(FileProblem, match="UTF-16 without a byte-order mark"):
        read_table(csv_bytes(rows, "utf-16-le"), "people.csv")


def test_an_xlsx_with_several_sheets_needs_a_choice(org):
    content = xlsx_bytes(
        {
            "Notes": [["read me"]],
            "People": [
                ["employee_id", "name", "start_date"],
                ["N1", "New", dt.date(2024, 5, 1)],
                [7, "Seven", None],
            ],
        }
    )
    with pytest.raises(FileProblem, match="2 sheets \\(Notes, People\\)"):
        read_table(content, "hr.xlsx")
    with pytest.raises(FileProblem, match="no sheet 'Staff'"):
        read_table(content, "hr.xlsx", sheet="Staff")
    plan, result = run(org.world.org_a, content, filename="hr.xlsx", sheet="People")
    assert plan.problems == [] and result["created"] == 2
    assert Person.objects.get(organisation=org.world.org_a, employee_id="N1").start_date == dt.date(
        2024, 5, 1
    )
    assert Person.objects.filter(organisation=org.world.org_a, employee_id="7").exists()


def test_size_limit(org):
    with pytest.raises(FileProblem, match="the limit is 10 bytes"):
        read_table(b"employee_id,name\r\n", "people.csv", max_bytes=10)


def test_a_path_that_exists_in_another_organisation_creates_a_unit_here(org):
    # "Operations" exists in org B too; A's file can only ever reach A's units.
    content = csv_bytes([["employee_id", "name", "unit"], ["N1", "New", "Operations/Claims/East"]])
    plan, _ = run(org.world.org_a, content)
    n1 = Person.objects.get(organisation=org.world.org_a, employee_id="N1")
    assert n1.unit.organisation == org.world.org_a and n1.unit.parent == org.units["claims"]
    assert plan.new_units == ["Operations/Claims/East"]
    assert not OrgUnit.objects.filter(organisation=org.world.org_b, name="East").exists()


def test_moving_unit_without_a_team_column_leaves_the_old_units_team_and_creates_none(org):
    """A team is part of one unit: a file with only a unit column used to copy the person's team
    into the new unit (a second "North desk"); now the person leaves the old unit's team, shown in
    the dry run, and no team is created."""
    content = csv_bytes([["employee_id", "unit"], ["E008", "Operations/Claims/South"]])
    plan, _ = run(org.world.org_a, content, dry_run=True)
    assert plan.new_teams == []
    assert plan.updates[0].changes == {
        "unit": ("Operations/Claims/North", "Operations/Claims/South"),
        "team": ("North desk", ""),
    }
    run(org.world.org_a, content)
    noel = Person.objects.get(pk=org.people["E008"].pk)
    assert noel.unit == org.units["south"] and noel.team is None
    assert Team.objects.filter(organisation=org.world.org_a, name="North desk").count() == 1


def test_deactivate_missing(org):
    content = csv_bytes([["employee_id"], *[[c] for c in org.people if c != "E006"]])
    plan, _ = run(org.world.org_a, content, dry_run=True, deactivate_missing=True)
    assert plan.deactivate == [{"employee_id": "E006", "name": "Fred Finance"}]
    run(org.world.org_a, content, deactivate_missing=True)
    assert not Person.objects.get(pk=org.people["E006"].pk).active


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_reimports_unchanged_and_escapes_formulas(org, builtin, fmt):
    role_profiles_builtin_load()
    Person.objects.filter(pk=org.people["E003"].pk).update(
        job_title='=HYPERLINK("http://x")', location="+44 Leeds"
    )
    rows = list(export_rows(org.world.org_a.pk))
    sam = next(r for r in rows if r[0] == "E003")
    assert sam[3] == '\'=HYPERLINK("http://x")' and sam[7] == "'+44 Leeds"
    assert sam[4] == "E002" and sam[5] == "Operations/Claims/South"
    content = to_csv_bytes(iter(rows)) if fmt == "csv" else to_xlsx_bytes(iter(rows))
    plan, _ = run(org.world.org_a, content, filename=f"people.{fmt}", dry_run=True)
    assert plan.problems == [] and plan.updates == [] and plan.creates == []
    assert plan.unchanged == len(org.people)


def test_role_profiles_replace_the_set(org, builtin):
    role_profiles_builtin_load()
    run(org.world.org_a, csv_bytes([["employee_id", "role_profiles"], ["E002", "om-coach;om-designer"]]))
    plan, _ = run(org.world.org_a, csv_bytes([["employee_id", "role_profiles"], ["E002", "om-coach"]]))
    assert plan.updates[0].changes == {"role_profiles": (["om-coach", "om-designer"], ["om-coach"])}
    assert list(
        Person.objects.get(pk=org.people["E002"].pk).role_profiles.values_list("code", flat=True)
    ) == ["om-coach"]


def test_camel_case_headers_are_the_same_columns(world, builtin):
    """Workday / SAP style headers were "unknown columns" although the page says case, spaces and
    punctuation are ignored: EmployeeID is employee_id."""
    from soms.people.io.columns import column_for

    assert column_for("EmployeeID") == "employee_id"
    assert column_for("JobTitle") == "job_title"
    assert column_for("ManagerEmployeeID") == "manager_employee_id"
    assert column_for("StartDate") == "start_date"
    assert column_for("OrgUnit") == "unit"
    assert column_for("RoleProfiles") == "role_profiles"
    assert column_for("Employee ID") == column_for("employee-id") == "employee_id"
    assert column_for("Unknown thing") is None
