from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from soms.frameworks import access
from soms.frameworks.cache import published_cached
from soms.frameworks.selectors import versions as selectors
from soms.ratelimits import rate_limited
from soms.tenancy.access import member_required
from soms.tenancy.permissions import can
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

    def draw() -> dict[str, Any]:
        # The grid and its rules alone: the same for every reader of a published version, so drawn
        # once and read back from the cache (soms.frameworks.cache); a draft is drawn every time.
        grid = selectors.version_grid(version=version)
        html = render_to_string(
            "frameworks/_grid_body.html",
            {
                "version": version,
                "grid": grid,
                "editable": can(request.membership, "framework_version.author", version),
                "rules": selectors.describe_rules(version=version, levels=grid.levels),
            },
            request=request,
        )
        return {
            "html": html,
            "elements": len(grid.rows),
            "levels": len(grid.levels),
            "statements": grid.statement_count,
        }

    drawn = published_cached(version, "grid", draw)
    readable = access.readable_versions_q(request.membership)
    versions = version.framework.versions.filter(readable).order_by("-created_at")
    return render(
        request,
        "frameworks/version_grid.html",
        {
            "version": version,
            "framework": version.framework,
            "grid_body": mark_safe(drawn["html"]),  # noqa: S308  # our own template's output
            "counts": drawn,
            "versions": versions,
        },
    )
