"""Audit scoring rules and disagreement, by hand-worked examples and properties."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soms.core.audit_scoring import (
    NA,
    RULE_TEXT,
    AnswerSet,
    Question,
    ScoringRule,
    check_template,
    compare,
    score_audit,
    share_of,
    spread,
)
from soms.core.errors import RuleInputError

MATURITY = AnswerSet.maturity(["initial", "repeatable", "defined", "managed", "improving"])
YPN = AnswerSet.yes_partly_no()
ANSWERED_IN_20S = AnswerSet.number(0, 100, steps=(50, 80))

TEMPLATE = [
    Question("q1", "cx", MATURITY, weight=2, target=4),
    Question("q2", "cx", YPN, target="yes"),
    Question("q3", "cx", ANSWERED_IN_20S, target=80),
    Question("q4", "dl", MATURITY),
    Question("q5", "dl", MATURITY, weight=0),
]
ANSWERS = {"q1": 3, "q2": "partly", "q3": 90, "q4": NA, "q5": 5}
WM, MIN, GATED = ScoringRule.WEIGHTED_MEAN, ScoringRule.MINIMUM, ScoringRule.GATED


def test_shares_of_each_answer_set():
    assert [share_of(MATURITY, r) for r in (1, 3, 5)] == [0.0, 0.5, 1.0]
    assert [share_of(YPN, a) for a in ("no", "partly", "yes")] == [0.0, 0.5, 1.0]
    assert share_of(ANSWERED_IN_20S, 90) == 0.9
    assert share_of(AnswerSet.number(0, 10, higher_is_better=False), 2) == 0.8


def test_weighted_mean_worked_by_hand():
    result = score_audit(TEMPLATE, ANSWERS, WM)
    cx = result.element("cx")
    # (2 x 0.5 + 1 x 0.5 + 1 x 0.9) / (2 + 1 + 1)
    assert cx.score == pytest.approx(0.6)
    assert cx.explanation.startswith("Weighted mean of 3 questions: 60 %.")
    assert result.overall.score == pytest.approx(0.6)  # dl has nothing scored to add
    assert "not applicable" in result.rule_text


def test_minimum_and_gated_worked_by_hand():
    cx = score_audit(TEMPLATE, ANSWERS, MIN).element("cx")
    assert (cx.score, cx.limiting) == (0.5, ("q1", "q2"))
    gated = score_audit(TEMPLATE, ANSWERS, GATED).element("cx")
    # q1 reached "defined" (0.5); "partly" reaches nothing; 90 passed the step at 80 (0.8).
    assert (gated.score, gated.limiting) == (0.0, ("q2",))
    assert "held back by q2" in gated.explanation


def test_percent_to_target_gives_no_credit_for_overshooting():
    cx = score_audit(TEMPLATE, ANSWERS, WM).element("cx")
    # capped: q1 min(0.5, 0.75) x 2, q2 min(0.5, 1), q3 min(0.9, 0.8) over 2 x 0.75 + 1 + 0.8
    assert cx.to_target == pytest.approx(2.3 / 3.3)
    assert "70 % of the way to target" in cx.explanation
    better = score_audit(TEMPLATE, {**ANSWERS, "q3": 100}, WM).element("cx")
    assert better.to_target == cx.to_target  # overshooting q3 further buys nothing
    assert better.score > cx.score  # while the mean does move


def test_not_applicable_and_weight_zero_leave_an_element_unscored_not_zero():
    dl = score_audit(TEMPLATE, ANSWERS, WM).element("dl")
    assert (dl.score, dl.not_applicable, dl.to_target) == (None, ("q4",), None)
    assert "Not scored" in dl.explanation and "Weighted 0, shown but not scored: q5" in dl.explanation
    partial = score_audit(TEMPLATE, {"q1": 3}, WM).element("cx")
    assert partial.unanswered == ("q2", "q3") and partial.score == 0.5


def test_one_maturity_scale_is_reported_in_its_own_units():
    qs = [Question("a", "x", MATURITY), Question("b", "x", MATURITY)]
    x = score_audit(qs, {"a": 2, "b": 4}, WM).element("x")
    assert (x.score, x.on_scale) == (0.5, 3.0)
    assert score_audit(qs, {"a": 2, "b": 4}, GATED).element("x").on_scale == 2.0
    assert score_audit(TEMPLATE, ANSWERS, WM).element("cx").on_scale is None


def test_bad_templates_and_answers_name_the_field():
    zero = [Question("a", "x", MATURITY, weight=0), Question("b", "x", YPN, weight=0)]
    with pytest.raises(RuleInputError) as err:
        check_template(zero)
    assert err.value.field == "weights.x"
    cases = [
        ([Question("a", "x", MATURITY, weight=-1)], {}, "weights.a"),
        (TEMPLATE, {"q1": 6}, "answers.q1"),
        (TEMPLATE, {"q2": "maybe"}, "answers.q2"),
        (TEMPLATE, {"q9": 1}, "answers.q9"),
        ([Question("a", "x", MATURITY, allow_na=False)], {"a": NA}, "answers.a"),
        ([Question("a", "x", MATURITY, target=9)], {}, "targets.a"),
        ([Question("a", "x", AnswerSet.maturity(["only"]))], {}, "questions.a.answers.anchors"),
        ([Question("a", "x", MATURITY), Question("a", "y", YPN)], {}, "questions[1].code"),
    ]
    for questions, answers, field in cases:
        with pytest.raises(RuleInputError) as err:
            score_audit(questions, answers, WM)
        assert err.value.field == field


def test_spread_puts_the_widest_disagreement_first():
    responses = [
        {"q1": 1, "q2": "yes", "q4": 3},
        {"q1": 3, "q2": "yes", "q4": NA},
        {"q1": 5, "q2": "yes", "q4": 3},
    ]
    rows = spread(TEMPLATE, responses)
    first = rows[0]
    assert (first.question, first.lowest, first.highest, first.range) == ("q1", 1, 5, 1.0)
    assert first.stdev == pytest.approx(
        (2 / 3) ** 0.5 / 2 * 2 / 2 * 2 / 2 * 2 / 2 * 2 / 2 * 2 / 2 * 2 / 2 * 1.0
    )
    assert first.wide and first.median == 3
    q4 = next(r for r in rows if r.question == "q4")
    assert (q4.range, q4.na_split, q4.wide) == (0.0, True, True)
    # Of the two with no range, the NA split sorts first.
    assert [r.question for r in rows][1] == "q4"
    assert [r.question for r in rows if r.rated == 0] == ["q3", "q5"]


def test_every_rule_has_words():
    assert set(RULE_TEXT) == set(ScoringRule)


# --- properties ------------------------------------------------------------------------------------

SETS = [MATURITY, YPN, ANSWERED_IN_20S, AnswerSet.number(0, 10, higher_is_better=False, steps=(2, 5))]


def answers_for(answer_set: AnswerSet):
    if answer_set is MATURITY:
        return st.integers(1, 5)
    if answer_set is YPN:
        return st.sampled_from(["yes", "partly", "no"])
    return st.integers(int(answer_set.minimum), int(answer_set.maximum)).map(float)


@st.composite
def audits(draw):
    n = draw(st.integers(1, 6))
    questions = []
    for i in range(n):
        answer_set = draw(st.sampled_from(SETS))
        target = draw(st.one_of(st.none(), answers_for(answer_set)))
        questions.append(
            Question(
                f"q{i}",
                draw(st.sampled_from(["a", "b"])),
                answer_set,
                draw(st.sampled_from([0, 0.5, 1, 3])),
                target,
            )
        )
    # Every element needs some weight, or the template is refused (tested separately).
    for element in {q.element for q in questions}:
        if not sum(q.weight for q in questions if q.element == element):
            k = next(i for i, q in enumerate(questions) if q.element == element)
            questions[k] = dataclasses.replace(questions[k], weight=1)
    answers = {}
    for q in questions:
        choice = draw(st.sampled_from(["rate", "rate", "na", "skip"]))
        if choice == "rate":
            answers[q.code] = draw(answers_for(q.answers))
        elif choice == "na":
            answers[q.code] = NA
    return questions, answers


PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def scores(questions, answers):
    out = {}
    for rule in ScoringRule:
        result = score_audit(questions, answers, rule)
        for r in (*result.elements, result.overall):
            out[(rule, r.scope, "score")] = r.score
            out[(rule, r.scope, "to_target")] = r.to_target
    return out


@PROPERTY
@given(audits(), st.data())
def test_property_monotone_in_every_rating(audit, data):
    questions, answers = audit
    rated = [q for q in questions if q.code in answers and answers[q.code] != NA]
    if not rated:
        return
    q = data.draw(st.sampled_from(rated))
    other = data.draw(answers_for(q.answers))
    if share_of(q.answers, other) < share_of(q.answers, answers[q.code]):
        return
    before, after = scores(questions, answers), scores(questions, {**answers, q.code: other})
    for key, value in before.items():
        if value is not None:
            assert after[key] is not None and after[key] >= value - 1e-12, key


@PROPERTY
@given(audits(), st.data())
def test_property_not_applicable_is_neutral(audit, data):
    questions, answers = audit
    q = data.draw(st.sampled_from(questions))
    rest = [x for x in questions if x.code != q.code]
    same = [x for x in rest if x.element == q.element]
    if not rest or (same and not sum(x.weight for x in same)):
        return  # without q the template would be refused, which is tested elsewhere
    marked = {**answers, q.code: NA}
    without = {k: v for k, v in answers.items() if k != q.code}
    for rule in ScoringRule:
        a, b = score_audit(questions, marked, rule), score_audit(rest, without, rule)
        assert a.overall.score == b.overall.score and a.overall.to_target == b.overall.to_target
        for e in b.elements:
            assert a.element(e.scope).score == e.score


@PROPERTY
@given(audits())
def test_property_gated_is_never_above_minimum(audit):
    questions, answers = audit
    gated, minimum = score_audit(questions, answers, GATED), score_audit(questions, answers, MIN)
    for g, m in zip((*gated.elements, gated.overall), (*minimum.elements, minimum.overall), strict=True):
        assert (g.score is None) == (m.score is None)
        if g.score is not None:
            assert g.score <= m.score


@PROPERTY
@given(audits(), st.sampled_from(["a", "b"]))
def test_property_weights_that_sum_to_zero_are_refused(audit, element):
    questions, answers = audit
    if not any(q.element == element for q in questions):
        return
    zeroed = [dataclasses.replace(q, weight=0) if q.element == element else q for q in questions]
    with pytest.raises(RuleInputError) as err:
        score_audit(zeroed, answers, WM)
    assert err.value.field == f"weights.{element}"


@PROPERTY
@given(audits(), st.data())
def test_property_spread_is_sorted_most_disagreed_first(audit, data):
    questions, _answers = audit
    responses = [
        {q.code: data.draw(st.one_of(st.just(NA), answers_for(q.answers))) for q in questions}
        for _ in range(data.draw(st.integers(1, 4)))
    ]
    rows = spread(questions, responses)
    assert len(rows) == len(questions)
    keys = [(-r.range, -r.stdev) for r in rows]
    assert keys == sorted(keys)
    for r in rows:
        assert 0 <= r.range <= 1 and 0 <= r.stdev <= 0.5 + 1e-12


def test_a_reaudit_compares_question_by_question():
    rows = compare(
        TEMPLATE,
        {"q1": 2, "q2": "yes", "q3": 50, "q4": 3},
        {"q1": 4, "q2": "partly", "q3": 50, "q4": NA, "q5": 1},
    )
    assert [(r.question, r.direction) for r in rows] == [
        ("q1", "better"),
        ("q2", "worse"),
        ("q3", "same"),
        ("q4", "no longer rated"),
        ("q5", "newly rated"),
    ]
    assert rows[0].change == 0.5
