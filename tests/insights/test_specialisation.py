"""How specialised each person is, on a capability model: the page, the API and both reports show
the same numbers; the SOMS framework says why it has none."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.urls import reverse

from soms.insights.reports import pdf_bytes, team_html, team_xlsx
from soms.insights.selectors.picture import Filters
from tests.insights.conftest import held, smo  # noqa: F401

pytestmark = pytest.mark.django_db


def _by_name(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in spec["people"]}


def test_breadth_and_depth_on_the_page_and_in_the_api(skilled: Any, smo: Any) -> None:  # noqa: F811
    a = skilled.world.org_a
    alice = skilled.world.client_for(skilled.world.alice, a)
    data = alice.get("/api/v1/insights/overview", {"version": smo.pk}).json()
    spec = _by_name(data["specialisation"])
    nina, sam, olivia = spec["Nina North"], spec["Sam South"], spec["Olivia Chief"]
    # Nina: incident 4 + problem 1 = 5 points, all in her three strongest.
    assert (nina["breadth"], nina["highest"], nina["top_share"], nina["kind"]) == (
        2,
        "4 Managed",
        100,
        "specialist",
    )
    assert [s["element"] for s in nina["strongest"]] == ["incident-management", "problem-management"]
    # Sam: incident 2 and five capabilities at 1 = 7 points, 4 of them in his three strongest.
    assert (sam["breadth"], sam["highest"], sam["top_share"], sam["kind"]) == (
        6,
        "2 Repeatable",
        57,
        "in between",
    )
    assert (olivia["breadth"], olivia["top_share"], olivia["kind"]) == (1, 100, "specialist")
    assert (
        spec["Charlie Member"]["kind"] == "holds nothing yet" and spec["Charlie Member"]["top_share"] is None
    )
    # The chart's cells: people by highest level (top first) × capabilities held.
    grid = {
        row["highest"]: row["people_by_breadth"] for row in data["specialisation"]["by_depth_and_breadth"]
    }
    assert grid["4 Managed"][2] == 1 and grid["2 Repeatable"][6] == 1 and grid["3 Defined"][1] == 1
    # Specialists and back-ups of incident management.
    incident = next(c for c in data["capabilities"] if c["element"] == "incident-management")
    assert incident["specialists"] == ["Nina North"] and incident["backups"] == ["Sam South"]

    html = alice.get(reverse("insights-dashboard"), {"version": smo.pk}).content.decode()
    section = html[html.index('id="specialisation"') :]
    section = section[: section.index("</section>")]
    assert "How specialised each person is" in section and "<svg" in section
    row = re.search(r"Sam South</a></th>(.*?)</tr>", section, re.S)
    assert row is not None
    cells = re.sub(r"<[^>]+>", " ", row.group(1))
    assert "6 of 12" in cells and "2 Repeatable" in cells and "57 %" in cells


def test_a_manager_sees_only_her_people(skilled: Any, smo: Any) -> None:  # noqa: F811
    priya = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    names = set(
        _by_name(priya.get("/api/v1/insights/overview", {"version": smo.pk}).json()["specialisation"])
    )
    assert "Nina North" in names and "Olivia Chief" not in names


def test_the_soms_framework_says_why_there_is_none(skilled: Any, soms_version: Any) -> None:
    alice = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    data = alice.get("/api/v1/insights/overview", {"version": soms_version.pk}).json()
    assert data["specialisation"] is None and "not for specialists" in data["specialisation_note"]
    html = alice.get(reverse("insights-dashboard")).content.decode()
    assert "How specialised each person is" in html and "not for specialists" in html


def test_both_reports_hold_specialists_and_specialisation(skilled: Any, smo: Any) -> None:  # noqa: F811
    from pypdf import PdfReader
    from python_calamine import CalamineWorkbook

    m = skilled.world.alice.memberships.get(organisation=skilled.world.org_a)
    book = CalamineWorkbook.from_filelike(io.BytesIO(team_xlsx(m, smo, Filters())))
    sheet = book.get_sheet_by_name("Specialisation").to_python()
    header = [str(v) for v in sheet[0]]
    sam = next(r for r in sheet if r[0] == "Sam South")
    assert sam[header.index("Breadth")] == 6 and sam[header.index("Highest level")] == "2 Repeatable"
    assert sam[header.index("% in the 3 strongest")] == 57
    spec = book.get_sheet_by_name("Specialists").to_python()
    incident = next(r for r in spec if r[0] == "Incident management")
    assert incident[1] == "Nina North" and incident[2] == "Sam South"

    pdf = pdf_bytes(team_html(m, smo, Filters()))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "Specialists and back-ups" in text and "How specialised each person is" in text
    assert re.search(r"Sam South 6 of 12 2 Repeatable 57 %", text), text[-2000:]
