from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from soms.core.capacity.demand import DemandCsvError, demand_profile, parse_demand_csv
from soms.core.capacity.sample import series_to_csv, synthetic_series

MONDAY = datetime(2026, 1, 5)


def issues_of(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(DemandCsvError) as e:
        parse_demand_csv(text)
    return [(i.row, i.column, i.reason) for i in e.value.issues]


def test_parses_naive_and_zoned_timestamps() -> None:
    s = parse_demand_csv("timestamp,arrivals,handle_time\n2026-01-05T08:00,10,300\n2026-01-05T08:30,12,\n")
    assert s.interval == timedelta(minutes=30)
    assert s.arrivals.tolist() == [10, 12]
    assert s.handle_time is not None and s.handle_time[0] == 300 and np.isnan(s.handle_time[1])
    z = parse_demand_csv("Timestamp,Arrivals\n2026-01-05T08:00:00Z,1\n2026-01-05 08:15:00+00:00,2\n")
    assert z.start == datetime(2026, 1, 5, 8, tzinfo=UTC)
    assert z.interval == timedelta(minutes=15)


def test_collects_every_problem_with_line_and_column() -> None:
    text = (
        "timestamp,arrivals\n"
        "2026-01-05T08:00,10\n"
        "yesterday,5\n"  # line 3
        "2026-01-05T08:30,-2\n"  # line 4
        "2026-01-05T09:00,2.5\n"  # line 5
        "2026-01-05T09:30,7\n"
        "2026-01-05T09:30,8\n"  # line 7 duplicate
        "2026-01-05T10:10,1\n"  # line 8 off grid
        "2026-01-05T10:30,x\n"  # line 9
    )
    found = issues_of(text)
    rows = [(r, c) for r, c, _ in found]
    assert rows == [
        (3, "timestamp"),
        (4, "arrivals"),
        (5, "arrivals"),
        (7, "timestamp"),
        (8, "timestamp"),
        (9, "arrivals"),
    ]
    reasons = dict(((r, c), why) for r, c, why in found)
    assert "duplicate" in reasons[(7, "timestamp")] and "line 6" in reasons[(7, "timestamp")]
    assert "grid" in reasons[(8, "timestamp")]
    assert "negative" in reasons[(4, "arrivals")]


def test_empty_and_missing_header() -> None:
    assert issues_of("") == [(1, "file", "the file is empty")]
    [(row, col, why)] = issues_of("2026-01-05T08:00,10\n2026-01-05T08:30,12\n")
    assert (row, col) == (1, "header") and "missing header" in why
    [(row, col, _)] = issues_of("timestamp,arrivals\n")
    assert (row, col) == (1, "file")


def test_mixed_zones_are_rejected() -> None:
    found = issues_of("timestamp,arrivals\n2026-01-05T08:00,1\n2026-01-05T08:30+01:00,2\n")
    assert found[0][:2] == (3, "timestamp")


def test_gaps_are_reported_not_errors() -> None:
    text = "timestamp,arrivals\n" + "\n".join(
        f"2026-01-05T{h:02d}:{m:02d},3"
        for h in range(8, 12)
        for m in (0, 30)
        if (h, m) not in {(9, 0), (9, 30)}
    )
    s = parse_demand_csv(text)
    assert len(s.gaps) == 1
    assert s.gaps[0].start == datetime(2026, 1, 5, 9, 0) and s.gaps[0].intervals == 2
    assert np.isnan(s.arrivals).sum() == 2


def test_round_trip_and_profile() -> None:
    series = synthetic_series(MONDAY, days=28, seed=1)
    parsed = parse_demand_csv(series_to_csv(series))
    assert parsed.interval == timedelta(minutes=30)
    p = demand_profile(parsed)
    assert p.mean_by_weekday_interval.shape == (7, 48)
    # Sunday and nights are closed; a weekday at 10:30 is open and busy.
    assert p.closed[6].all()
    assert p.closed[0, :16].all() and not p.closed[0, 21]
    assert p.mean_by_weekday_interval[0, 21] > p.mean_by_weekday_interval[2, 21]
    assert len(p.daily_totals) == 28 and all(c for _, _, c in p.daily_totals)
    assert p.peak_to_average > 1.2
    assert p.cv_overall > 0.5
    assert np.isnan(p.cv_by_interval_of_day[2])  # always zero at 01:00
    d = p.to_dict()
    assert d["heatmap"][6][20] == 0.0 and d["cv_by_interval_of_day"][2] is None


def test_trend_is_not_fooled_by_the_weekly_shape() -> None:
    # Busy Mondays, closed Sundays and 1 % growth a week: a straight line through the daily
    # totals ran downhill (each week does); the trend must come out as the growth.
    series = synthetic_series(MONDAY, days=56, seed=3)
    p = demand_profile(series)
    calls_per_day = np.nansum(series.arrivals[: 7 * 48]) / 7
    assert 0.0 < p.trend_per_week < 0.03 * calls_per_day

    # The same weekly shape every week, no growth: no trend at all.
    rows = ["timestamp,arrivals"]
    for day in range(28):
        for slot in range(24):
            rows.append(
                f"{(MONDAY + timedelta(days=day, hours=slot)).isoformat()},{[70, 50, 40, 40, 30, 10, 0][day % 7]}"
            )
    assert demand_profile(parse_demand_csv("\n".join(rows))).trend_per_week == pytest.approx(0.0, abs=1e-9)


def test_trend_is_per_week() -> None:
    start = MONDAY
    rows = ["timestamp,arrivals"]
    for day in range(21):
        for slot in range(24):
            rows.append(f"{(start + timedelta(days=day, hours=slot)).isoformat()},{10 + day}")
    p = demand_profile(parse_demand_csv("\n".join(rows)))
    # Every day has one more call per hour, i.e. 24 more per day, 168 more per week.
    assert p.trend_per_week == pytest.approx(168.0)
    assert p.cv_by_interval_of_day[0] > 0


def _rows(stamps: list[str], sep: str = ",") -> str:
    return "\n".join([f"timestamp{sep}arrivals", *(f"{t}{sep}{10 + k % 3}" for k, t in enumerate(stamps))])


_HALF_HOURS = [datetime(2026, 1, 13) + k * timedelta(minutes=30) for k in range(96)]


@pytest.mark.parametrize(
    ("stamps", "found"),
    [
        ([t.strftime("%d/%m/%Y %H:%M") for t in _HALF_HOURS], "day/month/year"),
        ([t.strftime("%m/%d/%Y %H:%M") for t in _HALF_HOURS], "month/day/year"),
        (
            [
                (datetime(2026, 1, 5) + k * timedelta(minutes=30)).strftime("%d.%m.%Y %H:%M")
                for k in range(48)
            ],
            "no number above 12 tells which",
        ),
        ([f"{46035 + k / 48:.6f}" for k in range(96)], "Excel serial date numbers"),
    ],
)
def test_a_foreign_date_format_is_one_message_naming_it_and_iso(stamps: list[str], found: str) -> None:
    with pytest.raises(DemandCsvError) as err:
        parse_demand_csv(_rows(stamps))
    assert len(err.value.issues) == 1
    issue = err.value.issues[0]
    assert issue.column == "timestamp" and found in issue.reason and "ISO 8601" in issue.reason
    assert "2026-01-13T08:30" in issue.reason


def test_semicolon_separated_files_are_read() -> None:
    stamps = [t.isoformat() for t in _HALF_HOURS]
    text = "timestamp;arrivals;handle_time\n" + "\n".join(
        f"{t};{5 + k % 4};180,5" for k, t in enumerate(stamps)
    )
    series = parse_demand_csv(text)
    assert len(series.arrivals) == 96 and series.mean_handle_time() == pytest.approx(180.5)


def test_a_few_bad_timestamps_among_iso_ones_are_still_listed_by_row() -> None:
    stamps = [t.isoformat() for t in _HALF_HOURS]
    stamps[5] = "13/01/2026 02:30"
    with pytest.raises(DemandCsvError) as err:
        parse_demand_csv(_rows(stamps))
    assert [i.row for i in err.value.issues] == [7]
