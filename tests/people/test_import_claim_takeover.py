"""An inline apply whose process died leaves its HR file "applying" with nothing written (the write
is one transaction). Its claim carries the time it was taken: once older than
SOMS_IMPORT_CLAIM_SECONDS, with no job running it, a later apply takes it over with the same single
conditional UPDATE (a second applier meanwhile still gets 409), and the page says since when it has
been applied. The claim's time is its token: an applier whose claim was taken over writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from soms.people.errors import PeopleConflict
from soms.people.models import ImportStatus, PeopleImport, Person
from soms.people.services.imports import _claim, people_import_apply, people_import_apply_later
from soms.people.services.persons import person_create
from soms.tenancy.models import AuditLogEntry
from tests.people.conftest import Org
from tests.people.test_import_apply_conflicts import NEW_PEOPLE, _check

pytestmark = pytest.mark.django_db


def _age(record: PeopleImport, seconds: int) -> None:
    """The claim was taken `seconds` ago."""
    PeopleImport.objects.filter(pk=record.pk).update(claimed_at=timezone.now() - timedelta(seconds=seconds))


def test_an_apply_killed_mid_way_is_taken_over_once_its_claim_is_old(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    record = PeopleImport.objects.get(pk=_check(client, NEW_PEOPLE)["id"])
    _claim(record)  # what a request killed after claiming leaves behind: applying, nothing written
    page = client.get(f"/people/imports/{record.pk}/").content.decode()
    assert "is being applied right now" in page and "Being applied since" in page
    assert "Apply the import" not in page
    busy = client.post(f"/api/v1/people/imports/{record.pk}/apply")
    assert busy.status_code == 409 and "being applied" in busy.json()["detail"]
    shown = client.get(f"/api/v1/people/imports/{record.pk}").json()
    assert shown["status"] == "applying" and shown["claimed_at"] is not None
    _age(record, settings.SOMS_IMPORT_CLAIM_SECONDS - 30)
    assert client.post(f"/api/v1/people/imports/{record.pk}/apply").status_code == 409
    _age(record, settings.SOMS_IMPORT_CLAIM_SECONDS + 1)
    page = client.get(f"/people/imports/{record.pk}/").content.decode()
    assert "has not finished in over 10 minutes" in page and "Apply the import" in page
    done = client.post(f"/api/v1/people/imports/{record.pk}/apply")
    assert done.status_code == 200 and done.json()["status"] == "applied"
    assert done.json()["claimed_at"] is None
    assert Person.objects.filter(organisation=w.org_a, employee_id__in=["N1", "N2"]).count() == 2
    assert AuditLogEntry.objects.filter(organisation=w.org_a, action="people.import").count() == 1
    again = client.post(f"/api/v1/people/imports/{record.pk}/apply")
    assert again.status_code == 409 and "already been applied" in again.json()["detail"]


def test_the_page_takes_over_a_stale_claim_too(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    record = PeopleImport.objects.get(pk=_check(client, NEW_PEOPLE)["id"])
    _claim(record)
    _age(record, settings.SOMS_IMPORT_CLAIM_SECONDS + 60)
    assert client.post(f"/people/imports/{record.pk}/apply/").status_code == 302
    assert PeopleImport.objects.get(pk=record.pk).status == ImportStatus.APPLIED
    assert Person.objects.filter(organisation=w.org_a, employee_id="N2").exists()


def test_an_applier_whose_claim_was_taken_over_writes_nothing(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    record = PeopleImport.objects.get(
        pk=_check(client, [["employee_id", "job_title"], ["E003", "Lead"]])["id"]
    )
    taken: list[int] = []

    def progress(stage: str, done: int, total: int) -> None:
        # The first applier stalls past the claim's age; another takes the file over and applies it.
        if stage == "writing" and not taken:
            _age(record, settings.SOMS_IMPORT_CLAIM_SECONDS + 1)
            taken.append(client.post(f"/api/v1/people/imports/{record.pk}/apply").status_code)

    with pytest.raises(PeopleConflict, match="taken over by another apply"):
        people_import_apply(record=record, actor=w.alice, progress=progress)
    assert taken == [200]
    sam = Person.objects.get(pk=org.people["E003"].pk)
    assert sam.job_title == "Lead" and sam.revision == org.people["E003"].revision + 1
    assert AuditLogEntry.objects.filter(organisation=w.org_a, action="people.import").count() == 1
    assert PeopleImport.objects.get(pk=record.pk).status == ImportStatus.APPLIED


def test_a_claim_a_job_still_runs_is_never_taken_over(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    record = PeopleImport.objects.get(pk=_check(client, NEW_PEOPLE)["id"])
    people_import_apply_later(record=record, actor=w.alice, enqueue=False)
    PeopleImport.objects.filter(pk=record.pk).update(status=ImportStatus.APPLYING)
    _age(record, settings.SOMS_IMPORT_CLAIM_SECONDS * 10)
    answer = client.post(f"/api/v1/people/imports/{record.pk}/apply")
    assert answer.status_code == 409
    assert not Person.objects.filter(employee_id="N1").exists()
    page = client.get(f"/people/imports/{record.pk}/").content.decode()
    assert "has not finished in over" not in page


def test_a_stalled_applier_overtaken_on_new_people_gets_a_conflict_not_a_database_error(org: Org) -> None:
    """Two appliers of a file that adds people, the first stalled past the claim's age before its
    write: the second takes it over and adds them; the first then finds its claim gone at the start
    of its write transaction (it used to insert the same people and die on the unique employee id:
    IntegrityError, a 500) and writes nothing."""
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    record = PeopleImport.objects.get(pk=_check(client, NEW_PEOPLE)["id"])
    taken: list[int] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "writing" and not taken:
            _age(record, settings.SOMS_IMPORT_CLAIM_SECONDS + 1)
            taken.append(client.post(f"/api/v1/people/imports/{record.pk}/apply").status_code)

    with pytest.raises(PeopleConflict, match="taken over by another apply") as raised:
        people_import_apply(record=record, actor=w.alice, progress=progress)
    assert "nothing was written by this one" in str(raised.value)
    assert taken == [200]
    assert Person.objects.filter(organisation=w.org_a, employee_id__in=["N1", "N2"]).count() == 2
    assert AuditLogEntry.objects.filter(organisation=w.org_a, action="people.import").count() == 1
    done = PeopleImport.objects.get(pk=record.pk)
    assert done.status == ImportStatus.APPLIED and done.claimed_at is not None
    # The winner's result stands, the loser's claim did not put it back to ready.
    assert (
        done.summary["result"]
        == client.get(f"/api/v1/people/imports/{record.pk}").json()["summary"]["result"]
    )


def test_a_person_added_while_the_apply_stalled_is_a_conflict_and_writes_nothing(org: Org) -> None:
    """Not a takeover: someone adds N1 by hand while the apply is between its check and its write.
    The insert's duplicate id is rolled back and answered as a conflict (the page and API 409, the
    job says why), the file is ready to check again, nothing of it was written."""
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    record = PeopleImport.objects.get(pk=_check(client, NEW_PEOPLE)["id"])
    added: list[Person] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "writing" and not added:
            added.append(person_create(organisation=w.org_a, actor=w.alice, employee_id="N1", name="By hand"))

    with pytest.raises(PeopleConflict, match="changed while this import was being written"):
        people_import_apply(record=record, actor=w.alice, progress=progress)
    assert list(Person.objects.filter(organisation=w.org_a, employee_id__in=["N1", "N2"])) == added
    assert not AuditLogEntry.objects.filter(organisation=w.org_a, action="people.import").exists()
    back = PeopleImport.objects.get(pk=record.pk)
    assert back.status == ImportStatus.READY and back.claimed_at is None


def test_an_import_erased_after_it_was_found_answers_as_a_missing_one(org: Org) -> None:
    """Schemathesis against a running server: a person's erasure deletes every import not yet
    applied; an apply that had already found its import then read it again and answered 500."""
    from django.http import Http404

    w = org.world
    client = w.client_for(w.alice, w.org_a)
    record = PeopleImport.objects.get(pk=_check(client, NEW_PEOPLE)["id"])
    _claim(PeopleImport.objects.get(pk=record.pk))  # another tab holds it: this apply's UPDATE finds nothing
    PeopleImport.objects.filter(pk=record.pk).delete()  # then the erasure
    with pytest.raises(Http404):
        people_import_apply(record=record, actor=w.alice)
    found_then_gone = PeopleImport.objects.get(pk=_check(client, NEW_PEOPLE)["id"])
    PeopleImport.objects.filter(pk=found_then_gone.pk).delete()
    with pytest.raises(Http404):
        people_import_apply(record=found_then_gone, actor=w.alice)
    assert not Person.objects.filter(organisation=w.org_a, employee_id__in=["N1", "N2"]).exists()
    missing = client.post(f"/api/v1/people/imports/{record.pk}/apply")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not found"}
