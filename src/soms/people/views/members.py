"""Members page: invite by e-mail, change a role, remove (owners and admins)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from soms.people import access
from soms.people.errors import PeopleConflict, PeopleInvalid
from soms.people.forms import InviteForm, RevisionOnlyForm, RoleForm
from soms.people.permissions import can
from soms.people.services import members as svc
from soms.people.views.common import form_error, membership
from soms.tenancy.access import member_required, require
from soms.tenancy.models import Role
from soms.tenancy.selectors import members_of


@member_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest) -> HttpResponse:
    m = membership(request)
    require(m, "member.view")
    form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require(m, "member.invite")
        if form.is_valid():
            try:
                invited = svc.member_invite(
                    organisation=m.organisation,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    actor=request.user,
                    actor_membership=m,
                )
                messages.success(request, f"Invitation sent to {invited.user.email}.")
                return redirect("members")
            except PeopleInvalid as exc:
                form_error(form, exc)
            except PeopleConflict as exc:
                form.add_error(None, str(exc))
        status = 400
    return render(
        request,
        "people/members.html",
        {
            "members": members_of(organisation=m.organisation),
            "form": form,
            "roles": Role.choices,
            "can_change": can(m, "member.change_role"),
            "can_remove": can(m, "member.remove"),
            "is_owner": m.role == Role.OWNER,
        },
        status=status,
    )


@member_required
@require_POST
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    m = membership(request)
    target = access.member_for(m, membership_id, action="member.change_role")
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "role: choose one of " + ", ".join(Role.values))
        return redirect("members")
    try:
        svc.member_change_role(
            membership=target,
            role=form.cleaned_data["role"],
            actor=request.user,
            actor_membership=m,
            revision=form.cleaned_data["revision"],
        )
        messages.success(
            request, f"{target.user.get_username()} is now {Role(form.cleaned_data['role']).label}."
        )
    except (PeopleInvalid, PeopleConflict) as exc:
        messages.error(request, str(exc))
    return redirect("members")


@member_required
@require_POST
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    m = membership(request)
    target = access.member_for(m, membership_id, action="member.remove")
    form = RevisionOnlyForm(request.POST)
    try:
        svc.member_remove(
            membership=target,
            actor=request.user,
            actor_membership=m,
            revision=form.cleaned_data["revision"] if form.is_valid() else None,
        )
        messages.success(request, f"Removed {target.user.get_username()} from {m.organisation.name}.")
    except (PeopleInvalid, PeopleConflict) as exc:
        messages.error(request, str(exc))
    return redirect("members")
