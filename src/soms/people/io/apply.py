"""Write a checked plan: all or nothing, in one transaction, with bulk writes and one audit row.

The write transaction is as short as it can be, because on SQLite it holds the one write lock that
every organisation's sign-ins and writes wait for. Everything that can happen before it does:

1. ids for the new units, teams and people are reserved first (`soms.people.io.ids`: a sequence on
   PostgreSQL, a short bump of `sqlite_sequence` on SQLite), so every row (manager ids, manager
   chains, unit paths, role-profile links) is known before anything is written;
2. the rows are turned into SQL with Django's own compiler (multi-row INSERTs in the largest batches
   the database takes; one prepared UPDATE run over all changed rows);
3. the transaction then only runs those statements, writes the audit row and closes.

Foreign keys are deferred to the commit on both databases, so the order of the statements inside
does not matter for them; people are still written managers first.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone

from soms.people.io.ids import reserve_ids
from soms.people.io.plan import Options, Plan, Row, State, plan_import
from soms.people.io.reading import Table
from soms.people.models import OrgUnit, Person, Team, path_segment
from soms.tenancy.models import Organisation
from soms.tenancy.services import audit_log_write

Progress = Callable[[str, int, int], None]
BATCH = 2000
# Rows per multi-row INSERT. SQLite takes as many as its parameter limit allows and gains from few
# statements; psycopg binds parameters on the client and splits a query's text anew for each
# statement, at a cost per parameter (80,000 parameters: 1.3 s), so PostgreSQL gets short ones.
MAX_ROWS_PER_STATEMENT = {"sqlite": 5000, "postgresql": 500}
# The people columns a new row of an import fills, in the order of `_person_row`.
PERSON_COLUMNS = (
    "id",
    "organisation",
    "employee_id",
    "name",
    "name_key",
    "email",
    "job_title",
    "location",
    "manager",
    "chain",
    "unit",
    "team",
    "start_date",
    "active",
    "created_at",
    "updated_at",
)
SIMPLE = ("name", "email", "job_title", "location")


class PlanHasProblems(ValueError):
    def __init__(self, plan: Plan) -> None:
        super().__init__(f"{len(plan.problems)} problems")
        self.plan = plan


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _batch_size(fields: Sequence[Any], objs: Sequence[Any]) -> int:
    # As many rows per statement as the database takes (SQLite counts parameters), at most
    # MAX_ROWS_PER_STATEMENT for the database.
    allowed = connection.ops.bulk_batch_size(list(fields), list(objs)) or len(objs)
    most = MAX_ROWS_PER_STATEMENT.get(connection.vendor, 1000)
    return max(1, min(allowed, most))


def _column(f: Any) -> str:
    # Concrete fields always have a column; the stubs type it as optional.
    return str(f.column)


@dataclass
class Prepared:
    """Statements ready to run, in order: ("one", sql, params), ("many", sql, [params, …]) or, on
    PostgreSQL, ("copy", "COPY … FROM STDIN", [row, …])."""

    statements: list[tuple[str, str, Any]] = field(default_factory=list)
    deactivate: list[tuple[str, Any]] = field(default_factory=list)  # counted: rows they change
    result: dict[str, Any] = field(default_factory=dict)
    rows: int = 0  # rows written in all

    @property
    def people(self) -> int:
        """People created or changed: what the progress bar counts."""
        return int(self.result.get("created", 0)) + int(self.result.get("updated", 0))

    def insert(self, model: type[models.Model], objs: Sequence[models.Model]) -> None:
        """Multi-row INSERTs of `objs` (ids set), compiled now, in the largest batches allowed."""
        if not objs:
            return
        fields = list(model._meta.concrete_fields)
        size = _batch_size(fields, objs)
        for i in range(0, len(objs), size):
            query = InsertQuery(model)
            query.insert_values(fields, list(objs[i : i + size]), raw=False)
            for sql, params in query.get_compiler(connection=connection).as_sql():
                self.statements.append(("one", sql, params))
        self.rows += len(objs)

    def insert_rows(
        self, model: type[models.Model], names: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        """Multi-row INSERTs of plain rows, already in the database's types (see `_adapters`): for the
        bulk of an import, without building a model instance per row."""
        if not rows:
            return
        fields = [model._meta.get_field(n) for n in names]
        qn = connection.ops.quote_name
        head = "INSERT INTO {} ({}) VALUES ".format(
            qn(model._meta.db_table), ", ".join(qn(_column(f)) for f in fields)
        )
        if connection.vendor == "postgresql":
            # COPY streams the rows in PostgreSQL's text format: no statement per row to parse,
            # plan and bind (an INSERT run through executemany took 14 s of a 50,000-row write at
            # load 7, COPY about 1 s). Constraints and foreign keys are checked as for an INSERT.
            copy = "COPY {} ({}) FROM STDIN".format(
                qn(model._meta.db_table), ", ".join(qn(_column(f)) for f in fields)
            )
            self.statements.append(("copy", copy, rows))
            self.rows += len(rows)
            return
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        size = _batch_size(fields, rows)
        for i in range(0, len(rows), size):
            chunk = rows[i : i + size]
            self.statements.append(
                ("one", head + ", ".join([one] * len(chunk)), [v for row in chunk for v in row])
            )
        self.rows += len(rows)

    def update(self, model: type[models.Model], objs: Sequence[models.Model], names: Sequence[str]) -> None:
        """One prepared `UPDATE … WHERE id = %s`, run once per object (executemany: one call)."""
        if not objs or not names:
            return
        opts = model._meta
        fields = [opts.get_field(n) for n in names]
        qn = connection.ops.quote_name
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            qn(opts.db_table),
            ", ".join(f"{qn(_column(f))} = %s" for f in fields),
            qn(_column(opts.pk)),
        )
        rows = [
            [f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] + [o.pk]  # type: ignore[union-attr]
            for o in objs
        ]
        self.statements.append(("many", sql, rows))
        self.rows += len(objs)

    def run(self) -> int:
        """Run every statement (inside the caller's transaction); returns the people deactivated."""
        deactivated = 0
        with connection.cursor() as cursor:
            for kind, sql, params in self.statements:
                if kind == "copy":
                    _copy(cursor, sql, params)
                elif kind == "many":
                    cursor.executemany(sql, params)
                else:
                    cursor.execute(sql, params)
            for sql, params in self.deactivate:
                cursor.execute(sql, params)
                deactivated += max(cursor.rowcount, 0)
        return deactivated


def _copy(cursor: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Stream `rows` through psycopg's COPY (Django's cursor wrapper has no COPY of its own); logged
    like any statement when queries are being recorded (tests, DEBUG)."""
    started = time.perf_counter()
    with cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{len(rows)} rows: {sql}", "time": f"{time.perf_counter() - started:.3f}"}
        )


def _in_batches(ids: list[int], size: int = BATCH) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _prepare_units(organisation: Organisation, plan: Plan, state: State, out: Prepared) -> None:
    """The missing units, shallowest first, with their ids and paths; recorded in the state."""
    if not plan.new_units:
        return
    paths = sorted(plan.new_units, key=lambda p: p.count("/"))
    ids = reserve_ids(OrgUnit, len(paths))
    parent_paths = {
        state.unit_paths[p.rsplit("/", 1)[0].casefold()]
        for p in paths
        if "/" in p and p.rsplit("/", 1)[0].casefold() in state.unit_paths
    }
    stored = dict(OrgUnit.objects.filter(pk__in=parent_paths).values_list("pk", "path"))
    now = timezone.now()
    units = []
    for path, pk in zip(paths, ids, strict=True):
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        parent_id = state.unit_paths[parent.casefold()] if parent else None
        unit_path = (stored[parent_id] if parent_id else "") + path_segment(pk)
        stored[pk] = unit_path
        state.unit_paths[path.casefold()] = pk
        state.unit_names[pk] = path
        units.append(
            OrgUnit(
                pk=pk,
                organisation=organisation,
                name=path.rsplit("/", 1)[-1],
                parent_id=parent_id,
                path=unit_path,
                depth=path.count("/"),
                created_at=now,
            )
        )
    out.insert(OrgUnit, units)


def _prepare_teams(organisation: Organisation, plan: Plan, state: State, out: Prepared) -> None:
    if not plan.new_teams:
        return
    now = timezone.now()
    teams = []
    for (unit_path, name), pk in zip(plan.new_teams, reserve_ids(Team, len(plan.new_teams)), strict=True):
        unit_id = state.unit_paths[unit_path.casefold()] if unit_path else None
        teams.append(Team(pk=pk, organisation=organisation, unit_id=unit_id, name=name, created_at=now))
        state.teams[(unit_id, name.casefold())] = pk
    out.insert(Team, teams)


def prepare_plan(
    *, organisation: Organisation, plan: Plan, filename: str, options: Options, progress: Progress = _noop
) -> Prepared:
    """Everything `write_prepared` runs, computed without holding any lock. Reserves ids."""
    if plan.problems:
        raise PlanHasProblems(plan)
    out = Prepared()
    state: State = plan.state
    total = len(plan.creates) + len(plan.updates)
    progress("preparing", 0, total)
    _prepare_units(organisation, plan, state, out)
    _prepare_teams(organisation, plan, state, out)
    manager_of: dict[str, str] = state.manager  # type: ignore[attr-defined]
    depth: dict[str, int] = state.depth  # type: ignore[attr-defined]
    ids = {emp: p["id"] for emp, p in state.people.items()}
    chains = {emp: p["chain"] for emp, p in state.people.items()}
    by_emp = {r.employee_id: r for r in plan.rows}
    changed_rows = {r.employee_id: r for r in plan.updates}
    # Every new person's id is known before any chain is computed.
    for row, pk in zip(plan.creates, reserve_ids(Person, len(plan.creates)), strict=True):
        ids[row.employee_id] = pk
    new = {r.employee_id for r in plan.creates}

    # Every person whose chain may change: the rows of the file and, when a manager moved, everyone
    # below them. Walking all people in depth order settles each chain from its manager's.
    order = sorted(depth, key=depth.__getitem__)
    rechained: list[tuple[str, str]] = []
    now = timezone.now()
    # Values in the database's own types, converted once where Django would convert per row.
    stamp = Person._meta.get_field("updated_at").get_db_prep_save(now, connection)
    as_date = connection.ops.adapt_datefield_value
    people: list[tuple[Any, ...]] = []
    org_id = organisation.pk
    for emp in order:
        mgr = manager_of.get(emp, "")
        chain = (chains[mgr] + path_segment(ids[mgr])) if mgr else ""
        if emp not in new:
            if emp not in changed_rows and chains[emp] != chain:
                rechained.append((emp, chain))
            chains[emp] = chain
            continue
        chains[emp] = chain
        values = by_emp[emp].values
        unit_path = values.get("unit") or ""
        unit_id = state.unit_paths[unit_path.casefold()] if unit_path else None
        team = values.get("team") or ""
        team_id = state.teams[(unit_id, team.casefold())] if team else None
        start = values.get("start_date") or ""
        name = values["name"]
        people.append(
            (
                ids[emp],
                org_id,
                emp,
                name,
                name.lower(),
                values.get("email", ""),
                values.get("job_title", ""),
                values.get("location", ""),
                ids[mgr] if mgr else None,
                chain,
                unit_id,
                team_id,
                as_date(dt.date.fromisoformat(start)) if start else None,
                bool(values.get("active", True)),
                stamp,
                stamp,
            )
        )
    out.insert_rows(Person, PERSON_COLUMNS, people)
    progress("preparing", len(people), total)

    # Updates: only the rows with changes. Each object carries its final value for every field
    # (stored or changed), so one statement can write the union of changed fields.
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
        out.update(Person, to_update, sorted(fields))
    if rechained:
        out.update(Person, [Person(pk=ids[emp], chain=chain) for emp, chain in rechained], ["chain"])
    progress("preparing", total, total)

    # Role profiles: replace the set of each person the file names them for.
    if "role_profiles" in plan.columns:
        through = Person.role_profiles.through
        targets = [r for r in plan.creates if r.values.get("role_profiles")]
        targets += [r for r in plan.updates if "role_profiles" in r.changes]
        changed_ids = [ids[r.employee_id] for r in plan.updates if "role_profiles" in r.changes]
        table = connection.ops.quote_name(through._meta.db_table)
        for chunk in _in_batches(changed_ids):
            marks = ", ".join(["%s"] * len(chunk))
            out.statements.append(("one", f"DELETE FROM {table} WHERE person_id IN ({marks})", chunk))
        pairs = [(r, code) for r in targets for code in r.values.get("role_profiles") or ()]
        links = [
            (pk, ids[r.employee_id], state.profiles[code].pk)
            for (r, code), pk in zip(pairs, reserve_ids(through, len(pairs)), strict=True)
        ]
        out.insert_rows(through, ("id", "person", "roleprofile"), links)

    if options.deactivate_missing and plan.deactivate:
        gone = [ids[d["employee_id"]] for d in plan.deactivate]
        qn = connection.ops.quote_name
        active = Person._meta.get_field("active")
        updated = Person._meta.get_field("updated_at")
        for chunk in _in_batches(gone):
            marks = ", ".join(["%s"] * len(chunk))
            out.deactivate.append(
                (
                    f"UPDATE {qn(Person._meta.db_table)} SET {qn(_column(active))} = %s, "
                    f"{qn(_column(updated))} = %s WHERE {qn('id')} IN ({marks})",
                    [
                        active.get_db_prep_save(False, connection),
                        updated.get_db_prep_save(now, connection),
                        *chunk,
                    ],
                )
            )

    out.result = {
        "file": filename,
        "rows": len(plan.rows),
        "created": len(plan.creates),
        "updated": len(plan.updates),
        "unchanged": plan.unchanged,
        "deactivated": 0,
        "units_created": len(plan.new_units),
        "teams_created": len(plan.new_teams),
        "options": options.as_dict(),
    }
    return out


def write_prepared(*, organisation: Organisation, prepared: Prepared, actor: Any) -> dict[str, Any]:
    """Run the prepared statements and the audit row. Call it inside the (short) write transaction."""
    result = {**prepared.result, "deactivated": prepared.run()}
    audit_log_write(actor=actor, organisation=organisation, action="people.import", obj=None, after=result)
    return result


def apply_plan(
    *,
    organisation: Organisation,
    plan: Plan,
    actor: Any,
    filename: str,
    options: Options,
    progress: Progress = _noop,
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Prepare (no lock held), then write in one transaction. `timings` receives how long each took."""
    started = time.perf_counter()
    prepared = prepare_plan(
        organisation=organisation, plan=plan, filename=filename, options=options, progress=progress
    )
    progress("writing", 0, prepared.people)
    opened = time.perf_counter()
    with transaction.atomic():
        result = write_prepared(organisation=organisation, prepared=prepared, actor=actor)
        written = time.perf_counter()
    if timings is not None:
        timings["prepare"] = opened - started
        timings["write"] = time.perf_counter() - opened
        # The commit: on PostgreSQL the deferred foreign-key checks of every row run here.
        timings["commit"] = time.perf_counter() - written
    progress("writing", prepared.people, prepared.people)
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
    timings: dict[str, float] | None = None,
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
        timings=timings,
    )
