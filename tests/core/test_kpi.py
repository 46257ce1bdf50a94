"""KPI status, trend and calculators against hand-worked figures, plus the NPS properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soms.core.kpi import (
    BusinessCalendar,
    CsatScale,
    Direction,
    Status,
    Thresholds,
    Ticket,
    Trend,
    csat,
    first_contact_resolution,
    nps,
    nps_from_counts,
    parse_scores_csv,
    parse_tickets_csv,
    sla_attainment,
    sla_from_csv,
    status,
    trend,
    validate_thresholds,
)
from soms.core.toolkit_input import ToolkitInputError


def locs(exc: pytest.ExceptionInfo[ToolkitInputError]) -> list[tuple[str | int, ...]]:
    return [p.loc for p in exc.value.problems]


def test_status_in_both_directions() -> None:
    up = Thresholds(Direction.HIGHER, target=80, amber_limit=70)
    assert [status(v, up) for v in (85, 80, 75, 70, 69.9)] == ["green", "green", "amber", "amber", "red"]
    down = Thresholds(Direction.LOWER, target=2, amber_limit=4)
    assert [status(v, down) for v in (1, 2, 3, 4, 5)] == ["green", "green", "amber", "amber", "red"]
    assert status(None, up) is Status.NONE
    assert status(5, Thresholds(Direction.HIGHER)) is Status.NONE
    assert status(79, Thresholds(Direction.HIGHER, target=80)) is Status.RED


def test_thresholds_must_sit_on_the_right_side_of_the_target() -> None:
    assert validate_thresholds(Thresholds(Direction.HIGHER, 80, 90))[0].loc == ("amber_limit",)
    assert validate_thresholds(Thresholds(Direction.LOWER, 5, 1))[0].loc == ("amber_limit",)
    assert validate_thresholds(Thresholds(Direction.LOWER, None, 1))[0].loc == ("amber_limit",)
    assert validate_thresholds(Thresholds(Direction.HIGHER, float("inf")))[0].loc == ("target",)
    assert validate_thresholds(Thresholds(Direction.HIGHER, 80, 70)) == []


def test_trend_reads_the_direction() -> None:
    up = Thresholds(Direction.HIGHER, target=80)
    rising = [(date(2026, m, 1), 60.0 + 5 * m) for m in range(1, 7)]
    assert trend(rising, up).trend is Trend.IMPROVING
    assert trend(rising, Thresholds(Direction.LOWER)).trend is Trend.WORSENING
    flat = [(date(2026, m, 1), 70.0 + (0.1 if m % 2 else 0)) for m in range(1, 7)]
    assert trend(flat, up).trend is Trend.STEADY
    assert trend(rising[:1], up).trend is Trend.UNKNOWN


def test_nps_hand_worked() -> None:
    r = nps([10, 9, 9, 8, 7, 6, 5, 0, 10, 10])
    assert (r.promoters, r.passives, r.detractors, r.responses) == (5, 2, 3, 10)
    assert r.nps == pytest.approx(20)
    # variance 0.5 + 0.3 - 0.2² = 0.76; SE = 100 √(0.76 / 10) = 27.568
    assert r.standard_error == pytest.approx(27.5681, abs=1e-3)
    assert r.low == pytest.approx(20 - 1.959964 * 27.5681, abs=1e-3)
    assert r.high == pytest.approx(20 + 1.959964 * 27.5681, abs=1e-3)
    assert "rough" in r.caution
    all_promoters = nps_from_counts(40, 0, 0)
    assert all_promoters.nps == 100 and all_promoters.low == all_promoters.high == 100
    assert "one group" in all_promoters.caution


def test_nps_refuses_scores_outside_0_to_10() -> None:
    with pytest.raises(ToolkitInputError) as e:
        nps([3, 11, -1, 7])
    assert locs(e) == [("responses", 1), ("responses", 2)]
    with pytest.raises(ToolkitInputError):
        nps([])


def test_scores_csv_reads_the_score_column_and_names_bad_rows() -> None:
    text = 'id,comment,Score\n1,great,10\n2,"meh, fine",7\n\n3,bad,0\n'
    assert parse_scores_csv(text) == [10, 7, 0]
    with pytest.raises(ToolkitInputError) as e:
        parse_scores_csv("score\n9\nten\n12\n")
    assert locs(e) == [("row", 3, "score"), ("row", 4, "score")]
    with pytest.raises(ToolkitInputError) as e:
        parse_scores_csv("rating\n9\n")
    assert locs(e) == [("file", "header")]


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=300), st.data())
def test_nps_stays_in_range_and_moves_the_right_way(scores: list[int], data: st.DataObject) -> None:
    r = nps(scores)
    assert -100 <= r.low <= r.nps <= r.high <= 100
    i = data.draw(st.integers(min_value=0, max_value=len(scores) - 1))
    new = data.draw(st.integers(min_value=0, max_value=10))
    changed = list(scores)
    changed[i] = new
    after = nps(changed).nps
    if new > scores[i]:
        assert after >= r.nps
    elif new < scores[i]:
        assert after <= r.nps
    else:
        assert after == r.nps


def test_csat_hand_worked_and_configurable() -> None:
    r = csat([5, 4, 3, 2, 5])
    assert (r.csat, r.satisfied, r.responses) == (60, 3, 5)
    assert r.low == pytest.approx(23.07, abs=0.01) and r.high == pytest.approx(88.24, abs=0.01)  # Wilson
    seven = csat([7, 6, 5, 1], CsatScale(1, 7, 6))
    assert seven.csat == 50
    with pytest.raises(ToolkitInputError) as e:
        csat([6, 5])
    assert locs(e) == [("responses", 0)]
    with pytest.raises(ToolkitInputError) as e:
        csat([1], CsatScale(1, 5, 6))
    assert locs(e) == [("scale", "satisfied_from")]


FRI_4PM = datetime(2026, 1, 9, 16, 0)
MON_10AM = datetime(2026, 1, 12, 10, 0)


def test_sla_in_calendar_and_business_hours() -> None:
    tickets = [
        Ticket("T1", "P1", FRI_4PM, MON_10AM),  # 66 h of clock, 2 business hours
        Ticket("T2", "P1", datetime(2026, 1, 12, 9, 0), datetime(2026, 1, 12, 12, 0)),  # 3 h
        Ticket("T3", "P2", datetime(2026, 1, 12, 9, 0), None),  # open
        Ticket("T4", "P2", datetime(2026, 1, 5, 9, 0), None),  # open for a week
    ]
    targets = {"P1": 4.0, "P2": 16.0}
    now = datetime(2026, 1, 12, 13, 0)
    clock = sla_attainment(tickets, targets, now=now)
    assert (clock.met, clock.missed, clock.pending) == (1, 2, 1)
    assert clock.breaches == ("T1", "T4")
    business = sla_attainment(tickets, targets, now=now, calendar=BusinessCalendar())
    assert (business.met, business.missed, business.pending) == (2, 1, 1)
    assert business.attainment == pytest.approx(200 / 3)
    p1 = business.by_priority[0]
    assert p1.priority == "P1" and p1.median_hours == pytest.approx(2.5)
    holiday = BusinessCalendar(holidays=frozenset({date(2026, 1, 12)}))
    # Monday a holiday: T1 took 1 business hour, T2 none at all.
    assert sla_attainment(tickets[:2], targets, now=now, calendar=holiday).by_priority[0].median_hours == 0.5
    late = BusinessCalendar(opens=time(8), closes=time(20), weekdays=frozenset(range(7)))
    assert (
        sla_attainment(tickets[:1], targets, now=now, calendar=late).by_priority[0].median_hours
        == 4 + 12 + 12 + 2
    )


def test_sla_refuses_unknown_priorities_and_resolutions_before_openings() -> None:
    with pytest.raises(ToolkitInputError) as e:
        sla_attainment(
            [Ticket("a", "P9", MON_10AM, MON_10AM), Ticket("b", "P1", MON_10AM, FRI_4PM)],
            {"P1": 4},
            now=MON_10AM,
        )
    assert locs(e) == [("tickets", 0, "priority"), ("tickets", 1, "resolved")]
    with pytest.raises(ToolkitInputError) as e:
        sla_attainment([], {"P1": -1}, now=MON_10AM)
    assert locs(e) == [("targets", "P1")]
    with pytest.raises(ToolkitInputError):
        sla_attainment([Ticket("a", "P1", MON_10AM.replace(tzinfo=UTC))], {"P1": 4}, now=MON_10AM)


def test_ticket_file_errors_name_line_and_column() -> None:
    text = (
        "id,opened,resolved,priority,team\n"
        "A,2026-01-12T09:00,2026-01-12T10:00,P1,x\n"
        "B,2026-01-12T09:00,2026-01-11T10:00,P1,x\n"  # line 3: resolved before opened
        "C,soon,,P1,x\n"  # line 4
        "D,2026-01-12T09:00,,P7,x\n"  # line 5: unknown priority (found against the targets)
    )
    with pytest.raises(ToolkitInputError) as e:
        parse_tickets_csv(text)
    assert locs(e) == [("row", 3, "resolved"), ("row", 4, "opened")]
    good = "opened,resolved,priority\n2026-01-12T09:00Z,2026-01-12T10:00Z,P1\n\n2026-01-12T09:00Z,,P7\n"
    with pytest.raises(ToolkitInputError) as e:
        sla_from_csv(good, {"P1": 4}, now=datetime(2026, 1, 13, tzinfo=UTC))
    assert locs(e) == [("row", 4, "priority")]
    r = sla_from_csv(good.replace("P7", "P1"), {"P1": 4}, now=datetime(2026, 1, 13, tzinfo=UTC))
    assert (r.met, r.missed) == (1, 1)


def test_first_contact_resolution() -> None:
    r = first_contact_resolution([(1, True), (1, True), (3, True), (2, False)])
    assert r.fcr == pytest.approx(200 / 3) and r.resolved == 3 and r.unresolved == 1
    with pytest.raises(ToolkitInputError) as e:
        first_contact_resolution([(0, True)])
    assert locs(e) == [("cases", 0, "contacts")]
