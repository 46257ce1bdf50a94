from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from soms.frameworks.selectors import versions as selectors
from soms.tenancy.access import member_required


@member_required
@require_GET
def framework_list(request: HttpRequest) -> HttpResponse:
    frameworks = selectors.frameworks_visible_to(organisation=request.organisation)
    return render(request, "frameworks/framework_list.html", {"frameworks": frameworks})


@member_required
@require_GET
def framework_detail(request: HttpRequest, framework_id: int) -> HttpResponse:
    framework = selectors.framework_for(organisation=request.organisation, framework_id=framework_id)
    version = selectors.latest_published_version(framework) or framework.versions.first()
    if version is None:
        return render(request, "frameworks/framework_detail.html", {"framework": framework})
    return redirect("framework-version", version_id=version.pk)


@member_required
@require_GET
def framework_version(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.framework_version_for(organisation=request.organisation, version_id=version_id)
    grid = selectors.version_grid(version=version)
    versions = version.framework.versions.order_by("-created_at")
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
