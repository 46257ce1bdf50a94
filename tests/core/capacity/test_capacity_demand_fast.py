"""The whole-file reading of a clean demand file (`_parse_clean`) gives exactly the series the
row-by-row reading gives, and leaves every file with a problem to it (so the problems keep their
lines and words)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pytest

from soms.core.capacity import demand
from soms.core.capacity.demand import DemandCsvError, parse_demand_csv
from soms.core.capacity.sample import series_to_csv, synthetic_series

CLEAN = {
    "sample with gaps": "timestamp,arrivals,handle_time\n2026-01-05T08:00,10,300\n2026-01-05T08:30,12,\n"
    "2026-01-05T10:00,3,250.5\n",
    "zoned": "Timestamp,Arrivals\n2026-01-05T08:00:00+01:00,1\n2026-01-05T07:15:00+00:00,2\n"
    "2026-01-05 08:30:00+01:00,4\n",
    "unsorted, blank lines": "timestamp,arrivals\n\n2026-01-05T09:00,4\n2026-01-05T08:00,1\n\n"
    "2026-01-05T08:30,2.0\n",
    "semicolons and decimal commas": "timestamp;arrivals;aht\n2026-01-05T08:00;1;180,5\n2026-01-05T08:15;2;200\n",
    "ties go to the shortest spacing": "timestamp,arrivals\n2026-01-05T08:00,1\n2026-01-05T08:15,1\n"
    "2026-01-05T08:45,1\n",
    "a week of half-hours": series_to_csv(synthetic_series(datetime(2026, 1, 5), days=7, seed=3)),
}

BAD = {
    "duplicate": "timestamp,arrivals\n2026-01-05T08:00,1\n2026-01-05T08:00,2\n2026-01-05T08:30,2\n",
    "off the grid": "timestamp,arrivals\n2026-01-05T08:00,1\n2026-01-05T08:30,2\n2026-01-05T09:00,2\n2026-01-05T09:10,2\n",
    "negative": "timestamp,arrivals\n2026-01-05T08:00,-1\n2026-01-05T08:30,2\n",
    "not whole": "timestamp,arrivals\n2026-01-05T08:00,1.5\n2026-01-05T08:30,2\n",
    "mixed zones": "timestamp,arrivals\n2026-01-05T08:00Z,1\n2026-01-05T08:30,2\n",
    "nan": "timestamp,arrivals\n2026-01-05T08:00,nan\n2026-01-05T08:30,2\n",
    "handle zero": "timestamp,arrivals,aht\n2026-01-05T08:00,1,0\n2026-01-05T08:30,2,1\n",
    "too long a span": "timestamp,arrivals\n2026-01-05T08:00,1\n2026-01-05T08:30,2\n2126-01-05T08:30,2\n",
    "one row": "timestamp,arrivals\n2026-01-05T08:00,1\n",
}


def _row_by_row(text: str, monkeypatch: Any) -> Any:
    with monkeypatch.context() as m:
        m.setattr(demand, "_parse_clean", lambda *a: None)
        return parse_demand_csv(text)


@pytest.mark.parametrize("name", CLEAN)
def test_a_clean_file_reads_the_same_at_once(name: str, monkeypatch: Any) -> None:
    text = CLEAN[name]
    calls: list[Any] = []
    clean = demand._parse_clean
    monkeypatch.setattr(demand, "_parse_clean", lambda *a: calls.append(clean(*a)) or calls[-1])
    fast = parse_demand_csv(text)
    assert calls and calls[0] is not None  # the whole-file reading took it
    monkeypatch.undo()
    slow = _row_by_row(text, monkeypatch)
    assert (fast.start, fast.interval, fast.gaps) == (slow.start, slow.interval, slow.gaps)
    assert fast.start.tzinfo == slow.start.tzinfo
    np.testing.assert_array_equal(fast.arrivals, slow.arrivals)
    if slow.handle_time is None:
        assert fast.handle_time is None
    else:
        np.testing.assert_array_equal(fast.handle_time, slow.handle_time)


@pytest.mark.parametrize("name", BAD)
def test_a_file_with_a_problem_is_left_to_the_row_by_row_reading(name: str, monkeypatch: Any) -> None:
    text = BAD[name]
    lines = [line for line in text.splitlines() if line.strip()]
    rows = [line.split(",") for line in lines[1:]]
    has_ht = "aht" in lines[0]
    assert demand._parse_clean(rows, 0, 1, 2 if has_ht else None, ",") is None
    with pytest.raises(DemandCsvError) as fast:
        parse_demand_csv(text)
    with pytest.raises(DemandCsvError) as slow:
        _row_by_row(text, monkeypatch)
    assert [i.to_dict() for i in fast.value.issues] == [i.to_dict() for i in slow.value.issues]
