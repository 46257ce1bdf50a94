"""The reader shared by the people, historic assessments and projects imports refuses a file whose
rows cannot be trusted, instead of reading it some other way than the person who wrote it meant."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from soms import limits
from soms.people.io.reading import FileProblem, read_table
from soms.people.models import Person
from tests.people.helpers import xlsx_bytes


def test_a_quote_never_closed_is_refused_naming_the_line_it_opens_on() -> None:
    content = b'employee_id,name\r\nHS899,Ann\r\nHS900,"A\r\nHS901,B\r\nHS902,C\r\n'
    with pytest.raises(FileProblem, match=r"Line 3: a quoted value starts there"):
        read_table(content, "people.csv")
    # A quoted value that spans lines and closes is still one cell, numbered from its first line.
    table = read_table(b'employee_id,notes\r\nHS1,"two\r\nlines"\r\nHS2,x\r\n', "people.csv")
    assert table.rows == [(2, ["HS1", "two\r\nlines"]), (4, ["HS2", "x"])]


def test_values_beyond_the_header_are_refused_naming_the_rows() -> None:
    content = b"employee_id,name,email\nHS1,Smith, John,js@example.org\nHS2,Ann,ann@example.org\nHS3,Bo,b@x.org,EXTRA\n"
    with pytest.raises(FileProblem, match=r"line 2 has 4, line 4 has 4") as caught:
        read_table(content, "people.csv")
    assert "must be in quotes" in str(caught.value)
    # Trailing empty cells (a spreadsheet's habit) and blank lines are fine.
    table = read_table(b"employee_id,name\nHS1,Ann,,\n\nHS2,Bo\n", "people.csv")
    assert [n for n, _ in table.rows] == [2, 4]


def test_a_header_wider_than_the_limit_is_refused_before_any_row_is_read() -> None:
    wide = ",".join(f"c{i}" for i in range(limits.MAX_IMPORT_COLUMNS + 1)).encode() + b"\n1\n"
    with pytest.raises(FileProblem, match="MAX_IMPORT_COLUMNS"):
        read_table(wide, "people.csv")
    sheet = xlsx_bytes({"People": [[f"c{i}" for i in range(limits.MAX_IMPORT_COLUMNS + 1)], ["1"]]})
    with pytest.raises(FileProblem, match="MAX_IMPORT_COLUMNS"):
        read_table(sheet, "people.xlsx")


def test_an_xlsx_value_with_no_column_is_refused() -> None:
    sheet = xlsx_bytes({"People": [["employee_id", "name", None], ["HS1", "Ann", "stray"]]})
    with pytest.raises(FileProblem, match="row 2 has 3"):
        read_table(sheet, "people.xlsx")


@pytest.mark.django_db
def test_the_people_import_writes_nothing_from_an_unclosed_quote(org) -> None:
    client = org.world.client_for(org.world.alice, org.world.org_a)
    before = Person.objects.count()
    content = b'employee_id,name\nHS900,"A\nHS901,B\nHS902,C\n'
    refused = client.post(
        "/api/v1/people/import", {"file": SimpleUploadedFile("p.csv", content), "dry_run": "false"}
    )
    assert refused.status_code == 422
    out = refused.json()
    assert out["status"] == "invalid" and "closing quote never comes" in out["problems"][0]["reason"]
    assert Person.objects.count() == before


@pytest.mark.django_db
def test_the_history_import_refuses_an_unclosed_quote(org) -> None:
    client = org.world.client_for(org.world.alice, org.world.org_a)
    content = (
        b"employee_id,framework,version,statement,kind,judgement,assessor,validated_by,validated_on\n"
        b'E007,soms,2016,CX-F1,coach,met,alice,alice,"2026-01-10\n'
    )
    answer = client.post("/api/v1/history/assessments/import", {"file": SimpleUploadedFile("h.csv", content)})
    assert answer.status_code == 422, answer.content[:300]
    assert "closing quote never comes" in answer.content.decode()
