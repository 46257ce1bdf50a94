"""Where a development action came from, on every surface: an action typed into "Add an action of
your own" (or sent to the API without a source) is the user's own, never a gap's; a suggestion
taken up from a gap or a refresher, and an action made from an audit finding, keep their source."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse
from pypdf import PdfReader

from soms.insights.models import DevelopmentAction
from soms.insights.services import plans
from soms.jobs.models import Job
from soms.jobs.testing import jobs_run
from soms.people.services.privacy import person_data
from tests.insights.conftest import DC

pytestmark = pytest.mark.django_db


def _own_form(html: str) -> dict[str, str]:
    """The hidden fields of the form "Add an action of your own", as the page draws them."""
    form = html.split('class="action-form"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_an_action_of_ones_own_is_recorded_as_own(skilled: Any, soms_version: Any) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    page = reverse("insights-person", args=[sam.pk])
    hidden = _own_form(client.get(page).content.decode())
    assert hidden["source"] == "own"
    element = soms_version.elements.get(code=DC)
    form = hidden | {"element": element.pk, "kind": "reading", "title": "Read about queues"}
    r = client.post(reverse("insights-action-create", args=[sam.pk]), form)
    assert r.status_code == 302
    action = DevelopmentAction.objects.get(person=sam)
    assert action.source == "own"
    html = client.get(page).content.decode()
    assert "Read about queues" in html and "Added by hand" in html and "Suggested from a gap" not in html
    api = client.get("/api/v1/development-actions", {"person": sam.pk}).json()
    assert api["items"][0]["source"] == "own"


def test_a_suggestion_taken_up_keeps_its_source(skilled: Any, soms_version: Any) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    html = client.get(reverse("insights-person", args=[sam.pk])).content.decode()
    suggestion = html.split('class="inline-form suggestion"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', suggestion))
    assert fields["source"] == "gap"
    assert client.post(reverse("insights-action-create", args=[sam.pk]), fields).status_code == 302
    action = DevelopmentAction.objects.get(person=sam)
    assert action.source == "gap"
    assert "Suggested from a gap" in client.get(reverse("insights-person", args=[sam.pk])).content.decode()


def test_the_suggestions_say_gap_or_refresher() -> None:
    rows = [
        {"element": "a", "name": "A", "gap": 1, "missing": {"project": {"text": "no project"}}},
        {"element": "b", "name": "B", "gap": 0, "refresh_due": True, "attained": "foundation"},
    ]
    found = {s.element: s.source for s in plans.suggestions(gaps=rows, level_names={}, planned=set())}
    assert found == {"a": "gap", "b": "refresher"}


def test_the_api_records_own_unless_told_and_refuses_an_unknown_source(
    skilled: Any, soms_version: Any
) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    base = {"person_id": sam.pk, "version_id": soms_version.pk, "element": DC, "kind": "course"}
    sources = []
    for extra in ({}, {"source": ""}, {"source": "own"}, {"source": "gap"}, {"source": "audit"}):
        r = client.post(
            "/api/v1/development-actions",
            base | {"title": f"T{len(sources)}"} | extra,
            content_type="application/json",
        )
        assert r.status_code == 201, r.content
        sources.append(r.json()["source"])
    assert sources == ["own", "own", "own", "gap", "audit"]
    bad = client.post(
        "/api/v1/development-actions",
        base | {"title": "X", "source": "typed"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "source" in bad.content.decode()
    assert DevelopmentAction.objects.filter(person=sam).count() == 5
    spec = client.get("/api/openapi.json").json()["components"]["schemas"]["ActionOut"]["properties"][
        "source"
    ]
    assert spec["enum"] == ["own", "gap", "refresher", "audit"]


def test_the_plan_pdf_and_the_data_export_say_where_each_action_came_from(
    skilled: Any, soms_version: Any
) -> None:
    sam = skilled.people["E003"]
    element = soms_version.elements.get(code=DC)
    for title, source in (("Own reading", "own"), ("Audit coaching", "audit")):
        plans.action_create(
            actor=skilled.world.alice,
            person=sam,
            version=soms_version,
            element=element,
            kind="coaching",
            title=title,
            source=source,
        )
    exported = {a["title"]: a["source"] for a in person_data(sam)["development_actions"]}
    assert exported == {"Own reading": "own", "Audit coaching": "audit"}
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    with jobs_run():
        client.post(reverse("insights-plan-pdf", args=[sam.pk]), {"version": soms_version.pk})
    job = Job.objects.get()
    job.refresh_from_db()
    with job.result_file.open("rb") as fh:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)
    assert "Added by hand" in text and "From an audit finding" in text


def test_the_migration_names_actions_typed_in_before_as_own(skilled: Any, soms_version: Any) -> None:
    module = __import__("soms.insights.migrations.0007_action_source", fromlist=["name_typed_in_actions"])
    sam = skilled.people["E003"]
    element = soms_version.elements.get(code=DC)
    made = [
        plans.action_create(
            actor=None, person=sam, version=soms_version, element=element, kind="course", title=t, source=s
        )
        for t, s in (("typed", "own"), ("suggested", "gap"))
    ]
    DevelopmentAction.objects.filter(pk=made[0].pk).update(source="")  # as stored before
    module.name_typed_in_actions(apps, None)
    assert dict(DevelopmentAction.objects.values_list("title", "source")) == {
        "typed": "own",
        "suggested": "gap",
    }
