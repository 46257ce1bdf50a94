"""Change-project pages: the list, one project, create and edit (with outcomes), submit and review."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soms.assessments import access
from soms.assessments.models import (
    AssessmentEvent,
    ChangeProject,
    Evidence,
    ProjectOutcome,
    ProjectStatus,
    Status,
)
from soms.assessments.services import projects as svc
from soms.core.problems import Invalid
from soms.fields import SomsForm
from soms.frameworks.models import FrameworkVersion, VersionStatus
from soms.limits import MAX_PROJECT_OUTCOMES
from soms.people.models import Person, Team
from soms.tenancy.access import member_required, require
from soms.tenancy.models import Membership
from soms.tenancy.permissions import can
from soms.tenancy.requests import MemberRequest

OUTCOME_ROWS_EXTRA = 2
PAGE_SIZE = 100


def versions_for(membership: Membership) -> list[FrameworkVersion]:
    return list(
        FrameworkVersion.objects.filter(
            Q(framework__organisation__isnull=True)
            | Q(framework__organisation_id=membership.organisation_id),
            status=VersionStatus.PUBLISHED,
        )
        .select_related("framework")
        .order_by("framework__name", "-published_at", "-id")
    )


class ProjectForm(SomsForm):
    code = forms.CharField(
        max_length=svc.CODE_MAX, help_text="Your own reference, unique in the organisation."
    )
    title = forms.CharField(max_length=svc.TITLE_MAX)
    scope = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.TypedChoiceField(coerce=int, label="Framework version")
    owner = forms.CharField(
        required=False,
        label="Owner (employee id)",
        help_text="A person; or leave empty and name a team below.",
    )
    team = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Owning team")
    members = forms.CharField(
        required=False,
        label="Named members (employee ids)",
        help_text="Separated by commas or spaces: the people of the team who did the project.",
    )
    areas = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Areas it addresses"
    )
    status = forms.ChoiceField(choices=ProjectStatus.choices)
    started_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    completed_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Needed once completed.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        membership: Membership,
        versions: list[FrameworkVersion],
        version: FrameworkVersion,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.membership = membership
        self.versions = {v.pk: v for v in versions}
        cast(forms.ChoiceField, self.fields["version"]).choices = [
            (v.pk, f"{v.framework.name} {v.label}") for v in versions
        ]
        cast(forms.ChoiceField, self.fields["team"]).choices = [("", "—")] + [
            (t.pk, t.name)
            for t in Team.objects.filter(organisation_id=membership.organisation_id).order_by("name")
        ]
        cast(forms.ChoiceField, self.fields["areas"]).choices = svc.area_choices(version)

    def _person(self, code: str, field: str) -> Person | None:
        person = Person.objects.filter(
            organisation_id=self.membership.organisation_id, employee_id=code
        ).first()
        if person is None:
            self.add_error(field, f"no person with employee id {code!r} in this organisation")
        return person

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        owner = (data.get("owner") or "").strip()
        data["owner_person"] = self._person(owner, "owner") if owner else None
        members = []
        for code in [c for c in re.split(r"[\s,;]+", data.get("members") or "") if c]:
            person = self._person(code, "members")
            if person is not None:
                members.append(person)
        data["member_people"] = members
        team_id = data.get("team")
        data["team_obj"] = (
            Team.objects.filter(organisation_id=self.membership.organisation_id, pk=team_id).first()
            if team_id
            else None
        )
        return data


def _hint(text: str, **attrs: Any) -> dict[str, Any]:
    return {"placeholder": text, **attrs}


class OutcomeForm(SomsForm):
    description = forms.CharField(
        max_length=300, required=False, widget=forms.TextInput(attrs=_hint("What changed"))
    )
    kpi = forms.CharField(
        max_length=200, required=False, label="KPI", widget=forms.TextInput(attrs=_hint("KPI"))
    )
    before = forms.FloatField(required=False, widget=forms.NumberInput(attrs=_hint("Before", step="any")))
    after = forms.FloatField(required=False, widget=forms.NumberInput(attrs=_hint("After", step="any")))
    unit = forms.CharField(max_length=40, required=False, widget=forms.TextInput(attrs=_hint("Unit")))


OutcomeFormSet = forms.formset_factory(OutcomeForm, extra=0, max_num=MAX_PROJECT_OUTCOMES, validate_max=True)


def _initial(project: ChangeProject) -> dict[str, Any]:
    return {
        "code": project.code,
        "title": project.title,
        "scope": project.scope,
        "version": project.version_id,
        "owner": project.owner.employee_id if project.owner else "",
        "team": project.team_id,
        "members": " ".join(m.person.employee_id for m in project.memberships.select_related("person")),
        "areas": project.areas,
        "status": project.status,
        "started_on": project.started_on,
        "completed_on": project.completed_on,
        "revision": project.revision,
    }


def _chosen_version(
    request: MemberRequest, versions: list[FrameworkVersion], project: ChangeProject | None
) -> FrameworkVersion:
    by_id = {v.pk: v for v in versions}
    raw = request.POST.get("version") or request.GET.get("version") or ""
    if raw.isdigit() and len(raw) <= 18 and int(raw) in by_id:  # int() of 5,000 digits raises
        return by_id[int(raw)]
    if project is not None:
        return project.version
    soms = next((v for v in versions if v.framework.code == "soms"), None)
    return soms or versions[0]


def _outcomes(formset: Any) -> list[svc.OutcomeData]:
    out = []
    for f in formset.forms:
        d = f.cleaned_data
        if not d or not any(
            d.get(k) not in (None, "") for k in ("description", "kpi", "before", "after", "unit")
        ):
            continue
        out.append(
            svc.OutcomeData(
                description=d.get("description") or "",
                kpi=d.get("kpi") or "",
                before=d.get("before"),
                after=d.get("after"),
                unit=d.get("unit") or "",
            )
        )
    return out


FIELD_NAMES = {"owner": "owner", "members": "members", "team": "team", "areas": "areas", "version": "version"}


def _edit(request: MemberRequest, project: ChangeProject | None) -> HttpResponse:
    m = request.membership
    versions = versions_for(m)
    if not versions and project is None:
        # A new organisation with no published framework (not even the built-in ones loaded): a
        # project is recorded against a framework version, so say what to do first.
        return render(
            request,
            "assessments/project_no_framework.html",
            {"can_import": can(m, "framework.import")},
            status=200 if request.method == "GET" else 409,
        )
    version = _chosen_version(request, versions, project)
    reload = "_reload" in request.POST
    bound = request.method == "POST"
    initial = _initial(project) if project else {"version": version.pk, "status": ProjectStatus.PLANNED}
    if reload:
        # Re-shown with what was typed (and the chosen version's areas), not yet checked.
        initial = {
            name: request.POST.getlist(name) if name == "areas" else request.POST.get(name, "")
            for name in ProjectForm.base_fields
        }
    form = ProjectForm(
        request.POST if bound and not reload else None,
        membership=m,
        versions=versions,
        version=version,
        initial=initial,
    )
    outcome_initial = (
        [
            {"description": o.description, "kpi": o.kpi, "before": o.before, "after": o.after, "unit": o.unit}
            for o in ProjectOutcome.objects.filter(project=project)
        ]
        if project
        else []
    )
    posted: QueryDict = request.POST
    if reload and request.POST.get("_reload") == "row":
        # "Add a row": the same rows again plus an empty one (no script: the page's policy allows
        # none inline, and the page works without any).
        posted = request.POST.copy()
        try:
            rows = int(posted.get("outcomes-TOTAL_FORMS", "0"))
        except ValueError:
            rows = 0
        posted["outcomes-TOTAL_FORMS"] = str(max(0, min(rows, MAX_PROJECT_OUTCOMES - 1)) + 1)
    formset = OutcomeFormSet(posted if bound else None, prefix="outcomes", initial=outcome_initial)
    if not bound:
        formset.extra = OUTCOME_ROWS_EXTRA
    status = 200
    conflict = None
    if bound and not reload:
        if form.is_valid() and formset.is_valid():
            d = form.cleaned_data
            data = svc.ProjectData(
                code=d["code"],
                title=d["title"],
                scope=d.get("scope") or "",
                version=form.versions.get(d["version"], version),
                owner=d.get("owner_person"),
                team=d.get("team_obj"),
                members=d.get("member_people") or [],
                areas=d.get("areas") or [],
                status=d["status"],
                started_on=d.get("started_on"),
                completed_on=d.get("completed_on"),
                outcomes=_outcomes(formset),
            )
            try:
                if project is None:
                    saved = svc.project_create(membership=m, actor=request.user, data=data)
                else:
                    saved = svc.project_update(
                        membership=m,
                        actor=request.user,
                        project=project,
                        data=data,
                        revision=d.get("revision") or 0,
                    )
            except Invalid as exc:
                for p in exc.problems:
                    if p.loc and p.loc[0] == "outcomes" and len(p.loc) >= 3 and isinstance(p.loc[1], int):
                        i = p.loc[1]
                        if i < len(formset.forms):
                            formset.forms[i].add_error(
                                str(p.loc[2]) if p.loc[2] in formset.forms[i].fields else None, p.msg
                            )
                            continue
                    form.add_problems([p], FIELD_NAMES)
            except svc.ProjectConflict as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, str(exc))
                else:
                    conflict = str(exc)
                status = 409
            else:
                messages.success(request, f"Change project {saved.code} saved.")
                return redirect("change-project", saved.pk)
        if status == 200:
            status = 422
    return render(
        request,
        "assessments/project_form.html",
        {"form": form, "formset": formset, "project": project, "version": version, "conflict": conflict},
        status=status,
    )


@member_required
@require_GET
def project_list(request: MemberRequest) -> HttpResponse:
    m = request.membership
    qs = (
        access.projects_visible(m)
        .select_related("owner", "team", "version__framework")
        .order_by("-updated_at", "-id")
    )
    review = request.GET.get("review", "")
    if review in Status.values:
        qs = qs.filter(review_status=review)
    return render(
        request,
        "assessments/project_list.html",
        {
            "projects": qs[:PAGE_SIZE],
            "review": review,
            "review_choices": Status.choices,
            "can_create": can(m, "project.manage"),
        },
    )


@member_required
@require_http_methods(["GET", "POST"])
def project_new(request: MemberRequest) -> HttpResponse:
    require(request.membership, "project.manage")
    return _edit(request, None)


@member_required
@require_http_methods(["GET", "POST"])
def project_edit(request: MemberRequest, project_id: int) -> HttpResponse:
    m = request.membership
    project = access.project_for(m, project_id)
    if not can(m, "project.manage", project):
        raise PermissionDenied(
            "Only the project's owner, its named members, or an owner or admin may change it"
        )
    return _edit(request, project)


def _detail_context(m: Membership, project: ChangeProject) -> dict[str, Any]:
    names = dict(svc.area_choices(project.version))
    people = svc.project_people_ids(project)
    attached = list(project.evidence.select_related("person").order_by("-refers_on"))
    may_manage = can(m, "project.manage", project)
    candidates: list[Any] = []
    if may_manage and project.review_status in (Status.DRAFT, Status.RETURNED):
        attached_ids = {e.pk for e in attached}
        visible = (
            Evidence.objects.filter(organisation_id=m.organisation_id, person_id__in=people)
            .filter(access.evidence_scope(m))
            .select_related("person")
            .order_by("-refers_on")[:200]
        )
        candidates = [e for e in visible if e.pk not in attached_ids]
    return {
        "project": project,
        "areas": [(code, names.get(code, code)) for code in project.areas],
        "members": [
            pm.person for pm in project.memberships.select_related("person").order_by("person__name_key")
        ],
        "outcomes": ProjectOutcome.objects.filter(project=project),
        "evidence": attached,
        "candidates": candidates,
        "events": AssessmentEvent.objects.filter(project=project).select_related("actor"),
        "may_manage": may_manage,
        "editable": may_manage and project.review_status in (Status.DRAFT, Status.RETURNED),
        "may_review": can(m, "project.review") and can(m, "project.review", project),
    }


@member_required
@require_GET
def project_detail(request: MemberRequest, project_id: int) -> HttpResponse:
    m = request.membership
    project = access.project_for(m, project_id)
    return render(request, "assessments/project_detail.html", _detail_context(m, project))


def _revision(request: MemberRequest) -> int | None:
    raw = request.POST.get("revision", "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@member_required
@require_POST
def project_submit(request: MemberRequest, project_id: int) -> HttpResponse:
    m = request.membership
    project = access.project_for(m, project_id)
    if not can(m, "project.manage", project):
        raise PermissionDenied(
            "Only the project's owner, its named members, or an owner or admin may submit it"
        )
    try:
        svc.project_submit(membership=m, actor=request.user, project=project, revision=_revision(request))
    except (Invalid, svc.ProjectConflict) as exc:
        messages.error(
            request, "; ".join(p.msg for p in exc.problems) if isinstance(exc, Invalid) else str(exc)
        )
    else:
        messages.success(request, "Submitted for validation.")
    return redirect("change-project", project.pk)


class ReviewForm(SomsForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=svc.REASON_MAX,
        help_text="Needed to return it: what the owners should do.",
    )
    decision = forms.ChoiceField(choices=[("return", "Return"), ("validate", "Validate")])
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


@member_required
@require_http_methods(["GET", "POST"])
def project_review(request: MemberRequest, project_id: int) -> HttpResponse:
    m = request.membership
    require(m, "project.review")
    project = access.project_for(m, project_id)
    form = ReviewForm(request.POST or None, initial={"revision": project.revision})
    status = 200
    conflict = None
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                if d["decision"] == "validate":
                    svc.project_validate(
                        membership=m, actor=request.user, project=project, revision=d.get("revision")
                    )
                    messages.success(request, f"Change project {project.code} validated.")
                else:
                    svc.project_return(
                        membership=m,
                        actor=request.user,
                        project=project,
                        reason=d.get("reason") or "",
                        revision=d.get("revision"),
                    )
                    messages.success(request, f"Change project {project.code} returned to its owners.")
            except Invalid as exc:
                form.add_problems(exc.problems)
                status = 422
            except svc.ProjectConflict as exc:
                conflict = str(exc)
                status = 409
            else:
                return redirect("change-project", project.pk)
        else:
            status = 422
    elif not can(m, "project.review", project):
        conflict = (
            "You cannot review this project: only a submitted project is reviewed, by a role the framework's "
            "rules name, and never by its own owners."
        )
    context = _detail_context(m, project) | {"form": form, "conflict": conflict}
    return render(request, "assessments/project_review.html", context, status=status)


@member_required
@require_POST
def project_evidence(request: MemberRequest, project_id: int) -> HttpResponse:
    m = request.membership
    project = access.project_for(m, project_id)
    if not can(m, "project.manage", project):
        raise PermissionDenied(
            "Only the project's owner, its named members, or an owner or admin may change it"
        )
    raw = request.POST.get("evidence", "")
    detach = request.POST.get("action") == "detach"
    if not raw.isdigit():
        messages.error(request, "Choose the evidence.")
        return redirect("change-project", project.pk)
    try:
        item = access.evidence_for(m, raw)
        if detach:
            svc.project_evidence_detach(membership=m, actor=request.user, project=project, evidence=item)
        else:
            svc.project_evidence_attach(membership=m, actor=request.user, project=project, evidence=item)
    except (Invalid, svc.ProjectConflict) as exc:
        messages.error(
            request, "; ".join(p.msg for p in exc.problems) if isinstance(exc, Invalid) else str(exc)
        )
    return redirect("change-project", project.pk)
