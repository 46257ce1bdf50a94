"""The write transaction of an HR import only writes: every row is prepared before it opens.

On SQLite that transaction holds the one write lock every organisation's sign-ins and writes wait
for, so nothing that can happen before it (reading, checking, looking up ids and paths, building
rows, compiling SQL) happens inside it.
"""

from __future__ import annotations

import math
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soms.people.io.apply import import_people
from soms.people.io.ids import reserve_ids
from soms.people.io.plan import Options
from soms.people.io.reading import read_table
from soms.people.models import OrgUnit, Person, Team
from soms.people.services.persons import person_create
from soms.people.services.profiles import role_profiles_builtin_load
from tests.people.helpers import csv_bytes

pytestmark = pytest.mark.django_db

N = 3000


def _rows(n: int, *, title: str = "Handler") -> list[list[str]]:
    rows = [["employee_id", "name", "manager_employee_id", "unit", "team", "job_title", "role_profiles"]]
    for i in range(n):
        rows.append(
            [
                f"P{i:05d}",
                f"Person {i}",
                "" if i == 0 else f"P{(i - 1) // 8:05d}",
                f"Ops/Dept {i % 5}/Section {i % 3}",
                f"Team {i % 2}",
                title,
                "om-coach" if i % 10 == 0 else "",
            ]
        )
    return rows


def _write_statements(queries: list[dict[str, str]]) -> list[str]:
    """The statements of the last transaction (or savepoint, inside a test's transaction) opened."""
    sqls = [q["sql"] for q in queries]
    opened = max(i for i, s in enumerate(sqls) if s.startswith(("SAVEPOINT", "BEGIN")))
    closed = max(i for i, s in enumerate(sqls) if s.startswith(("RELEASE SAVEPOINT", "COMMIT")))
    # Django logs an executemany() once, as "3000 times: INSERT …"; our COPY as "3000 rows: COPY …".
    return [re.sub(r"^\d+ (times|rows): ", "", s) for s in sqls[opened + 1 : closed]]


def _import(org, rows, **options):
    with CaptureQueriesContext(connection) as captured:
        plan, result = import_people(
            organisation=org,
            table=read_table(csv_bytes(rows), "hr.csv"),
            options=Options(**options),
            actor=None,
            filename="hr.csv",
        )
    assert not plan.problems, plan.problems[:3]
    return result, _write_statements(captured.captured_queries)


def test_inside_the_write_transaction_only_bulk_writes_run(world, builtin):
    role_profiles_builtin_load()
    result, inside = _import(world.org_a, _rows(N))
    assert result["created"] == N and result["units_created"] == 1 + 5 + 15
    # No lookup inside: every id, path, chain and link was settled before the transaction opened.
    kinds = {s.split(None, 1)[0].upper() for s in inside}
    # COPY … FROM STDIN is PostgreSQL's bulk INSERT (logged as "N rows: COPY …").
    assert kinds <= {"INSERT", "UPDATE", "DELETE", "COPY"}, [s[:80] for s in inside]
    if connection.vendor == "postgresql":
        # People and role-profile links stream through COPY, not one INSERT per row.
        assert sum(s.startswith("COPY") for s in inside) == 2, [s[:80] for s in inside]
    # Multi-row INSERTs in large batches: a handful of statements, not one per row or per level.
    assert len(inside) <= math.ceil(N / 1000) + 6, len(inside)

    deepest = Person.objects.get(organisation=world.org_a, employee_id=f"P{N - 1:05d}")
    chain, manager = [], deepest.manager
    while manager is not None:
        chain.insert(0, manager)
        manager = manager.manager
    assert deepest.chain == "".join(f"{p.pk:010d}" for p in chain) and chain[0].employee_id == "P00000"
    section = OrgUnit.objects.get(organisation=world.org_a, pk=deepest.unit_id)
    assert section.path.endswith(f"{section.pk:010d}") and section.depth == 2
    assert section.path.startswith(OrgUnit.objects.get(pk=section.parent_id).path)
    assert Team.objects.get(pk=deepest.team_id).unit_id == section.pk
    assert Person.role_profiles.through.objects.filter(person__organisation=world.org_a).count() == N // 10


def test_a_re_import_that_changes_everyone_writes_them_in_one_statement(world, builtin):
    role_profiles_builtin_load()
    _import(world.org_a, _rows(500))
    result, inside = _import(world.org_a, _rows(500, title="Adviser"))
    assert result["updated"] == 500
    assert [s.split(None, 1)[0] for s in inside].count("UPDATE") <= 2  # executemany: one call
    assert set(Person.objects.filter(organisation=world.org_a).values_list("job_title", flat=True)) == {
        "Adviser"
    }


def test_deactivating_the_missing_counts_them_inside_the_same_transaction(world, builtin):
    role_profiles_builtin_load()
    person_create(organisation=world.org_a, actor=None, employee_id="GONE", name="Gone Away")
    result, inside = _import(world.org_a, _rows(20), deactivate_missing=True)
    assert result["deactivated"] == 1 and not Person.objects.get(employee_id="GONE").active
    assert all(s.split(None, 1)[0] in {"INSERT", "UPDATE", "DELETE", "COPY"} for s in inside)


def test_reserved_ids_are_never_given_to_another_row(world):
    first = reserve_ids(Team, 5)
    made = Team.objects.create(organisation=world.org_a, name="After the reservation")
    second = reserve_ids(Team, 3)
    assert len(set(first)) == 5 and made.pk > max(first)
    assert min(second) > made.pk
    assert reserve_ids(Team, 0) == []
