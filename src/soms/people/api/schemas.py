from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from soms.fields import Input
from soms.jobs.api import JobOut

REVISION_HELP = (
    "The revision you read (from the GET answer). A stale one answers 409 with the current "
    "`revision`, and nothing is written, also when the change would alter nothing."
)


class PeopleInput(Input):
    """Base of the people API's input schemas: a field the schema does not know is refused (422
    naming it) instead of dropped in silence, as the forms and the HR import refuse theirs."""

    model_config = ConfigDict(extra="forbid")


class PersonOut(Schema):
    id: int
    revision: int = Field(description="Send it back with a change; it goes up with every change")
    employee_id: str
    name: str
    email: str = ""
    job_title: str = ""
    manager_id: int | None = None
    unit_id: int | None = None
    team_id: int | None = None
    location: str = ""
    start_date: dt.date | None = None
    active: bool = True
    role_profiles: list[str] = []


class PersonNameOut(Schema):
    """What a member sees of their team: names only."""

    id: int
    name: str
    team_id: int | None = None


class PeoplePage(Schema):
    count: int
    items: list[dict[str, Any]]


class PersonIn(PeopleInput):
    employee_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    email: str = Field("", max_length=254)
    job_title: str = Field("", max_length=200)
    manager_id: int | None = Field(None, ge=1, le=2**63 - 1)
    unit_id: int | None = Field(None, ge=1, le=2**63 - 1)
    team_id: int | None = Field(None, ge=1, le=2**63 - 1)
    location: str = Field("", max_length=200)
    start_date: dt.date | None = None
    active: bool = True
    role_profiles: list[str] = Field([], max_length=100, description="Role profile codes")


class PersonPatch(PeopleInput):
    revision: int = Field(ge=1, le=2**31 - 1, description=REVISION_HELP)
    employee_id: str | None = Field(None, min_length=1, max_length=64)
    name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = Field(None, max_length=254)
    job_title: str | None = Field(None, max_length=200)
    manager_id: int | None = Field(None, ge=1, le=2**63 - 1)
    unit_id: int | None = Field(None, ge=1, le=2**63 - 1)
    team_id: int | None = Field(None, ge=1, le=2**63 - 1)
    location: str | None = Field(None, max_length=200)
    start_date: dt.date | None = None
    active: bool | None = None
    role_profiles: list[str] | None = Field(None, max_length=100)


class MergeIn(PeopleInput):
    duplicate_id: int = Field(ge=1, le=2**63 - 1, description="The record folded into this one, then deleted")


class InviteIn(PeopleInput):
    role: str = Field("member", description="Role given if the login is not a member yet")


class UnitOut(Schema):
    id: int
    revision: int = Field(description="Send it back with a change; it goes up with every change")
    name: str
    parent_id: int | None
    manager_id: int | None
    depth: int
    path: str = Field(description="Names from the root, '/'-separated")
    people: int = Field(0, description="Active people of your scope directly in the unit")
    people_total: int = Field(0, description="… in the unit and every unit under it")


class UnitIn(PeopleInput):
    name: str = Field(min_length=1, max_length=120)
    parent_id: int | None = Field(None, ge=1, le=2**63 - 1)
    manager_id: int | None = Field(None, ge=1, le=2**63 - 1)


class UnitPatch(PeopleInput):
    revision: int = Field(ge=1, le=2**31 - 1, description=REVISION_HELP)
    name: str | None = Field(None, min_length=1, max_length=120)
    parent_id: int | None = Field(None, ge=1, le=2**63 - 1)
    manager_id: int | None = Field(None, ge=1, le=2**63 - 1)


class TeamOut(Schema):
    id: int
    revision: int = Field(description="Send it back with a change; it goes up with every change")
    name: str
    unit_id: int | None


class TeamIn(PeopleInput):
    name: str = Field(min_length=1, max_length=120)
    unit_id: int | None = Field(None, ge=1, le=2**63 - 1)


class TeamPatch(PeopleInput):
    revision: int = Field(ge=1, le=2**31 - 1, description=REVISION_HELP)
    name: str | None = Field(None, min_length=1, max_length=120)
    unit_id: int | None = Field(None, ge=1, le=2**63 - 1)


class RequirementIO(PeopleInput):
    element: str = Field(max_length=80, description="Element code in the profile's framework version")
    level: str | None = Field(None, max_length=80, description="Level code; null drops the element")


class RoleProfileOut(Schema):
    id: int
    revision: int = Field(description="Send it back with a change; it goes up with every change")
    code: str
    name: str
    description: str
    version_id: int
    builtin: bool
    requirements: list[RequirementIO]


class RoleProfileIn(PeopleInput):
    code: str = Field(min_length=1, max_length=80, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    version_id: int = Field(ge=1, le=2**63 - 1)
    requirements: list[RequirementIO] = Field([], max_length=500)


class RoleProfileCopyIn(PeopleInput):
    """Both optional: the copy keeps the source's name, and its code while the organisation does not
    use it (else `<code>-2`, `<code>-3`, …)."""

    code: str | None = Field(None, min_length=1, max_length=80, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str | None = Field(None, min_length=1, max_length=200)


class RoleProfilePatch(PeopleInput):
    revision: int = Field(ge=1, le=2**31 - 1, description=REVISION_HELP)
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    requirements: list[RequirementIO] | None = Field(None, max_length=500)


class CoverageTargetOut(Schema):
    id: int
    revision: int = Field(description="Send it back with a change; it goes up with every change")
    unit_id: int | None
    team_id: int | None
    element_id: int
    level_id: int
    minimum: int
    note: str


class CoverageTargetIn(PeopleInput):
    unit_id: int | None = Field(None, ge=1, le=2**63 - 1)
    team_id: int | None = Field(None, ge=1, le=2**63 - 1)
    element_id: int = Field(ge=1, le=2**63 - 1)
    level_id: int = Field(ge=1, le=2**63 - 1)
    minimum: int = Field(1, ge=1, le=100_000)
    note: str = Field("", max_length=200)


class CoverageTargetPatch(PeopleInput):
    revision: int = Field(ge=1, le=2**31 - 1, description=REVISION_HELP)
    level_id: int | None = Field(None, ge=1, le=2**63 - 1)
    minimum: int | None = Field(None, ge=1, le=100_000)
    note: str | None = Field(None, max_length=200)


class ImportOut(Schema):
    id: int
    filename: str
    status: str
    summary: dict[str, Any]
    problems: list[dict[str, Any]]
    claimed_at: dt.datetime | None = Field(
        None,
        description="While `applying`: when that apply started. One older than SOMS_IMPORT_CLAIM_SECONDS "
        "with no job running it has stopped, and applying again takes it over.",
    )


class ImportRefusedOut(Schema):
    """A 422 of the import: a file that fails the check (every problem with its row and column,
    nothing written), or the house's `{detail: [...]}` for bad form fields (then only `detail`)."""

    detail: str | list[dict[str, Any]] = Field(
        description="What is wrong: a sentence for a refused file, the problems' list for bad fields"
    )
    id: int | None = Field(None, description="The checked file, at /people/imports/{id}")
    filename: str | None = None
    status: str | None = Field(None, description="`invalid` for a refused file")
    problems: list[dict[str, Any]] | None = Field(
        None, description="row, column, value, reason for each problem of the file"
    )
    problems_url: str | None = Field(None, description="The problems as a CSV file (the error file)")


class ImportCheckingOut(JobOut):
    """A 202 of the import: the job checking a large file's rows, and the import it checks."""

    import_id: int = Field(description="The import being checked, at /people/imports/{id}")
    import_url: str


class InvitationOut(Schema):
    status: str = Field(description="pending, accepted or revoked (withdrawn: the member was removed first)")
    send_status: str = Field(description="queued (a job sends it), sent, or failed (see send_error)")
    send_error: str = Field(description="Why the last send failed; empty once a send succeeds")
    send_attempts: int
    next_send_at: dt.datetime | None = Field(
        None,
        description="Queued after a send that failed for a reason that passes (the mail server down, "
        "a timeout, a 4xx): when it is tried again (SOMS_INVITATION_SEND_ATTEMPTS sends in all)",
    )
    sent_at: dt.datetime | None
    expires_at: dt.datetime
    expired: bool


class MemberOut(Schema):
    id: int
    revision: int = Field(description="Send it back with a change; it goes up with every change")
    user_id: int
    username: str
    email: str
    role: str
    invitation: InvitationOut | None = Field(
        None, description="The member's newest invitation to the organisation, if any"
    )


class MemberInviteIn(PeopleInput):
    email: str = Field(min_length=3, max_length=254)
    role: str = Field("member")


class MemberPatch(PeopleInput):
    revision: int = Field(ge=1, le=2**31 - 1, description=REVISION_HELP)
    role: str
