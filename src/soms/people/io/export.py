"""People and structure out, as CSV or XLSX, in exactly the import's columns (so an export
re-imports unchanged). Cells a spreadsheet would run as a formula are escaped with a leading "'",
which the import removes again."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from soms.people.io.columns import COLUMNS
from soms.people.io.plan import Problem
from soms.people.io.reading import escape
from soms.people.models import ID_WIDTH, OrgUnit, Person, Team
from soms.people.services.persons import role_profile_keys

CHUNK = 2000


def export_rows(organisation_id: int, queryset: Any = None) -> Iterator[list[str]]:
    """Header, then one row per person (erased records are left out), streamed in chunks."""
    yield list(COLUMNS)
    units = list(OrgUnit.objects.filter(organisation_id=organisation_id).values_list("id", "name", "path"))
    name_of = {pk: n for pk, n, _ in units}
    unit_path = {
        pk: "/".join(name_of[int(path[i : i + ID_WIDTH])] for i in range(0, len(path), ID_WIDTH))
        for pk, _, path in units
    }
    team_name = dict(Team.objects.filter(organisation_id=organisation_id).values_list("id", "name"))
    emp_of = dict(Person.objects.filter(organisation_id=organisation_id).values_list("id", "employee_id"))
    through = Person.role_profiles.through
    profiles: dict[int, list[str]] = {}
    links = through.objects.filter(person__organisation_id=organisation_id, person__staged__isnull=True)
    keys = role_profile_keys(organisation_id)
    for person_id, profile_id in links.values_list("person_id", "roleprofile_id"):
        profiles.setdefault(person_id, []).append(keys[profile_id])
    qs = queryset if queryset is not None else Person.objects.filter(organisation_id=organisation_id)
    qs = (
        qs.filter(erased_at__isnull=True)
        .order_by("employee_id")
        .values_list(
            "id",
            "employee_id",
            "name",
            "email",
            "job_title",
            "manager_id",
            "unit_id",
            "team_id",
            "location",
            "start_date",
            "active",
        )
    )
    for pk, emp, name, email, title, mgr, unit, team, loc, start, active in qs.iterator(chunk_size=CHUNK):
        yield [
            escape(emp),
            escape(name),
            escape(email),
            escape(title),
            escape(emp_of.get(mgr, "") if mgr else ""),
            escape(unit_path.get(unit, "") if unit else ""),
            escape(team_name.get(team, "") if team else ""),
            escape(loc),
            start.isoformat() if start else "",
            "yes" if active else "no",
            ";".join(sorted(profiles.get(pk, []))),
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterator[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    for row in rows:
        yield writer.writerow(row)


def to_csv_bytes(rows: Iterator[list[str]]) -> bytes:
    return "".join(csv_lines(rows)).encode("utf-8")


def to_xlsx_bytes(rows: Iterator[list[str]], sheet: str = "People") -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    # constant_memory writes each row as it comes: 50,000 rows in a few MB instead of hundreds.
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "in_memory": False,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    ws = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r == 0:
                ws.write_string(r, c, value, bold)
            else:
                ws.write_string(r, c, value)
    book.close()
    return out.getvalue()


def problems_rows(problems: list[Problem] | list[dict[str, Any]]) -> Iterator[list[str]]:
    yield ["row", "column", "value", "reason"]
    for p in problems:
        d = p.as_dict() if isinstance(p, Problem) else p
        yield [
            "" if d["row"] is None else str(d["row"]),
            escape(d["column"]),
            escape(str(d["value"])),
            escape(d["reason"]),
        ]
