"""Forms for the people pages. Choices are always limited to the current organisation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from django import forms
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue

from soms.fields import IsoDateInput, SomsForm
from soms.frameworks.models import Level
from soms.people.models import CoverageTarget, OrgUnit, Person, RoleProfile, Team
from soms.people.selectors.people import unit_path_labels
from soms.tenancy.models import Role


class EmployeeIdField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A person named by employee id, typed in any case (ids match without regard to case)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "employee id"}))
        super().__init__(queryset=Person.objects.none(), to_field_name="employee_id", **kwargs)
        self.error_messages["invalid_choice"] = "no person with this employee id here"

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if len(str(value).strip()) > (Person._meta.get_field("employee_id").max_length or 0):
            # No id is that long; and SQLite refuses a LIKE pattern past 50,000 bytes (a 500).
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        found = list(cast(Any, self.queryset).filter(employee_id__iexact=str(value).strip())[:2])
        if len(found) != 1:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found[0]


class _LabelledIterator(ModelChoiceIterator[Any]):
    """Choices in the order and with the labels `field.labelled(queryset)` gives, not one label per
    row in the queryset's order (a path needs the ancestors, fetched once for all rows)."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj, label in self.field.labelled(self.queryset):  # type: ignore[attr-defined]
            yield (ModelChoiceIteratorValue(self.field.prepare_value(obj), obj), label)


class UnitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A unit picker that shows each unit's full path, sorted by path (F29): "North" alone is
    ambiguous when two branches each have one."""

    iterator = _LabelledIterator

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=OrgUnit.objects.none(), **kwargs)

    def labelled(self, queryset: Any) -> list[tuple[OrgUnit, str]]:
        return unit_path_labels(queryset)


class TeamChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A team picker that says which unit each team sits in ("North desk — Operations / North"),
    sorted by unit path and name: teams of one name in different units are told apart."""

    iterator = _LabelledIterator

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Team.objects.none(), **kwargs)

    def labelled(self, queryset: Any) -> list[tuple[Team, str]]:
        return team_labels(queryset)


def team_labels(teams: Any) -> list[tuple[Team, str]]:
    """Each team with "Team name — Unit / path", sorted by unit path, then team name (teams without
    a unit first)."""
    teams = list(teams.select_related("unit") if hasattr(teams, "select_related") else teams)
    units = {t.unit_id: t.unit for t in teams if t.unit is not None}
    order = {u.pk: (i, label) for i, (u, label) in enumerate(unit_path_labels(list(units.values())))}
    rows = []
    for t in teams:
        position, path = order.get(t.unit_id, (-1, "")) if t.unit_id else (-1, "")
        label = f"{t.name} — {path}" if path else t.name
        rows.append(((position, t.name.casefold(), t.pk), t, label))
    rows.sort(key=lambda r: r[0])
    return [(t, label) for _, t, label in rows]


class PeopleSearchForm(SomsForm):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        help_text="Start of any word of a name (case and accents ignored), or a whole employee id or e-mail",
    )
    unit = UnitChoiceField(required=False, label="Unit (and below)")
    team = TeamChoiceField(required=False)
    active = forms.ChoiceField(
        choices=[("yes", "Active"), ("no", "Inactive"), ("all", "All")], required=False
    )
    role_profile = forms.ModelChoiceField(queryset=RoleProfile.objects.none(), required=False)

    def __init__(self, *args: Any, organisation_id: int, units: Any, profiles: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        # Only the teams of the units the member may see: team names outside their scope stay hidden.
        self.fields["team"].queryset = Team.objects.filter(organisation_id=organisation_id, unit__in=units)  # type: ignore[attr-defined]
        self.fields["role_profile"].queryset = profiles  # type: ignore[attr-defined]
        label_profiles(self.fields["role_profile"], organisation_id)


def label_profiles(field: Any, organisation_id: int) -> None:
    """Say which is which when the organisation's copy and the built-in profile share a code (the
    copy answers to the code; the built-in one, still held by some, to `builtin:<code>`)."""
    own = set(RoleProfile.objects.filter(organisation_id=organisation_id).values_list("code", flat=True))

    def label(p: RoleProfile) -> str:
        if p.code not in own:
            return p.name
        if p.organisation_id is None:
            return f"{p.name} (built-in, builtin:{p.code}; your organisation's copy replaces it)"
        return f"{p.name} (your organisation's, {p.code})"

    field.label_from_instance = label


class RevisionField(forms.IntegerField):
    """The revision of the row the form was made from (hidden): a later save by someone else is
    refused instead of overwritten. Required when editing; a new row has none."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(min_value=1, max_value=2**31 - 1, **kwargs)


class PersonForm(SomsForm):
    revision = RevisionField()
    employee_id = forms.CharField(max_length=64)
    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    job_title = forms.CharField(max_length=200, required=False)
    manager = EmployeeIdField(required=False, help_text="The manager's employee id")
    unit = UnitChoiceField(required=False)
    team = TeamChoiceField(required=False)
    location = forms.CharField(max_length=200, required=False)
    start_date = forms.DateField(required=False, help_text="YYYY-MM-DD", widget=IsoDateInput())
    active = forms.BooleanField(required=False, initial=True)
    role_profiles = forms.ModelMultipleChoiceField(
        queryset=RoleProfile.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        organisation_id: int,
        profiles: Any,
        person: Person | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_id = organisation_id
        self.person = person
        choose = cast(dict[str, forms.ModelChoiceField[Any]], self.fields)
        choose["manager"].queryset = Person.objects.filter(organisation_id=organisation_id)
        choose["unit"].queryset = OrgUnit.objects.filter(organisation_id=organisation_id)
        choose["team"].queryset = Team.objects.filter(organisation_id=organisation_id).select_related("unit")
        choose["role_profiles"].queryset = profiles
        label_profiles(choose["role_profiles"], organisation_id)
        self.fields["manager"].error_messages["invalid_choice"] = "no person with this employee id here"

    def clean_employee_id(self) -> str:
        """A taken id is named with the form's other errors (a bad e-mail, say), not only on the next
        try once they are fixed. The service checks again under its transaction, in the same words;
        ids are compared without regard to case, as the HR import matches them."""
        employee_id = str(self.cleaned_data["employee_id"]).strip()
        if self.person is not None and employee_id.casefold() == self.person.employee_id.casefold():
            return employee_id
        taken = Person.objects.filter(organisation_id=self.organisation_id, employee_id__iexact=employee_id)
        if self.person is not None:
            taken = taken.exclude(pk=self.person.pk)
        if taken.exists():
            raise forms.ValidationError(f"{employee_id!r} is already used in this organisation", code="taken")
        return employee_id


class UnitForm(SomsForm):
    revision = RevisionField()
    name = forms.CharField(max_length=120)
    parent = UnitChoiceField(required=False, label="Inside unit")
    manager = EmployeeIdField(required=False, help_text="Employee id of the person who manages the unit")

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = OrgUnit.objects.filter(organisation_id=organisation_id)  # type: ignore[attr-defined]
        self.fields["manager"].queryset = Person.objects.filter(organisation_id=organisation_id)  # type: ignore[attr-defined]
        self.fields["manager"].error_messages["invalid_choice"] = "no person with this employee id here"


class TeamForm(SomsForm):
    revision = RevisionField()
    name = forms.CharField(max_length=120)
    unit = UnitChoiceField(required=False)

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.filter(organisation_id=organisation_id)  # type: ignore[attr-defined]


class ImportForm(SomsForm):
    file = forms.FileField(help_text="CSV (UTF-8, UTF-16 or Windows-1252) or XLSX")
    sheet = forms.CharField(required=False, max_length=100, help_text="For a workbook with several sheets")
    clear_empty = forms.BooleanField(
        required=False,
        label="Empty cells clear the field",
        help_text="Otherwise an empty cell leaves the stored value alone",
    )
    deactivate_missing = forms.BooleanField(required=False, label="Deactivate people missing from the file")


class MergeForm(SomsForm):
    duplicate = EmployeeIdField(help_text="Employee id of the duplicate record; it is folded into this one")

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["duplicate"].queryset = Person.objects.filter(organisation_id=organisation_id)  # type: ignore[attr-defined]
        self.fields["duplicate"].error_messages["invalid_choice"] = "no person with this employee id here"


class RoleProfileForm(SomsForm):
    code = forms.SlugField(max_length=80)
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RoleProfileCopyForm(SomsForm):
    code = forms.SlugField(max_length=80, help_text="HR files name the profile by this code.")
    name = forms.CharField(max_length=200)


class InviteForm(SomsForm):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)


class RoleForm(SomsForm):
    role = forms.ChoiceField(choices=Role.choices)
    revision = RevisionField()


class RevisionOnlyForm(SomsForm):
    """A delete button's form: the revision the page showed (optional for older pages)."""

    revision = RevisionField()


class CoverageTargetForm(SomsForm):
    where = forms.ChoiceField(label="Unit or team")
    element = forms.ChoiceField()
    level = forms.ChoiceField()
    minimum = forms.IntegerField(min_value=1, max_value=100_000, initial=1)
    note = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, units: Any, teams: Any, versions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["where"]).choices = (
            [("", "—")]
            + [(f"unit:{u.pk}", f"Unit: {label}") for u, label in unit_path_labels(units)]
            + [(f"team:{t.pk}", f"Team: {label}") for t, label in team_labels(teams)]
        )
        self.fields["element"].choices = [  # type: ignore[attr-defined]
            (str(e.pk), f"{v.framework.name} {v.label}: {e.name}") for v in versions for e in v.elements.all()
        ]
        self.fields["level"].choices = [  # type: ignore[attr-defined]
            (str(lv.pk), f"{v.framework.name} {v.label}: {lv.name}")
            for v in versions
            for lv in v.levels.all()
        ]


class CoverageTargetEditForm(SomsForm):
    """What a target's page may change: the level, the number and the note. The unit or team and
    the element say which target it is; another of those is another target (add it, remove this)."""

    revision = RevisionField()
    level = forms.ModelChoiceField(queryset=Level.objects.none(), label="Level or above")
    minimum = forms.IntegerField(min_value=1, max_value=100_000, label="At least")
    note = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, target: CoverageTarget, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["revision"].required = True
        levels = Level.objects.filter(version_id=target.element.version_id).order_by("rank")
        self.fields["level"].queryset = levels  # type: ignore[attr-defined]
