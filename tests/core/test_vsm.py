"""Value stream figures against hand-worked maps, and the properties every map must keep."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soms.core.toolkit_input import ToolkitInputError
from soms.core.vsm import Office, Rework, Step, ValueStream, analyse, compare, sequential, validate


def claims() -> ValueStream:
    """Receive (10 min), assess (30 wait + 20), pay (60 wait + 5); 20 % of payments go back to assess."""
    return ValueStream(
        steps=sequential(
            [
                Step("receive", "Receive claim", 10, 0, 90, Office.FRONT, "Front desk", "Portal"),
                Step("assess", "Assess", 20, 30, 80, Office.BACK, "Assessors"),
                Step("pay", "Pay", 5, 60, 95, Office.BACK, "Finance", "Ledger"),
            ]
        ),
        rework=(Rework("pay", "assess", 20),),
    )


def test_hand_worked_sequential_map_with_one_rework_loop() -> None:
    r = analyse(claims())
    # Assess and pay are passed 1 / (1 - 0.2) = 1.25 times; receive once.
    assert [s.visits for s in r.steps] == pytest.approx([1, 1.25, 1.25])
    assert r.lead_time == pytest.approx(10 + 1.25 * 50 + 1.25 * 65)  # 153.75
    assert r.first_pass_lead_time == pytest.approx(125)
    assert r.total_process_time == pytest.approx(41.25)
    assert r.first_pass_process_time == pytest.approx(35)
    assert r.pce == pytest.approx(41.25 / 153.75)
    assert r.rolled_ca_pct == pytest.approx(68.4)
    assert r.rework_extra_time == pytest.approx(6.25)
    assert r.rework_extra_pct == pytest.approx(100 * 6.25 / 35)
    assert r.loop_gain == pytest.approx(0.2)
    assert r.bottleneck == "assess"
    assert r.longest_wait == "pay"
    assert r.critical_path == ("receive", "assess", "pay")
    assert r.critical_waiting_time == pytest.approx(1.25 * 90)
    assert r.front_office_process_time == pytest.approx(10)
    assert r.back_office_process_time == pytest.approx(31.25)


def test_parallel_tracks_take_the_longest_path_and_count_all_work() -> None:
    # start → (check id 5+10, check history 20+30) → decide 2+0: the history check is critical.
    steps = (
        Step("start", "Start", 1),
        Step("id", "Check ID", 5, 10, after=("start",)),
        Step("hist", "Check history", 20, 30, after=("start",)),
        Step("decide", "Decide", 2, after=("id", "hist")),
    )
    r = analyse(ValueStream(steps))
    assert r.lead_time == pytest.approx(1 + 50 + 2)
    assert r.critical_path == ("start", "hist", "decide")
    assert r.total_process_time == pytest.approx(28)
    assert r.step("id").slack == pytest.approx(35)
    assert not r.step("id").critical and r.step("hist").critical
    assert r.step("decide").depth == 2


def test_overlapping_loops_follow_the_geometric_series() -> None:
    # A→B→C→D, C sends p back to A and D sends q back to B: C is passed 1/((1-p)(1-q)) times.
    p, q = 0.3, 0.2
    steps = sequential([Step(k, k, 1) for k in "ABCD"])
    r = analyse(ValueStream(steps, (Rework("C", "A", 30), Rework("D", "B", 20))))
    assert r.step("C").visits == pytest.approx(1 / ((1 - p) * (1 - q)))
    assert r.step("D").visits == pytest.approx(1 / (1 - q))
    assert r.step("A").visits == pytest.approx(1 + p / ((1 - p) * (1 - q)))


def test_rework_to_the_same_step_and_nested_loops_add_their_gains() -> None:
    steps = sequential([Step("a", "a", 4), Step("b", "b", 6)])
    r = analyse(ValueStream(steps, (Rework("b", "b", 25), Rework("b", "a", 25))))
    assert r.loop_gain == pytest.approx(0.5)
    assert r.step("b").visits == pytest.approx(2)


def problems_of(stream: ValueStream) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ToolkitInputError) as e:
        analyse(stream)
    return [(p.loc, p.message) for p in e.value.problems]


def test_bad_times_and_percentages_name_their_field() -> None:
    found = problems_of(
        ValueStream(
            (
                Step("a", "A", -1, float("nan"), 101),
                Step("b", "", 1, 10**9, -5, after=("a",)),
            )
        )
    )
    locs = [loc for loc, _ in found]
    assert ("steps", 0, "process_time") in locs
    assert ("steps", 0, "waiting_time") in locs
    assert ("steps", 0, "complete_accurate_pct") in locs
    assert ("steps", 1, "name") in locs
    assert ("steps", 1, "waiting_time") in locs  # more than a year
    assert ("steps", 1, "complete_accurate_pct") in locs


def test_undeclared_cycles_are_refused_and_named() -> None:
    found = problems_of(
        ValueStream(
            (
                Step("a", "A", 1, after=("c",)),
                Step("b", "B", 1, after=("a",)),
                Step("c", "C", 1, after=("b",)),
            )
        )
    )
    assert len(found) == 1
    loc, message = found[0]
    assert loc == ("steps",)
    assert "a → b → c → a" in message and "rework" in message


def test_references_and_rework_direction_are_checked() -> None:
    steps = sequential([Step("a", "A", 1), Step("b", "B", 1)])
    assert problems_of(ValueStream((Step("a", "A", 1, after=("zz",)),))) == [
        (("steps", 0, "after"), "no step has the key 'zz'")
    ]
    assert problems_of(ValueStream((Step("a", "A", 1), Step("a", "A2", 1))))[0][0] == ("steps", 1, "key")
    forward = problems_of(ValueStream(steps, (Rework("a", "b", 10),)))
    assert forward[0][0] == ("rework", 0, "to_step")
    assert problems_of(ValueStream(steps, (Rework("b", "a", 0),)))[0][0] == ("rework", 0, "share_pct")
    assert problems_of(ValueStream(steps, (Rework("b", "a", 100),)))[0][0] == ("rework", 0, "share_pct")
    assert problems_of(ValueStream(()))[0][0] == ("steps",)
    assert problems_of(ValueStream(steps, time_unit="weeks"))[0][0] == ("time_unit",)


def test_rework_that_never_terminates_is_refused() -> None:
    steps = sequential([Step("a", "A", 1), Step("b", "B", 1)])
    found = problems_of(ValueStream(steps, (Rework("b", "a", 60), Rework("b", "b", 40))))
    assert found[0][0] == ("rework",) and "never finishes" in found[0][1]
    assert validate(ValueStream(steps, (Rework("b", "a", 60), Rework("b", "b", 39)))) == []


def test_compare_current_with_future_state() -> None:
    current = claims()
    future = ValueStream(
        steps=sequential(
            [
                Step("receive", "Receive claim", 10, 0, 90, Office.FRONT, "Front desk", "Portal"),
                Step("assess", "Assess", 15, 10, 95, Office.BACK, "Assessors", "Rules engine"),
                Step("notify", "Notify", 1, 0, 100, Office.FRONT),
            ]
        ),
    )
    c = compare(current, future)
    by = {m.name: m for m in c.metrics}
    assert by["lead_time"].better is True and by["lead_time"].change < 0
    assert by["pce"].better is True
    assert by["rolled_ca_pct"].future == pytest.approx(90 * 0.95)
    assert c.added == ("notify",) and c.removed == ("pay",)
    assert [ch.key for ch in c.changed] == ["assess"]
    fields = {f for f, _, _ in c.changed[0].fields}
    assert fields == {"process_time", "waiting_time", "complete_accurate_pct", "technology"}
    assert c.unchanged == ("receive",)
    with pytest.raises(ToolkitInputError):
        compare(current, ValueStream(future.steps, time_unit="hours"))


# --- properties -----------------------------------------------------------------------------------

times = st.floats(min_value=0, max_value=1000, allow_nan=False)
pcts = st.floats(min_value=0, max_value=100, allow_nan=False)


@st.composite
def streams(draw: st.DrawFn) -> ValueStream:
    n = draw(st.integers(min_value=1, max_value=7))
    steps = []
    for i in range(n):
        after = (
            tuple(sorted(draw(st.sets(st.integers(min_value=0, max_value=i - 1), max_size=2)))) if i else ()
        )
        steps.append(
            Step(
                f"s{i}",
                f"Step {i}",
                draw(st.floats(min_value=0.1, max_value=1000)),
                draw(times),
                draw(pcts),
                after=tuple(f"s{j}" for j in after),
            )
        )
    # Rework only along the chain of first predecessors, each loop below 40 %, at most two loops.
    rework = []
    for i in range(1, n):
        if steps[i].after and draw(st.booleans()) and len(rework) < 2:
            rework.append(Rework(f"s{i}", steps[i].after[0], draw(st.floats(min_value=1, max_value=40))))
    return ValueStream(tuple(steps), tuple(rework))


@given(streams(), st.data())
def test_adding_waiting_time_never_raises_pce(stream: ValueStream, data: st.DataObject) -> None:
    before = analyse(stream)
    i = data.draw(st.integers(min_value=0, max_value=len(stream.steps) - 1))
    extra = data.draw(st.floats(min_value=0, max_value=500))
    s = stream.steps[i]
    longer = list(stream.steps)
    longer[i] = Step(**{**s.__dict__, "waiting_time": s.waiting_time + extra})
    after = analyse(ValueStream(tuple(longer), stream.rework))
    assert before.pce is not None and after.pce is not None
    assert after.pce <= before.pce * (1 + 1e-9)
    assert after.lead_time >= before.lead_time * (1 - 1e-9)


@given(streams())
def test_rolled_ca_never_exceeds_the_smallest_step(stream: ValueStream) -> None:
    r = analyse(stream)
    assert 0 <= r.rolled_ca_pct <= min(s.complete_accurate_pct for s in stream.steps) + 1e-9


@given(streams())
def test_lead_time_bounds(stream: ValueStream) -> None:
    r = analyse(stream)
    # The critical path is at least any single step and at most everything done one after the other.
    longest_step = max(
        s.visits * (st_.process_time + st_.waiting_time) for s, st_ in zip(r.steps, stream.steps, strict=True)
    )
    total = sum(
        s.visits * (st_.process_time + st_.waiting_time) for s, st_ in zip(r.steps, stream.steps, strict=True)
    )
    assert longest_step * (1 - 1e-9) <= r.lead_time <= total * (1 + 1e-9)
    assert r.rework_extra_time >= -1e-9
    assert all(s.visits >= 1 for s in r.steps)
    assert r.critical_path[-1] in {s.key for s in stream.steps}
