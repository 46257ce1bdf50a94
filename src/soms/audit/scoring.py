"""Models → `soms.core.audit_scoring` data, and the figures pages, API and reports show."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from soms.audit.models import AnswerKind, Audit, Consensus, Question, Rating, Respondent
from soms.core import audit_scoring as core
from soms.core.audit_scoring import NA, Answer

WIDE_AT = 0.5  # a range of half the scale (two steps on 1–5) needs a reason for the consensus


def answer_set(q: Question) -> core.AnswerSet:
    if q.kind == AnswerKind.MATURITY:
        return core.AnswerSet(
            core.AnswerKind.MATURITY,
            tuple(
                core.Anchor(int(a["value"]), str(a.get("label", "")), str(a.get("description", "")))
                for a in q.anchors
            ),
        )
    if q.kind == AnswerKind.YES_PARTLY_NO:
        return core.AnswerSet.yes_partly_no()
    return core.AnswerSet.number(
        q.minimum, q.maximum, higher_is_better=q.higher_is_better, steps=[float(s) for s in q.steps]
    )


def core_question(q: Question, targets: Mapping[str, float] | None = None) -> core.Question:
    target = (targets or {}).get(q.element.code)
    return core.Question(
        q.code,
        q.element.code,
        answer_set(q),
        weight=q.weight,
        allow_na=q.allow_na,
        target_share=float(target) if target is not None else None,
    )


def core_questions(
    questions: Iterable[Question], targets: Mapping[str, float] | None = None
) -> list[core.Question]:
    return [core_question(q, targets) for q in questions]


def answer_of(value: Any, not_applicable: bool) -> Answer:
    return NA if not_applicable else value


def consensus_answers(rows: Iterable[Consensus], questions: Mapping[int, Question]) -> dict[str, Answer]:
    return {questions[c.question_id].code: answer_of(c.value, c.not_applicable) for c in rows}


def rating_answers(rows: Iterable[Rating], questions: Mapping[int, Question]) -> dict[str, Answer]:
    return {questions[r.question_id].code: answer_of(r.value, r.not_applicable) for r in rows}


def show(q: Question, value: Any, not_applicable: bool = False) -> str:
    """An answer as people read it: "3 · Defined", "partly", "82 %", "n/a"."""
    if not_applicable or value == NA:
        return "n/a"
    if value is None:
        return "–"
    if q.kind == AnswerKind.MATURITY:
        label = next((a.get("label", "") for a in q.anchors if a.get("value") == value), "")
        return f"{value} · {label}" if label else str(value)
    if q.kind == AnswerKind.NUMBER:
        return f"{value:g}{(' ' + q.unit) if q.unit and q.unit != '%' else q.unit}"
    return str(value)


@dataclass(frozen=True)
class Results:
    """An audit's consensus scored by its template's rule, with the rule in words."""

    score: core.AuditScore
    element_names: dict[str, str]
    answered: int
    total: int

    @property
    def rule_text(self) -> str:
        return self.score.rule_text


def audit_results(audit: Audit, questions: Sequence[Question], consensus: Iterable[Consensus]) -> Results:
    by_id = {q.pk: q for q in questions}
    answers = consensus_answers(consensus, by_id)
    score = core.score_audit(
        core_questions(questions, audit.targets), answers, core.ScoringRule(audit.template.rule)
    )
    names = {q.element.code: q.element.name for q in questions}
    return Results(score, names, len(answers), len(questions))


def respondent_answers(
    respondents: Sequence[Respondent], ratings: Iterable[Rating], questions: Mapping[int, Question]
) -> list[dict[str, Answer]]:
    per: dict[int, dict[str, Answer]] = {r.pk: {} for r in respondents}
    for rating in ratings:
        if rating.respondent_id in per:
            per[rating.respondent_id][questions[rating.question_id].code] = answer_of(
                rating.value, rating.not_applicable
            )
    return list(per.values())
