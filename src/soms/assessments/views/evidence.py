"""Evidence pages: a person's evidence, adding an item, one item, and its permission-checked download."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soms.assessments import access
from soms.assessments.models import Evidence, EvidenceKind, EvidenceStatement
from soms.assessments.services import evidence as svc
from soms.core.problems import Invalid
from soms.fields import SomsForm
from soms.frameworks.models import Statement
from soms.people.access import person_for
from soms.people.models import Person
from soms.tenancy.access import member_required
from soms.tenancy.models import Membership
from soms.tenancy.requests import MemberRequest
from soms.toolkits.saved.registry import RESULT_MODELS

TOOLKIT_LABELS = {
    "capacity_study": "Capacity study",
    "value_stream": "Value stream map",
    "delivery_system": "Service delivery system",
    "stakeholder_map": "Stakeholder map",
    "kpi": "KPI",
}
# Saved results offered per kind on the form (the newest); the API takes any id.
TOOLKIT_CHOICES_PER_KIND = 100


def statement_choices(person: Person) -> list[tuple[str, list[tuple[int, str]]]]:
    """The statements of the person's framework versions, grouped by version and element."""
    groups: list[tuple[str, list[tuple[int, str]]]] = []
    for version in svc.person_versions(person):
        rows = (
            Statement.objects.filter(version=version)
            .select_related("element", "level")
            .order_by("element__order", "level__rank", "order", "id")
        )
        by_element: dict[str, list[tuple[int, str]]] = {}
        for s in rows:
            text = s.text if len(s.text) <= 140 else s.text[:139] + "…"
            by_element.setdefault(f"{version.framework.name} {version.label} · {s.element.name}", []).append(
                (s.pk, f"{s.code} ({s.level.name}): {text}")
            )
        groups += list(by_element.items())
    return groups


def toolkit_choices(membership: Membership) -> list[tuple[str, list[tuple[str, str]]]]:
    out = []
    for kind, model in RESULT_MODELS.items():
        rows = model._default_manager.filter(organisation_id=membership.organisation_id).order_by("-pk")[
            :TOOLKIT_CHOICES_PER_KIND
        ]
        items = [(f"{kind}:{r.pk}", str(getattr(r, "name", "") or r)) for r in rows]
        if items:
            out.append((TOOLKIT_LABELS.get(kind, kind), items))
    return out


class EvidenceForm(SomsForm):
    kind = forms.ChoiceField(
        choices=EvidenceKind.choices, widget=forms.RadioSelect, initial=EvidenceKind.TEXT
    )
    title = forms.CharField(
        max_length=svc.TITLE_MAX, required=False, help_text="For a toolkit result: its name when left empty."
    )
    refers_on = forms.DateField(
        label="The date it is about",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="When the work it shows happened; not in the future.",
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False, label="Text or note")
    url = forms.CharField(
        max_length=svc.URL_MAX, required=False, label="Link", help_text="An http:// or https:// address."
    )
    file = forms.FileField(
        required=False,
        help_text="PDF, PNG, JPEG, XLSX, DOCX, PPTX, CSV or plain text, up to 10 MiB; checked by its content.",
    )
    toolkit_result = forms.ChoiceField(required=False, label="Saved toolkit result")
    statements = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Statements it supports"
    )

    def __init__(self, *args: Any, person: Person, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statement_groups = statement_choices(person)
        cast(forms.ChoiceField, self.fields["statements"]).choices = self.statement_groups
        cast(forms.ChoiceField, self.fields["toolkit_result"]).choices = [
            ("", "—"),
            *toolkit_choices(membership),
        ]
        self.fields["refers_on"].initial = timezone.localdate()


def _data(form: EvidenceForm, request: MemberRequest) -> svc.EvidenceData:
    d = form.cleaned_data
    kind, _, result_id = (d.get("toolkit_result") or "").partition(":")
    return svc.EvidenceData(
        kind=d["kind"],
        title=d.get("title") or "",
        refers_on=d.get("refers_on"),
        text=d.get("text") or "",
        url=d.get("url") or "",
        file=request.FILES.get("file"),
        toolkit_kind=kind,
        toolkit_result_id=result_id or None,
        statement_ids=d.get("statements") or [],
    )


@member_required
@require_GET
def evidence_list(request: MemberRequest, person_id: int) -> HttpResponse:
    m = request.membership
    person = person_for(m, person_id)
    items = (
        svc.evidence_of(m, person)
        .select_related("created_by")
        .prefetch_related("links__statement")
        .order_by("-refers_on", "-id")
    )
    return render(
        request,
        "assessments/evidence_list.html",
        {"person": person, "items": items, "can_add": svc.may_add_for(m, person)},
    )


@member_required
@require_http_methods(["GET", "POST"])
def evidence_new(request: MemberRequest, person_id: int) -> HttpResponse:
    m = request.membership
    person = person_for(m, person_id)
    if not svc.may_add_for(m, person):
        raise PermissionDenied("You may add evidence about yourself and the people you assess")
    initial: dict[str, Any] = {}
    preset = request.GET.get("statement", "")
    if preset.isdigit():
        initial["statements"] = [int(preset)]
    form = EvidenceForm(
        request.POST or None, request.FILES or None, person=person, membership=m, initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                item = svc.evidence_create(
                    membership=m, actor=request.user, person=person, data=_data(form, request)
                )
            except Invalid as exc:
                form.add_problems(
                    exc.problems,
                    {
                        "toolkit_kind": "toolkit_result",
                        "toolkit_result_id": "toolkit_result",
                        "statement_ids": "statements",
                    },
                )
            else:
                messages.success(request, f"Evidence “{item.title}” added.")
                back = request.GET.get("next", "")
                if back.startswith("/") and not back.startswith("//"):
                    return redirect(back)
                return redirect("evidence-detail", item.pk)
        status = 422
    chosen = {str(v) for v in (form["statements"].value() or [])}
    open_groups = [
        group for group, options in form.statement_groups if any(str(value) in chosen for value, _ in options)
    ]
    return render(
        request,
        "assessments/evidence_form.html",
        {"person": person, "form": form, "open_groups": open_groups},
        status=status,
    )


def _toolkit_link(result: Any) -> str:
    if result is None or not hasattr(result, "get_absolute_url"):
        return ""
    try:
        return str(result.get_absolute_url())
    except NoReverseMatch:
        return ""


@member_required
@require_GET
def evidence_detail(request: MemberRequest, evidence_id: int) -> HttpResponse:
    m = request.membership
    item = access.evidence_for(m, evidence_id)
    links = EvidenceStatement.objects.filter(evidence=item).select_related(
        "statement__element", "statement__level", "statement__version__framework"
    )
    linked = {link.statement_id for link in links}
    may_change = svc.may_add_for(m, item.person)
    attach_choices = [
        (group, [(pk, label) for pk, label in rows if pk not in linked])
        for group, rows in (statement_choices(item.person) if may_change else [])
    ]
    result = svc.toolkit_result(item)
    kept = svc.relied_on(item)
    return render(
        request,
        "assessments/evidence_detail.html",
        {
            "item": item,
            "links": links,
            "attach_choices": [(g, rows) for g, rows in attach_choices if rows],
            "may_change": may_change,
            "may_delete": svc.may_delete(m, item) and not kept,
            "kept": kept,
            "result": result,
            "result_link": _toolkit_link(result),
            "result_label": TOOLKIT_LABELS.get(item.toolkit_kind, item.toolkit_kind),
        },
    )


def download_response(item: Evidence) -> FileResponse:
    """The file as an attachment with its original name; never rendered by the browser, never cached."""
    if item.kind != EvidenceKind.FILE or not item.file:
        from soms.tenancy.access import NotFound

        raise NotFound("This evidence has no file")
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.filename or "evidence",
        content_type=item.content_type or "application/octet-stream",
    )
    # Django's 4 KiB default makes a 10 MiB file 2,560 writes; 256 KiB makes it 40.
    response.block_size = 256 * 1024
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@member_required
@require_GET
def evidence_download(request: MemberRequest, evidence_id: int) -> FileResponse:
    return download_response(access.evidence_for(request.membership, evidence_id))


@member_required
@require_POST
def evidence_attach(request: MemberRequest, evidence_id: int) -> HttpResponse:
    m = request.membership
    item = access.evidence_for(m, evidence_id)
    if not svc.may_add_for(m, item.person):
        raise PermissionDenied("You may change the evidence of yourself and the people you assess")
    try:
        added = svc.evidence_attach(
            membership=m, actor=request.user, evidence=item, statement_ids=request.POST.getlist("statements")
        )
    except Invalid as exc:
        messages.error(request, "; ".join(p.msg for p in exc.problems))
    else:
        messages.success(request, f"Linked to {len(added)} more statement(s).")
    return redirect("evidence-detail", item.pk)


@member_required
@require_POST
def evidence_detach(request: MemberRequest, evidence_id: int) -> HttpResponse:
    m = request.membership
    item = access.evidence_for(m, evidence_id)
    if not svc.may_add_for(m, item.person):
        raise PermissionDenied("You may change the evidence of yourself and the people you assess")
    try:
        svc.evidence_detach(
            membership=m, actor=request.user, evidence=item, statement_id=request.POST.get("statement", "")
        )
    except svc.EvidenceConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Unlinked.")
    return redirect("evidence-detail", item.pk)


@member_required
@require_POST
def evidence_delete(request: MemberRequest, evidence_id: int) -> HttpResponse:
    m = request.membership
    item = access.evidence_for(m, evidence_id)
    if not svc.may_delete(m, item):
        raise PermissionDenied("Only whoever added this evidence, or an owner or admin, may delete it")
    person_id = item.person_id
    try:
        svc.evidence_delete(membership=m, actor=request.user, evidence=item)
    except svc.EvidenceConflict as exc:
        messages.error(request, str(exc))
        return redirect("evidence-detail", item.pk)
    messages.success(request, f"Evidence “{item.title}” deleted.")
    return redirect("evidence-list", person_id)
