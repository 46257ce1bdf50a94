"""The page an invitation e-mail links to: choose a password, then sign in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy

from soms.tenancy.services import audit_log_write


class InviteAcceptView(auth_views.PasswordResetConfirmView):
    template_name = "people/invite_accept.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_log_write(actor=form.user, organisation=None, action="user.invite_accept", obj=form.user)
        messages.success(self.request, "Your password is set. Sign in with your username and new password.")
        return response
