"""Every date field of every form renders its value as YYYY-MM-DD, the only format a browser's
date input reads: in the en-GB locale Django writes dd/mm/yyyy, which the browser shows as an
empty field, so saving the form again would clear the date (the audit forms did). Generated: every
form class of the app is found by importing its modules."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil

import pytest
from django import forms
from django.utils import translation

import soms


def _forms() -> list[type[forms.BaseForm]]:
    for info in pkgutil.walk_packages(soms.__path__, "soms."):
        if ".migrations" in info.name or info.name.endswith(("wsgi", "asgi", "__main__", "server")):
            continue
        try:
            importlib.import_module(info.name)
        except Exception:  # a module that needs what a test has not set up (a CLI entry point)
            continue
    found: list[type[forms.BaseForm]] = []
    stack: list[type[forms.BaseForm]] = [forms.Form, forms.ModelForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("soms."):
                found.append(sub)
    return sorted(set(found), key=lambda f: f"{f.__module__}.{f.__qualname__}")


DATE_FIELDS = [
    (form, name)
    for form in _forms()
    for name, field in form.base_fields.items()
    if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField)
]


def test_the_walk_finds_the_date_fields() -> None:
    modules = {form.__module__ for form, _ in DATE_FIELDS}
    assert "soms.audit.forms" in modules, modules
    assert len(DATE_FIELDS) >= 8, DATE_FIELDS


@pytest.mark.parametrize(("form", "name"), DATE_FIELDS, ids=[f"{f.__qualname__}.{n}" for f, n in DATE_FIELDS])
def test_a_date_renders_as_a_browser_reads_it(form: type[forms.BaseForm], name: str) -> None:
    field = form.base_fields[name]
    with translation.override("en-gb"):
        html = field.widget.render(name, dt.date(2026, 3, 1))
    assert 'value="2026-03-01"' in html, (form, name, html)
    assert 'type="date"' in html, html


def test_every_form_with_a_date_holds_it_to_the_range() -> None:
    """SomsForm refuses a date outside 1900-01-01 .. 2100-12-31 (soms.core.dates) on its field; a
    form that is no SomsForm would take any year from 1 to 9999."""
    from soms.fields import SomsForm

    assert [(f, n) for f, n in DATE_FIELDS if not issubclass(f, SomsForm)] == []


def test_a_date_outside_the_range_is_an_error_on_its_field() -> None:
    from soms.fields import SomsForm

    class Form(SomsForm):
        day = forms.DateField(required=False)
        when = forms.DateTimeField(required=False)

    for data, field in (({"day": "0001-01-01"}, "day"), ({"when": "9999-12-31 10:00"}, "when")):
        form = Form(data=data)
        assert not form.is_valid()
        assert form.errors[field] == ["Enter a date between 1900-01-01 and 2100-12-31."], form.errors
        assert field not in form.cleaned_data
    assert Form(data={"day": "1900-01-01", "when": "2100-12-31 23:59"}).is_valid()
