"""The refresher list, on the page and over JSON, paged: every level to refresh and every overdue
action of the people in scope, never a silent first 500."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse

from soms.assessments.models import AttainmentStatus, ElementAttainment
from soms.insights.models import DevelopmentAction
from tests.insights.conftest import DC

pytestmark = pytest.mark.django_db


def _expired_nina(soms_version: Any, skilled: Any) -> None:
    nina = skilled.people["E005"]
    row = ElementAttainment.objects.get(person=nina, version=soms_version, element__code=DC)
    ElementAttainment.objects.filter(pk=row.pk).update(
        status=AttainmentStatus.EXPIRED,
        level=soms_version.levels.get(code="foundation"),
        expires_on=date(2027, 10, 2),
        detail={**row.detail, "lapsed_level": "practitioner", "lapsed_on": "2026-10-02"},
    )


def _overdue(skilled: Any, soms_version: Any, person: Any, n: int) -> None:
    element = soms_version.elements.get(code=DC)
    DevelopmentAction.objects.bulk_create(
        DevelopmentAction(
            organisation=skilled.world.org_a,
            person=person,
            version=soms_version,
            element=element,
            kind="course",
            title=f"Late {k:03d}",
            due_on=date(2020, 1, 1) + timedelta(days=k),
        )
        for k in range(n)
    )


def test_the_api_lists_levels_to_refresh_and_overdue_actions_paged(skilled: Any, soms_version: Any) -> None:
    _expired_nina(soms_version, skilled)
    _overdue(skilled, soms_version, skilled.people["E003"], 5)
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    body = client.get("/api/v1/insights/refreshers").json()
    nina = next(r for r in body["levels"]["items"] if r["person"]["name"] == "Nina North")
    assert (nina["element"], nina["state"], nina["lapsed_level"], nina["lapsed_on"]) == (
        DC,
        "expired",
        "practitioner",
        "2026-10-02",
    )
    assert nina["level"] == "foundation"
    assert body["overdue"]["count"] == 5 and body["overdue"]["items"][0]["title"] == "Late 000"
    page = client.get("/api/v1/insights/refreshers", {"offset": 3, "limit": 2}).json()
    assert [a["title"] for a in page["overdue"]["items"]] == ["Late 003", "Late 004"]
    for params in ({"limit": 0}, {"limit": 10_000}, {"offset": -1}, {"offset": "1e309"}, {"limit": "x\x00"}):
        r = client.get("/api/v1/insights/refreshers", params)
        assert r.status_code == 422, (params, r.content)
        assert list(params)[0] in str(r.json()["detail"])


def test_the_api_list_is_scoped_like_the_page(skilled: Any, soms_version: Any) -> None:
    _overdue(skilled, soms_version, skilled.people["E003"], 2)
    member = skilled.world.client_for(skilled.world.charlie, skilled.world.org_a)
    body = member.get("/api/v1/insights/refreshers").json()
    assert body["overdue"]["count"] == 0  # charlie is not Sam


def test_the_page_is_paged_past_its_first_page(skilled: Any, soms_version: Any) -> None:
    from soms.insights.views.pages import REFRESHERS_PAGE

    _overdue(skilled, soms_version, skilled.people["E003"], REFRESHERS_PAGE + 3)
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    url = reverse("insights-refreshers")
    first = client.get(url).content.decode()
    assert "Late 000" in first and f"Late {REFRESHERS_PAGE:03d}" not in first
    assert f"{REFRESHERS_PAGE + 3} overdue actions" in first and "overdue_page=2" in first
    second = client.get(url, {"overdue_page": 2}).content.decode()
    assert f"Late {REFRESHERS_PAGE + 2:03d}" in second and "Late 000" not in second
    for bad in ("x", "0", "999", "\x00"):
        assert client.get(url, {"overdue_page": bad, "page": bad}).status_code == 200
