"""`soms capacity`: reference values, JSON output, plans from files, saving, and errors that name the argument."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from soms.toolkits.models.capacity import CapacityStudy
from tests.toolkits.capacity.conftest import BAD_FILES, demand_csv


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("capacity", *args, stdout=out)
    return out.getvalue()


def test_erlang_reference_table():
    text = run(
        "erlang",
        "--calls",
        "100",
        "--interval",
        "30m",
        "--aht",
        "180s",
        "--target",
        "80/20s",
        "--shrinkage",
        "30%",
    )
    assert "Erlang C: 100 calls per 30 min, AHT 180 s, target 80 % in 20 s" in text
    assert "│ Agents required " in text and "│            14 │" in text
    assert "88.8 %" in text and "0.888" not in text and "7.8 s" in text
    assert "Abandonment" not in text and "abandonment" not in text  # Erlang C: nobody hangs up
    assert "FTE after 30 % shrinkage" in text and "│            20 │" in text
    assert "14 ◀" in text  # the answer, marked in the reverse table


def test_erlang_json():
    body = json.loads(run("erlang", "--calls", "100", "--interval", "1800s", "--aht", "3m", "--json"))
    assert (
        body["agents"] == 14 and round(body["asa"], 1) == 7.8 and body["inputs"]["interval_seconds"] == 1800
    )
    erlang_a = json.loads(
        run(
            "erlang",
            "--calls",
            "100",
            "--aht",
            "180",
            "--patience",
            "2m",
            "--max-occupancy",
            "0.85",
            "--json",
        )
    )
    assert erlang_a["model"] == "Erlang A" and erlang_a["inputs"]["max_occupancy"] == 0.85


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--calls", "many", "--aht", "180s"], "--calls: 'many' is not a number"),
        (["--calls", "100", "--aht", "180s", "--interval", "30x"], "--interval: unknown unit 'x'"),
        (["--calls", "100", "--aht", "0s"], "--aht: must be above 0 seconds"),
        (["--calls", "100", "--aht", "100h"], "--aht: must be at most 8 hours (28,800 seconds)"),
        (["--calls", "100", "--aht", "180s", "--target", "80"], "--target: '80' is not a target"),
        (["--calls", "100", "--aht", "180s", "--target", "100/20s"], "--target: must be below 100 %"),
        (
            ["--calls", "100", "--aht", "180s", "--shrinkage", "lots"],
            "--shrinkage: 'lots' is not a percentage",
        ),
        (
            ["--calls", "100", "--aht", "180s", "--shrinkage", "100%"],
            "--shrinkage: must be below 100 %",
        ),
    ],
)
def test_erlang_bad_arguments_name_the_argument(args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run("erlang", *args)


@pytest.mark.django_db
def test_plan_from_a_file_with_output_csv_and_simulation(tmp_path):
    demand = tmp_path / "demand.csv"
    demand.write_text(demand_csv())
    out_csv = tmp_path / "plan.csv"
    text = run(
        "plan",
        str(demand),
        "--horizon",
        "2d",
        "--model",
        "seasonal_average",
        "--target",
        "80/20s",
        "--shrinkage",
        "30%",
        "--simulate",
        "--replications",
        "3",
        "-o",
        str(out_csv),
    )
    assert "Backtest on the last 7 days" in text and "Staffing plan (Seasonal average" in text
    assert "Simulated day 1 (3 runs)" in text
    lines = out_csv.read_text().splitlines()
    assert lines[0].startswith("timestamp,calls") and len(lines) == 1 + 48
    assert not CapacityStudy.objects.exists()


@pytest.mark.django_db
def test_plan_save_into_an_organisation(tmp_path, world):
    demand = tmp_path / "demand.csv"
    demand.write_text(demand_csv())
    body = json.loads(
        run(
            "plan",
            str(demand),
            "--horizon",
            "1d",
            "--save",
            "--org",
            world.org_a.slug,
            "--name",
            "From CLI",
            "--json",
        )
    )
    study = CapacityStudy.objects.get()
    assert body["study_id"] == study.pk and study.organisation == world.org_a and study.name == "From CLI"
    assert study.inputs["csv"] == demand_csv() and study.inputs["filename"] == "demand.csv"


@pytest.mark.django_db
def test_plan_sample_is_labelled():
    assert "Synthetic sample data" in run("plan", "--sample", "--horizon", "1d")


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_plan_bad_csv_lists_rows_and_saves_nothing(tmp_path, world, case):
    text, row, column = BAD_FILES[case]
    demand = tmp_path / "bad.csv"
    demand.write_text(text)
    with pytest.raises(CommandError) as err:
        run("plan", str(demand), "--save", "--org", world.org_a.slug, "--name", "x")
    assert f"row {row}, column {column}:" in str(err.value) and "nothing was saved" in str(err.value)
    assert not CapacityStudy.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "FILE: give a demand CSV file, or --sample"),
        (["/no/such/file.csv"], "FILE: /no/such/file.csv does not exist"),
        (["--sample", "--horizon", "soon"], "--horizon: 'soon' is not a number of days"),
        (["--sample", "--horizon", "60d"], "--horizon: must be at most 28 days"),
        (["--sample", "--day", "0"], "--day: '0' is not a day number"),
        (["--sample", "--replications", "lots"], "--replications: 'lots' is not a whole number"),
        (["--sample", "--save"], "--save: give the organisation"),
        (
            ["--sample", "--save", "--org", "nowhere", "--name", "x"],
            "--org: no organisation with the slug 'nowhere'",
        ),
    ],
)
def test_plan_bad_arguments_name_the_argument(args, message):
    with pytest.raises(CommandError, match=message):
        run("plan", *args)


@pytest.mark.django_db
def test_plan_without_handle_times_asks_for_aht(tmp_path):
    demand = tmp_path / "counts.csv"
    demand.write_text(demand_csv(handle_time=False))
    with pytest.raises(CommandError, match="--aht: the file has no handle-time column"):
        run("plan", str(demand))
    assert "Average handle time" in run("plan", str(demand), "--aht", "4m", "--horizon", "1d")


def test_soms_console_command_runs_the_erlang_calculator(tmp_path):
    # The real entry point, as a person types it; no database is needed for the calculator.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "soms.cli",
            "capacity",
            "erlang",
            "--calls",
            "100",
            "--interval",
            "30m",
            "--aht",
            "180s",
            "--target",
            "80/20s",
        ],
        env={
            "PATH": "/usr/bin:/bin",
            "SOMS_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "soms.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "│            14 │" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "soms.cli", "capacity", "erlang", "--calls", "100", "--aht", "3 fortnights"],
        env={
            "PATH": "/usr/bin:/bin",
            "SOMS_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "soms.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and "--aht: unknown unit 'fortnights'" in bad.stderr
