"""Reads of the Service Audit Tool: lists, an audit's results, the lead's spread view, comparisons
with the baseline and target, and units against each other. Each reads a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from soms.audit.models import (
    Action,
    Audit,
    AuditStatus,
    AuditTemplate,
    Consensus,
    Evidence,
    Finding,
    Question,
    Rating,
    Respondent,
)
from soms.audit.scoring import Results, answer_of, audit_results, core_questions, show
from soms.audit.services.audits import question_spreads
from soms.core import audit_scoring as core
from soms.tenancy.models import Membership


def questions_of(template: AuditTemplate | int) -> list[Question]:
    tid = template if isinstance(template, int) else template.pk
    return list(Question.objects.filter(template_id=tid).select_related("element").order_by("order", "id"))


def elements_of(questions: list[Question]) -> list[tuple[str, str]]:
    """(code, name) of the elements the questions sit in, in framework order."""
    seen: dict[str, tuple[int, str]] = {}
    for q in questions:
        seen.setdefault(q.element.code, (q.element.order, q.element.name))
    return [(code, name) for code, (_, name) in sorted(seen.items(), key=lambda kv: kv[1][0])]


def audits_of(membership: Membership) -> QuerySet[Audit]:
    return (
        Audit.objects.filter(organisation_id=membership.organisation_id)
        .select_related("template", "unit", "lead", "baseline")
        .annotate(
            respondent_count=Count("respondents", distinct=True),
            submitted_count=Count(
                "respondents", filter=Q(respondents__submitted_at__isnull=False), distinct=True
            ),
        )
    )


def results_of(audit: Audit, questions: list[Question] | None = None) -> Results:
    qs = questions if questions is not None else questions_of(audit.template_id)
    return audit_results(audit, qs, Consensus.objects.filter(audit=audit))


def element_scores(results: Results) -> dict[str, float | None]:
    return {e.scope: e.score for e in results.score.elements}


@dataclass
class SpreadRow:
    question: Question
    spread: core.QuestionSpread
    answers: list[tuple[str, str]]  # (respondent name, answer shown)
    consensus: Consensus | None
    consensus_shown: str
    baseline_shown: str


def spread_view(audit: Audit) -> list[SpreadRow]:
    """Every question, most-disagreed first, with each submitted respondent's answer and the
    consensus so far (and the baseline's, in a re-audit)."""
    questions = questions_of(audit.template_id)
    by_code = {q.code: q for q in questions}
    respondents = list(
        Respondent.objects.filter(audit=audit, submitted_at__isnull=False).order_by("name", "id")
    )
    ratings: dict[tuple[int, int], Rating] = {
        (r.respondent_id, r.question_id): r for r in Rating.objects.filter(respondent__in=respondents)
    }
    consensus = {c.question_id: c for c in Consensus.objects.filter(audit=audit)}
    baseline = (
        {c.question_id: c for c in Consensus.objects.filter(audit_id=audit.baseline_id)}
        if audit.baseline_id
        else {}
    )
    rows = []
    for s in question_spreads(audit, questions):
        q = by_code[s.question]
        answers = []
        for resp in respondents:
            r = ratings.get((resp.pk, q.pk))
            answers.append((resp.name, show(q, r.value, r.not_applicable) if r else "–"))
        c = consensus.get(q.pk)
        b = baseline.get(q.pk)
        rows.append(
            SpreadRow(
                q,
                s,
                answers,
                c,
                show(q, c.value, c.not_applicable) if c else "",
                show(q, b.value, b.not_applicable) if b else "",
            )
        )
    return rows


@dataclass
class MyAnswer:
    question: Question
    rating: Rating | None
    consensus_shown: str = ""
    baseline_shown: str = ""
    mine_shown: str = ""


def my_answers(audit: Audit, respondent: Respondent) -> list[MyAnswer]:
    """A respondent's own answers, question by question; the consensus beside them once they have
    submitted (never before: each answers independently)."""
    questions = questions_of(audit.template_id)
    ratings = {r.question_id: r for r in Rating.objects.filter(respondent=respondent)}
    consensus = (
        {c.question_id: c for c in Consensus.objects.filter(audit=audit)} if respondent.submitted_at else {}
    )
    baseline = (
        {c.question_id: c for c in Consensus.objects.filter(audit_id=audit.baseline_id)}
        if audit.baseline_id
        else {}
    )
    out = []
    for q in questions:
        r, c, b = ratings.get(q.pk), consensus.get(q.pk), baseline.get(q.pk)
        out.append(
            MyAnswer(
                q,
                r,
                show(q, c.value, c.not_applicable) if c else "",
                show(q, b.value, b.not_applicable) if b else "",
                show(q, r.value, r.not_applicable) if r else "",
            )
        )
    return out


@dataclass
class ElementLine:
    code: str
    name: str
    baseline: float | None
    current: float | None
    target: float | None
    explanation: str


@dataclass
class Comparison:
    elements: list[ElementLine]
    changes: list[
        tuple[Question, core.QuestionChange, str, str, str]
    ]  # question, change, before, after, reason
    overall_baseline: float | None
    overall_current: float | None


def comparison_of(audit: Audit) -> Comparison:
    """Element by element and question by question: the audit against its baseline and target."""
    questions = questions_of(audit.template_id)
    by_id = {q.pk: q for q in questions}
    current = results_of(audit, questions)
    now_rows = {c.question_id: c for c in Consensus.objects.filter(audit=audit)}
    base_rows = (
        {c.question_id: c for c in Consensus.objects.filter(audit_id=audit.baseline_id)}
        if audit.baseline_id
        else {}
    )
    base_results = results_of(audit.baseline, questions) if audit.baseline_id and audit.baseline else None
    lines = []
    for code, name in elements_of(questions):
        cur = current.score.element(code)
        base = base_results.score.element(code).score if base_results else None
        lines.append(ElementLine(code, name, base, cur.score, audit.targets.get(code), cur.explanation))
    changes = []
    if base_rows:
        now_answers = {by_id[k].code: answer_of(c.value, c.not_applicable) for k, c in now_rows.items()}
        base_answers = {
            by_id[k].code: answer_of(c.value, c.not_applicable) for k, c in base_rows.items() if k in by_id
        }
        by_code = {q.code: q for q in questions}
        for ch in core.compare(core_questions(questions), base_answers, now_answers):
            q = by_code[ch.question]
            c = now_rows.get(q.pk)
            changes.append(
                (
                    q,
                    ch,
                    show(q, ch.before) if ch.before is not None else "–",
                    show(q, ch.after) if ch.after is not None else "–",
                    c.reason if c else "",
                )
            )
    return Comparison(
        lines,
        changes,
        base_results.score.overall.score if base_results else None,
        current.score.overall.score,
    )


@dataclass
class UnitMatrix:
    rows: list[str]  # scope names
    columns: list[tuple[str, str]]  # element (code, name)
    values: list[list[float | None]]
    audits: list[Audit]
    distribution: list[tuple[str, float | None, float | None, float | None, int]] = field(
        default_factory=list
    )


def units_matrix(audit: Audit) -> UnitMatrix:
    """The latest audit of each scope (organisation or unit) on the same template family, element
    scores side by side: the heatmap rows, and per element the lowest, median and highest score."""
    family = AuditTemplate.objects.filter(code=audit.template.code).values_list("pk", flat=True)
    latest: dict[Any, Audit] = {}
    for a in (
        Audit.objects.filter(organisation_id=audit.organisation_id, template_id__in=list(family))
        .select_related("unit", "template")
        .order_by("-date", "-id")[:200]
    ):
        latest.setdefault(a.unit_id, a)
    audits = sorted(latest.values(), key=lambda a: a.scope_name)
    questions = questions_of(audit.template_id)
    columns = elements_of(questions)
    values = []
    per_template: dict[int, list[Question]] = {audit.template_id: questions}
    for a in audits:
        qs = per_template.setdefault(a.template_id, questions_of(a.template_id))
        scores = element_scores(results_of(a, qs))
        values.append([scores.get(code) for code, _ in columns])
    distribution = []
    for j, (_code, name) in enumerate(columns):
        got = [v for row in values if (v := row[j]) is not None]
        distribution.append(
            (
                name,
                min(got) if got else None,
                statistics.median(got) if got else None,
                max(got) if got else None,
                len(got),
            )
        )
    return UnitMatrix([a.scope_name for a in audits], columns, values, audits, distribution)


def findings_of(audit: Audit) -> list[Finding]:
    return list(Finding.objects.filter(audit=audit).select_related("element", "question", "carried_from"))


def actions_of(audit: Audit) -> list[Action]:
    return list(Action.objects.filter(audit=audit).select_related("element", "owner", "kpi", "finding"))


def evidence_of(audit: Audit) -> list[Evidence]:
    return list(Evidence.objects.filter(audit=audit).select_related("element", "question"))


def today() -> dt.date:
    return timezone.localdate()


def is_closed(audit: Audit) -> bool:
    return audit.status == AuditStatus.CLOSED
