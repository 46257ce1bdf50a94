"""The dashboard's filters: one bad filter is reported and left out, the valid ones still apply."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_bad_manager_keeps_the_valid_unit_applied(skilled: Any, soms_version: Any) -> None:
    alice = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    r = alice.get(reverse("insights-dashboard"), {"unit": skilled.units["south"].pk, "manager": "NOPE"})
    assert r.status_code == 200
    html = r.content.decode()
    # South's two people, not the whole organisation's eight.
    assert "2 people on" in html, html
    assert "Sam South" in html and "Fred Finance" not in html
    assert "Capability: South" in html
    # The message names the filter and what was typed; the field keeps it for fixing.
    assert "The Manager filter was left out" in html and "NOPE" in html
    assert 'name="manager" value="NOPE"' in html
    assert "No one you may see has this employee id" in html


def test_a_foreign_unit_keeps_the_valid_location_and_role_profile(skilled: Any, soms_version: Any) -> None:
    from soms.people.models import Person

    Person.objects.filter(pk__in=skilled.ids("E003", "E004")).update(location="Leeds")
    alice = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    r = alice.get(reverse("insights-dashboard"), {"unit": skilled.b_unit.pk, "location": "Leeds"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "2 people on" in html and "Bea Beta" not in html
    assert "The Unit (and below) filter was left out" in html
    assert 'value="Leeds"' in html


def test_several_bad_filters_are_all_named(skilled: Any, soms_version: Any) -> None:
    alice = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    r = alice.get(
        reverse("insights-dashboard"),
        {"team": "abc", "manager": "NOPE", "unit": skilled.units["claims"].pk},
    )
    html = r.content.decode()
    assert "The Team and Manager filters were left out" in html
    assert "6 people on" in html  # Claims and below: Priya; Nina, Charlie, Noel; Sam, Sue


def test_a_bad_framework_falls_back_and_says_so(skilled: Any, soms_version: Any) -> None:
    alice = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    r = alice.get(reverse("insights-dashboard"), {"version": "999999", "unit": skilled.units["south"].pk})
    html = r.content.decode()
    assert "2 people on" in html
    assert "The Framework filter was left out" in html


def test_a_manager_with_a_bad_filter_stays_in_their_scope(skilled: Any, soms_version: Any) -> None:
    priya = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    r = priya.get(
        reverse("insights-dashboard"),
        {"unit": skilled.units["south"].pk, "manager": skilled.b_person.employee_id},
    )
    html = r.content.decode()
    assert r.status_code == 200
    assert "The Manager filter was left out" in html
    assert "Sam South" in html and "Bea Beta" not in html and "Nina North" not in html


def test_the_export_still_refuses_a_bad_filter_beside_a_valid_one(skilled: Any, soms_version: Any) -> None:
    from soms.jobs.models import Job

    alice = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    before = Job.objects.count()
    query = f"?unit={skilled.units['south'].pk}&manager=NOPE"
    r = alice.post(reverse("insights-export") + query, {"format": "xlsx"}, follow=True)
    assert r.status_code == 200 and Job.objects.count() == before
    html = r.content.decode()
    assert "nothing was started" in html and "Manager" in html
