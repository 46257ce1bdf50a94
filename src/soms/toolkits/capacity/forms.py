"""Page forms for the capacity toolkit. People type percentages and minutes; the schemas take
fractions and seconds, so the forms convert, then let the shared schema and the core validate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict
from pydantic import ValidationError as PydanticError

from soms.core.capacity import CapacityInputError
from soms.core.capacity.limits import (
    MAX_CALLS_PER_INTERVAL,
    MAX_HANDLE_TIME_SECONDS,
    MAX_SERVICE_LEVEL,
    MIN_MAX_OCCUPANCY,
)
from soms.fields import SomsForm
from soms.toolkits.capacity.schemas import ErlangInput, PlanInput

DEFINITION_CHOICES = [
    ("offered", "of all calls offered (abandoned calls count as failures)"),
    ("answered", "of answered calls only"),
]
MODEL_CHOICES = [
    ("fourier_regression", "Fourier regression"),
    ("seasonal_average", "Seasonal average"),
]

# Schema field -> form field, so an error found by the schema or the core lands on the right input.
FIELD_OF = {
    "calls": "calls",
    "interval_seconds": "interval_minutes",
    "aht": "aht",
    "service_level": "service_level",
    "answer_within": "answer_within",
    "definition": "definition",
    "max_occupancy": "max_occupancy",
    "shrinkage": "shrinkage",
    "patience": "patience",
    "horizon_days": "horizon_days",
    "horizon": "horizon_days",
    "model": "model",
    "band": "band",
    "simulate_day": "simulate_day",
    "replications": "replications",
    "csv": "demand_file",
    "demand": "demand_file",
    "target": "service_level",
}


def _positive(value: float) -> None:
    if value <= 0:
        raise forms.ValidationError("Must be greater than zero.")


def _fraction(percent: float) -> float:
    return float(f"{percent!r}e-2")


def _num(**attrs: Any) -> forms.NumberInput:
    return forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", **attrs})


class TargetForm(SomsForm):
    service_level = forms.FloatField(
        label="Target service level (%)",
        initial=80,
        min_value=0.1,
        max_value=MAX_SERVICE_LEVEL * 100,
        widget=_num(),
    )
    answer_within = forms.FloatField(
        label="…answered within (seconds)", initial=20, min_value=0, max_value=3600, widget=_num()
    )
    definition = forms.ChoiceField(
        label="Service level counted", choices=DEFINITION_CHOICES, initial="offered", widget=forms.RadioSelect
    )
    max_occupancy = forms.FloatField(
        label="Maximum occupancy (%)",
        initial=85,
        min_value=MIN_MAX_OCCUPANCY * 100,
        max_value=100,
        widget=_num(),
        help_text="100 for no cap.",
    )
    shrinkage = forms.FloatField(
        label="Shrinkage (%)",
        initial=30,
        min_value=0,
        max_value=99,
        widget=_num(),
        help_text="Breaks, meetings, training, leave and sickness.",
    )
    patience = forms.FloatField(
        label="Average patience (seconds, optional)",
        required=False,
        min_value=1,
        max_value=86_400,
        widget=_num(),
        help_text="Give it to allow for callers who hang up (Erlang A); leave empty for Erlang C.",
    )

    def target_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        # Percent to fraction through a decimal string, so 30 % is exactly 0.3 and 99.9 % is the
        # schema's bound 0.999 rather than 0.9990000000000001 just above it.
        return {
            "service_level": _fraction(d["service_level"]),
            "answer_within": d["answer_within"],
            "definition": d["definition"],
            "max_occupancy": _fraction(d["max_occupancy"]),
            "shrinkage": _fraction(d["shrinkage"]),
            "patience": d.get("patience"),
        }

    def add_schema_errors(self, exc: PydanticError) -> None:
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ())]
            field = next((FIELD_OF[p] for p in loc if p in FIELD_OF), None)
            message = str(err.get("msg", "is not valid")).removeprefix("Value error, ")
            self.add_error(field if field in self.fields else None, message)

    def add_core_error(self, exc: CapacityInputError) -> None:
        self.add_problems(exc.problems, FIELD_OF)


class ErlangForm(TargetForm):
    calls = forms.FloatField(
        label="Calls per interval",
        initial=100,
        validators=[_positive],
        max_value=MAX_CALLS_PER_INTERVAL,
        widget=_num(min="0"),
    )
    interval_minutes = forms.FloatField(
        label="Interval length (minutes)", initial=30, min_value=1, max_value=1440, widget=_num()
    )
    aht = forms.FloatField(
        label="Average handle time (seconds)",
        initial=180,
        validators=[_positive],
        max_value=MAX_HANDLE_TIME_SECONDS,
        widget=_num(min="0"),
        help_text="Talk plus wrap-up time.",
    )

    field_order = ["calls", "interval_minutes", "aht"]

    def to_input(self) -> ErlangInput | None:
        """The validated schema, or None with the errors added to the form."""
        if not self.is_valid():
            return None
        d = self.cleaned_data
        try:
            return ErlangInput(
                calls=d["calls"],
                interval_seconds=d["interval_minutes"] * 60,
                aht=d["aht"],
                **self.target_data(),
            )
        except PydanticError as exc:
            self.add_schema_errors(exc)
            return None

    @staticmethod
    def initial_from(inputs: dict[str, Any]) -> dict[str, Any]:
        return {
            "calls": inputs["calls"],
            "interval_minutes": inputs["interval_seconds"] / 60,
            "aht": inputs["aht"],
            **target_initial(inputs),
        }


def target_initial(inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "service_level": round(inputs["service_level"] * 100, 4),
        "answer_within": inputs["answer_within"],
        "definition": inputs["definition"],
        "max_occupancy": round(inputs["max_occupancy"] * 100, 4),
        "shrinkage": round(inputs["shrinkage"] * 100, 4),
        "patience": inputs.get("patience"),
    }


class PlanForm(TargetForm):
    source = forms.ChoiceField(
        label="Source",
        choices=[
            ("upload", "My own interval CSV"),
            ("sample", "The built-in synthetic sample (not real data)"),
        ],
        initial="upload",
        widget=forms.RadioSelect,
    )
    demand_file = forms.FileField(
        label="Demand file (CSV)",
        required=False,
        help_text="Columns: <code>timestamp</code> (ISO 8601), <code>arrivals</code>, optional "
        "<code>handle_time</code> (seconds). One row per interval, e.g. every 30 minutes.",
    )
    # The CSV of the last computation, carried in the page so that saving or simulating does not
    # ask for the file again.
    csv_text = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    filename = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    horizon_days = forms.IntegerField(label="Forecast horizon (days)", initial=7, min_value=1, max_value=28)
    model = forms.ChoiceField(
        label="Forecast model",
        choices=MODEL_CHOICES,
        initial="fourier_regression",
        help_text="Regression: trend plus daily and weekly cycles. Seasonal average: the same interval "
        "over the last four weeks.",
    )
    aht = forms.FloatField(
        label="Average handle time (seconds, optional)",
        required=False,
        validators=[_positive],
        max_value=MAX_HANDLE_TIME_SECONDS,
        widget=_num(min="0"),
        help_text="Leave empty to use the file's handle-time column.",
    )
    band = forms.TypedChoiceField(
        label="Staffing range from",
        choices=[(80, "the 80 % prediction band"), (95, "the 95 % prediction band")],
        coerce=int,
        initial=80,
    )
    simulate = forms.BooleanField(label="Simulate one forecast day", required=False)
    simulate_day = forms.IntegerField(
        label="Day to simulate (1 = first forecast day)", initial=1, min_value=1, max_value=28
    )
    replications = forms.IntegerField(label="Simulation runs", initial=30, min_value=2, max_value=500)

    field_order = ["source", "demand_file", "csv_text", "filename", "horizon_days", "model", "aht"]

    def carry(self, csv_text: str, filename: str) -> None:
        """Put the CSV just used into the hidden field, so the next post need not upload it again."""
        data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
        data["csv_text"] = csv_text
        data["filename"] = filename
        self.data = data

    def clean_demand_file(self) -> Any:
        upload = self.cleaned_data.get("demand_file")
        if upload is not None and upload.size > settings.SOMS_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is larger than the {settings.SOMS_MAX_UPLOAD_BYTES // (1024 * 1024)} MiB limit."
            )
        return upload

    def to_input(self) -> PlanInput | None:
        if not self.is_valid():
            return None
        d = self.cleaned_data
        csv_text, filename = d.get("csv_text") or "", d.get("filename") or ""
        upload = d.get("demand_file")
        if d["source"] == "upload" and upload is not None:
            try:
                csv_text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error(
                    "demand_file", "The file is not UTF-8 text; save it as CSV (UTF-8) and try again."
                )
                return None
            filename = upload.name[:200]
        if d["source"] == "upload" and not csv_text.strip():
            self.add_error("demand_file", "Choose a CSV file, or use the built-in sample.")
            return None
        try:
            return PlanInput(
                source=d["source"],
                csv=csv_text if d["source"] == "upload" else None,
                filename=filename if d["source"] == "upload" else "",
                horizon_days=d["horizon_days"],
                model=d["model"],
                aht=d.get("aht"),
                band=d["band"],
                simulate=d.get("simulate", False),
                simulate_day=d["simulate_day"] - 1,
                replications=d["replications"],
                **self.target_data(),
            )
        except PydanticError as exc:
            self.add_schema_errors(exc)
            return None

    @staticmethod
    def initial_from(inputs: dict[str, Any]) -> dict[str, Any]:
        return {
            "source": inputs["source"],
            "csv_text": inputs["csv"] if inputs["source"] == "upload" else "",
            "filename": inputs.get("filename", ""),
            "horizon_days": inputs["horizon_days"],
            "model": inputs["model"],
            "aht": inputs.get("aht"),
            "band": inputs["band"],
            "simulate": inputs.get("simulate", False),
            "simulate_day": inputs.get("simulate_day", 0) + 1,
            "replications": inputs.get("replications", 30),
            **target_initial(inputs),
        }


class SaveForm(SomsForm):
    name = forms.CharField(label="Study name", max_length=200)
    description = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the study a name.")
        return name


class RenameForm(SomsForm):
    name = forms.CharField(label="Name", max_length=200)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # The name someone else saved meanwhile, shown beside the kept input after a conflict.
    conflict: str | None = None

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("The name cannot be blank.")
        return name


class DeleteForm(SomsForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
