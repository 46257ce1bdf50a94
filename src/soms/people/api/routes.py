"""People, structure, role profiles, coverage targets, HR files and members over JSON.

Every route asks the same access helpers and services as the pages. A service's `PeopleInvalid`
answers 422 naming the field, `PeopleConflict` 409 (mapped in soms.api.router)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Status
from ninja.files import UploadedFile
from ninja.params import functions as param

from soms.frameworks.models import Element, FrameworkVersion, Level
from soms.jobs.api import JobOut, job_out
from soms.people import access
from soms.people.api.schemas import (
    CoverageTargetIn,
    CoverageTargetOut,
    CoverageTargetPatch,
    ImportCheckingOut,
    ImportOut,
    ImportRefusedOut,
    InviteIn,
    MemberInviteIn,
    MemberOut,
    MemberPatch,
    MergeIn,
    PeoplePage,
    PersonIn,
    PersonPatch,
    RoleProfileCopyIn,
    RoleProfileIn,
    RoleProfileOut,
    RoleProfilePatch,
    TeamIn,
    TeamOut,
    TeamPatch,
    UnitIn,
    UnitOut,
    UnitPatch,
)
from soms.people.errors import PeopleInvalid
from soms.people.io.export import csv_lines, export_rows, problems_rows, to_xlsx_bytes
from soms.people.io.plan import Options
from soms.people.models import (
    CoverageTarget,
    ImportStatus,
    Invitation,
    OrgUnit,
    PeopleImport,
    Person,
    RoleProfile,
    Team,
)
from soms.people.selectors.people import PeopleFilter, org_tree, people_list, tree_flat, unit_counts
from soms.people.services import imports as import_svc
from soms.people.services import members as member_svc
from soms.people.services import persons, privacy, structure
from soms.people.services import profiles as profile_svc
from soms.people.services.exports import people_export_later, people_export_runs_inline
from soms.people.services.invitations import invitation_resend, latest_invitations
from soms.people.services.persons import role_profile_keys, role_profiles_by_code
from soms.ratelimits import documented, refused
from soms.tenancy.access import NotFound, require
from soms.tenancy.models import Membership
from soms.tenancy.selectors import members_of

router = Router(tags=["people"])
# Deletes take the revision read as `?revision=N` (optional): a stale one answers 409, nothing deleted.
REVISION_QUERY: Any = param.Query(
    None, ge=1, le=2**31 - 1, description="The revision you read; a stale one answers 409 and keeps the row"
)
IMPORT_FIELDS = frozenset({"dry_run", "clear_empty", "deactivate_missing", "sheet"})


def _m(request: HttpRequest) -> Membership:
    m = getattr(request, "membership", None)
    if m is None:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("You are not a member of any organisation")
    return m  # type: ignore[no-any-return]


def _person_out(p: Person, *, codes: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": p.pk,
        "revision": p.revision,
        "employee_id": p.employee_id,
        "name": p.name,
        "email": p.email,
        "job_title": p.job_title,
        "manager_id": p.manager_id,
        "unit_id": p.unit_id,
        "team_id": p.team_id,
        "location": p.location,
        "start_date": p.start_date,
        "active": p.active,
        "role_profiles": codes
        if codes is not None
        else sorted(
            role_profile_keys(p.organisation_id)[pk] for pk in p.role_profiles.values_list("id", flat=True)
        ),
    }


def _ref(m: Membership, model: type, pk: int | None, field: str) -> Any:
    """Look up an id named in a body inside the organisation; a foreign id is a 422 on that field."""
    if pk is None:
        return None
    obj = model.objects.filter(organisation_id=m.organisation_id, pk=pk).first()  # type: ignore[attr-defined]
    if obj is None:
        raise PeopleInvalid(field, f"no {field.removesuffix('_id')} with id {pk} in this organisation")
    return obj


def _profiles(m: Membership, codes: list[str]) -> list[RoleProfile]:
    known = role_profiles_by_code(m.organisation_id)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise PeopleInvalid("role_profiles", f"unknown role profile {', '.join(unknown)}")
    return [known[c] for c in codes]


# --- people -----------------------------------------------------------------------------------


@router.get("/people", response=PeoplePage, summary="People you may see, filtered and paged on the server")
def person_list(
    request: HttpRequest,
    q: str = param.Query(
        "",
        max_length=200,
        description="Start of any word of a name (case and accents ignored), or a whole employee id or e-mail",
    ),
    unit_id: int | None = param.Query(
        None, ge=1, le=2**63 - 1, description="This unit and everything under it"
    ),
    team_id: int | None = param.Query(None, ge=1, le=2**63 - 1),
    active: bool | None = param.Query(True, description="Omit for active people; false for inactive"),
    role_profile_id: int | None = param.Query(None, ge=1, le=2**63 - 1),
    limit: int = param.Query(50, ge=1, le=500),
    offset: int = param.Query(0, ge=0, le=10**9),
) -> dict[str, Any]:
    m = _m(request)
    require(m, "person.list")
    # A filter naming a unit or team the member cannot see is bad input (422), not a missing page.
    try:
        unit = access.unit_for(m, unit_id) if unit_id else None
    except NotFound:
        raise PeopleInvalid("unit_id", f"no unit with id {unit_id} that you can see") from None
    team = Team.objects.filter(organisation_id=m.organisation_id, pk=team_id).first() if team_id else None
    if team_id and team is None:
        raise PeopleInvalid("team_id", f"no team with id {team_id} here")
    qs = people_list(m, PeopleFilter(q=q, unit=unit, team=team, active=active, role_profile=role_profile_id))
    page = list(qs[offset : offset + limit])
    if access.names_only(m):
        items = [{"id": p.pk, "name": p.name, "team_id": p.team_id} for p in page]
    else:
        codes: dict[int, list[str]] = {}
        through = Person.role_profiles.through
        keys = role_profile_keys(m.organisation_id)
        for pid, profile_id in through.objects.filter(person_id__in=[p.pk for p in page]).values_list(
            "person_id", "roleprofile_id"
        ):
            codes.setdefault(pid, []).append(keys[profile_id])
        items = [_person_out(p, codes=sorted(codes.get(p.pk, []))) for p in page]
    return {"count": qs.count(), "items": items}


# The service's names for a person's references, and the API's.
API_FIELDS = {"manager": "manager_id", "unit": "unit_id", "team": "team_id"}


def _api_problem(exc: PeopleInvalid) -> PeopleInvalid:
    """A service's complaint placed at the API's name of the field (`team` → `team_id`)."""
    return PeopleInvalid(API_FIELDS.get(exc.field, exc.field), exc.message)


def _values(m: Membership, data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    for field, model in (("manager_id", Person), ("unit_id", OrgUnit), ("team_id", Team)):
        if field in values:
            values[field.removesuffix("_id")] = _ref(m, model, values.pop(field), field)
    if "role_profiles" in values:
        values["role_profiles"] = _profiles(m, values["role_profiles"] or [])
    return values


# --- HR files (before /people/{person_id}, which would read 'import' as an id) ---------------------------------------------------------------------------------


def _import_out(record: PeopleImport) -> dict[str, Any]:
    return {
        "id": record.pk,
        "filename": record.filename,
        "status": record.status,
        "summary": record.summary,
        "problems": record.problems,
        "claimed_at": record.claimed_at if record.status == ImportStatus.APPLYING else None,
    }


def _apply(record: PeopleImport, actor: Any) -> Status:  # type: ignore[type-arg]
    """Apply a small file now (200, the applied import); start a job for a large one (202, the job)."""
    if import_svc.people_import_runs_inline(record):
        import_svc.people_import_apply(record=record, actor=actor)
        return Status(200, _import_out(record))
    return Status(202, _job_of(record, import_svc.people_import_apply_later(record=record, actor=actor)))


def _job_of(record: PeopleImport, job: Any) -> dict[str, Any]:
    """A 202's body: the job to poll, and the import it works on (so a client finds it after)."""
    return {
        **job_out(job),
        "import_id": record.pk,
        "import_url": reverse("api:people_import_detail", kwargs={"import_id": record.pk}),
    }


@router.post(
    "/people/import",
    response={200: ImportOut, 202: ImportCheckingOut, 422: ImportRefusedOut},
    summary="Check an HR file (CSV or XLSX); apply it unless dry_run",
    openapi_extra=documented(
        "import",
        {
            "responses": {
                "200": {"description": "Checked and clean: `ready` with the dry-run summary, or `applied`"},
                "202": {
                    "description": (
                        "A large file (over SOMS_PEOPLE_IMPORT_INLINE_CHECK_BYTES) whose header is clean is "
                        "checked by a background job, which also applies it unless dry_run; or a clean file "
                        "of many rows is applied by one. Poll the job's `url`; the import is at "
                        "`/people/imports/{import_id}` (`import_id` in the job's parameters)."
                    )
                },
                "422": {
                    "description": (
                        "The file fails the check (bad rows or columns, a file that cannot be read): every "
                        "problem with row, column, value and reason, and the error file's address; "
                        "nothing written. Bad form fields answer the house's 422 `{detail: [...]}`."
                    )
                },
            }
        },
    ),
)
def people_import(
    request: HttpRequest,
    file: UploadedFile = param.File(...),  # noqa: B008
    dry_run: bool = param.Form(True),  # noqa: B008
    clear_empty: bool = param.Form(False),  # noqa: B008
    deactivate_missing: bool = param.Form(False),  # noqa: B008
    sheet: str = param.Form("", max_length=100),  # noqa: B008
) -> Status:  # type: ignore[type-arg]
    """A file with problems answers 422 with them in `problems` (row, column, value, reason), status
    `invalid` and `problems_url` (the same as a CSV error file), and nothing is written; a clean file
    answers 200, `ready` with the dry-run summary, or `applied`. A file of more than
    `SOMS_PEOPLE_IMPORT_INLINE_CHECK_BYTES` (256 KiB) is checked in the request only as far as can be
    done without reading its rows (size, encoding, sheets, a CSV's columns: 422 at once); its rows
    are checked by a background job — and the file applied by it unless `dry_run` — so the answer is
    `202` with the job to poll (`url`) and the import it checks (`import_id`, `import_url`). A file of more than `SOMS_PEOPLE_IMPORT_INLINE_ROWS` rows
    (2,000) is applied by a background job too (`202`). The import itself is at
    `/people/imports/{id}` (`import_url`; `status` is `checking`
    while the job reads it, then `invalid` with the problems or `ready` with the dry run)."""
    m = _m(request)
    require(m, "people.import")
    if (answer := refused(request, "import")) is not None:
        return answer  # type: ignore[return-value]
    # Ninja ignores form fields it does not know; an upload that names others is a mistake to say.
    unknown = sorted((set(request.POST) - IMPORT_FIELDS) | (set(request.FILES) - {"file"}))
    if unknown:
        raise PeopleInvalid(
            "body",
            f"unknown fields {', '.join(map(repr, unknown))}; accepted: file, "
            + ", ".join(sorted(IMPORT_FIELDS)),
        )
    record, _ = import_svc.people_import_check(
        organisation=m.organisation,
        filename=file.name or "upload",
        content=file.read(),
        options=Options(clear_empty=clear_empty, deactivate_missing=deactivate_missing),
        actor=request.user,
        sheet=sheet or None,
        then_apply=not dry_run,
    )
    if record.status == ImportStatus.INVALID:
        return Status(422, _refused_out(record))
    if record.status == ImportStatus.CHECKING and record.job is not None:
        return Status(202, _job_of(record, record.job))
    if not dry_run:
        return _apply(record, request.user)
    return Status(200, _import_out(record))


def _refused_out(record: PeopleImport) -> dict[str, Any]:
    count = len(record.problems)
    return {
        "detail": f"The file has {count:,} problem{'s' if count != 1 else ''}; nothing was written. "
        "Fix the rows named in `problems` and upload it again.",
        "id": record.pk,
        "filename": record.filename,
        "status": record.status,
        "problems": record.problems,
        "problems_url": reverse("api:people_import_problems", kwargs={"import_id": record.pk}),
    }


@router.get(
    "/people/imports/{import_id}/problems",
    summary="A checked file's problems as a CSV error file (row, column, value, reason)",
    response={200: None},
    openapi_extra={"responses": {"200": {"description": "The error file", "content": {"text/csv": {}}}}},
)
def people_import_problems(request: HttpRequest, import_id: int) -> HttpResponse:
    record = access.people_import_for(_m(request), import_id)
    response = HttpResponse(
        "".join(csv_lines(problems_rows(record.problems))), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{record.pk}-problems.csv"'
    return response


@router.get("/people/imports/{import_id}", response=ImportOut, summary="A checked or applied HR file")
def people_import_detail(request: HttpRequest, import_id: int) -> dict[str, Any]:
    return _import_out(access.people_import_for(_m(request), import_id))


@router.post(
    "/people/imports/{import_id}/apply",
    response={200: ImportOut, 202: ImportCheckingOut},
    summary="Apply a checked HR file: now when small (200), by a background job when large (202)",
)
def people_import_apply(request: HttpRequest, import_id: int) -> Status:  # type: ignore[type-arg]
    record = access.people_import_for(_m(request), import_id)
    return _apply(record, request.user)


@router.get(
    "/people/export",
    summary="People in the import's columns, as CSV or XLSX (a background job for a large organisation)",
    response={200: None, 202: JobOut},
    openapi_extra=documented(
        "export",
        {
            "responses": {
                "200": {
                    "description": "The file (organisations of up to SOMS_PEOPLE_EXPORT_INLINE_ROWS people, 2,000)",
                    "content": {
                        "text/csv": {},
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                    },
                },
                "202": {
                    "description": "More people: a background job writes the file; poll `url` until it is "
                    "done, then fetch `download_url`"
                },
            }
        },
    ),
)
def people_export(request: HttpRequest, format: str = param.Query("csv", pattern="^(csv|xlsx)$")) -> Any:
    m = _m(request)
    require(m, "people.export")
    if (answer := refused(request, "export")) is not None:
        return answer
    if not people_export_runs_inline(m.organisation_id):
        return Status(
            202, job_out(people_export_later(organisation=m.organisation, actor=request.user, fmt=format))
        )
    if format == "xlsx":
        response = HttpResponse(
            to_xlsx_bytes(export_rows(m.organisation_id)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="people.xlsx"'
        return response
    response = HttpResponse(
        "".join(csv_lines(export_rows(m.organisation_id))), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="people.csv"'
    return response


@router.post("/people", response={201: dict}, summary="Add a person (owners, admins)")
def person_create(request: HttpRequest, payload: PersonIn) -> Status:  # type: ignore[type-arg]
    m = _m(request)
    require(m, "person.create")
    try:
        person = persons.person_create(
            organisation=m.organisation, actor=request.user, **_values(m, payload.dict())
        )
    except PeopleInvalid as exc:
        raise _api_problem(exc) from None
    return Status(201, _person_out(person))


@router.get("/people/{person_id}", response=dict, summary="One person (within your scope)")
def person_detail(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return _person_out(access.person_for(_m(request), person_id))


@router.patch("/people/{person_id}", response=dict, summary="Change a person; absent fields stay as they are")
def person_update(request: HttpRequest, person_id: int, payload: PersonPatch) -> dict[str, Any]:
    m = _m(request)
    person = access.person_for(m, person_id, action="person.update")
    data = payload.dict(exclude_unset=True)
    revision = data.pop("revision")
    for text in ("email", "job_title", "location"):
        if text in data and data[text] is None:
            data[text] = ""
    if data.get("active", True) is None:
        data.pop("active")
    try:
        person = persons.person_update(
            person=person, actor=request.user, revision=revision, **_values(m, data)
        )
    except PeopleInvalid as exc:
        raise _api_problem(exc) from None
    return _person_out(person)


@router.get("/people/{person_id}/data", response=dict, summary="Everything held about a person (privacy)")
def person_data(request: HttpRequest, person_id: int) -> dict[str, Any]:
    person = access.person_for(_m(request), person_id, action="person.export_data")
    return privacy.person_data(person)


@router.post("/people/{person_id}/erase", response=dict, summary="Erase a person's personal data")
def person_erase(request: HttpRequest, person_id: int) -> dict[str, Any]:
    person = access.person_for(_m(request), person_id, action="person.erase")
    return _person_out(privacy.person_erase(person=person, actor=request.user))


@router.post("/people/{person_id}/merge", response=dict, summary="Fold a duplicate record into this person")
def person_merge(request: HttpRequest, person_id: int, payload: MergeIn) -> dict[str, Any]:
    m = _m(request)
    keep = access.person_for(m, person_id, action="person.merge")
    duplicate = _ref(m, Person, payload.duplicate_id, "duplicate_id")
    return _person_out(privacy.person_merge(keep=keep, duplicate=duplicate, actor=request.user))


@router.post("/people/{person_id}/invite", response=MemberOut, summary="Invite the person to sign in")
def person_invite(request: HttpRequest, person_id: int, payload: InviteIn) -> dict[str, Any]:
    m = _m(request)
    person = access.person_for(m, person_id, action="person.invite")
    membership = member_svc.person_invite(
        person=person, actor=request.user, role=payload.role, actor_membership=m
    )
    return _member_out(membership)


# --- structure --------------------------------------------------------------------------------


def _unit_out(u: OrgUnit, path: str = "", own: int = 0, total: int = 0) -> dict[str, Any]:
    return {
        "id": u.pk,
        "revision": u.revision,
        "name": u.name,
        "parent_id": u.parent_id,
        "manager_id": u.manager_id,
        "depth": u.depth,
        "path": path or u.name,
        "people": own,
        "people_total": total,
    }


@router.get(
    "/org-units", response=list[UnitOut], tags=["structure"], summary="The org tree you may see, with counts"
)
def unit_list(request: HttpRequest) -> list[dict[str, Any]]:
    flat = tree_flat(org_tree(_m(request)))
    names: list[str] = []
    out = []
    for depth, node in flat:
        del names[depth:]
        names.append(node.unit.name)
        out.append(_unit_out(node.unit, "/".join(names), node.own, node.total))
    return out


@router.post("/org-units", response={201: UnitOut}, tags=["structure"], summary="Add a unit")
def unit_create(request: HttpRequest, payload: UnitIn) -> Status:  # type: ignore[type-arg]
    m = _m(request)
    require(m, "unit.manage")
    unit = structure.unit_create(
        organisation=m.organisation,
        name=payload.name,
        parent=_ref(m, OrgUnit, payload.parent_id, "parent_id"),
        manager=_ref(m, Person, payload.manager_id, "manager_id"),
        actor=request.user,
    )
    return Status(201, _unit_out(unit, structure.unit_path_str(unit)))


@router.get("/org-units/{unit_id}", response=UnitOut, tags=["structure"])
def unit_detail(request: HttpRequest, unit_id: int) -> dict[str, Any]:
    m = _m(request)
    return _unit_answer(m, access.unit_for(m, unit_id))


def _unit_answer(m: Membership, unit: OrgUnit) -> dict[str, Any]:
    # The counts the tree and the unit's page show for the member (never 0 for a unit with people).
    own, total = unit_counts(m, unit)
    return _unit_out(unit, structure.unit_path_str(unit), own, total)


@router.patch(
    "/org-units/{unit_id}",
    response=UnitOut,
    tags=["structure"],
    summary="Rename, move or re-manage a unit",
)
def unit_update(request: HttpRequest, unit_id: int, payload: UnitPatch) -> dict[str, Any]:
    m = _m(request)
    unit = access.unit_for(m, unit_id, action="unit.manage")
    data = payload.dict(exclude_unset=True)
    kwargs: dict[str, Any] = {}
    if data.get("name") is not None:
        kwargs["name"] = data["name"]
    if "parent_id" in data:
        kwargs["parent"] = _ref(m, OrgUnit, data["parent_id"], "parent_id")
    if "manager_id" in data:
        kwargs["manager"] = _ref(m, Person, data["manager_id"], "manager_id")
    unit = structure.unit_update(unit=unit, actor=request.user, revision=payload.revision, **kwargs)
    return _unit_answer(m, unit)


@router.delete(
    "/org-units/{unit_id}", response={204: None}, tags=["structure"], summary="Delete an empty unit"
)
def unit_delete(request: HttpRequest, unit_id: int, revision: int | None = REVISION_QUERY) -> Status:  # type: ignore[type-arg]
    unit = access.unit_for(_m(request), unit_id, action="unit.manage")
    structure.unit_delete(unit=unit, actor=request.user, revision=revision)
    return Status(204, None)


@router.get("/teams", response=list[TeamOut], tags=["structure"])
def team_list(request: HttpRequest) -> Any:
    m = _m(request)
    require(m, "unit.view")
    units = OrgUnit.objects.filter(Q(organisation_id=m.organisation_id) & access.unit_scope(m))
    return list(
        Team.objects.filter(organisation_id=m.organisation_id)
        .filter(
            Q(unit__in=units)
            | Q(unit__isnull=True, pk__in=access.people_in_scope(m, "person.list").values("team_id"))
        )
        .order_by("name")
    )


@router.post("/teams", response={201: TeamOut}, tags=["structure"])
def team_create(request: HttpRequest, payload: TeamIn) -> Status:  # type: ignore[type-arg]
    m = _m(request)
    require(m, "team.manage")
    team = structure.team_create(
        organisation=m.organisation,
        name=payload.name,
        unit=_ref(m, OrgUnit, payload.unit_id, "unit_id"),
        actor=request.user,
    )
    return Status(201, team)


@router.patch("/teams/{team_id}", response=TeamOut, tags=["structure"])
def team_update(request: HttpRequest, team_id: int, payload: TeamPatch) -> Any:
    m = _m(request)
    team = access.team_for(m, team_id)
    data = payload.dict(exclude_unset=True)
    kwargs: dict[str, Any] = {}
    if data.get("name") is not None:
        kwargs["name"] = data["name"]
    if "unit_id" in data:
        kwargs["unit"] = _ref(m, OrgUnit, data["unit_id"], "unit_id")
    return structure.team_update(team=team, actor=request.user, revision=payload.revision, **kwargs)


@router.delete("/teams/{team_id}", response={204: None}, tags=["structure"])
def team_delete(request: HttpRequest, team_id: int, revision: int | None = REVISION_QUERY) -> Status:  # type: ignore[type-arg]
    structure.team_delete(team=access.team_for(_m(request), team_id), actor=request.user, revision=revision)
    return Status(204, None)


# --- role profiles and coverage targets --------------------------------------------------------


def _profile_out(p: RoleProfile) -> dict[str, Any]:
    return {
        "id": p.pk,
        "revision": p.revision,
        "code": p.code,
        "name": p.name,
        "description": p.description,
        "version_id": p.version_id,
        "builtin": p.organisation_id is None,
        "requirements": [
            {"element": r.element.code, "level": r.level.code}
            for r in p.requirements.select_related("element", "level")
        ],
    }


def _requirements(version: FrameworkVersion, items: list[Any]) -> dict[Element, Level | None]:
    elements = {e.code: e for e in version.elements.all()}
    levels = {lv.code: lv for lv in version.levels.all()}
    out: dict[Element, Level | None] = {}
    for i, item in enumerate(items):
        if item.element not in elements:
            raise PeopleInvalid("requirements", f"item {i}: no element {item.element!r} in this version")
        if item.level is not None and item.level not in levels:
            raise PeopleInvalid("requirements", f"item {i}: no level {item.level!r} in this version")
        out[elements[item.element]] = levels[item.level] if item.level else None
    return out


@router.get("/role-profiles", response=list[RoleProfileOut], tags=["role profiles"])
def role_profile_list(request: HttpRequest) -> list[dict[str, Any]]:
    profile_svc.role_profiles_builtin_load()
    return [_profile_out(p) for p in access.role_profiles_visible(_m(request))]


@router.post("/role-profiles", response={201: RoleProfileOut}, tags=["role profiles"])
def role_profile_create(request: HttpRequest, payload: RoleProfileIn) -> Status:  # type: ignore[type-arg]
    m = _m(request)
    require(m, "role_profile.manage")
    version = FrameworkVersion.objects.filter(
        Q(framework__organisation__isnull=True) | Q(framework__organisation_id=m.organisation_id),
        pk=payload.version_id,
    ).first()
    if version is None:
        raise PeopleInvalid("version_id", f"no framework version with id {payload.version_id} you can use")
    profile = profile_svc.role_profile_create(
        organisation=m.organisation,
        version=version,
        code=payload.code,
        name=payload.name,
        description=payload.description,
        requirements=_requirements(version, payload.requirements),
        actor=request.user,
    )
    return Status(201, _profile_out(profile))


@router.get("/role-profiles/{profile_id}", response=RoleProfileOut, tags=["role profiles"])
def role_profile_detail(request: HttpRequest, profile_id: int) -> dict[str, Any]:
    return _profile_out(access.role_profile_for(_m(request), profile_id))


@router.post(
    "/role-profiles/{profile_id}/copy",
    response={201: RoleProfileOut},
    tags=["role profiles"],
    summary="Copy a profile (a built-in one, or the organisation's own) into an editable one",
)
def role_profile_copy(request: HttpRequest, profile_id: int, payload: RoleProfileCopyIn) -> Status:  # type: ignore[type-arg]
    m = _m(request)
    require(m, "role_profile.manage")
    source = access.role_profile_for(m, profile_id)
    copy = profile_svc.role_profile_copy(
        organisation=m.organisation, source=source, actor=request.user, code=payload.code, name=payload.name
    )
    return Status(201, _profile_out(copy))


@router.patch(
    "/role-profiles/{profile_id}",
    response=RoleProfileOut,
    tags=["role profiles"],
    summary="Change name, description or requirements (the listed elements only)",
)
def role_profile_update(request: HttpRequest, profile_id: int, payload: RoleProfilePatch) -> dict[str, Any]:
    profile = access.role_profile_for(_m(request), profile_id, action="role_profile.manage")
    reqs = _requirements(profile.version, payload.requirements) if payload.requirements is not None else None
    profile = profile_svc.role_profile_update(
        profile=profile,
        actor=request.user,
        name=payload.name,
        description=payload.description,
        requirements=reqs,
        revision=payload.revision,
    )
    return _profile_out(profile)


@router.delete("/role-profiles/{profile_id}", response={204: None}, tags=["role profiles"])
def role_profile_delete(
    request: HttpRequest, profile_id: int, revision: int | None = REVISION_QUERY
) -> Status:  # type: ignore[type-arg]
    profile = access.role_profile_for(_m(request), profile_id, action="role_profile.manage")
    profile_svc.role_profile_delete(profile=profile, actor=request.user, revision=revision)
    return Status(204, None)


@router.get("/coverage-targets", response=list[CoverageTargetOut], tags=["role profiles"])
def coverage_list(request: HttpRequest) -> Any:
    m = _m(request)
    require(m, "coverage.view")
    return list(CoverageTarget.objects.filter(organisation_id=m.organisation_id))


def _element_level(m: Membership, element_id: int | None, level_id: int | None) -> tuple[Any, Any]:
    visible = Q(version__framework__organisation__isnull=True) | Q(
        version__framework__organisation_id=m.organisation_id
    )
    element = Element.objects.filter(visible, pk=element_id).first() if element_id else None
    level = Level.objects.filter(visible, pk=level_id).first() if level_id else None
    if element_id and element is None:
        raise PeopleInvalid("element_id", f"no element with id {element_id} you can use")
    if level_id and level is None:
        raise PeopleInvalid("level_id", f"no level with id {level_id} you can use")
    return element, level


@router.post("/coverage-targets", response={201: CoverageTargetOut}, tags=["role profiles"])
def coverage_create(request: HttpRequest, payload: CoverageTargetIn) -> Status:  # type: ignore[type-arg]
    m = _m(request)
    require(m, "coverage.manage")
    element, level = _element_level(m, payload.element_id, payload.level_id)
    target = profile_svc.coverage_target_create(
        organisation=m.organisation,
        unit=_ref(m, OrgUnit, payload.unit_id, "unit_id"),
        team=_ref(m, Team, payload.team_id, "team_id"),
        element=element,
        level=level,
        minimum=payload.minimum,
        note=payload.note,
        actor=request.user,
    )
    return Status(201, target)


@router.patch("/coverage-targets/{target_id}", response=CoverageTargetOut, tags=["role profiles"])
def coverage_update(request: HttpRequest, target_id: int, payload: CoverageTargetPatch) -> Any:
    m = _m(request)
    target = access.coverage_target_for(m, target_id)
    _, level = _element_level(m, None, payload.level_id)
    return profile_svc.coverage_target_update(
        target=target,
        actor=request.user,
        minimum=payload.minimum,
        level=level,
        note=payload.note,
        revision=payload.revision,
    )


@router.delete("/coverage-targets/{target_id}", response={204: None}, tags=["role profiles"])
def coverage_delete(request: HttpRequest, target_id: int, revision: int | None = REVISION_QUERY) -> Status:  # type: ignore[type-arg]
    profile_svc.coverage_target_delete(
        target=access.coverage_target_for(_m(request), target_id), actor=request.user, revision=revision
    )
    return Status(204, None)


# --- members ----------------------------------------------------------------------------------


def _member_out(ms: Membership, invitations: dict[int, Invitation] | None = None) -> dict[str, Any]:
    if invitations is None:
        invitations = latest_invitations(organisation=ms.organisation, user_ids=[ms.user_id])
    inv = invitations.get(ms.user_id)
    return {
        "id": ms.pk,
        "revision": ms.revision,
        "user_id": ms.user_id,
        "username": ms.user.get_username(),
        "email": ms.user.email,
        "role": ms.role,
        "invitation": None
        if inv is None
        else {
            "status": inv.status,
            "send_status": inv.send_status,
            "send_error": inv.send_error,
            "send_attempts": inv.send_attempts,
            "next_send_at": inv.next_send_at,
            "sent_at": inv.sent_at,
            "expires_at": inv.expires_at,
            "expired": inv.expires_at <= timezone.now(),
        },
    }


@router.get("/members", response=list[MemberOut], tags=["members"], summary="Members of the organisation")
def member_list(request: HttpRequest) -> list[dict[str, Any]]:
    m = _m(request)
    require(m, "member.view")
    rows = list(members_of(organisation=m.organisation))
    invitations = latest_invitations(organisation=m.organisation, user_ids=[r.user_id for r in rows])
    return [_member_out(ms, invitations) for ms in rows]


@router.post("/members", response={201: MemberOut}, tags=["members"], summary="Invite a login by e-mail")
def member_invite(request: HttpRequest, payload: MemberInviteIn) -> Status:  # type: ignore[type-arg]
    m = _m(request)
    require(m, "member.invite")
    ms = member_svc.member_invite(
        organisation=m.organisation,
        email=payload.email,
        role=payload.role,
        actor=request.user,
        actor_membership=m,
    )
    return Status(201, _member_out(ms))


@router.patch(
    "/members/{membership_id}", response=MemberOut, tags=["members"], summary="Change a member's role"
)
def member_role(request: HttpRequest, membership_id: int, payload: MemberPatch) -> dict[str, Any]:
    m = _m(request)
    target = access.member_for(m, membership_id, action="member.change_role")
    return _member_out(
        member_svc.member_change_role(
            membership=target,
            role=payload.role,
            actor=request.user,
            actor_membership=m,
            revision=payload.revision,
        )
    )


@router.delete("/members/{membership_id}", response={204: None}, tags=["members"], summary="Remove a member")
def member_remove(request: HttpRequest, membership_id: int, revision: int | None = REVISION_QUERY) -> Status:  # type: ignore[type-arg]
    m = _m(request)
    target = access.member_for(m, membership_id, action="member.remove")
    member_svc.member_remove(membership=target, actor=request.user, actor_membership=m, revision=revision)
    return Status(204, None)


@router.post(
    "/members/{membership_id}/invitation/resend",
    response={202: MemberOut},
    tags=["members"],
    summary="Send a member's invitation again",
    description=(
        "A fresh mail with a new link, valid for the full period, for a member who has not accepted "
        "yet; a job sends it (poll the member's invitation.send_status). 409 when they have accepted."
    ),
)
def member_invite_resend(request: HttpRequest, membership_id: int) -> Status:  # type: ignore[type-arg]
    m = _m(request)
    target = access.member_for(m, membership_id, action="member.invite")
    invitation_resend(membership=target, actor=request.user)
    return Status(202, _member_out(target))


__all__ = ["router", "NotFound"]
