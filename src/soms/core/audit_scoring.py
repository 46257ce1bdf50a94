"""Scoring a service audit, and measuring where respondents disagree. Pure.

This docstring is the specification; `RULE_TEXT` says the same to the people reading a result, and
every result carries its own explanation with its figures, so a page or report can print it as is.

Answers
-------
Each question has its own answer set:

* a **maturity scale** (`AnswerSet.maturity`): whole numbers, each with an anchor that says what that
  score looks like (e.g. 1 "nothing written down" ... 5 "measured and improved on purpose");
* **yes / partly / no**;
* a **number** within a range, where higher or lower is better, optionally with *steps* (the values
  that count as reaching a whole level, for the gated rule).

Every answer becomes its **share of the scale**: 0 at the worst answer, 1 at the best (a maturity
rating r on a scale a..b: (r - a) / (b - a); yes 1, partly 0.5, no 0; a number by where it sits in its
range, turned round when lower is better). Shares are what the rules combine, so questions on
different scales can sit in one element.

**Not applicable** (`NA`), allowed per question, is left out of every figure: never a zero, never a
full mark. A question with no answer yet is left out too and listed as unanswered. A weight of 0 means
"shown but not scored". Negative weights are refused, and so are weights that sum to zero, because a
weighted mean of nothing is not a score: `RuleInputError` names the element (``weights.<element>``).

Rules (chosen per template)
---------------------------
* **weighted mean**: sum of weight x share over the applicable questions, divided by their total
  weight. Good at showing overall progress; a strong answer can hide a weak one.
* **minimum**: the lowest share among the applicable questions. An element is as good as its weakest
  part; nothing hides.
* **gated**: the whole level that every applicable question has fully reached. A level counts only
  when all its criteria are met: on a maturity scale, a rating is a level reached; "partly" is not
  "yes", so it reaches nothing; a number reaches the highest step it has passed (without steps, only
  the top of its range counts). So gated is never above minimum, and equals it when every answer is
  a whole maturity level.

**Percent to target** (beside whichever rule): for the questions with a target, the sum of weight x
min(share, target share) divided by the sum of weight x target share. Each question is capped at its
target, so overshooting one question cannot make up for falling short on another.

Scores are computed per element and over the whole audit (the same rule over every applicable
question of the audit).

Disagreement
------------
`spread` measures, per question, how far respondents' independent answers lie apart, on the share
scale so that different answer sets compare: the range (best minus worst share) and the population
standard deviation (the respondents are the whole panel, not a sample). A split between "not
applicable" and a rating is a disagreement too. Questions come most-disagreed first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from soms.core.errors import RuleInputError

__all__ = [
    "NA",
    "RULE_TEXT",
    "TARGET_TEXT",
    "Anchor",
    "Answer",
    "AnswerKind",
    "AnswerSet",
    "AuditScore",
    "Question",
    "QuestionSpread",
    "ScoreResult",
    "ScoringRule",
    "QuestionChange",
    "check_template",
    "compare",
    "score_audit",
    "share_of",
    "spread",
]

NA: Final = "n/a"

# What a respondent or a consensus answers: a maturity rating (int), "yes"/"partly"/"no", a number,
# or NA.
Answer = int | float | str


class AnswerKind(StrEnum):
    MATURITY = "maturity"
    YES_PARTLY_NO = "yes_partly_no"
    NUMBER = "number"


class ScoringRule(StrEnum):
    WEIGHTED_MEAN = "weighted_mean"
    MINIMUM = "minimum"
    GATED = "gated"


RULE_TEXT: Final[Mapping[ScoringRule, str]] = {
    ScoringRule.WEIGHTED_MEAN: (
        "Weighted mean: each answer is turned into a share of its scale (the lowest answer 0 %, the "
        "highest 100 %; yes 100 %, partly 50 %, no 0 %), multiplied by the question's weight, and the "
        "total is divided by the total weight of the questions that apply. Questions marked not "
        "applicable are left out altogether: they neither raise nor lower the score."
    ),
    ScoringRule.MINIMUM: (
        "Minimum: the score is the lowest share of its scale among the questions that apply (the lowest "
        "answer 0 %, the highest 100 %). An element is as strong as its weakest question. Questions "
        "marked not applicable, or weighted 0, are left out."
    ),
    ScoringRule.GATED: (
        "Gated: a level counts only when all its criteria are met. The score is the whole level that "
        "every question that applies has fully reached: 'partly' does not count as 'yes', and a number "
        "counts only at the steps its answer set defines. It is never above the minimum. Questions "
        "marked not applicable, or weighted 0, are left out."
    ),
}

TARGET_TEXT: Final = (
    "Percent to target: for each question with a target, the answer counts up to its target and no "
    "further, so exceeding the target on one question cannot make up for falling short on another; "
    "the capped answers, weighted, are divided by the weighted targets."
)


@dataclass(frozen=True)
class Anchor:
    value: int
    label: str
    description: str = ""  # what this score looks like in practice


_YPN: Final[Mapping[str, float]] = {"no": 0.0, "partly": 0.5, "yes": 1.0}


@dataclass(frozen=True)
class AnswerSet:
    kind: AnswerKind
    anchors: tuple[Anchor, ...] = ()  # maturity: the scale, lowest first
    minimum: float = 0.0  # number
    maximum: float = 1.0  # number
    higher_is_better: bool = True  # number
    steps: tuple[float, ...] = ()  # number: values that count as a whole level (gated)

    @classmethod
    def maturity(cls, labels: Sequence[str], *, start: int = 1) -> AnswerSet:
        return cls(AnswerKind.MATURITY, tuple(Anchor(start + i, label) for i, label in enumerate(labels)))

    @classmethod
    def yes_partly_no(cls) -> AnswerSet:
        return cls(AnswerKind.YES_PARTLY_NO)

    @classmethod
    def number(
        cls, minimum: float, maximum: float, *, higher_is_better: bool = True, steps: Sequence[float] = ()
    ) -> AnswerSet:
        return cls(AnswerKind.NUMBER, (), minimum, maximum, higher_is_better, tuple(steps))

    def check(self, where: str) -> None:
        if self.kind == AnswerKind.MATURITY:
            values = [a.value for a in self.anchors]
            if len(values) < 2:
                raise RuleInputError(f"{where}.anchors", "a maturity scale needs at least two anchors")
            if values != list(range(values[0], values[0] + len(values))):
                raise RuleInputError(
                    f"{where}.anchors", "anchors must be consecutive whole numbers, lowest first"
                )
        elif self.kind == AnswerKind.NUMBER:
            if (
                not (math.isfinite(self.minimum) and math.isfinite(self.maximum))
                or self.minimum >= self.maximum
            ):
                raise RuleInputError(f"{where}.maximum", "a number's range needs a minimum below its maximum")
            for s in self.steps:
                if not (self.minimum <= s <= self.maximum):
                    raise RuleInputError(
                        f"{where}.steps", f"step {s} lies outside {self.minimum}..{self.maximum}"
                    )


def share_of(answers: AnswerSet, value: Answer, where: str = "answer") -> float:
    """An answer's share of its scale, 0 (worst) to 1 (best). Raises `RuleInputError` naming `where`
    for a value outside the answer set. NA has no share: callers leave it out."""
    if answers.kind == AnswerKind.MATURITY:
        if isinstance(value, bool) or not isinstance(value, int):
            raise RuleInputError(where, "must be a whole number on the maturity scale")
        low, high = answers.anchors[0].value, answers.anchors[-1].value
        if not low <= value <= high:
            raise RuleInputError(where, f"must be between {low} and {high}")
        return (value - low) / (high - low)
    if answers.kind == AnswerKind.YES_PARTLY_NO:
        if not isinstance(value, str) or value not in _YPN:
            raise RuleInputError(where, "must be yes, partly or no")
        return _YPN[value]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RuleInputError(where, "must be a number")
    if not answers.minimum <= value <= answers.maximum:
        raise RuleInputError(where, f"must be between {answers.minimum:g} and {answers.maximum:g}")
    share = (value - answers.minimum) / (answers.maximum - answers.minimum)
    return share if answers.higher_is_better else 1.0 - share


def _reached(answers: AnswerSet, value: Answer, share: float) -> float:
    """The share of the whole level an answer has fully reached (the gated rule), never above `share`."""
    if answers.kind == AnswerKind.MATURITY:
        return share
    if answers.kind == AnswerKind.YES_PARTLY_NO:
        return 1.0 if value == "yes" else 0.0
    passed = [share_of(answers, s) for s in answers.steps if share_of(answers, s) <= share]
    if share >= 1.0:
        return 1.0
    return max(passed, default=0.0)


@dataclass(frozen=True)
class Question:
    code: str
    element: str
    answers: AnswerSet
    weight: float = 1.0
    target: Answer | None = None  # in the answer set's own terms (a rating, "yes", a number)
    allow_na: bool = True
    # A target given as a share of the scale (0..1) instead, e.g. an audit's target per element;
    # used when `target` is None.
    target_share: float | None = None

    def wanted_share(self) -> float | None:
        if self.target is not None:
            return share_of(self.answers, self.target, f"targets.{self.code}")
        return self.target_share


def check_template(questions: Sequence[Question]) -> None:
    """Refuse a template that cannot be scored: duplicate codes, bad answer sets or targets, negative
    weights, or an element (or the whole template) whose weights sum to zero."""
    seen: set[str] = set()
    totals: dict[str, float] = {}
    for i, q in enumerate(questions):
        if q.code in seen:
            raise RuleInputError(f"questions[{i}].code", f"question {q.code!r} appears twice")
        seen.add(q.code)
        q.answers.check(f"questions.{q.code}.answers")
        if not math.isfinite(q.weight) or q.weight < 0:
            raise RuleInputError(f"weights.{q.code}", "must be zero or more")
        if q.target is not None:
            share_of(q.answers, q.target, f"targets.{q.code}")
        elif q.target_share is not None and not (
            math.isfinite(q.target_share) and 0.0 <= q.target_share <= 1.0
        ):
            raise RuleInputError(f"targets.{q.code}", "a target share must lie between 0 and 1")
        totals[q.element] = totals.get(q.element, 0.0) + q.weight
    for element, total in totals.items():
        if total <= 0:
            raise RuleInputError(
                f"weights.{element}", "the weights of this element's questions sum to zero; give one a weight"
            )


@dataclass(frozen=True)
class ScoreResult:
    scope: str  # an element code, or "overall"
    rule: ScoringRule
    score: float | None  # share of the scale, 0..1; None when no question applies
    on_scale: (
        float | None
    )  # the score in the scale's own units, when every question shares one maturity scale
    to_target: (
        float | None
    )  # percent to target as 0..1; None when no question has a target above its lowest answer
    applicable: int
    not_applicable: tuple[str, ...]
    unanswered: tuple[str, ...]
    limiting: tuple[str, ...]  # minimum and gated: the question(s) that set the score
    explanation: str


@dataclass(frozen=True)
class AuditScore:
    rule: ScoringRule
    elements: tuple[ScoreResult, ...]
    overall: ScoreResult
    rule_text: str

    def element(self, code: str) -> ScoreResult:
        for e in self.elements:
            if e.scope == code:
                return e
        raise KeyError(code)


def score_audit(
    questions: Sequence[Question],
    answers: Mapping[str, Answer],
    rule: ScoringRule,
) -> AuditScore:
    """Score one set of answers (a consensus, or one respondent's) by `rule`, per element in the order
    the questions first name them, and overall. Raises `RuleInputError` for a bad template, an answer
    outside its answer set (``answers.<code>``), NA where it is not allowed, or an answer to no question."""
    check_template(questions)
    known = {q.code: q for q in questions}
    for code in answers:
        if code not in known:
            raise RuleInputError(f"answers.{code}", "no such question in this template")
    rated: list[tuple[Question, float, float]] = []  # question, share, reached
    na: set[str] = set()
    for q in questions:
        if q.code not in answers:
            continue
        value = answers[q.code]
        if value == NA:
            if not q.allow_na:
                raise RuleInputError(
                    f"answers.{q.code}", "this question must be answered; it cannot be not applicable"
                )
            na.add(q.code)
            continue
        share = share_of(q.answers, value, f"answers.{q.code}")
        rated.append((q, share, _reached(q.answers, value, share)))
    elements = list(dict.fromkeys(q.element for q in questions))
    results = tuple(
        _score(element, [q for q in questions if q.element == element], rated, na, answers, rule)
        for element in elements
    )
    overall = _score("overall", list(questions), rated, na, answers, rule)
    return AuditScore(rule, results, overall, RULE_TEXT[rule] + " " + TARGET_TEXT)


def _score(
    scope: str,
    questions: Sequence[Question],
    rated: Sequence[tuple[Question, float, float]],
    na: set[str],
    answers: Mapping[str, Answer],
    rule: ScoringRule,
) -> ScoreResult:
    codes = {q.code for q in questions}
    mine = [(q, s, r) for q, s, r in rated if q.code in codes]
    not_applicable = tuple(q.code for q in questions if q.code in na)
    unanswered = tuple(q.code for q in questions if q.code not in answers)
    counted = [(q, s, r) for q, s, r in mine if q.weight > 0]
    score: float | None = None
    limiting: tuple[str, ...] = ()
    if counted:
        if rule == ScoringRule.WEIGHTED_MEAN:
            score = sum(q.weight * s for q, s, _ in counted) / sum(q.weight for q, _, _ in counted)
        else:
            values = [(q, s if rule == ScoringRule.MINIMUM else r) for q, s, r in counted]
            score = min(v for _, v in values)
            limiting = tuple(q.code for q, v in values if v == score)

    targeted = [(q, s, t) for q, s, _ in counted if (t := q.wanted_share()) is not None]
    wanted = sum(q.weight * t for q, _, t in targeted)
    to_target = sum(q.weight * min(s, t) for q, s, t in targeted) / wanted if wanted > 0 else None

    scales = {q.answers.anchors for q, _, _ in counted}
    on_scale = None
    if (
        score is not None
        and len(scales) == 1
        and all(q.answers.kind == AnswerKind.MATURITY for q, _, _ in counted)
    ):
        (anchors,) = scales
        on_scale = anchors[0].value + score * (anchors[-1].value - anchors[0].value)

    return ScoreResult(
        scope=scope,
        rule=rule,
        score=score,
        on_scale=on_scale,
        to_target=to_target,
        applicable=len(mine),
        not_applicable=not_applicable,
        unanswered=unanswered,
        limiting=limiting,
        explanation=_explain(
            rule, score, on_scale, to_target, len(counted), not_applicable, unanswered, limiting, mine
        ),
    )


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _explain(
    rule: ScoringRule,
    score: float | None,
    on_scale: float | None,
    to_target: float | None,
    counted: int,
    not_applicable: Sequence[str],
    unanswered: Sequence[str],
    limiting: Sequence[str],
    mine: Sequence[tuple[Question, float, float]],
) -> str:
    parts: list[str] = []
    if score is None:
        parts.append("Not scored: no question with a weight above 0 applies yet.")
    else:
        scale = f" ({on_scale:g} on the scale)" if on_scale is not None else ""
        n = f"{counted} question{'s' if counted != 1 else ''}"
        if rule == ScoringRule.WEIGHTED_MEAN:
            parts.append(f"Weighted mean of {n}: {_pct(score)}{scale}.")
        elif rule == ScoringRule.MINIMUM:
            parts.append(f"Lowest of {n}: {_pct(score)}{scale}, set by {', '.join(limiting)}.")
        else:
            parts.append(
                f"Level every one of {n} has fully reached: {_pct(score)}{scale}, held back by {', '.join(limiting)}."
            )
    zero = [q.code for q, _, _ in mine if q.weight == 0]
    if zero:
        parts.append(f"Weighted 0, shown but not scored: {', '.join(zero)}.")
    if not_applicable:
        parts.append(f"Not applicable, left out: {', '.join(not_applicable)}.")
    if unanswered:
        parts.append(f"Not answered yet, left out: {', '.join(unanswered)}.")
    if to_target is not None:
        parts.append(f"{_pct(to_target)} of the way to target.")
    return " ".join(parts)


# --- disagreement ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionSpread:
    question: str
    rated: int  # respondents who gave a rating
    not_applicable: int  # respondents who said not applicable
    lowest: Answer | None  # the least favourable rating, in the answer set's own terms
    highest: Answer | None  # the most favourable
    range: float  # highest share minus lowest share, 0..1
    stdev: float  # population standard deviation of the shares
    wide: bool  # range at or above the threshold, or a split between NA and a rating
    # The lower median answer: a starting point for the lead's consensus, never a substitute for it
    # (the lower one, so that an even split does not round anyone up).
    median: Answer | None = None

    @property
    def na_split(self) -> bool:
        return self.rated > 0 and self.not_applicable > 0


def spread(
    questions: Sequence[Question],
    responses: Iterable[Mapping[str, Answer]],
    *,
    wide_at: float = 0.5,
) -> list[QuestionSpread]:
    """How far respondents' answers lie apart per question, most-disagreed first (by range, then
    standard deviation, then an NA split, then template order). `wide_at` is the range, as a share of
    the scale, from which a consensus should carry a reason (0.5: two steps on a 1-5 scale)."""
    order = {q.code: i for i, q in enumerate(questions)}
    ratings: dict[str, list[tuple[float, Answer]]] = {q.code: [] for q in questions}
    nas: dict[str, int] = dict.fromkeys(order, 0)
    for n, response in enumerate(responses):
        for code, value in response.items():
            if code not in order:
                raise RuleInputError(f"responses[{n}].{code}", "no such question in this template")
            if value == NA:
                nas[code] += 1
            else:
                q = questions[order[code]]
                ratings[code].append((share_of(q.answers, value, f"responses[{n}].{code}"), value))
    out = []
    for q in questions:
        got = ratings[q.code]
        shares = [s for s, _ in got]
        low: tuple[float, Answer] | None = None
        high: tuple[float, Answer] | None = None
        if shares:
            low = min(got, key=lambda sv: sv[0])
            high = max(got, key=lambda sv: sv[0])
            mean = sum(shares) / len(shares)
            width = high[0] - low[0]
            deviation = math.sqrt(sum((s - mean) ** 2 for s in shares) / len(shares))
        else:
            width = deviation = 0.0
        split = bool(shares) and nas[q.code] > 0
        out.append(
            QuestionSpread(
                q.code,
                len(shares),
                nas[q.code],
                low[1] if low else None,
                high[1] if high else None,
                width,
                deviation,
                width >= wide_at or split,
                sorted(got, key=lambda sv: sv[0])[(len(got) - 1) // 2][1] if got else None,
            )
        )
    out.sort(key=lambda s: (-s.range, -s.stdev, not s.na_split, order[s.question]))
    return out


# --- re-audits -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionChange:
    question: str
    before: Answer | None  # the baseline's answer (NA included); None: not answered then
    after: Answer | None
    change: float | None  # after share minus before share; None unless both are ratings
    direction: str  # better | worse | same | newly rated | no longer rated | not rated


def compare(
    questions: Sequence[Question],
    baseline: Mapping[str, Answer],
    current: Mapping[str, Answer],
) -> list[QuestionChange]:
    """Question by question, a re-audit against its baseline (both consensus answers), in template
    order. Shares make the change comparable across answer sets; NA on either side is no rating."""
    out = []
    for q in questions:
        before, after = baseline.get(q.code), current.get(q.code)
        b = None if before is None or before == NA else share_of(q.answers, before, f"baseline.{q.code}")
        a = None if after is None or after == NA else share_of(q.answers, after, f"current.{q.code}")
        if a is not None and b is not None:
            change: float | None = a - b
            direction = "better" if a > b else "worse" if a < b else "same"
        else:
            change = None
            direction = (
                "newly rated" if a is not None else "no longer rated" if b is not None else "not rated"
            )
        out.append(QuestionChange(q.code, before, after, change, direction))
    return out
