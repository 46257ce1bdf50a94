"""A person's attainment profile, historic imports, validity overrides and carry-over (pages).

Every page asks the same access helpers and services as the API and the command line: the profile
reads who may see the person from `soms.people.access` (`attainment.view`), imports need
`assessment.import` / `project.import`, validity and carry-over `attainment.manage`.
"""

from __future__ import annotations

import urllib.parse
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from soms.assessments import access as assessments_access
from soms.assessments.selectors import profile as sel
from soms.assessments.services import carryover, validity
from soms.assessments.services.history_import import (
    ImportPlan,
    apply_plan,
    check_file,
    history_import_apply_held,
    history_import_check_held,
    history_import_hold,
)
from soms.core.problems import Invalid
from soms.fields import NUL_MESSAGE, SomsForm
from soms.frameworks.models import FrameworkVersion, Level
from soms.people import access as people_access
from soms.people.io.export import csv_lines, problems_rows
from soms.people.models import Person
from soms.ratelimits import rate_limited
from soms.tenancy.access import member_required, require
from soms.tenancy.permissions import can
from soms.tenancy.requests import MemberRequest

PROBLEMS_SHOWN = 500
HISTORY_SHOWN = 50


# --- the profile ----------------------------------------------------------------------------------


@member_required
@require_GET
def person_profile(request: MemberRequest, person_id: int) -> HttpResponse:
    m = request.membership
    require(m, "attainment.view")
    person = people_access.person_for(m, person_id)
    versions = sel.profile_versions(person)
    chosen: FrameworkVersion | None = None
    wanted = request.GET.get("version", "")
    if wanted.isdigit():
        chosen = next((v for v in versions if v.pk == int(wanted)), None)
    chosen = chosen or (versions[0] if versions else None)
    at: date | None = None
    at_text = request.GET.get("at", "")
    at_error = ""
    if at_text:
        try:
            at = date.fromisoformat(at_text)
        except ValueError:
            at_error = f"{at_text!r} is not a date: write it as YYYY-MM-DD."
    attainment = None
    self_view = None
    radar = ""
    if chosen is not None:
        stored = any(v.pk == chosen.pk for v in sel.versions_of(person))
        # Nothing stored yet (only an unvalidated assessment): computed, so the next steps show.
        attainment = (
            sel.attainment_at(person, chosen, at)[0]
            if at or not stored
            else sel.stored_attainment(person, chosen)
        )
        self_view = sel.self_beside_validated(person, chosen, at)
        radar = _radar(person, chosen, attainment, self_view)
    assessments = list(sel.assessment_history(person)[:HISTORY_SHOWN])
    projects = list(sel.project_history(person)[:HISTORY_SHOWN])
    return render(
        request,
        "assessments/profile_person.html",
        {
            "person": person,
            "versions": versions,
            "chosen": chosen,
            "attainment": attainment,
            "self_view": self_view,
            "radar": radar,
            "at": at,
            "at_text": at_text,
            "at_error": at_error,
            "assessments": [
                (a, sel.who(a.assessor, a.assessor_person), sel.who(a.validated_by, a.validated_by_person))
                for a in assessments
            ],
            "projects": [(p, sel.who(p.validated_by, p.validated_by_person)) for p in projects],
            "can_manage": can(m, "attainment.manage"),
            "judgement_text": {"met": "Met", "partly": "Partly", "not_yet": "Not yet", None: "—"},
        },
    )


def _radar(person: Person, version: FrameworkVersion, attainment: Any, self_view: Any) -> str:
    """Attained (and, when there is a self-assessment, self-assessed) level per element, as SVG."""
    from soms.charts import RadarSeries, radar_chart

    if attainment is None or len(attainment.elements) < 3:
        return ""
    levels = list(Level.objects.filter(version=version).order_by("rank"))
    rank = {lv.code: i + 1 for i, lv in enumerate(levels)}
    series = [
        RadarSeries(
            "Attained", [rank[e.level.code] if e.level else 0 for e in attainment.elements], filled=True
        )
    ]
    if self_view is not None and any(r.self_value for r in self_view["rows"]):
        own = self_view["levels"]
        series.append(
            RadarSeries(
                "Self-assessed",
                [rank.get(own.get(e.element.code) or "", 0) for e in attainment.elements],
                dashed=True,
            )
        )
    return radar_chart(
        [e.element.name for e in attainment.elements],
        series,
        [lv.name for lv in levels],
        title=f"{person.name}: levels per element",
    )


# --- historic imports -----------------------------------------------------------------------------


class _VersionChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.framework.name} {obj.label}"


class HistoryImportForm(SomsForm):
    what = forms.ChoiceField(
        choices=[
            ("assessments", "Validated judgements (assessments)"),
            ("projects", "Validated change projects"),
        ],
        label="The file holds",
    )
    file = forms.FileField(help_text="CSV (UTF-8, UTF-16 or Windows-1252) or XLSX")
    sheet = forms.CharField(required=False, max_length=100, help_text="For a workbook with several sheets")
    version = _VersionChoice(
        queryset=FrameworkVersion.objects.none(),
        required=False,
        label="Framework version (projects)",
        help_text="Whose areas a projects file names, for rows without framework and version columns",
    )
    dry_run = forms.BooleanField(
        required=False, initial=True, label="Only check (dry run)", help_text="Untick to import a clean file"
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["version"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = FrameworkVersion.objects.filter(
            pk__in=[v.pk for v in carryover.versions_for(organisation)]
        ).select_related("framework")


@member_required
@rate_limited("import", methods=("POST",))
@require_http_methods(["GET", "POST"])
def history_import(request: MemberRequest) -> HttpResponse:
    m = request.membership
    if not (can(m, "assessment.import") or can(m, "project.import")):
        require(m, "assessment.import")
    form = HistoryImportForm(request.POST or None, request.FILES or None, organisation=m.organisation)
    context: dict[str, Any] = {"form": form}
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "assessments/import_history.html", context, status=400)
        what = form.cleaned_data["what"]
        require(m, "assessment.import" if what == "assessments" else "project.import")
        upload = form.cleaned_data["file"]
        version = form.cleaned_data["version"]
        content = upload.read()
        checked = {
            "what": what,
            "filename": upload.name,
            "content": content,
            "sheet": form.cleaned_data["sheet"] or None,
            "framework": version.framework.code if version else "",
            "version": version.label if version else "",
        }
        plan = check_file(organisation=m.organisation, **checked)
        if plan.problems:
            status = 422
            _problems_context(context, plan)
        elif form.cleaned_data["dry_run"]:
            # A clean dry run keeps the file: importing it is one click, not a second upload.
            held = history_import_hold(organisation=m.organisation, actor=request.user, **checked)
            return redirect("attainment-import-held", import_id=held.pk)
        else:
            return _imported(request, plan, apply_plan(plan, organisation=m.organisation, actor=request.user))
    return render(request, "assessments/import_history.html", context, status=status)


@member_required
@require_http_methods(["GET", "POST"])
def history_import_held(request: MemberRequest, import_id: int) -> HttpResponse:
    """A checked file waiting to be imported: its dry run (checked again now) and *Import*."""
    m = request.membership
    pending = assessments_access.held_history_import_for(m, import_id)
    if request.method == "POST":
        plan, result = history_import_apply_held(pending=pending, actor=request.user)
        if result is not None:
            return _imported(request, plan, result)
    else:
        plan = history_import_check_held(pending=pending)
    form = HistoryImportForm(organisation=m.organisation, initial={"what": pending.what})
    context: dict[str, Any] = {"form": form, "held": pending if not plan.problems else None}
    status = 200
    if plan.problems:
        # Clean at its dry run, not any more (imported meanwhile, people changed): nothing written.
        status = 422 if request.method == "POST" else 200
        _problems_context(context, plan)
    else:
        context["plan"], context["s"] = plan, plan.summary(limit=200)
    return render(request, "assessments/import_history.html", context, status=status)


def _problems_context(context: dict[str, Any], plan: ImportPlan) -> None:
    context["plan"] = plan
    context["s"] = plan.summary(limit=200)
    context["problems"] = plan.problems[:PROBLEMS_SHOWN]
    context["more_problems"] = max(0, len(plan.problems) - PROBLEMS_SHOWN)
    text = "".join(csv_lines(problems_rows(plan.problems)))
    context["problems_href"] = "data:text/csv;charset=utf-8," + urllib.parse.quote(text)


def _imported(request: MemberRequest, plan: ImportPlan, result: dict[str, Any]) -> HttpResponse:
    counts = (
        f"{result['assessments']} assessments with {result['judgements']} judgements"
        if plan.what == "assessments"
        else f"{result['projects']} change projects"
    )
    messages.success(request, f"Imported {plan.filename}: {counts} of {result['people']} people.")
    if result["jobs"]:
        return redirect("job-detail", result["jobs"][0])
    return redirect("attainment-import")


# --- validity overrides ---------------------------------------------------------------------------


@member_required
@require_GET
def validity_versions(request: MemberRequest) -> HttpResponse:
    m = request.membership
    require(m, "attainment.manage")
    return render(
        request,
        "assessments/profile_validity_list.html",
        {"versions": carryover.versions_for(m.organisation)},
    )


def _version_for(m: Any, version_id: int) -> FrameworkVersion:
    """A version the member can read (their organisation's own or a built-in); 404 otherwise."""
    from soms.frameworks.access import framework_version_for

    return framework_version_for(m, version_id)


@member_required
@require_http_methods(["GET", "POST"])
def validity_version(request: MemberRequest, version_id: int) -> HttpResponse:
    m = request.membership
    require(m, "attainment.manage")
    version = _version_for(m, version_id)
    errors: dict[int, str] = {}
    typed: dict[int, dict[str, str]] = {}
    if request.method == "POST":
        level_id = request.POST.get("level", "")
        level = (
            Level.objects.filter(version=version, pk=int(level_id)).first() if level_id.isdigit() else None
        )
        if level is None:
            errors[0] = "Choose a level of this version."
        else:
            choice = request.POST.get("choice", "months")
            raw = request.POST.get("months", "").strip()
            try:
                if choice == "inherit":
                    job = validity.validity_set(
                        organisation=m.organisation,
                        level=level,
                        months=None,
                        inherit=True,
                        actor=request.user,
                    )
                elif choice == "never":
                    job = validity.validity_set(
                        organisation=m.organisation, level=level, months=None, actor=request.user
                    )
                else:
                    if not raw.isdigit():
                        raise Invalid.for_field("validity_months", "give a whole number of months")
                    job = validity.validity_set(
                        organisation=m.organisation, level=level, months=int(raw), actor=request.user
                    )
            except Invalid as exc:
                errors[level.pk] = exc.problems[0].msg
                # The refused level's form shows what was typed (to correct it), not the stored value.
                typed[level.pk] = {
                    "choice": choice if choice in ("inherit", "never") else "months",
                    "months": raw,
                }
            else:
                if job is None:
                    messages.info(request, f"{level.name}: nothing changed.")
                else:
                    messages.success(
                        request,
                        f"{level.name}: validity changed; recomputing everyone's attainment on this version.",
                    )
                    return redirect("job-detail", job.pk)
                return redirect("attainment-validity-version", version.pk)
    levels = validity.validity_levels(m.organisation, version)
    for row in levels:
        row["typed"] = typed.get(row["level"].pk)
    return render(
        request,
        "assessments/profile_validity.html",
        {"version": version, "levels": levels, "errors": errors},
        status=422 if errors else 200,
    )


# --- carry-over -----------------------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def carry_over(request: MemberRequest) -> HttpResponse:
    m = request.membership
    require(m, "attainment.manage")
    versions = carryover.versions_for(m.organisation)
    by_id = {str(v.pk): v for v in versions}
    data = request.POST if request.method == "POST" else request.GET
    context: dict[str, Any] = {
        "versions": versions,
        "source_id": data.get("source", ""),
        "target_id": data.get("target", ""),
        "employee_id": data.get("employee_id", "").strip(),
        "error": "",
    }
    if request.method != "POST":
        return render(request, "assessments/profile_carry_over.html", context)
    source, target = by_id.get(context["source_id"]), by_id.get(context["target_id"])
    person_ids = None
    if source is None or target is None:
        context["error"] = "Choose the version people move from and the one they move to."
    elif "\x00" in context["employee_id"]:
        # PostgreSQL refuses NUL in a query's text: it is no employee id.
        context["error"] = f"The employee id {NUL_MESSAGE}."
    elif context["employee_id"]:
        person = Person.objects.filter(
            organisation=m.organisation, employee_id=context["employee_id"]
        ).first()
        if person is None:
            context["error"] = f"No person with employee id {context['employee_id']!r} here."
        else:
            person_ids = [person.pk]
    if not context["error"]:
        assert source is not None and target is not None
        try:
            plan = carryover.plan_carry_over(
                organisation=m.organisation, source=source, target=target, person_ids=person_ids
            )
        except Invalid as exc:
            context["error"] = exc.problems[0].msg
        else:
            if request.POST.get("apply") == "1":
                result = carryover.apply_carry_over(plan, organisation=m.organisation, actor=request.user)
                messages.success(
                    request,
                    f"Carried {result['judgements']} judgements of {result['people']} people to "
                    f"{target.framework.name} {target.label}.",
                )
                if result["jobs"]:
                    return redirect("job-detail", result["jobs"][0])
                return redirect(reverse("attainment-carry-over") + f"?source={source.pk}&target={target.pk}")
            context["s"] = plan.summary(limit=200)
    return render(
        request, "assessments/profile_carry_over.html", context, status=422 if context["error"] else 200
    )


def person_profile_url(person: Any) -> str:
    return reverse("attainment-profile", args=[person.pk])


__all__ = ["carry_over", "history_import", "person_profile", "validity_version", "validity_versions"]
