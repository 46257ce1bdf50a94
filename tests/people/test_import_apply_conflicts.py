"""Applying a checked HR file is claimed by one caller, and only applies what was reviewed.

- Two tabs or two API calls applying the same import at once: one conditional UPDATE (ready →
  applying) lets exactly one go on; the other gets 409 "being applied" (and, after, "already
  applied"), never a 500 from the second writer's duplicate rows.
- An organisation that changed since the check (a person the file touches edited, another import
  applied) makes the apply a 409 asking to review the file checked again; nothing is written.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from soms.people.errors import PeopleConflict
from soms.people.models import ImportStatus, PeopleImport, Person
from soms.people.services.imports import people_import_apply
from soms.tenancy.models import AuditLogEntry
from tests.people.conftest import Org
from tests.people.helpers import csv_bytes

pytestmark = pytest.mark.django_db

NEW_PEOPLE = [
    ["employee_id", "name", "manager_employee_id"],
    ["N1", "New One", "E001"],
    ["N2", "New Two", "N1"],
]


def _check(client: Any, rows: list[list[str]], name: str = "hr.csv") -> dict[str, Any]:
    answer = client.post("/api/v1/people/import", {"file": SimpleUploadedFile(name, csv_bytes(rows))})
    assert answer.status_code == 200, answer.content
    out: dict[str, Any] = answer.json()
    assert out["status"] == "ready"
    return out


def test_a_second_apply_while_the_first_runs_sees_the_claim_and_gets_409(org: Org) -> None:
    w = org.world
    first_tab, second_tab = w.client_for(w.alice, w.org_a), w.client_for(w.alice, w.org_a)
    out = _check(first_tab, NEW_PEOPLE)
    record = PeopleImport.objects.get(pk=out["id"])
    seen: list[Any] = []

    def progress(stage: str, done: int, total: int) -> None:
        # The first apply has started: the second tab presses Apply now.
        if not seen:
            seen.append(second_tab.post(f"/api/v1/people/imports/{record.pk}/apply"))
            seen.append(PeopleImport.objects.get(pk=record.pk).status)

    result = people_import_apply(record=record, actor=w.alice, progress=progress)
    assert result["created"] == 2
    busy, status = seen
    assert busy.status_code == 409 and "being applied" in busy.json()["detail"]
    assert status == ImportStatus.APPLYING
    again = second_tab.post(f"/api/v1/people/imports/{record.pk}/apply")
    assert again.status_code == 409 and "already been applied" in again.json()["detail"]
    assert Person.objects.filter(organisation=w.org_a, employee_id__in=["N1", "N2"]).count() == 2
    assert AuditLogEntry.objects.filter(organisation=w.org_a, action="people.import").count() == 1
    assert PeopleImport.objects.get(pk=record.pk).status == ImportStatus.APPLIED


def test_the_page_says_the_import_is_being_applied(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    out = _check(client, NEW_PEOPLE)
    PeopleImport.objects.filter(pk=out["id"]).update(status=ImportStatus.APPLYING)
    page = client.post(f"/people/imports/{out['id']}/apply/", follow=True).content.decode()
    assert "is being applied right now" in page and "Apply the import" not in page
    assert not Person.objects.filter(employee_id="N1").exists()


def test_an_apply_that_fails_gives_the_claim_back(org: Org) -> None:
    w = org.world
    out = _check(w.client_for(w.alice, w.org_a), NEW_PEOPLE)
    record = PeopleImport.objects.get(pk=out["id"])

    def crash(stage: str, done: int, total: int) -> None:
        raise RuntimeError("the worker stopped")

    with pytest.raises(RuntimeError):
        people_import_apply(record=record, actor=w.alice, progress=crash)
    assert PeopleImport.objects.get(pk=record.pk).status == ImportStatus.READY
    people_import_apply(record=record, actor=w.alice)
    assert Person.objects.filter(employee_id__in=["N1", "N2"]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_api_calls_racing_give_one_apply_and_one_409(org: Org) -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads share no in-memory SQLite database; the claim is tested above")
    w = org.world
    out = _check(w.client_for(w.alice, w.org_a), NEW_PEOPLE)
    clients = [w.client_for(w.alice, w.org_a) for _ in range(2)]
    start = threading.Barrier(2)
    answers: list[tuple[int, str]] = []

    def apply(client: Any) -> None:
        try:
            start.wait()
            r = client.post(f"/api/v1/people/imports/{out['id']}/apply")
            answers.append((r.status_code, r.json().get("detail", "")))
        except Exception as exc:  # a 500 raised through the test client
            answers.append((500, repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    codes = sorted(code for code, _ in answers)
    assert codes == [200, 409], answers
    loser = next(detail for code, detail in answers if code == 409)
    assert "being applied" in loser or "already been applied" in loser
    assert Person.objects.filter(organisation=w.org_a, employee_id__in=["N1", "N2"]).count() == 2
    assert AuditLogEntry.objects.filter(organisation=w.org_a, action="people.import").count() == 1


# --- the organisation changed since the check ------------------------------------------------------


def test_an_edit_to_a_person_the_file_touches_makes_the_apply_a_409(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    out = _check(client, [["employee_id", "job_title"], ["E003", "Lead handler"]])
    sam = org.people["E003"]
    # Someone edits Sam (another field) after the check.
    edit = client.patch(
        f"/api/v1/people/{sam.pk}",
        {"location": "Leeds", "revision": sam.revision},
        content_type="application/json",
    )
    assert edit.status_code == 200
    refused = client.post(f"/api/v1/people/imports/{out['id']}/apply")
    assert refused.status_code == 409
    assert "changed since this file was checked" in refused.json()["detail"]
    assert "check" in refused.json()["detail"] and "again" in refused.json()["detail"]
    assert Person.objects.get(pk=sam.pk).job_title == ""
    assert not AuditLogEntry.objects.filter(action="people.import").exists()
    # The record holds the new check to review; applying it now goes through.
    record = PeopleImport.objects.get(pk=out["id"])
    assert record.status == ImportStatus.READY and record.summary["update"] == 1
    applied = client.post(f"/api/v1/people/imports/{out['id']}/apply")
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    assert Person.objects.get(pk=sam.pk).job_title == "Lead handler"


def test_another_import_applied_since_the_check_makes_the_apply_a_409(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    mine = _check(client, [["employee_id", "name"], ["N1", "New One"]], name="mine.csv")
    assert mine["summary"]["create"] == 1
    theirs = _check(client, [["employee_id", "name"], ["N1", "Someone Else"]], name="theirs.csv")
    assert client.post(f"/api/v1/people/imports/{theirs['id']}/apply").status_code == 200
    # The dry run said "create N1"; now it would rename the person the other import made.
    refused = client.post(f"/api/v1/people/imports/{mine['id']}/apply")
    assert refused.status_code == 409 and "changed since this file was checked" in refused.json()["detail"]
    assert Person.objects.get(organisation=w.org_a, employee_id="N1").name == "Someone Else"
    summary = PeopleImport.objects.get(pk=mine["id"]).summary
    assert (summary["create"], summary["update"]) == (0, 1)


def test_the_page_asks_to_review_the_new_check(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    client.post("/people/import/", {"file": SimpleUploadedFile("hr.csv", csv_bytes(NEW_PEOPLE))})
    record = PeopleImport.objects.latest("id")
    # Someone adds N1 by hand after the check.
    created = client.post(
        "/api/v1/people", {"employee_id": "N1", "name": "Typed In"}, content_type="application/json"
    )
    assert created.status_code == 201
    page = client.post(f"/people/imports/{record.pk}/apply/", follow=True).content.decode()
    assert "changed since this file was checked" in page and "Apply the import" in page
    assert Person.objects.get(employee_id="N1").name == "Typed In"
    assert not Person.objects.filter(employee_id="N2").exists()


def test_an_unrelated_change_does_not_block_the_apply(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    out = _check(client, [["employee_id", "job_title"], ["E003", "Lead handler"]])
    fred = org.people["E006"]
    client.patch(
        f"/api/v1/people/{fred.pk}",
        {"location": "York", "revision": fred.revision},
        content_type="application/json",
    )
    assert client.post(f"/api/v1/people/imports/{out['id']}/apply").status_code == 200


def test_a_conflict_is_a_people_conflict_for_the_job_and_the_cli(org: Org) -> None:
    w = org.world
    out = _check(w.client_for(w.alice, w.org_a), [["employee_id", "job_title"], ["E003", "Lead handler"]])
    Person.objects.filter(pk=org.people["E003"].pk).update(revision=9)
    with pytest.raises(PeopleConflict, match="changed since this file was checked"):
        people_import_apply(record=PeopleImport.objects.get(pk=out["id"]), actor=w.alice)
