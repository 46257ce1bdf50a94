"""The value stream editor: rows of steps and rework loops, for the current and the future state."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.safestring import mark_safe

from soms.charts import value_stream_map
from soms.core import vsm
from soms.core.toolkit_input import Problem
from soms.toolkits.saved.editor import RowForm, Rows, place_problems, split_keys
from soms.toolkits.saved.views import Editor
from soms.toolkits.vsm.compute import KIND, StateIn, to_core

FIELD_LABELS = {
    "name": "name",
    "process_time": "process time",
    "waiting_time": "waiting time",
    "complete_accurate_pct": "% C&A",
    "office": "office",
    "actor": "actor",
    "technology": "technology",
    "after": "flow",
}
OFFICE = [("back", "Back office"), ("front", "Front office")]
UNITS = [("minutes", "minutes"), ("hours", "hours"), ("days", "days")]


def _num(label: str, **attrs: Any) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", **attrs}),
    )


class StepRow(RowForm):
    REQUIRED = ("name", "process_time")

    key = forms.CharField(
        label="Key", max_length=40, required=False, widget=forms.TextInput(attrs={"size": 4})
    )
    name = forms.CharField(label="Step", max_length=200, required=False)
    after = forms.CharField(
        label="After",
        max_length=400,
        required=False,
        help_text="keys it follows; blank: the row above; ‘start’: a new track",
    )
    process_time = _num("Process time")
    waiting_time = _num("Waiting time")
    complete_accurate_pct = _num("% C&A")
    office = forms.ChoiceField(label="Office", choices=OFFICE, initial="back")
    actor = forms.CharField(label="Actor / team", max_length=200, required=False)
    technology = forms.CharField(label="Technology", max_length=200, required=False)

    def to_item(self) -> dict[str, Any]:
        d = self.cleaned_data
        after_text = (d["after"] or "").strip()
        item: dict[str, Any] = {
            "key": d["key"] or None,
            "name": d["name"],
            "process_time": d["process_time"],
            "waiting_time": d["waiting_time"] if d["waiting_time"] is not None else 0.0,
            "complete_accurate_pct": d["complete_accurate_pct"]
            if d["complete_accurate_pct"] is not None
            else 100.0,
            "office": d["office"],
            "actor": d["actor"],
            "technology": d["technology"],
        }
        if after_text.lower() == "start":
            item["after"] = []
        elif after_text:
            item["after"] = split_keys(after_text)
        return item


class ReworkRow(RowForm):
    REQUIRED = ("from_step", "to_step", "share_pct")

    from_step = forms.CharField(label="From step (key)", max_length=40, required=False)
    to_step = forms.CharField(label="Back to step (key)", max_length=40, required=False)
    share_pct = _num("Share sent back (%)")

    def to_item(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def _step_initial(inputs: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not inputs:
        return []
    rows = []
    steps = inputs["steps"]
    for i, s in enumerate(steps):
        after = s.get("after") or []
        previous = [steps[i - 1]["key"]] if i else []
        shown = "" if after == previous else ("start" if not after else ", ".join(after))
        rows.append({**s, "after": shown})
    return rows


class VsmEditor(Editor):
    kind = KIND
    url = "vsm"
    title = "Value stream maps"
    lead = (
        "Map the steps work passes through, with their process and waiting times, how often work arrives "
        "complete and accurate, and where it goes back for rework; compare the current state with a future one."
    )
    body_template = "toolkits/vsm/_editor.html"
    result_template = "toolkits/vsm/_result.html"

    def __init__(
        self, data: Any = None, inputs: dict[str, Any] | None = None, more: int = 0, organisation: Any = None
    ):
        self.general: list[str] = []
        self.unit = forms.ChoiceField(choices=UNITS, initial="minutes", label="Times in")
        unit = (data.get("time_unit") if data is not None else (inputs or {}).get("time_unit")) or "minutes"
        self.time_unit = unit if unit in dict(UNITS) else "minutes"
        cur = (inputs or {}).get("current")
        fut = (inputs or {}).get("future")
        self.tables: dict[tuple[str, ...], Rows] = {
            ("current", "steps"): Rows(StepRow, "steps", data=data, initial=_step_initial(cur), spare=3 if not cur else 1, more=more),
            ("current", "rework"): Rows(ReworkRow, "rework", data=data, initial=(cur or {}).get("rework", []), spare=1, more=more),
            ("future", "steps"): Rows(StepRow, "future-steps", data=data, initial=_step_initial(fut), spare=1 if fut else 0, more=more),
            ("future", "rework"): Rows(ReworkRow, "future-rework", data=data, initial=(fut or {}).get("rework", []), spare=1 if fut else 0, more=more),
        }  # fmt: skip
        self.bound = data is not None

    def rows(self, state: str, table: str) -> Rows:
        return self.tables[(state, table)]

    @property
    def steps(self) -> Any:
        return self.tables[("current", "steps")].formset

    @property
    def rework(self) -> Any:
        return self.tables[("current", "rework")].formset

    @property
    def future_steps(self) -> Any:
        return self.tables[("future", "steps")].formset

    @property
    def future_rework(self) -> Any:
        return self.tables[("future", "rework")].formset

    def to_input(self) -> dict[str, Any] | None:
        got = {k: rows.items() for k, rows in self.tables.items()}
        if any(v is None for v in got.values()):
            return None
        data: dict[str, Any] = {
            "time_unit": self.time_unit,
            "current": {"steps": got[("current", "steps")], "rework": got[("current", "rework")]},
        }
        if got[("future", "steps")]:
            data["future"] = {"steps": got[("future", "steps")], "rework": got[("future", "rework")]}
        elif got[("future", "rework")]:
            self.general.append("The future state has rework loops but no steps.")
            return None
        return data

    def place(self, problems: list[Problem]) -> None:
        place_problems(problems, self.tables, self.general)

    @staticmethod
    def result_context(name: str, inputs: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
        ctx: dict[str, Any] = {"inputs": inputs, "results": results, "unit": inputs["time_unit"]}
        for state in ("current", "future"):
            if not results.get(state):
                continue
            core_state = to_core(StateIn.model_validate(inputs[state]), inputs["time_unit"])
            analysed = vsm.analyse(core_state)
            names = {s.key: s.name for s in core_state.steps}
            r = results[state]
            ctx[state] = r | {
                "chart": mark_safe(
                    value_stream_map(
                        core_state.steps,
                        core_state.rework,
                        analysed,
                        title=f"{name}: {state} state",
                        ident=f"vsm-{state}",
                    )
                ),
                "bottleneck_name": names.get(r["bottleneck"] or "", "—"),
                "longest_wait_name": names.get(r["longest_wait"] or "", "—"),
                "pce_pct": r["pce"] * 100 if r["pce"] is not None else None,
                "path_names": [names[k] for k in r["critical_path"]],
                "rows": [s | {"name": names[s["key"]]} for s in r["steps"]],
            }
        if results.get("comparison"):
            comparison = results["comparison"]
            rows = []
            for m in comparison["metrics"]:
                scale, suffix = (
                    (100.0, " %") if m["name"] == "pce" else (1.0, " %" if m["name"].endswith("pct") else "")
                )
                unit = f" {inputs['time_unit']}" if m["name"].endswith("_time") else ""
                shown = [
                    f"{v * scale:,.1f}{suffix}{unit}" if v is not None else "—"
                    for v in (m["current"], m["future"])
                ]
                change = (
                    f"{m['change'] * scale:+,.1f}{' points' if suffix else unit}"
                    if m["change"] is not None
                    else "—"
                )
                rows.append(m | {"shown_current": shown[0], "shown_future": shown[1], "shown_change": change})
            future_names = {s["key"]: s["name"] for s in inputs["future"]["steps"]}
            current_names = {s["key"]: s["name"] for s in inputs["current"]["steps"]}
            ctx["comparison"] = comparison | {
                "rows": rows,
                "added_names": [future_names[k] for k in comparison["added"]],
                "removed_names": [current_names[k] for k in comparison["removed"]],
                "changes": [
                    {"name": ch["name"], "fields": [FIELD_LABELS.get(f[0], f[0]) for f in ch["fields"]]}
                    for ch in comparison["changed"]
                ],
            }
        return ctx
