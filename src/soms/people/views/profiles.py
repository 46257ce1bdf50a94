"""Role profile editor (level per element) and coverage targets editor."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from soms.fields import NUL_MESSAGE
from soms.frameworks.models import Element, FrameworkVersion, Level, VersionStatus
from soms.people import access
from soms.people.errors import PeopleInvalid, StaleRevision
from soms.people.forms import (
    CoverageTargetEditForm,
    CoverageTargetForm,
    RevisionOnlyForm,
    RoleProfileCopyForm,
    RoleProfileForm,
)
from soms.people.models import CoverageTarget, OrgUnit, RoleProfile, Team
from soms.people.permissions import can
from soms.people.selectors.people import unit_path_names
from soms.people.services import profiles as svc
from soms.people.views.common import conflict_text, form_error, membership, shown
from soms.tenancy.access import member_required, require


def versions_for(m: Any) -> Any:
    from django.db.models import Q

    return (
        FrameworkVersion.objects.filter(
            Q(framework__organisation__isnull=True) | Q(framework__organisation_id=m.organisation_id),
            status=VersionStatus.PUBLISHED,
        )
        .select_related("framework")
        .prefetch_related("elements", "levels")
    )


@member_required
@require_http_methods(["GET", "POST"])
def role_profile_list(request: HttpRequest) -> HttpResponse:
    m = membership(request)
    svc.role_profiles_builtin_load()
    profiles = access.role_profiles_visible(m)
    form = RoleProfileForm(request.POST or None)
    versions = list(versions_for(m))
    if request.method == "POST":
        require(m, "role_profile.manage")
        version = next((v for v in versions if str(v.pk) == request.POST.get("version")), None)
        if version is None:
            form.add_error(None, "choose a published framework version")
        if form.is_valid() and version is not None:
            try:
                profile = svc.role_profile_create(
                    organisation=m.organisation, version=version, actor=request.user, **form.cleaned_data
                )
                return redirect("people-role-profile", profile_id=profile.pk)
            except PeopleInvalid as exc:
                form_error(form, exc)
    return render(
        request,
        "people/role_profiles.html",
        {
            "profiles": profiles,
            "form": form,
            "versions": versions,
            "can_manage": can(m, "role_profile.manage"),
        },
        status=400 if request.method == "POST" else 200,
    )


@member_required
@require_http_methods(["GET", "POST"])
def role_profile_detail(request: HttpRequest, profile_id: int) -> HttpResponse:
    m = membership(request)
    action = "role_profile.manage" if request.method == "POST" else "role_profile.view"
    profile = access.role_profile_for(m, profile_id, action=action)
    elements = list(Element.objects.filter(version=profile.version).order_by("order", "id"))
    levels = list(Level.objects.filter(version=profile.version).order_by("rank"))
    error = None
    typed: dict[str, Any] | None = None
    if request.method == "POST":
        by_id = {str(lv.pk): lv for lv in levels}
        wanted: dict[Element, Level | None] = {}
        for e in elements:
            raw = request.POST.get(f"element-{e.pk}", "")
            if raw and raw not in by_id:
                error = f"element {e.name}: choose one of the version's levels"
                break
            wanted[e] = by_id.get(raw)
        revision = RevisionOnlyForm(request.POST)
        if error is None and (not revision.is_valid() or revision.cleaned_data["revision"] is None):
            error = "This page is out of date (it sent no revision): open the profile again."
        if error is None and any("\x00" in request.POST.get(f, "") for f in ("name", "description")):
            # Read from the request as typed: PostgreSQL refuses NUL in text outright.
            error = f"The name and the description {NUL_MESSAGE}."
        if error is None:
            try:
                svc.role_profile_update(
                    profile=profile,
                    actor=request.user,
                    name=request.POST.get("name"),
                    description=request.POST.get("description"),
                    requirements=wanted,
                    revision=revision.cleaned_data["revision"],
                )
                messages.success(request, "Role profile saved.")
                return redirect("people-role-profile", profile_id=profile.pk)
            except PeopleInvalid as exc:
                error = f"{exc.field}: {exc.message}"
            except StaleRevision as exc:
                profile = RoleProfile.objects.select_related("version__framework").get(pk=profile.pk)
                stored = {r.element_id: r.level_id for r in profile.requirements.all()}
                differences = [
                    f"{e.name}: {next((lv.name for lv in levels if lv.pk == stored.get(e.pk)), 'not required')}"
                    for e, lv in wanted.items()
                    if (lv.pk if lv else None) != stored.get(e.pk)
                ]
                for label, mine, now in (
                    ("Name", request.POST.get("name"), profile.name),
                    ("Description", request.POST.get("description"), profile.description),
                ):
                    if mine is not None and mine.strip() != now.strip():
                        differences.insert(0, f"{label}: {shown(now)}")
                error = conflict_text(exc, profile, differences)
                # The user's name, description and levels stay on the page.
                typed = {
                    "name": request.POST.get("name", profile.name),
                    "description": request.POST.get("description", profile.description),
                    "levels": {e.pk: (lv.pk if lv else None) for e, lv in wanted.items()},
                }
    return _detail(request, m, profile, elements, levels, error=error, typed=typed)


def _copy_form(m: Any, profile: RoleProfile, data: Any = None) -> RoleProfileCopyForm:
    own = profile.organisation_id is not None
    return RoleProfileCopyForm(
        data,
        initial={
            "code": svc.role_profile_copy_code(m.organisation, profile),
            "name": f"{profile.name} (copy)" if own else profile.name,
        },
        prefix="copy",
    )


def _detail(
    request: HttpRequest,
    m: Any,
    profile: RoleProfile,
    elements: list[Element],
    levels: list[Level],
    *,
    error: str | None = None,
    copy_form: RoleProfileCopyForm | None = None,
    typed: dict[str, Any] | None = None,
) -> HttpResponse:
    current = {r.element_id: r.level_id for r in profile.requirements.all()}
    if typed is not None:
        current = typed["levels"]
    rows = [(e, current.get(e.pk)) for e in elements]
    may_manage = can(m, "role_profile.manage")
    editable = profile.organisation_id is not None and may_manage
    return render(
        request,
        "people/role_profile.html",
        {
            "profile": profile,
            "rows": rows,
            "levels": levels,
            "editable": editable,
            "may_manage": may_manage,
            "error": error,
            "typed": typed or {"name": profile.name, "description": profile.description},
            "conflict": typed is not None,
            "copy_form": (copy_form or _copy_form(m, profile)) if may_manage else None,
            "holders": access.people_in_scope(m, "person.list").filter(role_profiles=profile).count(),
        },
        status=409
        if typed is not None
        else 400
        if error or (copy_form is not None and copy_form.errors)
        else 200,
    )


@member_required
@require_POST
def role_profile_copy(request: HttpRequest, profile_id: int) -> HttpResponse:
    """Copy a profile (typically a built-in, read-only one) into an editable one of the organisation."""
    m = membership(request)
    require(m, "role_profile.manage")
    source = access.role_profile_for(m, profile_id)
    form = _copy_form(m, source, request.POST)
    if form.is_valid():
        try:
            copy = svc.role_profile_copy(
                organisation=m.organisation,
                source=source,
                actor=request.user,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
            )
            messages.success(request, f"Copied {source.name} into {copy.name}: edit it below.")
            return redirect("people-role-profile", profile_id=copy.pk)
        except PeopleInvalid as exc:
            form_error(form, exc)
    elements = list(Element.objects.filter(version=source.version).order_by("order", "id"))
    levels = list(Level.objects.filter(version=source.version).order_by("rank"))
    return _detail(request, m, source, elements, levels, copy_form=form)


@member_required
@require_POST
def role_profile_delete(request: HttpRequest, profile_id: int) -> HttpResponse:
    m = membership(request)
    profile = access.role_profile_for(m, profile_id, action="role_profile.manage")
    form = RevisionOnlyForm(request.POST)
    try:
        svc.role_profile_delete(
            profile=profile,
            actor=request.user,
            revision=form.cleaned_data["revision"] if form.is_valid() else None,
        )
    except StaleRevision as exc:
        messages.error(request, f"{exc} Nothing was deleted; look at the profile again first.")
        return redirect("people-role-profile", profile_id=profile.pk)
    messages.success(request, f"Deleted role profile {profile.name}.")
    return redirect("people-role-profiles")


def _target_form(m: Any, data: Any = None) -> CoverageTargetForm:
    return CoverageTargetForm(
        data,
        units=OrgUnit.objects.filter(organisation_id=m.organisation_id).order_by("path"),
        teams=Team.objects.filter(organisation_id=m.organisation_id).order_by("name"),
        versions=versions_for(m),
    )


@member_required
@require_http_methods(["GET", "POST"])
def coverage_targets(request: HttpRequest) -> HttpResponse:
    m = membership(request)
    require(m, "coverage.view")
    form = _target_form(m, request.POST or None)
    if request.method == "POST":
        require(m, "coverage.manage")
        if form.is_valid():
            d = form.cleaned_data
            kind, _, pk = d["where"].partition(":")
            unit = (
                OrgUnit.objects.filter(organisation_id=m.organisation_id, pk=pk).first()
                if kind == "unit"
                else None
            )
            team = (
                Team.objects.filter(organisation_id=m.organisation_id, pk=pk).first()
                if kind == "team"
                else None
            )
            element = Element.objects.get(pk=d["element"])
            level = Level.objects.get(pk=d["level"])
            try:
                svc.coverage_target_create(
                    organisation=m.organisation,
                    unit=unit,
                    team=team,
                    element=element,
                    level=level,
                    minimum=d["minimum"],
                    note=d["note"],
                    actor=request.user,
                )
                messages.success(request, "Coverage target added.")
                return redirect("people-coverage")
            except PeopleInvalid as exc:
                form_error(form, exc)
    targets = list(
        CoverageTarget.objects.filter(organisation_id=m.organisation_id).select_related(
            "unit", "team", "element", "level"
        )
    )
    # The unit's full path: two "Service desk" units in different branches must be told apart.
    paths = unit_path_names([t.unit for t in targets if t.unit is not None])
    for t in targets:
        t.where = (  # type: ignore[attr-defined]
            f"Team {t.team.name}" if t.team else f"Unit {paths.get(t.unit_id or 0, '').replace('/', ' / ')}"
        )
    return render(
        request,
        "people/coverage.html",
        {
            "targets": targets,
            "form": form,
            "can_manage": can(m, "coverage.manage"),
        },
        status=400 if request.method == "POST" else 200,
    )


@member_required
@require_POST
def coverage_target_delete(request: HttpRequest, target_id: int) -> HttpResponse:
    m = membership(request)
    target = access.coverage_target_for(m, target_id)
    form = RevisionOnlyForm(request.POST)
    try:
        svc.coverage_target_delete(
            target=target,
            actor=request.user,
            revision=form.cleaned_data["revision"] if form.is_valid() else None,
        )
    except StaleRevision as exc:
        messages.error(request, f"{exc} Nothing was removed.")
        return redirect("people-coverage")
    messages.success(request, "Coverage target removed.")
    return redirect("people-coverage")


def _target_differences(form: CoverageTargetEditForm, target: CoverageTarget) -> list[str]:
    if not form.is_valid():
        return []
    d = form.cleaned_data
    out = []
    if d["level"] != target.level:
        out.append(f"Level or above: {shown(target.level.name)}")
    if d["minimum"] != target.minimum:
        out.append(f"At least: {target.minimum}")
    if d["note"] != target.note:
        out.append(f"Note: {shown(target.note)}")
    return out


def _target_where(target: CoverageTarget) -> str:
    if target.team is not None:
        return f"Team {target.team.name}"
    assert target.unit is not None
    return f"Unit {unit_path_names([target.unit])[target.unit.pk].replace('/', ' / ')}"


@member_required
@require_http_methods(["GET", "POST"])
def coverage_target_edit(request: HttpRequest, target_id: int) -> HttpResponse:
    """Change a target's level, number or note, with the page's revision: a save over someone
    else's change is refused (409) and the form keeps what was typed."""
    m = membership(request)
    target = access.coverage_target_for(m, target_id)
    initial = {
        "level": target.level,
        "minimum": target.minimum,
        "note": target.note,
        "revision": target.revision,
    }
    form = CoverageTargetEditForm(request.POST or None, initial=initial, target=target)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            svc.coverage_target_update(
                target=target,
                actor=request.user,
                level=d["level"],
                minimum=d["minimum"],
                note=d["note"],
                revision=d["revision"],
            )
            messages.success(request, "Coverage target saved.")
            return redirect("people-coverage")
        except PeopleInvalid as exc:
            form_error(form, exc)
        except StaleRevision as exc:
            target = access.coverage_target_for(m, target_id)
            data = request.POST.copy()
            data["revision"] = str(target.revision)
            form = CoverageTargetEditForm(data, initial=initial, target=target)
            form.add_error(None, conflict_text(exc, target, _target_differences(form, target)))
            status = 409
    return render(
        request,
        "people/coverage_edit.html",
        {"form": form, "target": target, "where": _target_where(target)},
        status=status,
    )
