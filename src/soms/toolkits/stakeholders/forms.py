"""The stakeholder map editor: stakeholders scored 1–5, and the four dimensions of the change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.safestring import mark_safe

from soms.charts import for_screens, stakeholder_grid
from soms.core import stakeholders as core
from soms.core.toolkit_input import Problem
from soms.fields import SomsForm
from soms.toolkits.saved.editor import RowForm, Rows, place_problems, score_choices
from soms.toolkits.saved.views import Editor
from soms.toolkits.stakeholders.compute import KIND, StakeholderMapInput, to_core

IMPACT = [("", "not assessed"), ("none", "none"), ("low", "low"), ("medium", "medium"), ("high", "high")]


class StakeholderRow(RowForm):
    REQUIRED = ("name", "influence", "interest")

    name = forms.CharField(label="Stakeholder", max_length=200, required=False)
    role = forms.CharField(label="Role", max_length=200, required=False)
    influence = forms.TypedChoiceField(
        label="Influence (1–5)", choices=score_choices(""), coerce=int, required=False, empty_value=None
    )
    interest = forms.TypedChoiceField(
        label="Interest (1–5)", choices=score_choices(""), coerce=int, required=False, empty_value=None
    )
    plan = forms.CharField(
        label="Engagement plan", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 1})
    )

    def to_item(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class DimensionForm(SomsForm):
    impact = forms.ChoiceField(label="Impact of the change", choices=IMPACT, required=False)
    notes = forms.CharField(
        label="Notes", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    risks = forms.CharField(
        label="Risks (one per line)",
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StakeholderEditor(Editor):
    kind = KIND
    url = "stakeholders"
    title = "Stakeholder maps"
    lead = (
        "For a change project: who can shape or block it and who it touches, placed on the influence × interest "
        "grid with a plan for each; and the change looked at through the four dimensions of service management."
    )
    body_template = "toolkits/stakeholders/_editor.html"
    result_template = "toolkits/stakeholders/_result.html"

    def __init__(
        self, data: Any = None, inputs: dict[str, Any] | None = None, more: int = 0, organisation: Any = None
    ):
        self.general: list[str] = []
        inputs = inputs or {}
        self.change_project = forms.CharField(max_length=200, required=False)
        self.change_project_value = (
            data.get("change_project", "") if data is not None else inputs.get("change_project", "")
        )[:200]
        self.tables: dict[tuple[str, ...], Rows] = {
            ("stakeholders",): Rows(StakeholderRow, "stakeholders", data=data, initial=inputs.get("stakeholders", []), spare=3 if not inputs else 1, more=more)
        }  # fmt: skip
        stored = {d["dimension"]: d for d in inputs.get("dimensions", [])}
        self.dimensions = []
        for dim, label in core.DIMENSION_NAMES.items():
            d = stored.get(dim.value)
            initial = (
                {"impact": d["impact"], "notes": d["notes"], "risks": "\n".join(d["risks"])} if d else {}
            )
            self.dimensions.append(
                (dim.value, label, DimensionForm(data=data, prefix=dim.value, initial=initial))
            )

    @property
    def stakeholders(self) -> Any:
        return self.tables[("stakeholders",)].formset

    def to_input(self) -> dict[str, Any] | None:
        people = self.tables[("stakeholders",)].items()
        dims = []
        ok = people is not None
        for value, _, form in self.dimensions:
            if not form.is_valid():
                ok = False
                continue
            if form.cleaned_data["impact"]:
                risks = [r.strip() for r in form.cleaned_data["risks"].splitlines() if r.strip()]
                dims.append(
                    {
                        "dimension": value,
                        "impact": form.cleaned_data["impact"],
                        "notes": form.cleaned_data["notes"],
                        "risks": risks,
                    }
                )
        if not ok:
            return None
        return {
            "change_project": self.change_project_value.strip(),
            "stakeholders": people,
            "dimensions": dims,
        }

    def place(self, problems: list[Problem]) -> None:
        place_problems(problems, self.tables, self.general)

    @staticmethod
    def result_context(name: str, inputs: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
        result = core.analyse(to_core(StakeholderMapInput.model_validate(inputs)))
        names = results.get("dimension_names", {})
        quadrants = [
            {"name": core.QUADRANT_NAMES[q], "advice": core.QUADRANT_ADVICE[q], "people": [p for p in results["placed"] if p["quadrant"] == q.value]}
            for q in core.Quadrant
        ]  # fmt: skip
        return {
            "inputs": inputs,
            "results": results,
            "grid": mark_safe(
                for_screens(
                    stakeholder_grid,
                    result,
                    title=f"{name}: influence × interest",
                    ident="stakeholder-grid",
                    phone={"height": 470},
                )
            ),
            "quadrants": quadrants,
            "dims": [d | {"name": names.get(d["dimension"], d["dimension"])} for d in results["dimensions"]],
            "unassessed": [names.get(d, d) for d in results["unassessed"]],
        }
