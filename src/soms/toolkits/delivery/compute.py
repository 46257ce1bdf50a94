"""The service delivery system: input schema shared by pages, API and CLI, and the core call behind it.

A segment's demand profile can come from a saved capacity study of the same organisation
(``capacity_study_id``); the result then carries the study's name and its variability figures.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from soms.charts import delivery_matrix
from soms.core import delivery
from soms.core.toolkit_input import Problem, ToolkitInputError
from soms.core.vsm import Office
from soms.fields import NulFree
from soms.tenancy.models import Organisation
from soms.toolkits.saved.kinds import SavedKind, plain


class SegmentIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(None, max_length=40, description="Unique; defaults to S1, S2 …")
    name: str = Field(..., max_length=200)
    variety: int = Field(..., description="1–5: how much the demand differs from customer to customer")
    share_pct: float | None = Field(None, description="Share of all demand, 0–100")
    notes: str = Field("", max_length=4000)
    capacity_study_id: int | None = Field(None, ge=1, le=2**31 - 1, description="A saved capacity study")


class ProcessIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(None, max_length=40, description="Unique; defaults to P1, P2 …")
    name: str = Field(..., max_length=200)
    office: Literal["front", "back"]
    volume: int = Field(..., description="1–5, relative to the organisation's other processes")
    variety: int = Field(..., description="1–5: how much one job differs from the next")
    segments: list[str] = Field(
        default_factory=list, max_length=200, description="Keys of the segments served"
    )
    notes: str = Field("", max_length=4000)


class DeliveryInput(NulFree):
    model_config = ConfigDict(extra="forbid")

    segments: list[SegmentIn] = Field(default_factory=list, max_length=delivery.MAX_ITEMS)
    processes: list[ProcessIn] = Field(..., max_length=delivery.MAX_ITEMS)


def normalise(inp: DeliveryInput) -> DeliveryInput:
    segments = [
        s.model_copy(update={"key": (s.key or "").strip() or f"S{i + 1}", "name": s.name.strip()})
        for i, s in enumerate(inp.segments)
    ]
    processes = [
        p.model_copy(
            update={
                "key": (p.key or "").strip() or f"P{i + 1}",
                "name": p.name.strip(),
                "segments": [k.strip() for k in p.segments if k.strip()],
            }
        )
        for i, p in enumerate(inp.processes)
    ]
    return DeliveryInput(segments=segments, processes=processes)


def to_core(inp: DeliveryInput) -> delivery.DeliverySystem:
    inp = normalise(inp)
    return delivery.DeliverySystem(
        segments=tuple(
            delivery.Segment(s.key or "", s.name, s.variety, s.share_pct, s.notes, s.capacity_study_id)
            for s in inp.segments
        ),
        processes=tuple(
            delivery.Process(
                p.key or "", p.name, Office(p.office), p.volume, p.variety, tuple(p.segments), p.notes
            )
            for p in inp.processes
        ),
    )


def _studies(inp: DeliveryInput, organisation: Organisation | None) -> dict[str, Any]:
    """Each referenced capacity study's name and demand variability, found only in ``organisation``."""
    from soms.toolkits.models.capacity import CapacityStudy

    wanted = {s.capacity_study_id for s in inp.segments if s.capacity_study_id is not None}
    if not wanted:
        return {}
    found = (
        {s.pk: s for s in CapacityStudy.objects.filter(organisation=organisation, pk__in=wanted)}
        if organisation is not None
        else {}
    )
    problems, linked = [], {}
    for i, s in enumerate(inp.segments):
        if s.capacity_study_id is None:
            continue
        study = found.get(s.capacity_study_id)
        if study is None:
            problems.append(Problem(("segments", i, "capacity_study_id"), "no capacity study with this id"))
            continue
        profile = (study.results or {}).get("profile") or {}
        linked[s.key or f"S{i + 1}"] = {
            "id": study.pk,
            "name": study.name,
            "kind": study.kind,
            "cv": profile.get("cv"),
            "peak_to_average": profile.get("peak_to_average"),
        }
    if problems:
        raise ToolkitInputError(problems)
    return linked


def compute(
    inp: BaseModel, organisation: Organisation | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    assert isinstance(inp, DeliveryInput)
    norm = normalise(inp)
    result = delivery.analyse(to_core(norm))
    results = plain(result)
    results["capacity_studies"] = _studies(norm, organisation)
    return norm.model_dump(mode="json"), results


def results_csv(inputs: dict[str, Any], results: dict[str, Any]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        ["process", "name", "office", "volume", "variety", "environment", "segments", "warnings", "optimise"]
    )
    segs = {p["key"]: p["segments"] for p in inputs["processes"]}
    for p in results["placements"]:
        w.writerow(
            [
                p["key"], p["name"], p["office"], p["volume"], p["variety"], p["environment_name"],
                " ".join(segs.get(p["key"], [])), "; ".join(p["warnings"]), p["optimise"],
            ]
        )  # fmt: skip
    w.writerow([])
    w.writerow(["segment", "name", "variety", "share_pct", "capacity_study", "notes"])
    linked = results.get("capacity_studies") or {}
    for s in inputs["segments"]:
        study = linked.get(s["key"])
        w.writerow(
            [s["key"], s["name"], s["variety"], s["share_pct"], study["name"] if study else "", s["notes"]]
        )
    return out.getvalue()


def charts(results: dict[str, Any]) -> list[str]:
    return ["matrix"]


def svg(name: str, inputs: dict[str, Any], results: dict[str, Any], chart: str) -> str:
    result = delivery.analyse(to_core(DeliveryInput.model_validate(inputs)))
    return delivery_matrix(result, title=f"{name}: volume × variety", ident="delivery-matrix")


def _compute(inp: BaseModel, organisation: Organisation) -> tuple[dict[str, Any], dict[str, Any]]:
    return compute(inp, organisation)


def _kind() -> SavedKind:
    from soms.toolkits.models.saved import DeliverySystem

    return SavedKind(
        model=DeliverySystem,
        slug="delivery-systems",
        label="service delivery system",
        input_schema=DeliveryInput,
        compute=_compute,
        csv=results_csv,
        charts=charts,
        svg=svg,
    )


KIND = _kind()
