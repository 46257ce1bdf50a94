from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from soms.site import selectors, services
from soms.site.guide import first_steps
from soms.tenancy.access import member_required
from soms.tenancy.requests import MemberRequest


@member_required
@require_GET
def home(request: MemberRequest) -> HttpResponse:
    context = selectors.home_summary(membership=request.membership)
    context["guide"] = None if context["guide_dismissed"] else first_steps(request.membership)
    return render(request, "site/home.html", context)


@login_required
@require_POST
def guide_dismiss(request: HttpRequest) -> HttpResponse:
    services.guide_dismiss(user=request.user)
    return redirect("home")


@login_required
@require_POST
def guide_restore(request: HttpRequest) -> HttpResponse:
    services.guide_restore(user=request.user)
    return redirect("home")
