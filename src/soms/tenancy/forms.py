from django import forms

from soms.fields import SomsForm


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
