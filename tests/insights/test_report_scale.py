"""The organisation PDF of 3,000 people in 150 units: the units × elements heatmap is split into
page-sized drawings, and every unit is in the text of one page (none clipped off the bottom)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from soms.insights.reports import PDF_UNITS, pdf_bytes, team_html
from soms.insights.selectors.picture import Filters
from soms.people.demo import large_organisation
from soms.tenancy.models import Membership, Role
from tests.assessments.conftest import soms_version  # noqa: F401

pytestmark = pytest.mark.django_db


def test_every_unit_of_a_large_organisation_is_on_a_page(soms_version: Any) -> None:  # noqa: F811
    from pypdf import PdfReader

    org = large_organisation(people=3000, teams=150, progress=lambda *a: None)
    owner = Membership(organisation=org, role=Role.OWNER)
    html = team_html(owner, soms_version, Filters())
    assert html.count('class="chart units-heatmap"') == -(-150 // PDF_UNITS)
    pages = PdfReader(io.BytesIO(pdf_bytes(html))).pages
    seen: dict[int, int] = {}
    outside: list[str] = []
    for k, page in enumerate(pages):
        top = float(page.mediabox.top)

        def visit(text: str, cm: Any, tm: Any, font: Any, size: Any, k: int = k, top: float = top) -> None:
            # Where the text is drawn on the page: the text matrix within the current transform.
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            for n in re.findall(r"Section (\d+) \(\d+\)", text):  # its people: 200 in the first
                if 0 <= y <= top:
                    seen.setdefault(int(n), k)
                else:
                    outside.append(n)

        page.extract_text(visitor_text=visit)
    assert not outside, f"units drawn off the page: {outside[:10]}"
    assert sorted(seen) == list(range(1, 151))
    assert len(set(seen.values())) >= 150 // PDF_UNITS  # spread over the pages, not one tall drawing
