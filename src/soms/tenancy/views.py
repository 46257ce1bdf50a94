from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soms.ratelimits import rate_limited
from soms.tenancy import selectors, services
from soms.tenancy.access import api_token_for, member_required, membership_for, role_required
from soms.tenancy.audit import (
    action_label,
    changes_of,
    object_links,
    object_type_label,
)
from soms.tenancy.forms import ApiTokenForm, AuditFilterForm, SwitchOrganisationForm
from soms.tenancy.middleware import SESSION_KEY
from soms.tenancy.pages import bad_request
from soms.tenancy.requests import MemberRequest

GENERIC_LOCKOUT = (
    "Too many failed sign-in attempts. Sign-in is paused for a while; try again later "
    "or ask an administrator."
)


class LoginView(auth_views.LoginView):
    template_name = "tenancy/login.html"
    redirect_authenticated_user = True


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """Shown instead of the result of a sign-in attempt while the username is locked.

    The same answer is given whether or not the user exists.
    """
    form = AuthenticationForm(request, data=request.POST or None)
    form.errors.clear()
    form.add_error(None, GENERIC_LOCKOUT)
    return render(request, "tenancy/login.html", {"form": form}, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "tenancy/password_change.html"

    def form_valid(self, form: Any) -> HttpResponse:
        services.user_password_change(user=form.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, "Your password has been changed.")
        return redirect("home")


@require_POST
@member_required
def switch_organisation(request: MemberRequest) -> HttpResponse:
    form = SwitchOrganisationForm(request.POST)
    if not form.is_valid():
        return bad_request(request, "organisation: a whole number is required")
    membership = membership_for(request.user, form.cleaned_data["organisation"])
    request.session[SESSION_KEY] = membership.organisation_id
    messages.info(request, f"You are now working in {membership.organisation.name}.")
    return redirect(_page_after_switch(request, form.cleaned_data.get("next") or ""))


def _page_after_switch(request: HttpRequest, target: str) -> str:
    """Where to land after switching organisation: a page that exists in the new one.

    The page we came from keeps its place only when it names no object: an id in the path
    belongs to the organisation we just left, so reloading it would answer 404. Its query
    string is dropped too, since filters may name such ids. Anything else (foreign hosts,
    unknown paths, object pages) lands on the dashboard.
    """
    home = reverse("home")
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return home
    path = urlsplit(target).path
    try:
        match = resolve(path)
    except Resolver404:
        return home
    # captured_kwargs (Django 4.1+) leaves out route defaults such as people/export.csv's fmt;
    # the stubs don't know it yet.
    if match.args or match.captured_kwargs:  # type: ignore[attr-defined]
        return home
    return path


def _audit_filters(request: MemberRequest) -> tuple[AuditFilterForm, dict[str, Any]]:
    organisation = request.organisation
    form = AuditFilterForm(
        request.GET or None,
        actors=selectors.audit_actors_of(organisation=organisation),
        object_types=[
            (t, object_type_label(t)) for t in selectors.audit_object_types_of(organisation=organisation)
        ],
    )
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    return form, filters


@role_required("audit_log.read")
@require_GET
def audit_log(request: MemberRequest) -> HttpResponse:
    form, filters = _audit_filters(request)
    entries = selectors.audit_log_for(organisation=request.organisation, **filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    links = object_links(page.object_list)
    rows = [
        {
            "entry": e,
            "action_label": action_label(e.action),
            "object_type_label": object_type_label(e.object_type),
            "url": links.get((e.object_type, e.object_id)),
            "changes": changes_of(e.before, e.after),
        }
        for e in page.object_list
    ]
    response = render(
        request,
        "tenancy/audit_log.html",
        {
            "page": page,
            "rows": rows,
            "form": form,
            "filtered": bool(filters),
            # Above the threshold the download is written by a job (soms.tenancy.jobs).
            "export_in_background": page.paginator.count > settings.SOMS_AUDIT_EXPORT_INLINE_ROWS,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
    response["Cache-Control"] = "private, no-store"
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


@role_required("audit_log.read")
@rate_limited("export")
@require_GET
def audit_log_csv(request: MemberRequest) -> HttpResponseBase:
    # The job machinery sits above tenancy (soms.tenancy.jobs says why it is imported here).
    from soms.tenancy.jobs import (
        audit_csv_rows,
        audit_export_filename,
        audit_export_later,
        audit_export_runs_inline,
    )

    form, filters = _audit_filters(request)
    if form.is_bound and form.errors:
        return bad_request(
            request,
            "; ".join(f"{field}: {' '.join(str(e) for e in errs)}" for field, errs in form.errors.items()),
        )
    entries = selectors.audit_log_for(organisation=request.organisation, **filters)
    count = entries.count()
    if not audit_export_runs_inline(count):
        # Seconds of work: a job writes the file; its page shows the progress, then the download.
        job = audit_export_later(
            organisation=request.organisation, actor=request.user, filters=filters, count=count
        )
        return redirect("job-detail", job_id=job.pk)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in audit_csv_rows(entries)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{audit_export_filename(request.organisation)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# The raw value of a token just created waits here for the one page that shows it (POST, redirect,
# GET): a refresh neither creates a second token nor shows this one again, and it never sits in a
# URL, a cookie or the browser's history.
NEW_TOKEN_KEY = "soms_new_api_token"


@role_required("api_token.manage")
@require_http_methods(["GET", "POST"])
def api_tokens(request: MemberRequest) -> HttpResponse:
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            token, raw = services.api_token_create(
                user=request.user, organisation=request.organisation, name=form.cleaned_data["name"]
            )
            request.session[NEW_TOKEN_KEY] = {
                "id": token.pk,
                "organisation": request.organisation.pk,
                "raw": raw,
            }
            return redirect("api-tokens")
    else:
        form = ApiTokenForm()
    new_token = None
    waiting = request.session.pop(NEW_TOKEN_KEY, None) if request.method == "GET" else None
    # Shown only in the organisation it was made for (a switch in between drops it).
    if isinstance(waiting, dict) and waiting.get("organisation") == request.organisation.pk:
        new_token = waiting.get("raw")
    tokens = selectors.api_tokens_of(user=request.user, organisation=request.organisation)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "tenancy/api_tokens.html",
        {"form": form, "tokens": tokens, "new_token": new_token},
        status=status,
    )


@require_POST
@role_required("api_token.manage")
def api_token_revoke(request: MemberRequest, token_id: int) -> HttpResponse:
    token = api_token_for(request.user, request.organisation, token_id)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("api-tokens")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
