"""Upper bounds on every count a person controls, shared by the core and the input schemas.

Each bound is far above any real contact centre and far below what would let one request
allocate gigabytes or burn seconds of CPU: the core checks them before it allocates anything,
and the schemas (pages, API, CLI) check them first so the answer names the field.
"""

from __future__ import annotations

# A demand series and a forecast horizon may span at most this many intervals: 100,000
# half-hours are 5.7 years, 100,000 quarter-hours 2.8 years, so any real history fits,
# while a stray timestamp decades away is refused before an array is sized from it.
MAX_INTERVALS = 100_000

# Calls offered in one interval (a row of a demand file, the Erlang calculator, a simulation).
MAX_CALLS_PER_INTERVAL = 1_000_000

# Average handle time: eight hours of talk and wrap-up for one call is already absurd.
MAX_HANDLE_TIME_SECONDS = 28_800.0

# Agents in one interval, given or required. Keeps every count exact in int64 (FTE too, even at
# 99 % shrinkage) and every staffing search short; the largest real queues are a few thousand.
MAX_AGENTS = 1_000_000

# Agents a person may give per interval to the simulation (each one can be a heap entry).
MAX_SIMULATED_AGENTS = 100_000

# Simulated calls of one simulation (expected calls of the day × replications): every caller is a
# step of the simulation loop, so this keeps the largest to about ten seconds.
MAX_SIMULATED_CALLS = 2_000_000

# An occupancy cap below 5 % would staff twenty times the offered load; 1.0 means no cap.
MIN_MAX_OCCUPANCY = 0.05

# Shrinkage above 99 % leaves under 1 % of paid time on the phones: FTE = agents × 100 or more.
MAX_SHRINKAGE = 0.99

# Beyond 99.9 % answered in time the required agents keep rising with every extra nine, and the
# search with them, while the target says nothing more about a real queue.
MAX_SERVICE_LEVEL = 0.999


def describe_span(intervals: int, interval_seconds: float) -> str:
    """'100,000 intervals of 30 minutes (about 5.7 years)' for error messages."""
    minutes = interval_seconds / 60.0
    unit = f"{minutes:g} minutes" if interval_seconds >= 60 else f"{interval_seconds:g} seconds"
    days = intervals * interval_seconds / 86_400.0
    about = f"about {days / 365.25:.1f} years" if days >= 365.25 else f"about {days:,.0f} days"
    return f"{intervals:,} intervals of {unit} ({about})"
