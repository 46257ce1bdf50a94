"""Large plans and simulations run as background jobs, never inside the request: the request checks
the input (a bad one is still a 422 and queues nothing) and answers with the job; the job computes
with progress and keeps the same result JSON as the synchronous answer. Small ones stay inline.

The sizes are the real thresholds of soms.limits, one past them: no threshold is patched."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from soms import limits
from soms.jobs.models import Job, JobStatus
from soms.jobs.testing import jobs_run
from soms.toolkits.capacity import compute
from soms.toolkits.capacity.schemas import PlanInput, SimulateInput
from soms.toolkits.models.capacity import CapacityStudy
from tests.toolkits.capacity.conftest import demand_csv

pytestmark = pytest.mark.django_db

API = "/api/v1/capacity"


def hourly(intervals: int) -> str:
    """Exactly `intervals` hourly rows of synthetic demand (with handle times)."""
    lines = demand_csv(days=-(-intervals // 24)).strip().splitlines()
    return "\n".join(lines[: intervals + 1]) + "\n"


LARGE_CSV = hourly(limits.BACKGROUND_PLAN_INTERVALS + 1)
# 48 half-hours of 100 calls: 4,800 simulated calls per replication.
BUSY_DAY = [100.0] * 48
LARGE_REPLICATIONS = limits.BACKGROUND_SIMULATED_CALLS // 4_800 + 1


def post(client, path, body):
    return client.post(API + path, json.dumps(body), content_type="application/json")


def download(client, body) -> dict:
    job = client.get(body["url"]).json()
    assert job["status"] == "done", job
    return json.loads(b"".join(client.get(job["download_url"]).streaming_content))


def roundtrip(result: dict) -> dict:
    # What the synchronous answer's body parses to.
    return json.loads(json.dumps(result))


# ---- where the threshold lies ----------------------------------------------------------------


def test_a_plan_runs_in_the_background_one_interval_past_the_threshold():
    at = compute.plan_read(PlanInput(csv=hourly(limits.BACKGROUND_PLAN_INTERVALS)))
    past = compute.plan_read(PlanInput(csv=LARGE_CSV))
    assert at.intervals == limits.BACKGROUND_PLAN_INTERVALS and not at.runs_in_background
    assert past.intervals == limits.BACKGROUND_PLAN_INTERVALS + 1 and past.runs_in_background
    # The sample, which the plan page opens with, stays instant.
    assert not compute.plan_read(PlanInput(source="sample")).runs_in_background


def test_a_simulation_runs_in_the_background_past_the_simulated_calls_threshold():
    at = SimulateInput(calls=[limits.BACKGROUND_SIMULATED_CALLS / 10 / 48] * 48, aht=300, replications=10)
    past = SimulateInput(calls=BUSY_DAY, aht=300, replications=LARGE_REPLICATIONS)
    assert at.simulated_calls() == pytest.approx(limits.BACKGROUND_SIMULATED_CALLS)
    assert not compute.simulation_runs_in_background(at)
    assert compute.simulation_runs_in_background(past)


def test_a_short_plan_with_a_heavy_simulated_day_runs_in_the_background():
    text = demand_csv(days=15)
    light = compute.plan_read(PlanInput(csv=text, simulate=True, replications=2))
    heavy = compute.plan_read(PlanInput(csv=text, simulate=True, replications=500))
    assert light.intervals == heavy.intervals == 15 * 24
    assert not light.runs_in_background and heavy.runs_in_background
    assert not compute.plan_read(PlanInput(csv=text, replications=500)).runs_in_background


# ---- API ---------------------------------------------------------------------------------------


def test_a_large_api_plan_answers_202_and_the_job_keeps_the_synchronous_answer(world):
    client = world.client_for(world.charlie)
    body = {"csv": LARGE_CSV, "horizon_days": 2, "model": "seasonal_average", "filename": "year.csv"}
    with jobs_run():
        response = post(client, "/plan", body)
        assert response.status_code == 202, response.content[:300]
        assert Job.objects.get().status == JobStatus.QUEUED
    answer = response.json()
    assert answer["url"] == f"/api/v1/jobs/{answer['id']}"
    assert download(client, answer) == roundtrip(compute.compute_plan(PlanInput.model_validate(body)))
    job = Job.objects.get()
    assert job.progress_current == job.progress_total == 5 and job.owner == world.charlie
    page = client.get(job.result_url)
    assert job.result_url == reverse("capacity-job-result", args=[job.pk])
    assert page.status_code == 200 and 'id="staffing-chart"' in page.content.decode()


def test_a_small_api_plan_stays_inline(world):
    response = post(world.client_for(world.charlie), "/plan", {"csv": demand_csv(), "horizon_days": 2})
    assert response.status_code == 200 and "staffing" in response.json()
    assert not Job.objects.exists()


def test_a_large_multipart_plan_answers_202(world):
    client = world.client_for(world.charlie)
    upload = SimpleUploadedFile("year.csv", LARGE_CSV.encode(), content_type="text/csv")
    with jobs_run():
        response = client.post(
            API + "/plan", {"file": upload, "horizon_days": "1", "model": "seasonal_average"}
        )
    assert response.status_code == 202
    assert download(client, response.json())["series"]["filename"] == "year.csv"


def test_a_large_plan_with_a_bad_row_is_a_422_at_once_and_queues_nothing(world):
    lines = LARGE_CSV.splitlines()
    lines[4000] = lines[4000].split(",")[0] + ",-3,300"
    with jobs_run():
        response = post(world.client_for(world.charlie), "/plan", {"csv": "\n".join(lines) + "\n"})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "csv", 4001, "arrivals"]]
    assert not Job.objects.exists()


def test_a_large_plan_with_a_bad_parameter_is_a_422_and_queues_nothing(world):
    client = world.client_for(world.charlie)
    response = post(client, "/plan", {"csv": LARGE_CSV, "horizon_days": 99})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "horizon_days"]]
    without_aht = "\n".join(",".join(r.split(",")[:2]) for r in LARGE_CSV.strip().splitlines()) + "\n"
    response = post(client, "/plan", {"csv": without_aht})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "aht"]
    assert not Job.objects.exists()


def test_a_large_api_simulation_answers_202_and_the_job_keeps_the_synchronous_answer(world):
    client = world.client_for(world.charlie)
    body = {"calls": BUSY_DAY, "aht": 300, "replications": LARGE_REPLICATIONS, "seed": 7}
    with jobs_run():
        response = post(client, "/simulate", body)
    assert response.status_code == 202, response.content[:300]
    expected = compute.compute_simulation(SimulateInput.model_validate(body))
    assert download(client, response.json()) == roundtrip(expected)
    job = Job.objects.get()
    assert job.progress_total == LARGE_REPLICATIONS and job.progress_current == LARGE_REPLICATIONS
    page = client.get(job.result_url)
    assert page.status_code == 200 and 'id="simulation-chart"' in page.content.decode()


def test_a_bad_large_simulation_is_a_422_and_queues_nothing(world):
    body = {"calls": BUSY_DAY, "aht": 0, "replications": LARGE_REPLICATIONS}
    response = post(world.client_for(world.charlie), "/simulate", body)
    assert response.status_code == 422 and not Job.objects.exists()


def test_a_large_study_is_saved_by_a_job(world):
    client = world.client_for(world.charlie)
    inputs = {"csv": LARGE_CSV, "horizon_days": 1, "model": "seasonal_average"}
    with jobs_run():
        response = post(client, "/studies", {"name": "A year", "kind": "plan", "inputs": inputs})
        assert response.status_code == 202 and not CapacityStudy.objects.exists()
    study = CapacityStudy.objects.get()
    assert study.name == "A year" and study.created_by == world.charlie
    assert study.results == roundtrip(compute.compute_plan(PlanInput.model_validate(inputs)))
    document = download(client, response.json())
    assert document["id"] == study.pk and document["results"] == study.results
    assert Job.objects.get().result_url == reverse("capacity-study", args=[study.pk])


def test_a_large_study_with_bad_inputs_is_a_422_at_its_real_path(world):
    lines = LARGE_CSV.splitlines()
    lines[10] = "not a time,1,300"
    inputs = {"csv": "\n".join(lines) + "\n"}
    response = post(
        world.client_for(world.charlie), "/studies", {"name": "X", "kind": "plan", "inputs": inputs}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "inputs", "csv", 11, "timestamp"]
    assert not Job.objects.exists()


def test_the_spec_documents_the_202(world):
    spec = world.client_for(world.charlie).get("/api/openapi.json").json()
    for path in ("/api/v1/capacity/plan", "/api/v1/capacity/simulate", "/api/v1/capacity/studies"):
        operation = spec["paths"][path]["post"]
        assert "202" in operation["responses"], path
        assert "BACKGROUND_" in operation["description"] or "thresholds" in operation["description"]


# ---- pages -------------------------------------------------------------------------------------

PLAN = {
    "source": "upload",
    "horizon_days": "1",
    "model": "seasonal_average",
    "band": "80",
    "service_level": "80",
    "answer_within": "20",
    "definition": "offered",
    "max_occupancy": "100",
    "shrinkage": "0",
    "simulate_day": "1",
    "replications": "4",
}


def test_a_large_plan_page_goes_to_the_jobs_progress_page_and_then_shows_the_plan(world):
    client = world.client_for(world.charlie)
    with jobs_run():
        response = client.post(
            reverse("capacity-plan"), PLAN | {"csv_text": LARGE_CSV, "filename": "year.csv"}
        )
        job = Job.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse("job-detail", args=[job.pk])
        waiting = client.get(response["Location"]).content.decode()
        assert "Waiting to start" in waiting and "hx-trigger" in waiting
    done = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert "Show the result" in done and reverse("capacity-job-result", args=[job.pk]) in done
    shown = client.get(reverse("capacity-job-result", args=[job.pk])).content.decode()
    assert (
        'id="staffing-chart"' in shown
        and "year.csv" in shown
        and reverse("job-download", args=[job.pk]) in shown
    )


def test_a_large_simulation_from_the_plan_page_redirects_htmx_to_the_job(world):
    client = world.client_for(world.charlie)
    data = PLAN | {"csv_text": demand_csv(), "action": "simulate", "replications": "500"}
    response = client.post(reverse("capacity-plan"), data, HTTP_HX_REQUEST="true")
    job = Job.objects.get()
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("job-detail", args=[job.pk])
    assert job.params["inputs"]["simulate"] is True


def test_a_large_plan_saved_from_the_page_is_saved_by_the_job(world):
    client = world.client_for(world.charlie)
    with jobs_run():
        response = client.post(
            reverse("capacity-plan"), PLAN | {"csv_text": LARGE_CSV, "action": "save", "name": "Long history"}
        )
    assert response.status_code == 302
    study = CapacityStudy.objects.get()
    assert study.name == "Long history" and study.inputs["csv"] == LARGE_CSV
    assert client.get(reverse("capacity-job-result", args=[Job.objects.get().pk]))["Location"] == reverse(
        "capacity-study", args=[study.pk]
    )


def test_a_large_bad_file_on_the_page_lists_its_row_and_queues_nothing(world):
    lines = LARGE_CSV.splitlines()
    lines[300] = lines[300].split(",")[0] + ",many,300"
    response = world.client_for(world.charlie).post(
        reverse("capacity-plan"), PLAN | {"csv_text": "\n".join(lines) + "\n"}
    )
    assert response.status_code == 400 and "arrivals" in response.content.decode()
    assert not Job.objects.exists()


def test_the_result_page_of_another_kind_of_job_or_an_unfinished_one_is_404(world):
    from soms.jobs.services import job_start
    from tests.jobs.jobfns import count_to

    other = job_start(
        job_function=count_to, organisation=world.org_a, owner=world.charlie, title="x", params={"n": 1}
    )
    client = world.client_for(world.charlie)
    assert client.get(reverse("capacity-job-result", args=[other.pk])).status_code == 404
    post(client, "/simulate", {"calls": BUSY_DAY, "aht": 300, "replications": LARGE_REPLICATIONS})
    queued = Job.objects.exclude(pk=other.pk).get()
    assert client.get(reverse("capacity-job-result", args=[queued.pk])).status_code == 404


def test_a_result_computed_in_the_background_is_saved_as_the_same_study(world):
    client = world.client_for(world.charlie)
    body = {
        "csv": LARGE_CSV,
        "horizon_days": 1,
        "model": "seasonal_average",
        "simulate": True,
        "replications": 3,
    }
    with jobs_run():
        post(client, "/plan", body)
    job = Job.objects.get()
    url = reverse("capacity-job-result", args=[job.pk])
    assert client.post(url, {"name": "  "}).status_code == 400 and not CapacityStudy.objects.exists()
    response = client.post(url, {"name": "Seven months", "description": "From the job"})
    study = CapacityStudy.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("capacity-study", args=[study.pk])
    assert study.created_by == world.charlie and study.kind == "plan" and study.name == "Seven months"
    # What capacity_study_create would have saved from the same input.
    inp = PlanInput.model_validate(body)
    assert study.inputs == compute.plan_inputs(inp)
    assert study.results == roundtrip(compute.compute_plan(inp))
    assert client.get(reverse("capacity-study", args=[study.pk])).status_code == 200
