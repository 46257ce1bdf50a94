"""Argument parsing for `soms capacity`: durations (30m, 1800s, 1h), percentages (80%, 0.8) and
targets (80/20s). Each parser raises ``ValueError`` with a reason a person can act on."""

from __future__ import annotations

import re

_UNITS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86_400.0}


def parse_duration(text: str, *, default_unit: str = "s") -> float:
    """'30m' -> 1800.0, '180s' or '180' -> 180.0, '1h' -> 3600.0, '1.5m' -> 90.0."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", text.lower())
    if not match:
        raise ValueError(f"{text!r} is not a duration; write e.g. 30m, 1800s or 1h")
    number, unit = float(match.group(1)), match.group(2) or default_unit
    if unit not in _UNITS:
        raise ValueError(f"unknown unit {unit!r} in {text!r}; use s, m, h or d")
    return number * _UNITS[unit]


def parse_fraction(text: str) -> float:
    """'80%' -> 0.8, '0.8' -> 0.8, '80' -> 0.8 (a bare number above 1 is read as a percentage)."""
    raw = text.strip()
    percent = raw.endswith("%")
    try:
        value = float(raw.rstrip("%").strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a percentage; write e.g. 80% or 0.8") from None
    if percent or value > 1:
        value /= 100.0
    # Percent to fraction through a decimal string keeps 30 % exactly 0.3 for the FTE arithmetic.
    return float(f"{value:.12g}")


def parse_target(text: str) -> tuple[float, float]:
    """'80/20s' -> (0.8, 20.0): a share of calls answered within a time."""
    share, sep, within = text.partition("/")
    if not sep:
        raise ValueError(f"{text!r} is not a target; write e.g. 80/20s (80 % answered within 20 seconds)")
    return parse_fraction(share), parse_duration(within)


def parse_days(text: str) -> int:
    """'7d' or '7' -> 7, '2w' -> 14."""
    match = re.fullmatch(r"\s*(\d+)\s*([dw]?)\s*", text.lower())
    if not match:
        raise ValueError(f"{text!r} is not a number of days; write e.g. 7d or 2w")
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)
