"""The service delivery system: who the customers are, what they ask for, and how each process runs.

Each process is scored for *volume* (how many customers or jobs one unit handles, relative to the
organisation's other processes) and *variety* (how much one job differs from the next, and how much
judgement it takes), both 1–5. Its place on the volume × variety matrix names its operational
environment, and each environment calls for a different way to optimise:

- **professional service** — low volume, high variety: few customers, each different, served by
  skilled people with discretion, mostly in the front office;
- **service shop** — the middle: a mix of standard and tailored work;
- **mass service** — high volume, low variety: many customers, standard jobs, much of the work
  done in the back office or by technology.

The environment is read from the diagonal: ``volume − variety`` of −2 or below is professional,
+2 or above is mass service, anything between a service shop. A process far off the diagonal
(both scores high, or both low) is flagged: high volume with high variety is hard to run well
either way, and low volume with low variety rarely pays for its set-up. So is a process serving a
segment whose demand varies more than the process does, since that demand will not fit it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from soms.core.toolkit_input import Problem, raise_if
from soms.core.vsm import Office

MAX_ITEMS = 200
MAX_TEXT = 200


class Environment(StrEnum):
    PROFESSIONAL = "professional"
    SHOP = "shop"
    MASS = "mass"


ENVIRONMENT_NAMES: Mapping[Environment, str] = {
    Environment.PROFESSIONAL: "Professional service",
    Environment.SHOP: "Service shop",
    Environment.MASS: "Mass service",
}

# How each environment calls to be optimised, in our words.
OPTIMISE: Mapping[Environment, str] = {
    Environment.PROFESSIONAL: (
        "Optimise the people and their judgement: recruit and develop expertise, give staff the "
        "discretion and the time to understand each customer, organise around the customer "
        "relationship rather than the task, and measure outcomes and customer experience more than "
        "throughput. Standardise only what supports the expert (records, knowledge, scheduling)."
    ),
    Environment.SHOP: (
        "Optimise the mix: separate the standard work from the tailored work, run the standard part "
        "like a flow (clear steps, capacity planned to demand) and route the exceptions to skilled "
        "staff, give customers a few well-defined options, and watch the hand-offs between front and "
        "back office where work waits."
    ),
    Environment.MASS: (
        "Optimise the process: standardise and simplify the job, move work to the back office and to "
        "technology and self-service, plan capacity closely against the demand profile, and measure "
        "cost, speed and right-first-time per transaction; keep a clear route for the few customers "
        "whose need does not fit."
    ),
}


@dataclass(frozen=True)
class Segment:
    key: str
    name: str
    variety: int  # 1–5: how much the demand differs from customer to customer
    share_pct: float | None = None  # share of demand, when known
    notes: str = ""
    capacity_study_id: int | None = None  # a saved demand profile, referenced by the Django layer


@dataclass(frozen=True)
class Process:
    key: str
    name: str
    office: Office
    volume: int  # 1–5
    variety: int  # 1–5
    segments: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class DeliverySystem:
    segments: tuple[Segment, ...]
    processes: tuple[Process, ...]


@dataclass(frozen=True)
class Placement:
    key: str
    name: str
    office: Office
    volume: int
    variety: int
    environment: Environment
    environment_name: str
    optimise: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class DeliveryResult:
    placements: tuple[Placement, ...]
    by_environment: Mapping[Environment, tuple[str, ...]]
    front_office: tuple[str, ...]
    back_office: tuple[str, ...]
    segments_unserved: tuple[str, ...]
    demand_variety: float | None  # share-weighted mean variety of demand over the segments


def environment(volume: int, variety: int) -> Environment:
    lean = volume - variety
    if lean <= -2:
        return Environment.PROFESSIONAL
    if lean >= 2:
        return Environment.MASS
    return Environment.SHOP


def _score(problems: list[Problem], loc: tuple[str | int, ...], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        problems.append(Problem(loc, "must be a whole number from 1 to 5"))


def validate(system: DeliverySystem) -> list[Problem]:
    problems: list[Problem] = []
    if len(system.segments) > MAX_ITEMS or len(system.processes) > MAX_ITEMS:
        return [Problem(("processes",), f"at most {MAX_ITEMS} segments and {MAX_ITEMS} processes")]
    if not system.processes:
        problems.append(Problem(("processes",), "place at least one process"))
    keys: dict[str, int] = {}
    for i, s in enumerate(system.segments):
        loc: tuple[str | int, ...] = ("segments", i)
        if not s.key.strip():
            problems.append(Problem((*loc, "key"), "must not be blank"))
        elif s.key in keys:
            problems.append(Problem((*loc, "key"), f"{s.key!r} is already used"))
        keys[s.key] = i
        if not s.name.strip():
            problems.append(Problem((*loc, "name"), "must not be blank"))
        _score(problems, (*loc, "variety"), s.variety)
        if s.share_pct is not None and not (isinstance(s.share_pct, int | float) and 0 <= s.share_pct <= 100):
            problems.append(Problem((*loc, "share_pct"), "must be from 0 to 100"))
        for name in ("name", "notes"):
            if len(getattr(s, name)) > (MAX_TEXT if name == "name" else 4000):
                problems.append(Problem((*loc, name), "is too long"))
    shares = [s.share_pct for s in system.segments if s.share_pct is not None]
    if shares and sum(shares) > 100.0001:
        problems.append(
            Problem(("segments",), f"the shares of demand add up to {sum(shares):g} %, over 100 %")
        )
    seen: set[str] = set()
    for i, p in enumerate(system.processes):
        loc = ("processes", i)
        if not p.key.strip():
            problems.append(Problem((*loc, "key"), "must not be blank"))
        elif p.key in seen:
            problems.append(Problem((*loc, "key"), f"{p.key!r} is already used"))
        seen.add(p.key)
        if not p.name.strip():
            problems.append(Problem((*loc, "name"), "must not be blank"))
        elif len(p.name) > MAX_TEXT:
            problems.append(Problem((*loc, "name"), "is too long"))
        if p.office not in (Office.FRONT, Office.BACK):
            problems.append(Problem((*loc, "office"), "must be front or back"))
        _score(problems, (*loc, "volume"), p.volume)
        _score(problems, (*loc, "variety"), p.variety)
        for ref in p.segments:
            if ref not in keys:
                problems.append(Problem((*loc, "segments"), f"no segment has the key {ref!r}"))
    return problems


def analyse(system: DeliverySystem) -> DeliveryResult:
    raise_if(validate(system))
    segments = {s.key: s for s in system.segments}
    placements = []
    for p in system.processes:
        env = environment(p.volume, p.variety)
        warnings = []
        if p.volume >= 4 and p.variety >= 4:
            warnings.append(
                "high volume and high variety: consider splitting the standard work from the tailored"
            )
        if p.volume <= 2 and p.variety <= 2:
            warnings.append(
                "low volume and low variety: the work may be standard enough to pool with another process"
            )
        served = [segments[k] for k in p.segments]
        wider = [s.name for s in served if s.variety > p.variety + 1]
        if wider:
            warnings.append(f"serves demand more varied than it is designed for: {', '.join(wider)}")
        if env is Environment.PROFESSIONAL and p.office is Office.BACK:
            warnings.append("a professional service in the back office: check the customer gets the expert")
        placements.append(
            Placement(
                key=p.key,
                name=p.name,
                office=p.office,
                volume=p.volume,
                variety=p.variety,
                environment=env,
                environment_name=ENVIRONMENT_NAMES[env],
                optimise=OPTIMISE[env],
                warnings=tuple(warnings),
            )
        )
    served_keys = {k for p in system.processes for k in p.segments}
    weighted = [(s.variety, s.share_pct) for s in system.segments if s.share_pct]
    if weighted:
        variety: float | None = sum(v * w for v, w in weighted) / sum(w for _, w in weighted if w)
    elif system.segments:
        variety = sum(s.variety for s in system.segments) / len(system.segments)
    else:
        variety = None
    return DeliveryResult(
        placements=tuple(placements),
        by_environment={e: tuple(p.key for p in placements if p.environment is e) for e in Environment},
        front_office=tuple(p.key for p in placements if p.office is Office.FRONT),
        back_office=tuple(p.key for p in placements if p.office is Office.BACK),
        segments_unserved=tuple(s.key for s in system.segments if s.key not in served_keys),
        demand_variety=variety,
    )


def placements_for(processes: Sequence[Process]) -> list[tuple[str, Environment]]:
    return [(p.key, environment(p.volume, p.variety)) for p in processes]
