from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from soms.site import selectors
from soms.tenancy.access import member_required
from soms.tenancy.requests import MemberRequest


@member_required
@require_GET
def home(request: MemberRequest) -> HttpResponse:
    return render(request, "site/home.html", selectors.home_summary(organisation=request.organisation))
