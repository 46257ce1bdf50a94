from django import forms

from soms.fields import IsoDateInput, SomsForm


class ApiTokenForm(SomsForm):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'reporting script'.")

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the token a name.")
        return name


class SwitchOrganisationForm(SomsForm):
    organisation = forms.IntegerField(min_value=1)
    next = forms.CharField(required=False)


class AuditFilterForm(SomsForm):
    """The audit log's filters; every one optional. Choices come from what the log holds."""

    actor = forms.ChoiceField(required=False, label="Who")
    action = forms.ChoiceField(required=False, label="Action")
    object_type = forms.ChoiceField(required=False, label="Object type")
    since = forms.DateField(required=False, label="From", widget=IsoDateInput())
    until = forms.DateField(required=False, label="To", widget=IsoDateInput())

    def __init__(
        self, *args: object, actors: list[str], object_types: list[tuple[str, str]], **kwargs: object
    ) -> None:
        from soms.tenancy.audit import AuditAction
        from soms.tenancy.selectors import SYSTEM_ACTOR

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["actor"].choices = [("", "Anyone"), *[(a, a) for a in actors], (SYSTEM_ACTOR, "System")]  # type: ignore[attr-defined]
        self.fields["action"].choices = [("", "Any action"), *sorted(AuditAction.choices, key=lambda c: c[1])]  # type: ignore[attr-defined]
        self.fields["object_type"].choices = [("", "Any object"), *object_types]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data
