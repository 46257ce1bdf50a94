from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from soms.frameworks import access
from soms.frameworks.selectors import versions as selectors
from soms.ratelimits import rate_limited
from soms.tenancy.access import member_required
from soms.tenancy.requests import MemberRequest


@member_required
@require_GET
def framework_list(request: MemberRequest) -> HttpResponse:
    frameworks = selectors.frameworks_visible_to(
        organisation=request.organisation, drafts=access.reads_drafts(request.membership)
    )
    return render(request, "frameworks/framework_list.html", {"frameworks": frameworks})


@member_required
@require_GET
def framework_detail(request: MemberRequest, framework_id: int) -> HttpResponse:
    framework = access.framework_for(request.membership, framework_id)
    # framework_for brought only the versions the member may read.
    version = selectors.latest_published_version(framework) or next(iter(framework.versions.all()), None)
    if version is None:
        return render(request, "frameworks/framework_detail.html", {"framework": framework})
    return redirect("framework-version", version_id=version.pk)


@member_required
@require_GET
@rate_limited("grid")
def framework_version(request: MemberRequest, version_id: int) -> HttpResponse:
    version = access.framework_version_for(request.membership, version_id)
    grid = selectors.version_grid(version=version)
    readable = access.readable_versions_q(request.membership)
    versions = version.framework.versions.filter(readable).order_by("-created_at")
    return render(
        request,
        "frameworks/version_grid.html",
        {
            "version": version,
            "framework": version.framework,
            "grid": grid,
            "versions": versions,
            "rules": selectors.describe_rules(version=version, levels=grid.levels),
        },
    )
