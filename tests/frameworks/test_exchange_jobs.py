"""Large framework imports and exports run as background jobs, never inside the request: the
request checks the file (every problem at once, 422) and answers with the job; the job writes or
renders, and its page links to the result. Small ones stay inline."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from soms import limits
from soms.frameworks.models import FrameworkVersion
from soms.jobs.models import Job, JobStatus
from soms.jobs.testing import jobs_run
from soms.tenancy.services import api_token_create
from tests.regression import big_inputs

pytestmark = pytest.mark.django_db

LARGE = limits.BACKGROUND_IMPORT_STATEMENTS + 1


def _bearer(user, organisation):
    from django.test import Client

    _, raw = api_token_create(user=user, organisation=organisation, name="jobs")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _imported(world):
    return FrameworkVersion.objects.filter(framework__organisation=world.org_a)


def test_a_large_api_import_answers_202_with_the_job_and_the_job_writes_it(world):
    client = _bearer(world.alice, world.org_a)
    data = big_inputs.csv_statements(LARGE)
    with jobs_run():
        response = client.post(
            "/api/v1/frameworks/import?filename=big.csv", data=data, content_type="text/csv"
        )
        assert response.status_code == 202, response.content[:300]
        # Checked in the request, written by the job: nothing is there yet.
        assert not _imported(world).exists()
    body = response.json()
    assert body["url"] == f"/api/v1/jobs/{body['id']}"
    job = client.get(body["url"]).json()
    assert job["status"] == "done", job
    version = _imported(world).get()
    assert version.statements.count() == LARGE
    assert job["result_url"] == reverse("framework-version", args=[version.pk])
    assert f"{LARGE:,} statements" in job["message"]


def test_a_large_file_with_a_problem_is_refused_at_once_and_queues_nothing(world):
    client = _bearer(world.alice, world.org_a)
    data = big_inputs.csv_statements(LARGE).replace(b"S7,", b"S8,", 1)  # a statement code twice
    with jobs_run():
        response = client.post(
            "/api/v1/frameworks/import?filename=big.csv", data=data, content_type="text/csv"
        )
    assert response.status_code == 422
    assert not Job.objects.exists() and not _imported(world).exists()


def test_a_large_file_whose_label_is_taken_is_answered_at_once_with_the_choices(world):
    client = _bearer(world.alice, world.org_a)
    data = big_inputs.csv_statements(LARGE)
    with jobs_run():
        first = client.post("/api/v1/frameworks/import?filename=big.csv", data=data, content_type="text/csv")
    assert first.status_code == 202
    again = client.post("/api/v1/frameworks/import?filename=big.csv", data=data, content_type="text/csv")
    assert again.status_code == 409 and "already has a version" in json.dumps(again.json())
    assert Job.objects.count() == 1


def test_the_label_taken_while_the_job_waited_fails_the_job_with_a_sentence(world):
    client = _bearer(world.alice, world.org_a)
    data = big_inputs.csv_statements(LARGE)
    with jobs_run():
        client.post("/api/v1/frameworks/import?filename=big.csv", data=data, content_type="text/csv")
        client.post("/api/v1/frameworks/import?filename=big.csv", data=data, content_type="text/csv")
    assert _imported(world).count() == 1
    failed = Job.objects.get(status=JobStatus.FAILED)
    assert "already has a version" in failed.message


def test_a_small_import_stays_inline(world):
    client = _bearer(world.alice, world.org_a)
    response = client.post(
        "/api/v1/frameworks/import?filename=small.csv",
        data=big_inputs.csv_statements(limits.BACKGROUND_IMPORT_STATEMENTS),
        content_type="text/csv",
    )
    assert response.status_code == 201
    assert not Job.objects.exists()


def test_the_import_page_sends_a_large_file_to_its_job_page_which_links_to_the_version(world):
    client = world.client_for(world.alice, world.org_a)
    upload = SimpleUploadedFile("big.csv", big_inputs.csv_statements(LARGE), content_type="text/csv")
    with jobs_run():
        response = client.post(reverse("framework-import"), {"file": upload})
        assert not _imported(world).exists()
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job-detail", args=[job.pk])
    version = _imported(world).get()
    page = client.get(response["Location"]).content.decode()
    assert reverse("framework-version", args=[version.pk]) in page
    assert "Finished" in page


# --- exports ---------------------------------------------------------------------------------------


@pytest.fixture
def large(world):
    from soms.frameworks.services.exchange import framework_import

    return framework_import(
        organisation=world.org_a,
        actor=world.alice,
        data=big_inputs.csv_statements(limits.BACKGROUND_EXPORT_STATEMENTS + 1),
        filename="big.csv",
        publish=True,
    )


def test_a_large_export_page_runs_a_job_whose_file_readers_of_the_version_download(world, large):
    from soms.frameworks.services.exchange import framework_version_export

    client = world.client_for(world.charlie, world.org_a)
    url = reverse("framework-version-export", args=[large.pk, "csv"])
    with jobs_run():
        response = client.get(url)
        assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == reverse("job-detail", args=[job.pk]) and job.status == JobStatus.DONE
    page = client.get(response["Location"]).content.decode()
    download = f"{url}?job={job.pk}"
    assert f'href="{download}"' in page
    file = client.get(download)
    assert file.status_code == 200 and file["Cache-Control"] == "private, no-store"
    expected = framework_version_export(version=large, format="csv")
    assert b"".join(file.streaming_content) == expected.content
    # The job also filled the cache: the next download is served at once, without a job.
    again = client.get(url)
    assert again.status_code == 200 and again.content == expected.content
    assert Job.objects.count() == 1


def test_another_member_or_organisation_cannot_download_the_job_file(world, large):
    client = world.client_for(world.charlie, world.org_a)
    url = reverse("framework-version-export", args=[large.pk, "csv"])
    with jobs_run():
        client.get(url)
    job = Job.objects.get()
    # dana is a member of A too, but the job is charlie's; bob is in B.
    assert world.client_for(world.dana, world.org_a).get(f"{url}?job={job.pk}").status_code == 404
    assert world.client_for(world.bob, world.org_b).get(f"{url}?job={job.pk}").status_code == 404
    # A job of another version or format does not stand in for this one.
    other = reverse("framework-version-export", args=[large.pk, "yaml"])
    assert client.get(f"{other}?job={job.pk}").status_code == 404
    assert client.get(f"{url}?job=nonsense").status_code == 404


def test_a_large_api_export_answers_202_then_the_file(world, large):
    client = _bearer(world.charlie, world.org_a)
    url = f"/api/v1/framework-versions/{large.pk}/export?format=case"
    with jobs_run():
        response = client.get(url)
        assert response.status_code == 202
        # Asking again while it waits follows the same job.
        assert client.get(url).json()["id"] == response.json()["id"]
    job = client.get(response.json()["url"]).json()
    assert job["status"] == "done" and job["download_url"]
    file = client.get(job["download_url"])
    assert file.status_code == 200
    assert json.loads(b"".join(file.streaming_content))["CFDocument"]
    assert client.get(url).status_code == 200


def test_a_large_draft_export_is_rendered_afresh_each_time(world, large):
    from soms.frameworks.services.authoring import framework_version_draft_create, version_item_update

    draft = framework_version_draft_create(
        framework=large.framework, base=large, label="2", actor=world.alice
    )
    client = world.client_for(world.alice, world.org_a)
    url = reverse("framework-version-export", args=[draft.pk, "csv"])
    with jobs_run():
        client.get(url)
    statement = draft.statements.get(code="S1")
    version_item_update(
        version=draft,
        kind="statements",
        item=statement,
        values={"text": "Reworded in the draft."},
        expected_revision=draft.revision,
        actor=world.alice,
    )
    with jobs_run():
        second = client.get(url)
    assert second.status_code == 302
    latest = Job.objects.order_by("-pk").first()
    file = client.get(f"{url}?job={latest.pk}")
    assert b"Reworded in the draft." in b"".join(file.streaming_content)


def test_the_command_line_writes_a_large_file_through_the_job_with_a_progress_bar(world, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "big.csv"
    path.write_bytes(big_inputs.csv_statements(LARGE))
    out = StringIO()
    call_command("framework", "import", str(path), "--org", world.org_a.slug, stdout=out)
    text = out.getvalue()
    # The same job as the page and the API, run in the foreground: its bar and its steps are shown.
    # (Off a terminal rich draws the bar once, at its end, 80 columns wide.)
    job = Job.objects.get()
    # How much of the label fits beside the bar depends on the width of its timing columns.
    assert job.status == JobStatus.DONE and "Import big 1 (2," in text
    assert "Imported big 1 as a draft version" in text
    version = _imported(world).get()
    assert version.statements.count() == LARGE
    assert f"as draft version {version.pk} ({LARGE} statements)" in text


def test_the_command_line_writes_a_small_file_inline(world, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "small.csv"
    path.write_bytes(big_inputs.csv_statements(10))
    out = StringIO()
    call_command("framework", "import", str(path), "--org", world.org_a.slug, stdout=out)
    assert not Job.objects.exists() and _imported(world).get().statements.count() == 10


def test_an_export_of_few_but_long_statements_runs_a_job_too(world):
    # 2,000 statements at MAX_STATEMENT_LENGTH are 8 MB: 1 to 2 s of a request worker for CSV, CASE
    # or JSON. The size of the text decides as well as the count.
    from soms.frameworks.services.exchange import export_runs_in_background, framework_import

    long = "Does the work well and says why. " * (limits.MAX_STATEMENT_LENGTH // 34)
    n = limits.BACKGROUND_EXPORT_CHARACTERS // len(long) + 1
    assert n <= limits.BACKGROUND_EXPORT_STATEMENTS
    rows = ["framework_code,version_label,element_code,level_code,level_rank,statement_code,statement_text"]
    rows += [f'long,1,e{i % 10},l1,1,S{i},"{long}"' for i in range(n)]
    version = framework_import(
        organisation=world.org_a, actor=world.alice, data="\n".join(rows).encode(), filename="long.csv"
    )
    assert export_runs_in_background(version=version, format="yaml")
    client = world.client_for(world.alice, world.org_a)
    with jobs_run():
        response = client.get(reverse("framework-version-export", args=[version.pk, "yaml"]))
    assert response.status_code == 302
    assert Job.objects.get().status == JobStatus.DONE
    version.statements.filter(code__in=[f"S{i}" for i in range(1, n)]).delete()
    assert not export_runs_in_background(version=version, format="yaml")
