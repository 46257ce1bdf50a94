"""The audit log as a person reads it: words not dicts, names and links, filters, paging, CSV, API."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from soms.tenancy.audit import AuditAction, changes_of, csv_cell, value_text
from soms.tenancy.models import AuditLogEntry
from soms.tenancy.services import api_token_create, audit_log_summary, audit_log_write
from soms.toolkits.capacity import services as capacity_services
from soms.toolkits.capacity.schemas import ErlangInput

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "soms"


def test_every_action_the_code_writes_is_an_audit_action():
    known = set(AuditAction.values)
    literal = set()
    # Only actions handed to an audit write: permission checks name `<thing>.<verb>` actions too.
    call = re.compile(r"\b(?:audit_log_write|audit_log_summary|_audit)\(")
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        for m in call.finditer(text):
            literal |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', text[m.end() : m.end() + 600])[:1])
    assert literal, "the scan found no actions: the pattern is out of date"
    assert literal - known == set(), "add these to soms.tenancy.audit.AuditAction"
    # Actions built from a kind at run time.
    from soms.toolkits.saved.registry import SAVED_KINDS

    built = {
        f"framework_{k}.{v}"
        for k in ("level", "element", "area", "statement")
        for v in ("create", "update", "delete", "reorder")
    }
    built |= {
        f"{kind.model.RESULT_KIND}.{v}"
        for kind in SAVED_KINDS.values()
        for v in ("create", "update", "delete")
    }
    assert built - known == set()


def test_values_read_as_words():
    assert value_text(None) == "—"
    assert value_text(True) == "yes"
    assert value_text(["a", "b"]) == "a, b"
    assert value_text({"max_occupancy": 0.85, "areas": ["x"]}) == "Max occupancy: 0.85; Areas: x"
    changes = changes_of({"name": "Old", "revision": 1}, {"name": "New", "revision": 2, "kind": "plan"})
    assert [(c.field, c.before, c.after) for c in changes] == [
        ("Name", "Old", "New"),
        ("Revision", "1", "2"),
        ("Type", None, "plan"),
    ]


def test_formula_cells_are_escaped():
    for bad in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]:
        assert csv_cell(bad) == "'" + bad
    assert csv_cell("plain") == "plain" and csv_cell(None) == ""


def _study(world, name="Peak"):
    return capacity_services.capacity_study_create(
        organisation=world.org_a,
        actor=world.alice,
        name=name,
        inp=ErlangInput(calls=10, aht=180, interval_seconds=1800),
    )


def test_the_page_shows_changes_in_words_and_links_objects(world):
    study = _study(world)
    capacity_services.capacity_study_rename(
        study=study,
        membership=world.alice.memberships.get(organisation=world.org_a),
        actor=world.alice,
        name="Peak 2",
        revision=study.revision,
    )
    page = world.client_for(world.alice, world.org_a).get(reverse("audit-log"))
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    text = page.text
    assert "Capacity study renamed" in text and "Capacity study saved" in text
    assert f'href="{reverse("capacity-study", args=[study.pk])}"' in text
    assert "{&#x27;" not in text and "{'" not in text  # no Python dict text
    assert '<th scope="row">Name</th>' in text


def test_a_deleted_object_is_named_but_not_linked(world):
    study = _study(world, "Gone soon")
    membership = world.alice.memberships.get(organisation=world.org_a)
    capacity_services.capacity_study_delete(study=study, membership=membership, actor=world.alice)
    text = world.client_for(world.alice, world.org_a).get(reverse("audit-log")).text
    assert "Gone soon" in text
    assert reverse("capacity-study", args=[study.pk]) not in text


def _entries(response):
    # The list of changes only: the filter form lists every action too.
    return response.text.split('<ol class="audit-list">', 1)[1]


def test_filters_by_actor_action_object_type_and_date(world):
    _study(world)
    api_token_create(user=world.charlie, organisation=world.org_a, name="charlie's script")
    client = world.client_for(world.alice, world.org_a)
    url = reverse("audit-log")

    by_charlie = _entries(client.get(url, {"actor": "charlie"}))
    assert "API token created" in by_charlie and "Capacity study saved" not in by_charlie
    by_action = _entries(client.get(url, {"action": "capacity_study.create"}))
    assert "Capacity study saved" in by_action and "API token created" not in by_action
    by_type = _entries(client.get(url, {"object_type": "ApiToken"}))
    assert "API token created" in by_type and "Capacity study saved" not in by_type
    today = timezone.localdate()
    assert "Capacity study saved" in _entries(client.get(url, {"since": today, "until": today}))
    yesterday = today - timedelta(days=1)
    assert "No change matches" in _entries(client.get(url, {"until": yesterday}))


@pytest.mark.parametrize(
    "query", [{"since": "not-a-date"}, {"action": "nope"}, {"since": "2026-02-02", "until": "2026-01-01"}]
)
def test_bad_filters_answer_400_with_the_field_not_500(world, query):
    client = world.client_for(world.alice, world.org_a)
    page = client.get(reverse("audit-log"), query)
    assert page.status_code == 400
    assert client.get(reverse("audit-log-csv"), query).status_code == 400
    api = client.get("/api/v1/audit-log", query)
    assert api.status_code == 422


def test_paging_keeps_the_filters(world):
    for i in range(55):
        audit_log_write(
            actor=world.alice, organisation=world.org_a, action=AuditAction.KPI_CREATE, after={"n": i}
        )
    page = world.client_for(world.alice, world.org_a).get(reverse("audit-log"), {"action": "kpi.create"})
    assert "Page 1 of 2" in page.text
    assert "?action=kpi.create&amp;page=2" in page.text


def test_each_actor_and_object_type_is_offered_once_however_many_entries(world):
    # The choices listed one per entry (the model's ordering joined the DISTINCT): at 100,000 entries
    # the page was 7.6 MB and took 37 s.
    for i in range(5):
        api_token_create(user=world.alice, organisation=world.org_a, name=f"script {i}")
    page = world.client_for(world.alice, world.org_a).get(reverse("audit-log")).text
    assert page.count('<option value="alice">') == 1
    assert page.count('<option value="ApiToken">') == 1


def test_csv_export_has_the_filters_and_escapes_formulas(world):
    api_token_create(user=world.alice, organisation=world.org_a, name='=HYPERLINK("http://x")')
    response = world.client_for(world.alice, world.org_a).get(
        reverse("audit-log-csv"), {"object_type": "ApiToken"}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["when", "who", "action"]
    assert [r[2] for r in rows[1:]] == ["api_token.create"]
    assert rows[1][6].startswith("'=")
    assert "Name: '=HYPERLINK" not in rows[1][7] and rows[1][7].startswith("Name: =HYPERLINK")


def test_the_api_has_the_same_filters_and_words(world):
    _study(world)
    client = world.client_for(world.alice, world.org_a)
    response = client.get("/api/v1/audit-log", {"action": "capacity_study.create"})
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    (entry,) = response.json()
    assert entry["action_label"] == "Capacity study saved"
    assert entry["object_url"].startswith("/capacity/")
    assert {"field": "Name", "before": None, "after": "Peak"} in entry["changes"]
    assert (
        client.get("/api/v1/audit-log", {"actor": "(system)", "action": "capacity_study.create"}).json() == []
    )


@pytest.mark.parametrize("who", ["charlie", "dana"])
def test_non_admins_cannot_export(world, who):
    client = world.client_for(getattr(world, who), world.org_a)
    assert client.get(reverse("audit-log-csv")).status_code == 403


def test_another_organisations_log_is_never_exported(world):
    api_token_create(user=world.bob, organisation=world.org_b, name="b secret token")
    body = b"".join(
        world.client_for(world.alice, world.org_a).get(reverse("audit-log-csv")).streaming_content
    )
    assert b"b secret token" not in body


def test_a_bulk_write_is_one_summary_row(world):
    names = [f"Person {i}" for i in range(500)]
    before = AuditLogEntry.objects.count()
    entry = audit_log_summary(
        actor=world.alice,
        organisation=world.org_a,
        action=AuditAction.PERSON_IMPORT,
        object_type="Person",
        names=names,
    )
    assert AuditLogEntry.objects.count() == before + 1
    assert entry.after["count"] == 500 and len(entry.after["examples"]) == 21
    assert entry.after["examples"][-1] == "… and 480 more"


def test_a_summary_row_counts_its_objects_in_the_plural(world):
    """It read "8 assessment"."""

    def summary(object_type, n):
        return audit_log_summary(
            actor=world.alice,
            organisation=world.org_a,
            action=AuditAction.ASSESSMENT_IMPORT,
            object_type=object_type,
            names=[f"x{i}" for i in range(n)],
        ).object_repr

    assert summary("Assessment", 8) == "8 assessments"
    assert summary("Assessment", 1) == "1 assessment"
    assert summary("ChangeProject", 2) == "2 change projects"
