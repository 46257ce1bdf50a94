"""A large import written in short transactions stays all or nothing for everyone who reads.

On SQLite one long transaction would hold the write lock every organisation waits for, so an import
creating many people stages its new units, teams, people and links in short transactions, hidden,
and makes them live in one last short transaction. These tests stage in chunks of 100 rows (the
setting) and look at the data between the chunks, after a failure half-way, and after a process
that died half-way (the staged statements ran, the last transaction never did).
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from soms.people.errors import PeopleConflict
from soms.people.io.apply import discard_staged, import_people, prepare_plan, stage_prepared, write_prepared
from soms.people.io.plan import Options, plan_import
from soms.people.io.reading import read_table
from soms.people.models import OrgUnit, Person, Team
from soms.people.selectors.people import org_tree
from soms.people.services.persons import person_create
from soms.people.services.profiles import role_profiles_builtin_load
from soms.tenancy.models import AuditLogEntry, Membership
from tests.people.helpers import csv_bytes

pytestmark = pytest.mark.django_db

N = 450
LINKS = Person.role_profiles.through


@pytest.fixture
def staged(settings, builtin):
    settings.SOMS_PEOPLE_IMPORT_STAGED = True
    settings.SOMS_PEOPLE_IMPORT_STAGE_ROWS = 100
    settings.SOMS_PEOPLE_IMPORT_STAGE_PAUSE_MS = 0
    role_profiles_builtin_load()


def _rows(n: int = N) -> list[list[str]]:
    rows = [["employee_id", "name", "manager_employee_id", "unit", "team", "role_profiles"]]
    for i in range(n):
        manager = "" if i == 0 else f"S{(i - 1) // 4:04d}"
        rows.append([f"S{i:04d}", f"Staged {i}", manager, f"Ops/Dept {i % 3}", f"Team {i % 2}", "om-coach"])
    return rows


def _table(rows=None):
    return read_table(csv_bytes(rows or _rows()), "hr.csv")


def _seen(org) -> dict[str, int]:
    """What anyone reading the organisation sees."""
    owner = Membership.objects.filter(organisation=org, role="owner").first()
    tree = org_tree(owner) if owner else []
    return {
        "people": Person.objects.filter(organisation=org).count(),
        "units": OrgUnit.objects.filter(organisation=org).count(),
        "teams": Team.objects.filter(organisation=org).count(),
        "links": LINKS.objects.filter(person__in=Person.objects.filter(organisation=org)).count(),
        "in the tree": sum(node.total for node in tree),
        "audit": AuditLogEntry.objects.filter(organisation=org, action="people.import").count(),
    }


def _staged_people(org) -> int:
    return Person._base_manager.filter(organisation=org, staged__isnull=False).count()


def test_between_its_short_transactions_nobody_sees_any_of_the_import(world, staged):
    person_create(organisation=world.org_a, actor=None, employee_id="KEEP", name="Already here")
    before = _seen(world.org_a)
    during: list[tuple[int, dict[str, int], int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "writing" and 0 < done < N:
            during.append((done, _seen(world.org_a), _staged_people(world.org_a)))

    plan, result = import_people(
        organisation=world.org_a,
        table=_table(),
        options=Options(),
        actor=None,
        filename="hr.csv",
        progress=progress,
    )
    assert not plan.problems and result is not None and result["created"] == N
    # Five people statements of 100 rows: four moments in between, each showing the organisation
    # exactly as it was, while the staged rows grow underneath.
    assert [d for d, _, _ in during] == [100, 200, 300, 400]
    assert all(seen == before for _, seen, _ in during), during
    assert [n for _, _, n in during] == [100, 200, 300, 400]

    after = _seen(world.org_a)
    assert after["people"] == N + 1 and after["units"] == 4 and after["teams"] == 6 and after["links"] == N
    assert after["in the tree"] == N and after["audit"] == 1
    assert _staged_people(world.org_a) == 0
    assert not OrgUnit._base_manager.filter(staged__isnull=False).exists()
    deepest = Person.objects.get(organisation=world.org_a, employee_id=f"S{N - 1:04d}")
    assert deepest.manager is not None and deepest.chain.endswith(f"{deepest.manager.pk:010d}")


def test_a_failure_half_way_leaves_the_organisation_as_it_was(world, staged):
    person_create(organisation=world.org_a, actor=None, employee_id="KEEP", name="Already here")
    before = _seen(world.org_a)
    calls: list[int] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "writing" and done == 200:
            calls.append(done)
            # Someone else creates, meanwhile, the employee id of the deepest row, which a later
            # statement of the import then fails on.
            person_create(organisation=world.org_a, actor=None, employee_id=f"S{N - 1:04d}", name="Meanwhile")

    with pytest.raises(IntegrityError):
        import_people(
            organisation=world.org_a,
            table=_table(),
            options=Options(),
            actor=None,
            filename="hr.csv",
            progress=progress,
        )
    assert calls == [200]
    after = _seen(world.org_a)
    assert after == {**before, "people": before["people"] + 1}  # only the one created meanwhile
    assert (
        _staged_people(world.org_a) == 0 and not LINKS.objects.filter(person__staged__isnull=False).exists()
    )
    assert not OrgUnit._base_manager.filter(organisation=world.org_a, staged__isnull=False).exists()
    assert not Team._base_manager.filter(organisation=world.org_a, staged__isnull=False).exists()


def test_an_import_killed_half_way_stays_hidden_and_the_next_one_clears_it(world, staged):
    before = _seen(world.org_a)
    plan = plan_import(world.org_a.pk, _table(), Options())
    prepared = prepare_plan(organisation=world.org_a, plan=plan, filename="hr.csv", options=Options())
    # The process dies after its staged statements, before the last transaction.
    stage_prepared(organisation=world.org_a, prepared=prepared)
    assert _staged_people(world.org_a) == N
    assert _seen(world.org_a) == before
    # Organisation B sees nothing of it either and goes on working.
    person_create(organisation=world.org_b, actor=None, employee_id="S0001", name="B's own")

    # The next import of the file in A removes the leftovers first and applies cleanly.
    plan2, result = import_people(
        organisation=world.org_a, table=_table(), options=Options(), actor=None, filename="hr.csv"
    )
    assert not plan2.problems and result is not None and result["created"] == N
    assert _seen(world.org_a)["people"] == N and _staged_people(world.org_a) == 0
    assert not Person.objects.filter(pk__in=[prepared.key]).exists()  # the dead import's rows are gone
    assert Person.objects.filter(organisation=world.org_b).count() == 1


def test_an_import_whose_staged_rows_were_cleared_meanwhile_writes_nothing(world, staged):
    before = _seen(world.org_a)
    plan = plan_import(world.org_a.pk, _table(), Options())
    prepared = prepare_plan(organisation=world.org_a, plan=plan, filename="hr.csv", options=Options())
    stage_prepared(organisation=world.org_a, prepared=prepared)
    # A second import started in the same organisation clears what it finds staged.
    assert discard_staged(world.org_a.pk) == N
    with pytest.raises(PeopleConflict):
        write_prepared(organisation=world.org_a, prepared=prepared, actor=None)
    assert _seen(world.org_a) == before and _staged_people(world.org_a) == 0


def test_a_small_import_is_not_staged(world, staged):
    plan = plan_import(world.org_a.pk, _table(_rows(100)), Options())
    prepared = prepare_plan(organisation=world.org_a, plan=plan, filename="hr.csv", options=Options())
    assert prepared.key is None and prepared.stage == []
