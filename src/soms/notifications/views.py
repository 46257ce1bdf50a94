"""The notifications page: the member's notifications in the current organisation, newest first."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from soms.notifications.models import Notification
from soms.notifications.services import mark_read
from soms.tenancy.access import get_or_not_found, member_required
from soms.tenancy.requests import MemberRequest


def _mine(request: MemberRequest):  # type: ignore[no-untyped-def]
    return Notification.objects.filter(user_id=request.user.pk, organisation_id=request.organisation.pk)


@member_required
@require_GET
def notification_list(request: MemberRequest) -> HttpResponse:
    page = Paginator(_mine(request), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page})


@member_required
@require_POST
def notification_open(request: MemberRequest, notification_id: int) -> HttpResponseRedirect:
    """Mark one read and go to the page it is about (another user's answers 404, like a missing one)."""
    n = get_or_not_found(_mine(request), pk=notification_id, missing="No such notification")
    mark_read(user_id=request.user.pk, organisation_id=request.organisation.pk, ids=[n.pk])
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(n.url)
    return redirect("notification-list")


@member_required
@require_POST
def notification_read_all(request: MemberRequest) -> HttpResponseRedirect:
    mark_read(user_id=request.user.pk, organisation_id=request.organisation.pk)
    return redirect("notification-list")
