from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from soms.frameworks import access
from soms.frameworks.cache import published_cached
from soms.frameworks.models import Level
from soms.frameworks.selectors import versions as selectors
from soms.ratelimits import rate_limited
from soms.tenancy.access import member_required
from soms.tenancy.pages import bad_request
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


class _NoSuchPage(Exception):
    def __init__(self, pages: int) -> None:
        self.pages = pages


def _whole(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() and len(value) <= 9 else None


@member_required
@require_GET
@rate_limited("grid")
def framework_version(request: MemberRequest, version_id: int) -> HttpResponse:
    version = access.framework_version_for(request.membership, version_id)
    levels: list[Level] | None = None
    known: list[selectors.GridPages] = []

    def paging() -> selectors.GridPages:
        nonlocal levels
        levels = list(version.levels.all())
        return selectors.grid_pages(version=version, level_count=len(levels))

    def pages_of() -> selectors.GridPages:
        # Which elements fall on which page: the same for every reader of a published version. Read
        # only when needed: a published page already drawn is one cache read, paging and all.
        if not known:
            known.append(published_cached(version, "grid:pages", paging))
        return known[0]

    page = 1
    if "element" in request.GET:
        element_id = _whole(request.GET["element"])
        found = pages_of().page_of(element_id) if element_id is not None else None
        if found is None:
            return bad_request(request, "element: no such element in this version.", status=404)
        page = found
    elif "page" in request.GET:
        number = _whole(request.GET["page"])
        if number is None or number < 1:
            return bad_request(request, "page: give a whole number from 1.")
        page = number

    def draw() -> dict[str, Any]:
        # One page of the grid and the rules: the same for every reader of a published version,
        # so drawn once and read back from the cache (soms.frameworks.cache); a draft is drawn
        # every time, a page at a time, so that its size never reaches the request.
        pages = pages_of()
        if page > len(pages.pages):
            raise _NoSuchPage(len(pages.pages))
        grid = selectors.version_grid(version=version, page=page, pages=pages, levels=levels)
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
            "elements": grid.element_count,
            "levels": len(grid.levels),
            "statements": grid.statement_count,
            "page": grid.page,
            "pages": grid.pages,
            "first": grid.first,
            "last": grid.last,
        }

    try:
        drawn = published_cached(version, f"grid:{page}", draw)
    except _NoSuchPage as exc:
        return bad_request(request, f"page: this grid has {exc.pages} page(s).", status=404)
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


@member_required
@require_GET
@rate_limited("grid")
def framework_cell(request: MemberRequest, version_id: int, element_id: int, level_id: int) -> HttpResponse:
    """Every statement of one grid cell, a page at a time: where a cell's "show all" link leads
    when it holds more than the grid shows."""
    version = access.framework_version_for(request.membership, version_id)
    element = access.version_item_for(version=version, kind="elements", item_id=element_id)
    level = access.version_item_for(version=version, kind="levels", item_id=level_id)
    statements = selectors.cell_statements(version=version, element=element, level=level)
    page = Paginator(statements, selectors.CELL_STATEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "frameworks/version_cell.html",
        {
            "version": version,
            "framework": version.framework,
            "element": element,
            "level": level,
            "page": page,
        },
    )
