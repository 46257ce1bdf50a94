"""The respondent's answer form: a member's own page, or an invited person's personal link. Each
sees only their own answers until they submit; then their answers beside the consensus."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from soms.audit.access import audit_for, respondent_of
from soms.audit.errors import AuditConflict, LinkExpired
from soms.audit.models import Audit, Respondent
from soms.audit.selectors import my_answers
from soms.audit.services import audits as svc
from soms.core.problems import Invalid
from soms.tenancy.access import member_required
from soms.tenancy.requests import MemberRequest


def _answers_from(post: Any, rows: list[Any]) -> list[svc.AnswerIn]:
    out = []
    for row in rows:
        q = row.question
        out.append(
            svc.AnswerIn(
                q.pk,
                post.get(f"q{q.pk}", ""),
                post.get(f"na{q.pk}") == "on",
                post.get(f"reason{q.pk}", ""),
            )
        )
    return out


def answer_page(
    request: HttpRequest, audit: Audit, respondent: Respondent, *, base: str = "base.html"
) -> HttpResponse:
    rows = my_answers(audit, respondent)
    errors: dict[str, list[str]] = {}
    typed: dict[int, dict[str, Any]] = {}
    status = 200
    if request.method == "POST":
        answers = _answers_from(request.POST, rows)
        typed = {
            a.question_id: {"value": str(a.value), "na": a.not_applicable, "reason": a.reason}
            for a in answers
        }
        submit = request.POST.get("action") == "submit"
        try:
            with transaction.atomic():
                saved = svc.ratings_save(respondent=respondent, answers=answers, actor=request.user)
                if submit:
                    svc.ratings_submit(respondent=respondent, actor=request.user)
        except Invalid as exc:
            for p in exc.problems:
                key = str(p.loc[1]) if len(p.loc) > 1 else ""
                errors.setdefault(key, []).append(p.msg)
            status = 400
        except AuditConflict as exc:
            errors[""] = [str(exc)[:1].upper() + str(exc)[1:] + "."]
            status = 409
        else:
            if submit:
                messages.success(request, "Thank you: your answers are submitted.")
            else:
                messages.success(
                    request, f"Saved {saved} answer{'s' if saved != 1 else ''}; submit when you are done."
                )
            return redirect(request.get_full_path())
    respondent.refresh_from_db()
    answered = sum(1 for r in rows if r.rating is not None)
    return render(
        request,
        "audit/answer.html",
        {
            "base": base,
            "audit": audit,
            "respondent": respondent,
            "rows": rows,
            "errors": errors,
            "general": errors.get("", []),
            "typed": typed,
            "answered": answered,
            "locked": respondent.submitted_at is not None or not audit.is_open,
        },
        status=status,
    )


@member_required
@require_http_methods(["GET", "POST"])
def answer(request: MemberRequest, audit_id: int) -> HttpResponse:
    audit = audit_for(request.membership, audit_id, action="audit.respond")
    respondent = respondent_of(audit, request.user)
    assert respondent is not None  # the audit.respond rule holds only for a respondent
    return answer_page(request, audit, respondent)


@require_http_methods(["GET", "POST"])
def answer_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """No sign-in: the personal link is the respondent's key. A link nobody has answers 404; an
    expired one (or a closed audit) says so, and nothing is written."""
    try:
        respondent = svc.respondent_by_token(token)
    except Respondent.DoesNotExist:
        return render(
            request,
            "audit/link_problem.html",
            {"message": "This link is not valid. Check that it was copied whole."},
            status=404,
        )
    except LinkExpired as exc:
        return render(request, "audit/link_problem.html", {"message": str(exc)}, status=410)
    return answer_page(request, respondent.audit, respondent, base="audit/public_base.html")
