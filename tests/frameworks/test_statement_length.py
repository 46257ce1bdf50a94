"""A statement has one maximum length (soms.limits.MAX_STATEMENT_LENGTH) wherever it comes in: the
grid's forms, the authoring API and every import format. Beyond it the answer is 400/422 naming the
field, and nothing is written."""

from __future__ import annotations

import csv
import io as text_io
import json

import pytest
from django.urls import reverse

from soms import limits
from soms.frameworks.models import FrameworkVersion, Statement
from soms.frameworks.services.exchange import framework_version_export
from tests.frameworks.conftest import call, locs

pytestmark = pytest.mark.django_db

# The statement a first real user pasted: 20,000 characters without one space.
HUGE = "x" * 20_000
LONGEST = "y" * limits.MAX_STATEMENT_LENGTH


def test_the_limit_is_sensible():
    assert 1_000 <= limits.MAX_STATEMENT_LENGTH < 20_000
    assert "MAX_STATEMENT_LENGTH" in {name for name, *_ in limits.TABLE}


def _cell(draft):
    return draft.elements.get(code="delivery"), draft.levels.get(code="practitioner")


@pytest.mark.parametrize("text", [HUGE, "z" * (limits.MAX_STATEMENT_LENGTH + 1)], ids=["20000", "limit+1"])
def test_the_statement_forms_refuse_a_statement_too_long_naming_the_field(world, draft, text):
    client = world.client_for(world.alice)
    el, lv = _cell(draft)
    new = client.post(
        reverse("framework-item-new", args=[draft.pk, "statements"]),
        {"revision": 1, "code": "DL-P9", "text": text, "element": el.pk, "level": lv.pk},
    )
    assert new.status_code == 400
    assert list(new.context["form"].errors) == ["text"]
    assert f"at most {limits.MAX_STATEMENT_LENGTH} characters" in str(new.context["form"].errors["text"])
    existing = draft.statements.get(code="DL-P1")
    edit = client.post(
        reverse("framework-item-edit", args=[draft.pk, "statements", existing.pk]),
        {"revision": 1, "code": "DL-P1", "text": text, "element": el.pk, "level": lv.pk},
    )
    assert edit.status_code == 400 and "text" in edit.context["form"].errors
    assert not draft.statements.filter(code="DL-P9").exists()
    assert Statement.objects.get(pk=existing.pk).text == existing.text


def test_the_form_accepts_a_statement_at_the_limit(world, draft):
    client = world.client_for(world.alice)
    el, lv = _cell(draft)
    ok = client.post(
        reverse("framework-item-new", args=[draft.pk, "statements"]),
        {"revision": 1, "code": "DL-P9", "text": LONGEST, "element": el.pk, "level": lv.pk},
    )
    assert ok.status_code == 302
    assert draft.statements.get(code="DL-P9").text == LONGEST


def test_the_api_refuses_a_statement_too_long_naming_the_field(world, draft):
    client = world.client_for(world.alice)
    el, lv = _cell(draft)
    url = f"/api/v1/framework-versions/{draft.pk}/statements"
    body = {"revision": 1, "code": "DL-P9", "text": HUGE, "element_id": el.pk, "level_id": lv.pk}
    created = call(client, "POST", url, body)
    assert created.status_code == 422 and locs(created) == ["body.payload.text"]
    existing = draft.statements.get(code="DL-P1")
    patched = call(client, "PATCH", f"{url}/{existing.pk}", {"revision": 1, "text": HUGE})
    assert patched.status_code == 422 and locs(patched) == ["body.payload.text"]
    assert not draft.statements.filter(code="DL-P9").exists()
    # The OpenAPI document says so as well.
    spec = client.get("/api/openapi.json").json()
    assert json.dumps(spec).count(f'"maxLength": {limits.MAX_STATEMENT_LENGTH}') >= 2
    at_limit = call(client, "POST", url, {**body, "text": LONGEST})
    assert at_limit.status_code == 201


def _exported(draft, format: str) -> bytes:
    return framework_version_export(version=draft, format=format).content


def _with_long_statement(draft, format: str) -> tuple[bytes, str]:
    data = _exported(draft, format)
    original = draft.statements.get(code="DL-P1").text
    if format == "csv":
        rows = list(csv.DictReader(text_io.StringIO(data.decode("utf-8-sig"))))
        for row in rows:
            if row["statement_code"] == "DL-P1":
                row["statement_text"] = HUGE
        out = text_io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode(), "long.csv"
    assert original in data.decode()
    suffix = {"json": "long.json", "yaml": "long.yaml", "case": "long.case.json"}[format]
    return data.decode().replace(json.dumps(original)[1:-1], HUGE, 1).encode(), suffix


@pytest.mark.parametrize("format", ["yaml", "json", "csv", "case"])
def test_every_import_format_refuses_a_statement_too_long_naming_it(world, draft, format):
    data, filename = _with_long_statement(draft, format)
    assert HUGE.encode() in data
    client = world.client_for(world.alice)
    before = FrameworkVersion.objects.count()
    response = client.post(
        f"/api/v1/frameworks/import?filename={filename}", data=data, content_type="application/octet-stream"
    )
    assert response.status_code == 422, response.content[:400]
    problems = response.json()["detail"]
    assert len(problems) == 1, problems
    where = " ".join(str(p) for p in problems[0]["loc"])
    assert "text" in where or "fullStatement" in where or "statement_text" in where, problems
    assert str(limits.MAX_STATEMENT_LENGTH) in problems[0]["msg"]
    assert FrameworkVersion.objects.count() == before


def test_a_statement_stored_before_the_limit_is_still_read_exported_and_copied(world, draft):
    """The limit is at the edge: text written when it was allowed (the API took 20,000 characters)
    still shows, exports and starts a new draft; only bringing it in again is refused."""
    from soms.frameworks.services.authoring import framework_version_draft_create, version_publish

    Statement.objects.filter(version=draft, code="DL-P1").update(text=HUGE)
    client = world.client_for(world.alice)
    assert client.get(reverse("framework-version", args=[draft.pk])).status_code == 200
    read = client.get(f"/api/v1/framework-versions/{draft.pk}")
    assert read.status_code == 200 and HUGE in read.content.decode()
    for format in ["yaml", "json", "csv", "case"]:
        assert HUGE.encode() in _exported(draft, format)
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    v2 = framework_version_draft_create(framework=draft.framework, base=draft, label="2", actor=world.alice)
    assert v2.statements.get(code="DL-P1").text == HUGE
    again = client.post(
        "/api/v1/frameworks/import?filename=again.json",
        data=_exported(draft, "json"),
        content_type="application/octet-stream",
    )
    assert again.status_code == 422 and "MAX_STATEMENT_LENGTH" in again.json()["detail"][0]["msg"]
