"""People: create and update one at a time (the HR import writes in bulk, see soms.people.io)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max, Value
from django.db.models.functions import Concat, Length, Substr

from soms.people.errors import PeopleInvalid
from soms.people.models import ID_WIDTH, MAX_DEPTH, OrgUnit, Person, RoleProfile, Team
from soms.people.services.revisions import bump_revision, check_revision
from soms.people.signals import people_changed
from soms.people.validation import clean_person_text, team_problem
from soms.tenancy.models import Organisation
from soms.tenancy.services import audit_log_write

# The fields a page, the API or the import may set, with how they are shown in the audit log.
FIELDS = (
    "employee_id",
    "name",
    "email",
    "job_title",
    "manager",
    "unit",
    "team",
    "location",
    "start_date",
    "active",
)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _check_refs(organisation_id: int, values: dict[str, Any]) -> None:
    for field, model in (("manager", Person), ("unit", OrgUnit), ("team", Team)):
        obj = values.get(field)
        if obj is not None and (not isinstance(obj, model) or obj.organisation_id != organisation_id):
            raise PeopleInvalid(field, f"that {field} is not part of this organisation")
    profiles = values.get("role_profiles")
    for profile in profiles or ():
        if profile.organisation_id not in (None, organisation_id):
            raise PeopleInvalid("role_profiles", "that role profile is not part of this organisation")


def _check_text(values: dict[str, Any]) -> None:
    for field in ("employee_id", "name"):
        if field in values and not str(values[field] or "").strip():
            raise PeopleInvalid(field, "must not be blank")
    clean_person_text(values)


def _check_team(team: Any, unit: Any) -> None:
    reason = team_problem(team, unit)
    if reason is not None:
        raise PeopleInvalid("team", reason)


def _lock_team(values: dict[str, Any]) -> None:
    """Lock the team a person is put in and read its unit afresh: a move of that team (which locks
    it, then moves its people) waits for this write or is seen by it, never half of each."""
    team = values.get("team")
    if isinstance(team, Team):
        values["team"] = (
            Team.objects.select_for_update(of=("self",)).select_related("unit").filter(pk=team.pk).first()
            or team
        )


def _employee_id_taken(organisation_id: int, employee_id: str, exclude: int | None) -> bool:
    # Without regard to case, as the HR import matches ids (README: HR import).
    qs = Person.objects.filter(organisation_id=organisation_id, employee_id__iexact=employee_id)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


@transaction.atomic
def person_create(*, organisation: Organisation, actor: Any, **values: Any) -> Person:
    profiles = values.pop("role_profiles", None)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    for field in ("employee_id", "name"):
        values.setdefault(field, "")
    _check_text(values)
    values["employee_id"] = values["employee_id"].strip()
    values["name"] = values["name"].strip()
    _check_refs(organisation.pk, {**values, "role_profiles": profiles})
    _lock_team(values)
    _check_team(values.get("team"), values.get("unit"))
    if _employee_id_taken(organisation.pk, values["employee_id"], None):
        raise PeopleInvalid("employee_id", f"{values['employee_id']!r} is already used in this organisation")
    manager = values.get("manager")
    person = Person(organisation=organisation, **values)
    person.chain = manager.reports_prefix if manager else ""
    if len(person.chain) // ID_WIDTH >= MAX_DEPTH:
        raise PeopleInvalid("manager", f"reporting lines are at most {MAX_DEPTH} levels deep")
    person.save()
    if profiles:
        person.role_profiles.set(profiles)
    people_changed.send(None, organisation_id=organisation.pk, person_ids=[person.pk])
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="person.create",
        obj=person,
        after={
            **{k: _plain(v) for k, v in values.items()},
            **(
                {
                    "role_profiles": sorted(
                        role_profile_keys(organisation.pk).get(p.pk, p.code) for p in profiles
                    )
                }
                if profiles
                else {}
            ),
        },
    )
    return person


def _rechain(person: Person, manager: Person | None) -> None:
    """Give `person` a new manager and rewrite the chains of everyone below them in one UPDATE."""
    old_chain = person.chain
    new_chain = manager.reports_prefix if manager else ""
    if manager is not None and (manager.pk == person.pk or manager.chain.startswith(person.reports_prefix)):
        raise PeopleInvalid("manager", "a person cannot report to themself or to someone who reports to them")
    below = Person.objects.filter(person.reports_q(), organisation_id=person.organisation_id)
    deepest = below.aggregate(m=Max(Length("chain")))["m"] or (len(old_chain) + ID_WIDTH)
    if (deepest - len(old_chain) + len(new_chain)) // ID_WIDTH > MAX_DEPTH:
        raise PeopleInvalid("manager", f"reporting lines are at most {MAX_DEPTH} levels deep")
    below.update(chain=Concat(Value(new_chain), Substr("chain", len(old_chain) + 1)))
    person.chain = new_chain
    person.manager = manager


@transaction.atomic
def person_update(*, person: Person, actor: Any, revision: int | None = None, **values: Any) -> Person:
    """Change the fields given. `revision` is the one the caller read: a stale one is refused with
    `StaleRevision` before anything is compared (see soms.people.services.revisions)."""
    _lock_team(values)  # before the person: a team move locks the team, then its people
    person = Person.objects.select_for_update().get(pk=person.pk)
    check_revision(person, revision, f"{person.name} ({person.employee_id})")
    profiles = values.pop("role_profiles", None)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    _check_text(values)
    _check_refs(person.organisation_id, {**values, "role_profiles": profiles})
    if "unit" in values and "team" not in values and person.team_id is not None:
        # Moving someone to another unit takes them out of the old unit's team (as an HR file does).
        unit = values["unit"]
        if unit is None or person.team is None or person.team.unit_id != unit.pk:
            values["team"] = None
    if "unit" in values or "team" in values:
        _check_team(values.get("team", person.team), values.get("unit", person.unit))
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if "employee_id" in values:
        values["employee_id"] = values["employee_id"].strip()
        if values["employee_id"].casefold() != person.employee_id.casefold() and _employee_id_taken(
            person.organisation_id, values["employee_id"], person.pk
        ):
            raise PeopleInvalid(
                "employee_id", f"{values['employee_id']!r} is already used in this organisation"
            )
    if "name" in values:
        values["name"] = values["name"].strip()
    for field, value in values.items():
        current = getattr(person, field)
        if current == value:
            continue
        before[field], after[field] = _plain(current), _plain(value)
        if field == "manager":
            _rechain(person, value)
        else:
            setattr(person, field, value)
    if profiles is not None:
        keys = role_profile_keys(person.organisation_id)
        current_ids = set(person.role_profiles.values_list("id", flat=True))
        current_codes = sorted(keys.get(pk, "?") for pk in current_ids)
        new_codes = sorted(keys.get(p.pk, p.code) for p in profiles)
        if current_ids != {p.pk for p in profiles}:
            person.role_profiles.set(profiles)
            before["role_profiles"], after["role_profiles"] = current_codes, new_codes
    if not after:
        return person
    bump_revision(person, f"{person.name} ({person.employee_id})")
    person.save()
    if {"unit", "active", "role_profiles"} & set(after):
        people_changed.send(None, organisation_id=person.organisation_id, person_ids=[person.pk])
    audit_log_write(
        actor=actor,
        organisation=person.organisation,
        action="person.update",
        obj=person,
        before=before,
        after=after,
    )
    return person


# How a file, the API or an export names a built-in profile that the organisation's own profile of
# the same code shadows (after *Copy into my organisation*): people may still hold the built-in one.
BUILTIN_PREFIX = "builtin:"


def role_profiles_by_code(organisation_id: int) -> dict[str, RoleProfile]:
    """Codes a file, the API or a form may name. One rule everywhere: the organisation's own profile
    answers to its code, shadowing a built-in profile of the same code, which then answers to
    `builtin:<code>`; a built-in profile nobody shadows answers to its code."""
    own = {p.code: p for p in RoleProfile.objects.filter(organisation_id=organisation_id)}
    found: dict[str, RoleProfile] = {}
    for profile in RoleProfile.objects.filter(organisation__isnull=True):
        found[BUILTIN_PREFIX + profile.code if profile.code in own else profile.code] = profile
    found.update(own)
    return found


def role_profile_keys(organisation_id: int) -> dict[int, str]:
    """Profile id -> the name it answers to in files and the API (see `role_profiles_by_code`)."""
    return {p.pk: code for code, p in role_profiles_by_code(organisation_id).items()}
