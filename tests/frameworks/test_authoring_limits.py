"""A draft edited one item at a time stays inside the same content limits an import is held to
(soms/limits.py): the 20,001st statement, the 21st level, a statement longer than MAX_TEXT_LENGTH
are refused with a 422 naming the limit, on the page and in the API, and nothing is written."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from soms import limits
from soms.core.problems import Invalid
from soms.frameworks.models import Area, Element, FrameworkVersion, Level, Statement
from soms.frameworks.services.authoring import version_item_create, version_item_update
from tests.frameworks.conftest import call

pytestmark = pytest.mark.django_db

V = "/api/v1/framework-versions"


def _fill(version: FrameworkVersion, kind: str, up_to: int) -> None:
    """Bring the draft's `kind` to exactly `up_to` rows, in bulk (as an import would write them)."""
    element, level = version.elements.first(), version.levels.first()
    model = {"statements": Statement, "elements": Element, "areas": Area, "levels": Level}[kind]
    have = model.objects.filter(version=version).count()
    rows = []
    for i in range(up_to - have):
        if kind == "statements":
            rows.append(Statement(version=version, element=element, level=level, code=f"BULK-{i}", text="x"))
        elif kind == "elements":
            rows.append(Element(version=version, code=f"bulk-{i}", name=f"Bulk {i}", order=100 + i))
        elif kind == "areas":
            rows.append(Area(version=version, code=f"bulk-{i}", name=f"Bulk {i}", order=100 + i))
        else:
            rows.append(Level(version=version, code=f"bulk-{i}", name=f"Bulk {i}", rank=50 + i))
    for row in rows:
        row.uuid = uuid.uuid4()
    model.objects.bulk_create(rows, batch_size=2000)


def _new(version: FrameworkVersion) -> dict[str, dict[str, object]]:
    element, level = version.elements.get(code="delivery"), version.levels.get(code="practitioner")
    return {
        "statements": {"code": "NEW-1", "text": "Something new.", "element": element, "level": level},
        "elements": {"code": "new-element", "name": "New element"},
        "areas": {"code": "new-area", "name": "New area"},
        "levels": {"code": "new-level", "name": "New level", "rank": 99},
    }


LIMITS = [
    ("statements", "MAX_STATEMENTS"),
    ("elements", "MAX_ELEMENTS"),
    ("areas", "MAX_AREAS"),
    ("levels", "MAX_LEVELS"),
]


@pytest.mark.parametrize(("kind", "name"), LIMITS, ids=[k for k, _ in LIMITS])
def test_the_service_refuses_one_item_past_the_limit_and_writes_nothing(world, draft, kind, name):
    _fill(draft, kind, getattr(limits, name))
    before = draft.revision
    with pytest.raises(Invalid) as info:
        version_item_create(
            version=draft, kind=kind, values=_new(draft)[kind], expected_revision=before, actor=world.alice
        )
    assert name in str(info.value)
    draft.refresh_from_db()
    assert draft.revision == before
    assert getattr(draft, kind).count() == getattr(limits, name)


def test_one_below_the_limit_is_still_accepted(world, draft):
    _fill(draft, "levels", limits.MAX_LEVELS - 1)
    values = _new(draft)["levels"]
    level = version_item_create(
        version=draft, kind="levels", values=values, expected_revision=draft.revision, actor=world.alice
    )
    assert level.pk and draft.levels.count() == limits.MAX_LEVELS


def test_the_api_answers_422_naming_the_limit(world, draft):
    _fill(draft, "statements", limits.MAX_STATEMENTS)
    client = world.client_for(world.alice)
    body = {
        "revision": draft.revision,
        "code": "NEW-1",
        "text": "Something new.",
        "element_id": draft.elements.get(code="delivery").pk,
        "level_id": draft.levels.get(code="practitioner").pk,
    }
    response = call(client, "POST", f"{V}/{draft.pk}/statements", body)
    assert response.status_code == 422, response.content
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["body", "payload"]
    assert "MAX_STATEMENTS" in problem["msg"] and "20,000" in problem["msg"]
    assert not draft.statements.filter(code="NEW-1").exists()


def test_the_page_answers_422_naming_the_limit(world, draft):
    _fill(draft, "elements", limits.MAX_ELEMENTS)
    client = world.client_for(world.alice)
    response = client.post(
        reverse("framework-item-new", args=[draft.pk, "elements"]),
        {"revision": draft.revision, "code": "new-element", "name": "New element"},
    )
    assert response.status_code == 422
    assert "MAX_ELEMENTS" in response.content.decode()
    assert not draft.elements.filter(code="new-element").exists()


def test_statement_text_longer_than_the_limit_is_refused_on_create_and_edit(world, draft):
    client = world.client_for(world.alice)
    long = "x" * (limits.MAX_STATEMENT_LENGTH + 1)
    element, level = draft.elements.get(code="delivery"), draft.levels.get(code="practitioner")
    created = call(
        client,
        "POST",
        f"{V}/{draft.pk}/statements",
        {
            "revision": draft.revision,
            "code": "LONG-1",
            "text": long,
            "element_id": element.pk,
            "level_id": level.pk,
        },
    )
    assert created.status_code == 422
    assert [p["loc"] for p in created.json()["detail"]] == [["body", "payload", "text"]]
    # The service holds every caller to it, not only the forms and schemas.
    with pytest.raises(Invalid) as info:
        version_item_create(
            version=draft,
            kind="statements",
            values={"code": "LONG-1", "text": long, "element": element, "level": level},
            expected_revision=draft.revision,
            actor=world.alice,
        )
    assert "MAX_STATEMENT_LENGTH" in str(info.value)
    statement = draft.statements.get(code="DL-P1")
    with pytest.raises(Invalid):
        version_item_update(
            version=draft,
            kind="statements",
            item=statement,
            values={"text": long},
            expected_revision=draft.revision,
            actor=world.alice,
        )
    with pytest.raises(Invalid) as info:
        version_item_create(
            version=draft,
            kind="elements",
            values={"code": "wordy", "name": "Wordy", "description": "d" * (limits.MAX_TEXT_LENGTH + 1)},
            expected_revision=draft.revision,
            actor=world.alice,
        )
    assert "MAX_TEXT_LENGTH" in str(info.value)
    statement.refresh_from_db()
    assert statement.text != long and not draft.statements.filter(code="LONG-1").exists()
    # Exactly at the limit is fine: an export of it imports again.
    version_item_update(
        version=draft,
        kind="statements",
        item=statement,
        values={"text": "y" * limits.MAX_STATEMENT_LENGTH},
        expected_revision=draft.revision,
        actor=world.alice,
    )
