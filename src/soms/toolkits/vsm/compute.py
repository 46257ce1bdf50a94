"""Value stream maps: the input schema shared by pages, API and CLI, and the core call behind it.

A step without a key gets its position (``"1"``, ``"2"`` …); a step that does not say what it
follows (``after`` left out) follows the step before it, so a straight line of steps needs no
wiring at all, while ``after: []`` starts a parallel track.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from soms.charts import value_stream_map
from soms.core import vsm
from soms.core.toolkit_input import Problem, ToolkitInputError
from soms.fields import NulFree
from soms.tenancy.models import Organisation
from soms.toolkits.saved.kinds import SavedKind, plain

TimeUnit = Literal["minutes", "hours", "days"]


class ValueStreamStepIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(None, max_length=40, description="Unique in the map; defaults to the position")
    name: str = Field(..., max_length=200)
    process_time: float = Field(..., description="Time being worked on, in the map's unit")
    waiting_time: float = Field(0.0, description="Time waiting in front of the step")
    complete_accurate_pct: float = Field(
        100.0, description="% of work this step receives complete and accurate"
    )
    office: Literal["front", "back"] = "back"
    actor: str = Field("", max_length=200, description="Who does it: a role or team")
    technology: str = Field("", max_length=200)
    after: list[str] | None = Field(
        None, max_length=20, description="Keys of the steps it follows; omitted: the previous step"
    )


class ReworkIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    from_step: str = Field(..., max_length=40, description="Key of the step where the rework is found")
    to_step: str = Field(..., max_length=40, description="Key of the same or an earlier step it goes back to")
    share_pct: float = Field(..., description="% of the work leaving from_step that goes back")


class StateIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    steps: list[ValueStreamStepIn] = Field(..., max_length=vsm.MAX_STEPS)
    rework: list[ReworkIn] = Field(default_factory=list, max_length=vsm.MAX_REWORK_LOOPS)


class ValueStreamInput(NulFree):
    model_config = ConfigDict(extra="forbid")

    time_unit: TimeUnit = "minutes"
    current: StateIn
    future: StateIn | None = Field(None, description="The future state, to compare with the current one")


def normalise(state: StateIn) -> StateIn:
    steps: list[ValueStreamStepIn] = []
    for i, s in enumerate(state.steps):
        key = (s.key or "").strip() or str(i + 1)
        after = s.after if s.after is not None else ([steps[-1].key or ""] if steps else [])
        steps.append(
            s.model_copy(update={"key": key, "name": s.name.strip(), "after": [a.strip() for a in after]})
        )
    return StateIn(steps=steps, rework=state.rework)


def to_core(state: StateIn, time_unit: str) -> vsm.ValueStream:
    state = normalise(state)
    return vsm.ValueStream(
        steps=tuple(
            vsm.Step(
                key=s.key or "",
                name=s.name,
                process_time=s.process_time,
                waiting_time=s.waiting_time,
                complete_accurate_pct=s.complete_accurate_pct,
                office=vsm.Office(s.office),
                actor=s.actor.strip(),
                technology=s.technology.strip(),
                after=tuple(s.after or ()),
            )
            for s in state.steps
        ),
        rework=tuple(vsm.Rework(r.from_step.strip(), r.to_step.strip(), r.share_pct) for r in state.rework),
        time_unit=time_unit,
    )


def _analyse(stream: vsm.ValueStream, prefix: str) -> vsm.VsmResult:
    try:
        return vsm.analyse(stream)
    except ToolkitInputError as exc:
        raise ToolkitInputError([Problem((prefix, *p.loc), p.message) for p in exc.problems]) from None


def compute(
    inp: BaseModel, organisation: Organisation | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    assert isinstance(inp, ValueStreamInput)
    current = to_core(inp.current, inp.time_unit)
    problems: list[Problem] = []
    results: dict[str, Any] = {}
    try:
        results["current"] = plain(_analyse(current, "current"))
    except ToolkitInputError as exc:
        problems += exc.problems
    future = to_core(inp.future, inp.time_unit) if inp.future is not None else None
    if future is not None:
        try:
            results["future"] = plain(_analyse(future, "future"))
        except ToolkitInputError as exc:
            problems += exc.problems
    if problems:
        raise ToolkitInputError(problems)
    results["comparison"] = plain(vsm.compare(current, future)) if future is not None else None
    results.setdefault("future", None)
    stored = ValueStreamInput(
        time_unit=inp.time_unit,
        current=normalise(inp.current),
        future=normalise(inp.future) if inp.future is not None else None,
    )
    return stored.model_dump(mode="json"), results


METRICS = (
    ("lead_time", "Lead time"),
    ("first_pass_lead_time", "Lead time without rework"),
    ("total_process_time", "Total process time"),
    ("critical_waiting_time", "Waiting on the critical path"),
    ("pce", "Process cycle efficiency"),
    ("rolled_ca_pct", "Rolled % complete and accurate"),
    ("rework_extra_time", "Extra load from rework"),
    ("rework_extra_pct", "Extra load from rework (% of first-pass work)"),
    ("loop_gain", "Loop gain"),
    ("bottleneck", "Bottleneck"),
)


def results_csv(inputs: dict[str, Any], results: dict[str, Any]) -> str:
    """The headline figures (current and future side by side), a blank line, then every step."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["metric", "current", "future", "unit"])
    unit = inputs["time_unit"]
    for key, label in METRICS:
        cur = results["current"][key]
        fut = results["future"][key] if results.get("future") else ""
        shown_unit = unit if key.endswith("_time") else ("%" if key.endswith("pct") else "")
        if key == "pce":
            cur = cur * 100 if cur is not None else ""
            fut = fut * 100 if isinstance(fut, float) else fut
            shown_unit = "%"
        w.writerow([label, cur, fut, shown_unit])
    w.writerow([])
    w.writerow(
        [
            "state", "key", "name", "office", "actor", "technology", "after", "process_time", "waiting_time",
            "complete_accurate_pct", "visits", "expected_process_time", "expected_waiting_time", "start",
            "finish", "slack", "critical",
        ]
    )  # fmt: skip
    for state in ("current", "future"):
        if not results.get(state):
            continue
        by_key = {s["key"]: s for s in results[state]["steps"]}
        for s in inputs[state]["steps"]:
            r = by_key[s["key"]]
            w.writerow(
                [
                    state, s["key"], s["name"], s["office"], s["actor"], s["technology"], " ".join(s["after"]),
                    s["process_time"], s["waiting_time"], s["complete_accurate_pct"], r["visits"],
                    r["process_time"], r["waiting_time"], r["start"], r["finish"], r["slack"],
                    "yes" if r["critical"] else "no",
                ]
            )  # fmt: skip
    return out.getvalue()


def charts(results: dict[str, Any]) -> list[str]:
    return ["current", "future"] if results.get("future") else ["current"]


def svg(name: str, inputs: dict[str, Any], results: dict[str, Any], chart: str) -> str:
    state = to_core(StateIn.model_validate(inputs[chart]), inputs["time_unit"])
    result = vsm.analyse(state)
    title = f"{name}: {'future' if chart == 'future' else 'current'} state"
    return value_stream_map(state.steps, state.rework, result, title=title, ident=f"vsm-{chart}")


def _compute(inp: BaseModel, organisation: Organisation) -> tuple[dict[str, Any], dict[str, Any]]:
    return compute(inp, organisation)


def _kind() -> SavedKind:
    from soms.toolkits.models.saved import ValueStreamMap

    return SavedKind(
        model=ValueStreamMap,
        slug="value-streams",
        label="value stream map",
        input_schema=ValueStreamInput,
        compute=_compute,
        csv=results_csv,
        charts=charts,
        svg=svg,
    )


KIND = _kind()
