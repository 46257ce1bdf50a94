"""Members page: invite by e-mail, change a role, remove (owners and admins)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from soms.people import access
from soms.people.errors import PeopleConflict, PeopleInvalid
from soms.people.forms import InviteForm, RevisionOnlyForm, RoleForm
from soms.people.models import Invitation, InvitationSend, InvitationStatus
from soms.people.permissions import can
from soms.people.services import members as svc
from soms.people.services.invitations import invitation_resend, latest_invitations
from soms.people.views.common import form_error, membership
from soms.tenancy.access import member_required, require
from soms.tenancy.models import Role
from soms.tenancy.selectors import members_of


def invite_state(invitation: Invitation | None, user: Any) -> str:
    """What the members page says of a member's invitation: "" (nothing to say: accepted, or a
    member who never needed one), queued, retrying, sent, failed or expired."""
    if invitation is None or invitation.status == InvitationStatus.REVOKED:
        accepted = user.last_login is not None or user.has_usable_password()
        return "" if accepted else "none"
    if invitation.status != InvitationStatus.PENDING:
        return ""
    if invitation.expires_at <= timezone.now():
        return "expired"
    if invitation.send_status == InvitationSend.QUEUED and invitation.next_send_at is not None:
        return "retrying"  # the last send failed for a reason that passes; another try is due
    return str(invitation.send_status)


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
                messages.success(
                    request,
                    f"Invited {invited.user.email}: the mail is on its way (its state shows below).",
                )
                return redirect("members")
            except PeopleInvalid as exc:
                form_error(form, exc)
            except PeopleConflict as exc:
                form.add_error(None, str(exc))
        status = 400
    rows = list(members_of(organisation=m.organisation))
    invitations = latest_invitations(organisation=m.organisation, user_ids=[r.user_id for r in rows])
    for row in rows:
        row.invitation = invitations.get(row.user_id)  # type: ignore[attr-defined]
        row.invite_state = invite_state(row.invitation, row.user)  # type: ignore[attr-defined]
    return render(
        request,
        "people/members.html",
        {
            "members": rows,
            "can_invite": can(m, "member.invite"),
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


@member_required
@require_POST
def member_invite_resend(request: HttpRequest, membership_id: int) -> HttpResponse:
    """ "Send again": a fresh invitation mail (and link) for a member who has not accepted yet."""
    m = membership(request)
    target = access.member_for(m, membership_id, action="member.invite")
    try:
        invitation = invitation_resend(membership=target, actor=request.user)
        messages.success(request, f"Sending the invitation to {invitation.email} again.")
    except PeopleConflict as exc:
        messages.error(request, str(exc))
    return redirect("members")
