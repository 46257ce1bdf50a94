"""Forms of the audit pages. Services check everything again; the forms place errors on fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User

from soms.audit.models import ActionStatus, AnswerKind, FindingKind, Rule
from soms.fields import IsoDateInput, SomsForm


class TemplateCreateForm(SomsForm):
    name = forms.CharField(max_length=200)
    code = forms.SlugField(max_length=80, help_text="Short identifier, e.g. <code>claims-audit</code>.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=10_000)
    framework_version = forms.TypedChoiceField(coerce=int, label="Framework version")
    rule = forms.ChoiceField(choices=Rule.choices, label="Scoring rule")


class TemplateEditForm(SomsForm):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=10_000)
    rule = forms.ChoiceField(choices=Rule.choices, label="Scoring rule")
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class QuestionForm(SomsForm):
    code = forms.CharField(max_length=40)
    element = forms.ChoiceField()
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)
    kind = forms.ChoiceField(choices=AnswerKind.choices, label="Answer set")
    anchors = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="Maturity scale: one score per line, lowest first, as <code>Name: what it looks like</code>.",
    )
    minimum = forms.FloatField(required=False, help_text="Number: lowest value")
    maximum = forms.FloatField(required=False, help_text="Number: highest value")
    steps = forms.CharField(
        required=False, help_text="Number: values that count as a whole level, e.g. 50, 70, 90"
    )
    unit = forms.CharField(required=False, max_length=40)
    higher_is_better = forms.BooleanField(required=False, initial=True)
    weight = forms.FloatField(initial=1.0, min_value=0, max_value=1000)
    allow_na = forms.BooleanField(required=False, initial=True, label="Not applicable allowed")
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        anchors = []
        for line in (d.get("anchors") or "").splitlines():
            if line.strip():
                label, _, description = line.partition(":")
                anchors.append({"label": label.strip(), "description": description.strip()})
        steps = [s.strip() for s in (d.get("steps") or "").replace(";", ",").split(",") if s.strip()]
        return {
            "code": d["code"],
            "element": d["element"],
            "text": d["text"],
            "kind": d["kind"],
            "anchors": anchors,
            "minimum": d.get("minimum"),
            "maximum": d.get("maximum"),
            "steps": steps,
            "unit": d.get("unit") or "",
            "higher_is_better": d.get("higher_is_better", True),
            "weight": d["weight"],
            "allow_na": d.get("allow_na", False),
        }


class AuditCreateForm(SomsForm):
    title = forms.CharField(max_length=200)
    template = forms.TypedChoiceField(coerce=int)
    date = forms.DateField(widget=IsoDateInput())
    unit = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Unit (empty: whole organisation)"
    )
    lead = forms.TypedChoiceField(coerce=int, label="Lead auditor")


class InviteForm(SomsForm):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    days = forms.IntegerField(min_value=1, max_value=90, initial=14, label="Link valid for (days)")


class RespondentForm(SomsForm):
    user = forms.TypedChoiceField(coerce=int, label="Member")


class FindingForm(SomsForm):
    kind = forms.ChoiceField(choices=FindingKind.choices)
    element = forms.ChoiceField()
    question = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)


class EvidenceForm(SomsForm):
    element = forms.ChoiceField()
    question = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)
    link = forms.URLField(required=False, max_length=500)
    refers_to = forms.DateField(widget=IsoDateInput(), label="Refers to (date)")
    expires_on = forms.DateField(widget=IsoDateInput(), required=False, label="Expires on")


class ActionForm(SomsForm):
    title = forms.CharField(max_length=200)
    element = forms.ChoiceField()
    finding = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    owner = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    due_date = forms.DateField(widget=IsoDateInput(), required=False)
    kpi = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="KPI")


class ActionUpdateForm(SomsForm):
    status = forms.ChoiceField(choices=ActionStatus.choices)
    due_date = forms.DateField(widget=IsoDateInput(), required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class ReauditForm(SomsForm):
    date = forms.DateField(widget=IsoDateInput())
    title = forms.CharField(max_length=200, required=False)


class ExportForm(SomsForm):
    format = forms.ChoiceField(choices=[("pdf", "PDF"), ("xlsx", "XLSX"), ("json", "JSON")])


def member_choices(organisation: Any) -> list[tuple[int, str]]:
    users = User.objects.filter(memberships__organisation=organisation).order_by("first_name", "username")
    return [(u.pk, u.get_full_name() or u.get_username()) for u in users]


def set_choices(form: Any, name: str, choices: Any) -> None:
    """Give a choice field its choices for this request (they depend on the organisation)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices
