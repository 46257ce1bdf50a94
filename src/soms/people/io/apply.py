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

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone

from soms.people.errors import PeopleConflict
from soms.people.io.ids import reserve_ids
from soms.people.io.plan import Options, Plan, Row, State, plan_import
from soms.people.io.reading import Table
from soms.people.models import OrgUnit, Person, Team, path_segment
from soms.people.search import search_text
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
    "search_key",
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
    "staged",
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
    # A staged import (see `write_prepared`): the key its rows carry until they go live, the
    # statements that write them (each in a short transaction of its own), and how many rows of
    # each table the final transaction must find staged.
    key: int | None = None
    stage: list[tuple[str, str, Any]] = field(default_factory=list)
    stage_people: list[int] = field(default_factory=list)  # people each staged statement writes
    staged_done: bool = False  # `stage_prepared` has run
    staged_rows: dict[str, int] = field(default_factory=dict)
    deactivate: list[tuple[str, Any]] = field(default_factory=list)  # counted: rows they change
    result: dict[str, Any] = field(default_factory=dict)
    rows: int = 0  # rows written in all

    @property
    def people(self) -> int:
        """People created or changed: what the progress bar counts."""
        return int(self.result.get("created", 0)) + int(self.result.get("updated", 0))

    def _into(self, model: type[models.Model], count: int, staged: bool) -> list[tuple[str, str, Any]]:
        if not staged:
            return self.statements
        if count:
            table = model._meta.db_table
            self.staged_rows[table] = self.staged_rows.get(table, 0) + count
        return self.stage

    def insert(
        self, model: type[models.Model], objs: Sequence[models.Model], *, staged: bool = False
    ) -> None:
        """Multi-row INSERTs of `objs` (ids set), compiled now, in the largest batches allowed."""
        if not objs:
            return
        into = self._into(model, len(objs), staged)
        fields = list(model._meta.concrete_fields)
        size = _batch_size(fields, objs)
        for i in range(0, len(objs), size):
            query = InsertQuery(model)
            query.insert_values(fields, list(objs[i : i + size]), raw=False)
            for sql, params in query.get_compiler(connection=connection).as_sql():
                into.append(("one", sql, params))
        self._count_people(model, into)
        self.rows += len(objs)

    def insert_rows(
        self,
        model: type[models.Model],
        names: Sequence[str],
        rows: list[tuple[Any, ...]],
        *,
        staged: bool = False,
        counted: bool = True,
    ) -> None:
        """Multi-row INSERTs of plain rows, already in the database's types: for the bulk of an
        import, without building a model instance per row. Staged, they go in statements of at most
        SOMS_PEOPLE_IMPORT_STAGE_ROWS rows, each run in a short transaction of its own (`counted`:
        the table has a `staged` column that the final transaction clears)."""
        if not rows:
            return
        into = self._into(model, len(rows) if counted else 0, staged)
        fields = [model._meta.get_field(n) for n in names]
        qn = connection.ops.quote_name
        columns = ", ".join(qn(_column(f)) for f in fields)
        if connection.vendor == "postgresql":
            # COPY streams the rows in PostgreSQL's text format: no statement per row to parse,
            # plan and bind (an INSERT run through executemany took 14 s of a 50,000-row write at
            # load 7, COPY about 3 s). Constraints and foreign keys are checked as for an INSERT.
            size = int(settings.SOMS_PEOPLE_IMPORT_STAGE_ROWS) if staged else len(rows)
            copy = f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"
            into.extend(("copy", copy, rows[i : i + size]) for i in range(0, len(rows), size))
        else:
            head = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES "
            one = "(" + ", ".join(["%s"] * len(fields)) + ")"
            size = _batch_size(fields, rows)
            if staged:
                size = min(size, int(settings.SOMS_PEOPLE_IMPORT_STAGE_ROWS))
            for i in range(0, len(rows), size):
                part = rows[i : i + size]
                into.append(("one", head + ", ".join([one] * len(part)), [v for row in part for v in row]))
        self._count_people(model, into, len(fields))
        self.rows += len(rows)

    def _count_people(self, model: type[models.Model], into: list[Any], width: int = 1) -> None:
        # How many people each new staged statement writes, for the progress bar.
        if into is not self.stage:
            return
        for kind, _sql, params in self.stage[len(self.stage_people) :]:
            rows = len(params) if kind == "copy" else len(params) // width
            self.stage_people.append(rows if model is Person else 0)

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
            for statement in self.statements:
                _run(cursor, statement)
            for sql, params in self.deactivate:
                cursor.execute(sql, params)
                deactivated += max(cursor.rowcount, 0)
        return deactivated


def _run(cursor: Any, statement: tuple[str, str, Any]) -> None:
    kind, sql, params = statement
    if kind == "copy":
        _copy(cursor, sql, params)
    elif kind == "many":
        cursor.executemany(sql, params)
    else:
        cursor.execute(sql, params)


def _copy(cursor: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Stream `rows` through psycopg's COPY (Django's cursor wrapper has no COPY of its own); logged
    like any statement when queries are being recorded (tests, DEBUG)."""
    started = time.perf_counter()
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{len(rows)} rows: {sql}", "time": f"{time.perf_counter() - started:.3f}"}
        )


def _in_batches(ids: list[int], size: int = BATCH) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _bump_revisions(out: Prepared, ids: list[int]) -> None:
    qn = connection.ops.quote_name
    table, column = qn(Person._meta.db_table), qn("revision")
    for chunk in _in_batches(ids):
        marks = ", ".join(["%s"] * len(chunk))
        out.statements.append(
            ("one", f"UPDATE {table} SET {column} = {column} + 1 WHERE {qn('id')} IN ({marks})", chunk)
        )


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
                staged=out.key,
            )
        )
    out.insert(OrgUnit, units, staged=out.key is not None)


def _prepare_teams(organisation: Organisation, plan: Plan, state: State, out: Prepared) -> None:
    if not plan.new_teams:
        return
    now = timezone.now()
    teams = []
    for (unit_path, name), pk in zip(plan.new_teams, reserve_ids(Team, len(plan.new_teams)), strict=True):
        unit_id = state.unit_paths[unit_path.casefold()] if unit_path else None
        teams.append(
            Team(pk=pk, organisation=organisation, unit_id=unit_id, name=name, created_at=now, staged=out.key)
        )
        state.teams[(unit_id, name.casefold())] = pk
    out.insert(Team, teams, staged=out.key is not None)


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
    ids = {emp: p["id"] for emp, p in state.people.items()}
    # Every new person's id is known before any chain is computed.
    new_ids = reserve_ids(Person, len(plan.creates))
    for row, pk in zip(plan.creates, new_ids, strict=True):
        ids[row.employee_id] = pk
    if settings.SOMS_PEOPLE_IMPORT_STAGED and len(plan.creates) > settings.SOMS_PEOPLE_IMPORT_STAGE_ROWS:
        # The key of this import's staged rows: an id of its own, never given to anything else.
        out.key = new_ids[0]
    _prepare_units(organisation, plan, state, out)
    _prepare_teams(organisation, plan, state, out)
    manager_of: dict[str, str] = state.manager  # type: ignore[attr-defined]
    depth: dict[str, int] = state.depth  # type: ignore[attr-defined]
    chains = {emp: p["chain"] for emp, p in state.people.items()}
    by_emp = {r.employee_id: r for r in plan.rows}
    changed_rows = {r.employee_id: r for r in plan.updates}
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
                search_text(name),
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
                out.key,
            )
        )
    out.insert_rows(Person, PERSON_COLUMNS, people, staged=out.key is not None)
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
                search_key=search_text(final("name")),
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
            fields.update(("name_key", "search_key"))
        if "unit" in row.changes and team:
            fields.add("team_id")
        if chains[emp] != p["chain"]:
            fields.add("chain")
    if to_update:
        fields.add("updated_at")
        out.update(Person, to_update, sorted(fields))
        # Every changed person's revision moves on, so an edit form opened before the import is
        # refused instead of writing the old values back (soms.people.services.revisions).
        _bump_revisions(out, [p.pk for p in to_update])
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
        # A new person's links are hidden with them while staged; links of people already live are
        # written with everything else that changes them, in the final transaction.
        staged = out.key is not None
        new_ids_set = set(new_ids) if staged else set()
        names = ("id", "person", "roleprofile")
        out.insert_rows(through, names, [x for x in links if x[1] in new_ids_set], staged=True, counted=False)
        out.insert_rows(through, names, [x for x in links if x[1] not in new_ids_set])

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
                    f"{qn(_column(updated))} = %s, {qn('revision')} = {qn('revision')} + 1 "
                    f"WHERE {qn('id')} IN ({marks})",
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


# The tables with a `staged` column, in the order the final transaction makes them live.
STAGED_MODELS: tuple[type[models.Model], ...] = (OrgUnit, Team, Person)


def _execute(sql: str, params: Sequence[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(int(cursor.rowcount), 0)


def discard_staged(organisation_id: int, key: int | None = None) -> int:
    """Delete staged rows of the organisation (of one import, or every one left by an import that
    was killed), in short transactions of SOMS_PEOPLE_IMPORT_STAGE_ROWS rows: their role-profile
    links, people deepest first (nobody left points at a deleted manager), teams, units deepest
    first. Returns the people deleted."""
    qn = connection.ops.quote_name
    size = max(1, int(settings.SOMS_PEOPLE_IMPORT_STAGE_ROWS))
    which = "organisation_id = %s AND staged IS NOT NULL" + (" AND staged = %s" if key is not None else "")
    of_person = "p.organisation_id = %s AND p.staged IS NOT NULL" + (
        " AND p.staged = %s" if key is not None else ""
    )
    args: list[Any] = [organisation_id] + ([key] if key is not None else [])
    person, unit, team = (qn(m._meta.db_table) for m in (Person, OrgUnit, Team))
    links = qn(Person.role_profiles.through._meta.db_table)
    steps = [
        f"DELETE FROM {links} WHERE id IN (SELECT l.id FROM {links} l "
        f"JOIN {person} p ON p.id = l.person_id WHERE {of_person} LIMIT {size})",
        f"DELETE FROM {person} WHERE id IN "
        f"(SELECT id FROM {person} WHERE {which} ORDER BY LENGTH(chain) DESC, id LIMIT {size})",
        f"DELETE FROM {team} WHERE id IN (SELECT id FROM {team} WHERE {which} LIMIT {size})",
        f"DELETE FROM {unit} WHERE id IN (SELECT id FROM {unit} WHERE {which} ORDER BY depth DESC, id LIMIT {size})",
    ]
    people = 0
    for n, sql in enumerate(steps):
        while True:
            with transaction.atomic():
                deleted = _execute(sql, args)
            if n == 1:
                people += deleted
            if deleted < size:
                break
    return people


def _make_live(organisation: Organisation, prepared: Prepared) -> None:
    """Inside the final transaction: clear `staged` on this import's rows, one UPDATE per table, and
    check that every row it staged is still there (an import started meanwhile in the same
    organisation discards what it finds staged; then this one stops and writes nothing)."""
    qn = connection.ops.quote_name
    for model in STAGED_MODELS:
        table = model._meta.db_table
        expected = prepared.staged_rows.get(table, 0)
        if not expected:
            continue
        made = _execute(
            f"UPDATE {qn(table)} SET staged = NULL WHERE staged = %s AND organisation_id = %s",
            [prepared.key, organisation.pk],
        )
        if made != expected:
            raise PeopleConflict(
                "Another import in this organisation ran at the same time and removed this one's "
                "rows before they were complete; nothing was imported. Apply the file again."
            )


def stage_prepared(*, organisation: Organisation, prepared: Prepared, progress: Progress = _noop) -> float:
    """The first part of a staged write: remove what killed imports left staged in the organisation,
    then run each staged statement in a short transaction of its own, pausing after each. Returns
    the longest of those transactions, in seconds. Nothing it writes is seen until `write_prepared`
    makes it live."""
    discard_staged(organisation.pk)
    pause = settings.SOMS_PEOPLE_IMPORT_STAGE_PAUSE_MS / 1000
    longest = 0.0
    done = 0
    for statement, people in zip(prepared.stage, prepared.stage_people, strict=True):
        opened = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            _run(cursor, statement)
        longest = max(longest, time.perf_counter() - opened)
        if people:
            done += people
            progress("writing", done, prepared.people)
        # Others' writes queued on SQLite's lock poll for it every 100 ms at most; the pause is
        # longer, so each of them gets in before the next statement.
        time.sleep(pause)
    prepared.staged_done = True
    return longest


def write_prepared(
    *,
    organisation: Organisation,
    prepared: Prepared,
    actor: Any,
    finish: Callable[[dict[str, Any]], None] | None = None,
    start: Callable[[], None] | None = None,
    progress: Progress = _noop,
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Write a prepared import, all or nothing as anyone reading sees it, and its audit row; then
    `finish(result)` in the same transaction. `start()` runs first in that transaction (and, staged,
    before the staging too), before any row is written: it may raise to write nothing, e.g. when
    the caller's claim on the import was taken over.

    Unstaged, everything runs in one transaction. Staged (`prepared.key`), the new units, teams,
    people and their links are first written in short transactions of their own, hidden (`staged`
    set; `LiveManager`), with a pause after each in which others' writes take SQLite's write lock;
    the final short transaction then makes them live in one UPDATE per table and writes the rest
    (changes to people already there, deactivations, the audit row). Whatever fails on the way, the
    staged rows are deleted again; a process killed on the way leaves them hidden, and the next
    staged import in the organisation deletes them before it starts."""
    longest = 0.0
    started = time.perf_counter()
    staged = prepared.key is not None
    try:
        if staged and not prepared.staged_done:
            if start is not None:
                start()
            longest = stage_prepared(organisation=organisation, prepared=prepared, progress=progress)
        opened = time.perf_counter()
        with transaction.atomic():
            if start is not None:
                start()
            if staged:
                _make_live(organisation, prepared)
            result = {**prepared.result, "deactivated": prepared.run()}
            audit_log_write(
                actor=actor, organisation=organisation, action="people.import", obj=None, after=result
            )
            if finish is not None:
                finish(result)
            written = time.perf_counter()
    except BaseException:
        if staged:
            discard_staged(organisation.pk, prepared.key)
        raise
    ended = time.perf_counter()
    if timings is not None:
        timings["write"] = ended - started
        # The longest any one transaction held the database (SQLite's write lock): the final one or,
        # staged, the longest of the short ones before it.
        timings["longest_transaction"] = max(longest, ended - opened)
        timings["final_transaction"] = ended - opened
        # The commit: on PostgreSQL the deferred foreign-key checks of every row run here.
        timings["commit"] = ended - written
        timings["staged_transactions"] = len(prepared.stage)
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
    """Prepare (no lock held), then write. `timings` receives how long each took."""
    started = time.perf_counter()
    prepared = prepare_plan(
        organisation=organisation, plan=plan, filename=filename, options=options, progress=progress
    )
    progress("writing", 0, prepared.people)
    if timings is not None:
        timings["prepare"] = time.perf_counter() - started
    result = write_prepared(
        organisation=organisation, prepared=prepared, actor=actor, progress=progress, timings=timings
    )
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
