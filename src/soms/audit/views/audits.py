"""Audit pages: the list, starting an audit, its overview (respondents, links), the lead's spread
view with consensus entry, results (radar, heatmap, comparison), findings and actions, closing,
re-audits and reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soms.audit import selectors as sel
from soms.audit.access import action_for, audit_for, finding_for, respondent_of, templates_visible
from soms.audit.errors import AuditConflict
from soms.audit.forms import (
    ActionForm,
    ActionUpdateForm,
    AuditCreateForm,
    EvidenceForm,
    ExportForm,
    FindingForm,
    InviteForm,
    ReauditForm,
    RespondentForm,
    member_choices,
    set_choices,
)
from soms.audit.jobs import audit_report_job
from soms.audit.models import Audit, Question, Respondent, TemplateStatus
from soms.audit.report import pct, radar_svg
from soms.audit.services import audits as svc
from soms.audit.services.templates import builtin_audit_templates_load
from soms.audit.views.common import problems_to
from soms.charts import heatmap
from soms.core.problems import Invalid
from soms.jobs.services import job_start
from soms.people.models import OrgUnit
from soms.ratelimits import rate_limited
from soms.tenancy.access import member_required, role_required
from soms.tenancy.permissions import can
from soms.tenancy.requests import MemberRequest


@member_required
@require_GET
def audit_list(request: MemberRequest) -> HttpResponse:
    audits = sel.audits_of(request.membership)[:200]
    mine = set(
        Respondent.objects.filter(user=request.user, audit__organisation=request.organisation).values_list(
            "audit_id", flat=True
        )
    )
    return render(
        request,
        "audit/audit_list.html",
        {"audits": audits, "mine": mine, "can_create": can(request.membership, "audit.create")},
    )


def _units(request: MemberRequest) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(organisation=request.organisation).order_by("path")[:2000])


@role_required("audit.create")
@require_http_methods(["GET", "POST"])
def audit_new(request: MemberRequest) -> HttpResponse:
    builtin_audit_templates_load()
    templates = {
        t.pk: t for t in templates_visible(request.membership).filter(status=TemplateStatus.PUBLISHED)
    }
    units = {u.pk: u for u in _units(request)}
    form = AuditCreateForm(
        request.POST or None, initial={"date": timezone.localdate(), "lead": request.user.pk}
    )
    set_choices(form, "template", [(t.pk, str(t)) for t in templates.values()])
    set_choices(form, "unit", [("", "Whole organisation")] + [(u.pk, u.name) for u in units.values()])
    set_choices(form, "lead", member_choices(request.organisation))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            audit = svc.audit_create(
                organisation=request.organisation,
                template=templates[d["template"]],
                title=d["title"],
                date=d["date"],
                lead=User.objects.filter(pk=d["lead"]).first(),
                unit=units.get(d["unit"]) if d["unit"] else None,
                actor=request.user,
            )
        except (Invalid, AuditConflict) as exc:
            problems_to(form, request, exc)
        else:
            messages.success(request, f"Audit “{audit}” started; add its respondents.")
            return redirect("audits-detail", audit_id=audit.pk)
    return render(request, "audit/audit_new.html", {"form": form}, status=400 if form.errors else 200)


def _detail(request: MemberRequest, audit: Audit, **extra: Any) -> HttpResponse:
    status = extra.pop("status", 200)
    lead = can(request.membership, "audit.lead", audit)
    respondents = list(Respondent.objects.filter(audit=audit).select_related("user").order_by("name", "id"))
    member_form = RespondentForm()
    taken = {r.user_id for r in respondents}
    set_choices(member_form, "user", [c for c in member_choices(request.organisation) if c[0] not in taken])
    questions = sel.questions_of(audit.template_id)
    ctx: dict[str, Any] = {
        "audit": audit,
        "respondents": respondents,
        "me": respondent_of(audit, request.user),
        "is_lead": lead,
        "member_form": member_form,
        "invite_form": InviteForm(initial={"days": svc.LINK_DAYS_DEFAULT}),
        "reaudit_form": ReauditForm(initial={"date": timezone.localdate()}),
        "export_form": ExportForm(),
        "question_count": len(questions),
        "elements": sel.elements_of(questions),
        "reaudits": list(Audit.objects.filter(baseline=audit, organisation_id=audit.organisation_id)),
        "now": timezone.now(),
    }
    ctx.update(extra)
    return render(request, "audit/audit_detail.html", ctx, status=status)


@member_required
@require_GET
def audit_detail(request: MemberRequest, audit_id: int) -> HttpResponse:
    return _detail(request, audit_for(request.membership, audit_id))


@role_required("audit.lead")
@require_POST
def respondent_add(request: MemberRequest, audit_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.lead")
    form = RespondentForm(request.POST)
    set_choices(form, "user", member_choices(request.organisation))
    if form.is_valid():
        try:
            r = svc.respondent_add(
                audit=audit,
                user=User.objects.filter(pk=form.cleaned_data["user"]).first(),
                actor=request.user,
            )
        except (Invalid, AuditConflict) as exc:
            problems_to(None, request, exc)
        else:
            messages.success(request, f"{r.name} will answer this audit.")
    else:
        messages.error(request, "Choose a member of this organisation.")
    return redirect("audits-detail", audit_id=audit.pk)


@role_required("audit.lead")
@require_POST
def respondent_invite(request: MemberRequest, audit_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.lead")
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            inv = svc.respondent_invite(
                audit=audit,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                days=form.cleaned_data["days"],
                actor=request.user,
            )
        except (Invalid, AuditConflict) as exc:
            problems_to(form, request, exc)
        else:
            link = request.build_absolute_uri(reverse("audits-respond-link", args=[inv.token]))
            return _detail(request, audit, new_link=link, new_link_for=inv.respondent)
    return _detail(request, audit, invite_form=form, status=400)


@role_required("audit.lead")
@require_POST
def targets_set(request: MemberRequest, audit_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.lead")
    targets: dict[str, Any] = {}
    problems = []
    for code, name in sel.elements_of(sel.questions_of(audit.template_id)):
        raw = (request.POST.get(f"target-{code}") or "").strip().rstrip("%").strip()
        if not raw:
            continue
        try:
            targets[code] = float(raw) / 100
        except ValueError:
            problems.append(f"{name}: the target must be a percentage")
    if problems:
        for p in problems:
            messages.error(request, p)
        return redirect("audits-results", audit_id=audit.pk)
    try:
        svc.audit_targets_set(audit=audit, targets=targets, revision=None, actor=request.user)
    except (Invalid, AuditConflict) as exc:
        problems_to(None, request, exc)
    else:
        messages.success(request, "Targets saved.")
    return redirect("audits-results", audit_id=audit.pk)


@role_required("audit.lead")
@require_GET
def spread(request: MemberRequest, audit_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.lead")
    return _spread(request, audit)


def _spread(
    request: MemberRequest,
    audit: Audit,
    errors: dict[int, list[str]] | None = None,
    typed: dict[int, dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = sel.spread_view(audit)
    submitted = Respondent.objects.filter(audit=audit, submitted_at__isnull=False).count()
    return render(
        request,
        "audit/spread.html",
        {
            "audit": audit,
            "rows": rows,
            "submitted": submitted,
            "respondents": Respondent.objects.filter(audit=audit).count(),
            "errors": errors or {},
            "typed": typed or {},
            "missing": sum(1 for r in rows if r.consensus is None),
        },
        status=status,
    )


@role_required("audit.lead")
@require_POST
def consensus_set(request: MemberRequest, audit_id: int, question_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.lead")
    question = (
        Question.objects.filter(template_id=audit.template_id, pk=question_id)
        .select_related("element")
        .first()
    )
    if question is None:
        raise Http404("No such question")
    na = request.POST.get("not_applicable") == "on"
    value = request.POST.get("value", "")
    reason = request.POST.get("reason", "")
    try:
        svc.consensus_set(
            audit=audit, question=question, value=value, not_applicable=na, reason=reason, actor=request.user
        )
    except (Invalid, AuditConflict) as exc:
        msgs = [str(exc)] if isinstance(exc, AuditConflict) else [p.msg for p in exc.problems]
        return _spread(
            request,
            audit,
            {question.pk: msgs},
            {question.pk: {"value": value, "reason": reason, "na": na}},
            status=400,
        )
    messages.success(request, f"Consensus on {question.code} recorded.")
    return redirect(reverse("audits-spread", args=[audit.pk]) + f"#q-{question.pk}")


@role_required("audit.lead")
@require_POST
def consensus_agreed(request: MemberRequest, audit_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.lead")
    try:
        made = svc.consensus_accept_agreed(audit=audit, actor=request.user)
    except AuditConflict as exc:
        problems_to(None, request, exc)
    else:
        messages.success(
            request,
            f"Took the respondents' agreed answer for {made} question{'s' if made != 1 else ''}; the wide disagreements are left for you.",
        )
    return redirect("audits-spread", audit_id=audit.pk)


@role_required("audit.lead")
@require_POST
def audit_close(request: MemberRequest, audit_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.lead")
    try:
        svc.audit_close(audit=audit, actor=request.user)
    except Invalid as exc:
        codes = ", ".join(str(p.loc[-1]) for p in exc.problems)
        messages.error(request, f"Give a consensus for every question before closing; missing: {codes}.")
        return redirect("audits-spread", audit_id=audit.pk)
    except AuditConflict as exc:
        problems_to(None, request, exc)
    else:
        messages.success(request, "The audit is closed.")
    return redirect("audits-results", audit_id=audit.pk)


@role_required("audit.lead")
@require_POST
def reaudit(request: MemberRequest, audit_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.lead")
    form = ReauditForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the re-audit's date.")
        return redirect("audits-detail", audit_id=audit.pk)
    try:
        new = svc.reaudit_start(
            baseline=audit,
            date=form.cleaned_data["date"],
            title=form.cleaned_data["title"] or "",
            actor=request.user,
        )
    except (Invalid, AuditConflict) as exc:
        problems_to(None, request, exc)
        return redirect("audits-detail", audit_id=audit.pk)
    messages.success(request, f"Re-audit “{new}” started from the baseline; respondents answer afresh.")
    return redirect("audits-detail", audit_id=new.pk)


@member_required
@require_GET
def results(request: MemberRequest, audit_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id)
    questions = sel.questions_of(audit.template_id)
    res = sel.results_of(audit, questions)
    cmp = sel.comparison_of(audit)
    matrix = sel.units_matrix(audit)
    heat = ""
    if matrix.rows:
        heat = heatmap(
            [[None if v is None else round(100 * v) for v in row] for row in matrix.values],
            matrix.rows,
            [short_name(name) for _, name in matrix.columns],
            title="Units × elements: score (%)",
            value_label="score %",
            value_format="{:.0f}",
            ident="audit-heatmap",
            every_column=True,
        )
    return render(
        request,
        "audit/results.html",
        {
            "audit": audit,
            "results": res,
            "cmp": cmp,
            "radar": mark_safe(radar_svg(audit)),  # noqa: S308 - our own SVG, every text escaped
            "heatmap": mark_safe(heat),  # noqa: S308
            "matrix": matrix,
            "pct": pct,
            "is_lead": can(request.membership, "audit.lead", audit),
            "export_form": ExportForm(),
        },
    )


def _findings(request: MemberRequest, audit: Audit, **forms: Any) -> HttpResponse:
    questions = sel.questions_of(audit.template_id)
    elements = [(c, n) for c, n in sel.elements_of(questions)]
    q_choices = [("", "(the whole element)")] + [(q.pk, f"{q.code} {q.text[:60]}") for q in questions]
    findings = sel.findings_of(audit)
    from soms.audit.people_gaps import largest_gaps
    from soms.toolkits.models.saved import Kpi

    kpis = [("", "(none)")] + [
        (k.pk, k.name)
        for k in Kpi.objects.filter(organisation_id=audit.organisation_id).order_by("name")[:500]
    ]
    owners = [("", "(nobody yet)")] + member_choices(request.organisation)
    fform = forms.get("finding_form") or FindingForm()
    eform = forms.get("evidence_form") or EvidenceForm(initial={"refers_to": timezone.localdate()})
    aform = forms.get("action_form") or ActionForm()
    for f in (fform, eform, aform):
        set_choices(f, "element", elements)
    for f in (fform, eform):
        set_choices(f, "question", q_choices)
    set_choices(aform, "finding", [("", "(none)")] + [(f.pk, f.text[:70]) for f in findings])
    finding_rows = [(f, *largest_gaps(audit, f)) for f in findings]
    set_choices(aform, "owner", owners)
    set_choices(aform, "kpi", kpis)
    today = timezone.localdate()
    actions = sel.actions_of(audit)
    return render(
        request,
        "audit/findings.html",
        {
            "audit": audit,
            "findings": finding_rows,
            "actions": [
                (
                    a,
                    a.overdue(today),
                    ActionUpdateForm(
                        initial={"status": a.status, "due_date": a.due_date, "revision": a.revision}
                    ),
                )
                for a in actions
            ],
            "overdue": sum(1 for a in actions if a.overdue(today)),
            "evidence": [(e, e.expired(today)) for e in sel.evidence_of(audit)],
            "finding_form": fform,
            "evidence_form": eform,
            "action_form": aform,
            "is_lead": can(request.membership, "audit.lead", audit),
        },
        status=400 if any(getattr(f, "errors", None) for f in forms.values()) else 200,
    )


@member_required
@require_GET
def findings(request: MemberRequest, audit_id: int) -> HttpResponse:
    return _findings(request, audit_for(request.membership, audit_id))


@role_required("audit.lead")
@require_POST
def finding_add(request: MemberRequest, audit_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.lead")
    form = FindingForm(request.POST)
    questions = sel.questions_of(audit.template_id)
    set_choices(form, "element", sel.elements_of(questions))
    set_choices(form, "question", [("", "")] + [(q.pk, q.code) for q in questions])
    if form.is_valid():
        d = form.cleaned_data
        try:
            svc.finding_add(
                audit=audit,
                element=d["element"],
                text=d["text"],
                kind=d["kind"],
                question=d["question"],
                actor=request.user,
            )
        except (Invalid, AuditConflict) as exc:
            problems_to(form, request, exc)
        else:
            messages.success(request, f"{d['kind'].capitalize()} recorded.")
            return redirect("audits-findings", audit_id=audit.pk)
    return _findings(request, audit, finding_form=form)


@role_required("audit.lead")
@require_POST
def evidence_add(request: MemberRequest, audit_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.lead")
    form = EvidenceForm(request.POST)
    questions = sel.questions_of(audit.template_id)
    set_choices(form, "element", sel.elements_of(questions))
    set_choices(form, "question", [("", "")] + [(q.pk, q.code) for q in questions])
    if form.is_valid():
        d = form.cleaned_data
        try:
            svc.evidence_add(
                audit=audit,
                element=d["element"],
                text=d["text"],
                refers_to=d["refers_to"],
                link=d["link"],
                expires_on=d["expires_on"],
                question=d["question"],
                actor=request.user,
            )
        except (Invalid, AuditConflict) as exc:
            problems_to(form, request, exc)
        else:
            messages.success(request, "Evidence added.")
            return redirect("audits-findings", audit_id=audit.pk)
    return _findings(request, audit, evidence_form=form)


@role_required("audit.lead")
@require_POST
def action_add(request: MemberRequest, audit_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.lead")
    form = ActionForm(request.POST)
    set_choices(form, "element", sel.elements_of(sel.questions_of(audit.template_id)))
    set_choices(form, "finding", [("", "")] + [(f.pk, "") for f in sel.findings_of(audit)])
    set_choices(form, "owner", [("", "")] + member_choices(request.organisation))
    from soms.toolkits.models.saved import Kpi

    set_choices(
        form,
        "kpi",
        [("", "")] + [(k.pk, "") for k in Kpi.objects.filter(organisation_id=audit.organisation_id)[:500]],
    )
    if form.is_valid():
        d = form.cleaned_data
        finding = finding_for(audit, d["finding"]) if d["finding"] else None
        try:
            svc.action_add(
                audit=audit,
                element=d["element"],
                title=d["title"],
                due_date=d["due_date"],
                finding=finding,
                kpi=d["kpi"],
                owner=User.objects.filter(pk=d["owner"]).first() if d["owner"] else None,
                actor=request.user,
            )
        except (Invalid, AuditConflict) as exc:
            problems_to(form, request, exc)
        else:
            messages.success(request, "Action added to the plan.")
            return redirect("audits-findings", audit_id=audit.pk)
    return _findings(request, audit, action_form=form)


@role_required("audit.lead")
@require_POST
def finding_update(request: MemberRequest, audit_id: int, finding_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.lead")
    finding = finding_for(audit, finding_id)
    try:
        svc.finding_update(finding=finding, status=request.POST.get("status") or None, actor=request.user)
    except Invalid as exc:
        problems_to(None, request, exc)
    return redirect("audits-findings", audit_id=audit.pk)


@role_required("audit.lead")
@require_POST
def finding_develop(request: MemberRequest, audit_id: int, finding_id: int) -> HttpResponse:
    """Development actions, in one step, for the people with the largest gap in the finding's element."""
    from soms.audit.people_gaps import development_actions_for
    from soms.people.errors import PeopleInvalid

    audit = audit_for(request.membership, audit_id, action="audit.lead")
    finding = finding_for(audit, finding_id)
    kind = request.POST.get("kind") or "coaching"
    try:
        made = development_actions_for(audit=audit, finding=finding, actor=request.user, kind=kind)
    except PeopleInvalid as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{made} development action{'s' if made != 1 else ''} created in people's plans."
        )
    return redirect("audits-findings", audit_id=audit.pk)


@role_required("audit.lead")
@require_POST
def action_update(request: MemberRequest, audit_id: int, action_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.lead")
    action = action_for(audit, action_id)
    form = ActionUpdateForm(request.POST)
    if form.is_valid():
        try:
            svc.action_update(
                action=action,
                status=form.cleaned_data["status"],
                due_date=form.cleaned_data["due_date"],
                revision=form.cleaned_data["revision"],
                actor=request.user,
            )
        except (Invalid, AuditConflict) as exc:
            problems_to(None, request, exc)
        else:
            messages.success(request, f"“{action.title}” saved.")
    else:
        messages.error(
            request, "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        )
    return redirect("audits-findings", audit_id=audit.pk)


@member_required
@rate_limited("export")
@require_POST
def export(request: MemberRequest, audit_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose PDF, XLSX or JSON.")
        return redirect("audits-results", audit_id=audit.pk)
    fmt = form.cleaned_data["format"]
    with transaction.atomic():
        job = job_start(
            job_function=audit_report_job,
            organisation=request.organisation,
            owner=request.user,
            title=f"{fmt.upper()} report of {audit.title}",
            params={"audit_id": audit.pk, "fmt": fmt},
            total=3,
        )
    return redirect("job-detail", job_id=job.pk)


def short_name(name: str) -> str:
    """An element's name short enough for a heatmap column: "Demand and capacity management" → "Demand"."""
    head = name.split(" — ")[0].strip()
    return head if len(head) <= 14 else head.split()[0].strip(",;:")


def today() -> dt.date:
    return timezone.localdate()
