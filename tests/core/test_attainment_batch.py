"""The batch evaluator (`AttainmentBatch`, what a recomputation of many people uses) answers exactly
what the per-person engine answers, for every person, whatever the order and however many share an
input. People are drawn from a small pool of days, statements and seqs so that many of them share an
element's input with someone evaluated earlier in the same batch (the memo is then really used)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soms.core.attainment import (
    AssessmentKind,
    AttainmentEngine,
    ChangeProjectRecord,
    Judgement,
    JudgementRecord,
    ProjectStatus,
)
from tests.core.test_attainment import worlds

PROPERTY = settings(
    deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
START = date(2022, 1, 1)
few_days = st.sampled_from([START + timedelta(days=d) for d in (0, 40, 400, 800, 1100, 1500)])


def project_lists(framework):
    return st.lists(
        st.builds(
            ChangeProjectRecord,
            id=st.sampled_from(["a", "b"]),
            status=st.sampled_from([ProjectStatus.COMPLETED, ProjectStatus.IN_PROGRESS]),
            areas=st.frozensets(st.sampled_from([*framework.elements, "other"]), max_size=3),
            completed_on=st.one_of(st.none(), few_days),
            validated_on=st.one_of(st.none(), few_days),
        ),
        max_size=2,
    )


@st.composite
def organisations(draw):
    framework, rules, _, _, now = draw(worlds())
    codes = [s.code for s in framework.statements]
    people = []
    for _ in range(draw(st.integers(1, 12))):
        judgements = []
        if codes:
            judgements = draw(
                st.lists(
                    st.builds(
                        JudgementRecord,
                        statement=st.sampled_from(codes),
                        judgement=st.sampled_from(list(Judgement)),
                        validated_on=st.one_of(st.none(), few_days),
                        kind=st.sampled_from(list(AssessmentKind)),
                        seq=st.integers(0, 1000),
                    ),
                    max_size=8,
                )
            )
        projects = draw(project_lists(framework))
        people.append((judgements, projects))
        if draw(st.booleans()):
            # Someone else with the same judgements under other seqs (other rows in the database),
            # with the same projects or others.
            again = [
                JudgementRecord(j.statement, j.judgement, j.validated_on, j.kind, j.seq + 7)
                for j in judgements
            ]
            people.append((again, projects if draw(st.booleans()) else draw(project_lists(framework))))
    return framework, rules, people, now


@PROPERTY
@given(organisations())
def test_property_the_batch_answers_what_the_engine_answers_for_each_person(world):
    framework, rules, people, now = world
    engine = AttainmentEngine(framework, rules)
    batch = engine.batch(now)
    got = [batch.evaluate(judgements, projects) for judgements, projects in people]
    want = [engine.evaluate(judgements, projects, now) for judgements, projects in people]
    assert got == want
    assert batch.evaluated <= len(people) * len(framework.elements)


def test_people_with_the_same_record_share_one_evaluation_per_element():
    from tests.core.test_attainment import SOMS_RULES, ok, soms_like

    framework = soms_like()
    engine = AttainmentEngine(framework, SOMS_RULES)
    batch = engine.batch(date(2026, 6, 1))
    first = [s.code for s in framework.statements][:3]
    a = batch.evaluate([ok(code, date(2026, 1, 5), seq=i) for i, code in enumerate(first)], [])
    b = batch.evaluate([ok(code, date(2026, 1, 5), seq=100 + i) for i, code in enumerate(first)], [])
    assert a == b == engine.evaluate([ok(code, date(2026, 1, 5)) for code in first], [], date(2026, 6, 1))
    assert batch.evaluated == len(framework.elements)


@PROPERTY
@given(organisations())
def test_property_histories_read_by_the_caller_answer_what_the_engine_answers(world):
    # What the attainment service does: it reads the judgements itself and hands over per statement
    # the entries of the validated ones up to `now`, in the database's order, not JudgementRecords.
    framework, rules, people, now = world
    engine = AttainmentEngine(framework, rules)
    batch = engine.batch(now)
    got = []
    for judgements, projects in people:
        histories: dict[str, list] = {}
        for j in reversed(judgements):
            if j.validated_on is not None and j.validated_on <= now:
                entry = batch.history_entry(j.judgement, j.validated_on, j.seq)
                histories.setdefault(j.statement, []).append(entry)
        got.append(batch.evaluate_histories(histories, projects))
    assert got == [engine.evaluate(judgements, projects, now) for judgements, projects in people]
