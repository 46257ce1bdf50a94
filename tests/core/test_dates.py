"""The range of dates a person may enter (soms.core.dates), on its own."""

from __future__ import annotations

import datetime as dt

import pytest

from soms.core.dates import EARLIEST, LATEST, date_problem, parse_day


@pytest.mark.parametrize("day", [EARLIEST, LATEST, dt.date(2026, 3, 1), dt.datetime(2100, 12, 31, 23, 59)])
def test_dates_in_the_range_are_taken(day):
    assert date_problem(day) is None


@pytest.mark.parametrize(
    "day", [dt.date.min, dt.date(226, 3, 1), dt.date(1899, 12, 31), dt.date(2101, 1, 1), dt.date.max]
)
def test_dates_outside_it_are_refused_with_the_range(day):
    assert date_problem(day) == "must be a date between 1900-01-01 and 2100-12-31"


def test_parsing_says_what_is_wrong():
    assert parse_day(" 2026-03-01 ") == dt.date(2026, 3, 1)
    with pytest.raises(ValueError, match="is not a date: write it as YYYY-MM-DD"):
        parse_day("31/02/2026")
    with pytest.raises(ValueError, match="between 1900-01-01 and 2100-12-31"):
        parse_day("9999-12-31")
