"""Insights forms render dates the way a browser's date input reads them (ISO), not en-GB."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from soms.insights.forms import ActionForm

pytestmark = pytest.mark.django_db


def test_a_due_date_shows_when_the_form_is_drawn_again(soms_version: Any) -> None:
    form = ActionForm(version=soms_version, initial={"due_on": date(2026, 3, 4)})
    html = str(form["due_on"])
    assert 'type="date"' in html and 'value="2026-03-04"' in html, html
