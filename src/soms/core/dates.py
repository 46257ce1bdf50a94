"""Which dates a person may enter: 1900-01-01 to 2100-12-31, in every form, API body, CLI argument
and import file.

Python and the database take 0001-01-01 to 9999-12-31, and a browser's date input takes any
four-digit year, so a slip of the keyboard was stored as it came: 0226-03-01 for 2026-03-01, a due
date of 9999-12-31. No date SOMS keeps is that far off:

- not before 1900: nobody's start date, no evidence, assessment, audit or measurement is older,
  and a workbook (every export, every HR file) cannot hold an earlier date at all (a date cell
  before 1 March 1900 comes back as a time of day);
- not after 2100: no due date, expiry or plan reaches further, and near 9999 date arithmetic (a
  refresher due date is a date plus months) runs out of calendar.

The bounds are fixed, not relative to today: an overdue due date may be kept or corrected at any
time, and historic records of any year since 1900 may be imported. Rules about today (evidence not
in the future, historic results not in the future) stay with the fields that have them.
"""

from __future__ import annotations

import datetime as dt

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)
RANGE_TEXT = f"between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


def date_problem(value: dt.date) -> str | None:
    """Why `value` (a date, or the day of a date-time) cannot be taken, or None."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if EARLIEST <= day <= LATEST:
        return None
    return f"must be a date {RANGE_TEXT}"


def parse_day(text: str) -> dt.date:
    """A date written YYYY-MM-DD, in the range; ValueError with the reason otherwise."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date: write it as YYYY-MM-DD") from None
    if (problem := date_problem(day)) is not None:
        raise ValueError(problem)
    return day
