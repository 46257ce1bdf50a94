"""The service delivery system editor: customer segments and the processes that serve them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.safestring import mark_safe

from soms.charts import delivery_matrix, for_screens
from soms.core import delivery
from soms.core.toolkit_input import Problem
from soms.toolkits.delivery.compute import KIND, DeliveryInput, to_core
from soms.toolkits.saved.editor import RowForm, Rows, place_problems, score_choices, split_keys
from soms.toolkits.saved.views import Editor

OFFICE = [("front", "Front office"), ("back", "Back office")]


class SegmentRow(RowForm):
    REQUIRED = ("name", "variety")

    key = forms.CharField(label="Key", max_length=40, required=False)
    name = forms.CharField(label="Segment", max_length=200, required=False)
    variety = forms.TypedChoiceField(
        label="Variety of demand (1–5)",
        choices=score_choices(""),
        coerce=int,
        required=False,
        empty_value=None,
    )
    share_pct = forms.FloatField(
        label="Share of demand (%)", required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    capacity_study_id = forms.TypedChoiceField(
        label="Demand profile from", choices=[("", "—")], coerce=int, required=False, empty_value=None
    )
    notes = forms.CharField(
        label="Notes", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 1})
    )

    def to_item(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["key"] = d["key"] or None
        return d


class ProcessRow(RowForm):
    REQUIRED = ("name", "volume", "variety")

    key = forms.CharField(label="Key", max_length=40, required=False)
    name = forms.CharField(label="Process", max_length=200, required=False)
    office = forms.ChoiceField(label="Office", choices=OFFICE, initial="front")
    volume = forms.TypedChoiceField(
        label="Volume (1–5)", choices=score_choices(""), coerce=int, required=False, empty_value=None
    )
    variety = forms.TypedChoiceField(
        label="Variety (1–5)", choices=score_choices(""), coerce=int, required=False, empty_value=None
    )
    segments = forms.CharField(label="Segments served (keys)", max_length=1000, required=False)
    notes = forms.CharField(
        label="Notes", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 1})
    )

    def to_item(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["key"] = d["key"] or None
        d["segments"] = split_keys(d["segments"] or "")
        return d


class DeliveryEditor(Editor):
    kind = KIND
    url = "delivery"
    title = "Service delivery systems"
    lead = (
        "Who your customers are and how varied their demand is; which processes serve them, in the front or "
        "the back office; and where each process sits on the volume × variety matrix — professional service, "
        "service shop or mass service — because each calls for a different way to optimise."
    )
    body_template = "toolkits/delivery/_editor.html"
    result_template = "toolkits/delivery/_result.html"

    def __init__(
        self, data: Any = None, inputs: dict[str, Any] | None = None, more: int = 0, organisation: Any = None
    ):
        self.general: list[str] = []
        inputs = inputs or {}
        self.tables: dict[tuple[str, ...], Rows] = {
            ("segments",): Rows(SegmentRow, "segments", data=data, initial=inputs.get("segments", []), spare=2 if not inputs else 1, more=more),
            ("processes",): Rows(ProcessRow, "processes", data=data, initial=[p | {"segments": ", ".join(p["segments"])} for p in inputs.get("processes", [])], spare=3 if not inputs else 1, more=more),
        }  # fmt: skip
        if organisation is not None:
            from soms.toolkits.models.capacity import CapacityStudy

            studies = [("", "—")] + [
                (str(s.pk), s.name)
                for s in CapacityStudy.objects.filter(organisation=organisation).only("id", "name")[:200]
            ]
            for form in self.segments.forms:
                form.fields["capacity_study_id"].choices = studies

    @property
    def segments(self) -> Any:
        return self.tables[("segments",)].formset

    @property
    def processes(self) -> Any:
        return self.tables[("processes",)].formset

    def to_input(self) -> dict[str, Any] | None:
        segs, procs = self.tables[("segments",)].items(), self.tables[("processes",)].items()
        if segs is None or procs is None:
            return None
        return {"segments": segs, "processes": procs}

    def place(self, problems: list[Problem]) -> None:
        place_problems(problems, self.tables, self.general)

    @staticmethod
    def result_context(name: str, inputs: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
        result = delivery.analyse(to_core(DeliveryInput.model_validate(inputs)))
        by_env = [
            {"name": delivery.ENVIRONMENT_NAMES[e], "optimise": delivery.OPTIMISE[e], "processes": [p for p in results["placements"] if p["environment"] == e.value]}
            for e in delivery.Environment
        ]  # fmt: skip
        segments = {s["key"]: s["name"] for s in inputs["segments"]}
        return {
            "inputs": inputs,
            "results": results,
            "matrix": mark_safe(
                for_screens(
                    delivery_matrix,
                    result,
                    title=f"{name}: volume × variety",
                    ident="delivery-matrix",
                    phone={"height": 470},
                )
            ),
            "environments": by_env,
            "unserved": [segments[k] for k in results["segments_unserved"]],
            "linked": results.get("capacity_studies") or {},
        }
