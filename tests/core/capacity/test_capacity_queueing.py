import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from soms.core.capacity.errors import CapacityInputError
from soms.core.capacity.queueing import (
    DEFINITIONS,
    StaffingTarget,
    erlang_a_metrics,
    erlang_b,
    erlang_c_metrics,
    fte_after_shrinkage,
    queue_metrics,
    required_agents,
)

HALF_HOUR = 1800.0


def birth_death_erlang_a(lam: float, mu: float, theta: float, n: int) -> dict[str, float]:
    """Brute-force stationary distribution of M/M/n+M, truncated far out: an independent check."""
    probs = [1.0]
    k = 0
    while True:
        k += 1
        death = min(k, n) * mu + max(k - n, 0) * theta
        probs.append(probs[-1] * lam / death)
        if k > n + 50 and probs[-1] < 1e-18 * sum(probs):
            break
    p = np.array(probs) / sum(probs)
    q = sum((j - n) * p[j] for j in range(n, len(p)))
    return {"p_wait": float(p[n:].sum()), "p_abandon": theta * q / lam}


def test_reference_case_erlang_c() -> None:
    target = StaffingTarget(service_level=0.8, answer_within=20)
    r = required_agents(100, 180, interval_seconds=HALF_HOUR, target=target)
    assert int(r.agents) == 14
    assert float(r.metrics.service_level_offered) == pytest.approx(0.888, abs=0.001)
    assert float(r.metrics.asa) == pytest.approx(7.8, abs=0.1)
    m = erlang_c_metrics(100, 180, 14, interval_seconds=HALF_HOUR, answer_within=20)
    assert float(m.occupancy) == pytest.approx(10 / 14)
    assert float(m.service_level_answered) == float(m.service_level_offered)


def test_erlang_b_matches_recursion() -> None:
    for load in (0.5, 7.3, 40.0, 250.0):
        b = 1.0
        for n in range(1, 400):
            b = load * b / (n + load * b)
            if n in (1, 5, 30, 260, 399):
                assert float(erlang_b(n, load)) == pytest.approx(b, rel=1e-9)


def test_erlang_b_far_below_load_does_not_underflow() -> None:
    b = float(erlang_b(10, 5000.0))
    assert 0.99 < b <= 1.0


def test_vectorised_over_intervals() -> None:
    calls = np.array([0, 10, 100, 400, 1000])
    r = required_agents(calls, 180, interval_seconds=HALF_HOUR, target=StaffingTarget(0.8, 20))
    assert r.agents.shape == (5,)
    assert r.agents[0] == 0
    assert np.all(np.diff(r.agents) > 0)
    # Each answer is minimal: one agent fewer misses the target.
    for c, n in zip(calls[1:], r.agents[1:], strict=True):
        below = erlang_c_metrics(
            c, 180, n - 1, interval_seconds=HALF_HOUR, answer_within=20, allow_overload=True
        )
        assert float(below.service_level_offered) < 0.8


def test_zero_demand_is_clean() -> None:
    with np.errstate(all="raise"):
        c = erlang_c_metrics([0, 0], 180, [0, 3], interval_seconds=HALF_HOUR, answer_within=20)
        a = erlang_a_metrics([0, 0], 180, [0, 3], interval_seconds=HALF_HOUR, answer_within=20, patience=60)
        r = required_agents(
            [0, 0], 180, interval_seconds=HALF_HOUR, target=StaffingTarget(0.9, 20), patience=60
        )
    for m in (c, a):
        assert np.all(m.service_level_offered == 1.0)
        assert np.all(m.service_level_answered == 1.0)
        assert np.all(m.asa == 0.0)
        assert np.all(m.occupancy == 0.0)
    assert np.all(r.agents == 0)


def test_occupancy_cap_raises_staffing() -> None:
    loose = required_agents(1000, 180, interval_seconds=HALF_HOUR, target=StaffingTarget(0.8, 20))
    capped = required_agents(
        1000, 180, interval_seconds=HALF_HOUR, target=StaffingTarget(0.8, 20, max_occupancy=0.85)
    )
    assert int(capped.agents) == math.ceil(100 / 0.85)
    assert int(capped.agents) > int(loose.agents)
    assert float(capped.metrics.occupancy) <= 0.85


def test_asa_target() -> None:
    r = required_agents(100, 180, interval_seconds=HALF_HOUR, target=StaffingTarget(None, 20, max_asa=5.0))
    n = int(r.agents)
    assert float(r.metrics.asa) <= 5.0
    below = erlang_c_metrics(100, 180, n - 1, interval_seconds=HALF_HOUR, answer_within=20)
    assert float(below.asa) > 5.0


def test_erlang_a_matches_brute_force_birth_death() -> None:
    lam, aht, patience = 100 / HALF_HOUR, 180.0, 300.0
    for n in (5, 10, 12, 14, 20):
        m = erlang_a_metrics(100, aht, n, interval_seconds=HALF_HOUR, answer_within=20, patience=patience)
        ref = birth_death_erlang_a(lam, 1 / aht, 1 / patience, n)
        assert float(m.p_wait) == pytest.approx(ref["p_wait"], rel=1e-8)
        assert float(m.p_abandon) == pytest.approx(ref["p_abandon"], rel=1e-8)
        # Little's law on the queue: mean wait of all callers = P(abandon) * patience.
        assert float(m.average_wait) == pytest.approx(ref["p_abandon"] * patience, rel=1e-8)


def test_erlang_a_answered_vs_offered_definitions() -> None:
    m = erlang_a_metrics(100, 180, 11, interval_seconds=HALF_HOUR, answer_within=20, patience=120)
    answered = 1 - float(m.p_abandon)
    assert float(m.service_level_answered) == pytest.approx(float(m.service_level_offered) / answered)
    assert float(m.service_level_answered) > float(m.service_level_offered)
    assert float(m.asa) < float(m.average_wait) / answered + 1e-12
    assert float(m.service_level(definition="answered")) == float(m.service_level_answered)


def test_erlang_a_with_no_agents() -> None:
    m = erlang_a_metrics(50, 180, 0, interval_seconds=HALF_HOUR, answer_within=20, patience=60)
    assert float(m.p_abandon) == 1.0
    assert float(m.service_level_offered) == 0.0


def test_erlang_a_huge_patience_is_erlang_c_even_for_large_systems() -> None:
    calls = np.array([100, 2000, 20000])
    n = np.array([14, 215, 2030])
    c = erlang_c_metrics(calls, 180, n, interval_seconds=HALF_HOUR, answer_within=20)
    a = erlang_a_metrics(calls, 180, n, interval_seconds=HALF_HOUR, answer_within=20, patience=1e9)
    np.testing.assert_allclose(a.service_level_offered, c.service_level_offered, atol=1e-5)
    np.testing.assert_allclose(a.asa, c.asa, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(a.p_wait, c.p_wait, atol=1e-5)


def test_erlang_a_required_agents_and_max_abandonment() -> None:
    t = StaffingTarget(0.8, 20, max_abandonment=0.01)
    r = required_agents([100, 300], 180, interval_seconds=HALF_HOUR, target=t, patience=120)
    assert np.all(r.metrics.p_abandon <= 0.01)
    assert np.all(r.metrics.service_level_offered >= 0.8)
    below = erlang_a_metrics(
        [100, 300], 180, r.agents - 1, interval_seconds=HALF_HOUR, answer_within=20, patience=120
    )
    assert np.all((below.p_abandon > 0.01) | (below.service_level_offered < 0.8))


def test_patience_infinite_means_erlang_c() -> None:
    a = queue_metrics(100, 180, 14, interval_seconds=HALF_HOUR, answer_within=20, patience=float("inf"))
    assert float(a.service_level_offered) == pytest.approx(0.88835, abs=1e-5)


@pytest.mark.parametrize(
    ("agents", "shrinkage", "expected"),
    [
        (21, 0.3, 30),
        (21, "0.30", 30),
        (14, 0.3, 20),
        (0, 0.3, 0),
        (10, 0.0, 10),
        (7, 0.35, 11),
        (1, 0.99, 100),
    ],
)
def test_shrinkage_is_exact(agents: int, shrinkage: float | str, expected: int) -> None:
    assert int(fte_after_shrinkage(agents, shrinkage)) == expected


def test_shrinkage_vectorised_and_validated() -> None:
    assert fte_after_shrinkage([21, 22, 0], 0.3).tolist() == [30, 32, 0]
    for bad in (1.0, -0.1, 1.5):
        with pytest.raises(CapacityInputError) as e:
            fte_after_shrinkage(10, bad)
        assert e.value.field == "shrinkage"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"calls": -1}, "calls"),
        ({"aht": 0}, "aht"),
        ({"aht": -5}, "aht"),
        ({"target": StaffingTarget(0.0, 20)}, "service_level"),
        ({"target": StaffingTarget(1.2, 20)}, "service_level"),
        ({"target": StaffingTarget(1.0, 20)}, "service_level"),
        ({"target": StaffingTarget(0.8, 20, max_occupancy=0.0)}, "max_occupancy"),
        ({"target": StaffingTarget(0.8, -1)}, "answer_within"),
        ({"target": StaffingTarget(None, 20)}, "service_level"),
        ({"interval_seconds": 0}, "interval_seconds"),
    ],
)
def test_invalid_inputs_name_the_field(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "calls": 100,
        "aht": 180,
        "interval_seconds": HALF_HOUR,
        "target": StaffingTarget(0.8, 20),
    }
    args.update(kwargs)
    with pytest.raises(CapacityInputError) as e:
        required_agents(args.pop("calls"), args.pop("aht"), **args)  # type: ignore[arg-type]
    assert e.value.field == field


def test_too_few_agents_for_erlang_c_is_an_input_error() -> None:
    with pytest.raises(CapacityInputError) as e:
        erlang_c_metrics(100, 180, 10, interval_seconds=HALF_HOUR, answer_within=20)
    assert e.value.field == "agents"
    m = erlang_c_metrics(100, 180, 10, interval_seconds=HALF_HOUR, answer_within=20, allow_overload=True)
    assert float(m.service_level_offered) == 0.0
    assert m.to_dict()["asa"] == [None]


def test_definitions_are_plain_strings() -> None:
    for key in ("service_level_offered", "service_level_answered", "asa", "occupancy", "abandonment_rate"):
        assert isinstance(DEFINITIONS[key], str) and len(DEFINITIONS[key]) > 20


loads = st.floats(min_value=0.5, max_value=400.0)
ahts = st.floats(min_value=30.0, max_value=900.0)


@settings(max_examples=40, deadline=None)
@given(calls=loads, aht=ahts, extra=st.integers(min_value=1, max_value=40), patience=st.floats(10.0, 2000.0))
def test_more_agents_never_lower_service_level(calls: float, aht: float, extra: int, patience: float) -> None:
    load = calls / HALF_HOUR * aht
    n = np.arange(int(load) + 1, int(load) + 1 + extra)
    c = erlang_c_metrics(calls, aht, n, interval_seconds=HALF_HOUR, answer_within=20)
    assert np.all(np.diff(c.service_level_offered) >= -1e-12)
    n_a = np.arange(0, int(load) + extra + 2)
    a = erlang_a_metrics(calls, aht, n_a, interval_seconds=HALF_HOUR, answer_within=20, patience=patience)
    for m in (c, a):
        for arr in (m.service_level_offered, m.service_level_answered, m.p_wait, m.p_abandon, m.occupancy):
            assert np.all((arr >= 0) & (arr <= 1))
            assert np.all(np.isfinite(arr))
    assert np.all(np.diff(a.service_level_offered) >= -1e-9)
    assert np.all(np.diff(a.p_abandon) <= 1e-12)


@settings(max_examples=30, deadline=None)
@given(calls=loads, aht=ahts, extra=st.integers(min_value=1, max_value=10))
def test_erlang_a_tends_to_erlang_c(calls: float, aht: float, extra: int) -> None:
    load = calls / HALF_HOUR * aht
    n = int(load) + extra
    # Above 99.9 % utilisation (waits of days) the limit is numerically ill-conditioned: the
    # incomplete gamma function is then evaluated at arguments near 1e10, where a relative error of
    # 1e-3 remains. No staffing search ever stops there, so the property is checked below it.
    assume((n - load) / n >= 1e-3)
    c = erlang_c_metrics(calls, aht, n, interval_seconds=HALF_HOUR, answer_within=20)
    # Near saturation the effect of patience fades slowly, so scale it by the Erlang C wait.
    patiences = np.array([1e3, 1e5, 1e7]) * max(aht, float(c.asa))
    a = erlang_a_metrics(calls, aht, n, interval_seconds=HALF_HOUR, answer_within=20, patience=patiences)
    gaps = np.abs(a.service_level_offered - c.service_level_offered)
    assert gaps[-1] < 1e-4
    assert np.all(np.diff(gaps) <= 1e-9)
    assert float(a.asa[-1]) == pytest.approx(float(c.asa), rel=1e-3, abs=1e-6)


def test_erlang_a_asa_target_is_minimal() -> None:
    t = StaffingTarget(None, 20, max_asa=10.0)
    r = required_agents([100, 400], 180, interval_seconds=HALF_HOUR, target=t, patience=120)
    assert np.all(r.metrics.asa <= 10.0)
    below = erlang_a_metrics(
        [100, 400], 180, r.agents - 1, interval_seconds=HALF_HOUR, answer_within=20, patience=120
    )
    assert np.all(below.asa > 10.0)


def test_erlang_a_asa_of_answered_matches_numerical_sum() -> None:
    """E[wait | answered] by brute force over the queue position an arrival finds."""
    from scipy import special

    lam, mu, theta, n = 100 / HALF_HOUR, 1 / 180, 1 / 120, 11
    a, x = n * mu / theta, lam / theta
    weights = [1.0]
    for k in range(1, 400):
        weights.append(weights[-1] * x / (a + k))
    w = np.array(weights)
    k = np.arange(w.size)
    # exp(-theta V) ~ Beta(a, k+1): P(served) = a/(a+k+1), E[V; served] = P(served)*(psi(a+k+2)-psi(a+1))/theta
    served = a / (a + k + 1)
    wait_served = served * (special.digamma(a + k + 2) - special.digamma(a + 1)) / theta
    m = erlang_a_metrics(100, 180, n, interval_seconds=HALF_HOUR, answer_within=20, patience=120)
    p_delayed_state = float(m.p_wait) * w / w.sum()
    expected = float((p_delayed_state * wait_served).sum() / (1 - float(m.p_abandon)))
    assert float(m.asa) == pytest.approx(expected, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    calls=st.floats(min_value=0.01, max_value=50_000.0),
    aht=st.floats(min_value=1.0, max_value=3_600.0),
    level=st.floats(min_value=0.05, max_value=0.999),
    within=st.floats(min_value=0.0, max_value=600.0),
    cap=st.floats(min_value=0.5, max_value=1.0),
    asa=st.one_of(st.none(), st.floats(min_value=0.5, max_value=600.0)),
)
def test_one_interval_fast_path_agrees_with_the_vectorised_path(
    calls: float, aht: float, level: float, within: float, cap: float, asa: float | None
) -> None:
    target = StaffingTarget(level, within, max_occupancy=cap, max_asa=asa)
    one = required_agents(calls, aht, interval_seconds=HALF_HOUR, target=target)
    many = required_agents(np.array([calls, calls]), aht, interval_seconds=HALF_HOUR, target=target)
    assert one.agents.shape == () and int(one.agents) == int(many.agents[0])
    for name in ("offered_load", "p_wait", "service_level_offered", "asa", "occupancy", "p_abandon"):
        assert float(getattr(one.metrics, name)) == pytest.approx(
            float(getattr(many.metrics, name)[0]), rel=1e-9, abs=1e-12
        ), name


def test_one_interval_fast_path_leaves_refusals_to_the_checked_path() -> None:
    target = StaffingTarget(0.8, 20)
    for kwargs, field in (
        ({"calls": float("nan"), "aht": 180.0}, "calls"),
        ({"calls": -1.0, "aht": 180.0}, "calls"),
        ({"calls": 100.0, "aht": 0.0}, "aht"),
        ({"calls": 1e9, "aht": 1_800.0}, "calls"),
    ):
        with pytest.raises(CapacityInputError) as err:
            required_agents(**kwargs, interval_seconds=HALF_HOUR, target=target)  # type: ignore[arg-type]
        assert err.value.field == field
    zero = required_agents(0.0, 180.0, interval_seconds=HALF_HOUR, target=target)
    assert int(zero.agents) == 0 and float(zero.metrics.service_level_offered) == 1.0
