"""Check a whole people file against the organisation and work out what it would change.

Nothing here writes. `plan_import` answers every problem (row, column, value, reason) and, when
there is none, the dry run: who is created, what changes field by field, who is deactivated, which
units and teams are new. `soms.people.io.apply` writes a plan without problems.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from soms.core.dates import date_problem
from soms.people.io.columns import COLUMNS, accepted_text, column_for
from soms.people.io.reading import Table
from soms.people.models import ID_WIDTH, MAX_DEPTH, OrgUnit, Person, RoleProfile, Team
from soms.people.services.persons import role_profiles_by_code
from soms.people.validation import email_problem, text_problem

LIMITS = {"employee_id": 64, "name": 200, "email": 254, "job_title": 200, "location": 200, "team": 120}
UNIT_SEGMENT_MAX = 120
TRUE = {"true", "yes", "y", "1", "active", "t"}
FALSE = {"false", "no", "n", "0", "inactive", "f", "left"}
# The text columns checked by the people rules every edge shares (soms.people.validation).
TEXT_COLUMNS = ("name", "email", "job_title", "location", "team")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_RE = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d+)?$")
# Fields compared and shown in the dry run, in this order.
DIFF_FIELDS = (
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
)


@dataclass(frozen=True)
class Problem:
    row: int | None  # None: the file as a whole
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class Options:
    clear_empty: bool = False  # an empty cell clears the field (otherwise it leaves it alone)
    deactivate_missing: bool = False  # active people of the organisation missing from the file

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Options:
        return cls(
            clear_empty=bool(data.get("clear_empty")), deactivate_missing=bool(data.get("deactivate_missing"))
        )

    def as_dict(self) -> dict[str, bool]:
        return {"clear_empty": self.clear_empty, "deactivate_missing": self.deactivate_missing}


@dataclass
class Row:
    number: int
    employee_id: str
    values: dict[str, Any]  # only the fields the row sets (after the empty-cell rule)
    existing: dict[str, Any] | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class Plan:
    columns: list[str]
    problems: list[Problem]
    rows: list[Row] = field(default_factory=list)
    creates: list[Row] = field(default_factory=list)
    updates: list[Row] = field(default_factory=list)
    unchanged: int = 0
    deactivate: list[dict[str, Any]] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)
    new_teams: list[tuple[str, str]] = field(default_factory=list)  # (unit path, team name)
    notes: list[str] = field(default_factory=list)
    # What apply needs, so it does not read the organisation twice.
    state: Any = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self, limit: int = 200) -> dict[str, Any]:
        def row_out(r: Row) -> dict[str, Any]:
            return {
                "row": r.number,
                "employee_id": r.employee_id,
                "name": r.values.get("name") or (r.existing or {}).get("name", ""),
            }

        return {
            "columns": self.columns,
            "rows": len(self.rows),
            "create": len(self.creates),
            "update": len(self.updates),
            "unchanged": self.unchanged,
            "deactivate": len(self.deactivate),
            "new_units": self.new_units[:limit],
            "new_units_count": len(self.new_units),
            "new_teams": [f"{u}: {t}" if u else t for u, t in self.new_teams[:limit]],
            "new_teams_count": len(self.new_teams),
            "creates": [row_out(r) for r in self.creates[:limit]],
            "updates": [
                {**row_out(r), "changes": [[f, _show(a), _show(b)] for f, (a, b) in r.changes.items()]}
                for r in self.updates[:limit]
            ],
            "deactivations": self.deactivate[:limit],
            "notes": self.notes,
        }

    def fingerprint(self) -> str:
        """What this dry run promises: every row's outcome (created with its values, changed field
        by field, unchanged) with the revision of the person it meets, the people it deactivates at
        their revisions, and the new units and teams. The same file checked again gives the same
        fingerprint exactly when nobody changed a person it touches and nothing it would do moved."""
        people = self.state.people if self.state is not None else {}
        rows = [
            [
                r.employee_id,
                (r.existing or {}).get("revision", 0),
                sorted(r.changes.items()) if r.existing is not None else sorted(r.values.items()),
            ]
            for r in sorted(self.rows, key=lambda r: r.employee_id)
        ]
        gone = [
            [d["employee_id"], people.get(d["employee_id"], {}).get("revision", 0)] for d in self.deactivate
        ]
        data = [rows, gone, self.new_units, self.new_teams]
        return hashlib.sha256(json.dumps(data, default=str).encode()).hexdigest()


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "; ".join(value) if value else "—"
    return str(value)


@dataclass
class State:
    """The organisation as the file will meet it: people, units and teams by their file keys."""

    people: dict[str, dict[str, Any]]  # employee_id -> stored values (file representation)
    unit_paths: dict[str, int]  # "A/B" (case-folded) -> unit id
    unit_names: dict[int, str]  # unit id -> "A/B" as stored
    teams: dict[tuple[int | None, str], int]  # (unit id, team name case-folded) -> team id
    team_names: dict[int, tuple[int | None, str]]
    profiles: dict[str, RoleProfile]
    # Employee ids are matched without regard to case, like e-mail addresses: case-folded id -> the
    # spelling stored (a file's `e-001` is the person stored as `E-001`, who keeps that spelling).
    spelling: dict[str, str] = field(default_factory=dict)


def load_state(organisation_id: int, *, with_profiles: bool) -> State:
    units = list(OrgUnit.objects.filter(organisation_id=organisation_id).values_list("id", "name", "path"))
    name_of = {pk: name for pk, name, _ in units}
    unit_names: dict[int, str] = {}
    for pk, _, path in units:
        ids = [int(path[i : i + ID_WIDTH]) for i in range(0, len(path), ID_WIDTH)]
        unit_names[pk] = "/".join(name_of.get(i, "?") for i in ids)
    unit_paths = {p.casefold(): pk for pk, p in unit_names.items()}
    teams: dict[tuple[int | None, str], int] = {}
    team_names: dict[int, tuple[int | None, str]] = {}
    for pk, unit_id, name in Team.objects.filter(organisation_id=organisation_id).values_list(
        "id", "unit_id", "name"
    ):
        teams[(unit_id, name.casefold())] = pk
        team_names[pk] = (unit_id, name)
    rows = Person.objects.filter(organisation_id=organisation_id).values_list(
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
        "chain",
        "erased_at",
        "revision",
    )
    by_id: dict[int, dict[str, Any]] = {}
    for pk, emp, name, email, title, mgr, unit, team, loc, start, active, chain, erased, revision in rows:
        by_id[pk] = {
            "id": pk,
            "employee_id": emp,
            "name": name,
            "email": email,
            "job_title": title,
            "manager_id": mgr,
            "unit_id": unit,
            "team_id": team,
            "location": loc,
            "start_date": start.isoformat() if start else "",
            "active": active,
            "chain": chain,
            "erased": erased is not None,
            "revision": revision,
            "role_profiles": None,
        }
    emp_of = {pk: p["employee_id"] for pk, p in by_id.items()}
    for p in by_id.values():
        p["manager_employee_id"] = emp_of.get(p["manager_id"], "") if p["manager_id"] else ""
        p["unit"] = unit_names.get(p["unit_id"], "") if p["unit_id"] else ""
        p["team"] = team_names[p["team_id"]][1] if p["team_id"] in team_names else ""
    if with_profiles:
        for p in by_id.values():
            p["role_profiles"] = []
        through = Person.role_profiles.through
        links = through.objects.filter(person__organisation_id=organisation_id, person__staged__isnull=True)
    # One naming rule with the API and the export: the organisation's profile shadows a built-in one
    # of the same code, which is then `builtin:<code>` (soms.people.services.persons).
    profiles = role_profiles_by_code(organisation_id)
    if with_profiles:
        keys = {p.pk: code for code, p in profiles.items()}
        for person_id, profile_id in links.values_list("person_id", "roleprofile_id"):
            by_id[person_id]["role_profiles"].append(keys[profile_id])
        for p in by_id.values():
            p["role_profiles"].sort()
    return State(
        spelling={p["employee_id"].casefold(): p["employee_id"] for p in by_id.values()},
        people={p["employee_id"]: p for p in by_id.values()},
        unit_paths=unit_paths,
        unit_names=unit_names,
        teams=teams,
        team_names=team_names,
        profiles=profiles,
    )


def _unit_path(raw: str) -> tuple[str | None, str | None]:
    """(normalised path, reason it is wrong)."""
    parts = [p.strip() for p in raw.strip().strip("/").split("/")]
    if any(not p for p in parts):
        return None, "a unit path names each level between '/' (no empty level)"
    if len(parts) > MAX_DEPTH:
        return None, f"units nest at most {MAX_DEPTH} levels deep"
    if any(len(p) > UNIT_SEGMENT_MAX for p in parts):
        return None, f"a unit name is at most {UNIT_SEGMENT_MAX} characters"
    return "/".join(parts), None


def check_columns(
    headers: list[str], rows: list[tuple[int, list[str]]] | None
) -> tuple[dict[str, int], list[Problem]]:
    """Which column each header names, and the header's problems. Without `rows` (a header read on
    its own), a column without a header is not judged: whether it holds values needs the rows."""
    problems: list[Problem] = []
    index: dict[str, int] = {}
    for i, header in enumerate(headers):
        if not header:
            if rows is not None and any(i < len(cells) and cells[i].strip() for _, cells in rows):
                problems.append(Problem(1, f"column {i + 1}", "", "this column has values but no header"))
            continue
        column = column_for(header)
        if column is None:
            problems.append(Problem(1, header, header, f"unknown column; accepted: {accepted_text()}"))
        elif column in index:
            problems.append(
                Problem(1, header, header, f"names the same column as {headers[index[column]]!r}")
            )
        else:
            index[column] = i
    if "employee_id" not in index:
        problems.append(
            Problem(1, "employee_id", "", "required column missing (people are matched by employee id)")
        )
    return index, problems


# How often a long check says how far it got.
PROGRESS_EVERY = 1_000


def plan_import(
    organisation_id: int,
    table: Table,
    options: Options,
    *,
    max_rows: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    # --- columns --------------------------------------------------------------------------
    index, problems = check_columns(table.headers, table.rows)
    columns = [c for c in COLUMNS if c in index]
    plan = Plan(columns=columns, problems=problems, notes=list(table.notes))
    if problems:
        return plan
    if max_rows is not None and len(table.rows) > max_rows:
        plan.problems.append(
            Problem(None, "", str(len(table.rows)), f"the file has more than {max_rows:,} rows")
        )
        return plan

    state = load_state(organisation_id, with_profiles="role_profiles" in index)
    plan.state = state
    width = len(table.headers)
    seen: dict[str, int] = {}  # case-folded employee id -> its row
    first_spelling: dict[str, str] = {}
    rows: list[Row] = []
    refused: list[Row] = []  # rows with problems of their own, for the manager check
    total = len(table.rows)
    for done, (number, cells) in enumerate(table.rows):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        if not any(c.strip() for c in cells):
            continue  # a blank line
        raw = {column: cells[i].strip() for column, i in index.items()}
        emp = raw["employee_id"]
        row_problems: list[Problem] = []

        def bad(
            column: str,
            reason: str,
            value: str | None = None,
            number: int = number,
            raw: dict[str, str] = raw,
            row_problems: list[Problem] = row_problems,
        ) -> None:
            row_problems.append(
                Problem(number, column, raw.get(column, "") if value is None else value, reason)
            )

        if not emp:
            bad("employee_id", "required: every row needs an employee id")
        elif len(emp) > LIMITS["employee_id"]:
            bad("employee_id", f"at most {LIMITS['employee_id']} characters")
        elif (reason := text_problem(emp)) is not None:
            bad("employee_id", reason)
        elif emp.casefold() in seen:
            first = seen[emp.casefold()]
            bad(
                "employee_id",
                f"the same employee id is already on row {first}"
                + (
                    f" (as {first_spelling[emp.casefold()]!r}: ids ignore case)"
                    if first_spelling[emp.casefold()] != emp
                    else ""
                ),
            )
        else:
            seen[emp.casefold()] = number
            # The stored spelling wins; a new id keeps the file's first spelling.
            emp = state.spelling.setdefault(emp.casefold(), emp)
            first_spelling[emp.casefold()] = raw["employee_id"]
        existing = state.people.get(emp)
        values: dict[str, Any] = {}
        for column in columns:
            if column == "employee_id":
                continue
            value: Any = raw[column]
            if value == "":
                if column == "name" and existing is None:
                    bad("name", "required for a new person")
                elif column == "name" and options.clear_empty:
                    bad(
                        "name",
                        "a person's name cannot be cleared: fill it in, or import without "
                        "'empty cells clear the field' to leave it as it is",
                    )
                elif options.clear_empty and column not in ("name", "active"):
                    values[column] = [] if column == "role_profiles" else ""
                continue
            if column in LIMITS and len(value) > LIMITS[column]:
                bad(column, f"at most {LIMITS[column]} characters")
                continue
            if column in TEXT_COLUMNS and (reason := text_problem(value)) is not None:
                bad(column, reason)
                continue
            if column == "email":
                if (reason := email_problem(value)) is not None:
                    bad(column, reason)
                    continue
            elif column == "start_date":
                if TIME_RE.match(value):
                    # What a workbook gives for a date cell before 1 March 1900 (or of 0): a time.
                    bad(
                        column,
                        "a time of day, not a date: a workbook date cell cannot hold a date before "
                        "1 March 1900; write the date as text YYYY-MM-DD",
                    )
                    continue
                if not DATE_RE.match(value):
                    bad(column, "write dates as YYYY-MM-DD (e.g. 2024-03-31)")
                    continue
                try:
                    day = dt.date.fromisoformat(value)
                except ValueError:
                    bad(column, "no such date")
                    continue
                if (problem := date_problem(day)) is not None:
                    bad(column, problem)
                    continue
            elif column == "active":
                lowered = value.lower()
                if lowered not in TRUE | FALSE:
                    bad(column, "write yes or no (also true/false, 1/0)")
                    continue
                value = lowered in TRUE
            elif column == "unit":
                path, reason = _unit_path(value)
                if reason:
                    bad(column, reason)
                    continue
                value = path
            elif column == "role_profiles":
                codes = sorted({c.strip() for c in value.split(";") if c.strip()})
                unknown = [c for c in codes if c not in state.profiles]
                if unknown:
                    bad(
                        column,
                        f"unknown role profile {', '.join(unknown)}; known: {', '.join(sorted(state.profiles))}",
                    )
                    continue
                value = codes
            elif column == "manager_employee_id" and value.casefold() == emp.casefold():
                bad(column, "a person cannot be their own manager")
                continue
            values[column] = value
        if existing is None and "name" not in index and emp:
            bad("name", "required for a new person, and the file has no name column", value="")
        if existing is not None and existing["erased"]:
            bad("employee_id", "this person was erased; erased records cannot be imported over")
        problems.extend(row_problems)
        row = Row(number=number, employee_id=emp, values=values, existing=existing)
        if not row_problems:
            rows.append(row)
        else:
            # Kept aside so its manager reference is still checked once the whole file is known:
            # an unknown manager is reported with the row's other problems, not after they are fixed.
            refused.append(row)
    if progress is not None:
        progress(total, total)
    plan.rows = rows
    # Reference checks (unknown managers, teams, manager cycles and depth) run whatever the rows'
    # own problems, so one upload names every problem of the file.
    _check_references(plan, state, seen, refused)
    if plan.problems:
        plan.problems.sort(key=lambda p: (p.row or 0, COLUMNS.index(p.column) if p.column in COLUMNS else -1))
        return plan
    _diff(plan, state, options)
    return plan


def _final_manager(row: Row | None, person: dict[str, Any] | None) -> str:
    if row is not None and "manager_employee_id" in row.values:
        return str(row.values["manager_employee_id"])
    return person["manager_employee_id"] if person else ""


def _check_teams(plan: Plan, state: State) -> None:
    """A team is part of one unit, the person's (the rule of every edge: soms.people.services.
    persons). A row that moves a person to another unit without a team column takes them out of
    their old unit's team (shown in the dry run), never copies that team into the new unit; a row
    whose person would hold a team but no unit is a problem on the team column."""
    for row in plan.rows:
        existing = row.existing or {}
        unit = row.values["unit"] if "unit" in row.values else existing.get("unit", "")
        if "team" not in row.values:
            moved = (
                "unit" in row.values and (unit or "").casefold() != (existing.get("unit") or "").casefold()
            )
            if moved and existing.get("team"):
                row.values["team"] = ""
            continue
        team = row.values["team"]
        if team and not unit:
            plan.problems.append(
                Problem(
                    row.number,
                    "team",
                    team,
                    "a team is part of a unit and this person has none: give their unit in the unit "
                    "column (a path such as Operations/Claims)",
                )
            )


def _row_of(rows: dict[str, Row], key: str) -> int:
    return rows[key].number if key in rows else 0


def _check_references(plan: Plan, state: State, seen: dict[str, int], refused: Sequence[Row] = ()) -> None:
    """Managers named in the file exist, no reporting line runs in a cycle and none is too deep.
    The refused rows (problems of their own, such as a bad e-mail) take part in every check with
    what they say, so a file with a bad e-mail on one row and a cycle on three others is answered
    with all four problems at once rather than one upload after another."""
    by_emp = {r.employee_id: r for r in plan.rows}
    for row in [*plan.rows, *refused]:
        mgr = row.values.get("manager_employee_id")
        if mgr:
            # The manager by the spelling stored or first used in the file, whatever the case here.
            mgr = row.values["manager_employee_id"] = state.spelling.get(mgr.casefold(), mgr)
        if mgr and mgr.casefold() not in seen and mgr not in state.people:
            plan.problems.append(
                Problem(
                    row.number,
                    "manager_employee_id",
                    mgr,
                    "no person with this employee id in the file or the organisation",
                )
            )
    _check_teams(plan, state)
    # Manager cycles and depth, over the organisation as it would be after the import. A refused row
    # counts by its employee id unless that id is itself the problem (missing, twice in the file,
    # erased): a duplicate row must not stand in for the first. A refused manager cell says nothing
    # about where the line goes, so it ends the walk there rather than falling back to the stored
    # manager, which the row meant to change (a cycle through it would not be the file's).
    bad_id = {p.row for p in plan.problems if p.column == "employee_id"}
    bad_manager = {p.row for p in plan.problems if p.column == "manager_employee_id"}
    in_file: dict[str, Row] = dict(by_emp)
    cut: set[str] = set()
    for row in refused:
        if row.number in bad_id or not row.employee_id or row.employee_id in in_file:
            continue
        in_file[row.employee_id] = row
        if row.number in bad_manager and "manager_employee_id" not in row.values:
            cut.add(row.employee_id)
    keys = set(state.people) | set(in_file)
    manager = {k: "" if k in cut else _final_manager(in_file.get(k), state.people.get(k)) for k in keys}
    depth: dict[str, int] = {}
    reported: set[str] = set()
    for start in sorted(keys):
        if start in depth:
            continue
        path: list[str] = []
        on_path: dict[str, int] = {}
        node = start
        while node and node not in depth:
            if node in on_path:
                cycle = path[on_path[node] :]
                # Told from its first row in the file, whichever person the walk happened to meet first.
                first = min(
                    range(len(cycle)), key=lambda i: (cycle[i] not in in_file, _row_of(in_file, cycle[i]))
                )
                cycle = cycle[first:] + cycle[:first]
                text = " → ".join(
                    [f"{m} (row {in_file[m].number})" if m in in_file else m for m in cycle] + [cycle[0]]
                )
                for member in cycle:
                    if member in in_file and member not in reported:
                        reported.add(member)
                        plan.problems.append(
                            Problem(
                                in_file[member].number,
                                "manager_employee_id",
                                manager[member],
                                f"manager cycle (each reports to the next): {text}",
                            )
                        )
                    depth[member] = 0
                if not any(m in in_file for m in cycle):
                    plan.problems.append(
                        Problem(
                            None,
                            "manager_employee_id",
                            "",
                            f"manager cycle (each reports to the next): {text}",
                        )
                    )
                break
            on_path[node] = len(path)
            path.append(node)
            node = manager.get(node, "")
        base = depth.get(node, -1) if node else -1
        for n in reversed(path):
            if n not in depth:
                base += 1
                depth[n] = base
                if base >= MAX_DEPTH and n in in_file and n not in reported:
                    reported.add(n)
                    plan.problems.append(
                        Problem(
                            in_file[n].number,
                            "manager_employee_id",
                            manager[n],
                            f"reporting lines are at most {MAX_DEPTH} levels deep",
                        )
                    )
            else:
                base = depth[n]
    plan.state.depth = depth
    plan.state.manager = manager


def _diff(plan: Plan, state: State, options: Options) -> None:
    new_units: dict[str, str] = {}
    new_teams: dict[tuple[str, str], tuple[str, str]] = {}
    for row in plan.rows:
        unit_path = row.values.get("unit")
        if unit_path:
            parts = unit_path.split("/")
            for i in range(1, len(parts) + 1):
                prefix = "/".join(parts[:i])
                if prefix.casefold() not in state.unit_paths:
                    new_units.setdefault(prefix.casefold(), prefix)
        # The team is looked up in the person's final unit (a team with the same name in another
        # unit is another team), so moving a person's unit may need a new team too.
        team = row.values["team"] if "team" in row.values else (row.existing or {}).get("team", "")
        if team and ("team" in row.values or "unit" in row.values):
            final_unit = unit_path if "unit" in row.values else (row.existing or {}).get("unit", "")
            unit_id = state.unit_paths.get((final_unit or "").casefold())
            if (unit_id is None and final_unit) or (unit_id, team.casefold()) not in state.teams:
                new_teams.setdefault(
                    ((final_unit or "").casefold(), team.casefold()), (final_unit or "", team)
                )
        if row.existing is None:
            plan.creates.append(row)
            continue
        for f in DIFF_FIELDS:
            if f not in row.values:
                continue
            old, new = row.existing.get(f), row.values[f]
            if f in ("unit", "team"):
                if (old or "").casefold() != (new or "").casefold():
                    row.changes[f] = (old, new)
            elif old != new:
                row.changes[f] = (old, new)
        if row.changes:
            plan.updates.append(row)
        else:
            plan.unchanged += 1
    plan.new_units = sorted(new_units.values(), key=str.casefold)
    plan.new_teams = sorted(new_teams.values(), key=lambda t: (t[0].casefold(), t[1].casefold()))
    if options.deactivate_missing:
        in_file = {r.employee_id for r in plan.rows}
        plan.deactivate = [
            {"employee_id": emp, "name": p["name"]}
            for emp, p in sorted(state.people.items())
            if emp not in in_file and p["active"] and not p["erased"]
        ]
