"""Value stream mapping: the figures a practitioner reads off a map, computed exactly.

A map is a set of steps joined into a directed acyclic graph by each step's ``after`` list (its
predecessors). A step with several successors forks the work into parallel tracks that all have
to be done; a step with several predecessors waits for all of them. Going back is never an edge
of the graph: it is a declared **rework loop**, a share of the work leaving one step that is sent
back to the same or an earlier step and passes everything between the two again.

Definitions (all times in the map's own unit):

- *waiting time* of a step is the time work waits in front of it; *process time* the time it is
  being worked on.
- *expected visits* of a step: how often an item passes it on average, rework included. Each
  visit to loop k's source step sends, with probability ``p_k``, one more pass through the loop's
  body (every step on a path from the loop's target to its source). So the visits ``v`` solve
  ``v = 1 + M v`` with ``M[x, source_k] += p_k`` for each ``x`` in body k, i.e. the geometric
  series ``v = (1 + M + M² + …) 1``. It converges exactly when the spectral radius of ``M`` — the
  **loop gain** — is below 1; a gain of 1 or more means work that never finishes, and is refused.
  For one loop the gain is its share, and the body is visited ``1 / (1 - p)`` times.
- *lead time*: the longest (critical) path through the graph where a step lasts
  ``visits × (waiting + process)``. With parallel tracks and rework this is the critical path of
  expected durations, a standard planning approximation (the mean of a maximum is at least the
  maximum of the means, so real lead times can run longer).
- *total process time*: the work content, ``Σ visits × process`` over every step, parallel ones
  included.
- *process cycle efficiency* (PCE) = total process time / lead time. Waiting only ever lengthens
  the lead time, so adding waiting never raises PCE. With parallel tracks PCE can exceed 100 %:
  more work is done than time passes.
- *rolled % complete and accurate*: the product of every step's %C&A, the share of items that
  pass the whole stream without anything needing correction.
- *extra load from rework*: ``Σ (visits - 1) × process``, also as a share of first-pass work.
- *bottleneck*: the step with the largest expected process time per item (``visits × process``),
  the one that limits throughput when each step has the same people.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from soms.core.toolkit_input import Problem, ToolkitInputError, check_number, raise_if

MAX_STEPS = 200
MAX_REWORK_LOOPS = 200
MAX_TEXT = 200

# Minutes in each unit a map may be drawn in; a step time above a year is refused as impossible.
UNIT_MINUTES: Mapping[str, float] = {"minutes": 1.0, "hours": 60.0, "days": 1440.0}
MAX_STEP_MINUTES = 366 * 1440.0


class Office(StrEnum):
    FRONT = "front"
    BACK = "back"


@dataclass(frozen=True)
class Step:
    key: str
    name: str
    process_time: float
    waiting_time: float = 0.0
    complete_accurate_pct: float = 100.0
    office: Office = Office.BACK
    actor: str = ""
    technology: str = ""
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rework:
    """``share_pct`` % of the work leaving ``from_step`` goes back to ``to_step`` (same or earlier)."""

    from_step: str
    to_step: str
    share_pct: float


@dataclass(frozen=True)
class ValueStream:
    steps: tuple[Step, ...]
    rework: tuple[Rework, ...] = ()
    time_unit: str = "minutes"


@dataclass(frozen=True)
class StepResult:
    key: str
    name: str
    office: Office
    visits: float
    process_time: float  # expected, visits × process time
    waiting_time: float  # expected, visits × waiting time
    start: float  # earliest time the step's waiting can begin
    finish: float
    slack: float  # how much later it could finish without delaying the lead time
    critical: bool
    depth: int  # column on the map: the longest chain of predecessors


@dataclass(frozen=True)
class VsmResult:
    time_unit: str
    lead_time: float
    first_pass_lead_time: float
    total_process_time: float
    first_pass_process_time: float
    critical_waiting_time: float
    pce: float | None  # None when the lead time is zero
    rolled_ca_pct: float
    rework_extra_time: float
    rework_extra_pct: float | None
    loop_gain: float
    bottleneck: str | None
    longest_wait: str | None
    critical_path: tuple[str, ...]
    steps: tuple[StepResult, ...]
    front_office_process_time: float
    back_office_process_time: float

    def step(self, key: str) -> StepResult:
        return next(s for s in self.steps if s.key == key)


def validate(stream: ValueStream) -> list[Problem]:
    """Every problem with the map, each naming its field; an empty list means it can be analysed."""
    problems: list[Problem] = []
    if stream.time_unit not in UNIT_MINUTES:
        problems.append(Problem(("time_unit",), f"must be one of {', '.join(UNIT_MINUTES)}"))
        max_time = MAX_STEP_MINUTES
    else:
        max_time = MAX_STEP_MINUTES / UNIT_MINUTES[stream.time_unit]
    if not stream.steps:
        problems.append(Problem(("steps",), "a value stream needs at least one step"))
    if len(stream.steps) > MAX_STEPS:
        problems.append(Problem(("steps",), f"at most {MAX_STEPS} steps"))
        return problems
    if len(stream.rework) > MAX_REWORK_LOOPS:
        problems.append(Problem(("rework",), f"at most {MAX_REWORK_LOOPS} rework loops"))
        return problems
    seen: dict[str, int] = {}
    for i, s in enumerate(stream.steps):
        loc: tuple[str | int, ...] = ("steps", i)
        if not s.key.strip():
            problems.append(Problem((*loc, "key"), "must not be blank"))
        elif s.key in seen:
            problems.append(Problem((*loc, "key"), f"{s.key!r} is already used by step {seen[s.key] + 1}"))
        else:
            seen[s.key] = i
        if not s.name.strip():
            problems.append(Problem((*loc, "name"), "must not be blank"))
        for name in ("key", "name", "actor", "technology"):
            if len(getattr(s, name)) > MAX_TEXT:
                problems.append(Problem((*loc, name), f"at most {MAX_TEXT} characters"))
        unit = stream.time_unit
        for name in ("process_time", "waiting_time"):
            check_number(
                problems, (*loc, name), getattr(s, name), low=0, high=max_time, what=f"a time in {unit}"
            )
        check_number(problems, (*loc, "complete_accurate_pct"), s.complete_accurate_pct, low=0, high=100)
        if s.office not in (Office.FRONT, Office.BACK):
            problems.append(Problem((*loc, "office"), "must be front or back"))
    for i, s in enumerate(stream.steps):
        for ref in s.after:
            if ref == s.key:
                problems.append(
                    Problem(
                        ("steps", i, "after"), "a step cannot follow itself; declare a rework loop instead"
                    )
                )
            elif ref not in seen:
                problems.append(Problem(("steps", i, "after"), f"no step has the key {ref!r}"))
        if len(set(s.after)) != len(s.after):
            problems.append(Problem(("steps", i, "after"), "names the same step twice"))
    if problems:
        return problems
    cycle = _find_cycle(stream.steps)
    if cycle:
        names = " → ".join(cycle)
        problems.append(
            Problem(
                ("steps",),
                f"the steps go round in a circle ({names}); going back to an earlier step must be "
                "declared as a rework loop with its share",
            )
        )
        return problems
    ancestors = _ancestors(stream.steps)
    for i, r in enumerate(stream.rework):
        loc = ("rework", i)
        ok = True
        for name in ("from_step", "to_step"):
            if getattr(r, name) not in seen:
                problems.append(Problem((*loc, name), f"no step has the key {getattr(r, name)!r}"))
                ok = False
        if check_number(problems, (*loc, "share_pct"), r.share_pct, low=0, high=100, low_open=True) is False:
            ok = False
        elif r.share_pct >= 100:
            problems.append(
                Problem((*loc, "share_pct"), "must be below 100: all work sent back never finishes")
            )
            ok = False
        if ok and r.to_step != r.from_step and r.to_step not in ancestors[r.from_step]:
            problems.append(
                Problem(
                    (*loc, "to_step"),
                    f"rework goes back to the same or an earlier step, and {r.to_step!r} does not come "
                    f"before {r.from_step!r}",
                )
            )
    if problems:
        return problems
    gain = _loop_gain(_rework_matrix(stream, ancestors))
    if gain >= 1.0 - 1e-12:
        problems.append(
            Problem(
                ("rework",),
                f"the rework loops together send back more work than leaves them (loop gain {gain:.3g}); "
                "such work never finishes — lower the shares",
            )
        )
    return problems


def analyse(stream: ValueStream) -> VsmResult:
    """The map's figures; raises ToolkitInputError listing every problem when the map is not valid."""
    raise_if(validate(stream))
    steps = stream.steps
    index = {s.key: i for i, s in enumerate(steps)}
    ancestors = _ancestors(steps)
    matrix = _rework_matrix(stream, ancestors)
    gain = _loop_gain(matrix)
    n = len(steps)
    visits = np.linalg.solve(np.eye(n) - matrix, np.ones(n)) if stream.rework else np.ones(n)
    visit_list = [max(float(v), 1.0) for v in visits]

    order = _topological(steps)
    durations = [visit_list[i] * (s.waiting_time + s.process_time) for i, s in enumerate(steps)]
    first_pass = [s.waiting_time + s.process_time for s in steps]
    start, finish = _forward(steps, order, index, durations)
    _, finish_first = _forward(steps, order, index, first_pass)
    lead = max(finish, default=0.0)
    latest = _backward(steps, order, index, durations, lead)
    depth = [0] * n
    for i in order:
        depth[i] = max((depth[index[p]] + 1 for p in steps[i].after), default=0)

    path: list[int] = []
    if steps:
        current: int | None = max(range(n), key=lambda i: (finish[i], -i))
        while current is not None:
            path.append(current)
            preds = [index[p] for p in steps[current].after]
            current = max(preds, key=lambda i: (finish[i], -i)) if preds else None
        path.reverse()
    on_path = set(path)

    expected_process = [visit_list[i] * s.process_time for i, s in enumerate(steps)]
    total_process = math.fsum(expected_process)
    first_process = math.fsum(s.process_time for s in steps)
    extra = math.fsum((visit_list[i] - 1.0) * s.process_time for i, s in enumerate(steps))
    critical_waiting = math.fsum(visit_list[i] * steps[i].waiting_time for i in path)
    rolled = 100.0 * math.prod(s.complete_accurate_pct / 100.0 for s in steps)
    results = tuple(
        StepResult(
            key=s.key,
            name=s.name,
            office=s.office,
            visits=visit_list[i],
            process_time=expected_process[i],
            waiting_time=visit_list[i] * s.waiting_time,
            start=start[i],
            finish=finish[i],
            slack=max(latest[i] - finish[i], 0.0),
            critical=i in on_path,
            depth=depth[i],
        )
        for i, s in enumerate(steps)
    )
    busiest = max(range(n), key=lambda i: (expected_process[i], -i)) if n else None
    longest = max(range(n), key=lambda i: (results[i].waiting_time, -i)) if n else None
    return VsmResult(
        time_unit=stream.time_unit,
        lead_time=lead,
        first_pass_lead_time=max(finish_first, default=0.0),
        total_process_time=total_process,
        first_pass_process_time=first_process,
        critical_waiting_time=critical_waiting,
        pce=total_process / lead if lead > 0 else None,
        rolled_ca_pct=rolled,
        rework_extra_time=extra,
        rework_extra_pct=100.0 * extra / first_process if first_process > 0 else None,
        loop_gain=gain,
        bottleneck=steps[busiest].key if busiest is not None and expected_process[busiest] > 0 else None,
        longest_wait=steps[longest].key
        if longest is not None and results[longest].waiting_time > 0
        else None,
        critical_path=tuple(steps[i].key for i in path),
        steps=results,
        front_office_process_time=math.fsum(
            expected_process[i] for i, s in enumerate(steps) if s.office is Office.FRONT
        ),
        back_office_process_time=math.fsum(
            expected_process[i] for i, s in enumerate(steps) if s.office is not Office.FRONT
        ),
    )


def sequential(steps: Sequence[Step]) -> tuple[Step, ...]:
    """The steps chained in the order given: each step that names no predecessor follows the one before."""
    out: list[Step] = []
    for i, s in enumerate(steps):
        if i > 0 and not s.after:
            s = Step(**{**s.__dict__, "after": (steps[i - 1].key,)})
        out.append(s)
    return tuple(out)


# --- current state beside future state ------------------------------------------------------------


@dataclass(frozen=True)
class MetricChange:
    name: str
    label: str
    current: float | None
    future: float | None
    change: float | None
    better: bool | None  # None when unchanged or not comparable


@dataclass(frozen=True)
class StepChange:
    key: str
    name: str
    fields: tuple[tuple[str, object, object], ...]  # (field, current, future)


@dataclass(frozen=True)
class Comparison:
    metrics: tuple[MetricChange, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[StepChange, ...]
    unchanged: tuple[str, ...] = field(default=())


# (attribute, label, higher is better)
_COMPARED: tuple[tuple[str, str, bool], ...] = (
    ("lead_time", "Lead time", False),
    ("total_process_time", "Total process time", False),
    ("pce", "Process cycle efficiency", True),
    ("rolled_ca_pct", "Rolled % complete and accurate", True),
    ("rework_extra_time", "Extra load from rework", False),
)

_STEP_FIELDS = (
    "name",
    "process_time",
    "waiting_time",
    "complete_accurate_pct",
    "office",
    "actor",
    "technology",
    "after",
)


def compare(current: ValueStream, future: ValueStream) -> Comparison:
    """What the future state changes: each headline figure and each step, matched by key.

    Both maps must be in the same time unit, so that their times can be subtracted.
    """
    problems = [Problem(("current", *p.loc), p.message) for p in validate(current)]
    problems += [Problem(("future", *p.loc), p.message) for p in validate(future)]
    if not problems and current.time_unit != future.time_unit:
        problems.append(
            Problem(("future", "time_unit"), f"must be {current.time_unit}, as the current state")
        )
    raise_if(problems)
    a, b = analyse(current), analyse(future)
    metrics = []
    for name, label, higher in _COMPARED:
        x, y = getattr(a, name), getattr(b, name)
        change = y - x if x is not None and y is not None else None
        better = None if change is None or abs(change) < 1e-12 else (change > 0) == higher
        metrics.append(MetricChange(name, label, x, y, change, better))
    before = {s.key: s for s in current.steps}
    after = {s.key: s for s in future.steps}
    changed, same = [], []
    for key, s in before.items():
        t = after.get(key)
        if t is None:
            continue
        diffs = tuple(
            (f, getattr(s, f), getattr(t, f)) for f in _STEP_FIELDS if getattr(s, f) != getattr(t, f)
        )
        if diffs:
            changed.append(StepChange(key, t.name, diffs))
        else:
            same.append(key)
    return Comparison(
        metrics=tuple(metrics),
        added=tuple(k for k in after if k not in before),
        removed=tuple(k for k in before if k not in after),
        changed=tuple(changed),
        unchanged=tuple(same),
    )


# --- graph helpers ---------------------------------------------------------------------------------


def _find_cycle(steps: Sequence[Step]) -> list[str]:
    """One cycle through the ``after`` edges as a list of keys (first repeated at the end), or []."""
    preds = {s.key: s.after for s in steps}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in preds:
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                state[node] = 1
                path.append(node)
            nexts = preds[node]
            if i < len(nexts):
                stack.append((node, i + 1))
                nxt = nexts[i]
                if state.get(nxt) == 1:
                    loop = path[path.index(nxt) :] + [nxt]
                    return loop[::-1]  # reversed, so it reads in the direction work flows
                if not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
    return []


def _topological(steps: Sequence[Step]) -> list[int]:
    index = {s.key: i for i, s in enumerate(steps)}
    remaining = [len(s.after) for s in steps]
    successors: list[list[int]] = [[] for _ in steps]
    for i, s in enumerate(steps):
        for p in s.after:
            successors[index[p]].append(i)
    ready = [i for i, r in enumerate(remaining) if r == 0]
    order: list[int] = []
    while ready:
        ready.sort()
        i = ready.pop(0)
        order.append(i)
        for j in successors[i]:
            remaining[j] -= 1
            if remaining[j] == 0:
                ready.append(j)
    return order


def _ancestors(steps: Sequence[Step]) -> dict[str, set[str]]:
    index = {s.key: i for i, s in enumerate(steps)}
    out: dict[str, set[str]] = {}
    for i in _topological(steps):
        s = steps[i]
        mine: set[str] = set()
        for p in s.after:
            mine.add(p)
            mine |= out[steps[index[p]].key]
        out[s.key] = mine
    return out


def _rework_matrix(stream: ValueStream, ancestors: Mapping[str, set[str]]) -> np.ndarray:
    steps = stream.steps
    index = {s.key: i for i, s in enumerate(steps)}
    matrix = np.zeros((len(steps), len(steps)))
    for r in stream.rework:
        source = index[r.from_step]
        body = {
            s.key
            for s in steps
            if s.key in (r.to_step, r.from_step)
            or (r.to_step in ancestors[s.key] and s.key in ancestors[r.from_step])
        }
        for key in body:
            matrix[index[key], source] += r.share_pct / 100.0
    return matrix


def _loop_gain(matrix: np.ndarray) -> float:
    if not matrix.any():
        return 0.0
    return float(max(abs(np.linalg.eigvals(matrix))))


def _forward(
    steps: Sequence[Step], order: Sequence[int], index: Mapping[str, int], durations: Sequence[float]
) -> tuple[list[float], list[float]]:
    start = [0.0] * len(steps)
    finish = [0.0] * len(steps)
    for i in order:
        start[i] = max((finish[index[p]] for p in steps[i].after), default=0.0)
        finish[i] = start[i] + durations[i]
    return start, finish


def _backward(
    steps: Sequence[Step],
    order: Sequence[int],
    index: Mapping[str, int],
    durations: Sequence[float],
    lead: float,
) -> list[float]:
    successors: list[list[int]] = [[] for _ in steps]
    for i, s in enumerate(steps):
        for p in s.after:
            successors[index[p]].append(i)
    latest = [lead] * len(steps)
    for i in reversed(order):
        if successors[i]:
            latest[i] = min(latest[j] - durations[j] for j in successors[i])
    return latest


__all__ = [
    "MAX_STEPS",
    "UNIT_MINUTES",
    "Comparison",
    "MetricChange",
    "Office",
    "Rework",
    "Step",
    "StepChange",
    "StepResult",
    "ToolkitInputError",
    "ValueStream",
    "VsmResult",
    "analyse",
    "compare",
    "sequential",
    "validate",
]
