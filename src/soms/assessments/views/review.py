"""The reviewer's side: the queue of submitted assessments, and the review screen (every judged
statement with its comment and evidence, Return with a reason / Validate, the history)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from soms.assessments import access
from soms.assessments.models import Assessment, Status
from soms.assessments.selectors.assessments import element_pages, events_of
from soms.assessments.services import assessments as svc
from soms.assessments.views.assessments import evidence_template
from soms.core.problems import Invalid
from soms.fields import SomsForm
from soms.limits import MAX_TEXT_LENGTH
from soms.tenancy.access import member_required, role_required
from soms.tenancy.permissions import can
from soms.tenancy.requests import MemberRequest


class ReturnForm(SomsForm):
    reason = forms.CharField(
        label="Reason for returning",
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The assessor sees it and acts on it.",
    )


@role_required("assessment.review")
@require_GET
def review_queue_page(request: MemberRequest) -> HttpResponse:
    m = request.membership
    page = Paginator(access.review_queue(m), 50).get_page(request.GET.get("page"))
    # Change projects are reviewed on their own pages; the queue says how many wait there (the
    # oldest 200 are checked one by one against who may review them).
    waiting = access.projects_visible(m).filter(review_status=Status.SUBMITTED).select_related("version")
    projects = (
        [p for p in waiting.order_by("id")[:200] if can(m, "project.review", p)]
        if can(m, "project.review")
        else []
    )
    return render(request, "assessments/review_queue.html", {"page": page, "projects_waiting": len(projects)})


def _review_context(request: MemberRequest, a: Assessment, form: ReturnForm | None = None) -> dict[str, Any]:
    pages = [p for p in element_pages(a) if p.judged]
    for p in pages:
        p.rows = [r for r in p.rows if r.judgement is not None]
    return {
        "a": a,
        "pages": pages,
        "may_review": can(request.membership, "assessment.review", a),
        "form": form or ReturnForm(),
        "events": events_of(a),
        "evidence_template": evidence_template(),
        "membership": request.membership,
    }


@member_required
@require_GET
def review_page(request: MemberRequest, assessment_id: int) -> HttpResponse:
    a = access.assessment_for(request.membership, assessment_id)
    return render(request, "assessments/review_page.html", _review_context(request, a))


def _revision(request: MemberRequest) -> int | None:
    raw = request.POST.get("revision", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@role_required("assessment.review")
@require_POST
def review_return(request: MemberRequest, assessment_id: int) -> HttpResponse:
    m = request.membership
    a = access.assessment_for(m, assessment_id, action="assessment.review")
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return render(request, "assessments/review_page.html", _review_context(request, a, form), status=400)
    try:
        svc.assessment_return(
            assessment=a,
            membership=m,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            revision=_revision(request),
        )
    except Invalid as exc:
        form.add_problems(exc.problems)
        return render(request, "assessments/review_page.html", _review_context(request, a, form), status=400)
    except svc.AssessmentConflict as exc:
        messages.error(request, str(exc))
        return redirect("assessment-review", a.pk)
    messages.success(request, "Returned to its assessor with your reason.")
    return redirect("assessment-queue")


@role_required("assessment.review")
@require_POST
def review_validate(request: MemberRequest, assessment_id: int) -> HttpResponse:
    m = request.membership
    a = access.assessment_for(m, assessment_id, action="assessment.review")
    try:
        svc.assessment_validate(assessment=a, membership=m, actor=request.user, revision=_revision(request))
    except svc.AssessmentConflict as exc:
        messages.error(request, str(exc))
        return redirect("assessment-review", a.pk)
    messages.success(request, f"Validated: {a.person.name}'s attainment is updated.")
    return redirect("assessment-queue")
