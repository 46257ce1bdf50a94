"""Template pages: the templates an organisation can use, one template's questions by element,
authoring a draft (settings, questions, publish) and starting a new version."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soms.audit.access import question_for, template_for, templates_visible
from soms.audit.errors import AuditConflict
from soms.audit.forms import QuestionForm, TemplateCreateForm, TemplateEditForm, set_choices
from soms.audit.models import AuditTemplate, Question
from soms.audit.selectors import elements_of, questions_of
from soms.audit.services import templates as svc
from soms.audit.views.common import int_or_none, problems_to
from soms.core.problems import Invalid
from soms.frameworks.models import Element, FrameworkVersion, VersionStatus
from soms.tenancy.access import member_required, role_required
from soms.tenancy.permissions import can
from soms.tenancy.requests import MemberRequest


@member_required
@require_GET
def template_list(request: MemberRequest) -> HttpResponse:
    svc.builtin_audit_templates_load()
    templates = templates_visible(request.membership).select_related("framework_version__framework")
    return render(
        request,
        "audit/template_list.html",
        {"templates": templates, "can_author": can(request.membership, "audit_template.author")},
    )


def _versions(request: MemberRequest) -> list[FrameworkVersion]:
    return list(
        FrameworkVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .filter(framework__organisation__isnull=True)
        .select_related("framework")
        | FrameworkVersion.objects.filter(
            status=VersionStatus.PUBLISHED, framework__organisation=request.organisation
        ).select_related("framework")
    )


@role_required("audit_template.author")
@require_http_methods(["GET", "POST"])
def template_new(request: MemberRequest) -> HttpResponse:
    versions = {v.pk: v for v in _versions(request)}
    form = TemplateCreateForm(request.POST or None)
    set_choices(
        form, "framework_version", [(v.pk, f"{v.framework.name} — {v.label}") for v in versions.values()]
    )
    if request.method == "POST" and form.is_valid():
        try:
            template = svc.audit_template_create(
                organisation=request.organisation,
                framework_version=versions[form.cleaned_data["framework_version"]],
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                rule=form.cleaned_data["rule"],
                actor=request.user,
            )
        except (Invalid, AuditConflict) as exc:
            problems_to(form, request, exc)
        else:
            messages.success(request, f"Draft “{template}” created; add its questions.")
            return redirect("audits-template", template_id=template.pk)
    return render(request, "audit/template_new.html", {"form": form}, status=400 if form.errors else 200)


def _question_form(
    template: AuditTemplate, data: Any = None, initial: dict[str, Any] | None = None
) -> QuestionForm:
    form = QuestionForm(
        data,
        initial=initial
        or {
            "revision": template.revision,
            "weight": 1.0,
            "allow_na": True,
            "higher_is_better": True,
            "kind": "maturity",
            "anchors": "Absent: \nAd hoc: \nDefined: \nManaged: \nImproving: ",
        },
    )
    set_choices(
        form,
        "element",
        [
            (e.code, e.name)
            for e in Element.objects.filter(version=template.framework_version).order_by("order", "id")
        ],
    )
    return form


def _detail(request: MemberRequest, template: AuditTemplate, **extra: Any) -> HttpResponse:
    questions = questions_of(template)
    author = can(request.membership, "audit_template.author", template)
    groups = [
        (code, name, [q for q in questions if q.element.code == code])
        for code, name in elements_of(questions)
    ]
    ctx: dict[str, Any] = {
        "template": template,
        "groups": groups,
        "questions": questions,
        "can_author": author,
        "can_version": can(request.membership, "audit_template.author") and template.is_published,
        "edit_form": TemplateEditForm(
            initial={
                "name": template.name,
                "description": template.description,
                "rule": template.rule,
                "revision": template.revision,
            }
        )
        if author
        else None,
        "question_form": _question_form(template) if author else None,
        "rule_text": _rule_text(template.rule),
    }
    ctx.update(extra)
    status = 400 if any(getattr(f, "errors", None) for f in extra.values()) else 200
    return render(request, "audit/template_detail.html", ctx, status=status)


def _rule_text(rule: str) -> str:
    from soms.core.audit_scoring import RULE_TEXT, TARGET_TEXT, ScoringRule

    return RULE_TEXT[ScoringRule(rule)] + " " + TARGET_TEXT


@member_required
@require_GET
def template_detail(request: MemberRequest, template_id: int) -> HttpResponse:
    return _detail(request, template_for(request.membership, template_id))


@role_required("audit_template.author")
@require_POST
def template_edit(request: MemberRequest, template_id: int) -> HttpResponse:
    template = template_for(request.membership, template_id, action="audit_template.author")
    form = TemplateEditForm(request.POST)
    if form.is_valid():
        try:
            svc.audit_template_update(
                template=template,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                rule=form.cleaned_data["rule"],
                revision=form.cleaned_data["revision"],
                actor=request.user,
            )
        except (Invalid, AuditConflict) as exc:
            problems_to(form, request, exc)
        else:
            messages.success(request, "Template saved.")
            return redirect("audits-template", template_id=template.pk)
    return _detail(request, template, edit_form=form)


@role_required("audit_template.author")
@require_POST
def question_add(request: MemberRequest, template_id: int) -> HttpResponse:
    template = template_for(request.membership, template_id, action="audit_template.author")
    form = _question_form(template, request.POST)
    if form.is_valid():
        try:
            q = svc.audit_question_add(
                template=template,
                data=form.service_data(),
                revision=form.cleaned_data["revision"],
                actor=request.user,
            )
        except (Invalid, AuditConflict) as exc:
            problems_to(form, request, exc)
        else:
            messages.success(request, f"Question {q.code} added.")
            return redirect("audits-template", template_id=template.pk)
    return _detail(request, template, question_form=form)


def _anchor_text(q: Question) -> str:
    return "\n".join(f"{a.get('label', '')}: {a.get('description', '')}" for a in q.anchors)


@role_required("audit_template.author")
@require_http_methods(["GET", "POST"])
def question_edit(request: MemberRequest, template_id: int, question_id: int) -> HttpResponse:
    template = template_for(request.membership, template_id, action="audit_template.author")
    question = question_for(template, question_id)
    initial = {
        "code": question.code,
        "element": question.element.code,
        "text": question.text,
        "kind": question.kind,
        "anchors": _anchor_text(question),
        "minimum": question.minimum,
        "maximum": question.maximum,
        "steps": ", ".join(f"{s:g}" for s in question.steps),
        "unit": question.unit,
        "higher_is_better": question.higher_is_better,
        "weight": question.weight,
        "allow_na": question.allow_na,
        "revision": template.revision,
    }
    form = _question_form(template, request.POST if request.method == "POST" else None, initial)
    if request.method == "POST" and form.is_valid():
        try:
            svc.audit_question_update(
                question=question,
                data=form.service_data(),
                revision=form.cleaned_data["revision"],
                actor=request.user,
            )
        except (Invalid, AuditConflict) as exc:
            problems_to(form, request, exc)
        else:
            messages.success(request, f"Question {question.code} saved.")
            return redirect("audits-template", template_id=template.pk)
    return render(
        request,
        "audit/question_edit.html",
        {"template": template, "question": question, "form": form},
        status=400 if form.errors else 200,
    )


@role_required("audit_template.author")
@require_POST
def question_delete(request: MemberRequest, template_id: int, question_id: int) -> HttpResponse:
    template = template_for(request.membership, template_id, action="audit_template.author")
    question = question_for(template, question_id)
    try:
        svc.audit_question_delete(
            question=question, revision=int_or_none(request.POST.get("revision")), actor=request.user
        )
    except AuditConflict as exc:
        problems_to(None, request, exc)
    else:
        messages.success(request, f"Question {question.code} deleted.")
    return redirect("audits-template", template_id=template.pk)


@role_required("audit_template.author")
@require_POST
def template_publish(request: MemberRequest, template_id: int) -> HttpResponse:
    template = template_for(request.membership, template_id, action="audit_template.author")
    try:
        svc.audit_template_publish(
            template=template, revision=int_or_none(request.POST.get("revision")), actor=request.user
        )
    except (Invalid, AuditConflict) as exc:
        problems_to(None, request, exc)
    else:
        messages.success(request, f"Published “{template}”; it can now be audited against and never changes.")
    return redirect("audits-template", template_id=template.pk)


@role_required("audit_template.author")
@require_POST
def template_version(request: MemberRequest, template_id: int) -> HttpResponse:
    template = template_for(request.membership, template_id)
    try:
        draft = svc.audit_template_new_version(
            template=template, organisation=request.organisation, actor=request.user
        )
    except AuditConflict as exc:
        problems_to(None, request, exc)
        return redirect("audits-template", template_id=template.pk)
    messages.success(request, f"Draft “{draft}” started from “{template}”.")
    return redirect("audits-template", template_id=draft.pk)
