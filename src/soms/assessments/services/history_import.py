"""Historic results in bulk: validated judgements and validated change projects from CSV or XLSX.

One pipeline for the page, the API and `soms assessments import` / `soms projects import`:

1. `read_history_file` turns the bytes into a table (the people import's reader: UTF-8, UTF-16 or
   Windows-1252 CSV, or an XLSX sheet; headers matched without regard to case, with synonyms).
2. `plan_assessments` / `plan_projects` check every row against the organisation **before any
   transaction opens** and answer an `ImportPlan`: every problem (row, column, value, reason), or,
   for a clean file, what would be written (the dry run).
3. `apply_plan` writes a clean plan in one short transaction (bulk inserts only, one summary row in
   the audit log), then recomputes the attainment of the people it touched (in a `soms.jobs` job when
   they are many).

Assessments file, one judgement a row (columns in any order, `comment` optional)::

    employee_id, framework, version, statement, kind, judgement, assessor, validated_by, validated_on

Framework by code (the organisation's own framework of that code before a built-in one), version by
label (published versions only), statement by code within that version. The assessed person by
employee id; the assessor and the validator by employee id or, failing that, by the username of a
member (a coach may have a login and no person record). `kind` is self, manager or coach;
`judgement` met, partly or not_yet; dates ISO 8601 (YYYY-MM-DD), not in the future. Rows that share
(person, version, kind, assessor, validator, validation date) become one validated assessment. A
self row's assessor is the person (or empty). The validator may not be the person assessed nor the
assessor, and a validator with a login must hold a role the version's rules let validate.

Projects file, one change project a row::

    project, title, owners, areas, status, started_on, completed_on, validated_by, validated_on
    [, framework, version, scope]

`owners` and `areas` are `;`-separated employee ids and area codes (the first owner owns the project,
the others are its named members). Which version's areas apply comes from the `framework` and
`version` columns or, for every row without them, from the `--framework`/`--version` options (page:
the version chosen). Areas are element codes when the version's rules count elements as areas, the
declared area codes otherwise. Every row is a validated project: `validated_by` and `validated_on`
are required, the validator is not an owner, and `started_on ≤ completed_on ≤ validated_on`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from soms.assessments.models import (
    Assessment,
    AssessmentEvent,
    ChangeProject,
    EventAction,
    HistoryImport,
    Judgement,
    JudgementValue,
    Kind,
    ProjectMember,
    ProjectStatus,
    Status,
)
from soms.core.dates import date_problem
from soms.limits import MAX_HISTORY_ROWS, MAX_TEXT_LENGTH
from soms.people.io.columns import SYNONYMS as PEOPLE_SYNONYMS
from soms.people.io.columns import squash
from soms.people.io.plan import Problem
from soms.people.io.reading import FileProblem, Table, read_table
from soms.people.models import Person
from soms.tenancy.audit import AuditAction
from soms.tenancy.models import Membership, Organisation
from soms.tenancy.services import audit_log_summary

__all__ = [
    "ASSESSMENT_COLUMNS",
    "PROJECT_COLUMNS",
    "ImportPlan",
    "Problem",
    "apply_plan",
    "history_import_apply_held",
    "history_import_check_held",
    "history_import_hold",
    "plan_assessments",
    "plan_projects",
    "read_history_file",
]

# column → (required, accepted header spellings after `squash`: case, spaces and punctuation ignored)
ASSESSMENT_COLUMNS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "employee_id": (True, PEOPLE_SYNONYMS["employee_id"]),
    "framework": (True, ("framework", "framework_code")),
    "version": (True, ("version", "version_label", "framework_version")),
    "statement": (True, ("statement", "statement_code", "statement_id")),
    "kind": (True, ("kind", "assessment_kind", "type", "assessment_type")),
    "judgement": (True, ("judgement", "judgment", "value", "result", "rating")),
    "assessor": (
        True,
        ("assessor", "assessor_id", "assessor_employee_id", "assessor_username", "assessed_by"),
    ),
    "validated_by": (True, ("validated_by", "validator", "validator_id", "validator_username")),
    "validated_on": (True, ("validated_on", "validation_date", "validated", "validated_date", "date")),
    "comment": (False, ("comment", "comments", "note", "notes")),
}
PROJECT_COLUMNS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "project": (True, ("project", "project_code", "project_id", "code", "reference")),
    "title": (True, ("title", "name", "project_title")),
    "owners": (True, ("owners", "owner", "owner_employee_ids", "owner_ids")),
    "areas": (True, ("areas", "area", "area_codes")),
    "status": (True, ("status", "project_status")),
    "started_on": (True, ("started_on", "start_date", "started", "start")),
    "completed_on": (True, ("completed_on", "completion_date", "completed", "end_date", "finished_on")),
    "validated_by": (True, ("validated_by", "validator", "validator_id", "validator_username")),
    "validated_on": (True, ("validated_on", "validation_date", "validated", "validated_date")),
    "framework": (False, ("framework", "framework_code")),
    "version": (False, ("version", "version_label", "framework_version")),
    "scope": (False, ("scope", "description")),
}


@dataclass
class PlannedAssessment:
    row: int  # the first row of the group
    person_id: int
    person: str  # "E001 Olivia Chief", for the dry run
    version_id: int
    version: str
    kind: str
    assessor_id: int | None
    assessor_person_id: int | None
    assessor: str
    validator_id: int | None
    validator_person_id: int | None
    validator: str
    validated_on: dt.date
    judgements: list[tuple[int, str, str]] = field(default_factory=list)  # (statement id, value, comment)


@dataclass
class PlannedProject:
    row: int
    code: str
    title: str
    scope: str
    version_id: int
    version: str
    owner_id: int
    member_ids: list[int]
    owners: str
    areas: list[str]
    status: str
    started_on: dt.date | None
    completed_on: dt.date | None
    validator_id: int | None
    validator_person_id: int | None
    validator: str
    validated_on: dt.date


@dataclass
class ImportPlan:
    what: str  # "assessments" or "projects"
    filename: str
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    assessments: list[PlannedAssessment] = field(default_factory=list)
    projects: list[PlannedProject] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def people(self) -> dict[int, set[int]]:
        """version id → the people whose attainment the file changes."""
        out: dict[int, set[int]] = defaultdict(set)
        for a in self.assessments:
            out[a.version_id].add(a.person_id)
        for p in self.projects:
            out[p.version_id].update([p.owner_id, *p.member_ids])
        return dict(out)

    def summary(self, limit: int = 200) -> dict[str, Any]:
        people = self.people()
        out: dict[str, Any] = {
            "what": self.what,
            "filename": self.filename,
            "rows": self.rows,
            "columns": self.columns,
            "notes": self.notes,
            "problems": len(self.problems),
            "people": len(set().union(*people.values())) if people else 0,
        }
        if self.what == "assessments":
            out["assessments"] = len(self.assessments)
            out["judgements"] = sum(len(a.judgements) for a in self.assessments)
            out["items"] = [
                {
                    "row": a.row,
                    "person": a.person,
                    "version": a.version,
                    "kind": a.kind,
                    "assessor": a.assessor,
                    "validated_by": a.validator,
                    "validated_on": a.validated_on.isoformat(),
                    "judgements": len(a.judgements),
                }
                for a in self.assessments[:limit]
            ]
        else:
            out["projects"] = len(self.projects)
            out["items"] = [
                {
                    "row": p.row,
                    "project": p.code,
                    "title": p.title,
                    "version": p.version,
                    "owners": p.owners,
                    "areas": p.areas,
                    "status": p.status,
                    "validated_by": p.validator,
                    "validated_on": p.validated_on.isoformat(),
                }
                for p in self.projects[:limit]
            ]
        return out


def read_history_file(content: bytes, filename: str, *, sheet: str | None = None) -> Table:
    """The file as a table, or `FileProblem` with one sentence."""
    table = read_table(content, filename, sheet=sheet, max_bytes=settings.SOMS_MAX_UPLOAD_BYTES)
    if len(table.rows) > MAX_HISTORY_ROWS:
        raise FileProblem(
            f"The file has {len(table.rows):,} rows; the limit is {MAX_HISTORY_ROWS:,} (MAX_HISTORY_ROWS). "
            "Split it into several files."
        )
    return table


# --- reading rows ---------------------------------------------------------------------------------


def _columns(table: Table, spec: dict[str, tuple[bool, tuple[str, ...]]], plan: ImportPlan) -> dict[str, int]:
    lookup = {
        squash(spelling): column
        for column, (_, spellings) in spec.items()
        for spelling in (column, *spellings)
    }
    index: dict[str, int] = {}
    for i, header in enumerate(table.headers):
        if not header:
            continue
        column = lookup.get(squash(header))
        if column is None:
            plan.notes.append(f"Column {header!r} is not read.")
        elif column in index:
            plan.problems.append(Problem(1, header, header, f"a second column for {column}"))
        else:
            index[column] = i
    for column, (required, _) in spec.items():
        if required and column not in index:
            plan.problems.append(Problem(1, column, "", "this column is missing"))
    plan.columns = [c for c in spec if c in index]
    return index


def _cells(table: Table, index: dict[str, int], plan: ImportPlan) -> list[tuple[int, dict[str, str]]]:
    out = []
    for number, cells in table.rows:
        if not any(c.strip() for c in cells):
            continue  # blank lines are no rows
        values = {c: (cells[i].strip() if i < len(cells) else "") for c, i in index.items()}
        bad = [c for c, v in values.items() if "\x00" in v]
        for c in bad:
            plan.problems.append(
                Problem(number, c, values[c].replace("\x00", "\\0"), "contains a NUL character")
            )
        if not bad:
            out.append((number, values))
    plan.rows = len(out)
    return out


def _date(value: str, number: int, column: str, plan: ImportPlan, *, required: bool) -> dt.date | None:
    if not value:
        if required:
            plan.problems.append(Problem(number, column, "", "a date is required (YYYY-MM-DD)"))
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        plan.problems.append(Problem(number, column, value, "not a date: write it as YYYY-MM-DD (ISO 8601)"))
        return None
    if day > timezone.localdate():
        plan.problems.append(Problem(number, column, value, "is in the future"))
        return None
    if (problem := date_problem(day)) is not None:
        plan.problems.append(Problem(number, column, value, problem))
        return None
    return day


@dataclass
class _Who:
    user_id: int | None
    person_id: int | None
    label: str
    role: str | None  # the login's role in the organisation, if it has one


class _Directory:
    """The organisation's people, logins and frameworks, read once (a fixed number of queries)."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.people: dict[str, tuple[int, str, int | None]] = {
            emp: (pk, name, user_id)
            for pk, emp, name, user_id in Person.objects.filter(organisation=organisation).values_list(
                "pk", "employee_id", "name", "user_id"
            )
        }
        self.person_of_user = {u: pk for pk, _, u in self.people.values() if u is not None}
        members = Membership.objects.filter(organisation=organisation).values_list(
            "user_id", "user__username", "role"
        )
        self.logins: dict[str, tuple[int, str]] = {name.casefold(): (uid, name) for uid, name, _ in members}
        self.roles: dict[int, str] = {uid: role for uid, _, role in members}
        self._versions: dict[tuple[str, str], Any] = {}
        self._statements: dict[int, dict[str, int]] = {}
        self._areas: dict[int, set[str]] = {}

    def person(self, employee_id: str) -> tuple[int, str, int | None] | None:
        return self.people.get(employee_id)

    def who(self, value: str) -> _Who | None:
        """An assessor or validator: an employee id first, else a member's username."""
        found = self.people.get(value)
        if found is not None:
            pk, name, user_id = found
            return _Who(user_id, pk, f"{value} {name}", self.roles.get(user_id) if user_id else None)
        login = self.logins.get(value.casefold())
        if login is not None:
            uid, username = login
            return _Who(uid, self.person_of_user.get(uid), username, self.roles.get(uid))
        return None

    def version(self, framework: str, label: str) -> tuple[Any, str | None]:
        """(version, None) or (None, reason)."""
        key = (framework, label)
        if key not in self._versions:
            from soms.frameworks.models import Framework, FrameworkVersion, VersionStatus

            frameworks = list(
                Framework.objects.filter(
                    Q(organisation=self.organisation) | Q(organisation__isnull=True), code=framework
                ).order_by("organisation_id")  # the organisation's own (not null) before a built-in
            )
            frameworks.sort(key=lambda f: f.organisation_id is None)
            if not frameworks:
                self._versions[key] = (None, f"no framework with code {framework!r}")
            else:
                chosen = frameworks[0]
                version = (
                    FrameworkVersion.objects.select_related("framework")
                    .filter(framework=chosen, label=label)
                    .first()
                )
                if version is None:
                    labels = ", ".join(chosen.versions.values_list("label", flat=True)[:20])
                    self._versions[key] = (None, f"{framework} has no version {label!r} (it has: {labels})")
                elif version.status != VersionStatus.PUBLISHED:
                    self._versions[key] = (
                        None,
                        f"{framework} {label} is a draft: only published versions count",
                    )
                else:
                    self._versions[key] = (version, None)
        return self._versions[key]  # type: ignore[no-any-return]

    def statements(self, version: Any) -> dict[str, int]:
        if version.pk not in self._statements:
            from soms.frameworks.models import Statement

            self._statements[version.pk] = dict(
                Statement.objects.filter(version=version).values_list("code", "pk")
            )
        return self._statements[version.pk]

    def areas(self, version: Any) -> set[str]:
        if version.pk not in self._areas:
            from soms.frameworks.models import Area, Element

            if (version.rules or {}).get("areas", "elements") == "sub_areas":
                codes = set(Area.objects.filter(version=version).values_list("code", flat=True))
            else:
                codes = set(Element.objects.filter(version=version).values_list("code", flat=True))
            self._areas[version.pk] = codes
        return self._areas[version.pk]


def _validator_problem(who: _Who, version: Any) -> str | None:
    from soms.frameworks.rules import VALIDATOR_ROLES

    roles = (version.rules or {}).get("validator_roles", list(VALIDATOR_ROLES))
    if who.role is not None and who.role not in roles:
        return f"{who.label} is a {who.role} here; {version.framework.code} {version.label} is validated by: {', '.join(roles)}"
    return None


# --- assessments ----------------------------------------------------------------------------------


def plan_assessments(organisation: Organisation, table: Table, *, filename: str = "") -> ImportPlan:
    """Check a whole assessments file. Writes nothing."""
    plan = ImportPlan(what="assessments", filename=filename, notes=list(table.notes))
    index = _columns(table, ASSESSMENT_COLUMNS, plan)
    if plan.problems:
        return plan
    rows = _cells(table, index, plan)
    if not rows and not plan.problems:
        plan.problems.append(Problem(None, "file", filename, "the file has no rows"))
        return plan
    d = _Directory(organisation)
    kinds, values = set(Kind.values), set(JudgementValue.values)
    groups: dict[tuple[Any, ...], PlannedAssessment] = {}
    seen: dict[tuple[Any, ...], int] = {}  # (group key, statement id) → row
    for number, v in rows:
        before = len(plan.problems)
        p = plan.problems
        person = d.person(v["employee_id"]) if v["employee_id"] else None
        if not v["employee_id"]:
            p.append(Problem(number, "employee_id", "", "an employee id is required"))
        elif person is None:
            p.append(Problem(number, "employee_id", v["employee_id"], "no person with this employee id here"))
        version, why = d.version(v["framework"], v["version"]) if v["framework"] else (None, "")
        if not v["framework"] or not v["version"]:
            p.append(Problem(number, "framework" if not v["framework"] else "version", "", "required"))
        elif version is None:
            p.append(Problem(number, "version", f"{v['framework']} {v['version']}", why or "unknown"))
        statement_id = None
        if version is not None:
            statement_id = d.statements(version).get(v["statement"])
            if statement_id is None:
                p.append(
                    Problem(
                        number,
                        "statement",
                        v["statement"],
                        f"no statement with this code in {version.framework.code} {version.label}",
                    )
                )
        kind = v["kind"].lower()
        if kind not in kinds:
            p.append(Problem(number, "kind", v["kind"], "must be one of: self, manager, coach"))
        value = v["judgement"].lower().replace(" ", "_").replace("-", "_")
        if value not in values:
            p.append(Problem(number, "judgement", v["judgement"], "must be one of: met, partly, not_yet"))
        comment = v.get("comment", "")
        if len(comment) > MAX_TEXT_LENGTH:
            p.append(
                Problem(number, "comment", comment[:40] + "…", f"longer than {MAX_TEXT_LENGTH:,} characters")
            )
        validated_on = _date(v["validated_on"], number, "validated_on", plan, required=True)

        assessor: _Who | None = None
        if v["assessor"]:
            assessor = d.who(v["assessor"])
            if assessor is None:
                p.append(
                    Problem(
                        number,
                        "assessor",
                        v["assessor"],
                        "no person with this employee id and no member with this username",
                    )
                )
        elif kind != Kind.SELF:
            p.append(Problem(number, "assessor", "", "required for a manager or coach assessment"))
        if person is not None and kind == Kind.SELF:
            own = _Who(person[2], person[0], f"{v['employee_id']} {person[1]}", None)
            if (
                assessor is not None
                and assessor.person_id != person[0]
                and (assessor.user_id is None or assessor.user_id != person[2])
            ):
                p.append(
                    Problem(
                        number,
                        "assessor",
                        v["assessor"],
                        "a self-assessment's assessor is the person assessed",
                    )
                )
            assessor = own
        elif (
            person is not None
            and assessor is not None
            and (
                assessor.person_id == person[0]
                or (assessor.user_id is not None and assessor.user_id == person[2])
            )
        ):
            p.append(
                Problem(
                    number,
                    "assessor",
                    v["assessor"],
                    f"the person assessed cannot be their own {kind} assessor",
                )
            )

        validator: _Who | None = None
        if not v["validated_by"]:
            p.append(Problem(number, "validated_by", "", "required: only validated judgements are imported"))
        else:
            validator = d.who(v["validated_by"])
            if validator is None:
                p.append(
                    Problem(
                        number,
                        "validated_by",
                        v["validated_by"],
                        "no person with this employee id and no member with this username",
                    )
                )
            elif person is not None and (
                validator.person_id == person[0]
                or (validator.user_id is not None and validator.user_id == person[2])
            ):
                p.append(
                    Problem(
                        number,
                        "validated_by",
                        v["validated_by"],
                        "nobody validates an assessment of themself",
                    )
                )
            elif assessor is not None and (
                (validator.person_id is not None and validator.person_id == assessor.person_id)
                or (validator.user_id is not None and validator.user_id == assessor.user_id)
            ):
                p.append(
                    Problem(
                        number,
                        "validated_by",
                        v["validated_by"],
                        "the assessor cannot validate their own assessment",
                    )
                )
            elif version is not None and (reason := _validator_problem(validator, version)):
                p.append(Problem(number, "validated_by", v["validated_by"], reason))
        if len(plan.problems) > before:
            continue
        assert person is not None and version is not None and assessor is not None and validator is not None
        assert validated_on is not None and statement_id is not None
        key = (
            person[0],
            version.pk,
            kind,
            assessor.user_id,
            assessor.person_id,
            validator.user_id,
            validator.person_id,
            validated_on,
        )
        twice = seen.get((key, statement_id))
        if twice is not None:
            p.append(
                Problem(
                    number, "statement", v["statement"], f"judged twice in one assessment (row {twice} too)"
                )
            )
            continue
        seen[(key, statement_id)] = number
        group = groups.get(key)
        if group is None:
            group = groups[key] = PlannedAssessment(
                row=number,
                person_id=person[0],
                person=f"{v['employee_id']} {person[1]}",
                version_id=version.pk,
                version=f"{version.framework.code} {version.label}",
                kind=kind,
                assessor_id=assessor.user_id,
                assessor_person_id=assessor.person_id,
                assessor=assessor.label,
                validator_id=validator.user_id,
                validator_person_id=validator.person_id,
                validator=validator.label,
                validated_on=validated_on,
            )
        group.judgements.append((statement_id, value, comment))
    if not plan.problems:
        _already_stored(organisation, list(groups.values()), plan)
    plan.assessments = [] if plan.problems else list(groups.values())
    return plan


def _already_stored(organisation: Organisation, groups: list[PlannedAssessment], plan: ImportPlan) -> None:
    """A file imported twice would double every assessment: an identical validated assessment
    already stored is a problem of the group's first row."""
    if not groups:
        return
    stored = set(
        Assessment.objects.filter(
            organisation=organisation,
            status=Status.VALIDATED,
            person_id__in={g.person_id for g in groups},
            validated_on__in={g.validated_on for g in groups},
        ).values_list(
            "person_id",
            "version_id",
            "kind",
            "assessor_id",
            "assessor_person_id",
            "validated_by_id",
            "validated_by_person_id",
            "validated_on",
        )
    )
    for g in groups:
        key = (
            g.person_id,
            g.version_id,
            g.kind,
            g.assessor_id,
            g.assessor_person_id,
            g.validator_id,
            g.validator_person_id,
            g.validated_on,
        )
        if key in stored:
            plan.problems.append(
                Problem(
                    g.row,
                    "validated_on",
                    g.validated_on.isoformat(),
                    f"{g.person} already has this {g.kind} assessment on {g.version}, by {g.assessor}, "
                    f"validated by {g.validator} that day (was the file imported before?)",
                )
            )


# --- projects -------------------------------------------------------------------------------------


def plan_projects(
    organisation: Organisation,
    table: Table,
    *,
    filename: str = "",
    framework: str = "",
    version: str = "",
) -> ImportPlan:
    """Check a whole change-projects file. `framework`/`version` apply to rows without those columns."""
    plan = ImportPlan(what="projects", filename=filename, notes=list(table.notes))
    index = _columns(table, PROJECT_COLUMNS, plan)
    if plan.problems:
        return plan
    if not (framework and version) and not ("framework" in index and "version" in index):
        plan.problems.append(
            Problem(
                None,
                "version",
                "",
                "say which framework version's areas apply: add framework and version columns, or give "
                "the framework and version (--framework CODE --version LABEL)",
            )
        )
        return plan
    rows = _cells(table, index, plan)
    if not rows and not plan.problems:
        plan.problems.append(Problem(None, "file", filename, "the file has no rows"))
        return plan
    d = _Directory(organisation)
    codes_seen: dict[str, int] = {}
    stored_codes = set(ChangeProject.objects.filter(organisation=organisation).values_list("code", flat=True))
    statuses = set(ProjectStatus.values)
    out: list[PlannedProject] = []
    for number, v in rows:
        p = plan.problems
        before = len(p)
        code = v["project"]
        if not code:
            p.append(Problem(number, "project", "", "a project reference is required"))
        elif len(code) > 80:
            p.append(Problem(number, "project", code[:40] + "…", "longer than 80 characters"))
        elif code in stored_codes:
            p.append(Problem(number, "project", code, "a change project with this reference exists already"))
        elif code in codes_seen:
            p.append(Problem(number, "project", code, f"also on row {codes_seen[code]}"))
        else:
            codes_seen[code] = number
        title = v["title"]
        if not title:
            p.append(Problem(number, "title", "", "a title is required"))
        elif len(title) > 200:
            p.append(Problem(number, "title", title[:40] + "…", "longer than 200 characters"))
        scope = v.get("scope", "")
        if len(scope) > MAX_TEXT_LENGTH:
            p.append(
                Problem(number, "scope", scope[:40] + "…", f"longer than {MAX_TEXT_LENGTH:,} characters")
            )
        fw, label = v.get("framework") or framework, v.get("version") or version
        ver, why = d.version(fw, label) if fw and label else (None, "say the framework and the version")
        if ver is None:
            p.append(Problem(number, "version", f"{fw} {label}".strip(), why or "unknown"))
        owners: list[tuple[int, str, int | None]] = []
        owner_ids = [o.strip() for o in v["owners"].split(";") if o.strip()]
        if not owner_ids:
            p.append(Problem(number, "owners", "", "at least one owner (employee id) is required"))
        for emp in dict.fromkeys(owner_ids):
            found = d.person(emp)
            if found is None:
                p.append(Problem(number, "owners", emp, "no person with this employee id here"))
            else:
                owners.append(found)
        areas = list(dict.fromkeys(a.strip() for a in v["areas"].split(";") if a.strip()))
        if not areas:
            p.append(Problem(number, "areas", "", "name the areas the project addresses (;-separated codes)"))
        if ver is not None:
            known = d.areas(ver)
            for a in areas:
                if a not in known:
                    p.append(Problem(number, "areas", a, f"not an area of {ver.framework.code} {ver.label}"))
        status = v["status"].lower().replace(" ", "_").replace("-", "_")
        if status not in statuses:
            p.append(
                Problem(
                    number,
                    "status",
                    v["status"],
                    "must be one of: planned, in_progress, completed, cancelled",
                )
            )
        started = _date(v["started_on"], number, "started_on", plan, required=False)
        completed = _date(
            v["completed_on"], number, "completed_on", plan, required=status == ProjectStatus.COMPLETED
        )
        validated_on = _date(v["validated_on"], number, "validated_on", plan, required=True)
        if started and completed and completed < started:
            p.append(Problem(number, "completed_on", v["completed_on"], "is before started_on"))
        if completed and validated_on and validated_on < completed:
            p.append(Problem(number, "validated_on", v["validated_on"], "is before completed_on"))
        if completed and status in (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS):
            p.append(
                Problem(
                    number,
                    "completed_on",
                    v["completed_on"],
                    f"a {status.replace('_', ' ')} project has no completion date",
                )
            )
        validator: _Who | None = None
        if not v["validated_by"]:
            p.append(Problem(number, "validated_by", "", "required: only validated projects are imported"))
        else:
            validator = d.who(v["validated_by"])
            if validator is None:
                p.append(
                    Problem(
                        number,
                        "validated_by",
                        v["validated_by"],
                        "no person with this employee id and no member with this username",
                    )
                )
            elif any(
                validator.person_id == o[0] or (validator.user_id is not None and validator.user_id == o[2])
                for o in owners
            ):
                p.append(
                    Problem(
                        number,
                        "validated_by",
                        v["validated_by"],
                        "an owner cannot validate their own project",
                    )
                )
            elif ver is not None and (reason := _validator_problem(validator, ver)):
                p.append(Problem(number, "validated_by", v["validated_by"], reason))
        if len(p) > before:
            continue
        assert ver is not None and validator is not None and validated_on is not None
        out.append(
            PlannedProject(
                row=number,
                code=code,
                title=title,
                scope=scope,
                version_id=ver.pk,
                version=f"{ver.framework.code} {ver.label}",
                owner_id=owners[0][0],
                member_ids=[o[0] for o in owners[1:]],
                owners="; ".join(owner_ids),
                areas=areas,
                status=status,
                started_on=started,
                completed_on=completed,
                validator_id=validator.user_id,
                validator_person_id=validator.person_id,
                validator=validator.label,
                validated_on=validated_on,
            )
        )
    plan.projects = [] if plan.problems else out
    return plan


# --- writing --------------------------------------------------------------------------------------


def _noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def apply_plan(
    plan: ImportPlan, *, organisation: Organisation, actor: Any, enqueue: bool = True
) -> dict[str, Any]:
    """Write a clean plan (all or nothing), then recompute the people it touched. Answers counts
    and the recomputation jobs started (empty when it was done inline)."""
    if not plan.ok:
        raise ValueError("a plan with problems is never written")
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    batch = f"{plan.filename or 'upload'} (import {uuid.uuid4().hex[:8]})"[:255]
    with transaction.atomic():
        if plan.what == "assessments":
            result = _write_assessments(plan, organisation, user, batch)
        else:
            result = _write_projects(plan, organisation, user, batch)
    from soms.assessments.services.validity import recompute_people

    jobs = recompute_people(
        organisation=organisation,
        touched=plan.people(),
        actor=user,
        title=f"Import {plan.filename}",
        enqueue=enqueue,
    )
    return {
        **result,
        "people": sum(len(s) for s in plan.people().values()),
        "jobs": [j.pk for j in jobs],
        "batch": batch,
    }


def _write_assessments(plan: ImportPlan, organisation: Organisation, user: Any, batch: str) -> dict[str, Any]:
    org = organisation.pk
    made = Assessment.objects.bulk_create(
        [
            Assessment(
                organisation_id=org,
                person_id=a.person_id,
                version_id=a.version_id,
                kind=a.kind,
                assessor_id=a.assessor_id,
                assessor_person_id=a.assessor_person_id,
                status=Status.VALIDATED,
                submitted_at=_noon(a.validated_on),
                validated_at=_noon(a.validated_on),
                validated_on=a.validated_on,
                validated_by_id=a.validator_id,
                validated_by_person_id=a.validator_person_id,
                imported_from=batch,
                created_by=user,
            )
            for a in plan.assessments
        ],
        batch_size=1000,
    )
    Judgement.objects.bulk_create(
        (
            Judgement(
                organisation_id=org, assessment_id=made_a.pk, statement_id=sid, value=value, comment=comment
            )
            for made_a, planned in zip(made, plan.assessments, strict=True)
            for sid, value, comment in planned.judgements
        ),
        batch_size=2000,
    )
    AssessmentEvent.objects.bulk_create(
        (
            AssessmentEvent(
                organisation_id=org,
                assessment_id=a.pk,
                action=EventAction.IMPORT,
                actor=user,
                reason=f"Imported from {batch}",
            )
            for a in made
        ),
        batch_size=2000,
    )
    judgements = sum(len(a.judgements) for a in plan.assessments)
    audit_log_summary(
        actor=user,
        organisation=organisation,
        action=AuditAction.ASSESSMENT_IMPORT,
        object_type="Assessment",
        names=[
            f"{a.person}: {a.kind} on {a.version}, {a.validated_on.isoformat()}" for a in plan.assessments
        ],
        details={"file": plan.filename, "batch": batch, "judgements": judgements, "rows": plan.rows},
    )
    return {"assessments": len(made), "judgements": judgements}


def _write_projects(plan: ImportPlan, organisation: Organisation, user: Any, batch: str) -> dict[str, Any]:
    org = organisation.pk
    made = ChangeProject.objects.bulk_create(
        [
            ChangeProject(
                organisation_id=org,
                code=p.code,
                title=p.title,
                scope=p.scope,
                version_id=p.version_id,
                owner_id=p.owner_id,
                areas=p.areas,
                status=p.status,
                started_on=p.started_on,
                completed_on=p.completed_on,
                review_status=Status.VALIDATED,
                validated_on=p.validated_on,
                validated_by_id=p.validator_id,
                validated_by_person_id=p.validator_person_id,
                created_by=user,
            )
            for p in plan.projects
        ],
        batch_size=1000,
    )
    ProjectMember.objects.bulk_create(
        (
            ProjectMember(organisation_id=org, project_id=m.pk, person_id=pid)
            for m, p in zip(made, plan.projects, strict=True)
            for pid in p.member_ids
        ),
        batch_size=2000,
    )
    AssessmentEvent.objects.bulk_create(
        (
            AssessmentEvent(
                organisation_id=org,
                project_id=m.pk,
                action=EventAction.IMPORT,
                actor=user,
                reason=f"Imported from {batch}",
            )
            for m in made
        ),
        batch_size=2000,
    )
    audit_log_summary(
        actor=user,
        organisation=organisation,
        action=AuditAction.PROJECT_IMPORT,
        object_type="ChangeProject",
        names=[f"{p.code} {p.title}" for p in plan.projects],
        details={"file": plan.filename, "batch": batch, "rows": plan.rows},
    )
    return {"projects": len(made)}


def check_file(
    *,
    organisation: Organisation,
    what: str,
    filename: str,
    content: bytes,
    sheet: str | None = None,
    framework: str = "",
    version: str = "",
) -> ImportPlan:
    """Read and check an uploaded file: the one entry of page, API and command line."""
    try:
        table = read_history_file(content, filename, sheet=sheet)
    except FileProblem as exc:
        return ImportPlan(what=what, filename=filename, problems=[Problem(None, "file", filename, str(exc))])
    if what == "assessments":
        return plan_assessments(organisation, table, filename=filename)
    return plan_projects(organisation, table, filename=filename, framework=framework, version=version)


PENDING_IMPORT_TTL = dt.timedelta(days=1)


def history_import_hold(
    *,
    organisation: Organisation,
    actor: Any,
    what: str,
    filename: str,
    content: bytes,
    sheet: str | None = None,
    framework: str = "",
    version: str = "",
) -> HistoryImport:
    """Keep a file that passed its dry run, so that importing it needs no second upload."""
    HistoryImport.objects.filter(created_at__lt=timezone.now() - PENDING_IMPORT_TTL).delete()
    return HistoryImport.objects.create(
        organisation=organisation,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        what=what,
        filename=filename[:255],
        sheet=(sheet or "")[:100],
        framework=framework[:100],
        version=version[:100],
        content=bytes(content),
    )


def history_import_check_held(*, pending: HistoryImport) -> ImportPlan:
    """The held file checked again against the data as it is now (someone may have imported it,
    or changed the people it names, since its dry run)."""
    return check_file(
        organisation=pending.organisation,
        what=pending.what,
        filename=pending.filename,
        content=bytes(pending.content),
        sheet=pending.sheet or None,
        framework=pending.framework,
        version=pending.version,
    )


def history_import_apply_held(
    *, pending: HistoryImport, actor: Any
) -> tuple[ImportPlan, dict[str, Any] | None]:
    """Import a held file: checked again first; written only when still clean, and then the held
    file goes. Answers the plan and, when it was written, what `apply_plan` answers."""
    plan = history_import_check_held(pending=pending)
    if plan.problems:
        return plan, None
    result = apply_plan(plan, organisation=pending.organisation, actor=actor)
    pending.delete()
    return plan, result
