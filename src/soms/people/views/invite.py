"""The page an invitation e-mail links to: choose a password (a new login) or accept while signed
in (an existing login). A withdrawn, expired or used invitation says so and offers nothing to do."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from soms.people.errors import PeopleConflict
from soms.people.services.invitations import (
    InvitationClosed,
    invitation_accept,
    invitation_for_token,
    invitation_state,
)

# How each closed state answers: a page that explains, with 410 Gone (404 for a link never issued).
CLOSED_STATUS = {"invalid": 404, "revoked": 410, "expired": 410, "accepted": 410}


def _closed(request: HttpRequest, state: str, invitation: object = None) -> HttpResponse:
    return render(
        request,
        "people/invite_accept.html",
        {"state": state, "invitation": invitation},
        status=CLOSED_STATUS[state],
    )


@never_cache
@require_http_methods(["GET", "POST"])
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_for_token(token)
    if invitation is None:
        return _closed(request, "invalid")
    state = invitation_state(invitation)
    if state != "pending":
        return _closed(request, state, invitation)
    invitee = invitation.user
    context: dict[str, object] = {"state": "pending", "invitation": invitation}
    if not invitee.has_usable_password():
        form = SetPasswordForm(invitee, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                invitation_accept(
                    invitation=invitation, user=invitee, password=form.cleaned_data["new_password1"]
                )
            except InvitationClosed as exc:
                return _closed(request, exc.state, invitation)
            messages.success(
                request,
                f"Your password is set. Sign in as {invitee.get_username()} to open "
                f"{invitation.organisation.name}.",
            )
            return redirect("login")
        context.update(form=form, choose_password=True)
        return render(request, "people/invite_accept.html", context, status=400 if form.errors else 200)
    # An existing login accepts once signed in as itself.
    signed_in = request.user.is_authenticated
    if signed_in and request.user.pk == invitee.pk and request.method == "POST":
        try:
            invitation_accept(invitation=invitation, user=request.user)
        except InvitationClosed as exc:
            return _closed(request, exc.state, invitation)
        except PeopleConflict as exc:  # pragma: no cover - the user was checked above
            messages.error(request, str(exc))
            return redirect("home")
        request.session["soms_organisation_id"] = invitation.organisation_id
        messages.success(request, f"You have joined {invitation.organisation.name}.")
        return redirect("home")
    context.update(
        signed_in_as_invitee=signed_in and request.user.pk == invitee.pk,
        signed_in_as_other=signed_in and request.user.pk != invitee.pk,
        login_url=reverse("login") + "?" + urlencode({"next": request.path}),
    )
    return render(request, "people/invite_accept.html", context)
