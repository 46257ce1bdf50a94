"""Insights pages: the capability picture of any part of the organisation, a person's gaps and
development plan, and the refresher list."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soms.assessments.models import ElementAttainment
from soms.frameworks.models import FrameworkVersion
from soms.insights import access
from soms.insights.forms import ActionForm, ActionStatusForm, ViewFilterForm
from soms.insights.models import ActionSource, ActionStatus
from soms.insights.selectors import scope
from soms.insights.selectors.overview import GRID_PEOPLE, charts, overview_for
from soms.insights.selectors.picture import Filters, default_version, versions_with_attainment
from soms.insights.selectors.targets import PAGE_GROUPS as COVER_PAGE
from soms.insights.services import plans
from soms.insights.services.snapshots import trend_chart, trend_for
from soms.people.access import people_in_scope, role_profiles_visible, unit_scope
from soms.people.errors import PeopleConflict, PeopleInvalid
from soms.people.models import OrgUnit, Team
from soms.ratelimits import rate_limited
from soms.tenancy.access import get_or_not_found, role_required
from soms.tenancy.idempotency import KeyReused, idempotent, new_key
from soms.tenancy.permissions import can
from soms.tenancy.requests import MemberRequest


def filter_form(request: MemberRequest) -> ViewFilterForm:
    m = request.membership
    units = OrgUnit.objects.filter(Q(organisation_id=m.organisation_id) & unit_scope(m)).order_by("path")
    return ViewFilterForm(
        request.GET or None,
        versions=versions_with_attainment(m.organisation_id),
        units=units,
        teams=Team.objects.filter(organisation_id=m.organisation_id, unit__in=units).order_by("name"),
        profiles=role_profiles_visible(m),
        people=people_in_scope(m, "person.list"),
    )


def resolve(request: MemberRequest) -> tuple[ViewFilterForm, FrameworkVersion | None, Filters]:
    """The filter form, the version and the filters. A filter the member may not use (another
    organisation's unit, a person outside their scope, a malformed id) is not a choice of the
    form: it is reported on the form and left out, and every valid filter beside it still applies
    (a bad manager id must not widen a unit's view to the whole organisation)."""
    form = filter_form(request)
    version = None
    filters = Filters()
    if form.is_bound:
        form.is_valid()
        d = form.cleaned_data  # the fields that passed, whether or not others failed
        version = d.get("version")
        filters = Filters(
            unit=d.get("unit"),
            team=d.get("team"),
            role_profile=d["role_profile"].pk if d.get("role_profile") else None,
            location=(d.get("location") or "").strip(),
            manager=d.get("manager"),
        )
    if version is None:
        version = default_version(request.membership.organisation_id)
        if version is not None:
            _show_version(form, version)
    return form, version, filters


def _show_version(form: ViewFilterForm, version: FrameworkVersion) -> None:
    """Make the framework picker show the version in effect when none was asked for: an empty
    choice there read as "no framework" above a page drawn for one.

    Done after validation, so it changes only what is drawn. A version asked for that is not a
    choice stays as typed, beside its error (which quotes it)."""
    if form.is_bound:
        if form.data.get("version"):
            return
        data = cast(QueryDict, form.data).copy()  # bound from request.GET
        data["version"] = str(version.pk)
        form.data = data
    else:
        form.initial["version"] = version.pk


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def left_out(form: ViewFilterForm) -> str:
    """A sentence naming each filter that was left out, what was typed and why; "" when none."""
    if not form.is_bound or not form.errors:
        return ""
    names, reasons = [], []
    for f, errors in form.errors.items():
        label = str(form[f].label) if f in form.fields else f
        names.append(label)
        typed = str(form.data.get(f, ""))[:40]
        reasons.append(f"{label} “{typed}”: {' '.join(str(e).rstrip('.') for e in errors)}")
    many = len(names) > 1
    return (
        f"The {_and(names)} filter{'s were' if many else ' was'} left out and the other filters are "
        f"applied. {'; '.join(reasons)}. Correct {'them' if many else 'it'} in the filters, or clear "
        f"{'them' if many else 'it'}."
    )


# Child units per page of the units × elements view.
UNITS_PAGE = 40
MAX_PAGE = 1_000_000


def _past_end(pages: int, what: str) -> str:
    if pages == 1:
        return f"There is only one page of {what}; here it is."
    return f"There are {pages} pages of {what}; this is the last."


def _page_number(raw: str | None) -> tuple[int, str]:
    """A 1-based page number from the query, and what was wrong with it (shown, never an error)."""
    if raw is None or raw == "":
        return 1, ""
    try:
        n = int(raw)
    except ValueError:
        return 1, f"'{raw[:20]}' is not a page number; this is the first page."
    if n < 1 or n > MAX_PAGE:
        return 1, f"There is no page {n}; this is the first page."
    return n, ""


def _drill(request: MemberRequest, unit_id: int) -> str:
    """The same view (framework, role profile, location, manager) for one unit and below."""
    q = request.GET.copy()
    for key in ("team", "page", "units_page", "show"):
        q.pop(key, None)
    q["unit"] = str(unit_id)
    return "?" + q.urlencode()


def _switch(request: MemberRequest, show: str) -> str:
    q = request.GET.copy()
    for key in ("page", "units_page"):
        q.pop(key, None)
    q["show"] = show
    return "?" + q.urlencode()


def _paging(
    request: MemberRequest, key: str, page: int, pages: int, size: int, total: int, show: str = ""
) -> dict[str, Any]:
    """Links to the previous and next page, keeping every other filter of the query."""

    def link(n: int) -> str:
        q = request.GET.copy()
        q[key] = str(n)
        if show:
            q["show"] = show
        return "?" + q.urlencode()

    return {
        "page": page,
        "pages": pages,
        "size": size,
        "total": total,
        "first": (page - 1) * size + 1 if total else 0,
        "last": min(page * size, total),
        "previous": link(page - 1) if page > 1 else "",
        "next": link(page + 1) if page < pages else "",
    }


@role_required("insights.view")
@require_GET
def dashboard(request: MemberRequest) -> HttpResponse:
    form, version, filters = resolve(request)
    context: dict[str, Any] = {
        "form": form,
        "version": version,
        "filters": filters,
        "left_out": left_out(form),
    }
    page, page_problem = _page_number(request.GET.get("page"))
    units_page, units_problem = _page_number(request.GET.get("units_page"))
    if version is not None:
        targets = scope.view_targets(request.membership, version, filters)
        ov = overview_for(
            request.membership,
            version,
            filters,
            targets,
            group_units=True,
            offset=(page - 1) * GRID_PEOPLE,
            limit=GRID_PEOPLE,
        )
        people = ov.data["people"]
        pages = max(-(-people // GRID_PEOPLE), 1)
        if page > pages:  # past the end (people left, or a typed link): the last page, said so
            page_problem = _past_end(pages, "people")
            page = pages
            ov = overview_for(
                request.membership,
                version,
                filters,
                targets,
                group_units=True,
                offset=(page - 1) * GRID_PEOPLE,
                limit=GRID_PEOPLE,
            )
        # Above GRID_PEOPLE people the units × elements view comes first; the people grid is a page away.
        show = request.GET.get("show")
        if show not in ("people", "units"):
            show = "units" if people > GRID_PEOPLE and "page" not in request.GET else "people"
        unit_count = len((ov.data.get("child_units") or {}).get("rows") or [])
        units_pages = max(-(-unit_count // UNITS_PAGE), 1)
        if units_page > units_pages:
            units_problem = _past_end(units_pages, "units")
            units_page = units_pages
        scope_name = scope.scope_name(request.membership, filters)
        trend = trend_for(request.membership, version, filters)
        context["cover"] = scope.view_cover(request.membership, version, filters, tallies=ov.tallies)
        ov.data["coverage"] = scope.view_coverage(ov.data["coverage"], context["cover"])
        ov.data["single_points"] = scope.view_single_points(request.membership, ov.data["single_points"])
        ov.data.update(scope.view_capabilities(request.membership, ov.data))
        context["cover_page"] = COVER_PAGE
        children = (ov.data.get("child_units") or {}).get("rows") or []
        if len(children) < 2:  # one row would only repeat the totals
            children = []
            show = "people"
        element_names = [e["name"] for e in ov.data["elements"]]
        unit_rows = [
            dict(
                u,
                link=_drill(request, u["unit_id"]) if u["unit_id"] else "",
                # Each figure names its element: on a phone the table stacks, one card per unit.
                elements=[dict(c, name=n) for c, n in zip(u["elements"], element_names, strict=True)],
            )
            for u in children[(units_page - 1) * UNITS_PAGE : units_page * UNITS_PAGE]
        ]
        if show == "units":
            ov.data["rows"] = []  # the people × elements grid waits behind its link
        drawn = charts(
            ov,
            title=f"{scope_name}: levels per element",
            units=unit_rows if children else None,
            screens=True,
            scope=scope_name,
        )
        if trend is not None:
            drawn["trend"] = trend_chart(trend, title=f"{scope_name}: people meeting their requirement")
        context.update(
            show=show,
            paging=_paging(request, "page", page, pages, GRID_PEOPLE, people, show="people"),
            units_paging=_paging(request, "units_page", units_page, units_pages, UNITS_PAGE, unit_count),
            page_problem=page_problem,
            units_problem=units_problem,
            unit_rows=unit_rows,
            switch={"people": _switch(request, "people"), "units": _switch(request, "units")},
            grid_page_size=GRID_PEOPLE,
            data=ov.data,
            trend=trend,
            charts=drawn,
            scope_name=scope_name,
            scope_note=scope.scope_note(request.membership, filters),
            query=request.GET.urlencode(),
            can_export=can(request.membership, "insights.export"),
            can_set_targets=can(request.membership, "coverage.manage"),
            can_read_targets=can(request.membership, "coverage.view"),
        )
    return render(request, "insights/dashboard.html", context)


@role_required("insights.view")
@require_GET
def person(request: MemberRequest, person_id: int) -> HttpResponse:
    m = request.membership
    who = access.person_for(m, person_id)
    versions = versions_with_attainment(m.organisation_id)
    version = None
    raw = request.GET.get("version")
    if raw:
        version = get_or_not_found(versions, pk=raw, missing=f"No framework version with id {raw}")
    if version is None:
        version = FrameworkVersion.objects.filter(
            pk__in=ElementAttainment.objects.filter(person=who).values("version_id")
        ).first() or default_version(m.organisation_id)
    return render(request, "insights/person.html", _person_context(request, who, version, versions))


def _person_context(
    request: MemberRequest, who: Any, version: FrameworkVersion | None, versions: Any, form: Any = None
) -> dict[str, Any]:
    """The person page's context; `form` is a refused action form to draw again as it was typed."""
    from soms.insights.selectors.person import person_view

    m = request.membership
    context: dict[str, Any] = {"person": who, "version": version, "versions": versions}
    if version is not None:
        # (A refused form's page, drawn again from its POST, writes nothing: not even the self line.)
        view = person_view(m, who, version, keep_self_line=request.method in ("GET", "HEAD"))
        context.update(view)
        context["can_plan"] = can(m, "development.manage", who)
        context["action_form"] = form or ActionForm(version=version)
        context["status_choices"] = ActionStatus.choices
    return context


def _action_content(who: Any, version: FrameworkVersion, d: dict[str, Any]) -> dict[str, Any]:
    """What makes two sendings of the form the same request (for its idempotency key)."""
    statement = d.get("statement")
    return {
        "person": who.pk,
        "version": version.pk,
        "element": d["element"].pk,
        "statement": statement.pk if statement is not None else None,
        "kind": d["kind"],
        "title": d["title"],
        "notes": d.get("notes") or "",
        "due_on": d.get("due_on"),
        "source": d.get("source") or ActionSource.OWN,
    }


@role_required("development.manage")
@require_POST
def action_create(request: MemberRequest, person_id: int) -> HttpResponse:
    m = request.membership
    who = access.person_for(m, person_id)
    if not can(m, "development.manage", who):
        return _forbidden(request)
    versions = versions_with_attainment(m.organisation_id)
    raw = request.POST.get("version") or ""
    version = get_or_not_found(versions, pk=raw, missing=f"No framework version with id {raw or '(none)'}")
    form = ActionForm(request.POST, version=version)
    if form.is_valid():
        d = form.cleaned_data
        plan_url = f"{_person_url(who.pk)}?version={version.pk}#plan"

        def create() -> dict[str, Any]:
            action = plans.action_create(
                actor=request.user,
                person=who,
                version=version,
                element=d["element"],
                statement=d.get("statement"),
                kind=d["kind"],
                title=d["title"],
                notes=d.get("notes") or "",
                due_on=d.get("due_on"),
                source=d.get("source") or ActionSource.OWN,
            )
            return {"action": action.pk, "title": action.title, "location": plan_url}

        try:
            outcome = idempotent(
                organisation_id=m.organisation_id,
                user=request.user,
                scope="insights.action.create:form",
                key=d.get("idempotency_key"),
                content=_action_content(who, version, d),
                perform=create,
                place=("idempotency_key",),
            )
        except KeyReused:
            # This form was sent before with other values (brought back from the browser's
            # history and changed): drawn again with a fresh key, so that sending it adds it.
            data = request.POST.copy()
            data["idempotency_key"] = new_key()
            form = ActionForm(data, version=version)
            form.is_valid()
            form.add_error(
                None, "This form was already sent with other values; check them and send it again."
            )
        except PeopleInvalid as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if outcome.replayed:
                # A double click or a resent form: the first request added it, so this one shows
                # the plan as it is rather than an error.
                messages.info(
                    request, f"'{outcome.answer['title']}' is already in the plan; nothing was added again."
                )
            else:
                messages.success(request, f"Added to {who.name}'s development plan: {d['title']}")
            return redirect(outcome.answer["location"])
    # Drawn again as typed, the form open and each reason beside its field (nothing was added).
    messages.error(request, f"The action was not added: {_problems(form)}")
    context = _person_context(request, who, version, versions, form)
    return render(request, "insights/person.html", context, status=422)


@role_required("development.manage")
@require_POST
def action_status(request: MemberRequest, action_id: int) -> HttpResponse:
    m = request.membership
    action = access.action_for(m, action_id, action="development.manage")
    if not can(m, "development.manage", action.person):
        return _forbidden(request)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"The status was not changed: {_problems(form)}")
    else:
        try:
            plans.action_set_status(
                actor=request.user,
                action=action,
                status=form.cleaned_data["status"],
                revision=form.cleaned_data["revision"],
            )
        except PeopleConflict as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"'{action.title}' is now {action.get_status_display().lower()}.")
    return redirect(f"{_person_url(action.person_id)}?version={action.version_id}#plan")


# Rows of each refresher list per page.
REFRESHERS_PAGE = 200


@role_required("insights.view")
@require_http_methods(["GET"])
def refreshers(request: MemberRequest) -> HttpResponse:
    """Levels refresh due, expiring within 90 days, or expired, for the people in scope; and open
    development actions that are overdue. Each list is paged (`page`, `overdue_page`)."""
    from soms.insights.selectors.refreshers import levels_to_refresh, overdue_actions, with_lapsed

    m = request.membership
    today = timezone.localdate()
    context: dict[str, Any] = {"today": today}
    for key, name, queryset, what in (
        ("page", "rows", levels_to_refresh(m, today), "levels"),
        ("overdue_page", "overdue", overdue_actions(m, today), "overdue actions"),
    ):
        page, problem = _page_number(request.GET.get(key))
        total = queryset.count()
        pages = max(-(-total // REFRESHERS_PAGE), 1)
        if page > pages:
            problem, page = _past_end(pages, what), pages
        rows = list(queryset[(page - 1) * REFRESHERS_PAGE : page * REFRESHERS_PAGE])
        context[name] = with_lapsed(rows) if name == "rows" else rows
        context[f"{name}_paging"] = _paging(request, key, page, pages, REFRESHERS_PAGE, total)
        context[f"{name}_problem"] = problem
    return render(request, "insights/refreshers.html", context)


def _problems(form: Any) -> str:
    """Each refused field by the label the form shows ("Due on", not "due_on") and why."""
    return "; ".join(
        (f"{form[f].label}: " if f in form.fields else "") + " ".join(str(x).rstrip(".") + "." for x in e)
        for f, e in form.errors.items()
    )


def _person_url(pk: int) -> str:
    return reverse("insights-person", args=[pk])


def _forbidden(request: MemberRequest) -> HttpResponse:
    raise PermissionDenied("You may not change this person's development plan")


@role_required("insights.export")
@rate_limited("export")
@require_POST
def export(request: MemberRequest) -> HttpResponse:
    """Start a PDF or XLSX report of what the dashboard shows (same filters, same scope)."""
    from soms.insights.jobs import FORMATS, filter_params, insights_report_job
    from soms.insights.selectors.scope import scope_title
    from soms.jobs.services import job_start

    fmt = request.POST.get("format", "")
    if fmt not in FORMATS:
        messages.error(request, "Choose PDF or XLSX.")
        return redirect("insights-dashboard")
    form, version, filters = resolve(request)
    if form.is_bound and not form.is_valid():
        # A filter the member may not use: the page ignores it with a note, but a report of
        # everyone else instead of what was asked for would mislead, so nothing is started.
        messages.error(request, f"No report was made, nothing was started: {_problems(form)}")
        return redirect(reverse("insights-dashboard") + "?" + request.GET.urlencode())
    if version is None:
        messages.error(request, "No framework is published yet.")
        return redirect("insights-dashboard")
    job = job_start(
        job_function=insights_report_job,
        organisation=request.membership.organisation,
        owner=request.user,
        title=f"{fmt.upper()} report: {scope_title(request.membership, filters)}",
        params={"version_id": version.pk, "fmt": fmt, "filters": filter_params(filters)},
    )
    return redirect("job-detail", job.pk)


@role_required("insights.view")
@rate_limited("export")
@require_POST
def plan_pdf(request: MemberRequest, person_id: int) -> HttpResponse:
    """Start the PDF of a person's development plan."""
    from soms.insights.jobs import development_plan_job
    from soms.jobs.services import job_start

    m = request.membership
    who = access.person_for(m, person_id)
    raw = request.POST.get("version") or ""
    version = get_or_not_found(
        versions_with_attainment(m.organisation_id),
        pk=raw,
        missing=f"No framework version with id {raw or '(none)'}",
    )
    job = job_start(
        job_function=development_plan_job,
        organisation=m.organisation,
        owner=request.user,
        title=f"Development plan of {who.name}",
        params={"person_id": who.pk, "version_id": version.pk},
    )
    return redirect("job-detail", job.pk)
