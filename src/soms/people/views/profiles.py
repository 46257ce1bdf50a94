"""Role profile editor (level per element) and coverage targets editor."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from soms.frameworks.models import Element, FrameworkVersion, Level, VersionStatus
from soms.people import access
from soms.people.errors import PeopleInvalid
from soms.people.forms import CoverageTargetForm, RoleProfileCopyForm, RoleProfileForm
from soms.people.models import CoverageTarget, OrgUnit, RoleProfile, Team
from soms.people.permissions import can
from soms.people.services import profiles as svc
from soms.people.views.common import form_error, membership
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
    if request.method == "POST":
        by_id = {str(lv.pk): lv for lv in levels}
        wanted: dict[Element, Level | None] = {}
        for e in elements:
            raw = request.POST.get(f"element-{e.pk}", "")
            if raw and raw not in by_id:
                error = f"element {e.name}: choose one of the version's levels"
                break
            wanted[e] = by_id.get(raw)
        if error is None:
            try:
                svc.role_profile_update(
                    profile=profile,
                    actor=request.user,
                    name=request.POST.get("name"),
                    description=request.POST.get("description"),
                    requirements=wanted,
                )
                messages.success(request, "Role profile saved.")
                return redirect("people-role-profile", profile_id=profile.pk)
            except PeopleInvalid as exc:
                error = f"{exc.field}: {exc.message}"
    return _detail(request, m, profile, elements, levels, error=error)


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
) -> HttpResponse:
    current = {r.element_id: r.level_id for r in profile.requirements.all()}
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
            "error": error,
            "copy_form": (copy_form or _copy_form(m, profile)) if may_manage else None,
            "holders": access.people_in_scope(m, "person.list").filter(role_profiles=profile).count(),
        },
        status=400 if error or (copy_form is not None and copy_form.errors) else 200,
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
    svc.role_profile_delete(profile=profile, actor=request.user)
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
    targets = CoverageTarget.objects.filter(organisation_id=m.organisation_id).select_related(
        "unit", "team", "element", "level"
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
    svc.coverage_target_delete(target=target, actor=request.user)
    messages.success(request, "Coverage target removed.")
    return redirect("people-coverage")
