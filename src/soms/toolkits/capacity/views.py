"""Capacity toolkit pages. Each works as a plain form post; htmx only swaps parts in place."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soms.charts.svg import for_screens
from soms.core.capacity import CapacityInputError, DemandCsvError
from soms.lazy import lazy_module
from soms.ratelimits import rate_limited
from soms.tenancy.access import member_required
from soms.tenancy.requests import MemberRequest
from soms.toolkits import access
from soms.toolkits.capacity import selectors, services
from soms.toolkits.capacity.downloads import study_download_response
from soms.toolkits.capacity.forms import DeleteForm, ErlangForm, PlanForm, RenameForm, SaveForm
from soms.toolkits.models.capacity import CapacityStudy

if TYPE_CHECKING:
    from soms.toolkits.capacity import charts as capacity_charts
    from soms.toolkits.capacity import compute as capacity
else:
    # NumPy and SciPy load at the first computation, not when the URLs (or a command) are imported.
    capacity_charts = lazy_module("soms.toolkits.capacity.charts")
    capacity = lazy_module("soms.toolkits.capacity.compute")


Kind = CapacityStudy.Kind


def _bound(form_class: type[forms.Form], initial: dict[str, Any]) -> Any:
    """A bound form from initial values, so a page opens with a result already computed."""
    data = {}
    for name, field in form_class.base_fields.items():
        value = initial.get(name, field.initial)
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else str(value)
    return form_class(data=data)


# --------------------------------------------------------------------------------------------
# home


@member_required
@require_GET
def capacity_home(request: MemberRequest) -> HttpResponse:
    studies = selectors.capacity_studies_for(organisation=request.organisation)
    return render(request, "toolkits/capacity_home.html", {"studies": studies})


# --------------------------------------------------------------------------------------------
# Erlang calculator


# Charts are marked safe because the chart module escapes every piece of text it is given.
def _erlang_context(result: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "result": result,
        "inputs": inputs,
        "chart": mark_safe(for_screens(capacity_charts.erlang_chart, result, inputs, ident="erlang-chart")),
        "definitions": result["definitions"],
    }


@member_required
@require_http_methods(["GET", "POST"])
def erlang_calculator(request: MemberRequest) -> HttpResponse:
    action = request.POST.get("action", "compute")
    save_form = SaveForm(request.POST if action == "save" else None)
    if request.method == "POST":
        form = ErlangForm(request.POST)
    else:
        initial: dict[str, Any] = {}
        if "study" in request.GET:
            study = _study(request, request.GET["study"])
            if study.kind != Kind.ERLANG:
                return redirect("capacity-study", study_id=study.pk)
            initial = ErlangForm.initial_from(study.inputs)
            save_form = SaveForm(initial={"name": study.name})
        form = _bound(ErlangForm, initial)
    inp = form.to_input()
    ctx: dict[str, Any] = {"form": form, "save_form": save_form}
    if inp is not None:
        saving = action == "save" and request.method == "POST" and save_form.is_valid()
        try:
            if saving:
                # The service computes what it saves; the page shows the saved study.
                study = services.capacity_study_create(
                    organisation=request.organisation,
                    actor=request.user,
                    name=save_form.cleaned_data["name"],
                    description=save_form.cleaned_data["description"],
                    inp=inp,
                )
                messages.success(request, f"Saved “{study.name}”.")
                return redirect("capacity-study", study_id=study.pk)
            result = capacity.compute_erlang(inp)
        except CapacityInputError as exc:
            form.add_core_error(exc)
        else:
            ctx |= _erlang_context(result, inp.model_dump())
    if request.htmx:
        # htmx leaves 4xx responses unswapped, so errors come back as 200 and are shown in place.
        return render(request, "toolkits/_erlang_result.html", ctx)
    status = 400 if form.errors or (action == "save" and save_form.errors) else 200
    return render(request, "toolkits/erlang.html", ctx, status=status)


# --------------------------------------------------------------------------------------------
# demand plan


def plan_context(results: dict[str, Any]) -> dict[str, Any]:
    """Charts and tables of a plan, for the plan page and a saved study alike."""
    staffing = results["staffing"]
    per_day = round(86_400 / staffing["interval_seconds"])
    days = []
    for d in range(0, len(staffing["agents"]), per_day):
        sl = slice(d, d + per_day)
        hours = staffing["interval_seconds"] / 3600
        days.append(
            {
                "date": datetime.fromisoformat(staffing["timestamps"][d]).strftime("%a %d %b %Y"),
                "calls": sum(staffing["calls"][sl]),
                "peak_agents": max(staffing["agents"][sl]),
                "peak_range": (max(staffing["agents_low"][sl]), max(staffing["agents_high"][sl])),
                "agent_hours": sum(staffing["agents"][sl]) * hours,
                "fte_hours": sum(staffing["fte"][sl]) * hours,
                "fte_hours_range": (
                    sum(staffing["fte_low"][sl]) * hours,
                    sum(staffing["fte_high"][sl]) * hours,
                ),
            }
        )
    rows = [
        {
            "timestamp": t,
            "calls": staffing["calls"][k],
            "calls_low": staffing["calls_low"][k],
            "calls_high": staffing["calls_high"][k],
            "agents": staffing["agents"][k],
            "agents_low": staffing["agents_low"][k],
            "agents_high": staffing["agents_high"][k],
            "fte": staffing["fte"][k],
            "service_level": staffing["service_level"][k],
            "asa": staffing["asa"][k],
            "occupancy": staffing["occupancy"][k],
        }
        for k, t in enumerate(staffing["timestamps"])
        if staffing["calls"][k] > 0
    ]
    profile = results["profile"]
    closed_cells = sum(sum(1 for c in row if c) for row in profile["closed"])
    ctx: dict[str, Any] = {
        "results": results,
        "heatmap": mark_safe(for_screens(capacity_charts.profile_heatmap, profile, ident="profile-heatmap")),
        "forecast_chart": mark_safe(
            for_screens(
                capacity_charts.forecast_chart,
                results["forecast"],
                results["model_name"],
                ident="forecast-chart",
            )
        ),
        "staffing_chart": mark_safe(
            for_screens(capacity_charts.staffing_chart, staffing, ident="staffing-chart")
        ),
        "days": days,
        "interval_rows": rows,
        "closed_hours": closed_cells * profile["interval_seconds"] / 3600,
        "open_hours": (7 * profile["intervals_per_day"] - closed_cells) * profile["interval_seconds"] / 3600,
        "totals": staffing["totals"],
    }
    if results.get("simulation"):
        ctx |= simulation_context(results["simulation"])
    return ctx


def simulation_context(sim: dict[str, Any]) -> dict[str, Any]:
    labels = [datetime.fromisoformat(t).strftime("%H:%M") for t in sim["timestamps"]] or [
        str(k + 1) for k in range(len(sim["calls"]))
    ]
    flags = [
        {
            "label": labels[f["interval"]],
            "metric": f["metric"].replace("_", " "),
            "is_time": f["metric"] == "asa",
            "formula": f["formula"],
            "simulated": f["simulated"],
        }
        for f in sim["flags"]
    ]
    overall = sim["simulated"]["overall"]
    return {
        "sim": sim,
        "sim_chart": mark_safe(for_screens(capacity_charts.simulation_chart, sim, ident="simulation-chart")),
        "sim_flags": flags,
        "sim_flagged_labels": [labels[k] for k in sim["flagged_intervals"]],
        "sim_overall": overall,
        "sim_sl": overall[sim["service_level_metric"]],
        "sim_date": datetime.fromisoformat(sim["timestamps"][0]).strftime("%A %d %B %Y")
        if sim["timestamps"]
        else "",
    }


@member_required
@require_http_methods(["GET", "POST"])
@rate_limited("capacity", methods=("POST",))
def demand_plan(request: MemberRequest) -> HttpResponse:
    action = request.POST.get("action", "compute")
    save_form = SaveForm(request.POST if action == "save" else None)
    ctx: dict[str, Any] = {"save_form": save_form, "sample_label": capacity.SAMPLE_LABEL}
    if request.method == "POST":
        form = PlanForm(request.POST, request.FILES)
    elif "study" in request.GET:
        study = _study(request, request.GET["study"])
        if study.kind != Kind.PLAN:
            return redirect("capacity-study", study_id=study.pk)
        form = _bound(PlanForm, PlanForm.initial_from(study.inputs))
        ctx["save_form"] = SaveForm(initial={"name": study.name})
    elif request.GET.get("source") == "sample":
        form = _bound(PlanForm, {"source": "sample"})
    else:
        ctx["form"] = PlanForm()
        return render(request, "toolkits/plan.html", ctx)
    ctx["form"] = form
    inp = form.to_input()
    status = 200
    if inp is not None:
        if action == "simulate":
            inp = inp.model_copy(update={"simulate": True})
        saving = action == "save" and request.method == "POST" and save_form.is_valid()
        try:
            # Read and checked here, so a bad file is answered at once whatever its size.
            read = capacity.plan_read(inp)
            if read.runs_in_background and (saving or action != "save"):
                return _plan_in_background(request, inp, save_form if saving else None)
            if saving:
                # The service computes what it saves; the page shows the saved study.
                study = services.capacity_study_create(
                    organisation=request.organisation,
                    actor=request.user,
                    name=save_form.cleaned_data["name"],
                    description=save_form.cleaned_data["description"],
                    inp=inp,
                    read=read,
                )
                messages.success(request, f"Saved “{study.name}”.")
                return redirect("capacity-study", study_id=study.pk)
            results = capacity.compute_plan(inp, read=read)
        except DemandCsvError as exc:
            ctx["csv_issues"] = exc.issues
            ctx["form"] = form = _without_carried_csv(form)
            status = 400
        except CapacityInputError as exc:
            form.add_core_error(exc)
        else:
            inputs = capacity.plan_inputs(inp)
            ctx |= plan_context(results)
            ctx["carried"] = {
                "source": inp.source,
                "filename": inp.filename,
                "rows": inputs["csv"].count("\n") - 1,
            }
            form.carry(inputs["csv"] if inp.source == "upload" else "", inp.filename)
    if form.errors or (action == "save" and save_form.errors):
        status = 400
    if request.htmx and action == "simulate":
        return render(request, "toolkits/_simulation.html", ctx)
    return render(request, "toolkits/plan.html", ctx, status=status)


def _plan_in_background(request: MemberRequest, inp: Any, save_form: SaveForm | None) -> HttpResponse:
    """A plan too large for the request (soms.limits) goes to a job; the person follows its page."""
    save_as = None
    if save_form is not None:
        save_as = (save_form.cleaned_data["name"], save_form.cleaned_data["description"])
    job = services.capacity_compute_start(
        organisation=request.organisation, actor=request.user, inp=inp, save_as=save_as
    )
    messages.info(request, "This plan is large, so it is computed in the background; this page follows it.")
    url = reverse("job-detail", args=[job.pk])
    if request.htmx:
        # The simulate button swaps a fragment in place; a job needs the whole page.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _without_carried_csv(form: PlanForm) -> PlanForm:
    # A file that failed to parse must not ride along to the next attempt.
    form.carry("", "")
    return form


# --------------------------------------------------------------------------------------------
# saved studies


def _study(request: MemberRequest, study_id: Any) -> CapacityStudy:
    return access.capacity_study_for(request.membership, study_id)


def _study_page(
    request: MemberRequest, study: CapacityStudy, *, rename_form: RenameForm | None = None, status: int = 200
) -> HttpResponse:
    can_change = selectors.capacity_study_can_change(study=study, membership=request.membership)
    ctx: dict[str, Any] = {
        "study": study,
        "can_change": can_change,
        "rename_form": rename_form or RenameForm(initial={"name": study.name, "revision": study.revision}),
        "delete_form": DeleteForm(initial={"revision": study.revision}),
        "charts": capacity.available_charts(study.kind, study.results),
        "inputs": study.inputs,
    }
    if study.kind == Kind.ERLANG:
        ctx |= _erlang_context(study.results, study.inputs)
    elif study.kind == Kind.PLAN:
        ctx |= plan_context(study.results)
    else:
        ctx |= simulation_context(study.results)
    return render(request, "toolkits/study_detail.html", ctx, status=status)


@member_required
@require_GET
def study_detail(request: MemberRequest, study_id: int) -> HttpResponse:
    return _study_page(request, _study(request, study_id))


@member_required
@require_POST
def study_rename(request: MemberRequest, study_id: int) -> HttpResponse:
    study = _study(request, study_id)
    if not selectors.capacity_study_can_change(study=study, membership=request.membership):
        raise PermissionDenied("Only the person who saved this study, or an owner or admin, may rename it")
    form = RenameForm(request.POST)
    if not form.is_valid():
        return _study_page(request, study, rename_form=form, status=400)
    try:
        services.capacity_study_rename(
            study=study,
            membership=request.membership,
            actor=request.user,
            name=form.cleaned_data["name"],
            revision=form.cleaned_data["revision"],
        )
    except services.StudyConflict as exc:
        study.refresh_from_db()
        # Keep what the person typed; move the revision on so a second save is a deliberate choice.
        kept = RenameForm(initial={"name": form.cleaned_data["name"], "revision": exc.current})
        kept.conflict = study.name
        return _study_page(request, study, rename_form=kept, status=409)
    messages.success(request, "Renamed.")
    return redirect("capacity-study", study_id=study.pk)


@member_required
@require_POST
def study_delete(request: MemberRequest, study_id: int) -> HttpResponse:
    study = _study(request, study_id)
    form = DeleteForm(request.POST)
    revision = form.cleaned_data["revision"] if form.is_valid() else None
    try:
        services.capacity_study_delete(
            study=study,
            membership=request.membership,
            actor=request.user,
            revision=revision,
        )
    except services.StudyConflict:
        study.refresh_from_db()
        messages.warning(
            request, "The study was changed by someone else since you opened it; nothing was deleted."
        )
        return _study_page(request, study, status=409)
    messages.success(request, f"Deleted “{study.name}”.")
    return redirect("capacity-home")


@member_required
@require_GET
def study_download(request: MemberRequest, study_id: int) -> HttpResponse:
    study = _study(request, study_id)
    try:
        return study_download_response(study, request.GET.get("format", "json"), request.GET.get("chart"))
    except ValueError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")


def study_url(study: CapacityStudy) -> str:
    return reverse("capacity-study", args=[study.pk])


@member_required
@require_http_methods(["GET", "POST"])
def job_result(request: MemberRequest, job_id: int) -> HttpResponse:
    """The result of a plan or simulation computed in the background, shown as the plan page shows
    it; posting a name saves it as a study (any member may save studies)."""
    from soms.jobs.access import job_for
    from soms.jobs.models import JobStatus
    from soms.jobs.runner import job_name
    from soms.toolkits.capacity.jobs import capacity_compute_job

    job = job_for(request.membership, job_id)
    if job.kind != job_name(capacity_compute_job) or job.status != JobStatus.DONE or not job.result_file:
        raise Http404("No such result")
    if job.params.get("save_as"):
        # A job that saved a study shows the study itself.
        return redirect(job.result_url or "capacity-home")
    save_form = SaveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and save_form.is_valid():
        study = services.capacity_study_create_from_job(
            job=job,
            actor=request.user,
            name=save_form.cleaned_data["name"],
            description=save_form.cleaned_data["description"],
        )
        messages.success(request, f"Saved “{study.name}”.")
        return redirect("capacity-study", study_id=study.pk)
    with job.result_file.open("rb") as f:
        results = json.load(f)
    kind = job.params.get("kind")
    ctx: dict[str, Any] = {"job": job, "kind": kind, "save_form": save_form}
    ctx |= plan_context(results) if kind == "plan" else simulation_context(results)
    return render(request, "toolkits/job_result.html", ctx, status=400 if save_form.errors else 200)
