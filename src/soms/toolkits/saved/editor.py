"""Row-by-row page forms for the saved-result toolkits.

A table of inputs (steps, rework loops, segments, stakeholders …) is a Django formset whose blank
rows are ignored, so a page can offer spare rows and an "Add rows" button without JavaScript. The
core's problems come back as ``("steps", 2, "waiting_time")``: ``Rows`` remembers which form each
kept row came from, so the message lands on the input the person typed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.forms import BaseFormSet, formset_factory

from soms.core.toolkit_input import Problem
from soms.fields import SomsForm


class RowForm(SomsForm):
    REQUIRED: tuple[str, ...] = ()  # fields a non-blank row must have

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.has_changed():
            for name in self.REQUIRED:
                if name not in self.errors and data.get(name) in (None, ""):
                    self.add_error(name, "Required in a row that is filled in.")
        return data

    def to_item(self) -> dict[str, Any]:
        raise NotImplementedError


class Rows:
    """One formset and the mapping from kept rows to its forms."""

    def __init__(
        self,
        form_class: type[RowForm],
        prefix: str,
        *,
        data: Any = None,
        initial: Sequence[dict[str, Any]] = (),
        spare: int = 2,
        more: int = 0,
    ) -> None:
        factory = formset_factory(form_class, extra=spare, max_num=500, absolute_max=500)
        self.prefix = prefix
        if data is not None and more:
            data = data.copy()
            key = f"{prefix}-TOTAL_FORMS"
            with contextlib.suppress(ValueError):
                before = int(data.get(key, 0))
                after = min(before + more, 500)
                data[key] = str(after)
                # The rows added are bound too, with nothing sent for them: a field with a default
                # (the office select) then differed from it, the row counted as filled in, and the
                # new rows came up red with "Required in a row that is filled in". They start
                # with their defaults, as blank rows do.
                for i in range(max(before, 0), after):
                    for name, field in form_class.base_fields.items():
                        if field.initial not in (None, ""):
                            data.setdefault(f"{prefix}-{i}-{name}", str(field.initial))
        self.formset: BaseFormSet[Any] = factory(data=data, initial=list(initial) or None, prefix=prefix)
        self.kept: list[int] = []

    def items(self) -> list[dict[str, Any]] | None:
        """The filled-in rows as items, or None when a row has form errors."""
        if not self.formset.is_valid():
            return None
        out = []
        self.kept = []
        for i, form in enumerate(self.formset.forms):
            if form.has_changed() and form.cleaned_data:
                assert isinstance(form, RowForm)
                out.append(form.to_item())
                self.kept.append(i)
        return out

    def add_problem(self, index: int, field: str | None, message: str) -> bool:
        if index >= len(self.kept):
            return False
        form = self.formset.forms[self.kept[index]]
        if field and field in form.fields:
            form.add_error(field, message)
        else:
            form.add_error(None, f"{field}: {message}" if field else message)
        return True

    @property
    def has_errors(self) -> bool:
        return any(f.errors for f in self.formset.forms) or bool(self.formset.non_form_errors())


def place_problems(
    problems: Sequence[Problem], tables: Mapping[tuple[str, ...], Rows], general: list[str]
) -> None:
    """Put each problem on its row and field; those with no row go to ``general``."""
    for p in problems:
        placed = False
        for prefix, rows in tables.items():
            n = len(prefix)
            index = p.loc[n] if len(p.loc) > n else None
            if tuple(p.loc[:n]) == prefix and isinstance(index, int):
                field = str(p.loc[n + 1]) if len(p.loc) > n + 1 else None
                placed = rows.add_problem(index, field, p.message)
                break
        if not placed:
            where = " › ".join(str(x) for x in p.loc)
            general.append(f"{where}: {p.message}" if where else p.message)


def split_keys(text: str) -> list[str]:
    return [k.strip() for k in text.replace(";", ",").split(",") if k.strip()]


def score_choices(blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(str(k), str(k)) for k in range(1, 6)]
    return ([("", blank)] if blank is not None else []) + choices


class MetaForm(SomsForm):
    name = forms.CharField(max_length=200, required=False, label="Name")
    description = forms.CharField(
        max_length=5000, required=False, label="Description", widget=forms.Textarea(attrs={"rows": 2})
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
