"""Carrying validated judgements to a new framework version."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soms.core.attainment import AssessmentKind, Judgement, JudgementRecord
from soms.core.carryover import MappingKind, ReassessReason, StatementMap, carry_over
from soms.core.errors import RuleInputError

MET, PARTLY, NOT_YET = Judgement.MET, Judgement.PARTLY, Judgement.NOT_YET
D1, D2, D3 = date(2024, 1, 1), date(2024, 6, 1), date(2025, 1, 1)


def j(code, judgement=MET, on=D1, **kw):
    return JudgementRecord(code, judgement, on, **kw)


def carry(mappings, judgements, new):
    return carry_over(
        mappings=[StatementMap(a, b, MappingKind(k)) for a, b, k in mappings],
        judgements=judgements,
        new_statements=new,
    )


def test_same_reworded_and_moved_carry_the_judgement_with_its_date_and_kind():
    out = carry(
        [("A", "A2", "same"), ("B", "B2", "reworded"), ("C", "C2", "moved")],
        [j("A", on=D1, kind=AssessmentKind.SELF), j("B", PARTLY, on=D2), j("C", NOT_YET, on=D3)],
        ["A2", "B2", "C2"],
    )
    got = {
        c.judgement.statement: (c.judgement.judgement, c.judgement.validated_on, c.sources)
        for c in out.carried
    }
    assert got == {"A2": (MET, D1, ("A",)), "B2": (PARTLY, D2, ("B",)), "C2": (NOT_YET, D3, ("C",))}
    assert out.carried[0].judgement.kind == AssessmentKind.SELF  # a validated self-assessment stays one
    assert out.to_reassess == () and out.dropped == ()


def test_only_the_standing_validated_judgement_carries():
    out = carry(
        [("A", "A2", "same")],
        [j("A", MET, D1), j("A", NOT_YET, D2), JudgementRecord("A", MET, None)],
        ["A2"],
    )
    (c,) = out.carried
    assert (c.judgement.judgement, c.judgement.validated_on) == (NOT_YET, D2)
    unvalidated = carry([("A", "A2", "same")], [JudgementRecord("A", MET, None)], ["A2"])
    assert unvalidated.carried == ()
    assert unvalidated.to_reassess[0].reason == ReassessReason.NOT_ASSESSED


def test_split_carries_to_every_successor():
    out = carry([("A", "A1", "split"), ("A", "A2", "split")], [j("A", on=D2)], ["A1", "A2"])
    assert sorted(c.judgement.statement for c in out.carried) == ["A1", "A2"]
    assert {c.judgement.validated_on for c in out.carried} == {D2}


def test_merged_carries_only_when_every_source_is_met_from_the_oldest_evidence():
    mappings = [("A", "M", "merged"), ("B", "M", "merged")]
    both = carry(mappings, [j("A", on=D2), j("B", on=D1, seq=4)], ["M"])
    (c,) = both.carried
    assert (c.judgement.judgement, c.judgement.validated_on, c.judgement.seq, c.sources) == (
        MET,
        D1,
        4,
        ("A", "B"),
    )
    half = carry(mappings, [j("A"), j("B", PARTLY)], ["M"])
    assert half.carried == ()
    (r,) = half.to_reassess
    assert (r.reason, r.sources, r.not_met) == (ReassessReason.MERGE_INCOMPLETE, ("A", "B"), ("B",))
    assert "not met on the previous version: B" in r.describe()
    one = carry(mappings, [j("A")], ["M"])
    assert one.to_reassess[0].not_met == ("B",)  # never assessed counts as not met
    assert one.dropped == ()


def test_several_sources_onto_one_statement_are_read_as_a_merge_whatever_the_kinds():
    out = carry([("A", "X", "same"), ("B", "X", "reworded")], [j("A"), j("B", NOT_YET)], ["X"])
    assert out.carried == () and out.to_reassess[0].reason == ReassessReason.MERGE_INCOMPLETE


def test_removed_and_unmapped_statements_are_dropped_and_new_ones_are_to_reassess():
    out = carry([("A", None, "removed"), ("B", "B2", "same")], [j("A"), j("B"), j("Z")], ["B2", "N"])
    assert out.dropped == ("A", "Z")
    assert [(r.statement, r.reason) for r in out.to_reassess] == [("N", ReassessReason.NEW)]
    assert out.to_reassess[0].describe() == "New in this version."


def test_bad_mappings_name_the_row():
    with pytest.raises(RuleInputError) as err:
        carry([("A", "nope", "same")], [], ["B"])
    assert err.value.field == "mappings[0].to_statement"
    with pytest.raises(RuleInputError) as err:
        carry([("A", "B", "same"), ("C", None, "same")], [], ["B"])
    assert err.value.field == "mappings[1].kind"


codes = st.sampled_from(["a", "b", "c", "d"])


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(codes, st.sampled_from(["x", "y", "z", None]), st.sampled_from(list(MappingKind))),
        max_size=6,
    ),
    st.lists(
        st.builds(
            JudgementRecord,
            statement=codes,
            judgement=st.sampled_from(list(Judgement)),
            validated_on=st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2030, 1, 1))),
        ),
        max_size=8,
    ),
)
def test_property_nothing_is_invented_and_every_new_statement_is_accounted_for(raw, judgements):
    maps = [
        (a, b, "removed" if b is None else (k if k != MappingKind.REMOVED else "same")) for a, b, k in raw
    ]
    new = ["x", "y", "z"]
    out = carry(maps, judgements, new)
    validated = [x for x in judgements if x.validated_on is not None]
    for c in out.carried:
        # A carried judgement is one of the person's validated judgements (or a merge of met ones).
        assert c.judgement.validated_on in {x.validated_on for x in validated if x.statement in c.sources}
        if c.judgement.judgement == MET:
            assert all(any(x.statement == s and x.judgement == MET for x in validated) for s in c.sources)
    accounted = [c.judgement.statement for c in out.carried] + [r.statement for r in out.to_reassess]
    assert sorted(accounted) == new
    # Unvalidated judgements change nothing.
    assert carry(maps, validated, new) == out
