"""Dates in the people forms and HR files: ISO in every date input, edge years stored or refused
clearly, never a crash."""

from __future__ import annotations

import datetime as dt

import pytest

from soms.people.models import Person
from soms.tenancy.forms import AuditFilterForm
from tests.people.conftest import Org

pytestmark = pytest.mark.django_db


def test_a_person_s_start_date_survives_opening_and_saving_the_edit_form(org: Org) -> None:
    # en-GB would render 05/03/2024, which a browser's date input shows as empty: saving the form
    # as it came would then clear the date.
    Person.objects.filter(pk=org.people["E003"].pk).update(start_date=dt.date(2024, 3, 5))
    client = org.world.client_for(org.world.alice, org.world.org_a)
    page = client.get(f"/people/{org.people['E003'].pk}/edit/").content.decode()
    assert 'type="date" name="start_date" value="2024-03-05"' in page
    # Year 1 is written with four digits too ("%Y" would write "1").
    Person.objects.filter(pk=org.people["E004"].pk).update(start_date=dt.date(1, 1, 1))
    page = client.get(f"/people/{org.people['E004'].pk}/edit/").content.decode()
    assert 'value="0001-01-01"' in page


def test_the_audit_log_filter_dates_are_iso_too() -> None:
    form = AuditFilterForm(initial={"since": dt.date(2024, 3, 5)}, actors=[], object_types=[])
    assert 'value="2024-03-05"' in str(form["since"])
