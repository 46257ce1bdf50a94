"""The audit log's CSV above SOMS_AUDIT_EXPORT_INLINE_ROWS entries is written by a job (progress on
the job's page, then the file), to the administrator who asked; up to it, it stays in the request."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from soms.jobs.models import Job, JobStatus
from soms.jobs.testing import jobs_run
from soms.tenancy.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def _page(response, *urls: str) -> str:
    """A page's body without what differs on every render (tokens, nonces, its own URL)."""
    text = response.content.decode()
    for url in urls:
        text = text.replace(url, "URL")
    text = re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]*"', r"\1TOKEN", text)
    return re.sub(r'nonce="[^"]*"', 'nonce="N"', text)


def _entries(organisation, actor, n: int, *, action: str = "kpi.create", object_type: str = "Row") -> None:
    AuditLogEntry.objects.bulk_create(
        [
            AuditLogEntry(
                organisation=organisation,
                actor=actor,
                action=action,
                object_type=object_type,
                object_id=str(i),
                object_repr=f"row {i}",
                after={"i": i},
            )
            for i in range(n)
        ]
    )


def test_a_large_export_runs_as_a_job_whose_file_is_the_inline_export(world, settings):
    _entries(world.org_a, world.alice, 30)
    client = world.client_for(world.alice, world.org_a)
    inline = client.get(reverse("audit-log-csv"))
    assert inline.status_code == 200 and inline.streaming
    inline_rows = _rows(b"".join(inline.streaming_content))
    settings.SOMS_AUDIT_EXPORT_INLINE_ROWS = 10
    with jobs_run():
        started = client.get(reverse("audit-log-csv"))
    assert started.status_code == 302 and started["Location"] == reverse(
        "job-detail", args=[Job.objects.get().pk]
    )
    job = Job.objects.get()
    total = AuditLogEntry.objects.filter(organisation=world.org_a).count()
    assert job.status == JobStatus.DONE and job.progress_current == job.progress_total == total
    assert job.owner == world.alice and job.title == f"Audit log export of {total} entries (CSV)"
    page = client.get(started["Location"])
    assert page.status_code == 200 and f"Exported {total} audit log entries".encode() in page.content
    assert b"Download the result" in page.content
    download = client.get(reverse("job-download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].endswith(f'filename="audit-log-{world.org_a.slug}.csv"')
    assert _rows(b"".join(download.streaming_content)) == inline_rows


def test_the_job_writes_only_what_the_filters_chose(world, settings):
    settings.SOMS_AUDIT_EXPORT_INLINE_ROWS = 5
    _entries(world.org_a, world.alice, 12, action="kpi.create")
    _entries(world.org_a, world.alice, 20, action="kpi.update")
    client = world.client_for(world.alice, world.org_a)
    with jobs_run():
        started = client.get(reverse("audit-log-csv"), {"action": "kpi.create"})
    assert started.status_code == 302
    job = Job.objects.get()
    assert job.params == {"action": "kpi.create"} and "(filtered)" in job.title
    rows = _rows(b"".join(client.get(reverse("job-download", args=[job.pk])).streaming_content))
    assert len(rows) == 13 and {r[2] for r in rows[1:]} == {"kpi.create"}
    # Under the threshold once filtered: streamed in the request, no job.
    _entries(world.org_a, world.alice, 3, action="kpi.create", object_type="Other")
    tiny = client.get(reverse("audit-log-csv"), {"object_type": "Other"})
    assert tiny.status_code == 200 and tiny.streaming
    assert len(_rows(b"".join(tiny.streaming_content))) == 4
    assert Job.objects.count() == 1


def test_asking_again_while_the_job_waits_gives_the_same_job(world, settings):
    settings.SOMS_AUDIT_EXPORT_INLINE_ROWS = 5
    _entries(world.org_a, world.alice, 10)
    client = world.client_for(world.alice, world.org_a)
    first = client.get(reverse("audit-log-csv"))
    second = client.get(reverse("audit-log-csv"))
    other_filter = client.get(reverse("audit-log-csv"), {"action": "kpi.create"})
    assert first["Location"] == second["Location"] != other_filter["Location"]
    assert Job.objects.filter(status=JobStatus.QUEUED).count() == 2


def test_the_page_says_a_large_export_is_prepared_in_the_background(world, settings):
    settings.SOMS_AUDIT_EXPORT_INLINE_ROWS = 5
    client = world.client_for(world.alice, world.org_a)
    assert b"prepared in the background" not in client.get(reverse("audit-log")).content
    _entries(world.org_a, world.alice, 10)
    assert b"prepared in the background" in client.get(reverse("audit-log")).content


@pytest.mark.parametrize("who", ["charlie", "dana"])
def test_only_administrators_start_it_and_a_member_cannot_open_the_admins_job(world, settings, who):
    settings.SOMS_AUDIT_EXPORT_INLINE_ROWS = 5
    _entries(world.org_a, world.alice, 10)
    member = world.client_for(getattr(world, who), world.org_a)
    assert member.get(reverse("audit-log-csv")).status_code == 403
    assert not Job.objects.exists()
    with jobs_run():
        world.client_for(world.alice, world.org_a).get(reverse("audit-log-csv"))
    job = Job.objects.get()
    # A member sees only their own jobs: the administrator's export is missing to them.
    assert member.get(reverse("job-detail", args=[job.pk])).status_code == 404
    assert member.get(reverse("job-download", args=[job.pk])).status_code == 404


def test_another_organisations_export_job_answers_404_like_a_missing_one(world, settings):
    settings.SOMS_AUDIT_EXPORT_INLINE_ROWS = 5
    _entries(world.org_a, world.alice, 10)
    with jobs_run():
        world.client_for(world.alice, world.org_a).get(reverse("audit-log-csv"))
    job = Job.objects.get()
    bob = world.client_for(world.bob, world.org_b)
    missing_url, theirs_url = (
        reverse("job-detail", args=[job.pk + 1000]),
        reverse("job-detail", args=[job.pk]),
    )
    missing, theirs = bob.get(missing_url), bob.get(theirs_url)
    assert theirs.status_code == missing.status_code == 404
    assert _page(theirs, missing_url, theirs_url) == _page(missing, missing_url, theirs_url)
    assert bob.get(reverse("job-download", args=[job.pk])).status_code == 404
    # Bob's own large export holds only Beta's entries.
    _entries(world.org_b, world.bob, 7, action="kpi.update")
    with jobs_run():
        started = bob.get(reverse("audit-log-csv"))
    beta = Job.objects.get(organisation=world.org_b)
    assert started["Location"] == reverse("job-detail", args=[beta.pk])
    rows = _rows(b"".join(bob.get(reverse("job-download", args=[beta.pk])).streaming_content))
    actions = [r[2] for r in rows[1:]]
    assert actions.count("kpi.update") == 7 and "kpi.create" not in actions


@override_settings(SOMS_RATES={"export_user": "2/m", "export_org": "100/m"})
def test_the_export_rate_limit_counts_the_audit_export(world, settings):
    settings.SOMS_AUDIT_EXPORT_INLINE_ROWS = 5
    _entries(world.org_a, world.alice, 10)
    client = world.client_for(world.alice, world.org_a)
    assert client.get(reverse("audit-log-csv")).status_code == 302
    assert client.get(reverse("audit-log-csv"), {"action": "kpi.create"}).status_code == 302
    refused = client.get(reverse("audit-log-csv"))
    assert refused.status_code == 429 and refused["Retry-After"]
    assert Job.objects.count() == 2
