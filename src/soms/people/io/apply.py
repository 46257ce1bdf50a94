"""Write a checked plan: all or nothing, in one transaction, with bulk writes and one audit row.

People are inserted level by level down the reporting lines (a manager before their reports), so
every new person is written once, with their manager and manager chain already known: no second
pass of updates over the new rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from soms.people.io.plan import Options, Plan, Row, State, plan_import
from soms.people.io.reading import Table
from soms.people.models import OrgUnit, Person, Team, path_segment
from soms.tenancy.models import Organisation
from soms.tenancy.services import audit_log_write

Progress = Callable[[str, int, int], None]
BATCH = 2000
SIMPLE = ("name", "email", "job_title", "location")


class PlanHasProblems(ValueError):
    def __init__(self, plan: Plan) -> None:
        super().__init__(f"{len(plan.problems)} problems")
        self.plan = plan


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _make_units(organisation: Organisation, plan: Plan, state: State) -> None:
    """Create the missing units, shallowest first, and record their ids in the state."""
    by_depth: dict[int, list[str]] = defaultdict(list)
    for path in plan.new_units:
        by_depth[path.count("/")].append(path)
    for depth in sorted(by_depth):
        batch = []
        parent_paths = {}
        for path in by_depth[depth]:
            parent_path = path.rsplit("/", 1)[0] if "/" in path else ""
            parent_id = state.unit_paths[parent_path.casefold()] if parent_path else None
            unit = OrgUnit(
                organisation=organisation, name=path.rsplit("/", 1)[-1], parent_id=parent_id, depth=depth
            )
            parent_paths[id(unit)] = parent_path
            batch.append((path, unit))
        OrgUnit.objects.bulk_create([u for _, u in batch])
        stored_paths = dict(
            OrgUnit.objects.filter(pk__in=[u.parent_id for _, u in batch if u.parent_id]).values_list(
                "pk", "path"
            )
        )
        for path, unit in batch:
            unit.path = (stored_paths[unit.parent_id] if unit.parent_id else "") + path_segment(unit.pk)
            state.unit_paths[path.casefold()] = unit.pk
            state.unit_names[unit.pk] = path
        OrgUnit.objects.bulk_update([u for _, u in batch], ["path"])


def _make_teams(organisation: Organisation, plan: Plan, state: State) -> None:
    teams = []
    for unit_path, name in plan.new_teams:
        unit_id = state.unit_paths[unit_path.casefold()] if unit_path else None
        teams.append(Team(organisation=organisation, unit_id=unit_id, name=name))
    Team.objects.bulk_create(teams)
    for team in teams:
        state.teams[(team.unit_id, team.name.casefold())] = team.pk


def _final(row: Row, person: dict[str, Any] | None, field: str, default: Any) -> Any:
    if field in row.values:
        return row.values[field]
    return person.get(field, default) if person else default


@transaction.atomic
def apply_plan(
    *,
    organisation: Organisation,
    plan: Plan,
    actor: Any,
    filename: str,
    options: Options,
    progress: Progress = _noop,
) -> dict[str, Any]:
    if plan.problems:
        raise PlanHasProblems(plan)
    state: State = plan.state
    total = len(plan.creates) + len(plan.updates)
    _make_units(organisation, plan, state)
    _make_teams(organisation, plan, state)
    manager_of: dict[str, str] = state.manager  # type: ignore[attr-defined]
    depth: dict[str, int] = state.depth  # type: ignore[attr-defined]
    ids = {emp: p["id"] for emp, p in state.people.items()}
    chains = {emp: p["chain"] for emp, p in state.people.items()}
    by_emp = {r.employee_id: r for r in plan.rows}
    changed_rows = {r.employee_id: r for r in plan.updates}

    # Every person whose chain may change: the rows of the file and, when a manager moved,
    # everyone below them. Walking all people in depth order settles each chain from its manager's.
    order = sorted(depth, key=depth.__getitem__)
    creates_by_level: dict[int, list[Row]] = defaultdict(list)
    for row in plan.creates:
        creates_by_level[depth[row.employee_id]].append(row)
    rechained: list[tuple[str, str]] = []
    done = 0
    now = timezone.now()
    level = -1
    pending: list[tuple[Row, Person]] = []

    def flush() -> None:
        nonlocal done
        if not pending:
            return
        Person.objects.bulk_create([p for _, p in pending], batch_size=BATCH)
        for row, person in pending:
            ids[row.employee_id] = person.pk
        done += len(pending)
        progress("people", done, total)
        pending.clear()

    for emp in order:
        if depth[emp] != level:
            flush()  # managers of this level are in the database (and have ids) before their reports
            level = depth[emp]
        mgr = manager_of.get(emp, "")
        chain = (chains[mgr] + path_segment(ids[mgr])) if mgr else ""
        if emp in ids and emp not in changed_rows:
            if chains[emp] != chain:
                rechained.append((emp, chain))
            chains[emp] = chain
            continue
        chains[emp] = chain
        if emp in ids:
            continue  # an update: written below
        row = by_emp[emp]
        unit_path = row.values.get("unit") or ""
        unit_id = state.unit_paths[unit_path.casefold()] if unit_path else None
        team = row.values.get("team") or ""
        team_id = state.teams[(unit_id, team.casefold())] if team else None
        start = row.values.get("start_date") or ""
        name = row.values["name"]
        pending.append(
            (
                row,
                Person(
                    organisation=organisation,
                    employee_id=emp,
                    name=name,
                    name_key=name.lower(),
                    email=row.values.get("email", ""),
                    job_title=row.values.get("job_title", ""),
                    location=row.values.get("location", ""),
                    manager_id=ids[mgr] if mgr else None,
                    chain=chain,
                    unit_id=unit_id,
                    team_id=team_id,
                    start_date=dt.date.fromisoformat(start) if start else None,
                    active=row.values.get("active", True),
                    created_at=now,
                    updated_at=now,
                ),
            )
        )
    flush()

    # Updates: only the rows with changes. Each object carries its final value for every field
    # (stored or changed), so one bulk statement per batch can write the union of changed fields.
    to_update: list[Person] = []
    fields: set[str] = set()
    db_field = {
        "manager_employee_id": "manager_id",
        "unit": "unit_id",
        "team": "team_id",
        "role_profiles": "",
    }
    for emp, row in changed_rows.items():
        p = state.people[emp]

        def final(f: str, p: dict[str, Any] = p, row: Row = row) -> Any:
            return row.values[f] if f in row.values else p[f]

        unit_path = final("unit")
        unit_id = state.unit_paths[unit_path.casefold()] if unit_path else None
        team = final("team")
        mgr = final("manager_employee_id")
        start = final("start_date")
        to_update.append(
            Person(
                pk=p["id"],
                organisation=organisation,
                name=final("name"),
                name_key=final("name").lower(),
                email=final("email"),
                job_title=final("job_title"),
                location=final("location"),
                start_date=dt.date.fromisoformat(start) if start else None,
                active=final("active"),
                unit_id=unit_id,
                team_id=state.teams[(unit_id, team.casefold())] if team else None,
                manager_id=ids[mgr] if mgr else None,
                chain=chains[emp],
                updated_at=now,
            )
        )
        for f in row.changes:
            if db_field.get(f, f):
                fields.add(db_field.get(f, f))
        if "name" in row.changes:
            fields.add("name_key")
        if "unit" in row.changes and team:
            fields.add("team_id")
        if chains[emp] != p["chain"]:
            fields.add("chain")
    if to_update:
        fields.add("updated_at")
        Person.objects.bulk_update(to_update, sorted(fields), batch_size=500)
        done += len(to_update)
        progress("people", done, total)
    if rechained:
        moved = [Person(pk=ids[emp], chain=chain) for emp, chain in rechained]
        Person.objects.bulk_update(moved, ["chain"], batch_size=500)

    # Role profiles: replace the set of each person the file names them for.
    if "role_profiles" in plan.columns:
        through = Person.role_profiles.through
        targets = [r for r in plan.creates if r.values.get("role_profiles")]
        targets += [r for r in plan.updates if "role_profiles" in r.changes]
        changed_ids = [ids[r.employee_id] for r in plan.updates if "role_profiles" in r.changes]
        for i in range(0, len(changed_ids), BATCH):
            through.objects.filter(person_id__in=changed_ids[i : i + BATCH]).delete()
        links = [
            through(person_id=ids[r.employee_id], roleprofile_id=state.profiles[code].pk)
            for r in targets
            for code in r.values.get("role_profiles") or ()
        ]
        through.objects.bulk_create(links, batch_size=BATCH)

    deactivated = 0
    if options.deactivate_missing and plan.deactivate:
        gone = [ids[d["employee_id"]] for d in plan.deactivate]
        for i in range(0, len(gone), BATCH):
            deactivated += Person.objects.filter(pk__in=gone[i : i + BATCH]).update(
                active=False, updated_at=now
            )

    result = {
        "file": filename,
        "rows": len(plan.rows),
        "created": len(plan.creates),
        "updated": len(plan.updates),
        "unchanged": plan.unchanged,
        "deactivated": deactivated,
        "units_created": len(plan.new_units),
        "teams_created": len(plan.new_teams),
        "options": options.as_dict(),
    }
    audit_log_write(actor=actor, organisation=organisation, action="people.import", obj=None, after=result)
    return result


def import_people(
    *,
    organisation: Organisation,
    table: Table,
    options: Options,
    actor: Any,
    filename: str,
    dry_run: bool = False,
    max_rows: int | None = None,
    progress: Progress = _noop,
) -> tuple[Plan, dict[str, Any] | None]:
    """Check the file and, unless it is a dry run or has problems, apply it."""
    plan = plan_import(organisation.pk, table, options, max_rows=max_rows)
    if dry_run or plan.problems:
        return plan, None
    return plan, apply_plan(
        organisation=organisation,
        plan=plan,
        actor=actor,
        filename=filename,
        options=options,
        progress=progress,
    )
