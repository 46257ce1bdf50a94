"""Stakeholder maps: input schema shared by pages, API and CLI, and the core call behind it."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from soms.charts import stakeholder_grid
from soms.core import stakeholders as core
from soms.fields import NulFree
from soms.tenancy.models import Organisation
from soms.toolkits.saved.kinds import SavedKind, plain

DimensionName = Literal[
    "organisations_people", "information_technology", "partners_suppliers", "value_streams_processes"
]


class StakeholderIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=200)
    role: str = Field("", max_length=200)
    influence: int = Field(..., description="1–5: how much they can shape or block the change")
    interest: int = Field(..., description="1–5: how much the change affects or concerns them")
    plan: str = Field("", max_length=4000, description="The engagement plan")


class DimensionIn(NulFree):
    model_config = ConfigDict(extra="forbid")

    dimension: DimensionName
    impact: Literal["none", "low", "medium", "high"]
    notes: str = Field("", max_length=4000)
    risks: list[str] = Field(default_factory=list, max_length=50)


class StakeholderMapInput(NulFree):
    model_config = ConfigDict(extra="forbid")

    change_project: str = Field("", max_length=200, description="The change this map is for")
    stakeholders: list[StakeholderIn] = Field(..., max_length=core.MAX_STAKEHOLDERS)
    dimensions: list[DimensionIn] = Field(default_factory=list, max_length=4)


def to_core(inp: StakeholderMapInput) -> core.StakeholderMap:
    return core.StakeholderMap(
        stakeholders=tuple(
            core.Stakeholder(s.name.strip(), s.influence, s.interest, s.role.strip(), s.plan.strip())
            for s in inp.stakeholders
        ),
        dimensions=tuple(
            core.DimensionAssessment(
                core.Dimension(d.dimension),
                core.Impact(d.impact),
                d.notes.strip(),
                tuple(r.strip() for r in d.risks if r.strip()),
            )
            for d in inp.dimensions
        ),
    )


def compute(
    inp: BaseModel, organisation: Organisation | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    assert isinstance(inp, StakeholderMapInput)
    result = core.analyse(to_core(inp))
    results = plain(result)
    results["dimension_names"] = {d.value: n for d, n in core.DIMENSION_NAMES.items()}
    return inp.model_dump(mode="json"), results


def results_csv(inputs: dict[str, Any], results: dict[str, Any]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["stakeholder", "role", "influence", "interest", "quadrant", "plan"])
    for p in results["placed"]:
        w.writerow([p["name"], p["role"], p["influence"], p["interest"], p["quadrant_name"], p["plan"]])
    w.writerow([])
    w.writerow(["dimension", "impact", "notes", "risks"])
    names = results.get("dimension_names", {})
    for d in results["dimensions"]:
        w.writerow(
            [names.get(d["dimension"], d["dimension"]), d["impact"], d["notes"], "; ".join(d["risks"])]
        )
    for d in results["unassessed"]:
        w.writerow([names.get(d, d), "not assessed", "", ""])
    return out.getvalue()


def charts(results: dict[str, Any]) -> list[str]:
    return ["grid"]


def svg(name: str, inputs: dict[str, Any], results: dict[str, Any], chart: str) -> str:
    result = core.analyse(to_core(StakeholderMapInput.model_validate(inputs)))
    return stakeholder_grid(result, title=f"{name}: influence × interest", ident="stakeholder-grid")


def _compute(inp: BaseModel, organisation: Organisation) -> tuple[dict[str, Any], dict[str, Any]]:
    return compute(inp, organisation)


def _kind() -> SavedKind:
    from soms.toolkits.models.saved import StakeholderMap

    return SavedKind(
        model=StakeholderMap,
        slug="stakeholder-maps",
        label="stakeholder map",
        input_schema=StakeholderMapInput,
        compute=_compute,
        csv=results_csv,
        charts=charts,
        svg=svg,
        extra_fields=("change_project",),
    )


KIND = _kind()
