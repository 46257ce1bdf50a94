"""What first real use found at the capacity edges: messages in the user's terms, units, ambiguity."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.toolkits.capacity.conftest import demand_csv

pytestmark = pytest.mark.django_db
FORM = {
    "calls": "100",
    "interval_minutes": "30",
    "aht": "180",
    "service_level": "80",
    "answer_within": "20",
    "definition": "offered",
    "max_occupancy": "100",
    "shrinkage": "0",
}
API = "/api/v1/capacity"


def post(client: Client, path: str, body: str) -> object:
    return client.post(API + path, body, content_type="application/json")


def messages(response: object) -> list[str]:
    return [e["msg"] for e in response.json()["detail"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ('{"calls": true, "aht": 180}', "calls", "must be a number, not true or false"),
        ('{"calls": 100, "aht": NaN}', "aht", "must be a finite number"),
        ('{"calls": 100, "aht": Infinity}', "aht", "must be a finite number"),
        # JSON has numbers: a quoted one is a mistake of the client, named as such.
        ('{"calls": 100, "aht": "inf"}', "aht", "must be a number, not text"),
        ('{"calls": "100", "aht": 180}', "calls", "must be a number, not text"),
        ('{"calls": 100, "aht": 180, "service_level": 1}', "service_level", "must be below 100 %"),
        ('{"calls": 100, "aht": 360000}', "aht", "must be at most 8 hours"),
    ],
)
def test_the_erlang_api_refuses_in_the_users_terms(world, body, field, message):
    response = post(world.client_for(world.charlie), "/erlang", body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [d["loc"][-1] for d in detail] == [field]
    assert message in detail[0]["msg"]
    assert "less than" not in detail[0]["msg"] and "28800" not in detail[0]["msg"]


def test_empty_rows_beside_csv_are_refused_as_ambiguous(world):
    body = json.dumps({"csv": demand_csv(), "rows": []})
    response = post(world.client_for(world.charlie), "/plan", body)
    assert response.status_code == 422
    assert any("not both" in m for m in messages(response))


def test_errors_in_rows_are_numbered_by_row_index_not_csv_line(world):
    rows = [{"timestamp": f"2026-03-02T{h:02d}:00", "arrivals": 5} for h in range(24)]
    rows[3]["arrivals"] = -2
    response = post(world.client_for(world.charlie), "/plan", json.dumps({"rows": rows, "aht": 180}))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"][-3:] == ["rows", 3, "arrivals"]
    assert detail[0]["msg"].startswith("rows[3].arrivals:")
    assert "line" not in detail[0]["msg"]


def test_too_short_a_history_names_the_demand_never_series(world):
    body = json.dumps({"csv": demand_csv(days=1), "aht": 180, "horizon_days": 1})
    response = post(world.client_for(world.charlie), "/plan", body)
    assert response.status_code == 422
    text = json.dumps(response.json())
    assert "series" not in text
    assert response.json()["detail"][0]["loc"][-1] == "csv"


def test_fractions_in_json_say_so_in_the_schema(world):
    schema = Client().get("/api/openapi.json").json()
    out = schema["components"]["schemas"]["ErlangOut"]["properties"]
    assert "fraction" in out["service_level"]["description"] and "80 %" in out["service_level"]["description"]


def test_an_erlang_c_result_shows_no_abandonment_tile(world):
    client = world.client_for(world.charlie)
    erlang_c = client.post(reverse("capacity-erlang"), FORM).content.decode()
    assert 'id="required-agents"' in erlang_c
    assert 'id="abandonment"' not in erlang_c and '<th scope="col">Abandonment</th>' not in erlang_c
    erlang_a = client.post(reverse("capacity-erlang"), FORM | {"patience": "120"}).content.decode()
    assert 'id="abandonment"' in erlang_a


def test_the_erlang_chart_reads_service_level_in_percent(world):
    client = world.client_for(world.charlie)
    page = client.post(reverse("capacity-erlang"), FORM).content.decode()
    chart = page[page.index('class="chart-box"') :]
    assert "88.8 %" in chart and "0.888" not in chart


def test_the_cli_plan_prints_the_simulated_service_level_in_percent(tmp_path):
    path = tmp_path / "demand.csv"
    path.write_text(demand_csv())
    out = io.StringIO()
    call_command(
        "capacity", "plan", str(path), "--simulate", "--replications", "3", "--horizon", "1d", stdout=out
    )
    line = next(x for x in out.getvalue().splitlines() if x.startswith("Simulated day"))
    assert "%" in line and "0." not in line.split("service level")[1][:8]
