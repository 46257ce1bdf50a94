"""KPI page forms; the shared schema and the core decide what is valid, the forms carry their errors."""

from __future__ import annotations

from typing import Any

from django import forms

from soms.fields import SomsForm
from soms.toolkits.models.saved import Kpi

NUM = {"step": "any", "inputmode": "decimal"}


class KpiForm(SomsForm):
    name = forms.CharField(label="Name", max_length=200)
    formula = forms.CharField(
        label="Formula, in words", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    unit = forms.CharField(label="Unit", max_length=40, required=False, help_text="e.g. %, days, points")
    direction = forms.ChoiceField(
        label="Better is", choices=[("higher", "higher"), ("lower", "lower")], initial="higher"
    )
    target = forms.FloatField(
        label="Target",
        required=False,
        min_value=-1e15,
        max_value=1e15,
        widget=forms.NumberInput(attrs=NUM),
        help_text="meeting it is green",
    )
    amber_limit = forms.FloatField(
        label="Amber limit", required=False, min_value=-1e15, max_value=1e15, widget=forms.NumberInput(attrs=NUM),
        help_text="missing the target but no worse than this is amber; worse is red",
    )  # fmt: skip
    frequency = forms.ChoiceField(label="Measured", choices=Kpi.Frequency.choices, initial="monthly")
    data_source = forms.CharField(label="Data source", max_length=200, required=False)
    owner = forms.CharField(label="Owner", max_length=200, required=False)
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def data_for_schema(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "revision"}


class MeasurementForm(SomsForm):
    period = forms.DateField(
        label="Period ending", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    value = forms.FloatField(
        label="Value", min_value=-1e15, max_value=1e15, widget=forms.NumberInput(attrs=NUM)
    )
    note = forms.CharField(label="Note", max_length=500, required=False)


class ImportForm(SomsForm):
    file = forms.FileField(label="CSV file (period,value[,note])")


class NpsForm(SomsForm):
    file = forms.FileField(label="Responses (CSV with a ‘score’ column)", required=False)
    scores = forms.CharField(
        label="…or type the scores",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="0–10, separated by commas or spaces",
    )


class CsatForm(SomsForm):
    scores = forms.CharField(
        label="Scores", widget=forms.Textarea(attrs={"rows": 2}), help_text="separated by commas or spaces"
    )
    lowest = forms.IntegerField(label="Scale from", initial=1, min_value=-1000, max_value=1000)
    highest = forms.IntegerField(label="to", initial=5, min_value=-1000, max_value=1000)
    satisfied_from = forms.IntegerField(label="Satisfied from", initial=4, min_value=-1000, max_value=1000)


class FcrForm(SomsForm):
    file = forms.FileField(label="Cases (CSV: contacts[, resolved])")


class SlaForm(SomsForm):
    file = forms.FileField(label="Tickets (CSV: opened, resolved, priority[, id])")
    targets = forms.CharField(
        label="Targets in hours",
        initial="P1=4, P2=8, P3=24, P4=72",
        max_length=2000,
        help_text="priority=hours, separated by commas",
    )
    business_hours = forms.BooleanField(label="Count business hours only", required=False)
    opens = forms.TimeField(
        label="Opens", initial="09:00", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    closes = forms.TimeField(
        label="Closes", initial="17:00", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )


class RecordAsForm(SomsForm):
    """Optionally record a calculator's answer as a KPI's measurement."""

    kpi = forms.TypedChoiceField(
        label="Record as a measurement of",
        choices=[("", "— do not record —")],
        coerce=int,
        required=False,
        empty_value=None,
    )
    period = forms.DateField(
        label="for the period ending",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, kpis: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [("", "— do not record —")] + [(str(k.pk), k.name) for k in kpis]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kpi") and not data.get("period"):
            self.add_error("period", "Say which period it is for.")
        return data
