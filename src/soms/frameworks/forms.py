"""Forms for authoring pages: they turn bad input into errors on the field that caused them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import RegexValidator
from pydantic import ValidationError as PydanticError

from soms.core.problems import Invalid
from soms.core.safeload import yaml_loads
from soms.fields import SomsForm
from soms.frameworks.document import CODE_RE, STATEMENT_CODE_RE
from soms.frameworks.io.native import yaml_line, yaml_tree
from soms.frameworks.models import Area, Element, FrameworkKind, FrameworkVersion, Level
from soms.frameworks.rules import FrameworkRules
from soms.limits import MAX_STATEMENT_LENGTH

slug_code = RegexValidator(
    CODE_RE, "Use lower-case letters, digits and hyphens, starting with a letter or digit."
)
statement_code = RegexValidator(
    STATEMENT_CODE_RE, "Use letters, digits, '.', '_' and '-', starting with a letter or digit."
)


def model_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """A form's model choice field by name, typed as one (its queryset is set per request)."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class RevisionForm(SomsForm):
    # The revision of the draft this form was made from: a later save by someone else is detected.
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# Django's form fields are generic only to the type checker (django-stubs); at run time the class
# cannot be subscripted.
if TYPE_CHECKING:
    _VersionField = forms.ModelChoiceField[FrameworkVersion]
else:
    _VersionField = forms.ModelChoiceField


class VersionChoiceField(_VersionField):
    def label_from_instance(self, obj: FrameworkVersion) -> str:
        return f"{obj.framework.name} — {obj.label}"


class FrameworkCreateForm(SomsForm):
    name = forms.CharField(max_length=200)
    code = forms.CharField(
        max_length=80, validators=[slug_code], help_text="Short identifier, e.g. <code>claims-skills</code>."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    kind = forms.ChoiceField(choices=FrameworkKind.choices)
    label = forms.CharField(max_length=40, initial="1", help_text="The first version's label.")
    base = VersionChoiceField(
        queryset=FrameworkVersion.objects.none(),
        required=False,
        empty_label="— start empty —",
        label="Start from",
        help_text="Copy a built-in framework or one of your published versions, then change what you need.",
    )

    def __init__(self, *args: Any, bases: list[FrameworkVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = model_field(self, "base")
        field.queryset = FrameworkVersion.objects.filter(pk__in=[b.pk for b in bases])


class DraftCreateForm(SomsForm):
    label = forms.CharField(max_length=40, help_text="How people will name the new version, e.g. 2027.")


class LevelForm(RevisionForm):
    name = forms.CharField(max_length=120)
    code = forms.CharField(max_length=80, validators=[slug_code])
    rank = forms.IntegerField(min_value=1, max_value=100, help_text="1 is the lowest level.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    validity_months = forms.IntegerField(
        min_value=1, max_value=600, required=False, help_text="Months before the level must be refreshed."
    )


class ElementForm(RevisionForm):
    name = forms.CharField(max_length=200)
    code = forms.CharField(max_length=80, validators=[slug_code])
    group = forms.CharField(
        max_length=120, required=False, help_text="Optional heading the element sits under."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class AreaForm(RevisionForm):
    name = forms.CharField(max_length=200)
    code = forms.CharField(max_length=80, validators=[slug_code])
    element: forms.ModelChoiceField[Element] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="— not inside an element —"
    )

    def __init__(self, *args: Any, version: FrameworkVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_field(self, "element").queryset = version.elements.all()


class StatementTextForm(RevisionForm):
    """The inline edit in the grid: words and code only; the statement stays in its cell."""

    code = forms.CharField(max_length=80, validators=[statement_code])
    text = forms.CharField(max_length=MAX_STATEMENT_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))


class StatementForm(StatementTextForm):
    element: forms.ModelChoiceField[Element] = forms.ModelChoiceField(queryset=None)
    level: forms.ModelChoiceField[Level] = forms.ModelChoiceField(queryset=None)
    areas: forms.ModelMultipleChoiceField[Area] = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the statement addresses.",
    )

    def __init__(self, *args: Any, version: FrameworkVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_field(self, "element").queryset = version.elements.all()
        model_field(self, "level").queryset = version.levels.all()
        model_field(self, "areas").queryset = version.areas.all()
        if not version.areas.exists():
            del self.fields["areas"]


# Pydantic's wording for a rule, as an author reads it.
RULE_WORDS = {
    "extra_forbidden": "not a rule SOMS knows; check the spelling (What the rules mean, below, lists them)",
    "missing": "this rule needs a value here",
    "bool_parsing": "use true or false",
    "int_parsing": "use a whole number",
    "int_from_float": "use a whole number",
}


class RulesForm(RevisionForm):
    rules = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "false", "class": "code-input"}),
        help_text="YAML (or JSON). Level codes must be levels of this version.",
    )

    def clean_rules(self) -> FrameworkRules:
        text = self.cleaned_data["rules"]
        try:
            data = yaml_loads(text) or {}
        except Invalid as exc:
            # In plain words with the line, never PyYAML's own text.
            raise forms.ValidationError(
                [
                    f"Not readable as YAML at {p.location or 'the start'}: {p.msg.removeprefix('malformed YAML: ')}."
                    for p in exc.problems
                ]
            ) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(
                "The rules must be a list of names with their values (name: value, one per line)."
            )
        try:
            return FrameworkRules.model_validate(data)
        except PydanticError as exc:
            tree = yaml_tree(text)
            messages = []
            for e in exc.errors(include_url=False):
                loc = tuple(e["loc"])
                line = yaml_line(tree, loc)
                where = ".".join(str(p) for p in loc) or "rules"
                what = RULE_WORDS.get(e["type"], e["msg"].removeprefix("Value error, "))
                messages.append(f"Line {line}, {where}: {what}" if line else f"{where}: {what}")
            raise forms.ValidationError(messages) from None


class MoveForm(RevisionForm):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
