"""The columns of a people file, and the header spellings accepted for each (case-insensitive)."""

from __future__ import annotations

import re

COLUMNS = (
    "employee_id",
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

SYNONYMS: dict[str, tuple[str, ...]] = {
    "employee_id": (
        "employee_id",
        "employee_number",
        "employee_no",
        "emp_id",
        "staff_id",
        "staff_number",
        "person_id",
        "payroll_id",
        "worker_id",
        "id",
    ),
    "name": ("name", "full_name", "employee_name", "display_name", "person"),
    "email": ("email", "e_mail", "email_address", "work_email", "mail"),
    "job_title": ("job_title", "title", "position", "job", "job_name"),
    "manager_employee_id": (
        "manager_employee_id",
        "manager_id",
        "manager",
        "line_manager",
        "line_manager_id",
        "reports_to",
        "supervisor_id",
        "manager_employee_number",
    ),
    "unit": (
        "unit",
        "org_unit",
        "unit_path",
        "department",
        "organisational_unit",
        "organizational_unit",
        "division",
    ),
    "team": ("team", "team_name", "squad"),
    "location": ("location", "site", "office", "work_location", "city"),
    "start_date": ("start_date", "hire_date", "date_joined", "joined", "start", "employment_start"),
    "active": ("active", "is_active", "status", "enabled"),
    "role_profiles": ("role_profiles", "role_profile", "profiles", "roles"),
}


def normalise(header: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", header.strip().lower()).strip("_")


def squash(header: str) -> str:
    """The header with case, spaces and punctuation gone, so that `EmployeeID` (Workday, SAP and
    BambooHR write headers in CamelCase), `Employee ID`, `employee-id` and `employee_id` meet."""
    return re.sub(r"[^0-9a-z]+", "", header.strip().lower())


_LOOKUP = {squash(spelling): column for column, spellings in SYNONYMS.items() for spelling in spellings}
# Two columns must never share a squashed spelling, or a header would be read as either.
assert len(_LOOKUP) == sum(len(set(map(squash, s))) for s in SYNONYMS.values())


def column_for(header: str) -> str | None:
    return _LOOKUP.get(squash(header))


def accepted_text() -> str:
    return "; ".join(f"{c} (or {', '.join(s for s in SYNONYMS[c] if s != c)})" for c in COLUMNS)
