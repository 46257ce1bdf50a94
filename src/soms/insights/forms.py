"""Forms of the Insights pages: the view filter and a development action."""

from __future__ import annotations

from typing import Any

from django import forms

from soms.core.problems import Invalid
from soms.fields import MAX_ID, IsoDateInput, SomsForm
from soms.frameworks.models import Element, FrameworkVersion, Statement
from soms.insights.models import ActionKind, ActionSource, ActionStatus
from soms.people.forms import TeamChoiceField, UnitChoiceField
from soms.people.models import Person, RoleProfile
from soms.tenancy.idempotency import MAX_LENGTH as MAX_KEY
from soms.tenancy.idempotency import new_key, parse_key


class ViewFilterForm(SomsForm):
    version = forms.ModelChoiceField(
        queryset=FrameworkVersion.objects.none(), required=False, label="Framework"
    )
    unit = UnitChoiceField(required=False, label="Unit (and below)")
    team = TeamChoiceField(required=False)
    role_profile = forms.ModelChoiceField(queryset=RoleProfile.objects.none(), required=False)
    location = forms.CharField(max_length=200, required=False)
    manager = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        required=False,
        to_field_name="employee_id",
        widget=forms.TextInput(attrs={"placeholder": "employee id"}),
        help_text="Everyone reporting to this person, directly or not",
    )

    def __init__(
        self, *args: Any, versions: Any, units: Any, teams: Any, profiles: Any, people: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = versions  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["role_profile"].queryset = profiles  # type: ignore[attr-defined]
        self.fields["manager"].queryset = people  # type: ignore[attr-defined]
        # Said in the view's words: "not a valid choice" does not tell the user what to fix.
        for name, words in NOT_A_CHOICE.items():
            self.fields[name].error_messages["invalid_choice"] = words
            self.fields[name].error_messages["invalid_pk_value"] = words


NOT_A_CHOICE = {
    "version": "Not a published framework version here.",
    "unit": "Not a unit you may see.",
    "team": "Not a team you may see.",
    "role_profile": "Not a role profile of this organisation.",
    "manager": "No one you may see has this employee id.",
}


class ActionForm(SomsForm):
    element = forms.ModelChoiceField(queryset=Element.objects.none())
    statement = forms.ModelChoiceField(queryset=Statement.objects.none(), required=False)
    kind = forms.ChoiceField(choices=ActionKind.choices)
    title = forms.CharField(max_length=200)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)
    due_on = forms.DateField(
        required=False,
        widget=IsoDateInput(),
        help_text="YYYY-MM-DD",
    )
    # Filled in by a suggestion's form ("gap", "refresher"); the form of one's own leaves it "own".
    source = forms.ChoiceField(
        choices=ActionSource.choices, widget=forms.HiddenInput, required=False, initial=ActionSource.OWN
    )
    # The form's one-time key (soms.tenancy.idempotency): sent twice, it adds the action once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=MAX_KEY)

    def __init__(self, *args: Any, version: FrameworkVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["element"].queryset = Element.objects.filter(version=version)  # type: ignore[attr-defined]
        self.fields["statement"].queryset = Statement.objects.filter(version=version)  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_key())

    def clean_idempotency_key(self) -> str | None:
        try:
            return parse_key(self.cleaned_data.get("idempotency_key"), ("idempotency_key",))
        except Invalid as exc:
            raise forms.ValidationError(exc.problems[0].msg) from None


class ActionStatusForm(SomsForm):
    status = forms.ChoiceField(choices=ActionStatus.choices)
    revision = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
