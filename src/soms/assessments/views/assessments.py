"""Assessment pages: my assessments, the start form, and the form itself, one element per page.

The form saves as you go: with JavaScript, each statement posts itself (htmx) when a judgement or
its comment changes and gets its own fragment back, with the new revision swapped in out of band;
without JavaScript the page's Save buttons post every statement on the page. Either way a stale
save shows who changed the assessment and puts what the user typed back into the form.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soms.assessments import access
from soms.assessments.models import Assessment, Judgement, JudgementValue, Kind, Status
from soms.assessments.selectors.assessments import ElementPage, element_pages, events_of, my_assessments
from soms.assessments.services import assessments as svc
from soms.core.problems import Invalid
from soms.fields import SomsForm
from soms.frameworks.access import visible_q
from soms.frameworks.models import FrameworkVersion, VersionStatus
from soms.people.access import me_person
from soms.people.models import Person
from soms.tenancy.access import member_required
from soms.tenancy.permissions import can
from soms.tenancy.requests import MemberRequest

EVIDENCE_TEMPLATE = "assessments/_evidence_for_statement.html"
# Up to this many people the start form offers a list; beyond it, the employee id is typed.
PEOPLE_CHOICES_MAX = 300


def evidence_template() -> str | None:
    """The evidence include (built by the evidence pages) once it exists; until then nothing shows."""
    try:
        get_template(EVIDENCE_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return EVIDENCE_TEMPLATE


# --- my assessments --------------------------------------------------------------------------------


@member_required
@require_GET
def assessment_list(request: MemberRequest) -> HttpResponse:
    m = request.membership
    mine = my_assessments(m)
    about_me = Paginator(mine.filter(person__user_id=m.user_id), 25).get_page(request.GET.get("page"))
    written = Paginator(mine.filter(assessor_id=m.user_id).exclude(person__user_id=m.user_id), 25).get_page(
        request.GET.get("wpage")
    )
    queue_count = access.review_queue(m).count() if can(m, "assessment.review") else None
    return render(
        request,
        "assessments/assessment_list.html",
        {
            "about_me": about_me,
            "written": written,
            "queue_count": queue_count,
            "may_start": bool(svc.kinds_for(m)),
            "me": me_person(m),
        },
    )


# --- start -----------------------------------------------------------------------------------------


class PersonChoiceField(forms.ModelChoiceField[Person]):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.employee_id})"


class StartForm(SomsForm):
    kind = forms.ChoiceField(label="Kind")
    version = forms.ModelChoiceField(
        queryset=FrameworkVersion.objects.none(), label="Framework version", empty_label=None
    )
    person = PersonChoiceField(queryset=Person.objects.none(), label="Person", required=False)
    employee_id = forms.CharField(
        label="Person's employee id",
        required=False,
        max_length=64,
        help_text="For a manager or coach assessment",
    )

    def __init__(self, *args: Any, membership: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        kinds = svc.kinds_for(membership)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(k, Kind(k).label) for k in kinds]
        cast(forms.ModelChoiceField[FrameworkVersion], self.fields["version"]).queryset = (
            FrameworkVersion.objects.filter(
                visible_q(membership, "framework__"), status=VersionStatus.PUBLISHED
            )
            .select_related("framework")
            .order_by("framework__name", "-published_at", "-id")
        )
        self.people = None
        if can(membership, "assessment.start"):
            people = svc.startable_people(membership).order_by("name_key", "id")
            if people.count() <= PEOPLE_CHOICES_MAX:
                self.people = people
                field = cast(PersonChoiceField, self.fields["person"])
                field.queryset = people
                self.fields["person"].help_text = "For a manager or coach assessment"
                del self.fields["employee_id"]
        if self.people is None:
            del self.fields["person"]
        if not can(membership, "assessment.start"):
            self.fields.pop("employee_id", None)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if kind == Kind.SELF:
            data["the_person"] = me_person(self.membership)
            return data
        person = data.get("person")
        if person is None and data.get("employee_id"):
            person = Person.objects.filter(
                organisation_id=self.membership.organisation_id, employee_id=data["employee_id"].strip()
            ).first()
            if person is None:
                self.add_error("employee_id", "Nobody with this employee id here")
        if person is None and not self.errors:
            field = "person" if "person" in self.fields else "employee_id"
            self.add_error(field, "Choose whom you assess")
        data["the_person"] = person
        return data


@member_required
@require_http_methods(["GET", "POST"])
def assessment_start(request: MemberRequest) -> HttpResponse:
    m = request.membership
    if not svc.kinds_for(m):
        raise PermissionDenied("You have no person record here and your role does not assess others")
    initial: dict[str, Any] = {}
    if request.GET.get("person", "").isdigit():
        initial = {"person": request.GET["person"], "kind": svc.kinds_for(m)[-1]}
    form = StartForm(request.POST or None, membership=m, initial=initial)
    status = 200
    open_one: int | None = None
    if request.method == "POST":
        if form.is_valid():
            try:
                made = svc.assessment_start(
                    membership=m,
                    actor=request.user,
                    person=form.cleaned_data["the_person"],
                    version=form.cleaned_data["version"],
                    kind=form.cleaned_data["kind"],
                )
            except Invalid as exc:
                form.add_problems(exc.problems, {"person_id": "person", "version_id": "version"})
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            except svc.AssessmentConflict as exc:
                form.add_error(None, str(exc))
                open_one = exc.assessment_id
                status = 409
            else:
                return redirect("assessment", made.pk)
        if status == 200:
            status = 400
    return render(
        request, "assessments/assessment_start.html", {"form": form, "open_one": open_one}, status=status
    )


# --- the form --------------------------------------------------------------------------------------


def _page_number(request: HttpRequest, pages: list[ElementPage]) -> int:
    raw = request.POST.get("page") or request.GET.get("page") or "1"
    n = int(raw) if raw.isdigit() and len(raw) < 6 else 1
    return min(max(n, 1), max(len(pages), 1))


def _context(
    request: MemberRequest,
    a: Assessment,
    *,
    number: int | None = None,
    typed: dict[int, dict[str, str]] | None = None,
    errors: dict[int, list[str]] | None = None,
    conflict: svc.StaleAssessment | None = None,
) -> dict[str, Any]:
    m = request.membership
    pages = element_pages(a)
    number = number or _page_number(request, pages)
    page = pages[number - 1] if pages else None
    typed = typed or {}
    rows = []
    for row in page.rows if page else []:
        sid = row.statement.pk
        mine = typed.get(sid)
        stored = row.judgement
        rows.append(
            {
                "row": row,
                "value": mine["value"] if mine else (stored.value if stored else ""),
                "comment": mine["comment"] if mine else (stored.comment if stored else ""),
                "errors": (errors or {}).get(sid, []),
                "current": conflict.current.get(sid) if conflict and sid in (typed or {}) else None,
                "conflict": conflict is not None and sid in typed,
            }
        )
    editable = can(m, "assessment.edit", a)
    return {
        "a": a,
        "pages": pages,
        "page": page,
        "number": number,
        "rows": rows,
        "choices": JudgementValue.choices,
        "editable": editable,
        "may_review": can(m, "assessment.review", a),
        "may_correct": a.status == Status.VALIDATED and _may_correct(m, a),
        "judged": Judgement.objects.filter(assessment=a).count(),
        "events": events_of(a),
        "conflict": conflict,
        "evidence_template": evidence_template(),
        "membership": m,
        # Where *Add evidence* comes back to: this page of the form, also when the block was
        # re-rendered by a save (whose own address answers only POST).
        "back_url": f"{reverse('assessment', args=[a.pk])}?page={number}",
    }


def _may_correct(m: Any, a: Assessment) -> bool:
    if Assessment.objects.filter(supersedes=a).exists():
        return False
    if a.kind == Kind.SELF:
        me = me_person(m)
        return me is not None and me.pk == a.person_id
    return a.kind in svc.kinds_for(m)


@member_required
@require_GET
def assessment_form(request: MemberRequest, assessment_id: int) -> HttpResponse:
    a = access.assessment_for(request.membership, assessment_id)
    return render(request, "assessments/assessment_form.html", _context(request, a))


def _posted(request: HttpRequest, sids: list[int]) -> tuple[list[svc.JudgementIn], dict[int, dict[str, str]]]:
    """The judgements a post carries, for these statements: a statement with a judgement chosen is
    saved; one with only a comment is an error the service names; one untouched is left alone."""
    wanted: list[svc.JudgementIn] = []
    typed: dict[int, dict[str, str]] = {}
    for sid in sids:
        value = request.POST.get(f"value-{sid}", "")
        comment = request.POST.get(f"comment-{sid}", "")
        if f"comment-{sid}" not in request.POST and f"value-{sid}" not in request.POST:
            continue
        typed[sid] = {"value": value, "comment": comment}
        if value or comment.strip():
            wanted.append(svc.JudgementIn(sid, value, comment))
    return wanted, typed


def _errors_by_statement(exc: Invalid, wanted: list[svc.JudgementIn]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for p in exc.problems:
        if (
            len(p.loc) >= 2
            and p.loc[0] == "judgements"
            and isinstance(p.loc[1], int)
            and p.loc[1] < len(wanted)
        ):
            sid = wanted[p.loc[1]].statement_id
            msg = p.msg
            if len(p.loc) > 2 and p.loc[2] == "value":
                msg = "Choose not yet, partly or met"
            out.setdefault(sid, []).append(msg)
    return out


@member_required
@require_POST
def assessment_save(request: MemberRequest, assessment_id: int) -> HttpResponse:
    """Save the statements of one page (no JavaScript), or one statement (htmx, `only=<id>`)."""
    m = request.membership
    a = access.assessment_for(m, assessment_id, action="assessment.edit")
    if not a.is_editable:
        messages.error(
            request, f"This assessment is {a.get_status_display().lower()}: it can no longer be changed."
        )
        return redirect("assessment", a.pk)
    if not can(m, "assessment.edit", a):
        raise PermissionDenied("Only its assessor changes an assessment")
    pages = element_pages(a)
    number = _page_number(request, pages)
    page = pages[number - 1] if pages else None
    sids = [r.statement.pk for r in page.rows] if page else []
    only = request.POST.get("only", "")
    if only:
        sids = [s for s in sids if str(s) == only]
    raw_revision = request.POST.get("revision", "")
    revision = int(raw_revision) if raw_revision.isdigit() and len(raw_revision) < 10 else 0
    wanted, typed = _posted(request, sids)
    go = request.POST.get("go", "stay")
    target = {"next": number + 1, "prev": number - 1}.get(go, number)
    if not wanted:
        if request.htmx:
            return _fragment(request, a, number, sids, typed)
        return redirect(f"{reverse('assessment', args=[a.pk])}?page={min(max(target, 1), len(pages) or 1)}")
    try:
        a = svc.judgements_save(
            assessment=a, membership=m, actor=request.user, judgements=wanted, revision=revision
        )
    except svc.StaleAssessment as exc:
        a.refresh_from_db()
        if request.htmx:
            return _fragment(request, a, number, sids, typed, conflict=exc)
        ctx = _context(request, a, number=number, typed=typed, conflict=exc)
        return render(request, "assessments/assessment_form.html", ctx, status=409)
    except svc.AssessmentConflict as exc:
        messages.error(request, str(exc))
        return redirect("assessment", a.pk)
    except Invalid as exc:
        errors = _errors_by_statement(exc, wanted)
        if request.htmx:
            return _fragment(request, a, number, sids, typed, errors=errors)
        ctx = _context(request, a, number=number, typed=typed, errors=errors)
        return render(request, "assessments/assessment_form.html", ctx, status=422)
    if request.htmx:
        return _fragment(request, a, number, sids, {}, saved=True)
    messages.success(request, "Saved.")
    return redirect(f"{reverse('assessment', args=[a.pk])}?page={min(max(target, 1), len(pages) or 1)}")


def _fragment(
    request: MemberRequest,
    a: Assessment,
    number: int,
    sids: list[int],
    typed: dict[int, dict[str, str]],
    *,
    errors: dict[int, list[str]] | None = None,
    conflict: svc.StaleAssessment | None = None,
    saved: bool = False,
) -> HttpResponse:
    """One statement's block (htmx swaps it in place) and the new revision, out of band. A conflict
    or an error is answered 200: htmx swaps only successful answers, and the block says what is wrong."""
    ctx = _context(request, a, number=number, typed=typed, errors=errors, conflict=conflict)
    ctx["rows"] = [r for r in ctx["rows"] if r["row"].statement.pk in sids]
    ctx["saved"] = saved and not errors and conflict is None
    ctx["oob"] = True
    return render(request, "assessments/assessment_statement.html", ctx)


@member_required
@require_POST
def assessment_submit(request: MemberRequest, assessment_id: int) -> HttpResponse:
    m = request.membership
    a = access.assessment_for(m, assessment_id, action="assessment.edit")
    raw = request.POST.get("revision", "")
    revision = int(raw) if raw.isdigit() and len(raw) < 10 else None
    try:
        a = svc.assessment_submit(assessment=a, membership=m, actor=request.user, revision=revision)
    except Invalid as exc:
        messages.error(request, "; ".join(p.msg for p in exc.problems).capitalize() + ".")
        return redirect("assessment", a.pk)
    except svc.AssessmentConflict as exc:
        messages.error(request, str(exc))
        return redirect("assessment", a.pk)
    messages.success(request, "Submitted for review. The reviewers have been told.")
    return redirect("assessment", a.pk)


@member_required
@require_POST
def assessment_correct(request: MemberRequest, assessment_id: int) -> HttpResponse:
    m = request.membership
    a = access.assessment_for(m, assessment_id)
    try:
        made = svc.assessment_correct(assessment=a, membership=m, actor=request.user)
    except svc.AssessmentConflict as exc:
        messages.error(request, str(exc))
        return redirect("assessment", a.pk)
    messages.success(request, f"Correction started: it supersedes assessment #{a.pk} once validated.")
    return redirect("assessment", made.pk)
