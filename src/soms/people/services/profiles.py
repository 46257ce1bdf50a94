"""Role profiles (level per element for one framework version) and coverage targets."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from soms.frameworks.models import Element, FrameworkVersion, Level
from soms.people.errors import PeopleInvalid
from soms.people.models import CoverageTarget, OrgUnit, RoleProfile, RoleRequirement, Team
from soms.people.services.revisions import bump_revision, check_revision
from soms.people.signals import organisation_changed
from soms.tenancy.models import Organisation
from soms.tenancy.services import audit_log_write

# Built-in SOMS role profiles, in our own words: code -> (name, description, {element: level}).
F, P, S = "foundation", "practitioner", "senior-practitioner"
BUILTIN_PROFILES: dict[str, tuple[str, str, dict[str, str]]] = {
    "om-designer": (
        "Operating-model designer",
        "Shapes the operating model as a whole: how value streams, structure, people and capacity "
        "serve the strategy, and which trade-offs are made between them.",
        {
            "customer-experience": P,
            "delivery": S,
            "process-context": S,
            "people-capability": P,
            "demand-capacity": P,
            "performance": P,
            "strategy-governance": S,
        },
    ),
    "om-implementer": (
        "Operating-model implementer",
        "Turns a designed operating model into daily practice and leads the change until it holds.",
        {
            "customer-experience": P,
            "delivery": S,
            "process-context": P,
            "people-capability": S,
            "demand-capacity": P,
            "performance": P,
            "strategy-governance": F,
        },
    ),
    "om-maintainer": (
        "Operating-model maintainer (service or team manager)",
        "Runs a service or team on the operating model day to day: matches capacity to demand, "
        "watches the KPIs and keeps the team's skills current.",
        {
            "customer-experience": P,
            "delivery": F,
            "process-context": F,
            "people-capability": P,
            "demand-capacity": P,
            "performance": P,
            "strategy-governance": F,
        },
    ),
    "om-coach": (
        "Operating-model coach",
        "Helps others learn and apply the framework, judges their evidence and validates their levels.",
        {
            "customer-experience": P,
            "delivery": P,
            "process-context": P,
            "people-capability": S,
            "demand-capacity": P,
            "performance": P,
            "strategy-governance": P,
        },
    ),
}


def builtin_soms_version() -> FrameworkVersion | None:
    return (
        FrameworkVersion.objects.filter(framework__organisation__isnull=True, framework__code="soms")
        .order_by("-published_at", "-id")
        .first()
    )


@transaction.atomic
def role_profiles_builtin_load() -> list[RoleProfile]:
    """Create the built-in SOMS role profiles that are missing. Cheap when they are all there."""
    if RoleProfile.objects.filter(organisation__isnull=True, code__in=BUILTIN_PROFILES).count() == len(
        BUILTIN_PROFILES
    ):
        return []
    version = builtin_soms_version()
    if version is None:
        return []
    elements = {e.code: e for e in version.elements.all()}
    levels = {lv.code: lv for lv in version.levels.all()}
    made = []
    for code, (name, description, wants) in BUILTIN_PROFILES.items():
        if RoleProfile.objects.filter(organisation__isnull=True, code=code).exists():
            continue
        profile = RoleProfile.objects.create(
            organisation=None, version=version, code=code, name=name, description=description, is_builtin=True
        )
        RoleRequirement.objects.bulk_create(
            RoleRequirement(profile=profile, element=elements[e], level=levels[lv]) for e, lv in wants.items()
        )
        made.append(profile)
    return made


def _requirements_check(version: FrameworkVersion, requirements: dict[Element, Level | None]) -> None:
    for element, level in requirements.items():
        if element.version_id != version.pk:
            raise PeopleInvalid("requirements", f"element {element.code!r} is not part of {version}")
        if level is not None and level.version_id != version.pk:
            raise PeopleInvalid("requirements", f"level {level.code!r} is not part of {version}")


def _requirements_plain(profile: RoleProfile) -> dict[str, str]:
    return {r.element.code: r.level.code for r in profile.requirements.select_related("element", "level")}


@transaction.atomic
def role_profile_create(
    *,
    organisation: Organisation,
    version: FrameworkVersion,
    code: str,
    name: str,
    description: str = "",
    requirements: dict[Element, Level | None] | None = None,
    actor: Any,
    audit: bool = True,
) -> RoleProfile:
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        raise PeopleInvalid("code", "must not be blank")
    if not name:
        raise PeopleInvalid("name", "must not be blank")
    if RoleProfile.objects.filter(organisation=organisation, code=code).exists():
        raise PeopleInvalid("code", f"{code!r} is already used in this organisation")
    _requirements_check(version, requirements or {})
    try:
        with transaction.atomic():
            profile = RoleProfile.objects.create(
                organisation=organisation, version=version, code=code, name=name, description=description
            )
    except IntegrityError:
        raise PeopleInvalid("code", f"{code!r} is already used in this organisation") from None
    RoleRequirement.objects.bulk_create(
        RoleRequirement(profile=profile, element=e, level=lv) for e, lv in (requirements or {}).items() if lv
    )
    if audit:
        audit_log_write(
            actor=actor,
            organisation=organisation,
            action="role_profile.create",
            obj=profile,
            after={
                "code": code,
                "name": name,
                "version": version.pk,
                "requirements": _requirements_plain(profile),
            },
        )
    return profile


def role_profile_copy_code(organisation: Organisation, source: RoleProfile) -> str:
    """The code a copy gets unless another is asked for: the source's own while the organisation does
    not use it (the copy then answers to that code in HR files, ahead of the built-in profile), else
    the first free `<code>-2`, `<code>-3`, …"""
    stem = source.code[:74]
    taken = set(
        RoleProfile.objects.filter(organisation=organisation, code__startswith=stem).values_list(
            "code", flat=True
        )
    )
    if source.code not in taken:
        return source.code
    n = 2
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


@transaction.atomic
def role_profile_copy(
    *,
    organisation: Organisation,
    source: RoleProfile,
    actor: Any,
    code: str | None = None,
    name: str | None = None,
) -> RoleProfile:
    """An editable profile of `organisation` with the same framework version, description and
    requirements as `source` (a built-in profile, or one of the organisation's own). People who hold
    the source keep holding it: the copy starts with no holders."""
    if source.organisation_id not in (None, organisation.pk):
        raise PeopleInvalid("profile", "not a profile this organisation can see")
    requirements: dict[Element, Level | None] = {
        r.element: r.level for r in source.requirements.select_related("element", "level")
    }
    copy = role_profile_create(
        organisation=organisation,
        version=source.version,
        code=(code or "").strip() or role_profile_copy_code(organisation, source),
        name=(name or "").strip() or source.name,
        description=source.description,
        requirements=requirements,
        actor=actor,
        audit=False,
    )
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="role_profile.copy",
        obj=copy,
        after={
            "copied_from": source.code + (" (built-in)" if source.organisation_id is None else ""),
            "code": copy.code,
            "name": copy.name,
            "version": copy.version_id,
            "requirements": _requirements_plain(copy),
        },
    )
    return copy


@transaction.atomic
def role_profile_update(
    *,
    profile: RoleProfile,
    actor: Any,
    name: str | None = None,
    description: str | None = None,
    requirements: dict[Element, Level | None] | None = None,
    revision: int | None = None,
) -> RoleProfile:
    """Change a profile's name, description and requirements (a level of None drops the element).
    One revision covers the profile and its requirements: a stale `revision` is refused."""
    profile = (
        RoleProfile.objects.select_for_update(of=("self",))
        .select_related("version", "organisation")
        .get(pk=profile.pk)
    )
    check_revision(profile, revision, f"The role profile {profile.name}")
    before = {
        "name": profile.name,
        "description": profile.description,
        "requirements": _requirements_plain(profile),
    }
    if name is not None:
        name = name.strip()
        if not name:
            raise PeopleInvalid("name", "must not be blank")
        profile.name = name
    if description is not None:
        profile.description = description
    if requirements is not None:
        _requirements_check(profile.version, requirements)
        for element, level in requirements.items():
            if level is None:
                RoleRequirement.objects.filter(profile=profile, element=element).delete()
            else:
                RoleRequirement.objects.update_or_create(
                    profile=profile, element=element, defaults={"level": level}
                )
    after = {
        "name": profile.name,
        "description": profile.description,
        "requirements": _requirements_plain(profile),
    }
    if after != before:
        bump_revision(profile, f"The role profile {profile.name}")
    profile.save()
    if after["requirements"] != before["requirements"] and profile.organisation_id is not None:
        organisation_changed.send(None, organisation_id=profile.organisation_id)
    if after != before:
        audit_log_write(
            actor=actor,
            organisation=profile.organisation,
            action="role_profile.update",
            obj=profile,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return profile


@transaction.atomic
def role_profile_delete(*, profile: RoleProfile, actor: Any, revision: int | None = None) -> None:
    profile = (
        RoleProfile.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=profile.pk)
    )
    check_revision(profile, revision, f"The role profile {profile.name}")
    audit_log_write(
        actor=actor,
        organisation=profile.organisation,
        action="role_profile.delete",
        obj=profile,
        before={"code": profile.code, "name": profile.name, "holders": profile.people.count()},
    )
    profile.delete()
    if profile.organisation_id is not None:
        organisation_changed.send(None, organisation_id=profile.organisation_id)


def _target_check(
    organisation: Organisation, unit: OrgUnit | None, team: Team | None, element: Element, level: Level
) -> None:
    if (unit is None) == (team is None):
        raise PeopleInvalid("unit", "give either a unit or a team")
    where = unit or team
    if where is not None and where.organisation_id != organisation.pk:
        raise PeopleInvalid("unit" if unit else "team", "not part of this organisation")
    if level.version_id != element.version_id:
        raise PeopleInvalid("level", "the level belongs to another framework version than the element")


@transaction.atomic
def coverage_target_create(
    *,
    organisation: Organisation,
    element: Element,
    level: Level,
    minimum: int,
    unit: OrgUnit | None = None,
    team: Team | None = None,
    note: str = "",
    actor: Any,
) -> CoverageTarget:
    _target_check(organisation, unit, team, element, level)
    if minimum < 1:
        raise PeopleInvalid("minimum", "must be at least 1")
    target = CoverageTarget.objects.create(
        organisation=organisation,
        unit=unit,
        team=team,
        element=element,
        level=level,
        minimum=minimum,
        note=note,
    )
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="coverage_target.create",
        obj=target,
        after={
            "unit": unit.pk if unit else None,
            "team": team.pk if team else None,
            "element": element.code,
            "level": level.code,
            "minimum": minimum,
        },
    )
    return target


@transaction.atomic
def coverage_target_update(
    *,
    target: CoverageTarget,
    actor: Any,
    minimum: int | None = None,
    level: Level | None = None,
    note: str | None = None,
    revision: int | None = None,
) -> CoverageTarget:
    target = (
        CoverageTarget.objects.select_for_update(of=("self",))
        .select_related("level", "element", "organisation")
        .get(pk=target.pk)
    )
    check_revision(target, revision, "The coverage target")
    before = {"minimum": target.minimum, "level": target.level.code, "note": target.note}
    if minimum is not None:
        if minimum < 1:
            raise PeopleInvalid("minimum", "must be at least 1")
        target.minimum = minimum
    if level is not None:
        if level.version_id != target.element.version_id:
            raise PeopleInvalid("level", "the level belongs to another framework version than the element")
        target.level = level
    if note is not None:
        target.note = note
    after = {"minimum": target.minimum, "level": target.level.code, "note": target.note}
    if after != before:
        bump_revision(target, "The coverage target")
        target.save()
        audit_log_write(
            actor=actor,
            organisation=target.organisation,
            action="coverage_target.update",
            obj=target,
            before=before,
            after=after,
        )
    return target


@transaction.atomic
def coverage_target_delete(*, target: CoverageTarget, actor: Any, revision: int | None = None) -> None:
    target = (
        CoverageTarget.objects.select_for_update(of=("self",))
        .select_related("level", "element", "organisation")
        .get(pk=target.pk)
    )
    check_revision(target, revision, "The coverage target")
    audit_log_write(
        actor=actor,
        organisation=target.organisation,
        action="coverage_target.delete",
        obj=target,
        before={"minimum": target.minimum, "element": target.element.code, "level": target.level.code},
    )
    target.delete()
