"""A member's own Insights view holds only themself: single points of failure counted over one
person would say every element they lack is held by "nobody" and every one they hold "hangs on"
them, which is about a team. Their view names none and says why: page, API and both reports."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from soms.insights.reports import pdf_bytes, team_html, team_xlsx
from soms.insights.selectors.overview import overview_for
from soms.insights.selectors.picture import Filters

pytestmark = pytest.mark.django_db

NOTE = "not shown in your own view"


def _section(html: str) -> str:
    start = html.index("<h2>Single points of failure</h2>")
    return html[start : html.index("</section>", start)]


def test_a_members_own_view_names_no_single_point(skilled: Any, soms_version: Any) -> None:
    world = skilled.world
    member = world.charlie.memberships.get(organisation=world.org_a)
    # Counted over charlie alone (who holds nothing), both elements would be "held by nobody".
    raw = overview_for(member, soms_version, Filters(), []).data["single_points"]
    assert {u["element"] for u in raw["uncovered"]} == {"demand-capacity", "delivery"}

    charlie = world.client_for(world.charlie, world.org_a)
    for query in ({}, {"team": skilled.team.pk}):
        part = _section(charlie.get(reverse("insights-dashboard"), query).content.decode())
        assert NOTE in part and "Your manager and" in part, query
        assert "Nobody holds the level" not in part and "hangs on <a" not in part, query
        sp = charlie.get("/api/v1/insights/overview", query).json()["single_points"]
        assert (sp["shown"], sp["uncovered"], sp["sole"], sp["sole_cover"]) == (False, [], [], []), query
        assert NOTE in sp["note"]

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(team_xlsx(member, soms_version, Filters())))
    rows = sheet.get_sheet_by_name("Single points").to_python()
    assert NOTE in str(rows[1][0]) and not any(r[2] == "nobody" for r in rows[1:] if len(r) > 2)
    pdf = pdf_bytes(team_html(member, soms_version, Filters()))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages))
    assert NOTE in text


def test_a_managers_view_still_names_them(skilled: Any, soms_version: Any) -> None:
    world = skilled.world
    alice = world.client_for(world.alice, world.org_a)
    sp = alice.get("/api/v1/insights/overview").json()["single_points"]
    assert sp["shown"] is True and sp["note"] == ""
    # Nina alone holds Practitioner in demand-capacity; Noel alone Foundation in delivery.
    assert {(s["element"], s["person_name"]) for s in sp["sole"]} >= {("demand-capacity", "Nina North")}
    part = _section(alice.get(reverse("insights-dashboard")).content.decode())
    assert "hangs on <a" in part and NOTE not in part
