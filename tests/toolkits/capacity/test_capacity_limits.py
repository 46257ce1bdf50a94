"""Inputs a fuzzing run used to crash or exhaust the server, through the API, the pages and the CLI.

Each must be refused with a clear answer naming the field (422, a form error, a CommandError)
and nothing saved. The demand-span cases lower the core's limit with monkeypatch, so the files
stay small here; tests/core/capacity/test_capacity_limits.py checks the real limit.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from soms.core.capacity import demand
from soms.core.capacity.sample import series_to_csv, synthetic_series
from soms.toolkits.models.capacity import CapacityStudy
from tests.toolkits.capacity.conftest import MONDAY, demand_csv

pytestmark = pytest.mark.django_db

API = "/api/v1/capacity"


def post(client: Client, path: str, body: object) -> object:
    return client.post(API + path, json.dumps(body), content_type="application/json")


def detail(response: object) -> list[dict[str, object]]:
    return response.json()["detail"]  # type: ignore[attr-defined, no-any-return]


def fields(response: object) -> set[object]:
    return {e["loc"][-1] for e in detail(response)}  # type: ignore[index]


@pytest.fixture
def short_span_limit(monkeypatch: pytest.MonkeyPatch) -> str:
    """A 1,000-interval span limit and an hourly file whose last row lies beyond it."""
    monkeypatch.setattr(demand, "MAX_INTERVALS", 1000)
    text = demand_csv(days=9)
    stray = (MONDAY + timedelta(hours=1500)).isoformat()
    return text + f"{stray},10,300\n"


STRAY_ROW = 2 + 9 * 24  # header, then nine days of hours, then the stray row


def calendar_end_csv() -> str:
    """Three days of hours that end at the last hour of year 9999: the forecast has nowhere to go."""
    start = datetime(9999, 12, 29)
    return series_to_csv(synthetic_series(start, days=3, interval=timedelta(hours=1), seed=4))


# ---- API -------------------------------------------------------------------------------------


def test_plan_with_a_stray_far_future_row_is_422_naming_row_and_column(world, short_span_limit):
    response = post(world.client_for(world.charlie), "/plan", {"csv": short_span_limit, "horizon_days": 1})
    assert response.status_code == 422
    [issue] = detail(response)
    assert issue["loc"] == ["body", "csv", STRAY_ROW, "timestamp"]
    assert "at most 1,000 intervals of 60 minutes" in str(issue["msg"])


def test_plan_at_the_end_of_the_calendar_is_422_not_an_overflow(world):
    text = calendar_end_csv()
    response = post(world.client_for(world.charlie), "/plan", {"csv": text, "horizon_days": 1})
    assert response.status_code == 422
    assert [i["loc"] for i in detail(response)] == [["body", "csv", text.count("\n"), "timestamp"]]


def test_plan_whose_simulated_day_is_too_big_names_the_replications(world):
    busy = "timestamp,arrivals,handle_time\n" + "".join(
        f"{(MONDAY + timedelta(hours=h)).isoformat()},5000,300\n" for h in range(8 * 24)
    )
    response = post(
        world.client_for(world.charlie),
        "/plan",
        {"csv": busy, "horizon_days": 1, "simulate": True, "replications": 500},
    )
    assert response.status_code == 422 and fields(response) == {"replications"}


@pytest.mark.parametrize("agents", [9223372036854775807, 99999999999999999999, 100_001])
def test_simulate_with_a_huge_staffing_is_422_naming_agents(world, agents):
    response = post(
        world.client_for(world.charlie), "/simulate", {"calls": [10], "agents": [agents], "aht": 300}
    )
    assert response.status_code == 422 and "agents" in json.dumps(detail(response))


def test_simulate_with_staffing_that_swings_every_interval_is_refused_naming_agents(world):
    # 2,000 callers per run but 100,000 agents coming on shift every other interval: each arrival on
    # shift is a step of the simulation loop, so this would run for minutes.
    calls = [2.0] * 1000
    agents = [0, 100_000] * 500
    response = post(
        world.client_for(world.charlie),
        "/simulate",
        {"calls": calls, "agents": agents, "aht": 300, "interval_seconds": 60, "replications": 500},
    )
    assert response.status_code == 422 and "staffing changes" in json.dumps(detail(response))
    steady = post(
        world.client_for(world.charlie),
        "/simulate",
        {"calls": calls, "agents": [5] * 1000, "aht": 300, "interval_seconds": 60, "replications": 2},
    )
    assert steady.status_code == 200


def test_simulate_with_far_more_agents_than_calls_is_answered(world):
    response = post(
        world.client_for(world.charlie),
        "/simulate",
        {"calls": [10], "agents": [100_000], "aht": 300, "replications": 2},
    )
    assert response.status_code == 200
    assert response.json()["simulated"]["overall"]["service_level_offered"]["mean"] == 1.0


@pytest.mark.parametrize("start", ["garbage", "9999-12-31T23:30:00"])
def test_simulate_with_a_bad_start_is_422_naming_start(world, start):
    response = post(
        world.client_for(world.charlie), "/simulate", {"calls": [10, 10], "aht": 300, "start": start}
    )
    assert response.status_code == 422 and fields(response) == {"start"}


def test_simulate_start_is_a_date_time_and_is_saved_as_text(world):
    client = world.client_for(world.charlie)
    inputs = {"calls": [10, 10], "aht": 300, "start": "2026-03-02T08:00", "replications": 2}
    computed = post(client, "/simulate", inputs).json()
    assert computed["timestamps"] == ["2026-03-02T08:00:00", "2026-03-02T08:30:00"]
    saved = post(client, "/studies", {"name": "Morning", "kind": "simulation", "inputs": inputs})
    assert saved.status_code == 201 and saved.json()["inputs"]["start"] == "2026-03-02T08:00:00"


@pytest.mark.parametrize("cap", [1e-9, 1e-10])
def test_erlang_with_a_tiny_occupancy_cap_is_422_naming_it(world, cap):
    # The fuzzer's payload: an OverflowError at 1e-9, a wrapped count ("agents") at 1e-10.
    payload = {
        "calls": 1_000_000,
        "aht": 86400,
        "interval_seconds": 60,
        "max_occupancy": cap,
        "shrinkage": 0.9,
    }
    response = post(world.client_for(world.charlie), "/erlang", payload)
    assert response.status_code == 422
    assert "max_occupancy" in fields(response) and "agents" not in fields(response)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"service_level": 0.9999999999}, "service_level"),
        ({"aht": 50_000}, "aht"),
        ({"shrinkage": 0.995}, "shrinkage"),
    ],
)
def test_erlang_targets_and_times_are_bounded(world, payload, field):
    response = post(world.client_for(world.charlie), "/erlang", {"calls": 100, "aht": 180} | payload)
    assert response.status_code == 422 and fields(response) == {field}


def test_erlang_load_beyond_the_agent_limit_is_422_naming_calls(world):
    payload = {"calls": 1_000_000, "aht": 28_800, "interval_seconds": 60}
    response = post(world.client_for(world.charlie), "/erlang", payload)
    assert response.status_code == 422 and fields(response) == {"calls"}
    assert "1,000,000 agents" in json.dumps(detail(response))
    assert not CapacityStudy.objects.exists()


# ---- pages -----------------------------------------------------------------------------------

ERLANG_FORM = {
    "calls": "100",
    "interval_minutes": "30",
    "aht": "180",
    "service_level": "80",
    "answer_within": "20",
    "definition": "offered",
    "max_occupancy": "85",
    "shrinkage": "30",
}


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("service_level", "99.99", "Target service level"),
        ("max_occupancy", "2", "Maximum occupancy"),
        ("aht", "50000", "Average handle time"),
    ],
)
def test_erlang_page_bounds_name_the_field(world, field, value, label):
    response = world.client_for(world.charlie).post(reverse("capacity-erlang"), ERLANG_FORM | {field: value})
    assert response.status_code == 400 and f"<li>{label}" in response.content.decode()


def test_erlang_page_accepts_the_bounds_themselves(world):
    response = world.client_for(world.charlie).post(
        reverse("capacity-erlang"), ERLANG_FORM | {"service_level": "99.9", "max_occupancy": "5"}
    )
    assert response.status_code == 200 and 'id="required-agents">' in response.content.decode()


def test_plan_page_lists_the_stray_row(world, short_span_limit):
    form = {
        "source": "upload",
        "horizon_days": "1",
        "model": "seasonal_average",
        "band": "80",
        "service_level": "80",
        "answer_within": "20",
        "definition": "offered",
        "max_occupancy": "85",
        "shrinkage": "30",
        "simulate_day": "1",
        "replications": "4",
        "demand_file": SimpleUploadedFile("d.csv", short_span_limit.encode(), content_type="text/csv"),
    }
    response = world.client_for(world.charlie).post(reverse("capacity-plan"), form)
    assert response.status_code == 400
    assert f"<td>{STRAY_ROW}</td><td>timestamp</td>" in response.content.decode()


# ---- CLI -------------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("capacity", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-occupancy", "0.000000001"], "--max-occupancy: must be at least 5 %"),
        (["--target", "99.99/20s"], "--target: must be at most 99.9 %"),
        (["--aht", "10h"], "--aht: must be at most 8 hours"),
        (["--calls", "1000000", "--aht", "8h", "--interval", "1m"], "--calls: an offered load of"),
    ],
)
def test_cli_erlang_bounds_name_the_option(args, message):
    with pytest.raises(CommandError, match=message):
        run("erlang", "--calls", "100", "--aht", "180s", *args)


def test_cli_plan_names_the_stray_row(tmp_path, short_span_limit):
    path = tmp_path / "demand.csv"
    path.write_text(short_span_limit)
    with pytest.raises(CommandError, match=f"row {STRAY_ROW}, column timestamp: .* at most 1,000 intervals"):
        run("plan", str(path), "--horizon", "1d")
