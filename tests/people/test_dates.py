"""Dates in the people forms and HR files: ISO in every date input, the edge years of the range
people may enter (1900-01-01 .. 2100-12-31, soms.core.dates) stored, anything past them refused
clearly, never a crash."""

from __future__ import annotations

import datetime as dt

import pytest

from soms.people.models import Person
from soms.tenancy.forms import AuditFilterForm
from tests.people.conftest import Org

pytestmark = pytest.mark.django_db


def test_a_person_s_start_date_survives_opening_and_saving_the_edit_form(org: Org) -> None:
    # en-GB would render 05/03/2024, which a browser's date input shows as empty: saving the form
    # as it came would then clear the date.
    Person.objects.filter(pk=org.people["E003"].pk).update(start_date=dt.date(2024, 3, 5))
    client = org.world.client_for(org.world.alice, org.world.org_a)
    page = client.get(f"/people/{org.people['E003'].pk}/edit/").content.decode()
    assert 'type="date" name="start_date" value="2024-03-05"' in page
    # Year 1 (stored before dates were held to the range) is written with four digits too ("%Y"
    # would write "1").
    Person.objects.filter(pk=org.people["E004"].pk).update(start_date=dt.date(1, 1, 1))
    page = client.get(f"/people/{org.people['E004'].pk}/edit/").content.decode()
    assert 'value="0001-01-01"' in page


def test_the_audit_log_filter_dates_are_iso_too() -> None:
    form = AuditFilterForm(initial={"since": dt.date(2024, 3, 5)}, actors=[], object_types=[])
    assert 'value="2024-03-05"' in str(form["since"])


def _import(org_a, content, filename="people.csv"):
    from soms.people.io.apply import import_people
    from soms.people.io.plan import Options
    from soms.people.io.reading import read_table

    return import_people(
        organisation=org_a,
        table=read_table(content, filename),
        options=Options(),
        actor=None,
        filename=filename,
        dry_run=False,
    )


def test_edge_dates_are_stored_and_round_trip_or_refused_by_row(org: Org) -> None:
    from soms.people.io.export import export_rows, to_csv_bytes, to_xlsx_bytes
    from tests.people.helpers import csv_bytes, xlsx_bytes

    a = org.world.org_a
    good = csv_bytes(
        [
            ["employee_id", "name", "start_date"],
            ["Y1", "First day", "1900-01-01"],
            ["Y9", "Last day", "2100-12-31"],
            ["LP", "Leap", "2024-02-29"],
        ]
    )
    plan, _ = _import(a, good)
    assert not plan.problems
    stored = dict(
        Person.objects.filter(employee_id__in=["Y1", "Y9", "LP"]).values_list("employee_id", "start_date")
    )
    assert stored == {"Y1": dt.date(1900, 1, 1), "Y9": dt.date(2100, 12, 31), "LP": dt.date(2024, 2, 29)}
    # Both exports write them, and each re-imports with nothing to change.
    csv_out = to_csv_bytes(export_rows(a.pk))
    assert b"1900-01-01" in csv_out and b"2100-12-31" in csv_out
    again, _ = _import(a, csv_out)
    assert not again.problems and not again.updates
    xlsx_out = to_xlsx_bytes(export_rows(a.pk))
    again, _ = _import(a, xlsx_out, "people.xlsx")
    assert not again.problems and not again.updates
    # Dates that do not exist, or have no four-digit year, are a problem on their row and column.
    bad = csv_bytes(
        [
            ["employee_id", "name", "start_date"],
            ["B1", "No year zero", "0000-01-01"],
            ["B2", "Too far", "10000-01-01"],
            ["B3", "Not leap", "2023-02-29"],
            ["B4", "Short year", "24-01-01"],
            ["B5", "Year one", "0001-01-01"],
            ["B6", "Year 9999", "9999-12-31"],
            ["B7", "A slip", "0226-03-01"],
        ]
    )
    plan, _ = _import(a, bad)
    assert [(p.row, p.column) for p in plan.problems] == [(n, "start_date") for n in range(2, 9)]
    assert {p.reason for p in plan.problems[4:]} == {"must be a date between 1900-01-01 and 2100-12-31"}
    assert (
        not Person.objects.filter(employee_id__startswith="B").exclude(organisation=org.world.org_b).exists()
    )
    # An XLSX date cell far in the future is read and refused by row, never a crash.
    sheet = xlsx_bytes(
        {"People": [["employee_id", "name", "start_date"], ["X1", "Cell", dt.datetime(9999, 12, 31)]]}
    )
    plan, _ = _import(a, sheet, "people.xlsx")
    assert [(p.row, p.column, p.reason) for p in plan.problems] == [
        (2, "start_date", "must be a date between 1900-01-01 and 2100-12-31")
    ]
    assert not Person.objects.filter(employee_id="X1").exists()
    # A date cell before March 1900 comes out of a workbook as a time of day: say so.
    sheet = xlsx_bytes(
        {"People": [["employee_id", "name", "start_date"], ["X2", "Old cell", dt.datetime(1900, 1, 1)]]}
    )
    plan, _ = _import(a, sheet, "people.xlsx")
    assert [(p.row, p.column) for p in plan.problems] == [(2, "start_date")]
    assert "before 1 March 1900" in plan.problems[0].reason


def test_edge_dates_in_the_person_form_and_api(org: Org) -> None:
    client = org.world.client_for(org.world.alice, org.world.org_a)
    sam = org.people["E003"]
    url = f"/people/{sam.pk}/edit/"
    base = {"employee_id": "E003", "name": "Sam South", "active": "on", "manager": "E002"}
    for rev, value in enumerate(("1900-01-01", "2100-12-31"), start=1):
        saved = client.post(url, {**base, "start_date": value, "revision": str(rev)})
        assert saved.status_code == 302, saved.content[:500]
        assert Person.objects.get(pk=sam.pk).start_date.isoformat() == value
        assert client.get(f"/people/{sam.pk}/").status_code == 200
        assert f'value="{value}"'.encode() in client.get(url).content
    for value in ("0001-01-01", "9999-12-31"):
        refused = client.post(url, {**base, "start_date": value, "revision": "3"})
        assert b"Enter a date between 1900-01-01 and 2100-12-31." in refused.content, refused.status_code
        assert Person.objects.get(pk=sam.pk).start_date.isoformat() == "2100-12-31"
    for value in ("0000-01-01", "10000-01-01", "2023-02-29"):
        refused = client.post(url, {**base, "start_date": value, "revision": "3"})
        assert (
            refused.status_code == 400
            and b"start_date" in refused.content
            or b"valid date" in refused.content
        )
    api = client.patch(
        f"/api/v1/people/{sam.pk}",
        {"start_date": "0000-01-01", "revision": 3},
        content_type="application/json",
    )
    assert api.status_code == 422 and api.json()["detail"][0]["loc"][-1] == "start_date"
    api = client.patch(
        f"/api/v1/people/{sam.pk}",
        {"start_date": "9999-12-31", "revision": 3},
        content_type="application/json",
    )
    assert api.status_code == 422 and api.json()["detail"] == [
        {
            "loc": ["body", "payload", "start_date"],
            "msg": "must be a date between 1900-01-01 and 2100-12-31",
            "type": "date_range",
        }
    ]
    assert client.get("/people/export.csv").status_code == 200
    assert client.get("/api/v1/people/export?format=xlsx").status_code == 200
    assert client.get(f"/api/v1/people/{sam.pk}/data").status_code == 200
